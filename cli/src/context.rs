//! Global options shared by every command (where the diary and its key file are), and
//! the helpers that read the key file and open the diary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use vaora_core::diary::{Diary, DiaryConfig, DiaryKey};
use vaora_core::{Clock, SystemClock};

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
    let text = match std::fs::read_to_string(path) {
        Ok(t) => zeroize::Zeroizing::new(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "key file {} not found (run `vaora diary init` first)",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("reading key file {}", path.display())),
    };
    DiaryKey::from_hex(&text).with_context(|| format!("key file {}", path.display()))
}

/// Writes a new key file with mode 0600; fails if the file exists.
pub fn write_new_key(path: &Path, key: &DiaryKey) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts
        .open(path)
        .with_context(|| format!("creating key file {}", path.display()))?;
    let mut text = key.to_hex();
    text.push('\n');
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing key file {}", path.display()))?;
    Ok(())
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
