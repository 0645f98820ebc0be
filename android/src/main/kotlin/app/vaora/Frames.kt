// Camera frames for scanning, without copying pixels: each plane is a direct ByteBuffer
// (what android.media.Image planes and CameraX ImageProxy planes already are) that Rust
// borrows for the duration of the call. Pure Kotlin: the Android adapter
// (android/ImageFrames.kt) only fills these from an Image. Tested on the JVM.
package app.vaora

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
        width = width,
        height = height,
        format = format,
        strides = planes.map { PlaneStrides(it.rowStride, it.pixelStride) },
        rotationDegrees = rotationDegrees,
        region = region,
    )

    /**
     * Plane [i]'s buffer from its position (a slice, so the generated calls, which pass a
     * buffer's base address, read from where the caller's data starts), or an empty one
     * when the format has fewer planes.
     */
    fun plane(i: Int): ByteBuffer = planes.getOrNull(i)?.buffer?.slice() ?: EMPTY

    /**
     * Decodes the codes in this frame (no diary needed). Crosses through the camera fast
     * lane (`DirectScan`: one direct call, no allocation); a bad frame throws the same typed
     * `VaoraException.Input` (`BAD_FRAME`) as the generated `scanFrame`.
     */
    fun scan(settings: ScanSettings = ScanSettings()): ScanReport =
        DirectScan.scan(this, settings) ?: scanFrame(layout(), settings, plane(0), plane(1), plane(2))

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

/**
 * The camera loop's decoder: one [FrameScanner] reused frame after frame, made again only
 * when the frames change shape (size, format, strides, rotation, region: a rotated device,
 * a new resolution). What `VaoraAnalyzer` (CameraX) runs on each frame; call [close] when
 * the camera stops. Not thread-safe: one camera thread calls it.
 */
class CameraScanSession(private val settings: ScanSettings = ScanSettings()) : AutoCloseable {
    private var layout: FrameLayout? = null
    private var scanner: FrameScanner? = null

    /** How many scanners this session has made (one per frame shape seen in a row). */
    var scannersMade: Int = 0
        private set

    /**
     * The texts of the codes in [frame] (empty for most frames: no code in view). A frame of
     * a new shape is checked once by a new [FrameScanner]; each frame then crosses through
     * the camera fast lane (`DirectScan`), and only a frame it cannot answer goes through
     * the scanner, which throws the typed error.
     */
    fun scan(frame: CameraFrame): List<String> {
        val shape = frame.layout()
        val current = scanner?.takeIf { layout == shape } ?: run {
            scanner?.close()
            frame.scanner(settings).also {
                scanner = it
                layout = shape
                scannersMade++
            }
        }
        val report = DirectScan.scan(frame, settings) ?: current.scan(frame)
        return report.codes.mapNotNull { it.text }
    }

    override fun close() {
        scanner?.close()
        scanner = null
        layout = null
    }
}

/**
 * A still picture (a gallery photo, a screenshot) as 8-bit grey, one byte a pixel, row by
 * row: what `Bitmap.toCameraFrame()` makes on Android. Copies once into a direct buffer.
 */
fun lumaFrame(width: Int, height: Int, luma: ByteArray): CameraFrame {
    require(luma.size >= width * height) { "need ${width * height} bytes, got ${luma.size}" }
    return CameraFrame(width, height, FrameFormat.LUMA8, listOf(CameraPlane(CameraFrame.direct(luma), width, 1)))
}

/**
 * A still picture from ARGB ints (`Bitmap.getPixels`, `BufferedImage.getRGB`) as an RGBA
 * frame. Copies once into a direct buffer.
 */
fun argbFrame(width: Int, height: Int, argb: IntArray): CameraFrame {
    require(argb.size >= width * height) { "need ${width * height} pixels, got ${argb.size}" }
    val buf = ByteBuffer.allocateDirect(width * height * 4)
    for (i in 0 until width * height) {
        val p = argb[i]
        buf.put((p shr 16).toByte()).put((p shr 8).toByte()).put(p.toByte()).put((p ushr 24).toByte())
    }
    buf.flip()
    return CameraFrame(width, height, FrameFormat.RGBA8888, listOf(CameraPlane(buf, width * 4, 4)))
}
