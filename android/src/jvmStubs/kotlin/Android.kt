// JVM stand-ins for the android.* classes the adapters use (see README.md beside this file).
@file:Suppress("UNUSED_PARAMETER", "unused")

package android

object R {
    object drawable {
        const val stat_sys_warning: Int = 0x01080078
    }
}
