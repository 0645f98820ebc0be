// Needs the Android SDK (android.util.Log). Here it compiles against the JVM stand-ins
// of android/src/jvmStubs and runs on the JVM in AndroidAdapterTests.
// Vaora's Rust log lines into Logcat under the tag "Vaora".
package app.vaora.android

import android.util.Log
import app.vaora.LogLevel
import app.vaora.Logger

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
