// The idiomatic entry point: an open diary whose blocking calls (SQLCipher, the key store)
// run off the caller's actor, so Swift code uses plain `try await`.
import VaoraFFI

public final class VaoraDiary: @unchecked Sendable {
    /// The generated object, for calls this layer does not wrap yet.
    public let raw: Vaora

    private init(raw: Vaora) {
        self.raw = raw
    }

    /// Opens (or creates) the diary at `path`; the key is made by Rust and sealed by
    /// `keyStore`. Throws `VaoraError.Key` with code `.keyLost` when it cannot be unsealed.
    public static func open(path: String, keyStore: KeyStore,
                            options: DiaryOptions = DiaryOptions()) async throws -> VaoraDiary {
        try await offActor { VaoraDiary(raw: try Vaora.open(path: path, keyStore: keyStore, options: options)) }
    }

    /// Runs `body` against the generated object off the caller's actor.
    public func call<T: Sendable>(_ body: @escaping @Sendable (Vaora) throws -> T) async throws -> T {
        let raw = self.raw
        return try await offActor { try body(raw) }
    }

    public func devicePublicKey() async throws -> [UInt8] {
        try await call { [UInt8](try $0.devicePublicKey()) }
    }

    /// Registers this device with the server at `server` (once), over `transport` (the
    /// platform's URLSession by default); returns the device id.
    public func registerDevice(server: String,
                               transport: HttpTransport = URLSessionTransport.shared) async throws -> String {
        try await raw.registerDevice(transport: transport, server: server)
    }

    /// Uploads the outbox, downloads exposure windows and matches them. Cancelling the
    /// calling Task stops the sync at its next step or network wait (`VaoraError.Cancelled`)
    /// with nothing lost: uniffi's generated Swift does not pass Task cancellation to the
    /// Rust future by itself, so this links it to a `SyncCancel` (which drops the pending
    /// HTTP call, and so cancels its URLSession task). `server`: nil = the registered one.
    public func sync(server: String? = nil, listener: SyncListener? = nil,
                     transport: HttpTransport = URLSessionTransport.shared) async throws -> SyncSummary {
        let raw = self.raw
        let cancel = SyncCancel()
        return try await withTaskCancellationHandler {
            try await raw.sync(transport: transport, server: server, listener: listener, cancel: cancel)
        } onCancel: {
            cancel.cancel()
        }
    }
}

/// Runs blocking work on a detached task so the calling actor (e.g. the main actor) stays free.
func offActor<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await Task.detached(priority: .userInitiated) { try body() }.value
}
