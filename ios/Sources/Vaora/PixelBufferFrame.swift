// CVPixelBuffer (AVCaptureVideoDataOutput) to a CameraFrame, for the bi-planar 420f/420v
// formats (Y + interleaved CbCr = NV12) and 32BGRA. Only on Apple platforms (not built here:
// CoreVideo is missing on Linux, so this file compiles to nothing there).
//
// The planes are wrapped with Data(bytesNoCopy:) while the buffer is locked: Rust reads
// them in place during the call, so `body` must finish before the buffer is unlocked.
#if canImport(CoreVideo)
import CoreVideo
import Foundation
import VaoraFFI

extension CVPixelBuffer {
    /// Locks the buffer read-only, hands `body` a frame over its memory, then unlocks.
    public func withCameraFrame<T>(rotationDegrees: Int = 0, _ body: (CameraFrame) throws -> T) throws -> T {
        CVPixelBufferLockBaseAddress(self, .readOnly)
        defer { CVPixelBufferUnlockBaseAddress(self, .readOnly) }
        let width = CVPixelBufferGetWidth(self)
        let height = CVPixelBufferGetHeight(self)
        let type = CVPixelBufferGetPixelFormatType(self)
        func plane(_ i: Int, rows: Int, pixelStride: Int) throws -> CameraPlane {
            guard let base = CVPixelBufferGetBaseAddressOfPlane(self, i) else {
                throw VaoraError.Input(code: .badFrame, reason: "plane \(i) has no memory")
            }
            let stride = CVPixelBufferGetBytesPerRowOfPlane(self, i)
            let data = Data(bytesNoCopy: base, count: stride * rows, deallocator: .none)
            return CameraPlane(bytes: data, rowStride: stride, pixelStride: pixelStride)
        }
        let frame: CameraFrame
        switch type {
        case kCVPixelFormatType_420YpCbCr8BiPlanarFullRange, kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange:
            frame = CameraFrame(width: width, height: height, format: .nv12,
                                planes: [try plane(0, rows: height, pixelStride: 1),
                                         try plane(1, rows: (height + 1) / 2, pixelStride: 2)],
                                rotationDegrees: rotationDegrees)
        case kCVPixelFormatType_32BGRA:
            guard let base = CVPixelBufferGetBaseAddress(self) else {
                throw VaoraError.Input(code: .badFrame, reason: "the buffer has no memory")
            }
            let stride = CVPixelBufferGetBytesPerRow(self)
            frame = CameraFrame(width: width, height: height, format: .bgra8888,
                                planes: [CameraPlane(bytes: Data(bytesNoCopy: base, count: stride * height, deallocator: .none),
                                                     rowStride: stride, pixelStride: 4)],
                                rotationDegrees: rotationDegrees)
        default:
            throw VaoraError.Input(code: .badFrame, reason: "unsupported pixel format \(type)")
        }
        return try body(frame)
    }
}
#endif
