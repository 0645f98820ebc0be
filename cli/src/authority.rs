//! `vaora authority init --out DIR`: a new authority key pair and its public key set.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use vaora_protocol::venue::Authority;
use vaora_protocol::venue::{AUTHORITY_FILE, KEYSET_FILE};

#[derive(Debug, Subcommand)]
pub enum AuthorityCmd {
    /// Make a new authority key; writes DIR/authority.json (secret, 0600) and DIR/keyset.json.
    Init(InitArgs),
    /// Case, trace and publish (`authority_case`).
    #[command(flatten)]
    Case(crate::authority_case::CaseCmd),
    /// Print a sign-in token for the web console, signed by the authority key.
    Token(crate::token::TokenArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to write the key files into (created if missing; never overwritten).
    #[arg(long)]
    out: PathBuf,
    /// How many years the key may sign codes for.
    #[arg(long, default_value_t = 5)]
    valid_years: u32,
}

pub fn run(cmd: AuthorityCmd) -> anyhow::Result<()> {
    match cmd {
        AuthorityCmd::Init(args) => init(args),
        AuthorityCmd::Case(cmd) => crate::authority_case::run(cmd),
        AuthorityCmd::Token(args) => crate::token::run(args),
    }
}

fn init(args: InitArgs) -> anyhow::Result<()> {
    if !(1..=50).contains(&args.valid_years) {
        anyhow::bail!("--valid-years must be 1..=50");
    }
    // Venue codes are valid in whole UTC days, so the key starts at today's 00:00 UTC.
    let now = chrono::Utc::now().timestamp();
    let from = now - now.rem_euclid(86_400);
    let until = from + i64::from(args.valid_years) * 365 * 86_400;
    let authority = Authority::generate(from, until)?;
    authority
        .write_dir(&args.out, now)
        .with_context(|| format!("writing authority into {}", args.out.display()))?;
    println!("authority key {}", authority.key_id());
    println!("secret: {}", args.out.join(AUTHORITY_FILE).display());
    println!("key set: {}", args.out.join(KEYSET_FILE).display());
    Ok(())
}
