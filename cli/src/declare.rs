//! `vaora declare`, `vaora declarations list`, `vaora personal-code`, `vaora verify`,
//! `vaora staff-checkin`: health declarations, personal codes and the staff side.
//!
//! Output lines are a contract (issue 4): `personal-code` prints the payload text on its
//! last line; `verify` (cli/src/verify.rs) prints `<kind> <result>` first, then
//! `key: value` lines ([`print_classified`]).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use vaora_core::desk::{DeskSettings, StaffDesk};
use vaora_core::diary::Diary;
use vaora_protocol::cards::{CardProfile, cccd};
use vaora_protocol::codes::Classified;
use vaora_protocol::declare::{
    Answers, CodeStatus, DeclarePolicy, DeclaredFor, DeviceTrust, PersonalCode,
    VerifiedPersonalCode, VisitorSource, qr,
};
use vaora_protocol::ids::Id128;

use crate::context::GlobalOpts;
use crate::format::{local, rfc3339};

#[derive(Debug, Args)]
pub struct DeclareArgs {
    /// Name or id of the household member declared for (default: the owner).
    #[arg(long = "for")]
    pub for_person: Option<String>,
    /// The answers as JSON (schema in docs/declarations.md).
    #[arg(
        long,
        conflicts_with = "all_clear",
        required_unless_present = "all_clear"
    )]
    pub answers: Option<PathBuf>,
    /// No symptom, no contact, no travel, no vaccination answer.
    #[arg(long)]
    pub all_clear: bool,
    /// How long the declaration holds, in hours (1..=336).
    #[arg(long, default_value_t = 24)]
    pub valid_hours: i64,
}

#[derive(Debug, Subcommand)]
pub enum DeclarationsCmd {
    /// Every stored declaration, newest first: one line each.
    List,
}

#[derive(Debug, Args)]
pub struct PersonalCodeArgs {
    /// Name or id of the household member (default: the owner).
    #[arg(long = "for")]
    pub for_person: Option<String>,
    /// Output file: .png or .svg.
    #[arg(long)]
    pub out: PathBuf,
    /// Draw a printable card (status frame; name and validity in the SVG) instead of the bare code.
    #[arg(long)]
    pub card: bool,
}

#[derive(Debug, Args)]
pub struct StaffCheckinArgs {
    /// The venue where staff scan (a venue code text).
    #[arg(long)]
    pub venue_code: String,
    /// The visitor's scanned text: personal code, CCCD or BHYT.
    #[arg(long)]
    pub scanned: String,
    /// Refuse personal codes from devices no trusted authority certified.
    #[arg(long)]
    pub require_certified: bool,
}

fn person_id(diary: &Diary, for_person: Option<&str>) -> anyhow::Result<Id128> {
    Ok(match for_person {
        Some(p) => diary.find_person(p)?.id,
        None => diary.owner_id(),
    })
}

pub fn declare(global: &GlobalOpts, args: DeclareArgs) -> anyhow::Result<()> {
    let diary = global.open_diary()?;
    let now = diary.clock().now();
    let today = now
        .with_timezone(&diary.clock().local_offset())
        .date_naive();
    let answers = match &args.answers {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading answers {}", path.display()))?;
            Answers::from_json(&text, today)?
        }
        None => Answers::all_clear(),
    };
    let policy = DeclarePolicy {
        validity: chrono::Duration::hours(args.valid_hours),
    };
    let id = person_id(&diary, args.for_person.as_deref())?;
    let stored = diary.declare_for_person(&id, answers, &policy)?;
    let b = &stored.body;
    println!("declared {} for {}", b.id, b.subject.name);
    if let DeclaredFor::HouseholdMember { declarant } = &b.declared_for {
        println!("declared by: {}", declarant.name);
    }
    println!("summary: {}", b.summary().describe());
    println!("valid until: {}", rfc3339(&b.valid_until));
    diary.close()?;
    Ok(())
}

pub fn declarations(global: &GlobalOpts, cmd: DeclarationsCmd) -> anyhow::Result<()> {
    let diary = global.open_diary()?;
    match cmd {
        DeclarationsCmd::List => {
            let now = diary.clock().now();
            for d in diary.declarations()? {
                let b = &d.body;
                let by = match &b.declared_for {
                    DeclaredFor::Myself => "self".to_owned(),
                    DeclaredFor::HouseholdMember { declarant } => {
                        format!("proxy by {}", declarant.name)
                    }
                };
                let state = if b.is_valid_at(now) {
                    "valid"
                } else {
                    "expired"
                };
                println!(
                    "{}  {}  {}  {}  {}  until {} ({state})",
                    b.id,
                    local(&b.declared_at),
                    b.subject.name,
                    by,
                    b.summary().describe(),
                    local(&b.valid_until)
                );
            }
        }
    }
    diary.close()?;
    Ok(())
}

pub fn personal_code(global: &GlobalOpts, args: PersonalCodeArgs) -> anyhow::Result<()> {
    let diary = global.open_diary()?;
    let id = person_id(&diary, args.for_person.as_deref())?;
    let text = diary.personal_code_for_person(&id)?;
    let now = diary.clock().now();
    let ext = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let bytes = match (ext.as_deref(), args.card) {
        (Some("png"), false) => qr::code_png(&text, 8, 4)?,
        (Some("svg"), false) => qr::code_svg(&text, 4)?.into_bytes(),
        (Some(kind), true) if kind == "png" || kind == "svg" => {
            // The card shows what a verifier would see (self-signed unless certified).
            let own = PersonalCode::verify(&text, now, &[])?;
            if kind == "png" {
                qr::card_png(&text, &own, 6)?
            } else {
                qr::card_svg(&text, &own)?.into_bytes()
            }
        }
        _ => bail!("--out must end in .png or .svg"),
    };
    std::fs::write(&args.out, bytes).with_context(|| format!("writing {}", args.out.display()))?;
    println!("wrote {}", args.out.display());
    println!("{text}");
    diary.close()?;
    Ok(())
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn print_personal(v: &VerifiedPersonalCode) {
    let c = &v.code;
    println!("name: {}", c.display_name);
    if let Some(y) = c.birth_year {
        println!("birth year: {y}");
    }
    let summary = v
        .summary()
        .map_or_else(|| "needs-attention".to_owned(), |s| s.describe());
    println!("declaration: {summary}");
    println!("proxy: {}", yes_no(v.is_proxy()));
    if let Some(by) = &c.declared_by {
        println!("declared by: {by}");
    }
    println!("declared at: {}", rfc3339(&c.declared_at));
    println!("valid until: {}", rfc3339(&c.valid_until));
    match &v.device {
        DeviceTrust::Certified { authority_key_id } => {
            println!("device: certified by {authority_key_id}");
        }
        DeviceTrust::SelfSigned { reason: None } => println!("device: self-signed"),
        DeviceTrust::SelfSigned { reason: Some(r) } => println!("device: self-signed ({r})"),
    }
}

/// Prints a classified personal code or ID card for `vaora verify`: `<kind> <result>`,
/// then `key: value` lines. Fails (non-zero exit) unless the code is valid.
pub fn print_classified(c: &Classified) -> anyhow::Result<()> {
    match c {
        Classified::Personal(Ok(v)) => {
            println!("personal {}", v.status.as_str());
            print_personal(v);
            if v.status == CodeStatus::Expired {
                bail!("personal code expired");
            }
        }
        Classified::Cccd(Ok(c)) => {
            println!("cccd valid");
            println!("name: {}", c.full_name);
            println!("birth year: {}", c.birth_year());
            println!("gender: {}", c.gender.as_str());
            println!(
                "province: {:03} {}",
                c.province_code(),
                cccd::province_name(c.province_code()).unwrap_or("")
            );
            println!("issued: {}", c.issue_date);
        }
        Classified::Bhyt(Ok(c)) => {
            println!("bhyt valid");
            println!("name: {}", c.full_name);
            println!("birth year: {}", c.birth_year());
            println!("gender: {}", c.gender.as_str());
            println!("clinic: {}", c.clinic_code);
            let to = c
                .valid_to
                .map_or_else(|| "open".to_owned(), |d| d.to_string());
            println!("coverage: {} to {to}", c.valid_from);
        }
        Classified::Personal(Err(e)) => {
            println!("personal {}", e.code());
            bail!("personal code refused: {e}");
        }
        Classified::Cccd(Err(e)) => {
            println!("cccd {}", e.code());
            bail!("CCCD card refused: {e}");
        }
        Classified::Bhyt(Err(e)) => {
            println!("bhyt {}", e.code());
            bail!("BHYT card refused: {e}");
        }
        other => bail!("not a personal code or ID card: {}", other.kind()),
    }
    Ok(())
}

pub fn staff_checkin(global: &GlobalOpts, args: StaffCheckinArgs) -> anyhow::Result<()> {
    let diary = global.open_diary()?;
    let settings = DeskSettings {
        require_certified: args.require_certified,
        ..DeskSettings::default()
    };
    let desk = StaffDesk::open(&diary, &args.venue_code, settings)?;
    let body = desk.record(&diary, &args.scanned)?.body;
    let how = match &body.source {
        VisitorSource::PersonalCode {
            certified, proxy, ..
        } => format!(
            "personal code ({}{})",
            if *certified {
                "certified"
            } else {
                "self-signed"
            },
            if *proxy { ", proxy" } else { "" }
        ),
        VisitorSource::IdCard { kind, .. } => format!("{} card", kind.as_str()),
    };
    println!(
        "staff check-in {} {} at {} via {how}",
        body.checkin.id, body.checkin.person_name, body.checkin.venue.name
    );
    diary.close()?;
    Ok(())
}

/// `household add --from-card TEXT`: the profile to add (name and birth year from the
/// card, the keyed hash of its number kept).
pub fn profile_from_card(
    diary: &Diary,
    text: &str,
    keep_number: bool,
) -> anyhow::Result<CardProfile> {
    Ok(diary.profile_from_card(text, keep_number)?)
}
