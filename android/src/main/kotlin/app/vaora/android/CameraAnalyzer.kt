// Needs the Android SDK and androidx.camera (CameraX). Here it compiles against the JVM stand-ins
// of android/src/jvmStubs and runs on the JVM in AndroidAdapterTests.
//
// A CameraX `ImageAnalysis.Analyzer` around the zero-copy frame path: each YUV_420_888
// `ImageProxy` goes to Rust as its three direct plane buffers (no pixel copied), decoded by
// one `CameraScanSession` that reuses a `FrameScanner` while the frames keep their shape.
// Codes are handed to [onCodes] on the analysis thread; classify or check in from there
// with the diary's suspend calls (they move to IO themselves).
//
//   val analysis = ImageAnalysis.Builder()
//       .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST).build()
//   analysis.setAnalyzer(Executors.newSingleThreadExecutor(), VaoraAnalyzer { texts -> ... })
package app.vaora.android

import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import app.vaora.CameraFrame
import app.vaora.CameraPlane
import app.vaora.CameraScanSession
import app.vaora.FrameFormat
import app.vaora.ScanSettings
import app.vaora.VaoraException

class VaoraAnalyzer(
    settings: ScanSettings = ScanSettings(),
    private val onError: (VaoraException) -> Unit = {},
    private val onCodes: (List<String>) -> Unit,
) : ImageAnalysis.Analyzer, AutoCloseable {
    private val session = CameraScanSession(settings)

    override fun analyze(image: ImageProxy) {
        try {
            val p = image.planes
            val frame = CameraFrame(
                width = image.width,
                height = image.height,
                format = FrameFormat.YUV420,
                planes = p.map { CameraPlane(it.buffer, it.rowStride, it.pixelStride) },
                rotationDegrees = image.imageInfo.rotationDegrees,
            )
            val texts = session.scan(frame)
            if (texts.isNotEmpty()) onCodes(texts)
        } catch (e: VaoraException) {
            onError(e)
        } finally {
            image.close()
        }
    }

    /** Releases the scanner (when the camera is unbound). */
    override fun close() = session.close()
}
