// Idiomatic helpers over the generated error types (same package). Pure Kotlin: compiled and
// tested on the JVM by `cargo xtask kotlin-test`.
package app.vaora

/** The stable code of any Vaora exception, whatever its kind. */
val VaoraException.code: ErrorCode
    get() = when (this) {
        is VaoraException.Key -> code
        is VaoraException.Storage -> code
        is VaoraException.Input -> code
        is VaoraException.Network -> code
        is VaoraException.InvalidAnswer -> code
        is VaoraException.Cancelled -> code
        is VaoraException.Internal -> code
    }

/** The reason text of any Vaora exception, fit for logs (never shown raw to users). */
val VaoraException.reason: String
    get() = when (this) {
        is VaoraException.Key -> reason
        is VaoraException.Storage -> reason
        is VaoraException.Input -> reason
        is VaoraException.Network -> reason
        is VaoraException.InvalidAnswer -> reason
        is VaoraException.Cancelled -> reason
        is VaoraException.Internal -> reason
    }

/** The stable number of an error code (docs/bindings.md), for logs and support tickets. */
val ErrorCode.number: Int
    get() = errorCodeNumber(this)
