//! Change notification: which parts of the diary a committed write touched, for apps
//! whose lists must follow the data (Kotlin `Flow`, Swift `AsyncSequence`).
//!
//! One source for every write, whichever file made it: SQLite's update hook marks the
//! area of each changed row's table while a transaction runs; the commit hook moves those
//! marks to the committed set, and the rollback hook drops them (a rolled-back write
//! changed nothing). The hooks only set bits in an atomic: they never call out, so no
//! foreign code runs inside SQLite. Whoever holds the [`ChangeTap`] takes the committed
//! set when it suits it (the FFI does after each call, once the diary is unlocked).
//! A notification can be spurious (a row rewritten with the same values); a committed
//! change is never missed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use super::error::DiaryError;
use super::handle::Diary;

/// The areas of the diary that changed, as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiaryChanges(u32);

impl DiaryChanges {
    /// People of the household (added, renamed, removed).
    pub const PEOPLE: Self = Self(1);
    /// Check-ins (new, checked out, edited, closed by time).
    pub const CHECKINS: Self = Self(1 << 1);
    /// Health declarations.
    pub const DECLARATIONS: Self = Self(1 << 2);
    /// The sync queue: records waiting, sent or refused (`outbox_counts`).
    pub const OUTBOX: Self = Self(1 << 3);
    /// Exposure alerts stored by sync.
    pub const ALERTS: Self = Self(1 << 4);
    /// The venue-code trust store (keys, roots, revocations).
    pub const TRUST: Self = Self(1 << 5);
    /// Anything else (sync state, cards, settings).
    pub const OTHER: Self = Self(1 << 6);

    pub const NONE: Self = Self(0);

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0 && !other.is_empty()
    }

    pub fn bits(self) -> u32 {
        self.0
    }

    /// The areas a row of `table` belongs to. Check-ins and declarations are their own
    /// signed records, so writing one also changes what waits for sync.
    pub fn of_table(table: &str) -> Self {
        match table {
            "people" => Self::PEOPLE,
            "checkins" | "checkin_updates" => Self(Self::CHECKINS.0 | Self::OUTBOX.0),
            // Filled off the check-in path; it changes nothing an app shows.
            "checkin_ids" => Self::NONE,
            "declarations" => Self(Self::DECLARATIONS.0 | Self::OUTBOX.0),
            "outbox" | "staff_checkins" => Self::OUTBOX,
            "sync_alerts" => Self::ALERTS,
            t if t.starts_with("trust_") => Self::TRUST,
            _ => Self::OTHER,
        }
    }
}

impl std::ops::BitOr for DiaryChanges {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

#[derive(Debug, Default)]
struct Marks {
    /// Marked by the update hook in the running transaction.
    running: AtomicU32,
    /// Moved here at commit; taken by the tap's holder.
    committed: AtomicU32,
}

/// The committed changes of one diary, taken by whoever holds this handle.
#[derive(Debug, Clone)]
pub struct ChangeTap(Arc<Marks>);

impl ChangeTap {
    /// The areas changed by writes committed since the last call, and forgets them.
    pub fn take(&self) -> DiaryChanges {
        DiaryChanges(self.0.committed.swap(0, Ordering::AcqRel))
    }
}

impl Diary {
    /// Starts marking the areas every committed write touches, and returns the tap that
    /// reads them. A second call replaces the first tap (which then sees nothing new).
    pub fn watch_changes(&mut self) -> Result<ChangeTap, DiaryError> {
        let marks = Arc::new(Marks::default());
        let on_update = Arc::clone(&marks);
        self.conn
            .update_hook(Some(move |_action, _db: &str, table: &str, _rowid| {
                on_update
                    .running
                    .fetch_or(DiaryChanges::of_table(table).0, Ordering::AcqRel);
            }))?;
        let on_commit = Arc::clone(&marks);
        self.conn.commit_hook(Some(move || {
            let bits = on_commit.running.swap(0, Ordering::AcqRel);
            on_commit.committed.fetch_or(bits, Ordering::AcqRel);
            false // false: let the commit go ahead
        }))?;
        let on_rollback = Arc::clone(&marks);
        self.conn.rollback_hook(Some(move || {
            on_rollback.running.store(0, Ordering::Release);
        }))?;
        Ok(ChangeTap(marks))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{Duration, Utc};

    use super::*;
    use crate::diary::{CheckInRequest, DiaryConfig, DiaryKey, NewPerson};
    use vaora_protocol::clock::FixedClock;

    fn diary(dir: &tempfile::TempDir) -> Diary {
        let key = DiaryKey::generate().unwrap();
        let clock = Arc::new(FixedClock::new(Utc::now() - Duration::hours(2)));
        Diary::open(
            &dir.path().join("d.db"),
            &key,
            clock,
            DiaryConfig::default(),
        )
        .unwrap()
    }

    fn visit(name: &str) -> CheckInRequest {
        crate::diary::checkin_pages::tests::request(vec![], name.into())
    }

    #[test]
    fn committed_writes_are_reported_by_area_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = diary(&dir);
        let tap = d.watch_changes().unwrap();
        assert!(tap.take().is_empty(), "nothing written yet");

        d.add_person(NewPerson {
            display_name: "Bà".into(),
            relation: None,
            birth_year: None,
        })
        .unwrap();
        let c = tap.take();
        assert!(c.contains(DiaryChanges::PEOPLE), "{c:?}");
        assert!(!c.contains(DiaryChanges::CHECKINS), "{c:?}");
        assert!(tap.take().is_empty(), "taken once");

        let mut req = visit("Chợ");
        req.people = vec![d.owner_id()];
        d.check_in(req).unwrap();
        let c = tap.take();
        assert!(c.contains(DiaryChanges::CHECKINS), "{c:?}");
        assert!(c.contains(DiaryChanges::OUTBOX), "{c:?}");
        assert!(!c.contains(DiaryChanges::PEOPLE), "{c:?}");

        // Reads change nothing.
        d.list_people().unwrap();
        d.outbox_counts().unwrap();
        assert!(tap.take().is_empty());
    }

    #[test]
    fn a_rolled_back_write_is_not_reported() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = diary(&dir);
        let tap = d.watch_changes().unwrap();
        // Nobody chosen: refused inside the diary's rules, nothing committed.
        assert!(d.check_in(visit("Quán")).is_err());
        {
            let tx = d.conn.unchecked_transaction().unwrap();
            tx.execute("UPDATE people SET display_name = 'X'", [])
                .unwrap();
            tx.rollback().unwrap();
        }
        assert!(tap.take().is_empty(), "a rollback is no change");
    }

    #[test]
    fn tables_map_to_areas() {
        assert_eq!(DiaryChanges::of_table("sync_alerts"), DiaryChanges::ALERTS);
        assert_eq!(DiaryChanges::of_table("trust_keys"), DiaryChanges::TRUST);
        assert_eq!(DiaryChanges::of_table("checkin_ids"), DiaryChanges::NONE);
        assert_eq!(DiaryChanges::of_table("meta"), DiaryChanges::OTHER);
        assert!(DiaryChanges::of_table("declarations").contains(DiaryChanges::OUTBOX));
    }
}
