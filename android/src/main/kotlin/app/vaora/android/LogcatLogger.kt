// NOT BUILT HERE: needs the Android SDK (android.util.Log).
// Vaora's Rust log lines into Logcat under the tag "Vaora".
package app.vaora.android

import android.util.Log
import app.vaora.ffi.LogLevel
import app.vaora.ffi.Logger

class LogcatLogger(private val tag: String = "Vaora") : Logger {
    override fun log(level: LogLevel, target: String, line: String) {
        val text = "$target: $line"
        when (level) {
            LogLevel.ERROR -> Log.e(tag, text)
            LogLevel.WARN -> Log.w(tag, text)
            LogLevel.INFO -> Log.i(tag, text)
            LogLevel.DEBUG -> Log.d(tag, text)
            LogLevel.TRACE -> Log.v(tag, text)
        }
    }
}
