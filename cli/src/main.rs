//! `vaora`: the command line for operators, testers and our own checks.
//!
//! Each area of commands lives in its own module; this file only parses and dispatches.
//! Errors print one line to stderr and exit non-zero.

mod context;
mod scan;

use clap::{Parser, Subcommand};

use context::GlobalOpts;

#[derive(Debug, Parser)]
#[command(
    name = "vaora",
    version,
    about = "Vaora venue check-in and health declaration: operator and tester CLI"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalOpts,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show where the diary and key file are.
    Where,
    /// Read QR codes from images (`--batch`: paths on stdin, one result line each).
    Scan(scan::ScanArgs),
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Where => {
            println!("diary: {}", cli.global.diary.display());
            println!("key file: {}", cli.global.key_file.display());
            Ok(())
        }
        Command::Scan(args) => scan::run(&args),
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            // One clear line: the chain of causes joined, no backtrace.
            let line = err
                .chain()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(": ");
            eprintln!("vaora: error: {line}");
            std::process::ExitCode::FAILURE
        }
    }
}
