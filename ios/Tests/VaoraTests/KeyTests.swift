// Opening the diary through the KeyStore foreign trait, errors with codes, logging, panics.
import Foundation
import Vaora
import VaoraFFI

func keyTests() {
    let t = Harness.shared

    t.test("version is the crate version") {
        try check(vaoraVersion().split(separator: ".").count >= 3, "version \(vaoraVersion())")
    }

    t.test("key store round trip: create, seal, reopen with the same identity") {
        let path = try freshDir("roundtrip") + "/diary.db"
        let store = XorKeyStore(pad: 0x5A)
        let first = try Vaora.open(path: path, keyStore: store, options: DiaryOptions()).devicePublicKey()
        try checkEq(32, first.count, "public key length")
        try checkEq(1, store.seals, "seal calls")
        let sealed = try readFile(path + ".sealed-key")
        try checkEq(32, store.lastRawKey.count, "raw key length")
        try check(!contains(sealed, store.lastRawKey), "raw key found in the sealed file")
        try check(!contains(try readFile(path), store.lastRawKey), "raw key found in the diary file")
        let again = try Vaora.open(path: path, keyStore: store, options: DiaryOptions()).devicePublicKey()
        try checkEq(first, again, "device key after reopen")
        try checkEq(1, store.seals, "a reopen must not seal a new key")
    }

    t.testAsync("async layer opens the diary off the caller's actor") {
        let path = try freshDir("async") + "/diary.db"
        let diary = try await VaoraDiary.open(path: path, keyStore: XorKeyStore(pad: 0x11))
        let key = try await diary.devicePublicKey()
        try checkEq(32, key.count, "public key length")
    }

    t.test("wrong key: VaoraError.Key with code wrongKey, file unchanged") {
        let path = try freshDir("wrongkey") + "/diary.db"
        _ = try Vaora.open(path: path, keyStore: XorKeyStore(pad: 1), options: DiaryOptions())
        let before = try readFile(path)
        let error = try expectThrows(VaoraError.self) {
            _ = try Vaora.open(path: path, keyStore: XorKeyStore(pad: 2), options: DiaryOptions())
        }
        guard case .Key = error else { throw AssertionFailed(description: "not a Key error: \(error)") }
        try checkEq(ErrorCode.wrongKey, error.code, "code")
        try checkEq(101, errorCodeNumber(code: error.code), "code number")
        try checkEq(before, try readFile(path), "diary bytes")
    }

    t.test("key lost: VaoraError.Key with code keyLost") {
        let path = try freshDir("keylost") + "/diary.db"
        _ = try Vaora.open(path: path, keyStore: XorKeyStore(pad: 3), options: DiaryOptions())
        let error = try expectThrows(VaoraError.self) {
            _ = try Vaora.open(path: path, keyStore: LostKeyStore(), options: DiaryOptions())
        }
        try checkEq(ErrorCode.keyLost, error.code, "code")
    }

    t.test("a key store that unseals the wrong length: keyStoreFailed, no diary made") {
        let path = try freshDir("shortkey") + "/diary.db"
        let error = try expectThrows(VaoraError.self) {
            _ = try Vaora.open(path: path, keyStore: ShortKeyStore(), options: DiaryOptions())
        }
        try checkEq(ErrorCode.keyStoreFailed, error.code, "code")
        try check(!FileManager.default.fileExists(atPath: path), "a diary was created")
    }

    t.test("logs reach the foreign logger; a panic is contained, coded and logged") {
        let lines = LineCollector()
        VaoraLog.install(level: .debug) { level, target, line in lines.add("\(level) \(target) \(line)") }
        defer { VaoraLog.uninstall() }
        let path = try freshDir("logging") + "/d.db"
        _ = try Vaora.open(path: path, keyStore: XorKeyStore(pad: 7), options: DiaryOptions())
        try check(lines.all.contains { $0.contains("diary opened") }, "no open line in \(lines.all)")
        let error = try expectThrows(VaoraError.self) { try testHookPanic() }
        try checkEq(ErrorCode.internal, error.code, "code")
        try check(lines.all.contains { $0.hasPrefix("error") && $0.contains("contained a panic") },
                  "panic not logged: \(lines.all)")
        _ = try Vaora.open(path: path, keyStore: XorKeyStore(pad: 7), options: DiaryOptions())
    }
}
