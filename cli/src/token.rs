//! `vaora authority token --authority DIR [--valid-hours H]`: a sign-in token for the
//! authority console (`/console/login`), signed by the authority key in DIR.
//!
//! The token goes to stdout alone (so it can be piped or copied); when it expires goes to
//! stderr. Format: `docs/console.md`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use vaora_protocol::venue::Authority;

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Directory written by `vaora authority init` (holds authority.json).
    #[arg(long)]
    authority: PathBuf,
    /// Hours the token stays valid (1 to 168).
    #[arg(long, default_value_t = 8)]
    valid_hours: i64,
}

pub fn run(args: TokenArgs) -> anyhow::Result<()> {
    let max = vaora_console::token::MAX_VALIDITY_HOURS;
    if !(1..=max).contains(&args.valid_hours) {
        anyhow::bail!("--valid-hours must be 1..={max}");
    }
    let authority = Authority::load_dir(&args.authority).with_context(|| {
        format!(
            "loading the authority key from {}",
            args.authority.display()
        )
    })?;
    let now = chrono::Utc::now();
    let token = vaora_console::token::issue(&authority, now, args.valid_hours)
        .context("issuing the console token")?;
    eprintln!(
        "console token for authority key {}, valid until {}",
        authority.key_id(),
        (now + chrono::Duration::hours(args.valid_hours)).to_rfc3339()
    );
    println!("{token}");
    Ok(())
}
