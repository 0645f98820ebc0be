//! Global options shared by every command: where the diary and its key file are.

use std::path::PathBuf;

use clap::Args;

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
