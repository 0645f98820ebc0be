//! `vaora demo`: the main job end to end, told as a short story on an embedded default.
//!
//! Everything runs in one temporary folder that is removed at the end: a sync server on
//! loopback (in-process, SQLite, port 0) with a fresh authority, two phones with encrypted
//! diaries and a venue staff phone. Each step is a function in [`STEPS`] that calls the same
//! core, server and CLI functions the real commands use (venue issuing, poster rendering,
//! scanning, offline check-in, proxy declaration, the staff desk, sync, case, trace,
//! publish, a card holder's case), so the demo cannot drift into
//! a second implementation of the rules. The phones' clocks are simulated (the stays
//! happen in the last few hours); the timings printed are real. Nothing secret is printed.

use std::path::PathBuf;
use std::sync::{Arc, MutexGuard};
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use vaora_core::desk::{DeskSettings, StaffDesk};
use vaora_core::diary::{
    Diary, DiaryConfig, DiaryKey, InspectionFindings, NewPerson, SharedDiary, Unverified,
};
use vaora_core::scan::{ScanOptions, scan_luma};
use vaora_core::sync::authority_client::AuthorityClient;
use vaora_core::sync::client::{self, CancelToken, SyncOptions};
use vaora_core::sync::inspection::{download_work_list, enrol_as_inspector};
use vaora_core::sync::own_venue::{enrol_as_staff, register_and_keep, staff_enrolment_code};
use vaora_core::sync::reqwest_transport::ReqwestTransport;
use vaora_protocol::clock::VIETNAM_OFFSET;
use vaora_protocol::clock::{Clock, FixedClock};
use vaora_protocol::declare::{self, Answers, DeclarePolicy, PersonalCode, VisitorSource};
use vaora_protocol::ids::Id128;
use vaora_protocol::render::poster::poster_png;
use vaora_protocol::venue::{Authority, SignerPolicy, VenueCode};
use vaora_protocol::wire::{IdentifiedBy, OwnVenueRequest, VenueRequest};
use vaora_server::{AuthorityKey, Database, Limits, RunningServer, ServerConfig};

/// Local wall-clock time (UTC+7), hours and minutes: the story happens today.
fn local(t: &DateTime<Utc>) -> String {
    t.with_timezone(&VIETNAM_OFFSET).format("%H:%M").to_string()
}

/// A phone: an encrypted diary (shared, as the sync client wants it) and its clock.
struct Phone {
    diary: SharedDiary,
    clock: Arc<FixedClock>,
    device_id: Option<Id128>,
}

impl Phone {
    fn open(path: &std::path::Path, now: DateTime<Utc>) -> anyhow::Result<Self> {
        let clock = Arc::new(FixedClock::with_offset(now, VIETNAM_OFFSET));
        let diary = Diary::open(
            path,
            &DiaryKey::generate()?,
            clock.clone(),
            DiaryConfig::default(),
        )?;
        Ok(Self {
            diary: SharedDiary::new(diary),
            clock,
            device_id: None,
        })
    }
    fn lock(&self) -> MutexGuard<'_, Diary> {
        self.diary.lock()
    }
}

/// State shared by the steps.
pub struct Demo {
    dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    /// Real time at the start; the stays happen in the hours before it.
    now: DateTime<Utc>,
    /// When the family arrives: about two hours ago, moved earlier when the stays would
    /// cross local midnight (where the diary caps open stays).
    start: DateTime<Utc>,
    authority_dir: PathBuf,
    server: Option<RunningServer>,
    url: String,
    code_text: Option<String>,
    phone_a: Option<Phone>,
    phone_b: Option<Phone>,
    /// The venue's staff phone, at the door.
    phone_staff: Option<Phone>,
    /// The shop owner's phone: it registered the venue and keeps its management secret.
    phone_owner: Option<Phone>,
    /// The venue the owner registered.
    venue_id: Option<Id128>,
    case_id: Option<Id128>,
    b_owner: Option<Id128>,
    alerts: usize,
    contacts: usize,
}

type Step = (&'static str, fn(&mut Demo) -> anyhow::Result<Vec<String>>);

/// The story, in order.
pub const STEPS: &[Step] = &[
    (
        "Start the server on loopback (temporary SQLite, fresh authority)",
        start_server,
    ),
    (
        "The phở shop registers itself: signed venue code, poster, management secret",
        register_venue,
    ),
    ("Scan the poster image and verify the code", scan_poster),
    (
        "A family checks in offline from the scanned code",
        family_checkin,
    ),
    (
        "Declare for the grandmother and show her personal code",
        declare_grandma,
    ),
    ("Come online: register the device and sync", sync_a),
    (
        "A second phone overlaps at the same venue, registers and syncs",
        phone_b,
    ),
    (
        "The shop enrols its staff phone, which checks in a neighbour without a phone from her CCCD",
        staff_desk,
    ),
    ("The authority marks a case for the first phone", mark_case),
    ("Trace the contacts", trace),
    ("Publish exposure windows", publish),
    ("The second phone syncs and gets its alert", alert_b),
    (
        "The neighbour falls ill: a case by her card number, traced and published",
        card_case,
    ),
    (
        "The second phone, who overlapped her too, syncs and gets its alert",
        card_alert,
    ),
    (
        "An inspector checks the shop's poster and records the visit; the console's compliance page shows it",
        inspect_shop,
    ),
];

const VENUE: &str = "Phở Hòa Pasteur";
const GRANDMA: &str = "Bà Nội";
/// A synthetic CCCD card (province 079, a woman born 1952): the neighbour without a phone.
const NEIGHBOUR_CCCD: &str =
    "079152001234||Phạm Thị Lan|12031952|Nữ|45 Pasteur, Bến Nghé, Quận 1, TP. Hồ Chí Minh|10082021";
const NEIGHBOUR_CARD_NUMBER: &str = "079 152 001 234";

impl Demo {
    fn authority(&self) -> anyhow::Result<AuthorityClient> {
        let key = AuthorityKey::load(&self.authority_dir)?;
        let key_id = key.key_id();
        Ok(AuthorityClient::new(
            &self.url,
            key_id,
            Box::new(move |m| key.sign(m)),
        )?)
    }
    fn a(&self) -> anyhow::Result<&Phone> {
        self.phone_a.as_ref().context("the first phone is missing")
    }
    fn options(&self) -> SyncOptions {
        SyncOptions {
            server: Some(self.url.clone()),
            ..SyncOptions::default()
        }
    }
    fn code(&self) -> anyhow::Result<&str> {
        self.code_text.as_deref().context("no scanned venue code")
    }
    fn case(&self) -> anyhow::Result<Id128> {
        self.case_id.context("no case")
    }
}

fn start_server(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    // A temporary authority valid from the start of the day before yesterday (UTC), so
    // the venue code (valid in whole UTC days, from yesterday) and every stay are inside it.
    let from = (d.now - Duration::days(2)).timestamp();
    let from = from - from.rem_euclid(86_400);
    let authority = Authority::generate(from, from + 2 * 365 * 86_400)?;
    authority.write_dir(&d.authority_dir, d.now.timestamp())?;
    let server = d.rt.block_on(vaora_server::start(ServerConfig {
        listen: "127.0.0.1:0".into(),
        database: Database::Sqlite(d.dir.path().join("server.db")),
        replica: None,
        console: Default::default(),
        attestation: Default::default(),
        authority_dir: d.authority_dir.clone(),
        limits: Limits::default(),
    }))?;
    d.url = format!("http://{}", server.addr);
    d.server = Some(server);
    Ok(vec![
        format!("listening on {}", d.url),
        format!("authority key {}", authority.key_id()),
    ])
}

fn register_venue(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    // The shop's owner registers it from their phone (no authority key, as on the public
    // page), which keeps the venue and its management secret in "my venues". The venue is
    // in the server's registry: tracing and the console name venues from the registry,
    // never from check-ins; the authority sees it as registered by its owner.
    let owner = Phone::open(&d.dir.path().join("phone-owner.db"), d.now)?;
    let transport = ReqwestTransport::new()?;
    let kept = d.rt.block_on(register_and_keep(
        &transport,
        &owner.diary,
        &d.url,
        &OwnVenueRequest {
            venue: VenueRequest {
                name: VENUE.into(),
                address: "Pasteur, Quận 1".into(),
                ward: WARD.into(),
                category: Some("restaurant-shop".into()),
                stay_minutes: Some(60),
            },
            contact: "0903 123 456".into(),
        },
    ))?;
    let code = VenueCode::parse(&kept.code_text)?;
    let png = poster_png(&code.poster(""))?;
    let path = d.dir.path().join("poster.png");
    std::fs::write(&path, &png)?;
    d.venue_id = Some(kept.venue_id);
    let secret_len = kept.manage_secret.len();
    d.phone_owner = Some(owner);
    Ok(vec![
        format!(
            "venue code for \"{VENUE}\", {} characters, registered by its owner",
            code.to_text().len()
        ),
        format!("management secret: {secret_len} hex digits, kept in the owner's diary"),
        format!("poster.png {} bytes", png.len()),
    ])
}

fn scan_poster(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let path = d.dir.path().join("poster.png");
    let (luma, w, h) = crate::scan::load_luma(&path)?;
    let opts = ScanOptions {
        budget: std::time::Duration::from_secs(10),
        ..ScanOptions::still_image()
    };
    let found = scan_luma(&luma, w, h, &opts)?;
    let text = found
        .codes
        .iter()
        .filter_map(|c| c.text.clone())
        .find(|t| vaora_protocol::venue::payload::has_prefix(t))
        .context("no venue code found on the poster")?;
    // The phone trusts the authority's key set (as `vaora trust add` does), then verifies.
    let a = Phone::open(&d.dir.path().join("phone-a.db"), d.start)?;
    let keyset =
        crate::trust::read_keyset(&d.authority_dir.join(vaora_protocol::venue::KEYSET_FILE))?;
    let scanned = {
        let diary = a.lock();
        diary.apply_keyset(&keyset, SignerPolicy::PinSelfSigned)?;
        diary.scanned_venue(&text, Unverified::Refuse)?
    };
    d.code_text = Some(text);
    d.phone_a = Some(a);
    Ok(vec![format!(
        "scanned {w}x{h} image: venue {} {}",
        scanned.verification.as_str(),
        scanned.venue.name
    )])
}

fn family_checkin(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let code = d.code()?.to_owned();
    let a = d.a()?;
    let start = a.clock.now();
    let mut diary = a.lock();
    let mother = diary.add_person(NewPerson {
        display_name: "Nguyễn Thị Mai".into(),
        relation: Some("mother".into()),
        birth_year: Some(1958),
    })?;
    let son = diary.add_person(NewPerson {
        display_name: "Bé Bin".into(),
        relation: Some("son".into()),
        birth_year: Some(2018),
    })?;
    let owner = diary.owner_id();
    diary.rename_person(&owner, "Trần Văn An")?;
    let people = vec![owner, mother.id, son.id];
    let (_, done) = diary.check_in_from_venue_code(&code, people, Unverified::Refuse)?;
    let until = start + Duration::minutes(50);
    a.clock.set(until);
    let closed = diary.check_out(None, Some(until))?;
    let mut lines: Vec<String> = done
        .iter()
        .map(|c| {
            format!(
                "checked in {} at {} {}",
                c.person_name,
                c.venue.name,
                local(&c.checked_in_at)
            )
        })
        .collect();
    lines.push(format!(
        "{} checked out at {}; nothing sent yet (offline)",
        closed.len(),
        local(&until)
    ));
    Ok(lines)
}

fn declare_grandma(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let path = d.dir.path().join("personal-code.png");
    let now = d.now;
    let a = d.a()?;
    a.clock.set(now);
    let mut diary = a.lock();
    let grandma = diary.add_person(NewPerson {
        display_name: GRANDMA.into(),
        relation: Some("grandmother".into()),
        birth_year: Some(1945),
    })?;
    let stored =
        diary.declare_for_person(&grandma.id, Answers::all_clear(), &DeclarePolicy::default())?;
    let text = diary.personal_code_for(&stored.body)?;
    let png = declare::qr::code_png(&text, 8, 4)?;
    std::fs::write(&path, &png)?;
    let verified = PersonalCode::verify(&text, now, &[])?;
    Ok(vec![
        format!(
            "declared for {} ({}), proxy: {}",
            stored.body.subject.name,
            stored.body.summary().describe(),
            if verified.is_proxy() { "yes" } else { "no" }
        ),
        format!(
            "personal-code.png {} bytes; payload {} characters; verify: {}",
            png.len(),
            text.len(),
            verified.status.as_str()
        ),
    ])
}

fn sync_phone(d: &Demo, phone: &Phone) -> anyhow::Result<(Id128, client::SyncReport)> {
    let reg =
        d.rt.block_on(client::register(&phone.diary, &d.url, &d.options()))
            .context("registering")?;
    Ok((reg.device_id, sync_registered(d, phone)?))
}

/// Syncs a phone that registered already.
fn sync_registered(d: &Demo, phone: &Phone) -> anyhow::Result<client::SyncReport> {
    let options = d.options();
    let report =
        d.rt.block_on(client::sync(
            &phone.diary,
            &options,
            &|_| {},
            &CancelToken::new(),
        ))
        .context("sync")?;
    Ok(report)
}

fn sync_line(r: &client::SyncReport) -> String {
    format!(
        "uploaded {} duplicate {} rejected {}; new alerts {}",
        r.uploaded,
        r.duplicates,
        r.rejected.len(),
        r.new_alerts.len()
    )
}

fn sync_a(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let a = d.phone_a.take().context("the first phone is missing")?;
    let result = sync_phone(d, &a);
    let (device, report) = match result {
        Ok(r) => r,
        Err(e) => {
            d.phone_a = Some(a);
            return Err(e);
        }
    };
    let mut a = a;
    a.device_id = Some(device);
    d.phone_a = Some(a);
    if !report.rejected.is_empty() {
        bail!("the server rejected {} records", report.rejected.len());
    }
    Ok(vec![format!("device {device}"), sync_line(&report)])
}

fn phone_b(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let start = d.start + Duration::minutes(30);
    let mut b = Phone::open(&d.dir.path().join("phone-b.db"), start)?;
    let keyset =
        crate::trust::read_keyset(&d.authority_dir.join(vaora_protocol::venue::KEYSET_FILE))?;
    let until = start + Duration::minutes(45);
    let (owner, checked) = {
        let mut diary = b.lock();
        diary.apply_keyset(&keyset, SignerPolicy::PinSelfSigned)?;
        let owner = diary.owner_id();
        diary.rename_person(&owner, "Lê Minh")?;
        let (_, done) =
            diary.check_in_from_venue_code(d.code()?, vec![owner], Unverified::Refuse)?;
        b.clock.set(until);
        diary.check_out(None, Some(until))?;
        (owner, done)
    };
    b.clock.set(d.now);
    let (device, report) = sync_phone(d, &b)?;
    b.device_id = Some(device);
    d.b_owner = Some(owner);
    d.phone_b = Some(b);
    let mut lines: Vec<String> = checked
        .iter()
        .map(|c| {
            format!(
                "checked in {} at {} {} - {}",
                c.person_name,
                c.venue.name,
                local(&c.checked_in_at),
                local(&until)
            )
        })
        .collect();
    lines.push(format!("device {device}"));
    lines.push(sync_line(&report));
    Ok(lines)
}

fn staff_desk(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let at = d.start + Duration::minutes(20);
    let staff = Phone::open(&d.dir.path().join("phone-staff.db"), at)?;
    // The owner enrols the staff phone: a one-time code from the owner's phone, redeemed by
    // the staff phone with its device credential, so its visits count as the shop's own.
    let transport = ReqwestTransport::new()?;
    let owner = d.phone_owner.as_ref().context("the owner's phone")?;
    let venue_id = d.venue_id.context("the owner's venue")?;
    let code =
        d.rt.block_on(staff_enrolment_code(&transport, &owner.diary, venue_id))?;
    let device =
        d.rt.block_on(client::register(&staff.diary, &d.url, &d.options()))
            .context("registering the staff phone")?
            .device_id;
    let enrolled =
        d.rt.block_on(enrol_as_staff(&transport, &staff.diary, &code.code))?;
    let keyset =
        crate::trust::read_keyset(&d.authority_dir.join(vaora_protocol::venue::KEYSET_FILE))?;
    let visit = {
        let diary = staff.lock();
        diary.apply_keyset(&keyset, SignerPolicy::PinSelfSigned)?;
        let desk = StaffDesk::open(&diary, d.code()?, DeskSettings::default())?;
        desk.record(&diary, NEIGHBOUR_CCCD)?
    };
    let sealed = match &visit.body.source {
        VisitorSource::IdCard {
            sealed: Some(s), ..
        } => s.len(),
        _ => bail!("the desk did not seal the card number"),
    };
    // Later, the staff phone comes online: the visit's default stay has ended by then.
    staff.clock.set(d.now);
    staff.lock().close_due_staff_visits()?;
    let report = sync_registered(d, &staff)?;
    let mut staff = staff;
    staff.device_id = Some(device);
    d.phone_staff = Some(staff);
    Ok(vec![
        format!(
            "staff desk at {VENUE}: accepted {} (born {}, CCCD) {}",
            visit.body.checkin.person_name,
            visit.body.birth_year.map_or("?".into(), |y| y.to_string()),
            local(&visit.body.checkin.checked_in_at)
        ),
        format!(
            "staff phone enrolled at {} with the owner's one-time code",
            enrolled.venue_name
        ),
        format!("card number sealed to the authority ({sealed} bytes), never kept in plaintext"),
        format!("staff device {device}"),
        sync_line(&report),
    ])
}

fn mark_case(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let a = d.a()?;
    let device = a.device_id.context("the first phone is not registered")?;
    let owner = a.lock().owner_id();
    let authority = d.authority()?;
    let case = d.rt.block_on(authority.create_case(
        device,
        Some(owner),
        d.start - Duration::hours(1),
        d.now,
    ))?;
    d.case_id = Some(case.case_id);
    Ok(vec![format!(
        "case {} for device {device}: {} check-ins in the period",
        case.case_id, case.checkins
    )])
}

fn trace(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let authority = d.authority()?;
    let resp = d.rt.block_on(authority.trace(d.case()?))?;
    let b = d.phone_b.as_ref().context("the second phone is missing")?;
    let b_device = b.device_id.context("the second phone is not registered")?;
    let b_owner = d.b_owner.context("no second owner")?;
    let found = resp
        .contacts
        .iter()
        .any(|c| c.device_id == b_device && c.person_id == b_owner);
    if !found {
        bail!("the trace did not find the second phone's person");
    }
    let neighbour = resp
        .contacts
        .iter()
        .any(|c| c.identified_by == IdentifiedBy::StaffCccd && c.person_name == "Phạm Thị Lan");
    if !neighbour {
        bail!("the trace did not find the neighbour the staff recorded");
    }
    d.contacts = resp.contacts.len();
    let mut lines = contact_lines(&resp.contacts);
    lines.push(format!(
        "{} contacts; the second phone's person is one of them (found: yes)",
        resp.contacts.len()
    ));
    lines.push(
        "the neighbour without a phone is one of them, recorded by staff (found: yes)".into(),
    );
    Ok(lines)
}

/// One line per contact; a visit staff recorded says how, and the birth year.
fn contact_lines(contacts: &[vaora_protocol::wire::Contact]) -> Vec<String> {
    contacts
        .iter()
        .map(|c| {
            let how = match (c.identified_by, c.birth_year) {
                (IdentifiedBy::Phone, _) => String::new(),
                (IdentifiedBy::StaffCccd, Some(y)) => format!(" (staff: CCCD, born {y})"),
                (_, _) => " (staff)".into(),
            };
            format!(
                "contact {} {} at {} {} - {}{how}",
                c.device_id,
                c.person_name,
                c.venue_name,
                local(&c.overlap_from),
                local(&c.overlap_until)
            )
        })
        .collect()
}

fn publish(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let case = d.case()?;
    publish_case(d, case)
}

fn publish_case(d: &Demo, case: Id128) -> anyhow::Result<Vec<String>> {
    let authority = d.authority()?;
    let resp = d.rt.block_on(authority.publish(case))?;
    let mut lines: Vec<String> = resp
        .windows
        .iter()
        .map(|w| {
            format!(
                "window venue {} {} - {} level {}",
                w.venue_id,
                local(&w.from),
                local(&w.until),
                w.level
            )
        })
        .collect();
    lines.push(format!("published {}", resp.published));
    Ok(lines)
}

fn card_case(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let authority = d.authority()?;
    let case = d.rt.block_on(authority.create_card_case(
        NEIGHBOUR_CARD_NUMBER,
        d.start - Duration::hours(1),
        d.now,
    ))?;
    if case.checkins != 1 {
        bail!(
            "the card holder's case found {} visits, not 1",
            case.checkins
        );
    }
    let resp = d.rt.block_on(authority.trace(case.case_id))?;
    let mut lines = vec![format!(
        "case {} for the holder of CCCD {NEIGHBOUR_CARD_NUMBER}: {} visit recorded by staff",
        case.case_id, case.checkins
    )];
    lines.extend(contact_lines(&resp.contacts));
    lines.extend(publish_case(d, case.case_id)?);
    Ok(lines)
}

fn card_alert(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let b = d.phone_b.as_ref().context("the second phone is missing")?;
    let mut lines = Vec::new();
    let new = alert_lines(d, b, &mut lines)?;
    if new != 1 {
        bail!("the second phone got {new} alerts from the card holder's case, not 1");
    }
    d.alerts += new;
    Ok(lines)
}

/// The ward the shop registered in (and the inspector's work list).
const WARD: &str = "Phường Bến Nghé";

fn inspect_shop(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    // The authority certifies a registered phone as an inspector with a one-time code
    // (the console shows it as a QR); the inspector downloads the ward's venue list.
    let transport = ReqwestTransport::new()?;
    let code = d.rt.block_on(d.authority()?.inspector_code())?;
    let inspector = Phone::open(&d.dir.path().join("phone-inspector.db"), d.now)?;
    let device =
        d.rt.block_on(client::register(&inspector.diary, &d.url, &d.options()))
            .context("registering the inspector's phone")?
            .device_id;
    let keyset =
        crate::trust::read_keyset(&d.authority_dir.join(vaora_protocol::venue::KEYSET_FILE))?;
    inspector
        .lock()
        .apply_keyset(&keyset, SignerPolicy::PinSelfSigned)?;
    d.rt.block_on(enrol_as_inspector(&transport, &inspector.diary, &code.code))?;
    let list =
        d.rt.block_on(download_work_list(&transport, &inspector.diary, WARD, 14))?;
    let due = list.venues.iter().filter(|v| v.due).count();
    // At the door: the poster's code checked offline, then what the inspector found.
    let (check, body) = {
        let diary = inspector.lock();
        let check = diary.check_poster(d.code()?)?;
        let (body, _) = diary.record_inspection(
            d.code()?,
            &InspectionFindings {
                poster_displayed: true,
                visitors_scanning: true,
                staff_desk_in_use: Some(true),
                note: "Áp phích ở cửa; nhân viên ghi khách không có điện thoại".into(),
            },
        )?;
        (check, body)
    };
    let report = sync_registered(d, &inspector)?;
    if report.uploaded != 1 || !report.rejected.is_empty() {
        bail!("the inspection was not accepted: {}", sync_line(&report));
    }
    let shown = d.rt.block_on(console_inspected_row(d))?;
    if let Ok(diary) = inspector.diary.into_inner() {
        diary.close()?;
    }
    Ok(vec![
        format!("inspector {device}: certified with a one-time code"),
        format!("work list {WARD}: venues {}, due {due}", list.venues.len()),
        format!(
            "poster at the door: code {}, {} for this ward",
            check.code.as_str(),
            check.place.as_str()
        ),
        format!(
            "inspection {} {} {}",
            body.id,
            body.venue_name,
            body.verdict().as_str()
        ),
        sync_line(&report),
        format!("console compliance page: {shown}"),
    ])
}

/// The compliance page's row for the shop among the venues inspected this week, as text:
/// signed in with a token from the authority key, as `vaora authority token` gives one.
async fn console_inspected_row(d: &Demo) -> anyhow::Result<String> {
    let authority = Authority::load_dir(&d.authority_dir)?;
    let token = vaora_console::token::issue(&authority, Utc::now(), 1)?;
    // The console answers its sign-in with a redirect that sets the session cookie.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let login = http
        .post(format!("{}/console/login", d.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={}", form_value(&token)))
        .send()
        .await?;
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()
                .filter(|c| c.starts_with("vaora_console_session="))
        })
        .context("the console did not sign in")?
        .to_owned();
    let page = http
        .get(format!("{}/console/compliance?days=7&lang=en", d.url))
        .header("cookie", cookie)
        .send()
        .await?
        .bytes()
        .await?;
    let html = String::from_utf8_lossy(&page);
    let list = html
        .find("id=\"inspected-list\"")
        .map(|at| &html[at..])
        .context("the compliance page lists no inspected venues")?;
    let row = list
        .find(VENUE)
        .map(|at| &list[at..])
        .and_then(|r| r.find("</tr>").map(|end| &r[..end]))
        .context("the shop is not among the inspected venues")?;
    Ok(text_of(row))
}

/// A form value, percent-encoded (every byte but ASCII letters and digits).
fn form_value(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The text of an HTML fragment: tags dropped, the non-empty cells joined with " | ".
fn text_of(html: &str) -> String {
    let mut cells = vec![String::new()];
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                cells.push(String::new());
            }
            '>' => in_tag = false,
            c if !in_tag => cells.last_mut().into_iter().for_each(|s| s.push(c)),
            _ => {}
        }
    }
    cells
        .iter()
        .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Syncs `phone`; adds its windows and alert lines; returns how many alerts are new.
fn alert_lines(d: &Demo, phone: &Phone, lines: &mut Vec<String>) -> anyhow::Result<usize> {
    let report =
        d.rt.block_on(client::sync(
            &phone.diary,
            &d.options(),
            &|_| {},
            &CancelToken::new(),
        ))
        .context("sync")?;
    lines.push(format!(
        "exposure windows {}; new alerts {}",
        report.windows_received,
        report.new_alerts.len()
    ));
    for a in &report.new_alerts {
        lines.push(format!(
            "alert {} at {} {} - {} level {}",
            a.person_name,
            a.venue_name,
            local(&a.overlap_from),
            local(&a.overlap_until),
            a.level
        ));
    }
    Ok(report.new_alerts.len())
}

fn alert_b(d: &mut Demo) -> anyhow::Result<Vec<String>> {
    let b = d.phone_b.as_ref().context("the second phone is missing")?;
    let mut lines = Vec::new();
    d.alerts = alert_lines(d, b, &mut lines)?;
    Ok(lines)
}

/// About two hours before `now`, such that the stays (75 minutes in all) stay within one
/// local day.
fn story_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let start = now - Duration::hours(2);
    let end = start + Duration::minutes(75);
    let end_local = end.with_timezone(&VIETNAM_OFFSET);
    if start.with_timezone(&VIETNAM_OFFSET).date_naive() == end_local.date_naive() {
        return start;
    }
    let midnight = end_local
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|m| m.and_local_timezone(VIETNAM_OFFSET).single())
        .map_or(start, |m| m.with_timezone(&Utc));
    midnight - Duration::minutes(90)
}

/// Runs every step and prints the story with real timings; cleans everything up.
pub fn run() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let authority_dir = dir.path().join("authority");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let now = Utc::now();
    let mut demo = Demo {
        dir,
        rt,
        now,
        start: story_start(now),
        authority_dir,
        server: None,
        url: String::new(),
        code_text: None,
        phone_a: None,
        phone_b: None,
        phone_staff: None,
        phone_owner: None,
        venue_id: None,
        case_id: None,
        b_owner: None,
        alerts: 0,
        contacts: 0,
    };
    println!(
        "Vaora demo: venue, scan, family check-in, declaration, sync, staff desk, case, trace, alert, card holder's case, inspection (times in UTC+7)\n"
    );
    let total = Instant::now();
    let mut result = Ok(());
    for (i, (title, step)) in STEPS.iter().enumerate() {
        let started = Instant::now();
        match step(&mut demo).with_context(|| format!("step {}: {title}", i + 1)) {
            Ok(lines) => {
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                println!("{:>2}. {title}  ({ms:.1} ms)", i + 1);
                for l in lines {
                    println!("      {l}");
                }
            }
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    // Clean up in every case: diaries closed, server stopped, temp folder removed.
    for phone in [
        demo.phone_a.take(),
        demo.phone_b.take(),
        demo.phone_staff.take(),
    ]
    .into_iter()
    .flatten()
    {
        if let Ok(diary) = phone.diary.into_inner() {
            diary.close()?;
        }
    }
    if let Some(server) = demo.server.take() {
        demo.rt.block_on(server.shutdown());
    }
    result?;
    println!(
        "\ndone: {} steps in {:.1} ms; contacts {}; alerts {}",
        STEPS.len(),
        total.elapsed().as_secs_f64() * 1000.0,
        demo.contacts,
        demo.alerts
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn stays_never_cross_local_midnight() {
        // Every 10 minutes of a day: the 75 minutes of stays lie in one local day, start
        // at most 3.5 h before now, and end before now.
        let day = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
        for i in 0..144 {
            let now = day + Duration::minutes(10 * i);
            let start = story_start(now);
            let end = start + Duration::minutes(75);
            assert_eq!(
                start.with_timezone(&VIETNAM_OFFSET).date_naive(),
                end.with_timezone(&VIETNAM_OFFSET).date_naive(),
                "now {now}"
            );
            assert!(
                end < now && now - start <= Duration::minutes(210),
                "now {now}"
            );
        }
    }
}
