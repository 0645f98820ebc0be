// Async sync (Swift `async`) against a real `vaora serve` on loopback, started on the host by
// `cargo xtask swift-test` (VAORA_SERVER_URL; the chroot shares the host's loopback):
// every request through the layer's URLSessionTransport: registration, upload counts, an
// idempotent second sync, the typed offline result with the outbox kept (closed port, and a
// transport that always fails), cancellation through SyncCancel with nothing lost or
// duplicated, and the transport's own answers for a 4xx and a silent server.
import Foundation
import Vaora
import VaoraFFI

/// Records every progress step the library reports (called from a Rust worker thread).
final class StepRecorder: SyncListener, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [SyncStep] = []

    func onProgress(step: SyncStep) {
        lock.lock(); defer { lock.unlock() }
        recorded.append(step)
    }

    var steps: [SyncStep] {
        lock.lock(); defer { lock.unlock() }
        return recorded
    }

    var firstUploadPending: Int64? {
        for step in steps { if case let .uploading(_, pending) = step { return pending } }
        return nil
    }

    var retries: Int {
        steps.filter { if case .retrying = $0 { return true } else { return false } }.count
    }

    var matched: Bool {
        steps.contains { if case .matching = $0 { return true } else { return false } }
    }
}

/// A thread-safe list of strings filled by the loopback stubs' threads.
final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}

func expectThrowsAsync(_ body: () async throws -> Void) async throws -> VaoraError {
    do {
        try await body()
    } catch let error as VaoraError {
        return error
    } catch {
        throw AssertionFailed(description: "expected VaoraError, got \(error)")
    }
    throw AssertionFailed(description: "expected VaoraError, nothing was thrown")
}

/// A transport whose every request fails as a network error; its sleeps return at once.
final class DownTransport: HttpTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var sendCount = 0
    private var slept: [Int64] = []

    func send(request: HttpRequest) async throws -> HttpResponse {
        countSend()
        throw HttpError.Network(reason: "no route to host (test)")
    }

    func sleep(millis: Int64) async {
        record(millis)
    }

    // NSLock is for synchronous code only: the async methods call these.
    private func countSend() { lock.lock(); sendCount += 1; lock.unlock() }
    private func record(_ millis: Int64) { lock.lock(); slept.append(millis); lock.unlock() }

    var sends: Int { lock.lock(); defer { lock.unlock() }; return sendCount }
    var sleeps: [Int64] { lock.lock(); defer { lock.unlock() }; return slept }
}

func syncTests() {
    let t = Harness.shared
    let http = URLSessionTransport()

    /// A fresh diary with the owner and a member checked in together, then checked out.
    @Sendable func diaryWithStays(_ name: String) throws -> Vaora {
        let v = try Vaora.open(path: try freshDir(name) + "/diary.db", keyStore: XorKeyStore(pad: 0x44), options: DiaryOptions())
        let member = try v.addMember(member: NewMember(displayName: "Trần Văn Bình", relation: "son", birthYear: 2012))
        _ = try v.checkInManual(request: ManualCheckIn(venueName: "Nhà sách Phương Nam", people: [try v.owner().id, member.id],
                                                       venueAddress: "Quận 3", category: .restaurantOrShop,
                                                       at: Date().addingTimeInterval(-3600)))
        _ = try v.checkOut(checkinId: nil, at: nil)
        return v
    }

    t.testAsync("sync: register, upload every pending record; a second sync uploads nothing") {
        let server = try env("VAORA_SERVER_URL")
        let v = try diaryWithStays("sync-basic")
        let before = try v.outboxCounts()
        try check(before.pending >= 2, "two check-ins should wait in the outbox, got \(before)")
        try checkEq(0, before.synced, "synced before the first sync")
        let deviceId = try await v.registerDevice(transport: http, server: server)
        try checkEq(32, deviceId.count, "device id length")

        let steps = StepRecorder()
        let first = try await v.sync(transport: http, server: nil, listener: steps, cancel: nil)
        try checkEq(before.pending, first.uploaded, "uploaded on the first sync")
        try checkEq(0, first.duplicates, "duplicates on the first sync")
        try checkEq(0, first.rejected, "rejected on the first sync")
        try checkEq(before.pending, steps.firstUploadPending, "pending in the first progress step")
        try check(steps.matched, "no matching step in \(steps.steps)")
        let after = try v.outboxCounts()
        try checkEq(0, after.pending, "pending after sync")
        try checkEq(before.pending, after.synced, "synced after sync")

        let second = try await v.sync(transport: http, server: nil, listener: nil, cancel: nil)
        try checkEq(0, second.uploaded, "uploaded on the second sync")
        try checkEq(0, second.duplicates, "duplicates on the second sync")
    }

    t.testAsync("sync offline (closed port): offline code after retries, outbox kept, later sync completes") {
        let server = try env("VAORA_SERVER_URL")
        let v = try diaryWithStays("sync-offline")
        _ = try await v.registerDevice(transport: http, server: server)
        let pending = try v.outboxCounts().pending
        let steps = StepRecorder()
        let closed = try LoopbackStub.closedPortUrl()
        let error = try await expectThrowsAsync { _ = try await v.sync(transport: http, server: closed, listener: steps, cancel: nil) }
        guard case .Network = error else { throw AssertionFailed(description: "expected .Network, got \(error)") }
        try checkEq(ErrorCode.offline, error.code, "code")
        try check(steps.retries > 0, "no retries reported: \(steps.steps)")
        try checkEq(pending, try v.outboxCounts().pending, "pending kept while offline")
        let back = try await v.sync(transport: http, server: nil, listener: nil, cancel: nil)
        try checkEq(pending, back.uploaded, "uploaded once back online")
        try checkEq(0, back.duplicates, "duplicates once back online")
    }

    t.testAsync("a transport that always fails: retried through its sleep, then offline, outbox kept") {
        let server = try env("VAORA_SERVER_URL")
        let v = try diaryWithStays("sync-transport-down")
        _ = try await v.registerDevice(transport: http, server: server)
        let pending = try v.outboxCounts().pending
        let down = DownTransport()
        let steps = StepRecorder()
        let error = try await expectThrowsAsync { _ = try await v.sync(transport: down, server: nil, listener: steps, cancel: nil) }
        guard case let .Network(code, reason) = error else { throw AssertionFailed(description: "expected .Network, got \(error)") }
        try checkEq(ErrorCode.offline, code, "code")
        try check(reason.contains("no route to host (test)"), "reason \(reason)")
        // Six attempts (the default), five backoff waits, each reported as a step.
        try checkEq(6, down.sends, "requests tried")
        try checkEq(5, down.sleeps.count, "backoff waits asked of the transport")
        try checkEq(5, steps.retries, "Retrying steps")
        try checkEq(pending, try v.outboxCounts().pending, "pending kept")
        let back = try await v.sync(transport: http, server: nil, listener: nil, cancel: nil)
        try checkEq(pending, back.uploaded, "uploaded once the network is back")
    }

    t.testAsync("URLSessionTransport: a 4xx is an answer with its body; a silent server times out") {
        let server = try env("VAORA_SERVER_URL")
        let missing = try await http.send(request: HttpRequest(method: "GET", url: server + "/v1/no-such-route",
                                                               headers: [:], body: Data(), timeoutMs: 10_000))
        try check((400..<500).contains(Int(missing.status)), "status \(missing.status)")
        let hole = try LoopbackStub.blackhole { _ in }
        defer { hole.close() }
        do {
            _ = try await http.send(request: HttpRequest(method: "POST", url: hole.url + "/v1/records",
                                                         headers: ["Content-Type": "application/cbor"],
                                                         body: Data([1, 2, 3]), timeoutMs: 500))
            throw AssertionFailed(description: "a silent server answered")
        } catch HttpError.Network {
            // timed out, as asked
        }
    }

    t.testAsync("SyncCancel while the server holds the upload: cancelled, outbox kept, then uploaded once") {
        let server = try env("VAORA_SERVER_URL")
        let v = try diaryWithStays("sync-cancel-wait")
        _ = try await v.registerDevice(transport: http, server: server)
        let pending = try v.outboxCounts().pending
        let cancel = SyncCancel()
        let seen = Seen()
        let hole = try LoopbackStub.blackhole { request in seen.add(request.firstLine); cancel.cancel() }
        let error = try await expectThrowsAsync { _ = try await v.sync(transport: http, server: hole.url, listener: nil, cancel: cancel) }
        hole.close()
        guard case .Cancelled = error else { throw AssertionFailed(description: "expected .Cancelled, got \(error)") }
        try checkEq(ErrorCode.cancelled, error.code, "code")
        try checkEq(["POST /v1/records HTTP/1.1"], seen.all, "requests the blackhole took")
        try checkEq(pending, try v.outboxCounts().pending, "pending kept")
        let done = try await v.sync(transport: http, server: nil, listener: nil, cancel: nil)
        try checkEq(pending, done.uploaded, "uploaded after the cancelled sync")
        try checkEq(0, done.duplicates, "duplicates after the cancelled sync")
    }

    t.testAsync("SyncCancel after the server stored the upload but before the phone heard: retry reports duplicates") {
        let server = try env("VAORA_SERVER_URL")
        let v = try diaryWithStays("sync-cancel-lost-answer")
        _ = try await v.registerDevice(transport: http, server: server)
        let pending = try v.outboxCounts().pending
        let cancel = SyncCancel()
        let answers = Seen()
        let relay = try LoopbackStub.swallowingRelay(server) { answer in
            answers.add(answer?.firstLine ?? "no answer")
            cancel.cancel()
        }
        let error = try await expectThrowsAsync { _ = try await v.sync(transport: http, server: relay.url, listener: nil, cancel: cancel) }
        relay.close()
        try checkEq(ErrorCode.cancelled, error.code, "code")
        try checkEq(1, answers.all.count, "answers swallowed")
        try check(answers.all[0].hasPrefix("HTTP/1.1 200"), "the server did not accept the upload: \(answers.all[0])")
        try checkEq(pending, try v.outboxCounts().pending, "still pending on the phone")
        let retry = try await v.sync(transport: http, server: nil, listener: nil, cancel: nil)
        try checkEq(0, retry.uploaded, "uploaded again (would be a duplicate row)")
        try checkEq(pending, retry.duplicates, "recognised as already stored")
        try checkEq(0, try v.outboxCounts().pending, "pending after the retry")
        try checkEq(pending, try v.outboxCounts().synced, "synced after the retry")
    }

    t.testAsync("SyncCancel before the start: cancelled, nothing sent") {
        let server = try env("VAORA_SERVER_URL")
        let v = try diaryWithStays("sync-cancel-early")
        _ = try await v.registerDevice(transport: http, server: server)
        let pending = try v.outboxCounts().pending
        let seen = Seen()
        let hole = try LoopbackStub.blackhole { request in seen.add(request.firstLine) }
        let cancel = SyncCancel()
        cancel.cancel()
        try check(cancel.isCancelled(), "isCancelled after cancel")
        let error = try await expectThrowsAsync { _ = try await v.sync(transport: http, server: hole.url, listener: nil, cancel: cancel) }
        hole.close()
        try checkEq(ErrorCode.cancelled, error.code, "code")
        try checkEq([String](), seen.all, "requests that reached the server")
        try checkEq(pending, try v.outboxCounts().pending, "pending kept")
    }

    t.testAsync("a URL the transport cannot use: network code at once (no retries), outbox kept") {
        let server = try env("VAORA_SERVER_URL")
        let v = try diaryWithStays("sync-bad-url")
        _ = try await v.registerDevice(transport: http, server: server)
        let pending = try v.outboxCounts().pending
        let steps = StepRecorder()
        let error = try await expectThrowsAsync { _ = try await v.sync(transport: http, server: "ftp://127.0.0.1:1", listener: steps, cancel: nil) }
        try checkEq(ErrorCode.network, error.code, "code")
        try checkEq(0, steps.retries, "retries")
        try checkEq(pending, try v.outboxCounts().pending, "pending kept")
    }

    t.testAsync("cancelling the Task (async layer) stops the sync and cancels the request; a later sync uploads once") {
        let server = try env("VAORA_SERVER_URL")
        let path = try diaryWithStays("sync-cancel-task").path() // released here: one connection
        let diary = try await VaoraDiary.open(path: path, keyStore: XorKeyStore(pad: 0x44))
        _ = try await diary.registerDevice(server: server)
        let pending = try await diary.outboxCounts().pending
        let arrived = DispatchSemaphore(value: 0)
        let abandoned = DispatchSemaphore(value: 0)
        let hole = try LoopbackStub.blackholeNoticingClose({ _ in arrived.signal() }, onClosed: { abandoned.signal() })
        let url = hole.url
        let task = Task { try await diary.sync(server: url) }
        // Wait (off the cooperative pool) until the upload is held by the blackhole.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { arrived.wait(); done.resume() }
        }
        task.cancel()
        let outcome = await task.result
        // The URLSession task was cancelled: its connection closed, not left on the server.
        let closed = await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            DispatchQueue.global().async { done.resume(returning: abandoned.wait(timeout: .now() + 120) == .success) }
        }
        hole.close()
        try check(closed, "the HTTP connection stayed open after the cancel")
        guard case let .failure(error) = outcome, let vaoraError = error as? VaoraError else {
            throw AssertionFailed(description: "expected a VaoraError, got \(outcome)")
        }
        try checkEq(ErrorCode.cancelled, vaoraError.code, "code")
        try checkEq(pending, try await diary.outboxCounts().pending, "pending kept")
        let done = try await diary.sync()
        try checkEq(pending, done.uploaded, "uploaded after the cancelled task")
        try checkEq(0, done.duplicates, "duplicates after the cancelled task")
    }
}
