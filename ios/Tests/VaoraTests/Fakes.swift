// Test doubles for the foreign traits.
import Foundation
import VaoraFFI

/// Seals by XOR with a per-instance pad behind a 4-byte tag (see the Kotlin twin).
final class XorKeyStore: KeyStore, @unchecked Sendable {
    private let pad: UInt8
    private let lock = NSLock()
    private(set) var seals = 0
    private(set) var lastRawKey: [UInt8] = []
    static let tag: [UInt8] = [0x53, 0x45, 0x41, 0x4C]

    init(pad: UInt8) { self.pad = pad }

    func seal(key: Data) throws -> Data {
        lock.lock(); defer { lock.unlock() }
        seals += 1
        lastRawKey = [UInt8](key)
        return Data(XorKeyStore.tag + key.map { $0 ^ pad })
    }

    func unseal(sealed: Data) throws -> Data {
        let bytes = [UInt8](sealed)
        guard bytes.count >= 4, Array(bytes[0..<4]) == XorKeyStore.tag else {
            throw KeyStoreError.Unavailable(reason: "not sealed by this store")
        }
        return Data(bytes[4...].map { $0 ^ pad })
    }
}

final class LostKeyStore: KeyStore, @unchecked Sendable {
    func seal(key: Data) throws -> Data { throw KeyStoreError.KeyLost(reason: "wrapping key invalidated") }
    func unseal(sealed: Data) throws -> Data { throw KeyStoreError.KeyLost(reason: "wrapping key invalidated") }
}

final class ShortKeyStore: KeyStore, @unchecked Sendable {
    func seal(key: Data) throws -> Data { key }
    func unseal(sealed: Data) throws -> Data { sealed.prefix(31) }
}

final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
