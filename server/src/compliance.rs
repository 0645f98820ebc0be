//! Compliance: scans per active venue over a window of days, and the inspection list —
//! the venues an inspector should visit because their poster seems not to be up or not
//! to be scanned.
//!
//! The rule is the console's ([`vaora_console::compliance`]: a venue against the median of
//! its peers, same ward and same category), applied here once for both databases: the
//! store returns each active venue's narrow count (id, peer group, scans; from the rollup
//! on the window's last day, else summed from the daily aggregates), the rule flags, and
//! only the flagged venues' names and addresses are read back (≈ 3,000 of 100,000 in the
//! bench). There is no second statement of the rule in SQL.

use std::collections::HashMap;

use vaora_console::compliance::{Finding, flag_peer_groups};
use vaora_protocol::ids::Id128;

use crate::storage::{ScanWindow, Storage, StorageError, VenueRow};

/// A venue on the inspection list (its `code_text` is empty: lists never show it).
#[derive(Debug, Clone, PartialEq)]
pub struct Flagged {
    pub venue: VenueRow,
    pub scans: u64,
    pub peer_median: f64,
    pub finding: Finding,
}

/// The inspection list: how many active venues were checked, and those to visit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inspection {
    pub checked: u64,
    pub flagged: Vec<Flagged>,
}

/// Scans per active venue in the window (zero for venues nobody scanned).
pub(crate) async fn scan_counts<S: Storage>(
    store: &S,
    w: &ScanWindow,
) -> Result<Vec<(VenueRow, u64)>, StorageError> {
    store.venue_scan_counts(w).await
}

/// The inspection list of the window.
pub async fn inspection<S: Storage>(store: &S, w: &ScanWindow) -> Result<Inspection, StorageError> {
    let counts = store.peer_counts(w).await?;
    let groups: Vec<((&str, u8), u64)> = counts
        .iter()
        .map(|c| ((c.ward.as_str(), c.category), c.scans))
        .collect();
    let mut flags: HashMap<Id128, (u64, f64, Finding)> = counts
        .iter()
        .zip(flag_peer_groups(&groups))
        .filter_map(|(c, flag)| {
            flag.map(|(median, finding)| (c.venue_id, (c.scans, median, finding)))
        })
        .collect();
    let venues = store.venue_rows(flags.keys().copied().collect()).await?;
    let mut flagged = Vec::with_capacity(venues.len());
    for venue in venues {
        let Some((scans, peer_median, finding)) = flags.remove(&venue.id) else {
            continue;
        };
        flagged.push(Flagged {
            venue,
            scans,
            peer_median,
            finding,
        });
    }
    if !flags.is_empty() {
        return Err(StorageError::Corrupt(
            "a counted venue has no registry row".into(),
        ));
    }
    Ok(Inspection {
        checked: u64::try_from(counts.len()).unwrap_or(u64::MAX),
        flagged,
    })
}
