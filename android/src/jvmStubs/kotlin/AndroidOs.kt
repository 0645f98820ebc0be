// JVM stand-in for android.os.Build (see README.md beside this file).
@file:Suppress("unused")

package android.os

object Build {
    object VERSION {
        /** Read at run time on a device, as here (not a compile-time constant). */
        @JvmField
        var SDK_INT: Int = 34
    }

    object VERSION_CODES {
        const val O: Int = 26
    }
}
