//! The authority's server commands: `vaora authority venue | case | trace | publish |
//! inspector`.

use std::path::PathBuf;

use anyhow::Context;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use vaora_core::sync::authority_client::AuthorityClient;
use vaora_protocol::ids::Id128;
use vaora_protocol::wire::{VenueRequest, VenueResponse};
use vaora_server::AuthorityKey;

#[derive(Debug, Clone, Args)]
pub struct AuthorityConn {
    /// Server base URL, e.g. http://127.0.0.1:8080
    #[arg(long)]
    pub server: String,
    /// Directory with the authority key (`authority.json`, from `vaora authority init`).
    #[arg(long)]
    pub authority: PathBuf,
}

/// A venue as the server registers it (`vaora authority venue`, `vaora venue register`).
#[derive(Debug, Clone, Args)]
pub struct VenueFields {
    #[arg(long)]
    pub name: String,
    #[arg(long, default_value = "")]
    pub address: String,
    /// Ward / commune (for the console's statistics).
    #[arg(long, default_value = "")]
    pub ward: String,
    /// office, school, market, supermarket, clinic, pharmacy, transport-station,
    /// public-vehicle, factory, restaurant-shop, community-house, other.
    #[arg(long)]
    pub category: Option<String>,
    /// Default stay printed into the code (minutes, 1..=1440); 60 when absent.
    #[arg(long)]
    pub stay_minutes: Option<u16>,
}

impl VenueFields {
    pub fn request(self) -> VenueRequest {
        VenueRequest {
            name: self.name,
            address: self.address,
            ward: self.ward,
            category: self.category,
            stay_minutes: self.stay_minutes,
        }
    }
}

#[derive(Debug, Clone, Subcommand)]
pub enum CaseCmd {
    /// Register a venue on the server; writes the poster, prints the venue id and the
    /// signed code on the last two lines.
    Venue {
        #[command(flatten)]
        conn: AuthorityConn,
        #[command(flatten)]
        venue: VenueFields,
        /// Write the poster here: SVG when the name ends in `.svg`, an A4 PDF when it ends
        /// in `.pdf`, PNG otherwise.
        #[arg(long)]
        poster_out: Option<PathBuf>,
    },
    /// Mark a case (a device, optionally one person, or a card holder by the number of the
    /// CCCD or BHYT card staff scanned; and a period); prints the case id last.
    Case {
        #[command(flatten)]
        conn: AuthorityConn,
        #[arg(long, required_unless_present = "card", conflicts_with = "card")]
        device: Option<Id128>,
        /// Only this person's check-ins (a household member).
        #[arg(long, requires = "device")]
        person: Option<Id128>,
        /// A card holder without a phone: the CCCD (12 digits) or BHYT (2 letters, 13
        /// digits) number, as typed or scanned.
        #[arg(long)]
        card: Option<String>,
        #[arg(long)]
        from: DateTime<Utc>,
        #[arg(long)]
        to: DateTime<Utc>,
    },
    /// List contacts: one line per contact (device, person, venue, overlap start and end;
    /// a visit staff recorded ends with how and the birth year, e.g. "(staff: CCCD, born 1948)").
    Trace {
        #[command(flatten)]
        conn: AuthorityConn,
        #[arg(long)]
        case: Id128,
    },
    /// Publish the case's stays as exposure windows.
    Publish {
        #[command(flatten)]
        conn: AuthorityConn,
        #[arg(long)]
        case: Id128,
    },
    /// Certify a registered device as a field inspector; prints `inspector DEVICE_ID`
    /// (with `--revoke`, withdraws it and prints `not an inspector DEVICE_ID`).
    Inspector {
        #[command(flatten)]
        conn: AuthorityConn,
        #[arg(long)]
        device: Id128,
        #[arg(long)]
        revoke: bool,
    },
    /// A single-use inspector code (valid 15 minutes) a phone redeems with `vaora
    /// inspector enrol`; prints `inspector code CODE` and `valid until TIME`.
    InspectorCode {
        #[command(flatten)]
        conn: AuthorityConn,
    },
}

fn client(conn: &AuthorityConn) -> anyhow::Result<AuthorityClient> {
    let key = AuthorityKey::load(&conn.authority)?;
    let key_id = key.key_id();
    Ok(AuthorityClient::new(
        &conn.server,
        key_id,
        Box::new(move |m| key.sign(m)),
    )?)
}

pub fn run(cmd: CaseCmd) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match cmd {
        CaseCmd::Venue {
            conn,
            venue,
            poster_out,
        } => {
            let c = client(&conn)?;
            let ward = venue.ward.clone();
            let resp = rt
                .block_on(c.register_venue(&venue.request()))
                .context("registering the venue")?;
            println!(
                "valid {} .. {}",
                resp.valid_from.to_rfc3339(),
                resp.valid_until.to_rfc3339()
            );
            print_registered(&resp, poster_out.as_deref(), &ward)?;
        }
        CaseCmd::Case {
            conn,
            device,
            person,
            card,
            from,
            to,
        } => {
            let c = client(&conn)?;
            let resp = match (device, card) {
                (Some(device), _) => rt.block_on(c.create_case(device, person, from, to)),
                (None, Some(card)) => rt.block_on(c.create_card_case(&card, from, to)),
                (None, None) => anyhow::bail!("give --device or --card"),
            }
            .context("marking the case")?;
            println!("case check-ins {}", resp.checkins);
            println!("{}", resp.case_id);
        }
        CaseCmd::Trace { conn, case } => {
            let c = client(&conn)?;
            let resp = rt.block_on(c.trace(case)).context("tracing")?;
            for k in &resp.contacts {
                println!(
                    "{} {} {} {} {}{}",
                    k.device_id,
                    k.person_name,
                    k.venue_name,
                    k.overlap_from.to_rfc3339(),
                    k.overlap_until.to_rfc3339(),
                    staff_note(k)
                );
            }
        }
        CaseCmd::Publish { conn, case } => {
            let c = client(&conn)?;
            let resp = rt.block_on(c.publish(case)).context("publishing")?;
            for w in &resp.windows {
                println!(
                    "window {} venue {} {} {} level {}",
                    w.id,
                    w.venue_id,
                    w.from.to_rfc3339(),
                    w.until.to_rfc3339(),
                    w.level
                );
            }
            println!("published {}", resp.published);
        }
        CaseCmd::Inspector {
            conn,
            device,
            revoke,
        } => {
            let c = client(&conn)?;
            let resp = rt
                .block_on(c.certify_inspector(device, revoke))
                .context("certifying the inspector")?;
            if resp.inspector {
                println!("inspector {}", resp.device_id);
            } else {
                println!("not an inspector {}", resp.device_id);
            }
        }
        CaseCmd::InspectorCode { conn } => {
            let c = client(&conn)?;
            let code = rt
                .block_on(c.inspector_code())
                .context("asking for an inspector code")?;
            println!("inspector code {}", code.code);
            println!("valid until {}", code.expires_at.to_rfc3339());
        }
    }
    Ok(())
}

/// What a trace line adds for a visit staff recorded (the person may have no phone):
/// " (staff: CCCD, born 1948)"; nothing for a phone's own check-in, so those lines are
/// as before.
fn staff_note(k: &vaora_protocol::wire::Contact) -> String {
    use vaora_protocol::wire::IdentifiedBy;
    let how = match k.identified_by {
        IdentifiedBy::Phone => return String::new(),
        IdentifiedBy::StaffPersonalCode => "personal code",
        IdentifiedBy::StaffCccd => "CCCD",
        IdentifiedBy::StaffBhyt => "BHYT",
    };
    match k.birth_year {
        Some(y) => format!(" (staff: {how}, born {y})"),
        None => format!(" (staff: {how})"),
    }
}

/// Writes the poster of a venue the server registered (SVG when `poster_out` ends in
/// `.svg`, an A4 PDF ready to print when it ends in `.pdf`, PNG otherwise) and prints
/// `poster FILE`, then the venue id and the signed code as the last two lines (the
/// contract of `vaora authority venue` and `vaora venue register`). The PDF is drawn
/// here from the signed code and `ward`, as the server draws its posters.
pub(crate) fn print_registered(
    resp: &VenueResponse,
    poster_out: Option<&std::path::Path>,
    ward: &str,
) -> anyhow::Result<()> {
    if let Some(path) = poster_out {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let bytes = match ext.as_deref() {
            Some("svg") => resp.poster_svg.clone().into_bytes(),
            Some("pdf") => {
                let code = vaora_protocol::venue::VenueCode::parse(&resp.code)
                    .context("the server's venue code")?;
                vaora_protocol::render::poster::poster_pdf(&code.poster(ward))?
            }
            _ => base64::engine::general_purpose::STANDARD
                .decode(&resp.poster_png_base64)
                .context("the server's poster PNG is not base64")?,
        };
        std::fs::write(path, bytes)
            .with_context(|| format!("writing the poster to {}", path.display()))?;
        println!("poster {}", path.display());
    }
    println!("{}", resp.venue_id);
    println!("{}", resp.code);
    Ok(())
}
