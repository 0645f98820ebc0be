//! The people a phone checks in: its owner (made on first open) and household members
//! without a phone of their own (a parent, a child). Only a display name is required.
//!
//! Removing a member hides them from lists but keeps their check-ins until retention
//! purges them: contact tracing may still need them.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::columns::{id_col, time_col};
use super::error::DiaryError;
use super::handle::Diary;
use super::time::{from_ms, to_ms};
use vaora_protocol::ids::Id128;

/// The owner's display name until renamed ("me" in Vietnamese).
pub const DEFAULT_OWNER_NAME: &str = "Tôi";
const MAX_NAME_CHARS: usize = 100;

/// A person in the diary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Person {
    pub id: Id128,
    pub display_name: String,
    pub relation: Option<String>,
    pub birth_year: Option<u16>,
    pub is_owner: bool,
    pub created_at: DateTime<Utc>,
}

/// What is needed to add a household member.
#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub display_name: String,
    pub relation: Option<String>,
    pub birth_year: Option<u16>,
}

pub(crate) fn ensure_owner(conn: &Connection, now: DateTime<Utc>) -> Result<Id128, DiaryError> {
    let existing: Option<Vec<u8>> = conn
        .query_row("SELECT id FROM people WHERE is_owner = 1", [], |r| r.get(0))
        .optional()?;
    if let Some(bytes) = existing {
        return Id128::from_slice(&bytes).map_err(|e| DiaryError::Corrupt(e.to_string()));
    }
    let id = Id128::random()?;
    conn.execute(
        "INSERT INTO people (id, display_name, relation, birth_year, is_owner, created_at)
         VALUES (?1, ?2, NULL, NULL, 1, ?3)",
        params![id.as_bytes(), DEFAULT_OWNER_NAME, to_ms(&now)],
    )?;
    Ok(id)
}

fn clean_name(name: &str) -> Result<String, DiaryError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DiaryError::Invalid("a display name cannot be empty".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(DiaryError::Invalid(format!(
            "a display name has at most {MAX_NAME_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(DiaryError::Invalid(
            "a display name cannot contain control characters".into(),
        ));
    }
    Ok(name.to_owned())
}

fn check_birth_year(year: Option<u16>, now: DateTime<Utc>) -> Result<(), DiaryError> {
    use chrono::Datelike;
    if let Some(y) = year {
        let this_year = now.year();
        if i32::from(y) < 1900 || i32::from(y) > this_year {
            return Err(DiaryError::Invalid(format!(
                "birth year {y} is not between 1900 and {this_year}"
            )));
        }
    }
    Ok(())
}

const PERSON_COLUMNS: &str = "id, display_name, relation, birth_year, is_owner, created_at";

fn person_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Person> {
    let birth_year: Option<i64> = r.get(3)?;
    Ok(Person {
        id: id_col(r, 0)?,
        display_name: r.get(1)?,
        relation: r.get(2)?,
        birth_year: birth_year.and_then(|y| u16::try_from(y).ok()),
        is_owner: r.get::<_, i64>(4)? == 1,
        created_at: time_col(r, 5)?,
    })
}

impl Diary {
    /// The device owner's id.
    pub fn owner_id(&self) -> Id128 {
        self.owner
    }

    /// Adds a household member.
    pub fn add_person(&mut self, new: NewPerson) -> Result<Person, DiaryError> {
        let now = self.clock.now();
        let name = clean_name(&new.display_name)?;
        let relation = match new.relation.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(r) => Some(clean_name(r)?),
        };
        check_birth_year(new.birth_year, now)?;
        let id = Id128::random()?;
        self.conn.execute(
            "INSERT INTO people (id, display_name, relation, birth_year, is_owner, created_at)
             VALUES (?1, ?2, ?3, ?4, 0, ?5)",
            params![id.as_bytes(), name, relation, new.birth_year, to_ms(&now)],
        )?;
        Ok(Person {
            id,
            display_name: name,
            relation,
            birth_year: new.birth_year,
            is_owner: false,
            created_at: from_ms(to_ms(&now))?,
        })
    }

    /// Everyone not removed: the owner first, then members in the order they were added.
    pub fn list_people(&self) -> Result<Vec<Person>, DiaryError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE removed_at IS NULL
             ORDER BY is_owner DESC, created_at, rowid"
        ))?;
        let rows = stmt.query_map([], person_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// A person by id (removed people included: their check-ins still name them).
    pub fn person(&self, id: &Id128) -> Result<Person, DiaryError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE id = ?1"
        ))?;
        stmt.query_row([id.as_bytes()], person_from_row)
            .optional()?
            .ok_or_else(|| DiaryError::NotFound("no such person".into()))
    }

    /// Finds a current person by id (32 hex digits) or by display name (case-insensitive).
    /// Two people with the same name make the name ambiguous: use the id.
    pub fn find_person(&self, name_or_id: &str) -> Result<Person, DiaryError> {
        let wanted = name_or_id.trim();
        let people = self.list_people()?;
        if let Ok(id) = wanted.parse::<Id128>()
            && let Some(p) = people.iter().find(|p| p.id == id)
        {
            return Ok(p.clone());
        }
        let lower = wanted.to_lowercase();
        let mut matches = people
            .into_iter()
            .filter(|p| p.display_name.to_lowercase() == lower);
        match (matches.next(), matches.next()) {
            (Some(p), None) => Ok(p),
            (Some(_), Some(_)) => Err(DiaryError::Invalid(
                "several people have that name; use the id".into(),
            )),
            (None, _) => Err(DiaryError::NotFound(
                "nobody in the household has that name or id".into(),
            )),
        }
    }

    /// Renames a person (the owner too).
    pub fn rename_person(&mut self, id: &Id128, new_name: &str) -> Result<(), DiaryError> {
        let name = clean_name(new_name)?;
        let n = self.conn.execute(
            "UPDATE people SET display_name = ?2 WHERE id = ?1 AND removed_at IS NULL",
            params![id.as_bytes(), name],
        )?;
        if n == 0 {
            return Err(DiaryError::NotFound("no such person".into()));
        }
        Ok(())
    }

    /// Removes a household member from lists; their check-ins stay until retention.
    pub fn remove_person(&mut self, id: &Id128) -> Result<(), DiaryError> {
        if *id == self.owner {
            return Err(DiaryError::Invalid(
                "the device owner cannot be removed".into(),
            ));
        }
        let now = to_ms(&self.clock.now());
        let n = self.conn.execute(
            "UPDATE people SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL",
            params![id.as_bytes(), now],
        )?;
        if n == 0 {
            return Err(DiaryError::NotFound("no such person".into()));
        }
        Ok(())
    }
}
