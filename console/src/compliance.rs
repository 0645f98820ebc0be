//! The inspection rule: which venues to visit because their poster seems not to be up or
//! not to be scanned.
//!
//! A venue is compared with its peers (same ward, same category) over the same window:
//! no scans at all is always flagged; fewer than a quarter of the peer median is flagged
//! as "unusually few" when the peers are busy enough for that to mean something.

use crate::model::VenueScanCount;
use std::collections::HashMap;
use std::hash::Hash;

/// Below this share of the peer median a venue counts as unusually quiet.
pub const FEW_SHARE: f64 = 0.25;
/// The peer median must reach this for "unusually few" to be judged at all.
pub const MIN_PEER_MEDIAN: f64 = 4.0;

/// Why a venue is on the inspection list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Finding {
    NoScans,
    FewScans,
}

/// A venue on the inspection list.
#[derive(Debug, Clone, PartialEq)]
pub struct Flagged {
    pub row: VenueScanCount,
    pub peer_median: f64,
    pub finding: Finding,
}

/// The median of counts sorted ascending: the middle value, or the mean of the two middle
/// values (0 for none).
pub fn median(sorted: &[u64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2] as f64,
        n => (sorted[n / 2 - 1] as f64 + sorted[n / 2] as f64) / 2.0,
    }
}

/// The rule for one venue, given its scans and its peers' median (the venue included):
/// `None` when it need not be visited. The one statement of the rule: the server applies
/// it (through [`flag_peer_groups`]) to the counts its databases return.
pub fn finding(scans: u64, peer_median: f64) -> Option<Finding> {
    if scans == 0 {
        Some(Finding::NoScans)
    } else if peer_median >= MIN_PEER_MEDIAN && (scans as f64) < peer_median * FEW_SHARE {
        Some(Finding::FewScans)
    } else {
        None
    }
}

/// The inspection list of one query: how many active venues were checked and those to visit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inspection {
    pub checked: u64,
    pub flagged: Vec<Flagged>,
}

/// Applies the rule to every venue's count and returns those to inspect.
pub fn inspect(rows: Vec<VenueScanCount>) -> Vec<Flagged> {
    let flags = flag_peer_groups(
        &rows
            .iter()
            .map(|r| ((r.venue.ward.as_str(), r.venue.category), r.scans))
            .collect::<Vec<_>>(),
    );
    rows.into_iter()
        .zip(flags)
        .filter_map(|(row, flag)| {
            let (peer_median, finding) = flag?;
            Some(Flagged {
                row,
                peer_median,
                finding,
            })
        })
        .collect()
}

/// The rule over `(peer group, scans)` pairs, whatever identifies a group: for each pair,
/// in order, its group's median and the finding when it is flagged. [`inspect`] and the
/// server's rollup read (which has ids and groups, not whole venues) both use it.
pub fn flag_peer_groups<K: Eq + Hash>(rows: &[(K, u64)]) -> Vec<Option<(f64, Finding)>> {
    let mut peers: HashMap<&K, Vec<u64>> = HashMap::new();
    for (group, scans) in rows {
        peers.entry(group).or_default().push(*scans);
    }
    let medians: HashMap<&K, f64> = peers
        .into_iter()
        .map(|(group, mut scans)| {
            scans.sort_unstable();
            (group, median(&scans))
        })
        .collect();
    rows.iter()
        .map(|(group, scans)| {
            let m = medians.get(group).copied().unwrap_or(0.0);
            finding(*scans, m).map(|f| (m, f))
        })
        .collect()
}

/// Columns the inspection list can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Scans,
    Name,
    Ward,
    Category,
}

impl SortKey {
    pub fn parse(s: &str) -> Self {
        match s {
            "name" => Self::Name,
            "ward" => Self::Ward,
            "category" => Self::Category,
            _ => Self::Scans,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scans => "scans",
            Self::Name => "name",
            Self::Ward => "ward",
            Self::Category => "category",
        }
    }
}

/// Sorts the list in place; ties fall back to ward, then name, so the order is stable.
pub fn sort(list: &mut [Flagged], key: SortKey, descending: bool) {
    list.sort_by(|a, b| {
        let (va, vb) = (&a.row.venue, &b.row.venue);
        let primary = match key {
            SortKey::Scans => a.row.scans.cmp(&b.row.scans),
            SortKey::Name => va.name.to_lowercase().cmp(&vb.name.to_lowercase()),
            SortKey::Ward => va.ward.cmp(&vb.ward),
            SortKey::Category => va.category.code().cmp(&vb.category.code()),
        };
        let primary = if descending {
            primary.reverse()
        } else {
            primary
        };
        primary
            .then_with(|| va.ward.cmp(&vb.ward))
            .then_with(|| va.name.cmp(&vb.name))
            .then_with(|| va.id.cmp(&vb.id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VenueSummary;
    use chrono::DateTime;
    use vaora_protocol::venue::VenueCategory;

    fn row(id: &str, ward: &str, cat: VenueCategory, scans: u64) -> VenueScanCount {
        VenueScanCount {
            venue: VenueSummary {
                id: id.into(),
                name: id.into(),
                category: cat,
                ward: ward.into(),
                address: String::new(),
                registered_at: DateTime::from_timestamp(0, 0).unwrap(),
                revoked: false,
                self_registered: false,
                contact: String::new(),
            },
            scans,
        }
    }

    #[test]
    fn flags_silent_and_quiet_venues_against_their_peers_only() {
        use VenueCategory::*;
        let rows = vec![
            row("a", "W1", Market, 100),
            row("b", "W1", Market, 80),
            row("c", "W1", Market, 10), // < 25% of median 80
            row("d", "W1", Market, 0),
            row("e", "W2", Market, 10), // its own ward is quiet: median 10, 10 is fine
            row("f", "W2", Market, 9),
            row("g", "W1", School, 2), // peers too quiet to judge
            row("h", "W1", School, 3),
        ];
        let mut flagged = inspect(rows);
        sort(&mut flagged, SortKey::Scans, false);
        let got: Vec<(&str, Finding)> = flagged
            .iter()
            .map(|f| (f.row.venue.id.as_str(), f.finding))
            .collect();
        assert_eq!(got, vec![("d", Finding::NoScans), ("c", Finding::FewScans)]);
        assert_eq!(flagged[1].peer_median, 45.0);
    }
}
