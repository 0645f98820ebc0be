// Typed health answers from the JSON of docs/declarations.md (the vectors' form), and the
// vectors' names of triggers: test helpers only (apps build HealthAnswers directly).
import Foundation
import Vaora

func symptom(_ name: String) throws -> Symptom {
    let all: [String: Symptom] = [
        "fever": .fever, "cough": .cough, "shortness-of-breath": .shortnessOfBreath, "sore-throat": .soreThroat,
        "loss-of-taste-or-smell": .lossOfTasteOrSmell, "fatigue": .fatigue, "muscle-pain": .musclePain,
        "nausea-or-vomiting": .nauseaOrVomiting, "diarrhoea": .diarrhoea,
    ]
    guard let s = all[name] else { throw AssertionFailed(description: "unknown symptom \(name)") }
    return s
}

func answersFromJson(_ a: [String: Any]) throws -> HealthAnswers {
    let travel = (a["travel"] as? [[String: Any]] ?? []).map {
        Travel(place: $0["place"] as? String ?? "", province: $0["province"] as? String ?? "")
    }
    let date = (a["last_dose_on"] as? String)?.split(separator: "-").compactMap { Int32($0) }
    return HealthAnswers(
        travel: travel,
        symptoms: try (a["symptoms"] as? [String] ?? []).map(symptom),
        otherSymptom: a["other_symptom"] as? String,
        contactConfirmed: a["contact_confirmed"] as? Bool ?? false,
        contactSuspected: a["contact_suspected"] as? Bool ?? false,
        contactOutbreakArea: a["contact_outbreak_area"] as? Bool ?? false,
        vaccineDoses: Int32(a["vaccine_doses"] as? Int ?? 0),
        lastDoseOn: date.map { CalendarDate(year: $0[0], month: $0[1], day: $0[2]) },
        phone: a["phone"] as? String)
}

/// A trigger as the vectors spell it (`fever`, `contact-confirmed`).
func triggerName(_ t: Trigger) -> String {
    switch t {
    case let .symptom(s):
        let names: [Symptom: String] = [
            .fever: "fever", .cough: "cough", .shortnessOfBreath: "shortness-of-breath", .soreThroat: "sore-throat",
            .lossOfTasteOrSmell: "loss-of-taste-or-smell", .fatigue: "fatigue", .musclePain: "muscle-pain",
            .nauseaOrVomiting: "nausea-or-vomiting", .diarrhoea: "diarrhoea",
        ]
        return names[s] ?? "?"
    case .otherSymptom: return "other-symptom"
    case .contactConfirmed: return "contact-confirmed"
    case .contactSuspected: return "contact-suspected"
    case .contactOutbreakArea: return "contact-outbreak-area"
    }
}

func statusName(_ s: DeclarationStatus) -> String {
    switch s {
    case .noRiskDeclared: return "no-risk-declared"
    case .needsAttention: return "needs-attention"
    }
}

let allClear = HealthAnswers(vaccineDoses: 2, lastDoseOn: CalendarDate(year: 2022, month: 6, day: 30))
let fever = HealthAnswers(symptoms: [.fever])
