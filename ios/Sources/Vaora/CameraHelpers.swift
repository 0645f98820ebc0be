// AVFoundation and still-image helpers around the zero-copy frame path. Apple platforms
// only (NOT BUILT HERE: AVFoundation, CoreGraphics and UIKit are missing on Linux, so this
// file compiles to nothing there; `CameraScanSession`, which it drives, is tested on Linux).
#if canImport(AVFoundation) && canImport(CoreVideo)
import AVFoundation
import CoreVideo

/// An `AVCaptureVideoDataOutput` delegate: each frame's `CVPixelBuffer` planes go to Rust in
/// place (locked for the call) and one `CameraScanSession` reuses a scanner while the frames
/// keep their shape. Set the output's `videoSettings` to 420f (`kCVPixelFormatType_420YpCbCr8BiPlanarFullRange`)
/// or 32BGRA; codes reach `onCodes` on the output's queue.
///
///     let output = AVCaptureVideoDataOutput()
///     output.alwaysDiscardsLateVideoFrames = true
///     output.setSampleBufferDelegate(delegate, queue: DispatchQueue(label: "scan"))
public final class VaoraCaptureDelegate: NSObject, AVCaptureVideoDataOutputSampleBufferDelegate, @unchecked Sendable {
    private let session: CameraScanSession
    private let rotationDegrees: Int
    private let onCodes: @Sendable ([String]) -> Void

    /// `rotationDegrees`: clockwise turn that makes the picture upright (90 for a portrait
    /// phone with the back camera's landscape sensor).
    public init(settings: ScanSettings = ScanSettings(), rotationDegrees: Int = 90,
                onCodes: @escaping @Sendable ([String]) -> Void) {
        session = CameraScanSession(settings: settings)
        self.rotationDegrees = rotationDegrees
        self.onCodes = onCodes
    }

    public func captureOutput(_ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer,
                              from connection: AVCaptureConnection) {
        guard let pixels = CMSampleBufferGetImageBuffer(sampleBuffer) else { return }
        let texts = (try? pixels.withCameraFrame(rotationDegrees: rotationDegrees) { try session.scan($0) }) ?? []
        if !texts.isEmpty { onCodes(texts) }
    }
}
#endif

#if canImport(CoreGraphics)
import CoreGraphics
import Foundation

extension CGImage {
    /// This picture drawn once into RGBA bytes, as a frame (a gallery photo, a screenshot).
    public func cameraFrame() -> CameraFrame? {
        let bytesPerRow = width * 4
        var data = Data(count: bytesPerRow * height)
        let drawn: Bool = data.withUnsafeMutableBytes { buffer in
            guard let context = CGContext(data: buffer.baseAddress, width: width, height: height, bitsPerComponent: 8,
                                          bytesPerRow: bytesPerRow, space: CGColorSpaceCreateDeviceRGB(),
                                          bitmapInfo: CGImageAlphaInfo.premultipliedLast.rawValue) else { return false }
            context.draw(self, in: CGRect(x: 0, y: 0, width: width, height: height))
            return true
        }
        return drawn ? CameraFrame.rgba(width: width, height: height, bytesPerRow: bytesPerRow, bytes: data) : nil
    }

    /// The texts of the codes in this picture, each once (an exhaustive scan can read one
    /// code by more than one decoder); a still deserves more time than a camera frame.
    public func scanCodes(_ settings: ScanSettings = ScanSettings(budgetMs: 1000, exhaustive: true, stillImage: true)) throws -> [String] {
        guard let frame = cameraFrame() else { return [] }
        var seen = Set<String>()
        return try frame.scan(settings).codes.compactMap { $0.text }.filter { seen.insert($0).inserted }
    }
}
#endif

#if canImport(UIKit)
import UIKit

extension UIImage {
    /// The texts of the codes in this picture (its `cgImage`; orientation does not matter
    /// to the decoder).
    public func scanCodes() throws -> [String] {
        try cgImage?.scanCodes() ?? []
    }
}
#endif
