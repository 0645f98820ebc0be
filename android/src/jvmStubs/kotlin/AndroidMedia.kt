// JVM stand-in for android.media.Image (see README.md beside this file).
@file:Suppress("unused")

package android.media

import java.nio.ByteBuffer

abstract class Image : AutoCloseable {
    abstract val format: Int
    abstract val width: Int
    abstract val height: Int
    abstract val planes: Array<Plane>

    abstract class Plane {
        abstract val rowStride: Int
        abstract val pixelStride: Int
        abstract val buffer: ByteBuffer
    }
}
