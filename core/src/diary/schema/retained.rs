//! Which tables hold personal data, and how their rows age out: the one list retention
//! walks (`diary::retention`). Every table of the schema is in exactly one of [`AGING`]
//! (rows are deleted once they are older than the retention window) or [`KEPT`] (no
//! personal data, with the reason); a test fails when a table is in neither, so a new
//! table cannot be forgotten.

/// How the rows of one table age out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aging {
    /// A row goes once `column` (Unix milliseconds × `scale`) is before the cutoff,
    /// unless `keep_if` (an SQL condition on the row, or empty) holds.
    Own {
        table: &'static str,
        column: &'static str,
        scale: i64,
        keep_if: &'static str,
    },
    /// A row goes with the row of `parent` whose `parent_key` equals its `key`, when that
    /// parent row ages out. Listed before the parent, which is deleted after it.
    With {
        table: &'static str,
        key: &'static str,
        parent: &'static str,
        parent_key: &'static str,
    },
}

impl Aging {
    pub(crate) fn table(&self) -> &'static str {
        match self {
            Self::Own { table, .. } | Self::With { table, .. } => table,
        }
    }
}

/// Every table with personal data, children before their parents (the order the purge
/// deletes in). `?1` in the conditions built from this list is the cutoff in Unix ms.
pub(crate) const AGING: &[Aging] = &[
    // Outbox records go with the update, declaration or staff check-in they carry (a
    // check-in's own record is its row).
    Aging::With {
        table: "outbox",
        key: "record_id",
        parent: "checkin_updates",
        parent_key: "id",
    },
    Aging::With {
        table: "outbox",
        key: "record_id",
        parent: "declarations",
        parent_key: "id",
    },
    // An inspection's record goes with the inspection (issue 19).
    Aging::With {
        table: "outbox",
        key: "record_id",
        parent: "inspections",
        parent_key: "id",
    },
    // A staff check-in's record and its check-out update both name the visit as their
    // subject.
    Aging::With {
        table: "outbox",
        key: "subject_id",
        parent: "staff_checkins",
        parent_key: "id",
    },
    Aging::With {
        table: "checkin_updates",
        key: "checkin_id",
        parent: "checkins",
        parent_key: "id",
    },
    Aging::With {
        table: "checkin_ids",
        key: "id",
        parent: "checkins",
        parent_key: "id",
    },
    Aging::Own {
        table: "checkins",
        column: "place",
        scale: super::PLACES_PER_MS,
        keep_if: "",
    },
    Aging::Own {
        table: "declarations",
        column: "declared_at",
        scale: 1,
        keep_if: "",
    },
    // An inspection names a venue and when the inspector was there.
    Aging::Own {
        table: "inspections",
        column: "inspected_at",
        scale: 1,
        keep_if: "",
    },
    Aging::Own {
        table: "staff_checkins",
        column: "checked_in_at",
        scale: 1,
        keep_if: "",
    },
    // An alert names a person, a venue and when they were there: it goes when its
    // overlap began before the window (the stay it matched has gone by then).
    Aging::Own {
        table: "sync_alerts",
        column: "overlap_from",
        scale: 1,
        keep_if: "",
    },
    // A visit staff recorded from one of this phone's codes is a stay like the diary's
    // own: it goes when it began before the window.
    Aging::Own {
        table: "code_visits",
        column: "from_ms",
        scale: 1,
        keep_if: "",
    },
    // A received window can only match stays that end after it begins: once it ended
    // before the window, no stay the diary still keeps can overlap it.
    Aging::Own {
        table: "sync_windows",
        column: "until_ms",
        scale: 1,
        keep_if: "",
    },
    // A household member removed longer ago than the window (their check-ins are gone
    // by then) goes, with the card kept for them.
    Aging::With {
        table: "person_cards",
        key: "person_id",
        parent: "people",
        parent_key: "id",
    },
    Aging::Own {
        table: "people",
        column: "removed_at",
        scale: 1,
        keep_if: "EXISTS (SELECT 1 FROM checkins c WHERE c.person_id = people.id)",
    },
];

/// Tables without personal data, and why they are kept (the schema tests check that
/// every table is here or in [`AGING`]).
#[cfg(test)]
pub(crate) const KEPT: &[(&str, &str)] = &[
    (
        "meta",
        "settings, the device key, marks: no one's whereabouts or health",
    ),
    ("trust_keys", "public authority keys"),
    ("trust_roots", "public key-set signers"),
    ("trust_revoked_keys", "public revocations"),
    ("trust_revoked_venues", "public revocations"),
    (
        "sync_state",
        "the registration, the last key set and the download cursor",
    ),
    (
        "ward_venues",
        "a ward's public venue registry as downloaded for inspection (names, addresses, last verdicts): no one's whereabouts or health; replaced at each download",
    ),
    (
        "my_venues",
        "the owner's own venues (their code and management secret): no one's whereabouts or health; kept until the owner removes them",
    ),
];

/// The condition (on `table`'s own columns) under which a row of `table` ages out, all
/// its entries together; the cutoff is `?1` (Unix ms). `None` for a table that is not in
/// [`AGING`].
pub(crate) fn aged(table: &str) -> Option<String> {
    let mut conditions = Vec::new();
    for entry in AGING.iter().filter(|a| a.table() == table) {
        conditions.push(entry.condition()?);
    }
    match conditions.len() {
        0 => None,
        1 => conditions.pop(),
        _ => Some(format!("({})", conditions.join(") OR ("))),
    }
}

impl Aging {
    /// The condition under which this entry deletes a row of its table (cutoff `?1`, Unix
    /// ms); `None` only for a `With` entry whose parent is not in [`AGING`] (a test checks
    /// that none is).
    pub(crate) fn condition(&self) -> Option<String> {
        match *self {
            Self::Own {
                column,
                scale,
                keep_if,
                ..
            } => {
                let own = if scale == 1 {
                    format!("{column} < ?1")
                } else {
                    format!("{column} < ?1 * {scale}")
                };
                Some(if keep_if.is_empty() {
                    own
                } else {
                    format!("{own} AND NOT ({keep_if})")
                })
            }
            Self::With {
                key,
                parent,
                parent_key,
                ..
            } => {
                let parent_aged = aged(parent)?;
                Some(format!(
                    "{key} IN (SELECT {parent_key} FROM {parent} WHERE {parent_aged})"
                ))
            }
        }
    }
}
