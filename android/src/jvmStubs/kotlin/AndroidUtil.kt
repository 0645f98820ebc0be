// JVM stand-in for android.util.Log (see README.md beside this file): keeps the lines.
@file:Suppress("unused")

package android.util

object Log {
    val lines = java.util.Collections.synchronizedList(mutableListOf<String>())

    @JvmStatic fun e(tag: String, msg: String): Int = keep("E", tag, msg)
    @JvmStatic fun w(tag: String, msg: String): Int = keep("W", tag, msg)
    @JvmStatic fun i(tag: String, msg: String): Int = keep("I", tag, msg)
    @JvmStatic fun d(tag: String, msg: String): Int = keep("D", tag, msg)
    @JvmStatic fun v(tag: String, msg: String): Int = keep("V", tag, msg)

    private fun keep(level: String, tag: String, msg: String): Int {
        lines += "$level/$tag: $msg"
        return 0
    }
}
