//! CCCD (Căn cước công dân) chip-card QR codes: parsing and validation.
//!
//! No official specification is public, so `docs/id-cards.md` writes down what the cards
//! carry: pipe-separated `id|old id|name|DDMMYYYY|Nam/Nữ|address|issue DDMMYYYY`, or the
//! six-field variant without the old-id slot. Staff scan these at the door for people
//! without a phone, and a family member scans one to pre-fill a household profile, so a
//! malformed card must give a precise, typed reason instead of half a profile.
//!
//! The parsed card holds the full card number; callers keep only what tracing needs (see
//! [`crate::cards::CardProfile`]).

use chrono::{Datelike, NaiveDate};

/// Province (and centrally-run city) codes in the first three digits of a 12-digit CCCD
/// number, as assigned to the 63 provinces by Circular 07/2016/TT-BCA. Cards keep the
/// code of their place of birth registration even after provinces merge.
pub const PROVINCES: [(u16, &str); 63] = [
    (1, "Hà Nội"),
    (2, "Hà Giang"),
    (4, "Cao Bằng"),
    (6, "Bắc Kạn"),
    (8, "Tuyên Quang"),
    (10, "Lào Cai"),
    (11, "Điện Biên"),
    (12, "Lai Châu"),
    (14, "Sơn La"),
    (15, "Yên Bái"),
    (17, "Hòa Bình"),
    (19, "Thái Nguyên"),
    (20, "Lạng Sơn"),
    (22, "Quảng Ninh"),
    (24, "Bắc Giang"),
    (25, "Phú Thọ"),
    (26, "Vĩnh Phúc"),
    (27, "Bắc Ninh"),
    (30, "Hải Dương"),
    (31, "Hải Phòng"),
    (33, "Hưng Yên"),
    (34, "Thái Bình"),
    (35, "Hà Nam"),
    (36, "Nam Định"),
    (37, "Ninh Bình"),
    (38, "Thanh Hóa"),
    (40, "Nghệ An"),
    (42, "Hà Tĩnh"),
    (44, "Quảng Bình"),
    (45, "Quảng Trị"),
    (46, "Thừa Thiên Huế"),
    (48, "Đà Nẵng"),
    (49, "Quảng Nam"),
    (51, "Quảng Ngãi"),
    (52, "Bình Định"),
    (54, "Phú Yên"),
    (56, "Khánh Hòa"),
    (58, "Ninh Thuận"),
    (60, "Bình Thuận"),
    (62, "Kon Tum"),
    (64, "Gia Lai"),
    (66, "Đắk Lắk"),
    (67, "Đắk Nông"),
    (68, "Lâm Đồng"),
    (70, "Bình Phước"),
    (72, "Tây Ninh"),
    (74, "Bình Dương"),
    (75, "Đồng Nai"),
    (77, "Bà Rịa - Vũng Tàu"),
    (79, "Hồ Chí Minh"),
    (80, "Long An"),
    (82, "Tiền Giang"),
    (83, "Bến Tre"),
    (84, "Trà Vinh"),
    (86, "Vĩnh Long"),
    (87, "Đồng Tháp"),
    (89, "An Giang"),
    (91, "Kiên Giang"),
    (92, "Cần Thơ"),
    (93, "Hậu Giang"),
    (94, "Sóc Trăng"),
    (95, "Bạc Liêu"),
    (96, "Cà Mau"),
];

/// The province name for a CCCD province code, if the code is assigned.
pub fn province_name(code: u16) -> Option<&'static str> {
    PROVINCES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

/// Longest name or address accepted (characters); real cards are far shorter.
pub const MAX_TEXT_CHARS: usize = 200;

/// Gender as printed on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }
}

/// Why a text is not a valid CCCD code. Field names follow `docs/id-cards.md`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CccdError {
    #[error("a CCCD code has 6 or 7 fields separated by '|', found {0}")]
    WrongFieldCount(usize),
    #[error("the CCCD number must be 12 digits")]
    BadIdNumber,
    #[error("the CCCD number starts with {0:03}, which is not a province code")]
    UnknownProvince(u16),
    #[error(
        "the CCCD number's gender/century digit does not match the gender and birth year on the card"
    )]
    GenderCenturyMismatch,
    #[error("the CCCD number's birth-year digits do not match the date of birth")]
    BirthYearMismatch,
    #[error("the old CMND number must be 9 digits or empty")]
    BadOldIdNumber,
    #[error("the CCCD field {0} is empty")]
    EmptyField(&'static str),
    #[error("the CCCD field {0} is too long")]
    TooLong(&'static str),
    #[error("the CCCD field {0} contains control characters")]
    ControlCharacters(&'static str),
    #[error("the CCCD field {0} is not a real date in DDMMYYYY form")]
    BadDate(&'static str),
    #[error("the CCCD gender must be Nam or Nữ")]
    BadGender,
    #[error("the CCCD issue date is before the date of birth")]
    IssuedBeforeBirth,
    #[error("the CCCD field {0} is in the future")]
    FutureDate(&'static str),
}

impl CccdError {
    /// A stable code for tests in other languages and for the FFI (`docs/id-cards.md`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongFieldCount(_) => "wrong-field-count",
            Self::BadIdNumber => "bad-id-number",
            Self::UnknownProvince(_) => "unknown-province",
            Self::GenderCenturyMismatch => "gender-century-mismatch",
            Self::BirthYearMismatch => "birth-year-mismatch",
            Self::BadOldIdNumber => "bad-old-id-number",
            Self::EmptyField(_) => "empty-field",
            Self::TooLong(_) => "too-long",
            Self::ControlCharacters(_) => "control-characters",
            Self::BadDate(_) => "bad-date",
            Self::BadGender => "bad-gender",
            Self::IssuedBeforeBirth => "issued-before-birth",
            Self::FutureDate(_) => "future-date",
        }
    }

    /// The field at fault, named as in `docs/id-cards.md` (`None` when the code's shape is
    /// wrong rather than one field), so a staff desk can say what to look at on the card.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::WrongFieldCount(_) => None,
            Self::BadIdNumber | Self::UnknownProvince(_) => Some("id_number"),
            Self::GenderCenturyMismatch => Some("gender"),
            Self::BirthYearMismatch => Some("date_of_birth"),
            Self::BadOldIdNumber => Some("old_id_number"),
            Self::EmptyField(f)
            | Self::TooLong(f)
            | Self::ControlCharacters(f)
            | Self::BadDate(f)
            | Self::FutureDate(f) => Some(f),
            Self::BadGender => Some("gender"),
            Self::IssuedBeforeBirth => Some("issue_date"),
        }
    }
}

/// A parsed, validated CCCD code. It holds the card number: do not store it as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CccdCard {
    /// The 12-digit citizen id number.
    pub id_number: String,
    /// The 9-digit old CMND number, when the card carries one.
    pub old_id_number: Option<String>,
    pub full_name: String,
    pub date_of_birth: NaiveDate,
    pub gender: Gender,
    pub address: String,
    pub issue_date: NaiveDate,
    /// True when the code had the old-id slot (7 fields), even if it was empty.
    pub has_old_id_slot: bool,
}

/// Quick shape test used by classification: 12 digits and a pipe at the start.
pub fn looks_like_cccd(text: &str) -> bool {
    let b = text.trim().as_bytes();
    b.len() > 13 && b[..12].iter().all(u8::is_ascii_digit) && b[12] == b'|'
}

impl CccdCard {
    /// Parses and validates a CCCD code. `today` bounds the dates (no future births or
    /// issue dates). Surrounding white space (a scanner's trailing newline) is ignored.
    pub fn parse(text: &str, today: NaiveDate) -> Result<Self, CccdError> {
        let fields: Vec<&str> = text.trim().split('|').collect();
        let (id, old, rest) = match fields.len() {
            7 => (fields[0], Some(fields[1]), &fields[2..]),
            6 => (fields[0], None, &fields[1..]),
            n => return Err(CccdError::WrongFieldCount(n)),
        };
        let id_number = parse_id(id)?;
        // Every field is read without its surrounding white space, the old id too.
        let old_id_number = match old.map(str::trim) {
            None | Some("") => None,
            Some(o) if o.len() == 9 && o.bytes().all(|b| b.is_ascii_digit()) => Some(o.to_owned()),
            Some(_) => return Err(CccdError::BadOldIdNumber),
        };
        let full_name = text_field(rest[0], "full_name")?;
        let date_of_birth = parse_date(rest[1], "date_of_birth")?;
        let gender = match rest[2].trim() {
            "Nam" => Gender::Male,
            // NFC and NFD spellings of "Nữ".
            "N\u{1EEF}" | "Nu\u{031B}\u{0303}" => Gender::Female,
            _ => return Err(CccdError::BadGender),
        };
        let address = text_field(rest[3], "address")?;
        let issue_date = parse_date(rest[4], "issue_date")?;
        if date_of_birth > today {
            return Err(CccdError::FutureDate("date_of_birth"));
        }
        if issue_date > today {
            return Err(CccdError::FutureDate("issue_date"));
        }
        if issue_date < date_of_birth {
            return Err(CccdError::IssuedBeforeBirth);
        }
        check_gender_century(&id_number, gender, date_of_birth.year())?;
        Ok(Self {
            id_number,
            old_id_number,
            full_name,
            date_of_birth,
            gender,
            address,
            issue_date,
            has_old_id_slot: old.is_some(),
        })
    }

    /// The province code in the first three digits.
    pub fn province_code(&self) -> u16 {
        self.id_number[..3].parse().unwrap_or(0)
    }

    pub fn birth_year(&self) -> u16 {
        u16::try_from(self.date_of_birth.year()).unwrap_or(0)
    }

    /// The code text again, in the same variant (6 or 7 fields).
    pub fn to_text(&self) -> String {
        let dob = self.date_of_birth.format("%d%m%Y");
        let issued = self.issue_date.format("%d%m%Y");
        let gender = match self.gender {
            Gender::Male => "Nam",
            Gender::Female => "N\u{1EEF}",
        };
        if self.has_old_id_slot {
            format!(
                "{}|{}|{}|{dob}|{gender}|{}|{issued}",
                self.id_number,
                self.old_id_number.as_deref().unwrap_or(""),
                self.full_name,
                self.address
            )
        } else {
            format!(
                "{}|{}|{dob}|{gender}|{}|{issued}",
                self.id_number, self.full_name, self.address
            )
        }
    }
}

/// The gender/century digit (4th digit of the number) for a gender and birth year:
/// 0/1 for 1900–1999, 2/3 for 2000–2099, … (even male, odd female).
pub fn gender_century_digit(gender: Gender, birth_year: i32) -> Option<u8> {
    if !(1900..2400).contains(&birth_year) {
        return None;
    }
    let century = u8::try_from((birth_year - 1900) / 100).ok()?;
    Some(century * 2 + u8::from(gender == Gender::Female))
}

fn parse_id(raw: &str) -> Result<String, CccdError> {
    let id = raw.trim();
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CccdError::BadIdNumber);
    }
    let province: u16 = id[..3].parse().map_err(|_| CccdError::BadIdNumber)?;
    if province_name(province).is_none() {
        return Err(CccdError::UnknownProvince(province));
    }
    Ok(id.to_owned())
}

fn check_gender_century(id: &str, gender: Gender, year: i32) -> Result<(), CccdError> {
    let digits = id.as_bytes();
    let expected = gender_century_digit(gender, year).ok_or(CccdError::GenderCenturyMismatch)?;
    if digits[3] - b'0' != expected {
        return Err(CccdError::GenderCenturyMismatch);
    }
    let yy = u32::from(digits[4] - b'0') * 10 + u32::from(digits[5] - b'0');
    if i64::from(yy) != i64::from(year.rem_euclid(100)) {
        return Err(CccdError::BirthYearMismatch);
    }
    Ok(())
}

fn text_field(raw: &str, field: &'static str) -> Result<String, CccdError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(CccdError::EmptyField(field));
    }
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(CccdError::TooLong(field));
    }
    if t.chars().any(char::is_control) {
        return Err(CccdError::ControlCharacters(field));
    }
    Ok(t.to_owned())
}

/// `DDMMYYYY`, a real calendar date from 1900 on.
fn parse_date(raw: &str, field: &'static str) -> Result<NaiveDate, CccdError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(CccdError::EmptyField(field));
    }
    if t.len() != 8 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CccdError::BadDate(field));
    }
    let num =
        |r: std::ops::Range<usize>| t[r].parse::<u32>().map_err(|_| CccdError::BadDate(field));
    let (d, m, y) = (num(0..2)?, num(2..4)?, num(4..8)?);
    let year = i32::try_from(y).map_err(|_| CccdError::BadDate(field))?;
    if year < 1900 {
        return Err(CccdError::BadDate(field));
    }
    NaiveDate::from_ymd_opt(year, m, d).ok_or(CccdError::BadDate(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    // Synthetic: province 079, female born 1985 -> digit 1, year 85.
    const SEVEN: &str = "079185001234|123456789|Nguyễn Thị Hoa|15031985|Nữ|12 Đường Lê Lợi, Phường Bến Nghé, Quận 1, Hồ Chí Minh|01072021";
    const SIX: &str = "001200004321|Trần Văn An|02022000|Nam|Số 5, Ngõ 10, Hà Nội|10102022";

    #[test]
    fn parses_both_variants_with_commas_in_address() {
        let c = CccdCard::parse(SEVEN, today()).unwrap();
        assert_eq!(c.full_name, "Nguyễn Thị Hoa");
        assert_eq!(c.gender, Gender::Female);
        assert_eq!(c.old_id_number.as_deref(), Some("123456789"));
        assert_eq!(c.province_code(), 79);
        assert!(c.address.contains(", Quận 1,"));
        assert_eq!(c.to_text(), SEVEN);
        let s = CccdCard::parse(SIX, today()).unwrap();
        assert_eq!(s.birth_year(), 2000);
        assert_eq!(s.gender, Gender::Male);
        assert_eq!(s.to_text(), SIX);
    }

    #[test]
    fn refusals_are_typed() {
        let t = today();
        let e = |s: &str| CccdCard::parse(s, t).unwrap_err();
        assert_eq!(e("1|2|3"), CccdError::WrongFieldCount(3));
        assert_eq!(
            e(&SEVEN.replacen("079185", "003185", 1)),
            CccdError::UnknownProvince(3)
        );
        assert_eq!(
            e(&SEVEN.replacen("079185", "079085", 1)),
            CccdError::GenderCenturyMismatch
        );
        assert_eq!(
            e(&SEVEN.replacen("079185", "079186", 1)),
            CccdError::BirthYearMismatch
        );
        assert_eq!(
            e(&SEVEN.replacen("15031985", "31021985", 1)),
            CccdError::BadDate("date_of_birth")
        );
        assert_eq!(e(&SEVEN.replacen("|Nữ|", "|F|", 1)), CccdError::BadGender);
        assert_eq!(
            e(&SEVEN.replacen("123456789", "12345", 1)),
            CccdError::BadOldIdNumber
        );
        assert_eq!(
            e(&SEVEN.replacen("01072021", "01072027", 1)),
            CccdError::FutureDate("issue_date")
        );
        assert_eq!(
            e(&SIX.replacen("Trần Văn An", " ", 1)),
            CccdError::EmptyField("full_name")
        );
        assert_eq!(
            e(&SIX.replacen("001200", "00120a", 1)),
            CccdError::BadIdNumber
        );
    }

    #[test]
    fn nfd_female_spelling_is_accepted() {
        let nfd = SEVEN.replacen("|Nữ|", "|Nu\u{031B}\u{0303}|", 1);
        assert_eq!(
            CccdCard::parse(&nfd, today()).unwrap().gender,
            Gender::Female
        );
    }
}
