// Camera frames for scanning, without copying pixels: each plane is a direct ByteBuffer
// (what android.media.Image planes and CameraX ImageProxy planes already are) that Rust
// borrows for the duration of the call. Pure Kotlin: the Android adapter
// (android/ImageFrames.kt) only fills these from an Image. Tested on the JVM.
package app.vaora

import app.vaora.ffi.ClassifiedCode
import app.vaora.ffi.FrameFormat
import app.vaora.ffi.FrameLayout
import app.vaora.ffi.FrameRegion
import app.vaora.ffi.FrameScanner
import app.vaora.ffi.PlaneStrides
import app.vaora.ffi.ScanReport
import app.vaora.ffi.ScanSettings
import app.vaora.ffi.scanFrame
import java.nio.ByteBuffer

/** One plane: a direct buffer plus its strides in bytes. */
class CameraPlane(val buffer: ByteBuffer, val rowStride: Int, val pixelStride: Int) {
    init {
        require(buffer.isDirect) { "camera planes must be direct ByteBuffers (zero-copy)" }
    }
}

/** A camera frame as the platform delivered it. */
class CameraFrame(
    val width: Int,
    val height: Int,
    val format: FrameFormat,
    val planes: List<CameraPlane>,
    val rotationDegrees: Int = 0,
    val region: FrameRegion? = null,
) {
    fun layout() = FrameLayout(
        width = width.toUInt(),
        height = height.toUInt(),
        format = format,
        strides = planes.map { PlaneStrides(it.rowStride.toUInt(), it.pixelStride.toUInt()) },
        rotationDegrees = rotationDegrees.toUInt(),
        region = region,
    )

    /** Plane [i]'s buffer, or an empty one when the format has fewer planes. */
    fun plane(i: Int): ByteBuffer = planes.getOrNull(i)?.buffer?.duplicate() ?: EMPTY

    /** Decodes the codes in this frame (no diary needed). */
    fun scan(settings: ScanSettings = ScanSettings()): ScanReport =
        scanFrame(layout(), settings, plane(0), plane(1), plane(2))

    /**
     * A scanner for a stream of frames shaped like this one (same size, format, strides,
     * rotation, region): a camera session. Each [FrameScanner.scan] then passes only the
     * planes, which halves the fixed cost of a call through JNA. Close it when the session ends.
     */
    fun scanner(settings: ScanSettings = ScanSettings()): FrameScanner = FrameScanner(layout(), settings)

    companion object {
        private val EMPTY: ByteBuffer = ByteBuffer.allocateDirect(0)

        /** A direct buffer holding [bytes] (one copy: for tests and still images). */
        fun direct(bytes: ByteArray): ByteBuffer =
            ByteBuffer.allocateDirect(bytes.size).put(bytes).also { it.flip() }
    }
}

/** Decodes [frame], which must have the layout this scanner was made for. */
fun FrameScanner.scan(frame: CameraFrame): ScanReport = scan(frame.plane(0), frame.plane(1), frame.plane(2))

/** Scans [frame] and classifies every code, venue codes verified against the diary's trust store. */
suspend fun VaoraDiary.scanCodes(
    frame: CameraFrame,
    settings: ScanSettings = ScanSettings(),
): List<ClassifiedCode> = call { it.scanCodes(frame.layout(), settings, frame.plane(0), frame.plane(1), frame.plane(2)) }
