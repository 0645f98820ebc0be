// Camera frames for scanning. Plane bytes travel as `Data` that Rust borrows for the call
// (uniffi's zero-copy `&[u8]`); the layout travels in `FrameLayout`. Builds on Linux.
import Foundation
import VaoraFFI

/// One plane and its strides in bytes.
public struct CameraPlane: Sendable {
    public var bytes: Data
    public var rowStride: Int
    public var pixelStride: Int

    public init(bytes: Data, rowStride: Int, pixelStride: Int) {
        self.bytes = bytes
        self.rowStride = rowStride
        self.pixelStride = pixelStride
    }
}

/// A camera frame as the platform delivered it.
public struct CameraFrame: Sendable {
    public var width: Int
    public var height: Int
    public var format: FrameFormat
    public var planes: [CameraPlane]
    public var rotationDegrees: Int
    public var region: FrameRegion?

    public init(width: Int, height: Int, format: FrameFormat, planes: [CameraPlane],
                rotationDegrees: Int = 0, region: FrameRegion? = nil) {
        self.width = width
        self.height = height
        self.format = format
        self.planes = planes
        self.rotationDegrees = rotationDegrees
        self.region = region
    }

    public var layout: FrameLayout {
        FrameLayout(width: Int32(clamping: width), height: Int32(clamping: height), format: format,
                    strides: planes.map { PlaneStrides(rowStride: Int32(clamping: $0.rowStride),
                                                       pixelStride: Int32(clamping: $0.pixelStride)) },
                    rotationDegrees: Int32(clamping: rotationDegrees), region: region)
    }

    /// Plane `i`'s bytes, or empty when the format has fewer planes.
    public func plane(_ i: Int) -> Data {
        i < planes.count ? planes[i].bytes : Data()
    }

    /// Decodes the codes in this frame (no diary needed).
    public func scan(_ settings: ScanSettings = ScanSettings()) throws -> ScanReport {
        try scanFrame(layout: layout, settings: settings, plane0: plane(0), plane1: plane(1), plane2: plane(2))
    }

    /// A scanner for a stream of frames shaped like this one (same size, format, strides,
    /// rotation, region): a camera session. Each `FrameScanner.scan` then passes only the
    /// planes; the layout and settings crossed the boundary once.
    public func scanner(_ settings: ScanSettings = ScanSettings()) throws -> FrameScanner {
        try FrameScanner(layout: layout, settings: settings)
    }
}

extension FrameScanner {
    /// Decodes `frame`, which must have the layout this scanner was made for.
    public func scan(_ frame: CameraFrame) throws -> ScanReport {
        try scan(plane0: frame.plane(0), plane1: frame.plane(1), plane2: frame.plane(2))
    }
}

extension VaoraDiary {
    /// Scans `frame` and classifies every code (venue codes verified), off the caller's actor.
    public func scanCodes(_ frame: CameraFrame, settings: ScanSettings = ScanSettings()) async throws -> [ClassifiedCode] {
        let raw = try rawForScanning()
        return try await offActor {
            try raw.scanCodes(layout: frame.layout, settings: settings,
                              plane0: frame.plane(0), plane1: frame.plane(1), plane2: frame.plane(2))
        }
    }
}

/// The camera loop's decoder: one `FrameScanner` reused frame after frame, made again only
/// when the frames change shape (size, format, strides, rotation, region). What
/// `VaoraCaptureDelegate` (AVFoundation) runs on each frame. One camera queue calls it.
public final class CameraScanSession: @unchecked Sendable {
    private let settings: ScanSettings
    private var layout: FrameLayout?
    private var scanner: FrameScanner?
    /// How many scanners this session has made (one per frame shape seen in a row).
    public private(set) var scannersMade = 0

    public init(settings: ScanSettings = ScanSettings()) {
        self.settings = settings
    }

    /// The texts of the codes in `frame` (empty for most frames: no code in view).
    public func scan(_ frame: CameraFrame) throws -> [String] {
        let shape = frame.layout
        let current: FrameScanner
        if let s = scanner, layout == shape {
            current = s
        } else {
            current = try frame.scanner(settings)
            scanner = current
            layout = shape
            scannersMade += 1
        }
        return try current.scan(frame).codes.compactMap { $0.text }
    }
}

extension CameraFrame {
    /// A still picture as 8-bit grey, one byte a pixel, row by row.
    public static func luma(width: Int, height: Int, bytes: Data) -> CameraFrame {
        CameraFrame(width: width, height: height, format: .luma8,
                    planes: [CameraPlane(bytes: bytes, rowStride: width, pixelStride: 1)])
    }

    /// A still picture as RGBA, 4 bytes a pixel (what a `CGContext` with premultiplied-last
    /// alpha draws), `bytesPerRow` apart.
    public static func rgba(width: Int, height: Int, bytesPerRow: Int, bytes: Data) -> CameraFrame {
        CameraFrame(width: width, height: height, format: .rgba8888,
                    planes: [CameraPlane(bytes: bytes, rowStride: bytesPerRow, pixelStride: 4)])
    }
}
