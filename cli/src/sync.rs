//! Phone-side sync commands: `vaora register`, `vaora sync`, `vaora alerts`.

use anyhow::Context;
use clap::Args;
use vaora_core::diary::SharedDiary;
use vaora_core::sync::client::{self, CancelToken, SyncOptions};

use crate::context::GlobalOpts;

#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Server base URL, e.g. http://127.0.0.1:8080
    #[arg(long)]
    pub server: String,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Registers the diary's device key; the device id is the last line.
pub fn register(global: &GlobalOpts, args: ServerArgs) -> anyhow::Result<()> {
    let diary = SharedDiary::new(global.open_diary()?);
    let reg = runtime()?
        .block_on(client::register(
            &diary,
            &args.server,
            &SyncOptions::default(),
        ))
        .context("registering")?;
    println!("registered with {}", reg.server);
    println!("authority key {}", reg.authority_key.key_id);
    println!("{}", reg.device_id);
    Ok(())
}

/// Uploads the outbox, downloads exposure windows, prints counts and new alerts.
pub fn sync(global: &GlobalOpts, args: ServerArgs) -> anyhow::Result<()> {
    let diary = SharedDiary::new(global.open_diary()?);
    let options = SyncOptions {
        server: Some(args.server),
        ..SyncOptions::default()
    };
    let report = runtime()?
        .block_on(client::sync(&diary, &options, &|_| {}, &CancelToken::new()))
        .context("sync")?;
    println!(
        "uploaded {} duplicate {} rejected {}",
        report.uploaded,
        report.duplicates,
        report.rejected.len()
    );
    for r in &report.rejected {
        println!("rejected {}: {}", r.id, r.reason);
    }
    println!("exposure windows {}", report.windows_received);
    println!("new alerts {}", report.new_alerts.len());
    for a in &report.new_alerts {
        print_alert(a);
    }
    Ok(())
}

fn print_alert(a: &vaora_protocol::exposure::Alert) {
    println!(
        "alert {} at {} from {} until {} level {}",
        a.person_name,
        a.venue_name,
        a.overlap_from.to_rfc3339(),
        a.overlap_until.to_rfc3339(),
        a.level
    );
}

/// Lists stored exposure alerts.
pub fn alerts(global: &GlobalOpts) -> anyhow::Result<()> {
    let diary = global.open_diary()?;
    let alerts = diary.alerts()?;
    if alerts.is_empty() {
        println!("no exposure alerts");
    }
    for a in &alerts {
        print_alert(a);
    }
    Ok(())
}
