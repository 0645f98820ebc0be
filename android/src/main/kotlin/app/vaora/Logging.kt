// Forwarding Vaora's Rust log lines to any sink given as a lambda (Logcat on Android,
// stdout in the JVM tests). Pure Kotlin.
package app.vaora


/** A [Logger] that hands every line to [sink]. Called from Rust threads: [sink] must be thread-safe. */
class LambdaLogger(private val sink: (LogLevel, String, String) -> Unit) : Logger {
    override fun log(level: LogLevel, target: String, line: String) {
        // An exception thrown here would become an internal error in Rust: drop it instead.
        try {
            sink(level, target, line)
        } catch (_: Throwable) {
        }
    }
}

object VaoraLog {
    /** Starts forwarding lines at [level] and above to [sink]. */
    fun install(level: LogLevel = LogLevel.INFO, sink: (LogLevel, String, String) -> Unit) {
        setLogger(LambdaLogger(sink), level)
    }

    fun uninstall() = clearLogger()
}
