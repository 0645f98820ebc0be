//! Stay overlap: the server's one definition of "two stays at a venue overlap" and of the
//! shared time they report.
//!
//! The rule is the protocol's ([`vaora_protocol::exposure::overlap`], the one the phone
//! matches exposure windows with): stays are half-open intervals `[from, until)`, two of
//! them overlap when they share a non-empty stretch of time (a stay that begins the moment
//! another ends does not overlap it, and an empty or reversed stay overlaps nothing), and
//! the shared time runs from the later start to the earlier end. Tracing applies it twice
//! (a case's stays against its period, and other people's stays against the case's) and
//! reports the shared time of each contact. It is written here once, as SQL fragments
//! both databases read (a `CASE` rather than PostgreSQL's `GREATEST`/`LEAST` or SQLite's
//! two-argument `max`/`min`), so the two backends cannot clip differently, and the tests
//! hold the fragments to the protocol's Rust function.

/// The longest stay the server stores (ingest refuses longer ones, whatever
/// `Limits::max_stay_ms` says): tracing bounds the starts of the stays it reads with it,
/// so that PostgreSQL reads only the day partitions of a case's period.
pub const LONGEST_STAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A stay as two SQL expressions (columns or parameters).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span<'a> {
    pub from: &'a str,
    pub until: &'a str,
}

/// SQL: `a` and `b` overlap (each starts before the other ends, and neither is empty).
pub(crate) fn overlaps(a: Span<'_>, b: Span<'_>) -> String {
    format!(
        "{} < {} AND {} < {} AND {} < {} AND {} < {}",
        a.from, b.until, b.from, a.until, a.from, a.until, b.from, b.until
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use vaora_protocol::exposure::overlap as shared;

    /// The fragments, evaluated by SQLite over every arrangement of two short stays,
    /// reversed ones included (both databases evaluate `CASE` and comparisons of integers
    /// alike), equal the protocol's rule.
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
        for a0 in 0..5 {
            for a1 in 0..5 {
                for b0 in 0..5 {
                    for b1 in 0..5 {
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
    fn touching_stays_and_empty_ones_do_not_overlap() {
        assert_eq!(shared((0, 10), (10, 20)), None);
        assert_eq!(shared((0, 10), (5, 20)), Some((5, 10)));
        // An instant is no stay: tracing lists no contact the phone would not alert on.
        assert_eq!(shared((5, 5), (0, 10)), None);
    }
}
