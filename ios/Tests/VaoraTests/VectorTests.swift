// The shared vectors of declarations, personal codes and ID cards (docs/vectors/*.json),
// as far as the FFI reaches them: `declare` (each case's status and triggers, which
// province inputs are accepted), `verifyPersonalCode` (which codes are refused) and
// `classifyText` (what each card text is). The FFI signs with the diary's own key and runs
// on the real clock, so the byte-exact parts (bodies, signatures, card hashes, the parsed
// card fields) are checked by the Rust tests only.
import Foundation
import Vaora
import VaoraFFI

func loadVectors(_ name: String) throws -> [String: Any] {
    let url = URL(fileURLWithPath: try env("VAORA_VECTORS")).appendingPathComponent(name)
    guard let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
        throw AssertionFailed(description: "\(name) is not an object")
    }
    return root
}

func objects(_ value: Any?) -> [[String: Any]] { value as? [[String: Any]] ?? [] }

private func json(_ value: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
}

func vectorTests() {
    let t = Harness.shared

    t.test("declaration vectors: the FFI's status and triggers match each case's summary") {
        let v = try loadVectors("declarations.json")
        let diary = try Vectors.load().trustedDiary("vector-declarations")
        let cases = objects(v["cases"])
        try check(cases.count >= 2, "no declaration cases")
        for c in cases {
            let d = c["declaration"] as? [String: Any] ?? [:]
            let forWhom = d["declared_for"] as? [String: Any] ?? [:]
            var person: String? = nil
            if forWhom["kind"] as? String != "self" {
                let subject = d["subject"] as? [String: Any] ?? [:]
                person = try diary.addMember(member: NewMember(displayName: subject["name"] as? String ?? "", relation: "member", birthYear: nil)).id
            }
            let made = try diary.declare(personId: person, answers: try answersFromJson(d["answers"] as? [String: Any] ?? [:]))
            // "no-risk-declared", or "needs-attention: a, b, c".
            let summary = c["summary"] as? String ?? ""
            let parts = summary.components(separatedBy: ": ")
            let triggers = parts.count > 1 ? parts[1].components(separatedBy: ", ") : []
            try checkEq(parts[0], statusName(made.status), "\(c["name"] ?? ""): status")
            try checkEq(triggers, made.triggers.map(triggerName), "\(c["name"] ?? ""): triggers")
            try checkEq(person != nil, made.isProxy, "\(c["name"] ?? ""): proxy")
        }
    }

    t.test("province vectors: declare accepts exactly the inputs that name a province") {
        let v = try loadVectors("declarations.json")
        let diary = try Vectors.load().trustedDiary("vector-provinces")
        var refused = 0
        for c in objects(v["provinces"]) {
            let input = c["input"] as? String ?? ""
            let answers: [String: Any] = [
                "travel": [["place": "Chợ", "province": input]], "symptoms": [String](),
                "contact_confirmed": false, "contact_suspected": false, "contact_outbreak_area": false,
                "vaccine_doses": 0,
            ]
            if c["code"] is NSNull {
                let error = try expectThrows(VaoraError.self) { _ = try diary.declare(personId: nil, answers: try answersFromJson(answers)) }
                try checkEq(ErrorCode.invalidAnswer, error.code, "province \(input.debugDescription)")
                refused += 1
            } else {
                _ = try diary.declare(personId: nil, answers: try answersFromJson(answers))
            }
        }
        try check(refused >= 5, "only \(refused) refusals checked")
    }

    t.test("personal-code vectors: the FFI refuses exactly the codes the vectors refuse") {
        let v = try loadVectors("personal-codes.json")
        let diary = try Vectors.load().trustedDiary("vector-personal")
        let accepted: Set<String> = ["valid", "valid-self-signed", "expired"]
        let cases = objects(v["verifications"])
        try check(cases.count >= 10, "only \(cases.count) verifications")
        for c in cases {
            // This diary reads the real clock and does not trust the vectors' authority
            // (vn-byt-test-1), so an accepted code may come out expired, and a bad certificate
            // counts as self-signed, not refused (the first certificate check of
            // docs/personal-code.md): only refusal is compared.
            let got = try diary.verifyPersonalCode(text: c["text"] as? String ?? "")
            let expected = c["expected"] as? String ?? ""
            let wantRefused = !accepted.contains(expected) && expected != "bad-certificate"
            try checkEq(wantRefused, got.status == .refused, "\(c["name"] ?? ""): \(got.status)")
        }
    }

    t.test("ID-card vectors: classifyText sorts every card text as the vectors say") {
        let v = try loadVectors("id-cards.json")
        let diary = try Vectors.load().trustedDiary("vector-cards")
        let cases = objects(v["cccd"]) + objects(v["bhyt"])
        try check(cases.count >= 60, "only \(cases.count) cards")
        for c in cases {
            let kind: String
            switch try diary.classifyText(text: c["text"] as? String ?? "") {
            case .citizenId: kind = "cccd"
            case .healthInsurance: kind = "bhyt"
            case .unknown: kind = "unknown"
            default: kind = "other"
            }
            try checkEq(c["classified_as"] as? String ?? "", kind, "\(c["name"] ?? "")")
        }
    }
}
