// The staff desk: a venue's staff phone records visitors without a phone from their CCCD
// (shared vectors) or a proxy personal code; repeats from a camera loop are answered once;
// invalid cards name the field at fault; visitors leave. Also a household member from a
// scanned card. The generated object, and the idiomatic layer on the main actor.
import Foundation
import Vaora

private func card(_ name: String) throws -> String {
    let v = try loadVectors("id-cards.json")
    guard let text = objects(v["cccd"]).first(where: { $0["name"] as? String == name })?["text"] as? String else {
        throw AssertionFailed(description: "no card \(name)")
    }
    return text
}

func deskTests() {
    let t = Harness.shared

    t.test("staff desk: a CCCD is accepted once, a held-up card is quiet, then already inside") {
        let vectors = try Vectors.load()
        let staff = try vectors.trustedDiary("desk-loop")
        let desk = try staff.openStaffDesk(venueCode: try vectors.text("valid"), settings: DeskSettings())
        let hoa = try card("7 fields, address with commas")
        guard let first = try desk.scan(text: hoa), case let .accepted(id) = first.verdict else {
            throw AssertionFailed(description: "not accepted")
        }
        try checkEq("Nguyễn Thị Hoa", first.visitor?.displayName, "name from the card")
        try checkEq(1985, first.visitor?.birthYear, "birth year from the card")
        try checkEq(DeskIdentifiedBy.cccd, first.visitor?.identifiedBy, "identified by")
        for _ in 0..<30 { try checkEq(nil, try desk.scan(text: hoa), "repeat within the window") }
        try checkEq(1, try staff.outboxCounts().pending, "one visit queued")
        try desk.setSettings(settings: DeskSettings(requireCertified: false, repeatWindowMs: 0))
        try checkEq(DeskVerdict.alreadyInside(checkinId: id), try desk.scan(text: hoa)?.verdict, "second sighting")
        try checkEq(1, try staff.outboxCounts().pending, "still one visit queued")
    }

    t.test("staff desk: invalid cards name the field, posters are not door codes, proxy codes say who declared") {
        let vectors = try Vectors.load()
        let family = try vectors.trustedDiary("desk-family")
        let staff = try vectors.trustedDiary("desk-verdicts")
        let desk = try staff.openStaffDesk(venueCode: try vectors.text("valid"), settings: DeskSettings())
        guard case let .invalidCard(field, check, _) = try desk.scan(text: try card("31 February"))?.verdict else {
            throw AssertionFailed(description: "31 February not an invalid card")
        }
        try checkEq("date_of_birth", field, "field at fault")
        try checkEq("bad-date", check, "check")
        try checkEq(DeskVerdict.notADoorCode(kind: "venue"), try desk.scan(text: try vectors.text("valid"))?.verdict, "poster")
        let grandma = try family.addMember(member: NewMember(displayName: "Bà Tư", relation: "grandmother", birthYear: 1945))
        let code = try family.declare(personId: grandma.id, answers: allClear).personalCode
        try desk.setSettings(settings: DeskSettings(requireCertified: true, repeatWindowMs: 3000))
        let strict = try desk.scan(text: code)
        try checkEq(DeskVerdict.notCertified, strict?.verdict, "self-signed at a strict desk")
        try checkEq("Bà Tư", strict?.visitor?.displayName, "who was refused")
        try desk.setSettings(settings: DeskSettings())
        guard let ok = try desk.scan(text: code), case .accepted = ok.verdict,
              case let .personalCode(certified, declaredBy, _, _)? = ok.visitor?.identifiedBy else {
            throw AssertionFailed(description: "proxy code not accepted")
        }
        try checkEq(try family.owner().displayName, declaredBy, "declarant")
        try checkEq(false, certified, "self-signed")
        try checkEq(1, try staff.outboxCounts().pending, "only the accepted visit is queued")
    }

    t.test("staff desk: every invalid card of the shared vectors is refused with its check and field") {
        let vectors = try Vectors.load()
        let staff = try vectors.trustedDiary("desk-vectors")
        let desk = try staff.openStaffDesk(venueCode: try vectors.text("valid"), settings: DeskSettings())
        let v = try loadVectors("id-cards.json")
        var refused = 0
        for c in objects(v["cccd"]) + objects(v["bhyt"]) {
            let expected = c["expected"] as? [String: Any] ?? [:]
            // Texts without a card's shape are not cards at all (classified unknown).
            guard let error = expected["error"] as? String, c["classified_as"] as? String != "unknown" else { continue }
            let name = c["name"] as? String ?? ""
            guard case let .invalidCard(field, check, _)? = try desk.scan(text: c["text"] as? String ?? "")?.verdict else {
                throw AssertionFailed(description: "\(name): not an invalid card")
            }
            try checkEq(error, check, "\(name): check")
            try checkEq(expected["field"] as? String, field, "\(name): field")
            refused += 1
        }
        try check(refused >= 40, "only \(refused) invalid cards")
        try checkEq(0, try staff.outboxCounts().pending, "nothing stored")
    }

    t.testOnMainActor("staff desk on the main actor: visitors leave by check-out; a visit ends once; unknown venues refused") {
        let vectors = try Vectors.load()
        let staff = try await VaoraDiary.open(path: try freshDir("desk-leave-layer") + "/diary.db", keyStore: XorKeyStore(pad: 0x41))
        let json = String(decoding: try JSONSerialization.data(withJSONObject: vectors.root["trust_keyset"] ?? [:]), as: UTF8.self)
        _ = try await staff.installRootKeySet(json)
        let desk = try await staff.openStaffDesk(try vectors.text("valid"))
        guard case let .accepted(a)? = try await desk.scan(try card("7 fields, address with commas"))?.verdict,
              case let .accepted(b)? = try await desk.scan(try card("6 fields, born 2000"))?.verdict else {
            throw AssertionFailed(description: "cards not accepted")
        }
        let before = try await desk.visitorsToday()
        try checkEq([b, a], before.map { $0.checkinId }, "newest first")
        try check(before.allSatisfy { $0.state == .inside }, "states \(before)")
        _ = try await desk.checkOut(a)
        let after = Dictionary(uniqueKeysWithValues: try await desk.visitorsToday().map { ($0.checkinId, $0.state) })
        try checkEq(DeskVisitState.checkedOut, after[a], "checked out")
        try checkEq(DeskVisitState.inside, after[b], "still inside")
        do {
            _ = try await desk.checkOut(a)
            throw AssertionFailed(description: "a second check-out was accepted")
        } catch let VaoraError.Input(code, _) {
            try checkEq(ErrorCode.invalidInput, code, "a visit ends once")
        }
        try checkEq(3, try await staff.outboxCounts().pending, "two visits and one check-out queued")
        let hoa = try await staff.addMemberFromCard(try card("7 fields, address with commas"), relation: "mother")
        try checkEq(1985, hoa.birthYear, "member's birth year from the card")
        let untrusting = try await openLayer("desk-untrusting")
        do {
            _ = try await untrusting.openStaffDesk(try vectors.text("valid"))
            throw AssertionFailed(description: "a desk opened at a venue nobody vouches for")
        } catch let VaoraError.Input(code, _) {
            try checkEq(ErrorCode.codeRefused, code, "unknown venue")
        }
        await staff.close()
        await untrusting.close()
    }
}
