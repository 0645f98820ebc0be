//! Global options shared by every command (where the diary and its key file are), and
//! the helpers that read the key file and open the diary.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use vaora_core::diary::{Diary, DiaryConfig, DiaryError, DiaryKey};
use vaora_protocol::clock::{Clock, SystemClock};

#[derive(Debug, Clone, Args)]
pub struct GlobalOpts {
    /// Path of the encrypted diary file.
    #[arg(
        long,
        global = true,
        env = "VAORA_DIARY",
        default_value = "vaora-diary.db"
    )]
    pub diary: PathBuf,
    /// Path of the key file (64 hex characters, mode 0600).
    #[arg(
        long,
        global = true,
        env = "VAORA_KEY_FILE",
        default_value = "vaora-diary.key"
    )]
    pub key_file: PathBuf,
}

/// The wall clock with this machine's current UTC offset (for local days).
pub fn system_clock() -> Arc<dyn Clock> {
    let offset = *chrono::Local::now().offset();
    Arc::new(SystemClock::new(offset))
}

/// Reads the key file (64 hex characters).
pub fn read_key(path: &Path) -> anyhow::Result<DiaryKey> {
    DiaryKey::read_file(path).map_err(|e| match e {
        DiaryError::Io(io) if io.kind() == std::io::ErrorKind::NotFound => anyhow::anyhow!(
            "key file {} not found (run `vaora diary init` first)",
            path.display()
        ),
        other => anyhow::Error::new(other).context(format!("key file {}", path.display())),
    })
}

/// Writes a new key file with mode 0600; fails if the file exists.
pub fn write_new_key(path: &Path, key: &DiaryKey) -> anyhow::Result<()> {
    key.write_new_file(path)
        .with_context(|| format!("creating key file {}", path.display()))
}

impl GlobalOpts {
    /// Opens an existing diary with the key file.
    pub fn open_diary(&self) -> anyhow::Result<Diary> {
        if !self.diary.exists() {
            bail!(
                "no diary at {} (run `vaora diary init` first)",
                self.diary.display()
            );
        }
        let key = read_key(&self.key_file)?;
        Diary::open(&self.diary, &key, system_clock(), DiaryConfig::default())
            .with_context(|| format!("opening diary {}", self.diary.display()))
    }
}
