//! Field inspection from the command line (issue 19), on an inspector's diary:
//! `vaora inspect` checks a poster's code offline and records what was found (a signed
//! inspection queued for `vaora sync`); `vaora inspector enrol` redeems the authority's
//! code; `vaora inspector work-list` downloads a ward's venue list for offline work.

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use vaora_core::diary::{InspectionFindings, SharedDiary};
use vaora_core::sync::inspection::{download_work_list, enrol_as_inspector};
use vaora_core::sync::reqwest_transport::ReqwestTransport;

use crate::context::GlobalOpts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum YesNo {
    Yes,
    No,
}

impl YesNo {
    fn yes(self) -> bool {
        self == Self::Yes
    }
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The text of the venue poster's QR code, as scanned.
    #[arg(long)]
    venue_code: String,
    /// Is the poster displayed at the entrance?
    #[arg(long, value_enum)]
    poster: YesNo,
    /// Do visitors scan it?
    #[arg(long, value_enum)]
    scanning: YesNo,
    /// Is the staff desk in use (for visitors without a phone)? Omit when not observed.
    #[arg(long, value_enum)]
    desk: Option<YesNo>,
    /// A short note about the venue (at most 500 characters).
    #[arg(long, default_value = "")]
    note: String,
}

#[derive(Debug, Subcommand)]
pub enum InspectorCmd {
    /// Redeem the authority's inspector code (`vaora authority inspector-code`, or the
    /// console) with this registered diary; prints `inspector DEVICE_ID`.
    Enrol {
        #[arg(long)]
        code: String,
    },
    /// Download a ward's venue list for offline poster checks; prints `work list N
    /// venues (D due)` and one `due|ok VENUE_ID NAME` line per venue.
    WorkList {
        /// The ward ('' = every ward).
        #[arg(long, default_value = "")]
        ward: String,
        /// Venues not inspected for this many days are due.
        #[arg(long, default_value_t = 14)]
        days: u32,
    },
    /// The inspections this diary recorded; one `inspection ID NAME VERDICT TIME` each.
    List,
}

/// `vaora inspect`: prints `poster VERDICT-OF-CODE PLACE` and then
/// `inspection <id> <venue name> <verdict>`.
pub fn inspect(global: &GlobalOpts, args: InspectArgs) -> anyhow::Result<()> {
    let diary = global.open_diary()?;
    let findings = InspectionFindings {
        poster_displayed: args.poster.yes(),
        visitors_scanning: args.scanning.yes(),
        staff_desk_in_use: args.desk.map(YesNo::yes),
        note: args.note,
    };
    let (body, _) = diary
        .record_inspection(&args.venue_code, &findings)
        .context("recording the inspection")?;
    println!("code {} {}", body.code.as_str(), body.place.as_str());
    println!(
        "inspection {} {} {}",
        body.id,
        body.venue_name,
        body.verdict().as_str()
    );
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub fn run(global: &GlobalOpts, cmd: InspectorCmd) -> anyhow::Result<()> {
    match cmd {
        InspectorCmd::Enrol { code } => {
            let diary = SharedDiary::new(global.open_diary()?);
            let transport = ReqwestTransport::new().context("starting the HTTP client")?;
            let resp = runtime()?
                .block_on(enrol_as_inspector(&transport, &diary, &code))
                .context("redeeming the inspector code")?;
            println!("inspector {}", resp.device_id);
        }
        InspectorCmd::WorkList { ward, days } => {
            let diary = SharedDiary::new(global.open_diary()?);
            let transport = ReqwestTransport::new().context("starting the HTTP client")?;
            let list = runtime()?
                .block_on(download_work_list(&transport, &diary, &ward, days))
                .context("downloading the work list")?;
            let due = list.venues.iter().filter(|v| v.due).count();
            println!("work list {} venues ({due} due)", list.venues.len());
            for v in &list.venues {
                println!(
                    "{} {} {}",
                    if v.due { "due" } else { "ok" },
                    v.venue_id,
                    v.name
                );
            }
        }
        InspectorCmd::List => {
            let diary = global.open_diary()?;
            for i in diary.inspections()? {
                println!(
                    "inspection {} {} {} {}",
                    i.id,
                    i.venue_name,
                    i.verdict.as_str(),
                    i.inspected_at.to_rfc3339()
                );
            }
        }
    }
    Ok(())
}
