//! Health-declaration answers as typed values (Kotlin data classes, Swift structs) instead
//! of a JSON string, and their refusals as typed field errors: an app shows the error
//! next to the question it belongs to. The rules themselves are
//! `vaora_protocol::declare::Answers::validate` (docs/declarations.md); this file only
//! converts.

use chrono::NaiveDate;
use vaora_protocol::declare::{self, AnswerError, Answers, TravelEntry};

use crate::error::{AnswerField, AnswerProblem, ErrorCode, VaoraError};

/// A symptom the declaration asks about by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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

impl From<Symptom> for declare::Symptom {
    fn from(s: Symptom) -> Self {
        match s {
            Symptom::Fever => Self::Fever,
            Symptom::Cough => Self::Cough,
            Symptom::ShortnessOfBreath => Self::ShortnessOfBreath,
            Symptom::SoreThroat => Self::SoreThroat,
            Symptom::LossOfTasteOrSmell => Self::LossOfTasteOrSmell,
            Symptom::Fatigue => Self::Fatigue,
            Symptom::MusclePain => Self::MusclePain,
            Symptom::NauseaOrVomiting => Self::NauseaOrVomiting,
            Symptom::Diarrhoea => Self::Diarrhoea,
        }
    }
}

impl From<declare::Symptom> for Symptom {
    fn from(s: declare::Symptom) -> Self {
        match s {
            declare::Symptom::Fever => Self::Fever,
            declare::Symptom::Cough => Self::Cough,
            declare::Symptom::ShortnessOfBreath => Self::ShortnessOfBreath,
            declare::Symptom::SoreThroat => Self::SoreThroat,
            declare::Symptom::LossOfTasteOrSmell => Self::LossOfTasteOrSmell,
            declare::Symptom::Fatigue => Self::Fatigue,
            declare::Symptom::MusclePain => Self::MusclePain,
            declare::Symptom::NauseaOrVomiting => Self::NauseaOrVomiting,
            declare::Symptom::Diarrhoea => Self::Diarrhoea,
        }
    }
}

/// A calendar day (no time, no zone): Kotlin `LocalDate` and Swift `DateComponents`
/// convert to and from it in the layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct CalendarDate {
    pub year: i32,
    /// 1..=12
    pub month: i32,
    /// 1..=31
    pub day: i32,
}

/// One place travelled through in the last 14 days.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Travel {
    /// Free text: a market, a district, a bus route.
    pub place: String,
    /// The province: its code (`"079"`, `"79"`) or its name (`"Hồ Chí Minh"`).
    pub province: String,
}

/// The answers of one health declaration (docs/declarations.md). Everything defaults to
/// "no": `HealthAnswers()` is an all-clear declaration.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HealthAnswers {
    /// Places travelled through in the last 14 days (at most 50).
    #[uniffi(default = [])]
    pub travel: Vec<Travel>,
    #[uniffi(default = [])]
    pub symptoms: Vec<Symptom>,
    /// Any other symptom, as the person describes it.
    #[uniffi(default = None)]
    pub other_symptom: Option<String>,
    /// Close contact with a confirmed case.
    #[uniffi(default = false)]
    pub contact_confirmed: bool,
    /// Close contact with a suspected case.
    #[uniffi(default = false)]
    pub contact_suspected: bool,
    /// Contact with someone from an outbreak area.
    #[uniffi(default = false)]
    pub contact_outbreak_area: bool,
    /// COVID-19 vaccine doses received (0..=6).
    #[uniffi(default = 0)]
    pub vaccine_doses: i32,
    /// Required when `vaccine_doses` > 0, refused otherwise.
    #[uniffi(default = None)]
    pub last_dose_on: Option<CalendarDate>,
    /// 9 to 15 digits, optionally starting with `+`.
    #[uniffi(default = None)]
    pub phone: Option<String>,
}

fn invalid(
    field: AnswerField,
    problem: AnswerProblem,
    travel_index: Option<usize>,
    reason: String,
) -> VaoraError {
    VaoraError::InvalidAnswer {
        code: ErrorCode::InvalidAnswer,
        reason,
        field,
        problem,
        travel_index: travel_index.and_then(|i| i32::try_from(i).ok()),
    }
}

fn text_problem(e: &AnswerError) -> AnswerProblem {
    match e {
        AnswerError::TooLong(_) => AnswerProblem::TooLong,
        AnswerError::ControlCharacters(_) => AnswerProblem::ControlCharacters,
        _ => AnswerProblem::Empty,
    }
}

/// A protocol refusal as a typed field error (`travel_index` when known).
fn field_error(e: AnswerError, travel_index: Option<usize>) -> VaoraError {
    let reason = e.to_string();
    let (field, problem) = match &e {
        AnswerError::Empty(f) | AnswerError::TooLong(f) | AnswerError::ControlCharacters(f) => {
            let field = match *f {
                "travel.place" => AnswerField::TravelPlace,
                "other_symptom" => AnswerField::OtherSymptom,
                _ => AnswerField::Phone,
            };
            (field, text_problem(&e))
        }
        AnswerError::Missing(_) => (AnswerField::LastDoseOn, AnswerProblem::Missing),
        AnswerError::UnknownProvince(_) => {
            (AnswerField::TravelProvince, AnswerProblem::UnknownProvince)
        }
        AnswerError::TooManyTravelEntries => (AnswerField::Travel, AnswerProblem::TooMany),
        AnswerError::UnknownSymptom(_) | AnswerError::DuplicateSymptom(_) => {
            (AnswerField::Symptoms, AnswerProblem::Duplicate)
        }
        AnswerError::ImpossibleDoseCount(_) => {
            (AnswerField::VaccineDoses, AnswerProblem::OutOfRange)
        }
        AnswerError::MissingLastDoseDate => (AnswerField::LastDoseOn, AnswerProblem::Missing),
        AnswerError::LastDoseWithoutDoses => (AnswerField::LastDoseOn, AnswerProblem::NotExpected),
        AnswerError::BadDate(_) => (AnswerField::LastDoseOn, AnswerProblem::NotARealDate),
        AnswerError::FutureDate(_) => (AnswerField::LastDoseOn, AnswerProblem::InTheFuture),
        AnswerError::DoseTooEarly(_) => (AnswerField::LastDoseOn, AnswerProblem::TooEarly),
        AnswerError::BadPhone => (AnswerField::Phone, AnswerProblem::BadFormat),
        AnswerError::Json(_) => (AnswerField::Travel, AnswerProblem::BadFormat),
    };
    let index = matches!(
        field,
        AnswerField::TravelPlace | AnswerField::TravelProvince
    )
    .then_some(travel_index)
    .flatten();
    invalid(field, problem, index, reason)
}

/// Converts and validates the answers as of the declarant's local `today`; a refusal names
/// the answer (and the travel entry) it is about.
pub(crate) fn to_answers(a: HealthAnswers, today: NaiveDate) -> Result<Answers, VaoraError> {
    let mut travel = Vec::with_capacity(a.travel.len());
    for (i, t) in a.travel.into_iter().enumerate() {
        let province =
            declare::answers::parse_province(&t.province).map_err(|e| field_error(e, Some(i)))?;
        travel.push(TravelEntry {
            place: t.place,
            province,
        });
    }
    let vaccine_doses = u8::try_from(a.vaccine_doses).map_err(|_| {
        field_error(
            AnswerError::ImpossibleDoseCount(i64::from(a.vaccine_doses)),
            None,
        )
    })?;
    let last_dose_on = a
        .last_dose_on
        .map(|d| {
            u32::try_from(d.month)
                .ok()
                .zip(u32::try_from(d.day).ok())
                .and_then(|(m, dd)| NaiveDate::from_ymd_opt(d.year, m, dd))
                .ok_or_else(|| {
                    field_error(
                        AnswerError::BadDate(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
                        None,
                    )
                })
        })
        .transpose()?;
    let answers = Answers {
        symptoms: a.symptoms.into_iter().map(Into::into).collect(),
        other_symptom: a.other_symptom,
        contact_confirmed: a.contact_confirmed,
        contact_suspected: a.contact_suspected,
        contact_outbreak_area: a.contact_outbreak_area,
        vaccine_doses,
        last_dose_on,
        phone: a.phone,
        travel,
    };
    answers.validate(today).map_err(|e| {
        // The rules stop at the first refusal without saying which travel entry it was:
        // find the first entry that is refused on its own.
        let index = answers.travel.iter().position(|t| {
            Answers {
                travel: vec![t.clone()],
                ..Answers::all_clear()
            }
            .validate(today)
            .is_err()
        });
        field_error(e, index)
    })?;
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default()
    }

    fn all_clear() -> HealthAnswers {
        HealthAnswers {
            travel: vec![],
            symptoms: vec![],
            other_symptom: None,
            contact_confirmed: false,
            contact_suspected: false,
            contact_outbreak_area: false,
            vaccine_doses: 0,
            last_dose_on: None,
            phone: None,
        }
    }

    fn refusal(a: HealthAnswers) -> (AnswerField, AnswerProblem, Option<i32>) {
        match to_answers(a, today()) {
            Err(VaoraError::InvalidAnswer {
                code,
                field,
                problem,
                travel_index,
                ..
            }) => {
                assert_eq!(code, ErrorCode::InvalidAnswer);
                (field, problem, travel_index)
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn typed_answers_convert_and_refusals_name_the_field() {
        let mut a = all_clear();
        a.travel = vec![Travel {
            place: "Chợ Bến Thành".into(),
            province: "Hồ Chí Minh".into(),
        }];
        a.symptoms = vec![Symptom::Fever];
        a.vaccine_doses = 2;
        a.last_dose_on = Some(CalendarDate {
            year: 2022,
            month: 6,
            day: 30,
        });
        let ok = to_answers(a.clone(), today()).unwrap();
        assert_eq!(ok.travel[0].province, 79);
        assert_eq!(ok.symptoms, vec![declare::Symptom::Fever]);

        let mut bad = a.clone();
        bad.travel.push(Travel {
            place: " ".into(),
            province: "079".into(),
        });
        assert_eq!(
            refusal(bad),
            (AnswerField::TravelPlace, AnswerProblem::Empty, Some(1))
        );
        let mut bad = a.clone();
        bad.travel.insert(
            0,
            Travel {
                place: "Phố".into(),
                province: "Atlantis".into(),
            },
        );
        assert_eq!(
            refusal(bad),
            (
                AnswerField::TravelProvince,
                AnswerProblem::UnknownProvince,
                Some(0)
            )
        );
        let mut bad = a.clone();
        bad.last_dose_on = Some(CalendarDate {
            year: 2022,
            month: 2,
            day: 30,
        });
        assert_eq!(
            refusal(bad),
            (AnswerField::LastDoseOn, AnswerProblem::NotARealDate, None)
        );
        let mut bad = a.clone();
        bad.last_dose_on = None;
        assert_eq!(
            refusal(bad),
            (AnswerField::LastDoseOn, AnswerProblem::Missing, None)
        );
        let mut bad = a.clone();
        bad.vaccine_doses = -1;
        assert_eq!(
            refusal(bad),
            (AnswerField::VaccineDoses, AnswerProblem::OutOfRange, None)
        );
        let mut bad = a;
        bad.symptoms.push(Symptom::Fever);
        assert_eq!(
            refusal(bad),
            (AnswerField::Symptoms, AnswerProblem::Duplicate, None)
        );
        let mut bad = all_clear();
        bad.phone = Some("12".into());
        assert_eq!(
            refusal(bad),
            (AnswerField::Phone, AnswerProblem::BadFormat, None)
        );
    }
}
