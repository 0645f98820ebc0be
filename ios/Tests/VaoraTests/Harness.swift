// A tiny test harness (a plain program: no XCTest needed). Each test prints PASS/FAIL; the
// run ends with "N passed, M failed" and exits non-zero on failure.
import Foundation

final class Harness: @unchecked Sendable {
    static let shared = Harness()
    private(set) var passed = 0
    private(set) var failed = 0
    private var failures: [String] = []

    func test(_ name: String, _ body: () throws -> Void) {
        do {
            try body()
            passed += 1
            print("PASS \(name)")
        } catch {
            failed += 1
            failures.append(name)
            print("FAIL \(name): \(error)")
        }
    }

    func testAsync(_ name: String, _ body: @escaping @Sendable () async throws -> Void) {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox()
        Task.detached {
            do { try await body() } catch { box.error = error }
            semaphore.signal()
        }
        semaphore.wait()
        test(name) { if let error = box.error { throw error } }
    }

    /// Runs `body` on the main actor while the main thread turns its run loop (as an app's
    /// main thread does), with a guard against hangs.
    func testOnMainActor(_ name: String, _ body: @escaping @MainActor @Sendable () async throws -> Void) {
        let box = ResultBox()
        let done = Flag()
        Task { @MainActor in
            do { try await body() } catch { box.error = error }
            done.set()
        }
        let deadline = Date(timeIntervalSinceNow: 300)
        while !done.isSet && Date() < deadline {
            _ = RunLoop.main.run(mode: .default, before: Date(timeIntervalSinceNow: 0.05))
        }
        test(name) {
            if !done.isSet { throw AssertionFailed(description: "the main-actor test did not finish") }
            if let error = box.error { throw error }
        }
    }

    func summary() -> Int32 {
        if !failures.isEmpty { print("failed: \(failures.joined(separator: ", "))") }
        print("\(passed) passed, \(failed) failed")
        return failed == 0 ? 0 : 1
    }
}

final class ResultBox: @unchecked Sendable {
    var error: Error?
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

struct AssertionFailed: Error, CustomStringConvertible {
    let description: String
}

func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw AssertionFailed(description: message()) }
}

func checkEq<T: Equatable>(_ expected: T, _ actual: T, _ what: String) throws {
    if expected != actual { throw AssertionFailed(description: "\(what): expected <\(expected)>, got <\(actual)>") }
}

/// Runs `body`, which must throw an `E`; returns it.
func expectThrows<E: Error>(_ type: E.Type, _ body: () throws -> Void) throws -> E {
    do {
        try body()
    } catch let error as E {
        return error
    } catch {
        throw AssertionFailed(description: "expected \(E.self), got \(error)")
    }
    throw AssertionFailed(description: "expected \(E.self), nothing was thrown")
}

func env(_ name: String) throws -> String {
    guard let value = ProcessInfo.processInfo.environment[name] else {
        throw AssertionFailed(description: "environment variable \(name) is not set")
    }
    return value
}

/// A fresh directory for one test under VAORA_TEST_DIR.
func freshDir(_ name: String) throws -> String {
    let base = ProcessInfo.processInfo.environment["VAORA_TEST_DIR"] ?? NSTemporaryDirectory()
    let dir = (base as NSString).appendingPathComponent(name)
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func readFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) {
        return true
    }
    return false
}
