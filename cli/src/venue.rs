//! `vaora venue create`: sign a venue code with an authority key, print its text, and
//! optionally write a printable poster (PNG or SVG by the file's extension).
//! `vaora venue register`: a venue's owner registers it on a server (no authority key);
//! the server signs the code and answers the poster and a management secret.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use vaora_core::sync::own_venue::register_own_venue;
use vaora_core::sync::reqwest_transport::ReqwestTransport;
use vaora_protocol::render::poster::{poster_pdf, poster_png, poster_svg};
use vaora_protocol::venue::{Authority, NewVenue, VenueCategory, VenueIssuer};
use vaora_protocol::wire::OwnVenueRequest;

use crate::authority_case::VenueFields;

#[derive(Debug, Subcommand)]
pub enum VenueCmd {
    /// Issue a signed venue code; prints the code text.
    Create(CreateArgs),
    /// Register your own venue on the server (no authority key): prints the validity, the
    /// management secret (shown once), `poster FILE` when asked, then the venue id and
    /// the signed code on the last two lines.
    Register(RegisterArgs),
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// Server base URL, e.g. http://127.0.0.1:8080
    #[arg(long)]
    server: String,
    #[command(flatten)]
    venue: VenueFields,
    /// The owner's contact phone number (required by the server).
    #[arg(long, default_value = "")]
    contact: String,
    /// Write the poster here: SVG when the name ends in `.svg`, an A4 PDF when it ends in
    /// `.pdf`, PNG otherwise.
    #[arg(long)]
    poster_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Authority directory (from `vaora authority init`).
    #[arg(long)]
    authority: PathBuf,
    #[arg(long)]
    name: String,
    #[arg(long, default_value = "")]
    address: String,
    /// office, school, market, supermarket, clinic, pharmacy, transport-station,
    /// public-vehicle, factory, restaurant-shop, community-house, other.
    #[arg(long)]
    category: VenueCategory,
    /// Default stay for automatic check-out, in minutes (1..=1440).
    #[arg(long, default_value_t = 60)]
    default_stay_min: u16,
    /// Days the code stays valid from today (UTC days).
    #[arg(long, default_value_t = 365)]
    valid_days: u32,
    /// Write a printable poster: FILE.png, FILE.svg or FILE.pdf (one A4 page).
    #[arg(long)]
    poster: Option<PathBuf>,
}

pub fn run(cmd: VenueCmd) -> anyhow::Result<()> {
    match cmd {
        VenueCmd::Create(args) => create(args),
        VenueCmd::Register(args) => register(args),
    }
}

fn register(args: RegisterArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let transport = ReqwestTransport::new().context("starting the HTTP client")?;
    let ward = args.venue.ward.clone();
    let request = OwnVenueRequest {
        venue: args.venue.request(),
        contact: args.contact,
    };
    let resp = rt
        .block_on(register_own_venue(&transport, &args.server, &request))
        .context("registering the venue")?;
    println!(
        "valid {} .. {}",
        resp.venue.valid_from.to_rfc3339(),
        resp.venue.valid_until.to_rfc3339()
    );
    println!(
        "manage secret {} (shown once: keep it to manage the venue)",
        resp.manage_secret
    );
    crate::authority_case::print_registered(&resp.venue, args.poster_out.as_deref(), &ward)
}

fn create(args: CreateArgs) -> anyhow::Result<()> {
    if !(1..=3650).contains(&args.valid_days) {
        bail!("--valid-days must be 1..=3650");
    }
    let poster_kind = match &args.poster {
        None => None,
        Some(p) => match p
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
        {
            Some(e) if e == "png" || e == "svg" || e == "pdf" => Some(e),
            _ => bail!("--poster must end in .png, .svg or .pdf: {}", p.display()),
        },
    };
    let authority = Authority::load_dir(&args.authority)
        .with_context(|| format!("authority {}", args.authority.display()))?;
    let now = chrono::Utc::now();
    let issuer = VenueIssuer::new(authority);
    let code = issuer.issue(NewVenue {
        venue_id: None,
        name: args.name,
        address: args.address,
        category: args.category,
        default_stay_min: args.default_stay_min,
        valid_from: issuer.valid_from_at(now),
        valid_until: now + chrono::Duration::days(i64::from(args.valid_days)),
    })?;
    if let (Some(path), Some(kind)) = (&args.poster, poster_kind) {
        let poster = code.poster("");
        let bytes = match kind.as_str() {
            "png" => poster_png(&poster)?,
            "pdf" => poster_pdf(&poster)?,
            _ => poster_svg(&poster)?.into_bytes(),
        };
        std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("poster: {}", path.display());
    }
    println!("{}", code.to_text());
    Ok(())
}
