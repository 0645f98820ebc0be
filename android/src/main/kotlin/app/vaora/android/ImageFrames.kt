// Needs the Android SDK (android.media.Image). Here it compiles against the JVM stand-ins
// of android/src/jvmStubs and runs on the JVM in AndroidAdapterTests.
//
// android.media.Image (ImageReader, or CameraX ImageProxy.image) in YUV_420_888 to a
// CameraFrame: the three plane buffers are direct ByteBuffers and are handed to Rust as
// they are, with their own row and pixel strides (pixel stride 2 for the interleaved
// chroma most devices deliver), so no pixel is copied. Close the Image after the call.
package app.vaora.android

import android.graphics.ImageFormat
import android.media.Image
import app.vaora.CameraFrame
import app.vaora.CameraPlane
import app.vaora.FrameFormat

/** [rotationDegrees]: ImageInfo.rotationDegrees (CameraX) or the sensor orientation. */
fun Image.toCameraFrame(rotationDegrees: Int): CameraFrame {
    require(format == ImageFormat.YUV_420_888) { "expected YUV_420_888, got format $format" }
    val p = planes
    return CameraFrame(
        width = width,
        height = height,
        format = FrameFormat.YUV420,
        planes = p.map { CameraPlane(it.buffer, it.rowStride, it.pixelStride) },
        rotationDegrees = rotationDegrees,
    )
}
