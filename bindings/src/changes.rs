//! Change notification for the app's lists: after a call commits a change, the one
//! observer the app installed is told which areas changed (core's `diary::changes`: one
//! source for every write). The Kotlin layer turns it into `Flow`s, the Swift layer into
//! `AsyncSequence`s, each re-reading only what its screen shows.

use vaora_core::diary::DiaryChanges;

/// Which areas of the diary a committed change touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct DiaryChange {
    /// The household (people added, renamed, removed).
    pub people: bool,
    /// Check-ins (made, checked out, edited).
    pub checkins: bool,
    /// Health declarations.
    pub declarations: bool,
    /// What waits for sync (`outboxCounts`).
    pub outbox: bool,
    /// Exposure alerts (`alerts`).
    pub alerts: bool,
    /// The venue-code trust store.
    pub trust: bool,
}

impl From<DiaryChanges> for DiaryChange {
    fn from(c: DiaryChanges) -> Self {
        Self {
            people: c.contains(DiaryChanges::PEOPLE),
            checkins: c.contains(DiaryChanges::CHECKINS),
            declarations: c.contains(DiaryChanges::DECLARATIONS),
            outbox: c.contains(DiaryChanges::OUTBOX),
            alerts: c.contains(DiaryChanges::ALERTS),
            trust: c.contains(DiaryChanges::TRUST),
        }
    }
}

/// The app's change observer. Called on the thread that made the change, after it was
/// committed and the diary unlocked: hand the news on (a channel, a flow) and return; do
/// not call back into the diary from here.
#[uniffi::export(with_foreign)]
pub trait ChangeObserver: Send + Sync {
    fn on_change(&self, change: DiaryChange);
}
