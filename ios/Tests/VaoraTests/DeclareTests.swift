// Proxy declaration for a household member with typed answers, personal-code
// verification, and typed field errors for refused answers.
import Foundation
import Vaora

func declareTests() {
    let t = Harness.shared

    t.test("proxy declaration for grandma: personal code verifies, proxy and attention shown") {
        let v = try Vectors.load().trustedDiary("declare")
        let grandma = try v.addMember(member: NewMember(displayName: "Bà Trần Thị Lan", relation: "grandmother", birthYear: 1948))
        try check(try v.latestDeclaration(personId: grandma.id) == nil, "no declaration yet")
        let mine = try v.declare(personId: nil, answers: allClear)
        try check(!mine.isProxy, "own declaration marked proxy")
        try checkEq(DeclarationStatus.noRiskDeclared, mine.status, "own status")
        let hers = try v.declare(personId: grandma.id, answers: fever)
        try check(hers.isProxy, "declaration for a member is a proxy declaration")
        try checkEq(DeclarationStatus.needsAttention, hers.status, "status")
        try checkEq([Trigger.symptom(symptom: .fever)], hers.triggers, "typed triggers")
        let checked = try v.verifyPersonalCode(text: hers.personalCode)
        try check(checked.status == .valid || checked.status == .validSelfSigned, "status \(checked.status)")
        try checkEq("Bà Trần Thị Lan", checked.displayName, "name in code")
        try checkEq(try v.owner().displayName, checked.declaredBy, "declarant")
        try checkEq(hers.id, try v.latestDeclaration(personId: grandma.id)?.id, "latest declaration")
        let png = try personalCodePng(text: hers.personalCode, scale: 4, quietZone: 4)
        try check(png.count > 8 && png[png.startIndex + 1] == 0x50, "not a PNG")
    }

    t.test("a tampered personal code is refused; refused answers name the field and the problem") {
        let v = try Vectors.load().trustedDiary("tamper")
        let code = try v.declare(personId: nil, answers: allClear).personalCode
        var chars = Array(code)
        let i = chars.count - 5
        chars[i] = chars[i] == "A" ? "B" : "A"
        try checkEq(PersonalCodeStatus.refused, try v.verifyPersonalCode(text: String(chars)).status, "forged")
        func refusal(_ a: HealthAnswers) throws -> (AnswerField, AnswerProblem, Int32?) {
            let error = try expectThrows(VaoraError.self) { _ = try v.declare(personId: nil, answers: a) }
            guard case let .InvalidAnswer(code, _, field, problem, index) = error else {
                throw AssertionFailed(description: "not InvalidAnswer: \(error)")
            }
            try checkEq(ErrorCode.invalidAnswer, code, "code")
            return (field, problem, index)
        }
        let place = try refusal(HealthAnswers(travel: [Travel(place: "Chợ", province: "079"), Travel(place: " ", province: "Hà Nội")]))
        try check(place == (.travelPlace, .empty, 1), "empty place: \(place)")
        let date = try refusal(HealthAnswers(vaccineDoses: 1, lastDoseOn: CalendarDate(year: 2022, month: 2, day: 30)))
        try check(date == (.lastDoseOn, .notARealDate, nil), "30 February: \(date)")
        let doses = try refusal(HealthAnswers(vaccineDoses: 9, lastDoseOn: CalendarDate(year: 2022, month: 1, day: 1)))
        try check(doses == (.vaccineDoses, .outOfRange, nil), "doses: \(doses)")
        let phone = try refusal(HealthAnswers(phone: "09-01"))
        try check(phone == (.phone, .badFormat, nil), "phone: \(phone)")
    }
}
