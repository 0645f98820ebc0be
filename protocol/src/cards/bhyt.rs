//! BHYT (bảo hiểm y tế, health insurance) card QR codes: parsing and validation.
//!
//! The cards carry pipe-separated fields ending with `$`: card number (15 characters),
//! name as hex-encoded UTF-8, date of birth `dd/mm/yyyy`, gender (1 male, 2 female),
//! address as hex-encoded UTF-8, registered clinic code, valid-from, valid-to, issue
//! date, then further fields and a checksum-like tail that we keep opaque: no public
//! specification says what they mean, so we neither interpret nor reject them. The
//! layout we rely on is written down in `docs/id-cards.md`.

use chrono::{Datelike, NaiveDate};

pub use crate::cards::cccd::Gender;

/// Number of fields we interpret before the opaque tail.
pub const KNOWN_FIELDS: usize = 9;
/// Longest decoded name or address accepted (characters).
pub const MAX_TEXT_CHARS: usize = 200;
/// Most opaque trailing fields kept (a defence against absurd inputs).
pub const MAX_EXTRA_FIELDS: usize = 16;

/// Why a text is not a valid BHYT code. Field names follow `docs/id-cards.md`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BhytError {
    #[error("a BHYT code ends with '$'")]
    MissingTerminator,
    #[error("a BHYT code has at least {KNOWN_FIELDS} fields before '$', found {0}")]
    WrongFieldCount(usize),
    #[error("the BHYT card number must be 15 characters: 2 capital letters then 13 digits")]
    BadCardNumber,
    #[error("the BHYT field {0} is not hexadecimal")]
    BadHex(&'static str),
    #[error("the BHYT field {0} is not UTF-8 once hex-decoded")]
    NotUtf8(&'static str),
    #[error("the BHYT field {0} is empty")]
    EmptyField(&'static str),
    #[error("the BHYT field {0} is too long")]
    TooLong(&'static str),
    #[error("the BHYT field {0} contains control characters")]
    ControlCharacters(&'static str),
    #[error("the BHYT field {0} is not a real date in dd/mm/yyyy form")]
    BadDate(&'static str),
    #[error("the BHYT gender must be 1 (male) or 2 (female)")]
    BadGender,
    #[error("the BHYT card's validity ends before it starts")]
    ValidityReversed,
    #[error("the BHYT field {0} is in the future")]
    FutureDate(&'static str),
    #[error("the BHYT code has more than {MAX_EXTRA_FIELDS} trailing fields")]
    TooManyFields,
}

impl BhytError {
    /// A stable code for tests in other languages and for the FFI (`docs/id-cards.md`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingTerminator => "missing-terminator",
            Self::WrongFieldCount(_) => "wrong-field-count",
            Self::BadCardNumber => "bad-card-number",
            Self::BadHex(_) => "bad-hex",
            Self::NotUtf8(_) => "not-utf8",
            Self::EmptyField(_) => "empty-field",
            Self::TooLong(_) => "too-long",
            Self::ControlCharacters(_) => "control-characters",
            Self::BadDate(_) => "bad-date",
            Self::BadGender => "bad-gender",
            Self::ValidityReversed => "validity-reversed",
            Self::FutureDate(_) => "future-date",
            Self::TooManyFields => "too-many-fields",
        }
    }

    /// The field at fault, named as in `docs/id-cards.md` (`None` when the code's shape is
    /// wrong rather than one field), so a staff desk can say what to look at on the card.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::MissingTerminator | Self::WrongFieldCount(_) | Self::TooManyFields => None,
            Self::BadCardNumber => Some("card_number"),
            Self::BadHex(f)
            | Self::NotUtf8(f)
            | Self::EmptyField(f)
            | Self::TooLong(f)
            | Self::ControlCharacters(f)
            | Self::BadDate(f)
            | Self::FutureDate(f) => Some(f),
            Self::BadGender => Some("gender"),
            Self::ValidityReversed => Some("valid_to"),
        }
    }
}

/// A parsed, validated BHYT code. It holds the card number: do not store it as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BhytCard {
    pub card_number: String,
    pub full_name: String,
    pub date_of_birth: NaiveDate,
    pub gender: Gender,
    pub address: String,
    pub clinic_code: String,
    pub valid_from: NaiveDate,
    /// `None` when the card says `-` (no end date).
    pub valid_to: Option<NaiveDate>,
    pub issue_date: NaiveDate,
    /// Fields after the issue date, before `$`, exactly as scanned.
    pub extra_fields: Vec<String>,
}

/// Quick shape test used by classification: a card-number-shaped first field and a `$` end.
pub fn looks_like_bhyt(text: &str) -> bool {
    let t = text.trim();
    t.ends_with('$')
        && t.split('|')
            .next()
            .is_some_and(|first| valid_card_number(first.trim()))
}

fn valid_card_number(n: &str) -> bool {
    let b = n.as_bytes();
    b.len() == 15
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..].iter().all(u8::is_ascii_digit)
}

impl BhytCard {
    /// Parses and validates a BHYT code. `today` bounds birth and issue dates.
    pub fn parse(text: &str, today: NaiveDate) -> Result<Self, BhytError> {
        let t = text.trim();
        let body = t.strip_suffix('$').ok_or(BhytError::MissingTerminator)?;
        // The `$` follows a final pipe on real cards; accept it with or without.
        let body = body.strip_suffix('|').unwrap_or(body);
        let fields: Vec<&str> = body.split('|').collect();
        if fields.len() < KNOWN_FIELDS {
            return Err(BhytError::WrongFieldCount(fields.len()));
        }
        if fields.len() - KNOWN_FIELDS > MAX_EXTRA_FIELDS {
            return Err(BhytError::TooManyFields);
        }
        let card_number = fields[0].trim();
        if !valid_card_number(card_number) {
            return Err(BhytError::BadCardNumber);
        }
        let full_name = hex_text(fields[1], "full_name")?;
        let date_of_birth = parse_date(fields[2], "date_of_birth")?;
        let gender = match fields[3].trim() {
            "1" => Gender::Male,
            "2" => Gender::Female,
            _ => return Err(BhytError::BadGender),
        };
        let address = hex_text(fields[4], "address")?;
        let clinic_code = plain_text(fields[5], "clinic_code", 32)?;
        let valid_from = parse_date(fields[6], "valid_from")?;
        let valid_to = match fields[7].trim() {
            "-" => None,
            other => Some(parse_date(other, "valid_to")?),
        };
        let issue_date = parse_date(fields[8], "issue_date")?;
        if date_of_birth > today {
            return Err(BhytError::FutureDate("date_of_birth"));
        }
        if issue_date > today {
            return Err(BhytError::FutureDate("issue_date"));
        }
        if valid_to.is_some_and(|to| to < valid_from) {
            return Err(BhytError::ValidityReversed);
        }
        let extra_fields = fields[KNOWN_FIELDS..]
            .iter()
            .map(|f| (*f).to_owned())
            .collect();
        Ok(Self {
            card_number: card_number.to_owned(),
            full_name,
            date_of_birth,
            gender,
            address,
            clinic_code,
            valid_from,
            valid_to,
            issue_date,
            extra_fields,
        })
    }

    pub fn birth_year(&self) -> u16 {
        u16::try_from(self.date_of_birth.year()).unwrap_or(0)
    }

    /// Whether the card's coverage includes `day`.
    pub fn covers(&self, day: NaiveDate) -> bool {
        day >= self.valid_from && self.valid_to.is_none_or(|to| day <= to)
    }

    /// The code text again (uppercase hex, a final `|$`).
    pub fn to_text(&self) -> String {
        let d = |x: &NaiveDate| x.format("%d/%m/%Y").to_string();
        let gender = match self.gender {
            Gender::Male => "1",
            Gender::Female => "2",
        };
        let mut parts = vec![
            self.card_number.clone(),
            hex::encode_upper(self.full_name.as_bytes()),
            d(&self.date_of_birth),
            gender.to_owned(),
            hex::encode_upper(self.address.as_bytes()),
            self.clinic_code.clone(),
            d(&self.valid_from),
            self.valid_to.as_ref().map_or_else(|| "-".to_owned(), d),
            d(&self.issue_date),
        ];
        parts.extend(self.extra_fields.iter().cloned());
        format!("{}|$", parts.join("|"))
    }
}

fn check_text(t: &str, field: &'static str, max: usize) -> Result<(), BhytError> {
    if t.is_empty() {
        return Err(BhytError::EmptyField(field));
    }
    if t.chars().count() > max {
        return Err(BhytError::TooLong(field));
    }
    if t.chars().any(char::is_control) {
        return Err(BhytError::ControlCharacters(field));
    }
    Ok(())
}

fn plain_text(raw: &str, field: &'static str, max: usize) -> Result<String, BhytError> {
    let t = raw.trim();
    check_text(t, field, max)?;
    Ok(t.to_owned())
}

fn hex_text(raw: &str, field: &'static str) -> Result<String, BhytError> {
    let h = raw.trim();
    if h.is_empty() {
        return Err(BhytError::EmptyField(field));
    }
    if h.len() > MAX_TEXT_CHARS * 8 {
        return Err(BhytError::TooLong(field));
    }
    let bytes = hex::decode(h).map_err(|_| BhytError::BadHex(field))?;
    let text = String::from_utf8(bytes).map_err(|_| BhytError::NotUtf8(field))?;
    let trimmed = text.trim();
    check_text(trimmed, field, MAX_TEXT_CHARS)?;
    Ok(trimmed.to_owned())
}

/// `dd/mm/yyyy`, a real calendar date from 1900 on.
fn parse_date(raw: &str, field: &'static str) -> Result<NaiveDate, BhytError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(BhytError::EmptyField(field));
    }
    let b = t.as_bytes();
    let shape_ok = b.len() == 10
        && b[2] == b'/'
        && b[5] == b'/'
        && [0, 1, 3, 4, 6, 7, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit());
    if !shape_ok {
        return Err(BhytError::BadDate(field));
    }
    let num =
        |r: std::ops::Range<usize>| t[r].parse::<u32>().map_err(|_| BhytError::BadDate(field));
    let (d, m, y) = (num(0..2)?, num(3..5)?, num(6..10)?);
    let year = i32::try_from(y).map_err(|_| BhytError::BadDate(field))?;
    if year < 1900 {
        return Err(BhytError::BadDate(field));
    }
    NaiveDate::from_ymd_opt(year, m, d).ok_or(BhytError::BadDate(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn sample() -> String {
        format!(
            "DN4797900000001|{}|07/08/1962|2|{}|79-024|01/01/2026|31/12/2026|15/12/2025|4b4d|-|a1b2c3|$",
            hex::encode("Lê Thị Bích Ngọc".as_bytes()),
            hex::encode("Ấp 3, Xã Tân Thạnh Đông, Củ Chi, TP Hồ Chí Minh".as_bytes())
        )
    }

    #[test]
    fn parses_fields_and_keeps_tail_opaque() {
        let c = BhytCard::parse(&sample(), today()).unwrap();
        assert_eq!(c.full_name, "Lê Thị Bích Ngọc");
        assert_eq!(c.gender, Gender::Female);
        assert_eq!(c.birth_year(), 1962);
        assert_eq!(c.clinic_code, "79-024");
        assert_eq!(c.extra_fields, vec!["4b4d", "-", "a1b2c3"]);
        assert!(c.covers(today()));
        assert!(looks_like_bhyt(&sample()));
        let again = BhytCard::parse(&c.to_text(), today()).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn refusals_are_typed() {
        let t = today();
        let s = sample();
        let e = |x: &str| BhytCard::parse(x, t).unwrap_err();
        assert_eq!(e(s.trim_end_matches('$')), BhytError::MissingTerminator);
        assert_eq!(e("DN4797900000001|41|$"), BhytError::WrongFieldCount(2));
        assert_eq!(
            e(&s.replacen("DN47979", "D147979", 1)),
            BhytError::BadCardNumber
        );
        assert_eq!(
            e(&s.replacen("|07/08/1962|", "|30/02/1962|", 1)),
            BhytError::BadDate("date_of_birth")
        );
        assert_eq!(e(&s.replacen("|2|", "|3|", 1)), BhytError::BadGender);
        assert_eq!(
            e(&s.replacen("|4c", "|zz", 1)),
            BhytError::BadHex("full_name")
        );
        assert_eq!(
            e(&s.replacen("|4c", "|ff", 1)),
            BhytError::NotUtf8("full_name")
        );
        assert_eq!(
            e(&s.replacen("31/12/2026", "31/12/2025", 1)),
            BhytError::ValidityReversed
        );
    }
}
