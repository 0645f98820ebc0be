//! `vaora demo`: the main job end to end on a temporary diary, told as a short story.
//!
//! Each step is a function in [`STEPS`]; later work adds steps (venue codes, scanning,
//! declarations, sync) by appending to the list. The clock is simulated so the story can
//! jump through a day; the timings are real.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, TimeZone, Utc};
use vaora_core::clock::VIETNAM_OFFSET;
use vaora_core::diary::{
    CheckInRequest, Diary, DiaryConfig, DiaryError, DiaryKey, NewPerson, Page,
};
use vaora_core::records::{CheckInMethod, VenueRef};
use vaora_core::venue::VenueCategory;
use vaora_core::{FixedClock, Id128};

use crate::format::rfc3339;

/// State shared by the steps.
pub struct Demo {
    _dir: tempfile::TempDir,
    path: PathBuf,
    key: DiaryKey,
    clock: Arc<FixedClock>,
    diary: Option<Diary>,
    mother: Option<Id128>,
    son: Option<Id128>,
}

type Step = (&'static str, fn(&mut Demo) -> anyhow::Result<Vec<String>>);

/// The story, in order.
pub const STEPS: &[Step] = &[
    ("Create an encrypted diary (raw 32-byte key)", create),
    ("Add the household: mother and son", household),
    (
        "The family checks in together at the market",
        family_checkin,
    ),
    ("The son checks out at 09:30", son_checkout),
    ("Owner and mother move on to the pharmacy", pharmacy),
    (
        "Nobody checks out: the 4-hour stay ends by itself",
        auto_checkout,
    ),
    (
        "A late check-in at 22:30 closes at local midnight",
        late_checkin,
    ),
    ("Today's diary, newest first", list_today),
    ("Every record is signed by the device key", verify),
    ("Nothing readable on disk", plaintext_scan),
    (
        "A wrong key is refused and the file is untouched",
        wrong_key,
    ),
    ("Three weeks later, retention purges old records", retention),
];

const MARKET: &str = "Chợ Bến Thành";
const PHARMACY: &str = "Nhà thuốc Long Châu";
const MOTHER: &str = "Nguyễn Thị Mai";

fn local(t: &DateTime<Utc>) -> String {
    t.with_timezone(&VIETNAM_OFFSET).format("%H:%M").to_string()
}

impl Demo {
    fn diary(&mut self) -> anyhow::Result<&mut Diary> {
        self.diary.as_mut().context("the diary is not open")
    }
    /// Today at `h:m` in Vietnam.
    fn today_at(&self, h: u32, m: u32) -> anyhow::Result<DateTime<Utc>> {
        let day = self.clock_now().with_timezone(&VIETNAM_OFFSET).date_naive();
        let local = day.and_hms_opt(h, m, 0).context("bad time")?;
        Ok(VIETNAM_OFFSET
            .from_local_datetime(&local)
            .single()
            .context("bad time")?
            .with_timezone(&Utc))
    }
    fn clock_now(&self) -> DateTime<Utc> {
        vaora_core::Clock::now(self.clock.as_ref())
    }
    fn venue(name: &str, address: &str, category: VenueCategory) -> VenueRef {
        VenueRef {
            id: None,
            name: name.into(),
            address: address.into(),
            category,
            issuer_key_id: None,
            verified: false,
        }
    }
}

fn create(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let diary = Diary::open(&d.path, &d.key, d.clock.clone(), DiaryConfig::default())?;
    let owner = diary.owner_id();
    d.diary = Some(diary);
    Ok(vec![
        format!("diary {}", d.path.display()),
        format!("owner {owner} (display name \"Tôi\")"),
    ])
}

fn household(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let diary = d.diary()?;
    let mother = diary.add_person(NewPerson {
        display_name: MOTHER.into(),
        relation: Some("mother".into()),
        birth_year: Some(1958),
    })?;
    let son = diary.add_person(NewPerson {
        display_name: "Bé Bin".into(),
        relation: Some("son".into()),
        birth_year: Some(2018),
    })?;
    d.mother = Some(mother.id);
    d.son = Some(son.id);
    Ok(vec![
        format!("added {} {}", mother.id, mother.display_name),
        format!("added {} {}", son.id, son.display_name),
    ])
}

fn family_checkin(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let at = d.today_at(8, 0)?;
    d.clock.set(at);
    let people = vec![
        d.diary()?.owner_id(),
        d.mother.context("no mother")?,
        d.son.context("no son")?,
    ];
    let done = d.diary()?.check_in(CheckInRequest {
        people,
        venue: Demo::venue(MARKET, "Lê Lợi, Quận 1", VenueCategory::Market),
        method: CheckInMethod::ManualEntry,
        at: None,
        venue_default_stay: None,
    })?;
    Ok(done
        .iter()
        .map(|c| {
            format!(
                "checked in {} {} at {} {}",
                c.id,
                c.person_name,
                c.venue.name,
                local(&c.checked_in_at)
            )
        })
        .chain(["3 signed records, 3 rows, 3 outbox entries: one transaction".to_owned()])
        .collect())
}

fn son_checkout(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let at = d.today_at(9, 30)?;
    d.clock.set(at);
    let son = d.son.context("no son")?;
    let diary = d.diary()?;
    let open = diary.list_person(&son, None, Page::first(1))?;
    let c = open.first().context("the son has no check-in")?;
    let closed = diary.check_out(Some(&c.id), None)?;
    Ok(closed
        .iter()
        .map(|id| format!("checked out {id} {}", local(&at)))
        .collect())
}

fn pharmacy(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let at = d.today_at(10, 15)?;
    d.clock.set(at);
    let people = vec![d.diary()?.owner_id(), d.mother.context("no mother")?];
    let done = d.diary()?.check_in(CheckInRequest {
        people,
        venue: Demo::venue(PHARMACY, "Hai Bà Trưng, Quận 3", VenueCategory::Pharmacy),
        method: CheckInMethod::ManualEntry,
        at: None,
        venue_default_stay: None,
    })?;
    let mut lines: Vec<String> = done
        .iter()
        .map(|c| format!("checked in {} {} at {}", c.id, c.person_name, c.venue.name))
        .collect();
    lines.push(format!(
        "their market stays closed at {} (superseded, signed update records)",
        local(&at)
    ));
    Ok(lines)
}

fn auto_checkout(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let at = d.today_at(15, 0)?;
    d.clock.set(at);
    let n = d.diary()?.apply_auto_checkouts()?;
    Ok(vec![format!(
        "at {} {n} open check-ins closed at 14:15 (10:15 + 4 h)",
        local(&at)
    )])
}

fn late_checkin(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let at = d.today_at(22, 30)?;
    d.clock.set(at);
    let owner = d.diary()?.owner_id();
    let done = d.diary()?.check_in(CheckInRequest {
        people: vec![owner],
        venue: Demo::venue(
            "Cửa hàng tiện lợi",
            "Quận 1",
            VenueCategory::RestaurantOrShop,
        ),
        method: CheckInMethod::ManualEntry,
        at: None,
        venue_default_stay: None,
    })?;
    let c = done.first().context("no check-in")?;
    Ok(vec![format!(
        "checked in {} at {}; closes by itself at {} local (midnight cap, not 02:30)",
        c.id,
        local(&c.checked_in_at),
        local(&c.auto_out_at)
    )])
}

fn list_today(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let day = d.clock_now().with_timezone(&VIETNAM_OFFSET).date_naive();
    let list = d.diary()?.list_day(day, Page::default())?;
    Ok(list
        .iter()
        .map(|c| {
            let out = c.checked_out_at.as_ref().map_or("open".to_owned(), local);
            let why = c.out_reason.map_or("", |r| r.as_str());
            format!(
                "{} - {:<5} {:<12} {:<15} {}",
                local(&c.checked_in_at),
                out,
                why,
                c.person_name,
                c.venue.name
            )
        })
        .collect())
}

fn verify(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let diary = d.diary()?;
    let n = diary.verify_all()?;
    let counts = diary.outbox_counts()?;
    Ok(vec![
        format!("verified {n} records (Ed25519, docs/records.md)"),
        format!("outbox: {} pending for sync", counts.pending),
    ])
}

fn plaintext_scan(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    let needles: [&[u8]; 3] = [MARKET.as_bytes(), PHARMACY.as_bytes(), MOTHER.as_bytes()];
    let dir = d.path.parent().context("no parent")?.to_owned();
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        let bytes = std::fs::read(entry.path())?;
        let found = needles
            .iter()
            .any(|n| bytes.windows(n.len()).any(|w| w == *n));
        if found {
            bail!("plaintext found in {}", entry.path().display());
        }
        lines.push(format!(
            "{}: {} bytes, no venue or person name inside",
            entry.file_name().to_string_lossy(),
            bytes.len()
        ));
    }
    Ok(lines)
}

fn wrong_key(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    if let Some(diary) = d.diary.take() {
        diary.close()?;
    }
    let before = std::fs::read(&d.path)?;
    let other = DiaryKey::generate()?;
    let result = Diary::open(&d.path, &other, d.clock.clone(), DiaryConfig::default());
    let after = std::fs::read(&d.path)?;
    let outcome = match result {
        Err(DiaryError::WrongKey) => "WrongKey",
        Err(e) => bail!("expected WrongKey, got {e}"),
        Ok(_) => bail!("a random key opened the diary"),
    };
    if before != after {
        bail!("the file changed");
    }
    d.diary = Some(Diary::open(
        &d.path,
        &d.key,
        d.clock.clone(),
        DiaryConfig::default(),
    )?);
    Ok(vec![format!(
        "random key: {outcome}; file bytes identical; right key reopens it"
    )])
}

fn retention(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    d.clock.advance(Duration::days(22));
    let diary = d.diary()?;
    let n = diary.purge_expired()?;
    let left = diary.list_checkins(Page::default())?.len();
    Ok(vec![format!(
        "purged {} check-ins, {} updates, {} records; {left} left",
        n.checkins, n.updates, n.records
    )])
}

/// Runs every step and prints the story with real timings.
pub fn run() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("diary.db");
    let mut demo = Demo {
        _dir: dir,
        path,
        key: DiaryKey::generate()?,
        clock: Arc::new(FixedClock::with_offset(Utc::now(), VIETNAM_OFFSET)),
        diary: None,
        mother: None,
        son: None,
    };
    println!("Vaora demo: a family's day of check-ins, on an encrypted diary (times in UTC+7)\n");
    let total = Instant::now();
    for (i, (title, step)) in STEPS.iter().enumerate() {
        let started = Instant::now();
        let lines = step(&mut demo).with_context(|| format!("step {}: {title}", i + 1))?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        println!("{:>2}. {title}  ({ms:.2} ms)", i + 1);
        for l in lines {
            println!("      {l}");
        }
    }
    if let Some(diary) = demo.diary.take() {
        diary.close()?;
    }
    println!(
        "\ndone: {} steps in {:.1} ms (simulated clock ends {})",
        STEPS.len(),
        total.elapsed().as_secs_f64() * 1000.0,
        rfc3339(&demo.clock_now())
    );
    Ok(())
}
