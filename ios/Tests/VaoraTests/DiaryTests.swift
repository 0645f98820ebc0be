// Household, check-in/out/edit/list and key-loss recovery through the FFI.
import Foundation
import Vaora
import VaoraFFI

func diaryTests() {
    let t = Harness.shared
    func open(_ name: String) throws -> Vaora {
        try Vaora.open(path: try freshDir(name) + "/diary.db", keyStore: XorKeyStore(pad: 0x21), options: DiaryOptions())
    }

    t.test("household: owner plus a member, a family check-in, check-out of all") {
        let v = try open("household")
        let owner = try v.owner()
        try check(owner.isOwner, "owner flag")
        let grandma = try v.addMember(member: NewMember(displayName: "Bà Nguyễn Thị Hoa", relation: "grandmother", birthYear: 1950))
        try checkEq("Bà Nguyễn Thị Hoa", grandma.displayName, "member name round trip")
        try checkEq(2, try v.listPeople().count, "people")
        let done = try v.checkInManual(request: ManualCheckIn(venueName: "Chợ Bến Thành", people: [owner.id, grandma.id],
                                                              venueAddress: "Lê Lợi, Quận 1", category: .market,
                                                              at: Date().addingTimeInterval(-3600)))
        try checkEq(Set([owner.id, grandma.id]), Set(done.map { $0.personId }), "people checked in")
        try check(done.allSatisfy { $0.kind == .manualEntry && $0.checkedOutAt == nil }, "open manual check-ins")
        let closed = try v.checkOut(checkinId: nil, at: nil)
        try checkEq(Set(done.map { $0.id }), Set(closed), "closed ids")
        try checkEq(0, try v.openCheckins().count, "open after check-out")
        try checkEq(2, try v.checkinPage(personId: nil, after: nil, limit: 10).items.count, "listed")
    }

    t.test("checkpoint folds the write-ahead log into the diary; data stays") {
        let v = try open("checkpoint")
        _ = try v.checkInManual(request: ManualCheckIn(venueName: "Nhà thuốc Long Châu",
                                                       at: Date().addingTimeInterval(-600)))
        try check(try v.checkpoint() > 0, "frames checkpointed after a check-in")
        try checkEq("Nhà thuốc Long Châu", try v.checkinPage(personId: nil, after: nil, limit: 10).items.first?.venue.name, "check-in kept")
    }

    t.test("a new check-in of the same person closes the previous one; edit times") {
        let v = try open("overlap")
        let t0 = Date().addingTimeInterval(-3 * 3600)
        let first = try v.checkInManual(request: ManualCheckIn(venueName: "Quán A", at: t0))[0]
        let second = try v.checkInManual(request: ManualCheckIn(venueName: "Quán B", at: t0.addingTimeInterval(3600)))[0]
        try check(try v.checkin(checkinId: first.id).checkedOutAt != nil, "first stay still open")
        try checkEq([second.id], try v.openCheckins().map { $0.id }, "open check-ins")
        let error = try expectThrows(VaoraError.self) {
            _ = try v.editTimes(checkinId: first.id, checkedInAt: t0, checkedOutAt: t0.addingTimeInterval(-60))
        }
        try checkEq(ErrorCode.invalidInput, error.code, "out before in")
    }

    t.test("key-loss recovery: old diary moved aside (kept), fresh diary opens") {
        let dir = try freshDir("recovery")
        let path = dir + "/diary.db"
        let old = try Vaora.open(path: path, keyStore: XorKeyStore(pad: 0x31), options: DiaryOptions())
        _ = try old.checkInManual(request: ManualCheckIn(venueName: "Trước"))
        let error = try expectThrows(VaoraError.self) {
            _ = try Vaora.open(path: path, keyStore: LostKeyStore(), options: DiaryOptions())
        }
        try checkEq(ErrorCode.keyLost, error.code, "code")
        let fresh = try Vaora.recoverAfterKeyLoss(path: path, keyStore: XorKeyStore(pad: 0x32), options: DiaryOptions())
        guard let moved = fresh.movedAsideTo() else { throw AssertionFailed(description: "nothing moved aside") }
        try checkEq(0, try fresh.checkinPage(personId: nil, after: nil, limit: 10).items.count, "fresh diary is empty")
        let back = try Vaora.open(path: moved, keyStore: XorKeyStore(pad: 0x31), options: DiaryOptions())
        try checkEq("Trước", try back.checkinPage(personId: nil, after: nil, limit: 10).items.first?.venue.name, "old check-in kept")
    }
}
