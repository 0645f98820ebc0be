// The sync engine's HTTP, from the platform: Foundation's URLSession, so requests use the
// system trust store, the user's proxy, App Transport Security and any pinning the app sets
// up in its session delegate, and the Rust library carries no HTTP or TLS stack
// (docs/adr/0003-platform-http-on-phones.md). On Linux URLSession lives in
// FoundationNetworking (over libcurl): the same code runs in `cargo xtask swift-test`.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import VaoraFFI

/// `HttpTransport` on `URLSession`. The request's timeout bounds the exchange; cancelling the
/// calling task (a cancelled sync: Rust drops the call and uniffi cancels the task) cancels
/// the `URLSessionTask`, so a request waiting on a silent server ends at once.
public final class URLSessionTransport: HttpTransport, @unchecked Sendable {
    private let session: URLSession

    /// One transport over an ephemeral session (no cookies or cache on disk), shared by
    /// `VaoraDiary`'s calls unless they are given another.
    public static let shared = URLSessionTransport()

    /// `session`: pass your own to add a delegate (certificate pinning) or a configuration.
    public init(session: URLSession = URLSession(configuration: .ephemeral)) {
        self.session = session
    }

    public func send(request: HttpRequest) async throws -> HttpResponse {
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https" else {
            throw HttpError.Client(reason: "unusable URL \(request.url)")
        }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method
        urlRequest.timeoutInterval = Double(request.timeoutMs) / 1000
        urlRequest.cachePolicy = .reloadIgnoringLocalCacheData
        for (name, value) in request.headers {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }
        if !request.body.isEmpty {
            urlRequest.httpBody = request.body
        }
        let box = TaskBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HttpResponse, Error>) in
                let task = session.dataTask(with: urlRequest) { data, response, error in
                    if let error {
                        continuation.resume(throwing: HttpError.Network(reason: "\(url.host ?? "server"): \(error.localizedDescription)"))
                        return
                    }
                    guard let http = response as? HTTPURLResponse else {
                        continuation.resume(throwing: HttpError.Network(reason: "not an HTTP answer"))
                        return
                    }
                    var headers: [String: String] = [:]
                    for (name, value) in http.allHeaderFields {
                        if let name = name as? String, let value = value as? String {
                            headers[name] = value
                        }
                    }
                    continuation.resume(returning: HttpResponse(status: Int32(clamping: http.statusCode),
                                                                headers: headers, body: data ?? Data()))
                }
                box.set(task)
                task.resume()
            }
        } onCancel: {
            box.cancel()
        }
    }

    public func sleep(millis: Int64) async {
        // Cancelled early only when the sync itself is dropped: nothing to report then.
        let ms = UInt64(max(0, millis))
        try? await Task.sleep(nanoseconds: ms.multipliedReportingOverflow(by: 1_000_000).overflow
            ? UInt64.max : ms * 1_000_000)
    }
}

/// Holds the data task so the cancellation handler (another thread) can reach it, also when
/// the cancel comes before the task exists.
private final class TaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var cancelled = false

    func set(_ task: URLSessionDataTask) {
        lock.lock(); defer { lock.unlock() }
        self.task = task
        if cancelled { task.cancel() }
    }

    func cancel() {
        lock.lock(); defer { lock.unlock() }
        cancelled = true
        task?.cancel()
    }
}
