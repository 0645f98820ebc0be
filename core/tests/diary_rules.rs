//! Check-in rules through the public diary API: families, overlaps, auto check-out with
//! the midnight cap, edits, lists, retention, outbox, people.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::sync::Arc;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use vaora_core::diary::{
    CheckIn, CheckInRequest, Diary, DiaryConfig, DiaryError, DiaryKey, NewPerson, Page, SyncState,
};
use vaora_protocol::clock::FixedClock;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::{
    CheckInBody, CheckInMethod, CheckInUpdateBody, RecordKind, UpdateReason, VenueRef,
};
use vaora_protocol::venue::VenueCategory;

struct Fixture {
    _disk: DiskDiary,
    clock: Arc<FixedClock>,
    diary: Diary,
}

/// A diary file that a test can close and open again, with its key and clock.
struct DiskDiary {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    key: DiaryKey,
    clock: Arc<FixedClock>,
}

impl DiskDiary {
    fn at(now: DateTime<Utc>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            path: dir.path().join("d.db"),
            _dir: dir,
            key: DiaryKey::generate().unwrap(),
            clock: Arc::new(FixedClock::with_offset(now, offset())),
        }
    }

    /// Opens (or opens again) the diary with the default settings.
    fn open(&self) -> Diary {
        Diary::open(
            &self.path,
            &self.key,
            self.clock.clone(),
            DiaryConfig::default(),
        )
        .unwrap()
    }
}

fn offset() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap()
}

/// Local time (UTC+7) on 2026-03-10.
fn t(h: u32, m: u32) -> DateTime<Utc> {
    offset()
        .with_ymd_and_hms(2026, 3, 10, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn fixture_at(now: DateTime<Utc>) -> Fixture {
    let disk = DiskDiary::at(now);
    Fixture {
        clock: disk.clock.clone(),
        diary: disk.open(),
        _disk: disk,
    }
}

fn venue(name: &str) -> VenueRef {
    VenueRef {
        id: None,
        name: name.into(),
        address: "1 Lê Lợi".into(),
        category: VenueCategory::Market,
        issuer_key_id: None,
        verified: false,
    }
}

fn req(people: Vec<Id128>, name: &str, at: Option<DateTime<Utc>>) -> CheckInRequest {
    CheckInRequest {
        people,
        venue: venue(name),
        method: CheckInMethod::ManualEntry,
        at,
        venue_default_stay: None,
    }
}

fn member(d: &mut Diary, name: &str) -> Id128 {
    d.add_person(NewPerson {
        display_name: name.into(),
        relation: Some("child".into()),
        birth_year: Some(2015),
    })
    .unwrap()
    .id
}

fn one(v: Vec<CheckIn>) -> CheckIn {
    assert_eq!(v.len(), 1);
    v.into_iter().next().unwrap()
}

/// The ids of the open check-ins, oldest first.
fn open_ids(d: &Diary) -> Vec<Id128> {
    d.open_checkins().unwrap().iter().map(|c| c.id).collect()
}

/// The record ids of the first ten pending records, in queue order.
fn pending_ids(d: &Diary) -> Vec<Id128> {
    d.pending_records(10)
        .unwrap()
        .iter()
        .map(|e| e.record_id)
        .collect()
}

/// The update records of one check-in, decoded, in outbox order.
fn updates_of(d: &Diary, checkin: &Id128) -> Vec<CheckInUpdateBody> {
    d.all_records()
        .unwrap()
        .into_iter()
        .filter(|e| e.record.kind == RecordKind::CheckInUpdate && e.subject_id == *checkin)
        .map(|e| CheckInUpdateBody::decode(&e.record.body).unwrap())
        .collect()
}

#[test]
fn family_checks_in_together_with_one_signed_record_each() {
    let mut f = fixture_at(t(9, 0));
    let owner = f.diary.owner_id();
    let kid = member(&mut f.diary, "Bé Na");
    let grandma = member(&mut f.diary, "Bà Tư");
    let done = f
        .diary
        .check_in(req(vec![owner, kid, grandma], "Chợ Lớn", None))
        .unwrap();
    assert_eq!(
        done.iter().map(|c| c.person_id).collect::<Vec<_>>(),
        vec![owner, kid, grandma]
    );
    let ids: std::collections::HashSet<_> = done.iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), 3, "each person gets their own check-in id");
    let records = f.diary.all_records().unwrap();
    assert_eq!(records.len(), 3);
    // Records made in the same instant are queued by record id.
    for c in &done {
        let e = records.iter().find(|e| e.record_id == c.id).unwrap();
        assert_eq!(e.record.kind, RecordKind::CheckIn);
        assert_eq!(e.state, SyncState::Pending);
        e.record.verify().unwrap();
        let body = CheckInBody::decode(&e.record.body).unwrap();
        assert_eq!(body.person_id, c.person_id);
        assert_eq!(body.venue.name, "Chợ Lớn");
        assert_eq!(body.checked_in_at, t(9, 0));
    }
    assert_eq!(f.diary.verify_all().unwrap(), 3);
}

#[test]
fn family_check_in_is_all_or_nothing() {
    let mut f = fixture_at(t(9, 0));
    let owner = f.diary.owner_id();
    let unknown = Id128::random().unwrap();
    let err = f
        .diary
        .check_in(req(vec![owner, unknown], "Chợ Lớn", None))
        .unwrap_err();
    assert!(matches!(err, DiaryError::NotFound(_)), "{err}");
    assert!(f.diary.list_checkins(Page::default()).unwrap().is_empty());
    assert!(f.diary.all_records().unwrap().is_empty());
    // Duplicates and empty lists are refused too.
    assert!(matches!(
        f.diary.check_in(req(vec![owner, owner], "X", None)),
        Err(DiaryError::Invalid(_))
    ));
    assert!(matches!(
        f.diary.check_in(req(vec![], "X", None)),
        Err(DiaryError::Invalid(_))
    ));
    assert!(matches!(
        f.diary.check_in(req(vec![owner], "  ", None)),
        Err(DiaryError::Invalid(_))
    ));
}

#[test]
fn new_check_in_closes_the_open_one_without_overlap() {
    let mut f = fixture_at(t(8, 0));
    let owner = f.diary.owner_id();
    let kid = member(&mut f.diary, "Bé Na");
    let first = one(f.diary.check_in(req(vec![owner], "Chợ", None)).unwrap());
    let kid_first = one(f.diary.check_in(req(vec![kid], "Trường", None)).unwrap());
    f.clock.set(t(9, 30));
    let second = one(f
        .diary
        .check_in(req(vec![owner], "Nhà thuốc", None))
        .unwrap());

    let closed = f.diary.checkin(&first.id).unwrap();
    assert_eq!(closed.checked_out_at, Some(t(9, 30)));
    assert_eq!(closed.out_reason, Some(UpdateReason::Superseded));
    assert!(f.diary.checkin(&second.id).unwrap().is_open());
    // The other person's check-in is not touched.
    assert!(f.diary.checkin(&kid_first.id).unwrap().is_open());
    assert_eq!(open_ids(&f.diary), vec![kid_first.id, second.id]);

    let ups = updates_of(&f.diary, &first.id);
    assert_eq!(ups.len(), 1);
    assert_eq!(ups[0].reason, UpdateReason::Superseded);
    assert_eq!(ups[0].sequence, 1);
    assert_eq!(ups[0].checked_out_at, Some(t(9, 30)));

    // A check-in that starts inside an existing stay is refused.
    assert!(matches!(
        f.diary.check_in(req(vec![owner], "Chợ", Some(t(9, 0)))),
        Err(DiaryError::Invalid(_))
    ));
    f.diary.verify_all().unwrap();
}

#[test]
fn auto_check_out_after_the_policy_default_stay() {
    let mut f = fixture_at(t(8, 0));
    let owner = f.diary.owner_id();
    let c = one(f.diary.check_in(req(vec![owner], "Chợ", None)).unwrap());
    assert_eq!(c.auto_out_at, t(12, 0));
    f.clock.set(t(11, 59));
    assert_eq!(f.diary.apply_auto_checkouts().unwrap(), 0);
    assert!(f.diary.checkin(&c.id).unwrap().is_open());
    f.clock.set(t(13, 0));
    assert_eq!(f.diary.apply_auto_checkouts().unwrap(), 1);
    let c = f.diary.checkin(&c.id).unwrap();
    assert_eq!(
        c.checked_out_at,
        Some(t(12, 0)),
        "closed at the stay's end, not at now"
    );
    assert_eq!(c.out_reason, Some(UpdateReason::AutoCheckOut));
    let ups = updates_of(&f.diary, &c.id);
    assert_eq!(ups.len(), 1);
    assert_eq!(ups[0].reason, UpdateReason::AutoCheckOut);
    // Idempotent: nothing more to close.
    assert_eq!(f.diary.apply_auto_checkouts().unwrap(), 0);
}

#[test]
fn venue_default_stay_applies_and_auto_check_out_runs_on_open() {
    let disk = DiskDiary::at(t(8, 0));
    let clock = &disk.clock;
    let mut d = disk.open();
    let owner = d.owner_id();
    let mut r = req(vec![owner], "Bến xe", None);
    r.venue_default_stay = Some(Duration::minutes(30));
    let c = one(d.check_in(r).unwrap());
    assert_eq!(c.auto_out_at, t(8, 30));
    d.close().unwrap();
    clock.set(t(10, 0));
    let d = disk.open();
    let c = d.checkin(&c.id).unwrap();
    assert_eq!(c.checked_out_at, Some(t(8, 30)));
    assert_eq!(c.out_reason, Some(UpdateReason::AutoCheckOut));
}

/// Each person's latest stay lives in memory (`diary::stays`), and opening reads only the
/// stays begun since `open_stays_since`. A late check-in that opens a stay before that
/// instant, and an edit that moves an open stay before it, must still be found and closed
/// by the sweep after the diary is closed and opened again.
#[test]
fn open_stays_begun_before_the_last_settled_instant_are_still_swept() {
    let disk = DiskDiary::at(t(9, 0));
    let clock = &disk.clock;
    let mut d = disk.open();
    let owner = d.owner_id();
    let kid = member(&mut d, "Bé Na");
    let grandma = member(&mut d, "Bà Tư");
    let now_stay = one(d.check_in(req(vec![owner], "Bây giờ", None)).unwrap());
    // Settles `open_stays_since` at 9:00, the oldest open stay.
    d.close().unwrap();

    clock.set(t(10, 0));
    let mut d = disk.open();
    // Entered late: the kid's stay began at 7:00, before the settled instant.
    let late = one(d.check_in(req(vec![kid], "Trường", Some(t(7, 0)))).unwrap());
    d.close().unwrap();

    clock.set(t(10, 5));
    let mut d = disk.open();
    assert_eq!(
        open_ids(&d),
        vec![late.id, now_stay.id],
        "read back after reopening"
    );
    // Grandma checked in at 9:30; then her start is corrected to 6:30 (still open).
    let moved = one(d
        .check_in(req(vec![grandma], "Chùa", Some(t(9, 30))))
        .unwrap());
    d.edit_times(&moved.id, t(6, 30), None).unwrap();
    d.close().unwrap();

    clock.set(t(10, 10));
    let d = disk.open();
    assert_eq!(open_ids(&d), vec![moved.id, late.id, now_stay.id]);
    d.close().unwrap();

    // After every stay's automatic end: opening sweeps all three.
    clock.set(t(14, 0));
    let d = disk.open();
    assert!(d.open_checkins().unwrap().is_empty());
    for (c, end) in [
        (&late, t(11, 0)),
        (&moved, t(10, 30)),
        (&now_stay, t(13, 0)),
    ] {
        let c = d.checkin(&c.id).unwrap();
        assert_eq!(c.checked_out_at, Some(end), "{}", c.venue.name);
        assert_eq!(c.out_reason, Some(UpdateReason::AutoCheckOut));
    }
}

/// Two diaries open on one file (say, the app and a background sync): what one writes, the
/// other's in-memory latest stays must not hide. Here the second checks the owner out; the
/// first then checks the owner in again and must not supersede the already closed stay.
#[test]
fn another_connections_writes_refresh_the_latest_stays() {
    let disk = DiskDiary::at(t(9, 0));
    let clock = &disk.clock;
    let mut a = disk.open();
    let owner = a.owner_id();
    let first = one(a.check_in(req(vec![owner], "Chợ", None)).unwrap());
    assert_eq!(a.open_checkins().unwrap().len(), 1);

    let mut b = disk.open();
    clock.set(t(9, 20));
    b.check_out(Some(&first.id), None).unwrap();

    clock.set(t(9, 40));
    assert!(
        a.open_checkins().unwrap().is_empty(),
        "a sees b's check-out"
    );
    let second = one(a.check_in(req(vec![owner], "Tiệm bánh", None)).unwrap());
    let ups: Vec<UpdateReason> = updates_of(&a, &first.id).iter().map(|u| u.reason).collect();
    assert_eq!(
        ups,
        vec![UpdateReason::CheckOut],
        "no second close of the same stay"
    );
    assert_eq!(a.checkin(&first.id).unwrap().checked_out_at, Some(t(9, 20)));

    // And the other way: b sees a's new check-in (it must be superseded, not overlapped).
    clock.set(t(10, 0));
    let third = one(b.check_in(req(vec![owner], "Nhà", None)).unwrap());
    let closed = b.checkin(&second.id).unwrap();
    assert_eq!(closed.checked_out_at, Some(t(10, 0)));
    assert_eq!(closed.out_reason, Some(UpdateReason::Superseded));
    assert_eq!(open_ids(&b), vec![third.id]);
    b.verify_all().unwrap();
}

/// A person whose latest stay is closed is not read when the diary opens; their first
/// check-in afterwards looks it up, and the overlap rule still holds against it.
#[test]
fn a_closed_latest_stay_from_an_earlier_session_still_blocks_an_overlap() {
    let disk = DiskDiary::at(t(8, 0));
    let clock = &disk.clock;
    let mut d = disk.open();
    let kid = member(&mut d, "Bé Na");
    let owner = d.owner_id();
    let c = one(d.check_in(req(vec![kid], "Trường", None)).unwrap());
    clock.set(t(11, 0));
    d.check_out(Some(&c.id), None).unwrap();
    // Other people's check-ins after it, so it is not the newest row.
    clock.set(t(12, 0));
    d.check_in(req(vec![owner], "Chợ", None)).unwrap();
    d.close().unwrap();

    clock.set(t(13, 0));
    let mut d = disk.open();
    assert!(matches!(
        d.check_in(req(vec![kid], "Sân", Some(t(10, 0)))),
        Err(DiaryError::Invalid(_))
    ));
    // Right after it ended is fine.
    let ok = one(d.check_in(req(vec![kid], "Sân", Some(t(11, 0)))).unwrap());
    assert!(ok.is_open());
}

#[test]
fn auto_check_out_never_passes_local_midnight() {
    let mut f = fixture_at(t(22, 30));
    let owner = f.diary.owner_id();
    let c = one(f
        .diary
        .check_in(req(vec![owner], "Quán nhậu", None))
        .unwrap());
    let midnight = offset()
        .with_ymd_and_hms(2026, 3, 11, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        c.auto_out_at, midnight,
        "22:30 + 4 h is capped at 00:00 local"
    );
    f.clock.set(midnight + Duration::hours(1));
    assert_eq!(f.diary.apply_auto_checkouts().unwrap(), 1);
    assert_eq!(
        f.diary.checkin(&c.id).unwrap().checked_out_at,
        Some(midnight)
    );
    // A venue stay longer than the rest of the day is capped too.
    let mut f = fixture_at(t(23, 0));
    let owner = f.diary.owner_id();
    let mut r = req(vec![owner], "Bệnh viện", None);
    r.venue_default_stay = Some(Duration::hours(12));
    assert_eq!(one(f.diary.check_in(r).unwrap()).auto_out_at, midnight);
}

#[test]
fn manual_check_out_validates_and_signs_an_update() {
    let mut f = fixture_at(t(8, 0));
    let owner = f.diary.owner_id();
    let c = one(f.diary.check_in(req(vec![owner], "Chợ", None)).unwrap());
    f.clock.set(t(9, 0));
    assert!(matches!(
        f.diary.check_out(Some(&c.id), Some(t(7, 0))),
        Err(DiaryError::Invalid(_))
    ));
    assert!(matches!(
        f.diary.check_out(Some(&c.id), Some(t(10, 0))),
        Err(DiaryError::Invalid(_))
    ));
    assert_eq!(
        f.diary.check_out(Some(&c.id), Some(t(8, 45))).unwrap(),
        vec![c.id]
    );
    let c2 = f.diary.checkin(&c.id).unwrap();
    assert_eq!(c2.checked_out_at, Some(t(8, 45)));
    assert_eq!(c2.out_reason, Some(UpdateReason::CheckOut));
    assert!(matches!(
        f.diary.check_out(Some(&c.id), None),
        Err(DiaryError::Invalid(_))
    ));
    assert!(f.diary.check_out(None, None).unwrap().is_empty());
    assert!(matches!(
        f.diary.check_out(Some(&Id128::random().unwrap()), None),
        Err(DiaryError::NotFound(_))
    ));
}

#[test]
fn editing_times_is_validated_and_emits_updates_in_sequence() {
    let mut f = fixture_at(t(8, 0));
    let owner = f.diary.owner_id();
    let a = one(f.diary.check_in(req(vec![owner], "Chợ", None)).unwrap());
    f.clock.set(t(10, 0));
    let b = one(f
        .diary
        .check_in(req(vec![owner], "Siêu thị", None))
        .unwrap());
    f.clock.set(t(11, 0));
    // Out before in, or in the future: refused.
    assert!(matches!(
        f.diary.edit_times(&a.id, t(9, 0), Some(t(8, 30))),
        Err(DiaryError::Invalid(_))
    ));
    assert!(matches!(
        f.diary.edit_times(&a.id, t(8, 0), Some(t(12, 0))),
        Err(DiaryError::Invalid(_))
    ));
    // Overlapping the next stay of the same person: refused.
    assert!(matches!(
        f.diary.edit_times(&a.id, t(8, 0), Some(t(10, 30))),
        Err(DiaryError::Invalid(_))
    ));
    // A closed check-in cannot be reopened.
    assert!(matches!(
        f.diary.edit_times(&a.id, t(8, 0), None),
        Err(DiaryError::Invalid(_))
    ));
    let edited = f.diary.edit_times(&a.id, t(8, 10), Some(t(9, 40))).unwrap();
    assert_eq!(edited.checked_in_at, t(8, 10));
    assert_eq!(edited.checked_out_at, Some(t(9, 40)));
    assert_eq!(edited.out_reason, Some(UpdateReason::Edit));
    let ups = updates_of(&f.diary, &a.id);
    assert_eq!(
        ups.iter()
            .map(|u| (u.sequence, u.reason))
            .collect::<Vec<_>>(),
        vec![(1, UpdateReason::Superseded), (2, UpdateReason::Edit)]
    );
    assert_eq!(ups[1].checked_in_at, t(8, 10));
    // The open one can move its start and stay open.
    let b2 = f.diary.edit_times(&b.id, t(10, 5), None).unwrap();
    assert!(b2.is_open());
    assert_eq!(b2.auto_out_at, t(14, 5));
    f.diary.verify_all().unwrap();
}

#[test]
fn lists_by_day_and_person_newest_first_paginated() {
    let mut f = fixture_at(t(23, 59));
    let owner = f.diary.owner_id();
    let kid = member(&mut f.diary, "Bé Na");
    // Five stays for the owner on 2026-03-10, one for the kid, one the day before.
    f.clock.set(t(6, 0) - Duration::days(1));
    let before = one(f.diary.check_in(req(vec![owner], "Hôm qua", None)).unwrap());
    let mut owner_ids = Vec::new();
    for h in [7, 9, 11, 13, 15] {
        f.clock.set(t(h, 0));
        owner_ids.push(
            one(f
                .diary
                .check_in(req(vec![owner], &format!("V{h}"), None))
                .unwrap())
            .id,
        );
    }
    f.clock.set(t(16, 0));
    let kid_c = one(f.diary.check_in(req(vec![kid], "Trường", None)).unwrap());
    f.clock.set(t(23, 0));

    let day = t(12, 0).with_timezone(&offset()).date_naive();
    let all_day = f.diary.list_day(day, Page::first(100)).unwrap();
    let got: Vec<_> = all_day.iter().map(|c| c.id).collect();
    let mut want = vec![kid_c.id];
    want.extend(owner_ids.iter().rev());
    assert_eq!(
        got, want,
        "the day's six check-ins, newest first, without yesterday's"
    );

    let p1 = f
        .diary
        .list_day(
            day,
            Page {
                offset: 0,
                limit: 4,
            },
        )
        .unwrap();
    let p2 = f
        .diary
        .list_day(
            day,
            Page {
                offset: 4,
                limit: 4,
            },
        )
        .unwrap();
    assert_eq!(p1.len(), 4);
    assert_eq!(p2.len(), 2);
    assert_eq!(p1.iter().chain(&p2).map(|c| c.id).collect::<Vec<_>>(), want);

    let mine = f.diary.list_person(&owner, None, Page::first(100)).unwrap();
    let mut want_mine: Vec<_> = owner_ids.iter().rev().copied().collect();
    want_mine.push(before.id);
    assert_eq!(mine.iter().map(|c| c.id).collect::<Vec<_>>(), want_mine);
    let since = f
        .diary
        .list_person(&owner, Some(t(10, 0)), Page::first(100))
        .unwrap();
    assert_eq!(since.len(), 3);
    let recent = f.diary.list_checkins(Page::first(2)).unwrap();
    assert_eq!(
        recent.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![kid_c.id, owner_ids[4]]
    );
}

#[test]
fn retention_purges_old_records_on_open_and_on_demand() {
    let disk = DiskDiary::at(t(8, 0));
    let clock = &disk.clock;
    let mut d = disk.open();
    let owner = d.owner_id();
    let old = one(d.check_in(req(vec![owner], "Cũ", None)).unwrap());
    clock.set(t(8, 0) + Duration::days(10));
    let mid = one(d.check_in(req(vec![owner], "Giữa", None)).unwrap());
    clock.set(t(8, 0) + Duration::days(20));
    let new = one(d.check_in(req(vec![owner], "Mới", None)).unwrap());
    d.close().unwrap();

    // 22 days after the first: only the first is older than 21 days.
    clock.set(t(8, 0) + Duration::days(22));
    let mut d = disk.open();
    let left: Vec<_> = d
        .list_checkins(Page::default())
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(left, vec![new.id, mid.id]);
    assert!(matches!(d.checkin(&old.id), Err(DiaryError::NotFound(_))));
    assert!(
        d.all_records()
            .unwrap()
            .iter()
            .all(|e| e.subject_id != old.id)
    );

    // On demand with a shorter window: the middle one goes with its records.
    let counts = d.purge_older_than(5).unwrap();
    assert_eq!(counts.checkins, 1);
    assert_eq!(counts.updates, 1, "the superseded update of `mid`");
    assert_eq!(
        counts.records, 2,
        "its check-in record and its update record"
    );
    assert_eq!(d.list_checkins(Page::default()).unwrap().len(), 1);
    assert!(matches!(d.purge_older_than(0), Err(DiaryError::Invalid(_))));
    assert!(matches!(
        d.purge_older_than(61),
        Err(DiaryError::Invalid(_))
    ));
    d.close().unwrap();

    let bad = DiaryConfig {
        retention_days: 90,
        ..DiaryConfig::default()
    };
    assert!(matches!(
        Diary::open(&disk.path, &disk.key, clock.clone(), bad),
        Err(DiaryError::Invalid(_))
    ));
}

#[test]
fn outbox_drains_in_order_and_marks_by_record_id() {
    let mut f = fixture_at(t(8, 0));
    let owner = f.diary.owner_id();
    let a = one(f.diary.check_in(req(vec![owner], "A", None)).unwrap());
    f.clock.set(t(9, 0));
    let b = one(f.diary.check_in(req(vec![owner], "B", None)).unwrap());
    let pending = f.diary.pending_records(10).unwrap();
    // a's check-in, a's superseded update, b's check-in.
    assert_eq!(pending.len(), 3);
    assert_eq!(pending[0].record_id, a.id);
    assert_eq!(pending[1].subject_id, a.id);
    assert_eq!(pending[1].record.kind, RecordKind::CheckInUpdate);
    assert_eq!(pending[2].record_id, b.id);
    assert!(
        pending
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at)
    );

    assert_eq!(
        f.diary.mark_synced(&[a.id, pending[1].record_id]).unwrap(),
        2
    );
    assert_eq!(f.diary.mark_synced(&[a.id]).unwrap(), 0, "already synced");
    f.diary.mark_rejected(&b.id, "venue unknown").unwrap();
    assert!(f.diary.pending_records(10).unwrap().is_empty());
    let counts = f.diary.outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.synced, counts.rejected), (0, 2, 1));
    assert_eq!(
        f.diary.checkin(&a.id).unwrap().sync_state,
        SyncState::Synced
    );
    assert_eq!(
        f.diary.checkin(&b.id).unwrap().sync_state,
        SyncState::Rejected
    );
    assert!(matches!(
        f.diary.mark_rejected(&Id128::random().unwrap(), "x"),
        Err(DiaryError::NotFound(_))
    ));
}

/// Check-ins are stored in time order by `place` (schema v8). Paging through the list at
/// several page sizes must give every check-in exactly once, newest first; check-ins that
/// began in the same millisecond (a family) come newest-made first, that is in the reverse
/// of the order the people were named. A removed member's stays and the day filter too.
#[test]
fn lists_page_newest_first_with_families_in_a_stable_order() {
    let mut f = fixture_at(t(6, 0));
    let owner = f.diary.owner_id();
    let a = member(&mut f.diary, "An");
    let b = member(&mut f.diary, "Bình");
    let c = member(&mut f.diary, "Chi");
    let mut made = Vec::new();
    // Uneven, interleaved history: some alone, some together at the same instant.
    let plan: &[(&[Id128], u32)] = &[
        (&[owner], 1),
        (&[a, b], 7),
        (&[c], 3),
        (&[owner, a, b, c], 11),
        (&[b], 2),
        (&[owner], 5),
        (&[c, a], 13),
        (&[owner], 1),
        (&[b], 17),
    ];
    for (i, (people, minutes)) in plan.iter().enumerate() {
        f.clock.advance(Duration::minutes(i64::from(*minutes)));
        let done = f
            .diary
            .check_in(req(people.to_vec(), &format!("Chỗ {i}"), None))
            .unwrap();
        made.extend(done);
    }
    f.diary.remove_person(&c).unwrap();
    let expected: Vec<(DateTime<Utc>, Id128)> =
        made.iter().rev().map(|c| (c.checked_in_at, c.id)).collect();
    assert!(expected.windows(2).all(|w| w[0].0 >= w[1].0));
    let key = |l: Vec<CheckIn>| -> Vec<(DateTime<Utc>, Id128)> {
        l.into_iter().map(|c| (c.checked_in_at, c.id)).collect()
    };
    for limit in [1u32, 2, 3, 5, 50] {
        let mut offset = 0;
        let mut pages = Vec::new();
        loop {
            let page = f.diary.list_checkins(Page { offset, limit }).unwrap();
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= limit as usize);
            pages.extend(key(page));
            offset += limit;
        }
        assert_eq!(pages, expected, "page size {limit}");
    }
    let day = t(6, 0).with_timezone(&offset()).date_naive();
    assert_eq!(
        key(f.diary.list_day(day, Page::first(100)).unwrap()),
        expected
    );
    assert_eq!(
        key(f
            .diary
            .list_day(
                day,
                Page {
                    offset: 4,
                    limit: 3
                }
            )
            .unwrap()),
        expected[4..7].to_vec()
    );
    let next_day = day.succ_opt().unwrap();
    assert!(
        f.diary
            .list_day(next_day, Page::first(100))
            .unwrap()
            .is_empty()
    );
}

/// A check-in's update is never queued before the check-in, even when the device clock
/// went back between them (the check-in's creation time is then later than its update's).
#[test]
fn queue_keeps_a_check_in_before_its_update_when_the_clock_went_back() {
    let mut f = fixture_at(t(10, 0));
    let owner = f.diary.owner_id();
    // Made at 10:00 for a stay that began at 9:00.
    let a = one(f
        .diary
        .check_in(req(vec![owner], "Tiệm thuốc", Some(t(9, 0))))
        .unwrap());
    // The clock is set back to 9:30 and the stay is checked out then: the update's
    // creation time (9:30) is before the check-in's (10:00).
    f.clock.set(t(9, 30));
    f.diary.check_out(Some(&a.id), None).unwrap();
    let kinds = |v: &[vaora_core::diary::OutboxEntry]| -> Vec<(RecordKind, Id128)> {
        v.iter().map(|e| (e.record.kind, e.subject_id)).collect()
    };
    let pending = f.diary.pending_records(10).unwrap();
    assert_eq!(
        kinds(&pending),
        vec![
            (RecordKind::CheckIn, a.id),
            (RecordKind::CheckInUpdate, a.id)
        ]
    );
    // A batch of one hands out the check-in alone, then its update.
    let first = f.diary.pending_records(1).unwrap();
    assert_eq!(kinds(&first), vec![(RecordKind::CheckIn, a.id)]);
    assert_eq!(f.diary.mark_synced(&[a.id]).unwrap(), 1);
    let next = f.diary.pending_records(1).unwrap();
    assert_eq!(kinds(&next), vec![(RecordKind::CheckInUpdate, a.id)]);
    assert_eq!(kinds(&f.diary.all_records().unwrap()), kinds(&pending));
    assert_eq!(f.diary.verify_all().unwrap(), 2);
}

/// The sync queue reads check-in rows only from the first one still pending (`meta`
/// `pending_checkins_from`, raised as records are marked synced). A check-in entered late,
/// below that point, must still be queued and counted, also after reopening.
#[test]
fn a_late_check_in_below_the_synced_ones_is_still_queued() {
    let disk = DiskDiary::at(t(9, 0));
    let clock = &disk.clock;
    let mut d = disk.open();
    let owner = d.owner_id();
    let kid = member(&mut d, "Bé Na");
    let a = one(d.check_in(req(vec![owner], "A", None)).unwrap());
    clock.set(t(9, 30));
    let b = one(d.check_in(req(vec![owner], "B", None)).unwrap());
    let all = pending_ids(&d);
    assert_eq!(all.len(), 3, "a, its superseded update, b");
    assert_eq!(d.mark_synced(&all).unwrap(), 3);
    assert_eq!(d.pending_count().unwrap(), 0);
    assert!(d.pending_records(10).unwrap().is_empty());

    clock.set(t(10, 0));
    let late = one(d.check_in(req(vec![kid], "Trường", Some(t(8, 0)))).unwrap());
    assert_eq!(d.pending_count().unwrap(), 1);
    assert_eq!(pending_ids(&d), vec![late.id]);
    d.close().unwrap();
    let mut d = disk.open();
    assert_eq!(d.pending_count().unwrap(), 1);
    assert_eq!(d.pending_records(10).unwrap()[0].record_id, late.id);
    d.mark_rejected(&late.id, "venue unknown").unwrap();
    assert_eq!(d.pending_count().unwrap(), 0);
    let counts = d.outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.synced, counts.rejected), (0, 3, 1));
    assert_eq!(d.checkin(&a.id).unwrap().sync_state, SyncState::Synced);
    assert_eq!(d.checkin(&b.id).unwrap().sync_state, SyncState::Synced);
}

#[test]
fn people_owner_household_find_rename_remove() {
    let mut f = fixture_at(t(8, 0));
    let people = f.diary.list_people().unwrap();
    assert_eq!(people.len(), 1);
    assert!(people[0].is_owner);
    assert_eq!(people[0].display_name, "Tôi");
    let owner = people[0].id;

    let mai = member(&mut f.diary, "Nguyễn Thị Mai");
    assert_eq!(f.diary.find_person("nguyễn thị mai").unwrap().id, mai);
    assert_eq!(f.diary.find_person(&mai.to_hex()).unwrap().id, mai);
    assert!(matches!(
        f.diary.find_person("Nobody"),
        Err(DiaryError::NotFound(_))
    ));
    let _twin = member(&mut f.diary, "Bin");
    let _twin2 = member(&mut f.diary, "bin");
    assert!(matches!(
        f.diary.find_person("Bin"),
        Err(DiaryError::Invalid(_))
    ));
    assert!(matches!(
        f.diary.add_person(NewPerson {
            display_name: " ".into(),
            ..NewPerson::default()
        }),
        Err(DiaryError::Invalid(_))
    ));
    assert!(matches!(
        f.diary.add_person(NewPerson {
            display_name: "Ông".into(),
            birth_year: Some(1800),
            ..NewPerson::default()
        }),
        Err(DiaryError::Invalid(_))
    ));

    f.diary.rename_person(&owner, "Anh Hai").unwrap();
    assert_eq!(f.diary.find_person("anh hai").unwrap().id, owner);
    let c = one(f.diary.check_in(req(vec![mai], "Chợ", None)).unwrap());
    assert!(matches!(
        f.diary.remove_person(&owner),
        Err(DiaryError::Invalid(_))
    ));
    f.diary.remove_person(&mai).unwrap();
    assert!(f.diary.list_people().unwrap().iter().all(|p| p.id != mai));
    // Their check-in stays (tracing may need it); new check-ins for them are refused.
    assert_eq!(f.diary.checkin(&c.id).unwrap().person_id, mai);
    assert!(matches!(
        f.diary.check_in(req(vec![mai], "Chợ", None)),
        Err(DiaryError::NotFound(_))
    ));
}

#[test]
fn future_and_too_old_check_ins_are_refused() {
    let mut f = fixture_at(t(8, 0));
    let owner = f.diary.owner_id();
    assert!(matches!(
        f.diary.check_in(req(vec![owner], "X", Some(t(8, 1)))),
        Err(DiaryError::Invalid(_))
    ));
    assert!(matches!(
        f.diary
            .check_in(req(vec![owner], "X", Some(t(8, 0) - Duration::days(30)))),
        Err(DiaryError::Invalid(_))
    ));
    assert!(f.diary.all_records().unwrap().is_empty());
}
