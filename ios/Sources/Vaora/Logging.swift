// Forwarding Vaora's Rust log lines to a closure (os_log / Logger on iOS, print in tests).
import VaoraFFI

/// A `Logger` that hands every line to a closure. Called from Rust threads.
public final class ClosureLogger: VaoraFFI.Logger, @unchecked Sendable {
    private let sink: @Sendable (LogLevel, String, String) -> Void

    public init(_ sink: @escaping @Sendable (LogLevel, String, String) -> Void) {
        self.sink = sink
    }

    public func log(level: LogLevel, target: String, line: String) {
        sink(level, target, line)
    }
}

public enum VaoraLog {
    /// Starts forwarding lines at `level` and above to `sink`.
    public static func install(level: LogLevel = .info,
                               _ sink: @escaping @Sendable (LogLevel, String, String) -> Void) {
        setLogger(logger: ClosureLogger(sink), maxLevel: level)
    }

    public static func uninstall() {
        clearLogger()
    }
}

#if canImport(os)
import os

/// Sends Vaora's lines to the unified logging system (subsystem "app.vaora").
public final class OSLogLogger: VaoraFFI.Logger, @unchecked Sendable {
    private let log = OSLog(subsystem: "app.vaora", category: "core")

    public init() {}

    public func log(level: LogLevel, target: String, line: String) {
        let type: OSLogType
        switch level {
        case .error: type = .fault
        case .warn: type = .error
        case .info: type = .info
        case .debug, .trace: type = .debug
        }
        os_log("%{public}@: %{public}@", log: log, type: type, target, line)
    }
}
#endif
