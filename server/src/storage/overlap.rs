//! Stay overlap: the server's one definition of "two stays at a venue overlap" and of the
//! shared time they report.
//!
//! Two stays overlap when each starts before the other ends (strictly: a stay that begins
//! the moment another ends does not overlap it); the shared time runs from the later start
//! to the earlier end. Tracing applies it twice (a case's stays against its period, and
//! other people's stays against the case's) and reports the shared time of each contact.
//! It is written here once, as SQL fragments both databases read (a `CASE` rather than
//! PostgreSQL's `GREATEST`/`LEAST` or SQLite's two-argument `max`/`min`), so the two
//! backends cannot clip differently.
//!
//! The phone's exposure matching (`vaora_core::sync::exposure`) computes the shared time
//! the same way in Rust but asks for a non-empty one (`from < until`), so a zero-length
//! stay inside a window alerts no phone while tracing lists it as a contact; see the tests.

/// A stay as two SQL expressions (columns or parameters).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span<'a> {
    pub from: &'a str,
    pub until: &'a str,
}

/// SQL: `a` and `b` overlap.
pub(crate) fn overlaps(a: Span<'_>, b: Span<'_>) -> String {
    format!("{} < {} AND {} > {}", a.from, b.until, a.until, b.from)
}

/// SQL: where the shared time of `a` and `b` starts (the later start).
pub(crate) fn shared_from(a: Span<'_>, b: Span<'_>) -> String {
    format!("CASE WHEN {0} > {1} THEN {0} ELSE {1} END", a.from, b.from)
}

/// SQL: where the shared time of `a` and `b` ends (the earlier end).
pub(crate) fn shared_until(a: Span<'_>, b: Span<'_>) -> String {
    format!(
        "CASE WHEN {0} < {1} THEN {0} ELSE {1} END",
        a.until, b.until
    )
}

/// The same rule in Rust, for the tests that hold the SQL to it.
#[cfg(test)]
pub(crate) fn shared(a: (i64, i64), b: (i64, i64)) -> Option<(i64, i64)> {
    (a.0 < b.1 && a.1 > b.0).then(|| (a.0.max(b.0), a.1.min(b.1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fragments, evaluated by SQLite over every arrangement of two short stays (both
    /// databases evaluate `CASE` and comparisons of integers alike), equal the Rust rule.
    #[test]
    fn sql_fragments_state_the_rust_rule() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let (a, b) = (
            Span {
                from: "?1",
                until: "?2",
            },
            Span {
                from: "?3",
                until: "?4",
            },
        );
        let sql = format!(
            "SELECT {}, {}, {}",
            overlaps(a, b),
            shared_from(a, b),
            shared_until(a, b)
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        for a0 in 0..4 {
            for a1 in a0..5 {
                for b0 in 0..4 {
                    for b1 in b0..5 {
                        let (hit, from, until): (bool, i64, i64) = stmt
                            .query_row([a0, a1, b0, b1], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                            .unwrap();
                        let sql = hit.then_some((from, until));
                        assert_eq!(sql, shared((a0, a1), (b0, b1)), "{a0}..{a1} / {b0}..{b1}");
                    }
                }
            }
        }
    }

    #[test]
    fn touching_stays_do_not_overlap_but_an_instant_inside_one_does() {
        assert_eq!(shared((0, 10), (10, 20)), None);
        assert_eq!(shared((0, 10), (5, 20)), Some((5, 10)));
        // The phone's matcher asks for from < until and would not alert on this one.
        assert_eq!(shared((5, 5), (0, 10)), Some((5, 5)));
    }
}
