//! `vaora trust add KEYSET_FILE`: trust the authority keys (and apply the revocations) of
//! a signed key-set file, in the diary's trust store. An operator adding a file pins its
//! signer as a trusted root; later sets must come from a known root.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use vaora_protocol::venue::{KeySet, SignerPolicy};

use crate::context::GlobalOpts;

#[derive(Debug, Subcommand)]
pub enum TrustCmd {
    /// Apply a signed key-set file (e.g. DIR/keyset.json from `vaora authority init`).
    Add(AddArgs),
    /// List trusted keys and revocations.
    List,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    keyset_file: PathBuf,
}

/// Reads and checks a key-set file.
pub fn read_keyset(path: &std::path::Path) -> anyhow::Result<KeySet> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    KeySet::from_json(&text).with_context(|| format!("key set {}", path.display()))
}

pub fn run(global: &GlobalOpts, cmd: TrustCmd) -> anyhow::Result<()> {
    match cmd {
        TrustCmd::Add(args) => {
            let set = read_keyset(&args.keyset_file)?;
            let diary = global.open_diary()?;
            let applied = diary.apply_keyset(&set, SignerPolicy::PinSelfSigned)?;
            println!(
                "trusted {} keys, {} revoked keys, {} revoked venues (signer {}, sequence {})",
                applied.keys,
                applied.revoked_keys,
                applied.revoked_venues,
                set.signer_key_id(),
                set.content.sequence
            );
            diary.close()?;
            Ok(())
        }
        TrustCmd::List => {
            let diary = global.open_diary()?;
            let store = diary.trust_store()?;
            for k in store.keys.values() {
                let state = if store.revoked_keys.contains(&k.key_id) {
                    "revoked"
                } else {
                    "trusted"
                };
                println!(
                    "key {} {state} {} .. {}",
                    k.key_id,
                    crate::format::rfc3339(&ts(k.valid_from)),
                    crate::format::rfc3339(&ts(k.valid_until))
                );
            }
            for v in &store.revoked_venues {
                println!("venue {v} revoked");
            }
            diary.close()?;
            Ok(())
        }
    }
}

fn ts(secs: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default()
}
