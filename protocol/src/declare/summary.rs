//! The summary a screen shows and a staff member acts on: "no risk declared" or "needs
//! attention" with the answers that triggered it, and until when the declaration holds.
//!
//! The summary is derived from the answers, never stored on its own, so a signed
//! declaration and the personal code built from it can never disagree. Travel by itself
//! does not trigger attention: the declaration has no list of outbreak areas to compare
//! places with, and the contact question about outbreak areas covers that risk.

use chrono::{DateTime, Utc};

use super::answers::{Answers, Symptom};

/// One answer that calls for attention. The number is its bit in the trigger mask that
/// personal codes carry: never re-use one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Trigger {
    Symptom(Symptom),
    OtherSymptom,
    ContactConfirmed,
    ContactSuspected,
    ContactOutbreakArea,
}

impl Trigger {
    /// Bits 0..8 are the named symptoms, 9 other symptom, 10..12 the contacts.
    pub fn bit(self) -> u16 {
        match self {
            Self::Symptom(s) => s.bit(),
            Self::OtherSymptom => 1 << 9,
            Self::ContactConfirmed => 1 << 10,
            Self::ContactSuspected => 1 << 11,
            Self::ContactOutbreakArea => 1 << 12,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Symptom(s) => s.as_str(),
            Self::OtherSymptom => "other-symptom",
            Self::ContactConfirmed => "contact-confirmed",
            Self::ContactSuspected => "contact-suspected",
            Self::ContactOutbreakArea => "contact-outbreak-area",
        }
    }

    /// Every trigger, in bit order.
    pub fn all() -> Vec<Trigger> {
        let mut v: Vec<Trigger> = Symptom::ALL.into_iter().map(Self::Symptom).collect();
        v.extend([
            Self::OtherSymptom,
            Self::ContactConfirmed,
            Self::ContactSuspected,
            Self::ContactOutbreakArea,
        ]);
        v
    }

    /// The triggers in a mask, in bit order; `None` if an unknown bit is set.
    pub fn from_mask(mask: u16) -> Option<Vec<Trigger>> {
        let all = Self::all();
        let known = all.iter().fold(0u16, |m, t| m | t.bit());
        if mask & !known != 0 {
            return None;
        }
        Some(all.into_iter().filter(|t| mask & t.bit() != 0).collect())
    }

    pub fn mask(triggers: &[Trigger]) -> u16 {
        triggers.iter().fold(0, |m, t| m | t.bit())
    }
}

/// The overall status of a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    NoRiskDeclared,
    NeedsAttention,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoRiskDeclared => "no-risk-declared",
            Self::NeedsAttention => "needs-attention",
        }
    }
}

/// What a declaration says, in one glance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub status: Status,
    /// The answers that triggered attention, in bit order (empty when no risk).
    pub triggers: Vec<Trigger>,
    pub valid_until: DateTime<Utc>,
}

impl Summary {
    pub fn of(answers: &Answers, valid_until: DateTime<Utc>) -> Self {
        let mut triggers: Vec<Trigger> = answers
            .symptoms
            .iter()
            .copied()
            .map(Trigger::Symptom)
            .collect();
        if answers.other_symptom.is_some() {
            triggers.push(Trigger::OtherSymptom);
        }
        if answers.contact_confirmed {
            triggers.push(Trigger::ContactConfirmed);
        }
        if answers.contact_suspected {
            triggers.push(Trigger::ContactSuspected);
        }
        if answers.contact_outbreak_area {
            triggers.push(Trigger::ContactOutbreakArea);
        }
        Self::from_mask_unchecked(Trigger::mask(&triggers), valid_until)
    }

    /// Rebuilds a summary from a trigger mask (as personal codes carry it).
    pub fn from_mask(mask: u16, valid_until: DateTime<Utc>) -> Option<Self> {
        Trigger::from_mask(mask).map(|triggers| Self {
            status: if triggers.is_empty() {
                Status::NoRiskDeclared
            } else {
                Status::NeedsAttention
            },
            triggers,
            valid_until,
        })
    }

    fn from_mask_unchecked(mask: u16, valid_until: DateTime<Utc>) -> Self {
        Self::from_mask(mask, valid_until).unwrap_or(Self {
            status: Status::NeedsAttention,
            triggers: Vec::new(),
            valid_until,
        })
    }

    pub fn mask(&self) -> u16 {
        Trigger::mask(&self.triggers)
    }

    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        now < self.valid_until
    }

    /// One line for screens and the CLI: `no-risk-declared` or
    /// `needs-attention: fever, contact-confirmed`.
    pub fn describe(&self) -> String {
        if self.triggers.is_empty() {
            self.status.as_str().to_owned()
        } else {
            let names: Vec<&str> = self.triggers.iter().map(|t| t.as_str()).collect();
            format!("{}: {}", self.status.as_str(), names.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn summary_names_what_triggered_it() {
        let until = Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap();
        let clear = Summary::of(&Answers::all_clear(), until);
        assert_eq!(clear.status, Status::NoRiskDeclared);
        assert_eq!(clear.describe(), "no-risk-declared");
        let a = Answers {
            symptoms: vec![Symptom::Cough],
            contact_confirmed: true,
            other_symptom: Some("đau đầu".into()),
            ..Answers::default()
        };
        let s = Summary::of(&a, until);
        assert_eq!(s.status, Status::NeedsAttention);
        assert_eq!(
            s.describe(),
            "needs-attention: cough, other-symptom, contact-confirmed"
        );
        assert_eq!(s.mask(), 0b10 | 1 << 9 | 1 << 10);
        assert_eq!(Summary::from_mask(s.mask(), until).unwrap(), s);
        assert!(Summary::from_mask(1 << 15, until).is_none());
        assert!(s.is_valid_at(until - chrono::Duration::seconds(1)));
        assert!(!s.is_valid_at(until));
    }
}
