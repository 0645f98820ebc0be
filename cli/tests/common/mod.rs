//! Running the `vaora` binary from the CLI tests, one way for every test file.
//!
//! Each file under `cli/tests/` is its own test crate and uses only some of these.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `vaora ARGS` in `dir`, with the diary and key-file variables of the calling
/// environment removed, so only the arguments decide which diary is used.
pub fn vaora_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vaora"))
        .args(args)
        .current_dir(dir)
        .env_remove("VAORA_DIARY")
        .env_remove("VAORA_KEY_FILE")
        .output()
        .unwrap()
}

/// Runs `vaora ARGS` in the test's working folder.
pub fn vaora(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vaora"))
        .args(args)
        .output()
        .unwrap()
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}
