//! `vaora checkin` and `vaora checkout`: manual check-ins from the command line.

use clap::Args;
use vaora_core::diary::CheckInRequest;
use vaora_core::diary::Unverified;
use vaora_core::scan::{ScanOptions, scan_luma};
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{CheckInMethod, VenueRef};
use vaora_protocol::venue::VenueCategory;

use crate::context::GlobalOpts;
use crate::format::{local, parse_at};

#[derive(Debug, Args)]
pub struct CheckinArgs {
    /// Check in at the venue code found in this image (decode, verify, check in).
    #[arg(long, conflicts_with_all = ["venue_name", "venue_address", "at"])]
    scan: Option<std::path::PathBuf>,
    /// With --scan: also check in at a code that cannot be verified (unknown key, not yet
    /// valid, expired); the check-in is stored as unverified.
    #[arg(long, requires = "scan")]
    accept_unverified: bool,
    #[arg(long, required_unless_present = "scan")]
    venue_name: Option<String>,
    #[arg(long, default_value = "")]
    venue_address: String,
    /// Venue category (office, school, market, …).
    #[arg(long, default_value = "other")]
    venue_category: VenueCategory,
    /// Who checks in (name or id); repeat for a family. Default: the owner.
    #[arg(long)]
    person: Vec<String>,
    /// When (RFC 3339); default now.
    #[arg(long)]
    at: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckoutArgs {
    /// The check-in to close; default every open one.
    #[arg(long)]
    id: Option<String>,
    /// When (RFC 3339); default now.
    #[arg(long)]
    at: Option<String>,
}

/// Prints one `checked in <id> <person> at <venue> <time>` line per person.
pub fn checkin(global: &GlobalOpts, args: CheckinArgs) -> anyhow::Result<()> {
    let at = args.at.as_deref().map(parse_at).transpose()?;
    let mut diary = global.open_diary()?;
    let people = if args.person.is_empty() {
        vec![diary.owner_id()]
    } else {
        args.person
            .iter()
            .map(|p| diary.find_person(p).map(|p| p.id))
            .collect::<Result<Vec<_>, _>>()?
    };
    if let Some(image) = &args.scan {
        let policy = if args.accept_unverified {
            Unverified::Accept
        } else {
            Unverified::Refuse
        };
        return checkin_scanned(diary, image, people, policy);
    }
    let done = diary.check_in(CheckInRequest {
        people,
        venue: VenueRef {
            id: None,
            name: args.venue_name.unwrap_or_default(),
            address: args.venue_address,
            category: args.venue_category,
            issuer_key_id: None,
            verified: false,
        },
        method: CheckInMethod::ManualEntry,
        at,
        venue_default_stay: None,
    })?;
    for c in &done {
        println!(
            "checked in {} {} at {} {}",
            c.id,
            c.person_name,
            c.venue.name,
            local(&c.checked_in_at)
        );
    }
    diary.close()?;
    Ok(())
}

/// `vaora checkin --scan IMAGE`: the first venue code in the image that gives a venue
/// (valid, or accepted unverified) checks everyone in; prints `venue <result> <name>`,
/// then one `checked in …` line per person.
fn checkin_scanned(
    mut diary: vaora_core::diary::Diary,
    image: &std::path::Path,
    people: Vec<vaora_protocol::ids::Id128>,
    policy: Unverified,
) -> anyhow::Result<()> {
    let (luma, w, h) = crate::scan::load_luma(image)?;
    // One still image and a person waiting: a larger budget than a camera frame gets.
    let opts = ScanOptions {
        budget: std::time::Duration::from_secs(10),
        ..ScanOptions::still_image()
    };
    let found = scan_luma(&luma, w, h, &opts)?;
    let texts: Vec<String> = found.codes.iter().filter_map(|c| c.text.clone()).collect();
    let Some(text) = texts
        .iter()
        .find(|t| vaora_protocol::venue::payload::has_prefix(t))
    else {
        anyhow::bail!(
            "no venue code in {} ({} other codes)",
            image.display(),
            found.codes.len()
        );
    };
    let (scanned, done) = diary.check_in_from_venue_code(text, people, policy)?;
    println!(
        "venue {} {}",
        scanned.verification.as_str(),
        scanned.venue.name
    );
    for c in &done {
        println!(
            "checked in {} {} at {} {}",
            c.id,
            c.person_name,
            c.venue.name,
            local(&c.checked_in_at)
        );
    }
    diary.close()?;
    Ok(())
}

/// Prints one `checked out <id> <time>` line per closed check-in.
pub fn checkout(global: &GlobalOpts, args: CheckoutArgs) -> anyhow::Result<()> {
    let at = args.at.as_deref().map(parse_at).transpose()?;
    let id = args
        .id
        .as_deref()
        .map(str::parse::<Id128>)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--id: {e}"))?;
    let mut diary = global.open_diary()?;
    let closed = diary.check_out(id.as_ref(), at)?;
    if closed.is_empty() {
        anyhow::bail!("nobody is checked in");
    }
    for id in &closed {
        let c = diary.checkin(id)?;
        let out = c.checked_out_at.as_ref().map(local).unwrap_or_default();
        println!("checked out {id} {out}");
    }
    diary.close()?;
    Ok(())
}
