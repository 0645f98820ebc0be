// Idiomatic helpers over the generated error type. Builds on Linux (tested by
// `cargo xtask swift-test`) and on Apple platforms.
import VaoraFFI

extension VaoraError {
    /// The stable code of any Vaora error, whatever its kind.
    public var code: ErrorCode {
        switch self {
        case let .Key(code, _), let .Storage(code, _), let .Input(code, _),
             let .Network(code, _), let .Cancelled(code, _), let .Internal(code, _),
             let .InvalidAnswer(code, _, _, _, _):
            return code
        }
    }

    /// The reason text, fit for logs (never shown raw to users).
    public var reason: String {
        switch self {
        case let .Key(_, reason), let .Storage(_, reason), let .Input(_, reason),
             let .Network(_, reason), let .Cancelled(_, reason), let .Internal(_, reason),
             let .InvalidAnswer(_, reason, _, _, _):
            return reason
        }
    }
}

extension ErrorCode {
    /// The stable number of this code (docs/bindings.md), for logs and support tickets.
    public var number: Int32 { errorCodeNumber(code: self) }
}
