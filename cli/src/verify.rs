//! `vaora verify TEXT`: classify and verify a code text: venue codes here, personal codes
//! and ID cards through `crate::declare::print_classified`.
//! Prints `<kind> <result>` and the fields; exits non-zero unless the code is valid.

use clap::Args;
use vaora_protocol::codes::{Classified, classify};
use vaora_protocol::venue::{SignerPolicy, TrustStore};

use crate::context::GlobalOpts;
use crate::format::parse_at;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The scanned text.
    text: String,
    /// Verify against this key-set file instead of the diary's trust store.
    #[arg(long)]
    trust: Option<std::path::PathBuf>,
    /// Verify as of this time (RFC 3339); default now.
    #[arg(long)]
    at: Option<String>,
}

pub fn run(global: &GlobalOpts, args: VerifyArgs) -> anyhow::Result<()> {
    let now = match args.at.as_deref() {
        Some(t) => parse_at(t)?,
        None => chrono::Utc::now(),
    };
    let store = match &args.trust {
        Some(path) => {
            let mut store = TrustStore::new();
            store.apply_keyset(
                &crate::trust::read_keyset(path)?,
                SignerPolicy::PinSelfSigned,
            )?;
            store
        }
        None => {
            let diary = global.open_diary()?;
            let store = diary.trust_store()?;
            diary.close()?;
            store
        }
    };
    let classified = classify(&args.text, &store, now);
    match &classified {
        Classified::Venue(v) => {
            println!("{} {}", classified.kind(), v.result.as_str());
            if let Some(code) = &v.code {
                let i = &code.info;
                println!("name: {}", i.name);
                println!("address: {}", i.address);
                println!("category: {}", i.category);
                println!("venue id: {}", i.venue_id);
                println!("key id: {}", i.key_id);
                println!("default stay: {} min", i.default_stay_min);
            }
            if !v.result.is_valid() {
                anyhow::bail!("venue code not valid: {}", v.result);
            }
            Ok(())
        }
        Classified::Unknown(_) => {
            println!("{}", classified.kind());
            anyhow::bail!("not a venue code, personal code or ID card")
        }
        other => crate::declare::print_classified(other),
    }
}
