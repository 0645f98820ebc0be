// The camera loop's fast lane (bindings/src/direct_scan.rs): a frame's scan through one
// JNA direct-mapped call with only integers and direct buffers, the answer written into a
// buffer this side owns. A uniffi call lowers records, planes and its status as JNA
// Structures by reflection: 27-40 us a call, 12-20 % of a 720p decode. Anything but a
// plain answer (a bad frame, an answer too big for the buffer) is asked again through the
// generated `scanFrame`, so errors stay the typed `VaoraException` they always were.
package app.vaora

import com.sun.jna.Native
import java.nio.ByteBuffer
import java.nio.ByteOrder

internal object DirectScan {
    init {
        // The same library the generated bindings load (and the same override property).
        Native.register(
            DirectScan::class.java,
            System.getProperty("uniffi.component.vaora_ffi.libraryOverride") ?: "vaora_ffi",
        )
    }

    @Suppress("LongParameterList")
    external fun vaora_scan_frame_direct(
        width: Int, height: Int, format: Int, rotationDegrees: Int,
        regionX: Int, regionY: Int, regionWidth: Int, regionHeight: Int,
        rowStride0: Int, pixelStride0: Int, rowStride1: Int, pixelStride1: Int,
        rowStride2: Int, pixelStride2: Int,
        budgetMs: Int, flags: Int,
        plane0: ByteBuffer, offset0: Int, len0: Int,
        plane1: ByteBuffer, offset1: Int, len1: Int,
        plane2: ByteBuffer, offset2: Int, len2: Int,
        out: ByteBuffer, outCap: Int,
    ): Int

    private val EMPTY: ByteBuffer = ByteBuffer.allocateDirect(0)

    /** One answer buffer per thread: a camera thread reuses it frame after frame. */
    private val answers = ThreadLocal.withInitial { ByteBuffer.allocateDirect(16 * 1024).order(ByteOrder.LITTLE_ENDIAN) }

    private fun formatCode(format: FrameFormat): Int = when (format) {
        FrameFormat.LUMA8 -> 0
        FrameFormat.NV21 -> 1
        FrameFormat.NV12 -> 2
        FrameFormat.YUV420 -> 3
        FrameFormat.BGRA8888 -> 4
        FrameFormat.RGBA8888 -> 5
    }

    /**
     * Scans [frame]; `null` when the fast lane could not answer (the caller then asks the
     * generated `scanFrame`, which gives the typed error or the full report).
     */
    fun scan(frame: CameraFrame, settings: ScanSettings): ScanReport? {
        val planes = frame.planes
        fun buf(i: Int): ByteBuffer = planes.getOrNull(i)?.buffer ?: EMPTY
        fun rowStride(i: Int) = planes.getOrNull(i)?.rowStride ?: 0
        fun pixelStride(i: Int) = planes.getOrNull(i)?.pixelStride ?: 0
        val p0 = buf(0)
        val p1 = buf(1)
        val p2 = buf(2)
        val region = frame.region
        val flags = (if (settings.exhaustive) 1 else 0) or (if (settings.stillImage) 2 else 0)
        val out = answers.get()
        val n = vaora_scan_frame_direct(
            frame.width, frame.height, formatCode(frame.format), frame.rotationDegrees,
            region?.x ?: 0, region?.y ?: 0, region?.width ?: -1, region?.height ?: 0,
            rowStride(0), pixelStride(0), rowStride(1), pixelStride(1), rowStride(2), pixelStride(2),
            settings.budgetMs, flags,
            p0, p0.position(), p0.remaining(),
            p1, p1.position(), p1.remaining(),
            p2, p2.position(), p2.remaining(),
            out, out.capacity(),
        )
        if (n < 0) return null
        return read(out, n)
    }

    /** Reads the answer's layout (docs/bindings.md, "The camera fast lane"). */
    private fun read(out: ByteBuffer, length: Int): ScanReport {
        val b = out.duplicate().order(ByteOrder.LITTLE_ENDIAN)
        b.position(0).limit(length)
        val exhausted = b.get().toInt() != 0
        val count = b.getShort().toInt() and 0xFFFF
        val codes = ArrayList<DecodedCode>(count)
        repeat(count) {
            val hasText = b.get().toInt() != 0
            val text = ByteArray(b.getInt()).also { b.get(it) }
            val bytes = ByteArray(b.getInt()).also { b.get(it) }
            codes += DecodedCode(text = if (hasText) String(text, Charsets.UTF_8) else null, bytes = bytes)
        }
        return ScanReport(codes = codes, budgetExhausted = exhausted)
    }
}
