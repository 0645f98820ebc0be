// What the idiomatic layer adds: every call off the caller's actor (sync from the main
// actor), change streams, the SDK's closed error, the device's UTC offset and the owner's
// name as visible defaults, readable progress steps, the camera session that reuses one
// scanner, still pictures, and background sync handing new exposure alerts to the app.
import Foundation
import Vaora

/// Notes the thread of each call, then passes it on.
final class ThreadNotingTransport: HttpTransport, @unchecked Sendable {
    private let inner: HttpTransport
    let seen = LineCollector()
    init(_ inner: HttpTransport) { self.inner = inner }
    func send(request: HttpRequest) async throws -> HttpResponse {
        seen.add(Thread.isMainThread ? "main" : "other")
        return try await inner.send(request: request)
    }
    func sleep(millis: Int64) async { await inner.sleep(millis: millis) }
}

func openLayer(_ name: String, options: DiaryOptions = DiaryOptions()) async throws -> VaoraDiary {
    try await VaoraDiary.open(path: try freshDir(name) + "/diary.db", keyStore: XorKeyStore(pad: 0x21), options: options)
}

/// A UTC offset that makes the local time now about noon (tests that must not cross local midnight).
func noonOffsetSeconds() -> Int32 {
    let secondsOfDay = Int(Date().timeIntervalSince1970) % 86_400
    let offset = ((12 * 3600 - secondsOfDay) % 86_400 + 86_400) % 86_400
    return Int32(offset > 12 * 3600 ? offset - 86_400 : offset)
}

func layerTests() {
    let t = Harness.shared

    t.testOnMainActor("sync called on the main actor runs elsewhere: Rust polling, progress, HTTP and logs off main") {
        try check(Thread.isMainThread, "the test body must run on the main thread")
        let logs = LineCollector()
        VaoraLog.install(level: .info) { _, _, line in if line.hasPrefix("sync done") { logs.add(Thread.isMainThread ? "main" : "other") } }
        defer { VaoraLog.uninstall() }
        let diary = try await openLayer("main-actor")
        _ = try await diary.checkInManually(ManualCheckIn(venueName: "Quán", at: Date().addingTimeInterval(-600)))
        let transport = ThreadNotingTransport(URLSessionTransport())
        _ = try await diary.registerDevice(server: try env("VAORA_SERVER_URL"), transport: transport)
        let steps = LineCollector()
        let summary = try await diary.sync(onProgress: { _ in steps.add(Thread.isMainThread ? "main" : "other") }, transport: transport)
        try check(Thread.isMainThread, "back on the main actor after the await")
        try check(summary.uploaded >= 1, "nothing uploaded")
        try check(!steps.all.isEmpty && !steps.all.contains("main"), "progress (the Rust poll) on main: \(steps.all)")
        try check(!transport.seen.all.isEmpty && !transport.seen.all.contains("main"), "HTTP on main: \(transport.seen.all)")
        try check(!logs.all.isEmpty && !logs.all.contains("main"), "sync log line on main: \(logs.all)")
        await diary.close()
    }

    t.testAsync("a closed diary throws the SDK's own error (.closed)") {
        let diary = try await openLayer("closed")
        await diary.close()
        await diary.close()
        let error = try await expectThrowsAsync { _ = try await diary.owner() }
        try checkEq(ErrorCode.closed, error.code, "code")
        try checkEq(205, error.code.number, "number")
        let s = try await expectThrowsAsync { _ = try await diary.sync() }
        try checkEq(ErrorCode.closed, s.code, "sync on a closed diary")
    }

    t.testAsync("defaults made visible: the device's own UTC offset, the owner's name on creation") {
        let diary = try await openLayer("offset")
        try checkEq(Int32(TimeZone.current.secondsFromGMT()), diary.utcOffsetSeconds, "the device's offset")
        try checkEq("Tôi", VaoraDiary.defaultOwnerName, "default owner name")
        try checkEq(VaoraDiary.defaultOwnerName, try await diary.owner().displayName, "owner's default name")
        await diary.close()
        let named = try await openLayer("owner-name", options: DiaryOptions(utcOffsetSeconds: 25200, ownerName: "Nguyễn Văn A"))
        try checkEq("Nguyễn Văn A", try await named.owner().displayName, "owner named at creation")
        try checkEq(25200, named.utcOffsetSeconds, "an explicit offset wins")
        await named.close()
    }

    t.testAsync("change streams: people and check-ins follow committed writes; paging by cursor") {
        // Local noon now (no local midnight among the check-ins), all within the default
        // stay: none is closed by time, each new one supersedes the last.
        let diary = try await openLayer("streams", options: DiaryOptions(utcOffsetSeconds: noonOffsetSeconds()))
        var people = diary.peopleUpdates().makeAsyncIterator()
        try checkEq(1, try await people.next()?.count, "people now")
        var pages = diary.checkinUpdates(limit: 2).makeAsyncIterator()
        try checkEq(0, try await pages.next()?.items.count, "no check-ins yet")
        _ = try await diary.addMember("Bé Na", relation: "daughter", birthYear: 2019)
        try checkEq("Bé Na", try await people.next()?.last?.displayName, "people stream")
        let t0 = Date().addingTimeInterval(-40 * 60)
        for i in 0..<3 {
            _ = try await diary.checkInManually(ManualCheckIn(venueName: "Quán \(i)", at: t0.addingTimeInterval(Double(i) * 600)))
        }
        var page: CheckInPage?
        for _ in 0..<10 where page?.items.first?.venue.name != "Quán 2" { page = try await pages.next() }
        try checkEq(["Quán 2", "Quán 1"], page?.items.map { $0.venue.name }, "newest two")
        let older = try await diary.checkinPage(after: page?.next, limit: 2)
        try checkEq(["Quán 0"], older.items.map { $0.venue.name }, "next page by cursor")
        try check(older.next == nil, "last page")
        await diary.close()
    }

    t.testAsync("the rest of the layer: trust roots, household edits, check-out of all, every update stream") {
        let vectors = try Vectors.load()
        let keySet = String(decoding: try JSONSerialization.data(withJSONObject: vectors.root["trust_keyset"] ?? [:]), as: UTF8.self)
        try checkEq(Int32(TimeZone.current.secondsFromGMT()), VaoraDiary.deviceUtcOffsetSeconds, "device offset")
        let diary = try await openLayer("layer-rest", options: DiaryOptions(utcOffsetSeconds: noonOffsetSeconds()))
        let refused = try await expectThrowsAsync { _ = try await diary.applyKeySet(keySet) }
        try checkEq(ErrorCode.codeRefused, refused.code, "a key set before any root")
        try check(try await diary.installRootKeySet(keySet) >= 1, "root installed")
        try check(try await diary.installRootKeySet(keySet) >= 1, "installed again")
        try check(try await diary.applyKeySet(keySet) >= 1, "a set signed by the installed root")

        var changes = diary.changes().makeAsyncIterator()
        var open = diary.openCheckinUpdates().makeAsyncIterator()
        var outbox = diary.outboxCountUpdates().makeAsyncIterator()
        var alerts = diary.alertUpdates().makeAsyncIterator()
        // First values before any write: each stream's current list.
        try checkEq(0, try await open.next()?.count, "nobody checked in")
        try checkEq(0, try await outbox.next()?.pending, "nothing waiting")
        try checkEq(0, try await alerts.next()?.count, "no alerts")
        let owner = try await diary.owner()
        let member = try await diary.addMember("Ông Ba")
        _ = try await diary.checkInManually(ManualCheckIn(venueName: "Chợ", people: [owner.id, member.id],
                                                          at: Date().addingTimeInterval(-600)))
        try checkEq(2, try await open.next()?.count, "open check-ins stream")
        try check((try await outbox.next()?.pending ?? 0) >= 2, "outbox stream")
        try checkEq(2, try await diary.checkOutAll().count, "both checked out")
        try checkEq(0, try await open.next()?.count, "open check-ins stream after check-out")
        try await diary.renamePerson(member.id, to: "Ông Tư")
        try checkEq("Ông Tư", try await diary.people().last?.displayName, "renamed")
        try await diary.removePerson(member.id)
        try checkEq([owner.id], try await diary.people().map { $0.id }, "member removed")
        var first: DiaryChange?
        first = await changes.next()
        try check(first?.people == true, "the first change after subscribing is the new member: \(String(describing: first))")
        await diary.close()
        // The stream ends with the diary (or, when a re-read raced the close, with `.closed`).
        do {
            while try await open.next() != nil {}
        } catch let error as VaoraError {
            try checkEq(ErrorCode.closed, error.code, "a stream's end after close")
        }
    }

    t.test("RGBA stills (CGImage's layout) decode like the camera path") {
        let vectors = try Vectors.load()
        let text = try vectors.text("valid")
        var img = Luma(width: 640, height: 480)
        try img.drawCode(text, scale: 4, left: 150, top: 80)
        var rgba = Data(count: img.width * img.height * 4)
        for (i, g) in img.px.enumerated() {
            rgba[4 * i] = g; rgba[4 * i + 1] = g; rgba[4 * i + 2] = g; rgba[4 * i + 3] = 0xFF
        }
        let frame = CameraFrame.rgba(width: img.width, height: img.height, bytesPerRow: img.width * 4, bytes: rgba)
        try checkEq([text], try frame.scan(ScanSettings(budgetMs: 2000, stillImage: true)).codes.compactMap { $0.text }, "RGBA still")
    }

    t.test("progress steps print readably") {
        try checkEq("Matching", "\(SyncStep.matching)", "Matching")
        try checkEq("Uploading 2/5", "\(SyncStep.uploading(sent: 2, pending: 5))", "Uploading")
    }

    t.test("camera session: one scanner per frame shape, reused; still pictures") {
        let vectors = try Vectors.load()
        let text = try vectors.text("valid")
        var img = Luma(width: 640, height: 480)
        try img.drawCode(text, scale: 4, left: 150, top: 80)
        let session = CameraScanSession(settings: ScanSettings(budgetMs: 2000))
        for i in 0..<3 { try checkEq([text], try session.scan(img.luma()), "frame \(i)") }
        try checkEq(1, session.scannersMade, "one scanner for three frames")
        try checkEq([text], try session.scan(img.nv12()), "a new shape")
        try checkEq(2, session.scannersMade, "a new scanner for the new shape")
        let still = CameraFrame.luma(width: img.width, height: img.height, bytes: Data(img.px))
        try checkEq([text], try still.scan(ScanSettings(budgetMs: 2000, stillImage: true)).codes.compactMap { $0.text }, "still")
    }

    t.testAsync("background sync hands new exposure alerts to the app once; alerts() lists them") {
        try await alertScenario()
    }

    t.testAsync("no one left out: a card holder's case alerts the citizen, a proxy person's alert reaches the family") {
        try await noOneLeftOutScenario()
    }

    t.testAsync("a shop registers itself from the phone: kept in myVenues, its poster, its desk, a citizen checks in, a staff phone enrols") {
        try await ownVenueScenario()
    }

    t.testAsync("an inspector enrols with the authority's code, downloads the ward list, checks a poster offline and records an inspection that syncs") {
        try await inspectionScenario()
    }
}

/// Runs the `vaora` CLI (the test server's authority); returns its output lines.
func vaora(_ args: [String]) throws -> [String] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try env("VAORA_BIN"))
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    try check(p.terminationStatus == 0, "vaora \(args.joined(separator: " ")): \(out)")
    return out.split(separator: "\n").map(String.init)
}

final class AlertBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [ExposureAlert] = []
    func add(_ a: [ExposureAlert]) { lock.lock(); items += a; lock.unlock() }
    var all: [ExposureAlert] { lock.lock(); defer { lock.unlock() }; return items }
}

/// The test server, its authority's directory and root key set, and a venue it registered
/// (`vaora authority venue`): its signed code.
func testServerVenue(_ name: String, category: String) throws -> (server: String, authority: String, rootKeySet: String, code: String) {
    let server = try env("VAORA_SERVER_URL")
    let authority = try env("VAORA_TEST_DIR") + "/server/authority"
    let rootKeySet = try String(contentsOfFile: authority + "/keyset.json", encoding: .utf8)
    guard let code = try vaora(["authority", "venue", "--server", server, "--authority", authority,
                                "--name", name, "--category", category]).last else {
        throw AssertionFailed(description: "no venue code")
    }
    return (server, authority, rootKeySet, code)
}

func alertScenario() async throws {
    let (server, authority, rootKeySet, code) = try testServerVenue("Bún chả Hương Liên", category: "restaurant-shop")
    let now = Date()
    let dir = try freshDir("alerts-swift")
    func visit(_ path: String, pad: UInt8, from: Double, to: Double) async throws -> String {
        let d = try await VaoraDiary.open(path: path, keyStore: XorKeyStore(pad: pad))
        try await d.installRootKeySet(rootKeySet)
        guard case let .checkedIn(_, checkins) = try await d.checkInAtVenue(code), let c = checkins.first else {
            throw AssertionFailed(description: "not checked in")
        }
        _ = try await d.editTimes(c.id, checkedInAt: now.addingTimeInterval(-from), checkedOutAt: now.addingTimeInterval(-to))
        let device = try await d.registerDevice(server: server)
        _ = try await d.sync()
        await d.close()
        return device
    }
    let deviceA = try await visit(dir + "/a.db", pad: 0x71, from: 7200, to: 3600)
    let pathB = dir + "/b.db"
    _ = try await visit(pathB, pad: 0x72, from: 5400, to: 1800)
    let iso = ISO8601DateFormatter()
    guard let caseId = try vaora(["authority", "case", "--server", server, "--authority", authority, "--device", deviceA,
                                  "--from", iso.string(from: now.addingTimeInterval(-3 * 3600)), "--to", iso.string(from: now)]).last else {
        throw AssertionFailed(description: "no case id")
    }
    _ = try vaora(["authority", "publish", "--server", server, "--authority", authority, "--case", caseId])

    let handed = AlertBox()
    let run = BackgroundSync(openDiary: { try await VaoraDiary.open(path: pathB, keyStore: XorKeyStore(pad: 0x72)) },
                             onNewAlerts: { handed.add($0) })
    guard case .done = await run.run() else { throw AssertionFailed(description: "first run failed") }
    try checkEq(1, handed.all.count, "alerts handed to the app")
    try checkEq("Bún chả Hương Liên", handed.all.first?.venueName, "alert venue")
    guard case let .done(second) = await run.run() else { throw AssertionFailed(description: "second run failed") }
    try check(second.newAlerts.isEmpty, "an alert is handed over once")
    try checkEq(1, handed.all.count, "nothing more handed")
    let b = try await VaoraDiary.open(path: pathB, keyStore: XorKeyStore(pad: 0x72))
    try checkEq(handed.all, try await b.alerts(), "stored alerts, listed when the app opens")
    try check(try await b.alerts().allSatisfy { !$0.seen }, "a new alert is not seen yet")
    try checkEq(1, try await b.markAlertsSeen(handed.all), "alerts marked seen")
    try check(try await b.alerts().allSatisfy { $0.seen }, "alerts() lists them as seen")
    try checkEq(0, try await b.markAlertsSeen(handed.all), "seen once")
    await b.close()
    let offline = BackgroundSync(openDiary: { try await VaoraDiary.open(path: pathB, keyStore: XorKeyStore(pad: 0x72)) },
                                 onNewAlerts: { handed.add($0) }, transport: DownTransport())
    guard case let .retryLater(error) = await offline.run() else { throw AssertionFailed(description: "offline is not retryLater") }
    try checkEq(ErrorCode.offline, error.code, "offline")
}

/// Issue 17 through the SDK and the test server: the market's staff phone records a CCCD
/// holder (his number sealed to the server's authority) and a grandmother's proxy code; a
/// case opened by his card number alerts the citizen who was there with him, and the alert
/// for the grandmother reaches the family phone that declared for her.
func noOneLeftOutScenario() async throws {
    let (server, authority, rootKeySet, code) = try testServerVenue("Chợ Bến Thành", category: "market")
    let cards = try loadVectors("id-cards.json")
    guard let holder = objects(cards["cccd"]).first(where: { $0["name"] as? String == "7 fields, address with commas" })?["text"] as? String,
          let number = holder.split(separator: "|").first.map(String.init) else {
        throw AssertionFailed(description: "no card vector")
    }
    let now = Date()
    let dir = try freshDir("no-one-left-out-swift")
    let family = try await VaoraDiary.open(path: dir + "/family.db", keyStore: XorKeyStore(pad: 0x51))
    let staff = try await VaoraDiary.open(path: dir + "/staff.db", keyStore: XorKeyStore(pad: 0x52))
    let citizen = try await VaoraDiary.open(path: dir + "/citizen.db", keyStore: XorKeyStore(pad: 0x53))
    for d in [family, staff, citizen] {
        try await d.installRootKeySet(rootKeySet)
        _ = try await d.registerDevice(server: server)
    }
    let grandma = try await family.addMember("Bà Tư", relation: "grandmother", birthYear: 1945)
    let grandmaCode = try await family.declare(allClear, for: grandma.id).personalCode
    _ = try await family.sync()
    guard case .checkedIn = try await citizen.checkInAtVenue(code) else {
        throw AssertionFailed(description: "citizen not checked in")
    }
    _ = try await citizen.sync()
    let desk = try await staff.openStaffDesk(code)
    for text in [holder, grandmaCode] {
        guard let answer = try await desk.scan(text), case .accepted = answer.verdict else {
            throw AssertionFailed(description: "desk did not accept \(text.prefix(12))")
        }
    }
    try checkEq(2, try await staff.sync().uploaded, "the staff phone uploads both visits")
    let iso = ISO8601DateFormatter()
    let caseLines = try vaora(["authority", "case", "--server", server, "--authority", authority, "--card", number,
                               "--from", iso.string(from: now.addingTimeInterval(-3600)),
                               "--to", iso.string(from: now.addingTimeInterval(3600))])
    try checkEq("case check-ins 1", caseLines.first, "the card holder's visit")
    guard let caseId = caseLines.last else { throw AssertionFailed(description: "no case id") }
    _ = try vaora(["authority", "publish", "--server", server, "--authority", authority, "--case", caseId])
    let citizenAlerts = try await citizen.sync().newAlerts
    try checkEq(1, citizenAlerts.count, "the citizen's alert")
    try checkEq("Chợ Bến Thành", citizenAlerts.first?.venueName, "alert venue")
    let familyAlerts = try await family.sync().newAlerts
    try check(familyAlerts.contains { $0.personId == grandma.id && $0.personName == "Bà Tư" },
              "the grandmother's alert on the family phone: \(familyAlerts)")
    for d in [family, staff, citizen] { await d.close() }
}

/// Issue 19 through the SDK and the test server: a shop's owner registers the shop from
/// the phone; it is kept in myVenues (with the management secret) across reopening, its
/// poster draws, the staff desk opens from its code and a citizen who trusts the server's
/// key checks in there; a bad phone number is refused with the server's reason and nothing
/// is kept.
func ownVenueScenario() async throws {
    let server = try env("VAORA_SERVER_URL")
    let rootKeySet = try String(contentsOfFile: try env("VAORA_TEST_DIR") + "/server/authority/keyset.json", encoding: .utf8)
    let dir = try freshDir("own-venue-swift")
    let form = OwnVenueForm(name: "Tiệm sửa xe Chú Ba", address: "3 Lý Thái Tổ", ward: "Phường Tràng Tiền",
                            category: .restaurantOrShop, stayMinutes: 30, contact: "0912 000 444")
    let owner = try await VaoraDiary.open(path: dir + "/owner.db", keyStore: XorKeyStore(pad: 0x61))
    var bad = form
    bad.contact = "không có số"
    do {
        _ = try await owner.registerOwnVenue(server: server, form: bad)
        throw AssertionFailed(description: "a bad phone number was accepted")
    } catch let e as VaoraError {
        try check(e.code == .serverRefused || e.reason.contains("phone"), "bad phone: \(e)")
    }
    try checkEq(0, try await owner.myVenues().count, "nothing kept after a refusal")
    let shop = try await owner.registerOwnVenue(server: server, form: form)
    try checkEq(32, shop.manageSecret.count, "management secret")
    try checkEq("Tiệm sửa xe Chú Ba", shop.name, "name")
    try check(try venuePosterSvg(codeText: shop.codeText).hasPrefix("<svg"), "poster")
    try await owner.installRootKeySet(rootKeySet)
    let desk = try await owner.openStaffDesk(shop.codeText)
    try checkEq("Tiệm sửa xe Chú Ba", try await desk.venue().name, "desk venue")
    await owner.close()
    let again = try await VaoraDiary.open(path: dir + "/owner.db", keyStore: XorKeyStore(pad: 0x61))
    try checkEq([shop], try await again.myVenues(), "kept across reopening")
    await again.close()
    let citizen = try await VaoraDiary.open(path: dir + "/citizen.db", keyStore: XorKeyStore(pad: 0x62))
    try await citizen.installRootKeySet(rootKeySet)
    guard case .checkedIn = try await citizen.checkInAtVenue(shop.codeText) else {
        throw AssertionFailed(description: "citizen not checked in")
    }
    await citizen.close()
    // The owner enrols a staff phone: a code, redeemed once by a registered phone.
    let owner2 = try await VaoraDiary.open(path: dir + "/owner.db", keyStore: XorKeyStore(pad: 0x61))
    let code = try await owner2.staffEnrolmentCode(venueId: shop.venueId)
    await owner2.close()
    try check(code.code.hasPrefix("VE1:"), "enrolment code")
    let staff = try await VaoraDiary.open(path: dir + "/staff.db", keyStore: XorKeyStore(pad: 0x63))
    _ = try await staff.registerDevice(server: server)
    let enrolled = try await staff.enrolAsStaff(code: code.code)
    try checkEq(shop.venueId, enrolled.venueId, "enrolled venue")
    do {
        _ = try await staff.enrolAsStaff(code: code.code)
        throw AssertionFailed(description: "a used code enrolled again")
    } catch let e as VaoraError {
        try checkEq(ErrorCode.serverRefused, e.code, "used code")
    }
    await staff.close()
}

/// Issue 19, field inspection, through the SDK and the test server: a shop registers itself
/// in a ward; an inspector's phone checks its poster offline (genuine, place not checked),
/// is refused the ward list until it redeems the authority's single-use inspector code (once
/// only), then finds the shop due on the ward list, checks the poster against it
/// (registered, in that ward) and records an inspection that the next sync uploads.
func inspectionScenario() async throws {
    let server = try env("VAORA_SERVER_URL")
    let rootKeySet = try String(contentsOfFile: try env("VAORA_TEST_DIR") + "/server/authority/keyset.json", encoding: .utf8)
    let inspectorCode = try env("VAORA_INSPECTOR_CODE")
    let ward = "Phường Cửa Nam"
    let dir = try freshDir("inspection-swift")
    let form = OwnVenueForm(name: "Tiệm bánh mì Chị Mai", address: "8 Cửa Nam", ward: ward,
                            category: .restaurantOrShop, stayMinutes: 20, contact: "0912 000 888")
    let owner = try await VaoraDiary.open(path: dir + "/owner.db", keyStore: XorKeyStore(pad: 0x64))
    let shop = try await owner.registerOwnVenue(server: server, form: form)
    await owner.close()

    let inspector = try await VaoraDiary.open(path: dir + "/inspector.db", keyStore: XorKeyStore(pad: 0x65))
    _ = try await inspector.registerDevice(server: server)
    try await inspector.installRootKeySet(rootKeySet)
    let before = try await inspector.checkPoster(shop.codeText)
    try checkEq(shop.venueId, before.venueId, "checked venue")
    try checkEq("Tiệm bánh mì Chị Mai", before.venueName, "checked venue name")
    try checkEq(CodeFinding.genuine, before.code, "code before the list")
    try checkEq(PlaceFinding.notChecked, before.place, "place before the list")
    try checkEq(nil, before.ward, "no ward before the list")

    let notYet = try await expectThrowsAsync { _ = try await inspector.downloadWorkList(ward: ward) }
    guard case .Network = notYet else { throw AssertionFailed(description: "work list before enrolling: \(notYet)") }
    try checkEq(ErrorCode.serverRefused, notYet.code, "work list before enrolling")
    try check(notYet.reason.contains("not a certified inspector"), "work list before enrolling: \(notYet.reason)")

    try await inspector.enrolAsInspector(code: inspectorCode)
    let again = try await expectThrowsAsync { try await inspector.enrolAsInspector(code: inspectorCode) }
    guard case .Network = again else { throw AssertionFailed(description: "used code: \(again)") }
    try checkEq(ErrorCode.serverRefused, again.code, "used code")

    let list = try await inspector.downloadWorkList(ward: ward, days: 14)
    guard let entry = list.first(where: { $0.venueId == shop.venueId }) else {
        throw AssertionFailed(description: "not on the list: \(list)")
    }
    try checkEq(ward, entry.ward, "entry ward")
    try checkEq("Tiệm bánh mì Chị Mai", entry.name, "entry name")
    try checkEq(true, entry.due, "never inspected: due")
    try checkEq(nil, entry.lastVerdict, "no verdict yet")
    try checkEq(list, try await inspector.workList(), "the list is kept")

    let after = try await inspector.checkPoster(shop.codeText)
    try checkEq(CodeFinding.genuine, after.code, "code with the list")
    try checkEq(PlaceFinding.registered, after.place, "place with the list")
    try checkEq(ward, after.ward, "ward with the list")

    let bad = try await expectThrowsAsync { _ = try await inspector.checkPoster("not a venue code") }
    guard case .Input = bad else { throw AssertionFailed(description: "not a venue code: \(bad)") }
    try checkEq(ErrorCode.invalidInput, bad.code, "not a venue code")

    let inspection = try await inspector.recordInspection(shop.codeText, form: InspectionForm(
        posterDisplayed: true, visitorsScanning: false, staffDeskInUse: nil, note: "Áp phích bị che"))
    try checkEq(InspectionVerdict.nonCompliant, inspection.verdict, "verdict")
    try checkEq(shop.venueId, inspection.venueId, "inspected venue")
    try checkEq(32, inspection.id.count, "inspection id")
    try checkEq([inspection], try await inspector.inspections(), "inspections")

    let summary = try await inspector.sync()
    try check(summary.uploaded >= 1 && summary.rejected == 0, "sync: \(summary)")
    let counts = try await inspector.outboxCounts()
    try check(counts.pending == 0 && counts.rejected == 0, "outbox after sync: \(counts)")
    await inspector.close()
}
