//! `vaora`: the command line for operators, testers and our own checks.
//!
//! Each area of commands lives in its own module; this file only parses and dispatches.
//! Errors print one line to stderr and exit non-zero.

mod checkin;
mod context;
mod declare;
mod demo;
mod diary_cmd;
mod format;
mod household;

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
    /// The encrypted diary: init, list, purge, verify, reset after key loss.
    #[command(subcommand)]
    Diary(diary_cmd::DiaryCmd),
    /// The owner and household members.
    #[command(subcommand)]
    Household(household::HouseholdCmd),
    /// Check in (by hand) at a venue; prints `checked in <id> …` per person.
    Checkin(checkin::CheckinArgs),
    /// Check out; prints `checked out <id> …` per closed check-in.
    Checkout(checkin::CheckoutArgs),
    /// Run the main job end to end on a temporary diary and tell the story.
    Demo,
    /// Make a health declaration (for the owner, or `--for` a household member).
    Declare(declare::DeclareArgs),
    /// Stored health declarations.
    #[command(subcommand)]
    Declarations(declare::DeclarationsCmd),
    /// Draw a personal code (PNG or SVG); prints the payload text on the last line.
    PersonalCode(declare::PersonalCodeArgs),
    /// Classify and verify a scanned text: personal code, CCCD or BHYT card.
    Verify(declare::VerifyArgs),
    /// Staff: record a visitor from their personal code or ID card at this venue.
    StaffCheckin(declare::StaffCheckinArgs),
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Where => {
            println!("diary: {}", cli.global.diary.display());
            println!("key file: {}", cli.global.key_file.display());
            Ok(())
        }
        Command::Diary(cmd) => diary_cmd::run(&cli.global, cmd),
        Command::Household(cmd) => household::run(&cli.global, cmd),
        Command::Checkin(args) => checkin::checkin(&cli.global, args),
        Command::Checkout(args) => checkin::checkout(&cli.global, args),
        Command::Demo => demo::run(),
        Command::Declare(args) => declare::declare(&cli.global, args),
        Command::Declarations(cmd) => declare::declarations(&cli.global, cmd),
        Command::PersonalCode(args) => declare::personal_code(&cli.global, args),
        Command::Verify(args) => declare::verify(args),
        Command::StaffCheckin(args) => declare::staff_checkin(&cli.global, args),
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
