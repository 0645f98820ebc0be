// Boundary cost: one scanFrame call on a 1280x720 luma frame from Swift, against the same
// decode timed inside Rust in the same run. Only with `cargo xtask swift-test --bench`.
// Prints figures; asserts nothing about time.
import Foundation
import Vaora
import VaoraFFI

func bench() throws {
    let vectors = try Vectors.load()
    var img = Luma(width: 1280, height: 720)
    try img.drawCode(try vectors.text("valid"), scale: 5, left: 500, top: 150)
    let frame = img.luma()
    let settings = ScanSettings(budgetMs: 1000)
    // Warm-up for as long as the Kotlin bench's (its JIT needs it; here it only warms caches).
    let warmUntil = DispatchTime.now().uptimeNanoseconds + 3_000_000_000
    while DispatchTime.now().uptimeNanoseconds < warmUntil {
        _ = try frame.scan(settings)
        _ = try testHookNativeScanTimings(layout: frame.layout, settings: settings, plane0: frame.plane(0), iterations: 1)
    }
    var foreign: [UInt64] = []
    var native: [UInt64] = []
    var extra: [Int64] = []
    let n = 200
    // Pairs: one call through the boundary and the same decode timed inside Rust, back to
    // back (same machine load); the paired difference is the boundary's cost. The order
    // alternates, so the second call's warm CPU caches are not booked to either side.
    // One timed foreign call (µs); the frame holds one code, so anything else is a bug.
    func timed(_ call: () throws -> ScanReport) throws -> UInt64 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let report = try call()
        let f = (DispatchTime.now().uptimeNanoseconds - t0) / 1000
        try check(report.codes.count == 1, "bench frame did not decode")
        return f
    }
    func foreignCall() throws -> UInt64 { try timed { try frame.scan(settings) } }
    func nativeCall() throws -> UInt64 {
        try testHookNativeScanTimings(layout: frame.layout, settings: settings, plane0: frame.plane(0), iterations: 1).micros[0]
    }
    var extraForeignFirst: [Int64] = []
    var extraNativeFirst: [Int64] = []
    for i in 0..<n {
        let f: UInt64
        let r: UInt64
        if i % 2 == 0 {
            f = try foreignCall()
            r = try nativeCall()
            extraForeignFirst.append(Int64(f) - Int64(r))
        } else {
            r = try nativeCall()
            f = try foreignCall()
            extraNativeFirst.append(Int64(f) - Int64(r))
        }
        foreign.append(f)
        native.append(r)
        extra.append(Int64(f) - Int64(r))
    }
    func median(_ xs: [UInt64]) -> UInt64 { xs.sorted()[xs.count / 2] }
    func p95(_ xs: [UInt64]) -> UInt64 { xs.sorted()[xs.count * 95 / 100] }
    print("bench swift scanFrame 1280x720 luma: median \(median(foreign)) us, p95 \(p95(foreign)) us (n=\(n))")
    print("bench rust  scan_frame 1280x720 luma: median \(median(native)) us, p95 \(p95(native)) us (n=\(n))")
    print(String(format: "bench swift/rust median ratio: %.3f", Double(median(foreign)) / Double(median(native))))
    // The same frames through a FrameScanner (layout and settings passed once per session),
    // paired with Rust the same way.
    let scanner = try frame.scanner(settings)
    for _ in 0..<200 { _ = try scanner.scan(frame) }
    var viaScanner: [UInt64] = []
    var nativeS: [UInt64] = []
    func scannerCall() throws -> UInt64 { try timed { try scanner.scan(frame) } }
    for i in 0..<n {
        if i % 2 == 0 {
            viaScanner.append(try scannerCall())
            nativeS.append(try nativeCall())
        } else {
            nativeS.append(try nativeCall())
            viaScanner.append(try scannerCall())
        }
    }
    print("bench swift FrameScanner.scan 1280x720 luma: median \(median(viaScanner)) us, p95 \(p95(viaScanner)) us; rust \(median(nativeS)) us (n=\(n))")
    print(String(format: "bench swift FrameScanner/rust median ratio: %.3f", Double(median(viaScanner)) / Double(median(nativeS))))
    func mid(_ xs: [Int64]) -> Int64 { xs.sorted()[xs.count / 2] }
    print("bench swift boundary cost (paired foreign - rust): median \(mid(extra)) us (swift first: \(mid(extraForeignFirst)) us, rust first: \(mid(extraNativeFirst)) us)")
}
