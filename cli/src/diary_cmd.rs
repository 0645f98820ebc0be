//! `vaora diary init|list|purge|verify|reset-after-key-loss`.

use anyhow::{Context, bail};
use clap::Subcommand;
use vaora_core::diary::{Diary, DiaryConfig, DiaryError, DiaryKey, Page};

use crate::context::{GlobalOpts, read_key, system_clock, write_new_key};
use crate::format::{checkin_json, checkin_line};

#[derive(Debug, Subcommand)]
pub enum DiaryCmd {
    /// Create the key file (0600, when missing) and the diary.
    Init,
    /// List check-ins, newest first.
    List {
        /// Print a JSON array instead of lines.
        #[arg(long)]
        json: bool,
        /// Only this person (name or id).
        #[arg(long)]
        person: Option<String>,
        /// Only this local day (YYYY-MM-DD).
        #[arg(long)]
        day: Option<chrono::NaiveDate>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Delete records older than the retention window (default 21 days).
    Purge {
        #[arg(long)]
        older_than_days: Option<u32>,
    },
    /// Check the signature of every stored record.
    Verify,
    /// The key is lost: move the unreadable diary aside, make a new key and a fresh diary.
    ResetAfterKeyLoss,
}

pub fn run(global: &GlobalOpts, cmd: DiaryCmd) -> anyhow::Result<()> {
    match cmd {
        DiaryCmd::Init => init(global),
        DiaryCmd::List {
            json,
            person,
            day,
            limit,
            offset,
        } => {
            let mut diary = global.open_diary()?;
            let page = Page { offset, limit };
            let list = match (person, day) {
                (Some(p), None) => {
                    let p = diary.find_person(&p)?;
                    diary.list_person(&p.id, None, page)?
                }
                (None, Some(d)) => diary.list_day(d, page)?,
                (None, None) => diary.list_checkins(page)?,
                (Some(_), Some(_)) => bail!("give --person or --day, not both"),
            };
            if json {
                let arr: Vec<_> = list.iter().map(checkin_json).collect();
                println!("{}", serde_json::to_string_pretty(&arr)?);
            } else {
                for c in &list {
                    println!("{}", checkin_line(c));
                }
            }
            diary.apply_auto_checkouts()?;
            diary.close()?;
            Ok(())
        }
        DiaryCmd::Purge { older_than_days } => {
            let mut diary = global.open_diary()?;
            let days = older_than_days.unwrap_or(diary.config().retention_days);
            let n = diary.purge_older_than(days)?;
            println!(
                "purged {} check-ins, {} updates, {} records",
                n.checkins, n.updates, n.records
            );
            diary.close()?;
            Ok(())
        }
        DiaryCmd::Verify => {
            let diary = global.open_diary()?;
            let n = diary.verify_all()?;
            println!("verified {n} records");
            diary.close()?;
            Ok(())
        }
        DiaryCmd::ResetAfterKeyLoss => reset_after_key_loss(global),
    }
}

fn init(global: &GlobalOpts) -> anyhow::Result<()> {
    let created_key = if global.key_file.exists() {
        false
    } else {
        write_new_key(&global.key_file, &DiaryKey::generate()?)?;
        true
    };
    let key = read_key(&global.key_file)?;
    let existed = global.diary.exists();
    let diary = Diary::open(&global.diary, &key, system_clock(), DiaryConfig::default())
        .with_context(|| format!("opening diary {}", global.diary.display()))?;
    if created_key {
        println!("created key file {}", global.key_file.display());
    }
    println!(
        "{} diary {}",
        if existed { "opened" } else { "created" },
        global.diary.display()
    );
    println!("owner {}", diary.owner_id());
    diary.close()?;
    Ok(())
}

fn reset_after_key_loss(global: &GlobalOpts) -> anyhow::Result<()> {
    // Refuse when the key still works: this is for a lost key, not a way to wipe data.
    if let Ok(key) = read_key(&global.key_file) {
        match Diary::open(&global.diary, &key, system_clock(), DiaryConfig::default()) {
            Ok(d) => {
                d.close()?;
                bail!("the key file opens the diary; nothing to recover");
            }
            Err(DiaryError::WrongKey | DiaryError::Corrupt(_)) => {}
            Err(e) => return Err(e).context("opening diary"),
        }
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    if global.key_file.exists() {
        let mut aside = global.key_file.as_os_str().to_owned();
        aside.push(format!(".lost-{stamp}"));
        std::fs::rename(&global.key_file, &aside).context("moving the old key file aside")?;
        println!(
            "moved old key file aside {}",
            std::path::Path::new(&aside).display()
        );
    }
    let key = DiaryKey::generate()?;
    write_new_key(&global.key_file, &key)?;
    let (diary, moved) =
        Diary::recover_after_key_loss(&global.diary, &key, system_clock(), DiaryConfig::default())?;
    if let Some(m) = moved {
        println!("moved aside {}", m.display());
    }
    println!("created key file {}", global.key_file.display());
    println!("created diary {}", global.diary.display());
    diary.close()?;
    Ok(())
}
