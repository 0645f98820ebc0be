// Venue codes from the shared vectors: verification, frames in every layout, scan + check in.
import Foundation
import Vaora
import VaoraFFI

struct Vectors {
    let root: [String: Any]
    var cases: [[String: Any]] { root["cases"] as? [[String: Any]] ?? [] }

    static func load() throws -> Vectors {
        let url = URL(fileURLWithPath: try env("VAORA_VECTORS")).appendingPathComponent("venue-codes.json")
        guard let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw AssertionFailed(description: "venue-codes.json is not an object")
        }
        return Vectors(root: root)
    }

    func text(_ name: String) throws -> String {
        guard let t = cases.first(where: { $0["name"] as? String == name })?["text"] as? String else {
            throw AssertionFailed(description: "no case \(name)")
        }
        return t
    }

    func trustedDiary(_ name: String) throws -> Vaora {
        let v = try Vaora.open(path: try freshDir(name) + "/diary.db", keyStore: XorKeyStore(pad: 0x41), options: DiaryOptions())
        let json = String(decoding: try JSONSerialization.data(withJSONObject: root["trust_keyset"] ?? [:]), as: UTF8.self)
        try check(try v.applyKeyset(json: json, trust: .pinAsRoot) >= 1, "no keys applied")
        return v
    }
}

/// A grey 8-bit picture with a code drawn from its module matrix.
struct Luma {
    let width: Int, height: Int
    var px: [UInt8]

    init(width: Int, height: Int) {
        self.width = width; self.height = height
        px = [UInt8](repeating: 0xE0, count: width * height)
    }

    mutating func drawCode(_ text: String, scale: Int, left: Int, top: Int) throws {
        let m = try codeMatrix(text: text)
        let size = Int(m.size), quiet = 4 * scale, side = size * scale + 2 * quiet
        for y in 0..<side { for x in 0..<side {
            let mx = (x - quiet) / scale, my = (y - quiet) / scale
            let dark = x >= quiet && y >= quiet && mx < size && my < size && m.modules[my * size + mx] == 1
            let (gx, gy) = (left + x, top + y)
            if gx < width && gy < height { px[gy * width + gx] = dark ? 0x20 : 0xE0 }
        } }
    }

    func luma(pad: Int = 0) -> CameraFrame {
        let stride = width + pad
        var buf = [UInt8](repeating: 0, count: stride * height)
        for y in 0..<height { buf.replaceSubrange(y * stride..<(y * stride + width), with: px[(y * width)..<(y * width + width)]) }
        return CameraFrame(width: width, height: height, format: .luma8, planes: [CameraPlane(bytes: Data(buf), rowStride: stride, pixelStride: 1)])
    }

    /// iOS 420f: Y plane + interleaved CbCr.
    func nv12() -> CameraFrame {
        CameraFrame(width: width, height: height, format: .nv12, planes: [
            CameraPlane(bytes: Data(px), rowStride: width, pixelStride: 1),
            CameraPlane(bytes: Data(repeating: 0x80, count: width * height / 2), rowStride: width, pixelStride: 2),
        ])
    }

    func bgra() -> CameraFrame {
        var buf = [UInt8](repeating: 0xFF, count: width * height * 4)
        for i in 0..<px.count { buf[4 * i] = px[i]; buf[4 * i + 1] = px[i]; buf[4 * i + 2] = px[i] }
        return CameraFrame(width: width, height: height, format: .bgra8888, planes: [CameraPlane(bytes: Data(buf), rowStride: width * 4, pixelStride: 4)])
    }
}

func scanTests() {
    let t = Harness.shared
    let expected: [String: VenueVerification] = [
        "valid": .valid, "unknown-key-id": .unknownKeyId, "bad-signature": .badSignature, "expired": .expired,
        "key-revoked": .keyRevoked, "venue-revoked": .venueRevoked, "malformed": .malformed,
    ]

    t.test("every venue-code vector verifies as the vectors say") {
        let vectors = try Vectors.load()
        let v = try vectors.trustedDiary("vectors")
        var checked = 0
        for c in vectors.cases {
            // "not-yet-valid" depends on the vectors' fixed clock; this diary runs on the real one.
            guard let want = expected[c["expected"] as? String ?? ""], let text = c["text"] as? String else { continue }
            try checkEq(want, try v.verifyVenueCode(text: text).verification, "case \(c["name"] ?? "?")")
            checked += 1
        }
        try check(checked >= 14, "only \(checked) cases checked")
    }

    t.test("frames in every layout decode the vector payload (luma, padded, NV12, BGRA)") {
        let vectors = try Vectors.load()
        let text = try vectors.text("valid-long-vietnamese")
        var img = Luma(width: 1280, height: 720)
        try img.drawCode(text, scale: 6, left: 400, top: 100)
        for (name, frame) in [("luma", img.luma()), ("luma+pad", img.luma(pad: 64)), ("nv12", img.nv12()), ("bgra", img.bgra())] {
            let report = try frame.scan(ScanSettings(budgetMs: 2000))
            try checkEq([text], report.codes.compactMap { $0.text }, "frame \(name)")
            // A camera session: one scanner per layout, reused frame after frame.
            let scanner = try frame.scanner(ScanSettings(budgetMs: 2000))
            for i in 0..<2 {
                try checkEq([text], try scanner.scan(frame).codes.compactMap { $0.text }, "scanner \(name), frame \(i)")
            }
        }
    }

    t.testAsync("scan, classify and check in from a camera frame (async layer)") {
        let vectors = try Vectors.load()
        let text = try vectors.text("valid")
        var img = Luma(width: 1280, height: 720)
        try img.drawCode(text, scale: 6, left: 300, top: 60)
        let raw = try vectors.trustedDiary("scancheckin")
        let path = raw.path()
        _ = raw
        let diary = try await VaoraDiary.open(path: path, keyStore: XorKeyStore(pad: 0x41))
        let found = try await diary.scanCodes(img.nv12(), settings: ScanSettings(budgetMs: 2000))
        guard found.count == 1, case let .venue(code) = found[0] else { throw AssertionFailed(description: "found \(found)") }
        try checkEq(VenueVerification.valid, code.verification, "verification")
        guard case let .checkedIn(venue, done) = try await diary.checkInAtVenue(code.text) else {
            throw AssertionFailed(description: "not checked in")
        }
        try checkEq(code.venue?.name, done.first?.venue.name, "checked-in venue")
        try checkEq(venue.name, done.first?.venue.name, "venue of the result")
    }

    t.test("refused codes write nothing, even confirmed; unknown keys need confirmation; bad frames: badFrame") {
        let vectors = try Vectors.load()
        let v = try vectors.trustedDiary("refused")
        for name in ["bad-signature", "key-revoked", "venue-revoked", "malformed-truncated"] {
            for confirmed in [false, true] {
                let r = try v.checkInAtVenue(text: try vectors.text(name), people: [], acceptUnverified: confirmed)
                guard case .refused = r else { throw AssertionFailed(description: "case \(name): \(r)") }
            }
        }
        guard case let .needsConfirmation(asked) = try v.checkInAtVenue(text: try vectors.text("unknown-key-id"), people: [], acceptUnverified: false) else {
            throw AssertionFailed(description: "unknown key id not asked")
        }
        try checkEq(VenueVerification.unknownKeyId, asked.verification, "verification to show")
        try checkEq(0, try v.checkinPage(personId: nil, after: nil, limit: 10).items.count, "nothing written")
        let short = CameraFrame(width: 640, height: 480, format: .luma8, planes: [CameraPlane(bytes: Data(count: 1000), rowStride: 640, pixelStride: 1)])
        try checkEq(ErrorCode.badFrame, try expectThrows(VaoraError.self) { _ = try short.scan() }.code, "short buffer")
        let turned = CameraFrame(width: 8, height: 8, format: .luma8, planes: [CameraPlane(bytes: Data(count: 64), rowStride: 8, pixelStride: 1)], rotationDegrees: 45)
        try checkEq(ErrorCode.badFrame, try expectThrows(VaoraError.self) { _ = try turned.scan() }.code, "rotation")
        // A scanner refuses a layout it can never read, and a frame that does not fit it.
        try checkEq(ErrorCode.badFrame, try expectThrows(VaoraError.self) { _ = try turned.scanner() }.code, "scanner: rotation")
        let noPlanes = CameraFrame(width: 64, height: 64, format: .nv12, planes: [CameraPlane(bytes: Data(count: 64 * 64), rowStride: 64, pixelStride: 1)])
        try checkEq(ErrorCode.badFrame, try expectThrows(VaoraError.self) { _ = try noPlanes.scanner() }.code, "scanner: missing planes")
        let fits = CameraFrame(width: 640, height: 480, format: .luma8, planes: [CameraPlane(bytes: Data(count: 640 * 480), rowStride: 640, pixelStride: 1)])
        let scanner = try fits.scanner()
        try checkEq(ErrorCode.badFrame, try expectThrows(VaoraError.self) { _ = try scanner.scan(short) }.code, "scanner: short buffer")
        try checkEq(0, try scanner.scan(fits).codes.count, "scanner still works after a bad frame")
    }
}
