// JVM stand-ins for androidx.camera.core (CameraX) (see README.md beside this file).
@file:Suppress("unused")

package androidx.camera.core

import java.nio.ByteBuffer

interface ImageInfo {
    val rotationDegrees: Int
}

interface ImageProxy : AutoCloseable {
    val format: Int
    val width: Int
    val height: Int
    val planes: Array<PlaneProxy>
    val imageInfo: ImageInfo

    interface PlaneProxy {
        val rowStride: Int
        val pixelStride: Int
        val buffer: ByteBuffer
    }
}

class ImageAnalysis {
    fun interface Analyzer {
        fun analyze(image: ImageProxy)
    }
}
