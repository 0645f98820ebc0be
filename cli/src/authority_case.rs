//! The authority's case commands: `vaora authority case | trace | publish`.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use vaora_core::ids::Id128;
use vaora_core::sync::authority_client::AuthorityClient;
use vaora_server::AuthorityKey;

#[derive(Debug, Clone, Args)]
pub struct AuthorityConn {
    /// Server base URL, e.g. http://127.0.0.1:8080
    #[arg(long)]
    pub server: String,
    /// Directory with the authority key (`authority.key`).
    #[arg(long)]
    pub authority: PathBuf,
}

#[derive(Debug, Clone, Subcommand)]
pub enum CaseCmd {
    /// Mark a case (a device, optionally one person, and a period); prints the case id last.
    Case {
        #[command(flatten)]
        conn: AuthorityConn,
        #[arg(long)]
        device: Id128,
        /// Only this person's check-ins (a household member).
        #[arg(long)]
        person: Option<Id128>,
        #[arg(long)]
        from: DateTime<Utc>,
        #[arg(long)]
        to: DateTime<Utc>,
    },
    /// List contacts: one line per contact (device, person, venue, overlap start and end).
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
        CaseCmd::Case {
            conn,
            device,
            person,
            from,
            to,
        } => {
            let c = client(&conn)?;
            let resp = rt
                .block_on(c.create_case(device, person, from, to))
                .context("marking the case")?;
            println!("case check-ins {}", resp.checkins);
            println!("{}", resp.case_id);
        }
        CaseCmd::Trace { conn, case } => {
            let c = client(&conn)?;
            let resp = rt.block_on(c.trace(case)).context("tracing")?;
            for k in &resp.contacts {
                println!(
                    "{} {} {} {} {}",
                    k.device_id,
                    k.person_name,
                    k.venue_name,
                    k.overlap_from.to_rfc3339(),
                    k.overlap_until.to_rfc3339()
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
    }
    Ok(())
}
