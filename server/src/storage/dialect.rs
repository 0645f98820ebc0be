//! The one SQL dialect the shared queries are written in, and how SQLite reads it.
//!
//! Why a shim and not a query builder or one driver: sqlx's SQLite driver cannot link beside
//! the diary's SQLCipher, so each database keeps its own driver; a query builder would
//! rewrite the few statements that matter most for speed (tracing, the console's counts)
//! into something nobody reads in a profile. The statements both databases run are short
//! and almost the same already: written once as PostgreSQL text that SQLite also accepts,
//! they need only three mechanical rewrites for SQLite, done here:
//!
//! - parameters: `$n` becomes `?n` (same numbering, so a parameter may repeat);
//! - `ILIKE` becomes `LIKE` (SQLite's `LIKE` ignores ASCII case); the `ESCAPE '\'` clause is
//!   written out in the text, so both databases escape the same way;
//! - a list parameter, `= ANY($n)`, becomes `IN rarray(?n)` (rusqlite's `rarray` table
//!   function, loaded when a connection opens).
//!
//! Shared text must not use what only one database reads: `::type` casts (write
//! `CAST(x AS BIGINT)`), `GREATEST`/`LEAST` or SQLite's two-argument `max`/`min` (write a
//! `CASE`, see [`super::overlap`]), data-modifying CTEs, `$$` blocks. [`check_shared`]
//! refuses those, and the tests run it over every shared statement.

use std::borrow::Cow;

/// The SQLite reading of a shared statement.
pub(crate) fn sqlite(text: &str) -> Cow<'_, str> {
    if !text.contains('$') && !text.contains("ILIKE") {
        return Cow::Borrowed(text);
    }
    let text = text
        .replace("= ANY($", "IN rarray($")
        .replace("ILIKE", "LIKE");
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Why `text` is not shared dialect, if it is not.
#[cfg(test)]
pub(crate) fn check_shared(text: &str) -> Result<(), String> {
    let upper = text.to_uppercase();
    for word in ["::", "GREATEST(", "LEAST(", "$$", "MAX(C.", "MIN(C."] {
        if upper.contains(word) {
            return Err(format!("{word:?} in shared SQL: {text}"));
        }
    }
    if upper.trim_start().starts_with("WITH") && upper.contains(" AS (INSERT") {
        return Err(format!("a data-modifying CTE in shared SQL: {text}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_reads_parameters_lists_and_case_insensitive_matches() {
        assert_eq!(
            sqlite("SELECT 1 WHERE a = $1 AND (b ILIKE $2 ESCAPE '\\') AND c = $10 AND d = $1"),
            "SELECT 1 WHERE a = ?1 AND (b LIKE ?2 ESCAPE '\\') AND c = ?10 AND d = ?1"
        );
        assert_eq!(
            sqlite("SELECT id FROM venues WHERE id = ANY($1)"),
            "SELECT id FROM venues WHERE id IN rarray(?1)"
        );
        assert!(matches!(
            sqlite("SELECT count(*) FROM records"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn only_shared_dialect_passes() {
        assert!(check_shared("SELECT CAST(sum(x) AS BIGINT) FROM t WHERE a = $1").is_ok());
        assert!(check_shared("SELECT $1::bytea").is_err());
        assert!(check_shared("SELECT GREATEST(a, b)").is_err());
        assert!(
            check_shared("WITH x AS (INSERT INTO t VALUES (1) RETURNING id) SELECT 1").is_err()
        );
    }
}
