// Proxy declaration for a household member and personal-code verification.
import Foundation
import Vaora
import VaoraFFI

func declareTests() {
    let t = Harness.shared
    let allClear = #"{"travel": [], "symptoms": [], "contact_confirmed": false, "contact_suspected": false, "contact_outbreak_area": false, "vaccine_doses": 2, "last_dose_on": "2022-06-30"}"#
    let fever = #"{"travel": [], "symptoms": ["fever"], "contact_confirmed": false, "contact_suspected": false, "contact_outbreak_area": false, "vaccine_doses": 0}"#

    t.test("proxy declaration for grandma: personal code verifies, proxy and attention shown") {
        let v = try Vectors.load().trustedDiary("declare")
        let grandma = try v.addMember(member: NewMember(displayName: "Bà Trần Thị Lan", relation: "grandmother", birthYear: 1948))
        let mine = try v.declare(personId: nil, answersJson: allClear)
        try check(!mine.isProxy, "own declaration marked proxy")
        let hers = try v.declare(personId: grandma.id, answersJson: fever)
        try check(hers.isProxy, "declaration for a member is a proxy declaration")
        try checkEq("needs-attention", hers.status, "status")
        let checked = try v.verifyPersonalCode(text: hers.personalCode)
        try check(checked.status.hasPrefix("valid"), "status \(checked.status)")
        try checkEq("Bà Trần Thị Lan", checked.displayName, "name in code")
        try checkEq(try v.owner().displayName, checked.declaredBy, "declarant")
        try checkEq(hers.id, try v.latestDeclaration(personId: grandma.id).id, "latest declaration")
        let png = try personalCodePng(text: hers.personalCode, scale: 4, border: 4)
        try check(png.count > 8 && png[png.startIndex + 1] == 0x50, "not a PNG")
    }

    t.test("a tampered personal code is refused; bad answers are invalidInput") {
        let v = try Vectors.load().trustedDiary("tamper")
        let code = try v.declare(personId: nil, answersJson: allClear).personalCode
        var chars = Array(code)
        let i = chars.count - 5
        chars[i] = chars[i] == "A" ? "B" : "A"
        try checkEq("refused", try v.verifyPersonalCode(text: String(chars)).status, "forged")
        let error = try expectThrows(VaoraError.self) { _ = try v.declare(personId: nil, answersJson: #"{"symptoms": ["sneezing-loudly"]}"#) }
        try checkEq(ErrorCode.invalidInput, error.code, "bad answers")
    }
}
