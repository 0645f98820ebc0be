// JVM stand-ins for android.graphics (see README.md beside this file).
@file:Suppress("UNUSED_PARAMETER", "unused")

package android.graphics

import java.nio.Buffer
import java.nio.ByteBuffer

object ImageFormat {
    const val YUV_420_888: Int = 0x23
}

/** Keeps ARGB ints; `copyPixelsToBuffer` writes ARGB_8888 as R, G, B, A bytes, as Android does. */
class Bitmap private constructor(val width: Int, val height: Int, val config: Config, private val argb: IntArray) {
    enum class Config { ALPHA_8, RGB_565, ARGB_8888 }

    /** `getRowBytes()`: 4 bytes a pixel for ARGB_8888, 2 for RGB_565, 1 for ALPHA_8. */
    val rowBytes: Int
        get() = width * when (config) {
            Config.ARGB_8888 -> 4
            Config.RGB_565 -> 2
            Config.ALPHA_8 -> 1
        }

    fun copy(config: Config, isMutable: Boolean): Bitmap = Bitmap(width, height, config, argb.copyOf())

    fun copyPixelsToBuffer(dst: Buffer) {
        check(config == Config.ARGB_8888) { "the stand-in copies ARGB_8888 only" }
        val out = dst as ByteBuffer
        for (p in argb) out.put((p shr 16).toByte()).put((p shr 8).toByte()).put(p.toByte()).put((p ushr 24).toByte())
    }

    companion object {
        @JvmStatic
        fun createBitmap(colors: IntArray, width: Int, height: Int, config: Config): Bitmap =
            Bitmap(width, height, config, colors.copyOf(width * height))
    }
}
