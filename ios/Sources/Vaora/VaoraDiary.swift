// The idiomatic entry point: an open diary whose every call is `async` and runs off the
// caller's actor (SQLCipher, signing, the key store and sync's engine all block), so code
// on the main actor uses plain `try await` and never blocks the UI. Builds on Linux.
@_exported import VaoraFFI
import Foundation

/// An open, encrypted diary: the household, check-ins, declarations, trust, sync and alerts.
///
/// Every method is `async` and runs on a detached task, sync included: call it from the
/// main actor. Open one per process and keep it; `close()` releases the database (later
/// calls throw `VaoraError.Storage` with code `.closed`). Ids are 32 lowercase hex digits,
/// instants are `Date`. Errors are `VaoraError`s with a stable `code`; a refused health
/// answer is `VaoraError.InvalidAnswer`, which names the field and the problem.
public final class VaoraDiary: @unchecked Sendable {
    private let raw: Vaora
    private let state = DiaryState()

    private init(raw: Vaora) {
        self.raw = raw
        raw.setChangeObserver(observer: state)
    }

    /// Opens (or creates) the diary at `path`; the key is made by Rust and sealed by
    /// `keyStore` (iOS: `KeychainKeyStore`). `options` defaults: the device's own UTC offset,
    /// 21 days of retention, an owner named "Tôi" ("me": pass `ownerName` for a new diary,
    /// or `renamePerson` the owner later). Throws `VaoraError.Key` with `.keyLost` when the
    /// key cannot be unsealed any more: offer `recoverAfterKeyLoss`.
    public static func open(path: String, keyStore: KeyStore,
                            options: DiaryOptions = DiaryOptions()) async throws -> VaoraDiary {
        let options = withDeviceOffset(options)
        return try await offActor { VaoraDiary(raw: try Vaora.open(path: path, keyStore: keyStore, options: options)) }
    }

    /// After `.keyLost`: moves the unreadable diary aside (kept: `movedAsideTo`) and starts
    /// a fresh one with a new sealed key.
    public static func recoverAfterKeyLoss(path: String, keyStore: KeyStore,
                                           options: DiaryOptions = DiaryOptions()) async throws -> VaoraDiary {
        let options = withDeviceOffset(options)
        return try await offActor {
            VaoraDiary(raw: try Vaora.recoverAfterKeyLoss(path: path, keyStore: keyStore, options: options))
        }
    }

    /// This device's offset from UTC now, in seconds (what `open` uses by default).
    public static var deviceUtcOffsetSeconds: Int32 { Int32(TimeZone.current.secondsFromGMT()) }

    /// The owner's name in a new diary when `DiaryOptions.ownerName` is not given: "Tôi".
    public static var defaultOwnerName: String { VaoraFFI.defaultOwnerName() }

    private static func withDeviceOffset(_ options: DiaryOptions) -> DiaryOptions {
        var o = options
        if o.utcOffsetSeconds == nil { o.utcOffsetSeconds = deviceUtcOffsetSeconds }
        return o
    }

    /// Runs `body` against the generated object off the caller's actor; `.closed` once closed.
    private func call<T: Sendable>(_ body: @escaping @Sendable (Vaora) throws -> T) async throws -> T {
        try state.checkOpen()
        let raw = self.raw
        let state = self.state
        return try await offActor {
            try state.checkOpen()
            return try body(raw)
        }
    }

    /// The generated object for the scanning extension (`.closed` once closed).
    func rawForScanning() throws -> Vaora {
        try state.checkOpen()
        return raw
    }

    // MARK: the diary itself

    /// Where `recoverAfterKeyLoss` moved the unreadable diary (nil otherwise).
    public var movedAsideTo: String? { raw.movedAsideTo() }
    /// The UTC offset (seconds) local days are reckoned with.
    public var utcOffsetSeconds: Int32 { raw.utcOffsetSeconds() }

    public func devicePublicKey() async throws -> [UInt8] { try await call { [UInt8](try $0.devicePublicKey()) } }
    /// Folds the write-ahead log into the diary file: call it from `sceneDidEnterBackground`.
    public func checkpoint() async throws -> Int32 { try await call { try $0.checkpoint() } }

    /// Releases the database (off the caller's actor); later calls throw `.closed`.
    public func close() async {
        guard state.markClosed() else { return }
        let raw = self.raw
        _ = try? await offActor {
            raw.setChangeObserver(observer: nil)
            try raw.closeDiary()
        }
        state.finish()
    }

    // MARK: household

    /// The device owner (always there; named "Tôi" unless renamed).
    public func owner() async throws -> PersonInfo { try await call { try $0.owner() } }
    /// The owner first, then members in the order they were added.
    public func people() async throws -> [PersonInfo] { try await call { try $0.listPeople() } }
    /// Adds someone without a phone (a parent, a child) to check in and declare for.
    public func addMember(_ displayName: String, relation: String? = nil, birthYear: Int32? = nil) async throws -> PersonInfo {
        try await call { try $0.addMember(member: NewMember(displayName: displayName, relation: relation, birthYear: birthYear)) }
    }
    /// Adds the holder of a scanned CCCD or BHYT card (its decoded text) as a household
    /// member: name and birth year from the card; only a keyed hash of the number is kept.
    /// An invalid card throws `VaoraError.Input` (`.invalidInput`) and stores nothing.
    public func addMemberFromCard(_ cardText: String, relation: String? = nil) async throws -> PersonInfo {
        try await call { try $0.addMemberFromCard(cardText: cardText, relation: relation) }
    }
    /// Renames anyone, the owner included.
    public func renamePerson(_ personId: String, to newName: String) async throws {
        try await call { try $0.renamePerson(personId: personId, newName: newName) }
    }
    /// Removes a member (not the owner).
    public func removePerson(_ personId: String) async throws {
        try await call { try $0.removePerson(personId: personId) }
    }

    // MARK: check-ins

    /// Verifies a scanned venue code and checks `people` in (empty: the owner): `.checkedIn`,
    /// `.needsConfirmation` (ask, then call again with `acceptUnverified: true`) or
    /// `.refused`; nothing is written unless checked in.
    public func checkInAtVenue(_ codeText: String, people: [String] = [], acceptUnverified: Bool = false) async throws -> VenueCheckIn {
        try await call { try $0.checkInAtVenue(text: codeText, people: people, acceptUnverified: acceptUnverified) }
    }
    /// Checks in by hand (no code): one check-in per person.
    public func checkInManually(_ request: ManualCheckIn) async throws -> [CheckInInfo] {
        try await call { try $0.checkInManual(request: request) }
    }
    /// Checks out one check-in at `at` (nil: now); returns the ids closed.
    public func checkOut(_ checkinId: String, at: Date? = nil) async throws -> [String] {
        try await call { try $0.checkOut(checkinId: checkinId, at: at) }
    }
    /// Checks out everyone still checked in.
    public func checkOutAll(at: Date? = nil) async throws -> [String] {
        try await call { try $0.checkOut(checkinId: nil, at: at) }
    }
    /// Corrects a check-in's times.
    public func editTimes(_ checkinId: String, checkedInAt: Date, checkedOutAt: Date?) async throws -> CheckInInfo {
        try await call { try $0.editTimes(checkinId: checkinId, checkedInAt: checkedInAt, checkedOutAt: checkedOutAt) }
    }
    /// One check-in; `.notFound` when there is none.
    public func checkin(_ checkinId: String) async throws -> CheckInInfo { try await call { try $0.checkin(checkinId: checkinId) } }
    /// A page of check-ins, newest first (everyone's, or `personId`'s); `after`: nil for the
    /// first page, else the previous page's `next`. `limit`: 1...500.
    public func checkinPage(personId: String? = nil, after: String? = nil, limit: Int32 = 50) async throws -> CheckInPage {
        try await call { try $0.checkinPage(personId: personId, after: after, limit: limit) }
    }
    /// Check-ins still open, oldest first.
    public func openCheckins() async throws -> [CheckInInfo] { try await call { try $0.openCheckins() } }

    // MARK: declarations and personal codes

    /// A health declaration for the owner, or (with `personId`) a proxy declaration for a
    /// member, with its signed personal code.
    public func declare(_ answers: HealthAnswers, for personId: String? = nil) async throws -> DeclarationInfo {
        try await call { try $0.declare(personId: personId, answers: answers) }
    }
    /// The newest declaration about the owner or `personId`, or nil.
    public func latestDeclaration(for personId: String? = nil) async throws -> DeclarationInfo? {
        try await call { try $0.latestDeclaration(personId: personId) }
    }
    /// Checks a scanned personal code offline.
    public func verifyPersonalCode(_ text: String) async throws -> PersonalCodeCheck {
        try await call { try $0.verifyPersonalCode(text: text) }
    }

    // MARK: venue codes and trust

    /// Trusts the health authority's root key set, the `keyset.json` an app ships in its
    /// bundle: its signer becomes a trusted root, so key sets from sync are accepted only
    /// when it signed them. Call it after every `open` (applying it again changes nothing).
    /// Never pass a set from the network or a scanned code: use `applyKeySet`.
    @discardableResult
    public func installRootKeySet(_ json: String) async throws -> Int32 {
        try await call { try $0.applyKeyset(json: json, trust: .pinAsRoot) }
    }
    /// Applies a key set signed by a root already trusted (`.codeRefused` otherwise).
    @discardableResult
    public func applyKeySet(_ json: String) async throws -> Int32 {
        try await call { try $0.applyKeyset(json: json, trust: .knownRoot) }
    }
    /// Verifies a venue-code text now; writes nothing.
    public func verifyVenueCode(_ text: String) async throws -> ScannedVenueCode {
        try await call { try $0.verifyVenueCode(text: text) }
    }
    /// What a decoded text is.
    public func classify(_ text: String) async throws -> ClassifiedCode { try await call { try $0.classifyText(text: text) } }

    // MARK: sync and alerts

    /// Registers this device with `server` (once, before the first sync); returns its id.
    public func registerDevice(server: String,
                               transport: HttpTransport = URLSessionTransport.shared) async throws -> String {
        try state.checkOpen()
        let raw = self.raw
        // A detached task polls the Rust future: never the caller's actor.
        return try await Task.detached(priority: .utility) {
            try await raw.registerDevice(transport: transport, server: server)
        }.value
    }

    /// Uploads the outbox, downloads exposure windows and matches them, off the caller's
    /// actor (`onProgress` is called there too). Cancelling the calling Task stops it at the
    /// next step or network wait (`VaoraError.Cancelled`) with nothing lost (linked to a
    /// `SyncCancel`: uniffi's Swift does not pass Task cancellation to Rust by itself).
    /// `server`: nil = the registered one.
    public func sync(server: String? = nil,
                     onProgress: (@Sendable (SyncStep) -> Void)? = nil,
                     transport: HttpTransport = URLSessionTransport.shared) async throws -> SyncSummary {
        try state.checkOpen()
        let raw = self.raw
        let cancel = SyncCancel()
        let listener = onProgress.map { ClosureSyncListener($0) }
        return try await withTaskCancellationHandler {
            try await Task.detached(priority: .utility) {
                try await raw.sync(transport: transport, server: server, listener: listener, cancel: cancel)
            }.value
        } onCancel: {
            cancel.cancel()
        }
    }

    // MARK: the staff desk

    /// Opens a staff desk at the venue of `venueCode` (the poster's decoded text), which
    /// must verify against the trust store: unknown, expired or revoked venues throw
    /// `VaoraError.Input` with `.codeRefused`. See `VaoraStaffDesk`.
    public func openStaffDesk(_ venueCode: String, settings: DeskSettings = DeskSettings()) async throws -> VaoraStaffDesk {
        let state = self.state
        let desk = try await call { try $0.openStaffDesk(venueCode: venueCode, settings: settings) }
        return VaoraStaffDesk(raw: desk, checkOpen: { try state.checkOpen() })
    }

    /// Records waiting for sync, sent, and refused.
    public func outboxCounts() async throws -> OutboxCounts { try await call { try $0.outboxCounts() } }
    /// Every stored exposure alert, newest first (background syncs store them too).
    public func alerts() async throws -> [ExposureAlert] { try await call { try $0.alerts() } }

    /// Marks alerts seen (as `alerts()` or a sync handed them over), so `alerts()` lists them
    /// with `seen == true`; returns how many were not seen before.
    @discardableResult
    public func markAlertsSeen(_ alerts: [ExposureAlert]) async throws -> Int64 {
        try await call { try $0.markAlertsSeen(alerts: alerts) }
    }

    // MARK: venues the owner registers

    /// Registers the owner's venue on `server` (no authority credential) and keeps it in
    /// `myVenues()` with its signed code and management secret (show the secret to the
    /// owner once; never log it), off the caller's actor. Refusals throw
    /// `VaoraError.Network` with the server's reason. Open the staff desk for it with
    /// `MyVenue.codeText`.
    public func registerOwnVenue(server: String, form: OwnVenueForm,
                                 transport: HttpTransport = URLSessionTransport.shared) async throws -> MyVenue {
        try state.checkOpen()
        let raw = self.raw
        return try await Task.detached(priority: .utility) {
            try await raw.registerOwnVenue(transport: transport, server: server, form: form)
        }.value
    }

    /// The venues this phone's owner registered, newest first.
    public func myVenues() async throws -> [MyVenue] { try await call { try $0.myVenues() } }

    /// Forgets a venue on this phone (it stays registered on the server).
    @discardableResult
    public func removeMyVenue(_ venueId: String) async throws -> Bool {
        try await call { try $0.removeMyVenue(venueId: venueId) }
    }

    /// The owner's side: a single-use code (valid 10 minutes) that enrols a staff phone at
    /// one of `myVenues()`; show it as a QR. Off the caller's actor.
    public func staffEnrolmentCode(venueId: String,
                                   transport: HttpTransport = URLSessionTransport.shared) async throws -> StaffEnrolmentCode {
        try state.checkOpen()
        let raw = self.raw
        return try await Task.detached(priority: .utility) {
            try await raw.staffEnrolmentCode(transport: transport, venueId: venueId)
        }.value
    }

    /// The staff phone's side (after `registerDevice`): redeems the owner's code; this device
    /// is then the venue's staff. Off the caller's actor.
    public func enrolAsStaff(code: String,
                             transport: HttpTransport = URLSessionTransport.shared) async throws -> StaffEnrolment {
        try state.checkOpen()
        let raw = self.raw
        return try await Task.detached(priority: .utility) {
            try await raw.enrolAsStaff(transport: transport, code: code)
        }.value
    }

    // MARK: field inspection

    /// Checks a scanned poster now, offline: its code against the trust store (`code`) and
    /// its venue against the downloaded ward list (`place`: `.notChecked` before
    /// `downloadWorkList`). Writes nothing. A text that is not a venue code throws
    /// `VaoraError.Input` (`.invalidInput`).
    public func checkPoster(_ codeText: String) async throws -> PosterCheck {
        try await call { try $0.checkPoster(codeText: codeText) }
    }

    /// Checks the poster of `codeText` and records what the inspector found as a signed
    /// inspection, queued for the next sync (the server keeps it only from a certified
    /// inspector: `enrolAsInspector`). Returns it with its verdict. Off the caller's actor.
    public func recordInspection(_ codeText: String, form: InspectionForm) async throws -> Inspection {
        try await call { try $0.recordInspection(codeText: codeText, form: form) }
    }

    /// The inspections this phone recorded, newest first.
    public func inspections() async throws -> [Inspection] { try await call { try $0.inspections() } }

    /// The downloaded ward list (see `downloadWorkList`), venues due first.
    public func workList() async throws -> [WardVenue] { try await call { try $0.workList() } }

    /// The inspector's side (after `registerDevice`): redeems the authority's single-use
    /// inspector code (shown by the console); this device is then a certified inspector.
    /// Off the caller's actor. A used, expired or unknown code throws `VaoraError.Network`
    /// (`.serverRefused`) with the server's reason.
    public func enrolAsInspector(code: String,
                                 transport: HttpTransport = URLSessionTransport.shared) async throws {
        try state.checkOpen()
        let raw = self.raw
        try await Task.detached(priority: .utility) {
            try await raw.enrolAsInspector(transport: transport, code: code)
        }.value
    }

    /// Downloads `ward`'s venue list ("" = every ward; venues not inspected for `days` are
    /// due) and keeps it for offline `checkPoster`, replacing the previous one; returns it
    /// as `workList()` does. Off the caller's actor. A device that is not a certified
    /// inspector throws `VaoraError.Network` (`.serverRefused`).
    public func downloadWorkList(ward: String, days: Int32 = 14,
                                 transport: HttpTransport = URLSessionTransport.shared) async throws -> [WardVenue] {
        try state.checkOpen()
        let raw = self.raw
        return try await Task.detached(priority: .utility) {
            try await raw.downloadWorkList(transport: transport, ward: ward, days: days)
        }.value
    }

    // MARK: change streams

    /// Every committed change, by area, from now until the diary closes.
    public func changes() -> AsyncStream<DiaryChange> { state.stream() }

    /// `read`'s value now, then again after every change for which `touches` is true,
    /// emitted only when it differs. It listens before the first read, so no change is missed.
    public func watch<T: Equatable & Sendable>(_ touches: @escaping @Sendable (DiaryChange) -> Bool,
                                               _ read: @escaping @Sendable (VaoraDiary) async throws -> T) -> AsyncThrowingStream<T, Error> {
        let changes = self.changes()
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var last = try await read(self)
                    continuation.yield(last)
                    for await change in changes where touches(change) {
                        let value = try await read(self)
                        if value != last {
                            last = value
                            continuation.yield(value)
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The household.
    public func peopleUpdates() -> AsyncThrowingStream<[PersonInfo], Error> { watch({ $0.people }) { try await $0.people() } }
    /// The newest `limit` check-ins (everyone's, or `personId`'s); older: `checkinPage(after:)`.
    public func checkinUpdates(personId: String? = nil, limit: Int32 = 50) -> AsyncThrowingStream<CheckInPage, Error> {
        watch({ $0.checkins || $0.people }) { try await $0.checkinPage(personId: personId, limit: limit) }
    }
    /// Check-ins still open.
    public func openCheckinUpdates() -> AsyncThrowingStream<[CheckInInfo], Error> {
        watch({ $0.checkins || $0.people }) { try await $0.openCheckins() }
    }
    /// What waits for sync.
    public func outboxCountUpdates() -> AsyncThrowingStream<OutboxCounts, Error> { watch({ $0.outbox }) { try await $0.outboxCounts() } }
    /// Stored exposure alerts.
    public func alertUpdates() -> AsyncThrowingStream<[ExposureAlert], Error> { watch({ $0.alerts }) { try await $0.alerts() } }
}

/// Open/closed, and the change streams' continuations: the one `ChangeObserver` the Rust
/// diary calls (on the thread that made the change) fans out to every stream.
private final class DiaryState: ChangeObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var closed = false
    private var next = 0
    private var continuations: [Int: AsyncStream<DiaryChange>.Continuation] = [:]

    func onChange(change: DiaryChange) {
        lock.lock()
        let all = Array(continuations.values)
        lock.unlock()
        for c in all { c.yield(change) }
    }

    func stream() -> AsyncStream<DiaryChange> {
        AsyncStream(bufferingPolicy: .bufferingNewest(64)) { continuation in
            lock.lock()
            if closed {
                lock.unlock()
                continuation.finish()
                return
            }
            let id = next
            next += 1
            continuations[id] = continuation
            lock.unlock()
            continuation.onTermination = { [weak self] _ in self?.remove(id) }
        }
    }

    private func remove(_ id: Int) {
        lock.lock(); continuations[id] = nil; lock.unlock()
    }

    func checkOpen() throws {
        lock.lock(); defer { lock.unlock() }
        if closed { throw VaoraError.Storage(code: .closed, reason: "the diary is closed") }
    }

    /// True for the first caller only.
    func markClosed() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if closed { return false }
        closed = true
        return true
    }

    func finish() {
        lock.lock()
        let all = Array(continuations.values)
        continuations = [:]
        lock.unlock()
        for c in all { c.finish() }
    }
}

/// A `SyncListener` over a closure.
final class ClosureSyncListener: SyncListener, @unchecked Sendable {
    private let body: @Sendable (SyncStep) -> Void
    init(_ body: @escaping @Sendable (SyncStep) -> Void) { self.body = body }
    func onProgress(step: SyncStep) { body(step) }
}

/// Runs blocking work on a detached task so the calling actor (e.g. the main actor) stays free.
func offActor<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await Task.detached(priority: .userInitiated) { try body() }.value
}
