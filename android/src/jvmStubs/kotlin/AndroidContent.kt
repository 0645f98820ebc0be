// JVM stand-in for android.content.Context (see README.md beside this file).
@file:Suppress("UNUSED_PARAMETER", "unused")

package android.content

import java.io.File

abstract class Context {
    /** `getFilesDir()`. */
    abstract val filesDir: File

    /** `getSystemService(Class)`: the fakes return what the test gave them. */
    open fun <T> getSystemService(serviceClass: Class<T>): T? = null
}
