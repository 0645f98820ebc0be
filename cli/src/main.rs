//! `vaora`: the command line for operators, testers and our own checks.
//!
//! Each area of commands lives in its own module; this file only parses and dispatches.
//! Errors print one line to stderr and exit non-zero.

mod authority;
mod authority_case;
mod checkin;
mod context;
mod declare;
mod demo;
mod diary_cmd;
mod format;
mod household;
mod inspect;
mod scan;
mod serve;
mod server_log;
mod sync;
mod token;
mod trust;
mod venue;
mod verify;

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
    /// Run the reference sync server; prints `listening on http://ADDR` once ready.
    Serve(serve::ServeArgs),
    /// Register this diary's device with a server; prints the device id last.
    Register(sync::ServerArgs),
    /// Upload the outbox and fetch exposure windows; prints counts and new alerts.
    Sync(sync::ServerArgs),
    /// List exposure alerts.
    Alerts,
    /// The health authority's signing key.
    #[command(subcommand)]
    Authority(authority::AuthorityCmd),
    /// Signed venue codes and posters.
    #[command(subcommand)]
    Venue(venue::VenueCmd),
    /// Trusted authority keys and revocations in the diary.
    #[command(subcommand)]
    Trust(trust::TrustCmd),
    /// Verify a scanned code text; prints `<kind> <result>`.
    Verify(verify::VerifyArgs),
    /// Read QR codes from images (`--batch`: paths on stdin, one result line each).
    Scan(scan::ScanArgs),
    /// Make a health declaration (for the owner, or `--for` a household member).
    Declare(declare::DeclareArgs),
    /// Stored health declarations.
    #[command(subcommand)]
    Declarations(declare::DeclarationsCmd),
    /// Draw a personal code (PNG or SVG); prints the payload text on the last line.
    PersonalCode(declare::PersonalCodeArgs),
    /// Staff: record a visitor from their personal code or ID card at this venue.
    StaffCheckin(declare::StaffCheckinArgs),
    /// Inspector: check a venue poster's code and record what was found; prints
    /// `inspection <id> <venue name> <verdict>` and queues the signed record.
    Inspect(inspect::InspectArgs),
    /// Inspector: enrol with the authority's code, download a ward's work list, list
    /// recorded inspections.
    #[command(subcommand)]
    Inspector(inspect::InspectorCmd),
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
        Command::Serve(args) => serve::run(args),
        Command::Register(args) => sync::register(&cli.global, args),
        Command::Sync(args) => sync::sync(&cli.global, args),
        Command::Alerts => sync::alerts(&cli.global),
        Command::Authority(cmd) => authority::run(cmd),
        Command::Venue(cmd) => venue::run(cmd),
        Command::Trust(cmd) => trust::run(&cli.global, cmd),
        Command::Verify(args) => verify::run(&cli.global, args),
        Command::Scan(args) => scan::run(&cli.global, &args),
        Command::Declare(args) => declare::declare(&cli.global, args),
        Command::Declarations(cmd) => declare::declarations(&cli.global, cmd),
        Command::PersonalCode(args) => declare::personal_code(&cli.global, args),
        Command::StaffCheckin(args) => declare::staff_checkin(&cli.global, args),
        Command::Inspect(args) => inspect::inspect(&cli.global, args),
        Command::Inspector(cmd) => inspect::run(&cli.global, cmd),
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
