// Needs the Android SDK (android.graphics.Bitmap). Here it compiles against the JVM stand-ins
// of android/src/jvmStubs and runs on the JVM in AndroidAdapterTests.
//
// A still picture (a gallery photo, a shared screenshot) for scanning: the Bitmap's pixels
// are copied once into a direct buffer (RGBA, what `copyPixelsToBuffer` writes for
// ARGB_8888) and decoded through the same frame path as the camera.
package app.vaora.android

import android.graphics.Bitmap
import app.vaora.CameraFrame
import app.vaora.CameraPlane
import app.vaora.FrameFormat
import app.vaora.ScanSettings
import java.nio.ByteBuffer

/** This bitmap as a frame (converted to ARGB_8888 first when it is another config). */
fun Bitmap.toCameraFrame(): CameraFrame {
    val argb = if (config == Bitmap.Config.ARGB_8888) this else copy(Bitmap.Config.ARGB_8888, false)
    val buffer = ByteBuffer.allocateDirect(argb.rowBytes * argb.height)
    argb.copyPixelsToBuffer(buffer)
    buffer.flip()
    return CameraFrame(argb.width, argb.height, FrameFormat.RGBA8888, listOf(CameraPlane(buffer, argb.rowBytes, 4)))
}

/**
 * The texts of the codes in this picture, each once (an exhaustive scan can read one code
 * by more than one decoder); a still deserves more time than a camera frame.
 */
fun Bitmap.scanCodes(settings: ScanSettings = ScanSettings(budgetMs = 1000, exhaustive = true, stillImage = true)): List<String> =
    toCameraFrame().scan(settings).codes.mapNotNull { it.text }.distinct()
