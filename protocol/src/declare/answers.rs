//! The answers of a health declaration and their validation.
//!
//! The questions follow Vietnam's domestic electronic health declaration: the last 14
//! days of travel, symptoms, contact with a confirmed case, a suspected case or someone
//! from an outbreak area, vaccination, and an optional phone number. Validation happens
//! once, here, so every declaration that gets signed is one the authority can trust to
//! be well-formed: future dates, impossible dose counts and empty answers are refused
//! with a typed error that names the answer.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::cards::cccd::{PROVINCES, province_name};

/// How many days of travel a declaration covers.
pub const TRAVEL_DAYS: u32 = 14;
/// More doses than this is not a real vaccination history.
pub const MAX_DOSES: u8 = 6;
/// At most this many travel entries.
pub const MAX_TRAVEL_ENTRIES: usize = 50;
/// Longest free-text answer (characters).
pub const MAX_TEXT_CHARS: usize = 200;
/// The first COVID-19 vaccine doses in Vietnam were given in March 2021; no declared last
/// dose can be earlier than the first vaccines anywhere (December 2020).
pub const EARLIEST_DOSE: (i32, u32, u32) = (2020, 12, 1);

/// A symptom the declaration asks about by name (the free-text "other" is separate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symptom {
    Fever,
    Cough,
    ShortnessOfBreath,
    SoreThroat,
    LossOfTasteOrSmell,
    Fatigue,
    MusclePain,
    NauseaOrVomiting,
    Diarrhoea,
}

impl Symptom {
    pub const ALL: [Symptom; 9] = [
        Self::Fever,
        Self::Cough,
        Self::ShortnessOfBreath,
        Self::SoreThroat,
        Self::LossOfTasteOrSmell,
        Self::Fatigue,
        Self::MusclePain,
        Self::NauseaOrVomiting,
        Self::Diarrhoea,
    ];

    /// The bit of this symptom in the signed symptom mask (bits 0..8).
    pub fn bit(self) -> u16 {
        1 << (self as u16)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fever => "fever",
            Self::Cough => "cough",
            Self::ShortnessOfBreath => "shortness-of-breath",
            Self::SoreThroat => "sore-throat",
            Self::LossOfTasteOrSmell => "loss-of-taste-or-smell",
            Self::Fatigue => "fatigue",
            Self::MusclePain => "muscle-pain",
            Self::NauseaOrVomiting => "nausea-or-vomiting",
            Self::Diarrhoea => "diarrhoea",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// One place travelled through in the last 14 days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TravelEntry {
    /// Free text (a market, a district, a bus route…).
    pub place: String,
    /// The province, as its CCCD province code (`001`..`096`).
    pub province: u16,
}

/// The validated answers of one declaration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answers {
    pub travel: Vec<TravelEntry>,
    pub symptoms: Vec<Symptom>,
    pub other_symptom: Option<String>,
    pub contact_confirmed: bool,
    pub contact_suspected: bool,
    pub contact_outbreak_area: bool,
    pub vaccine_doses: u8,
    pub last_dose_on: Option<NaiveDate>,
    pub phone: Option<String>,
}

/// Why answers are not a valid declaration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("the answer {0} is required")]
    Missing(&'static str),
    #[error("the answer {0} is empty")]
    Empty(&'static str),
    #[error("the answer {0} is longer than {MAX_TEXT_CHARS} characters")]
    TooLong(&'static str),
    #[error("the answer {0} contains control characters")]
    ControlCharacters(&'static str),
    #[error("unknown province {0:?}: use a province code 001..096 or its name")]
    UnknownProvince(String),
    #[error("at most {MAX_TRAVEL_ENTRIES} travel entries")]
    TooManyTravelEntries,
    #[error("unknown symptom {0:?}")]
    UnknownSymptom(String),
    #[error("symptom {0} is listed twice")]
    DuplicateSymptom(&'static str),
    #[error("{0} vaccine doses is not possible (0..={MAX_DOSES})")]
    ImpossibleDoseCount(i64),
    #[error("the date of the last dose is required when doses were given")]
    MissingLastDoseDate,
    #[error("a date of last dose was given but no doses")]
    LastDoseWithoutDoses,
    #[error("the date {0} is not a real date (YYYY-MM-DD)")]
    BadDate(String),
    #[error("the date of the last dose {0} is in the future")]
    FutureDate(NaiveDate),
    #[error("the date of the last dose {0} is before any vaccine existed")]
    DoseTooEarly(NaiveDate),
    #[error("the phone number must be 9 to 15 digits, optionally starting with +")]
    BadPhone,
    #[error("the answers are not valid JSON for the declaration schema: {0}")]
    Json(String),
}

impl Answers {
    /// Answers with no symptom, no contact, no travel and no doses: `--all-clear`.
    pub fn all_clear() -> Self {
        Self::default()
    }

    /// Checks every rule; `today` is the declarant's local date.
    pub fn validate(&self, today: NaiveDate) -> Result<(), AnswerError> {
        if self.travel.len() > MAX_TRAVEL_ENTRIES {
            return Err(AnswerError::TooManyTravelEntries);
        }
        for t in &self.travel {
            check_text(&t.place, "travel.place")?;
            if province_name(t.province).is_none() {
                return Err(AnswerError::UnknownProvince(format!("{:03}", t.province)));
            }
        }
        for (i, s) in self.symptoms.iter().enumerate() {
            if self.symptoms[..i].contains(s) {
                return Err(AnswerError::DuplicateSymptom(s.as_str()));
            }
        }
        if let Some(o) = &self.other_symptom {
            check_text(o, "other_symptom")?;
        }
        if self.vaccine_doses > MAX_DOSES {
            return Err(AnswerError::ImpossibleDoseCount(i64::from(
                self.vaccine_doses,
            )));
        }
        match (self.vaccine_doses, self.last_dose_on) {
            (0, Some(_)) => return Err(AnswerError::LastDoseWithoutDoses),
            (n, None) if n > 0 => return Err(AnswerError::MissingLastDoseDate),
            (_, Some(d)) => {
                if d > today {
                    return Err(AnswerError::FutureDate(d));
                }
                let (y, m, dd) = EARLIEST_DOSE;
                if NaiveDate::from_ymd_opt(y, m, dd).is_some_and(|e| d < e) {
                    return Err(AnswerError::DoseTooEarly(d));
                }
            }
            _ => {}
        }
        if let Some(p) = &self.phone {
            check_phone(p)?;
        }
        Ok(())
    }

    /// The named-symptom mask as signed (bit `Symptom as u16`).
    pub fn symptom_mask(&self) -> u16 {
        self.symptoms.iter().fold(0, |m, s| m | s.bit())
    }

    /// Reads the CLI's JSON answers (schema in `docs/declarations.md`) and validates them.
    pub fn from_json(text: &str, today: NaiveDate) -> Result<Self, AnswerError> {
        let raw: JsonAnswers =
            serde_json::from_str(text).map_err(|e| AnswerError::Json(e.to_string()))?;
        let answers = raw.into_answers()?;
        answers.validate(today)?;
        Ok(answers)
    }
}

fn check_text(t: &str, field: &'static str) -> Result<(), AnswerError> {
    if t.trim().is_empty() {
        return Err(AnswerError::Empty(field));
    }
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(AnswerError::TooLong(field));
    }
    if t.chars().any(char::is_control) {
        return Err(AnswerError::ControlCharacters(field));
    }
    Ok(())
}

fn check_phone(p: &str) -> Result<(), AnswerError> {
    let digits = p.strip_prefix('+').unwrap_or(p);
    if (9..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(AnswerError::BadPhone)
    }
}

/// A province given as a code (`"079"`, `"79"`) or as its name (`"Hồ Chí Minh"`).
pub fn parse_province(text: &str) -> Result<u16, AnswerError> {
    let t = text.trim();
    if !t.is_empty() && t.len() <= 3 && t.bytes().all(|b| b.is_ascii_digit()) {
        let code: u16 = t
            .parse()
            .map_err(|_| AnswerError::UnknownProvince(t.to_owned()))?;
        if province_name(code).is_some() {
            return Ok(code);
        }
    }
    PROVINCES
        .iter()
        .find(|(_, name)| name.to_lowercase() == t.to_lowercase())
        .map(|(code, _)| *code)
        .ok_or_else(|| AnswerError::UnknownProvince(t.to_owned()))
}

/// The JSON shape of the answers. Every question must be answered explicitly (an absent
/// key is [`AnswerError::Missing`]), except the optional phone and the free-text symptom.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonAnswers {
    travel: Option<Vec<JsonTravel>>,
    symptoms: Option<Vec<String>>,
    other_symptom: Option<String>,
    contact_confirmed: Option<bool>,
    contact_suspected: Option<bool>,
    contact_outbreak_area: Option<bool>,
    vaccine_doses: Option<i64>,
    last_dose_on: Option<String>,
    phone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonTravel {
    place: Option<String>,
    province: Option<String>,
}

impl JsonAnswers {
    fn into_answers(self) -> Result<Answers, AnswerError> {
        let travel = self
            .travel
            .ok_or(AnswerError::Missing("travel"))?
            .into_iter()
            .map(|t| {
                let place = t.place.ok_or(AnswerError::Missing("travel.place"))?;
                let province =
                    parse_province(&t.province.ok_or(AnswerError::Missing("travel.province"))?)?;
                Ok(TravelEntry { place, province })
            })
            .collect::<Result<Vec<_>, AnswerError>>()?;
        let symptoms = self
            .symptoms
            .ok_or(AnswerError::Missing("symptoms"))?
            .iter()
            .map(|s| Symptom::parse(s).ok_or_else(|| AnswerError::UnknownSymptom(s.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let doses = self
            .vaccine_doses
            .ok_or(AnswerError::Missing("vaccine_doses"))?;
        let vaccine_doses = u8::try_from(doses)
            .ok()
            .filter(|d| *d <= MAX_DOSES)
            .ok_or(AnswerError::ImpossibleDoseCount(doses))?;
        let last_dose_on = self
            .last_dose_on
            .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| AnswerError::BadDate(d)))
            .transpose()?;
        Ok(Answers {
            travel,
            symptoms,
            other_symptom: self.other_symptom,
            contact_confirmed: self
                .contact_confirmed
                .ok_or(AnswerError::Missing("contact_confirmed"))?,
            contact_suspected: self
                .contact_suspected
                .ok_or(AnswerError::Missing("contact_suspected"))?,
            contact_outbreak_area: self
                .contact_outbreak_area
                .ok_or(AnswerError::Missing("contact_outbreak_area"))?,
            vaccine_doses,
            last_dose_on,
            phone: self.phone,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    const FULL: &str = r#"{
        "travel": [{"place": "Chợ Bến Thành", "province": "079"}, {"place": "Phố cổ", "province": "Hà Nội"}],
        "symptoms": ["fever", "cough"],
        "other_symptom": "đau đầu",
        "contact_confirmed": false,
        "contact_suspected": true,
        "contact_outbreak_area": false,
        "vaccine_doses": 3,
        "last_dose_on": "2022-03-14",
        "phone": "+84901234567"
    }"#;

    #[test]
    fn json_answers_parse_with_diacritics() {
        let a = Answers::from_json(FULL, today()).unwrap();
        assert_eq!(a.travel[0].province, 79);
        assert_eq!(a.travel[1].province, 1);
        assert_eq!(a.travel[0].place, "Chợ Bến Thành");
        assert_eq!(a.other_symptom.as_deref(), Some("đau đầu"));
        assert_eq!(a.symptom_mask(), 0b11);
        assert_eq!(a.vaccine_doses, 3);
    }

    #[test]
    fn every_refusal_names_the_answer() {
        let t = today();
        let e = |s: String| Answers::from_json(&s, t).unwrap_err();
        assert_eq!(
            e(FULL.replace("\"contact_suspected\": true,", "")),
            AnswerError::Missing("contact_suspected")
        );
        assert_eq!(
            e(FULL.replace("\"vaccine_doses\": 3", "\"vaccine_doses\": 9")),
            AnswerError::ImpossibleDoseCount(9)
        );
        assert_eq!(
            e(FULL.replace("\"vaccine_doses\": 3", "\"vaccine_doses\": -1")),
            AnswerError::ImpossibleDoseCount(-1)
        );
        assert_eq!(
            e(FULL.replace("2022-03-14", "2027-01-01")),
            AnswerError::FutureDate(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap())
        );
        assert_eq!(
            e(FULL.replace("2022-03-14", "2022-02-30")),
            AnswerError::BadDate("2022-02-30".into())
        );
        assert_eq!(
            e(FULL.replace("Chợ Bến Thành", "  ")),
            AnswerError::Empty("travel.place")
        );
        assert_eq!(
            e(FULL.replace("\"079\"", "\"003\"")),
            AnswerError::UnknownProvince("003".into())
        );
        assert_eq!(
            e(FULL.replace("\"cough\"", "\"fever\"")),
            AnswerError::DuplicateSymptom("fever")
        );
        assert_eq!(
            e(FULL.replace("\"cough\"", "\"sneeze\"")),
            AnswerError::UnknownSymptom("sneeze".into())
        );
        assert_eq!(
            e(FULL.replace("\"last_dose_on\": \"2022-03-14\",", "")),
            AnswerError::MissingLastDoseDate
        );
        assert_eq!(
            e(FULL.replace("+84901234567", "09-01")),
            AnswerError::BadPhone
        );
        assert_eq!(
            e(FULL.replace("\"đau đầu\"", "\"\"")),
            AnswerError::Empty("other_symptom")
        );
        assert!(matches!(e("[]".into()), AnswerError::Json(_)));
        let mut a = Answers::all_clear();
        a.last_dose_on = NaiveDate::from_ymd_opt(2022, 1, 1);
        assert_eq!(a.validate(t), Err(AnswerError::LastDoseWithoutDoses));
        assert_eq!(Answers::all_clear().validate(t), Ok(()));
    }
}
