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
        FrameLayout(width: UInt32(clamping: width), height: UInt32(clamping: height), format: format,
                    strides: planes.map { PlaneStrides(rowStride: UInt32(clamping: $0.rowStride),
                                                       pixelStride: UInt32(clamping: $0.pixelStride)) },
                    rotationDegrees: UInt32(clamping: rotationDegrees), region: region)
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
        try await call { try $0.scanCodes(layout: frame.layout, settings: settings,
                                          plane0: frame.plane(0), plane1: frame.plane(1), plane2: frame.plane(2)) }
    }
}
