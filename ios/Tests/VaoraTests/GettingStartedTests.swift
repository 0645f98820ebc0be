// Runs the story of docs/getting-started-ios.md with its own code (its snippets are
// compiled into this test program by `cargo xtask swift-test`).
import Foundation
import Vaora

func gettingStartedTests() {
    Harness.shared.testAsync("getting-started-ios.md: open, check in with grandma, list, declare, sync") {
        let vectors = try Vectors.load()
        let rootKeySet = String(decoding: try JSONSerialization.data(withJSONObject: vectors.root["trust_keyset"] ?? [:]), as: UTF8.self)
        let diary = try await openDiary(folder: try freshDir("getting-started"), keyStore: XorKeyStore(pad: 0x55), rootKeySet: rootKeySet)
        let shown = try await checkIn(diary, scannedText: try vectors.text("valid"), withGrandma: true)
        try check(shown.hasPrefix("Checked in at ") && shown.hasSuffix("(2)"), shown)
        try check(try await checkIn(diary, scannedText: try vectors.text("unknown-key-id"), withGrandma: false).hasPrefix("Unverified"), "confirm")
        try check(try await checkIn(diary, scannedText: try vectors.text("bad-signature"), withGrandma: false).hasPrefix("Refused"), "refused")
        let shownRows = LineCollector()
        let list = Task { try await showRecentVisits(diary) { rows in shownRows.add("\(rows.count)") } }
        for _ in 0..<600 where shownRows.all.isEmpty { try await Task.sleep(nanoseconds: 50_000_000) }
        list.cancel()
        try checkEq(["2"], shownRows.all, "recent visits shown")
        guard let grandma = try await diary.people().first(where: { !$0.isOwner }) else { throw AssertionFailed(description: "no grandma") }
        let png = try await declare(for: grandma.id, in: diary, fever: true)
        try check(png.count > 100, "no personal code PNG")
        let alerts = try await syncNow(diary, server: try env("VAORA_SERVER_URL"), registered: false)
        try checkEq(0, alerts.count, "no alerts")
        try checkEq(0, try await diary.outboxCounts().pending, "everything sent")
        let desk = try await diary.openStaffDesk(try vectors.text("valid"))
        let card = "001048009876||Nguyễn Văn Đường|09051948|Nam|Phố Huế, Hà Nội|20052021"
        try checkEq("Welcome, Nguyễn Văn Đường (1948)", try await atTheDoor(desk, scannedText: card), "accepted")
        try checkEq(nil, try await atTheDoor(desk, scannedText: card), "held up: answered once")
        try checkEq("Card refused: check date_of_birth",
                    try await atTheDoor(desk, scannedText: card.replacingOccurrences(of: "09051948", with: "31021948")), "invalid")
        await diary.close()
    }
}
