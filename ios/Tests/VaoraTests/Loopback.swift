// Small loopback HTTP/1.1 stand-ins for the sync tests (the Swift twin of Loopback.kt): a
// server that takes a request and never answers (to cancel a sync while it waits), and a
// relay that passes one request to the real `vaora serve`, reads its complete answer and
// swallows it (the server stored the records, the phone never heard: a retry must not
// duplicate them). Plain POSIX sockets: Foundation on Linux has no listening socket.
import Foundation
#if canImport(Glibc)
import Glibc
private let sysRead = Glibc.read
private let sysWrite = Glibc.write
private let sysClose = Glibc.close
private let streamSocket = Int32(SOCK_STREAM.rawValue)
#elseif canImport(Darwin)
import Darwin
private let sysRead = Darwin.read
private let sysWrite = Darwin.write
private let sysClose = Darwin.close
private let streamSocket = SOCK_STREAM
#endif

/// One HTTP/1.1 message: head (first line + headers) and body (Content-Length).
struct HttpMessage {
    let head: [UInt8]
    let body: [UInt8]
    var firstLine: String {
        let text = String(decoding: head, as: UTF8.self)
        return text.components(separatedBy: "\r\n").first ?? ""
    }

    /// Reads one message from `fd`; nil when the peer closed first.
    static func read(_ fd: Int32) -> HttpMessage? {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !(head.count >= 4 && Array(head.suffix(4)) == [13, 10, 13, 10]) {
            guard sysRead(fd, &byte, 1) == 1 else { return nil }
            head.append(byte)
        }
        let text = String(decoding: head, as: UTF8.self)
        var length = 0
        for line in text.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        var body = [UInt8](repeating: 0, count: length)
        var got = 0
        while got < length {
            let n = body.withUnsafeMutableBytes { sysRead(fd, $0.baseAddress! + got, length - got) }
            guard n > 0 else { return nil }
            got += n
        }
        return HttpMessage(head: head, body: body)
    }

    func write(to fd: Int32) -> Bool {
        let all = head + body
        var sent = 0
        while sent < all.count {
            let n = all.withUnsafeBytes { sysWrite(fd, $0.baseAddress! + sent, all.count - sent) }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }
}

private func loopbackAddress(port: UInt16) -> sockaddr_in {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return addr
}

/// Connects to 127.0.0.1:`port`; returns the socket or -1.
func connectLoopback(port: UInt16) -> Int32 {
    let fd = socket(AF_INET, streamSocket, 0)
    var addr = loopbackAddress(port: port)
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    if rc != 0 { _ = sysClose(fd); return -1 }
    return fd
}

/// A loopback listener; each connection goes to `handle` on its own thread. Handlers that
/// keep a connection open call `holdOpen()`, which returns when the stub is closed.
final class LoopbackStub: @unchecked Sendable {
    private let fd: Int32
    let port: UInt16
    private let released = DispatchSemaphore(value: 0)
    var url: String { "http://127.0.0.1:\(port)" }

    init(_ handle: @escaping @Sendable (Int32, LoopbackStub) -> Void) throws {
        let sock = socket(AF_INET, streamSocket, 0)
        var addr = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(sock, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(sock, 16) == 0 else {
            _ = sysClose(sock)
            throw AssertionFailed(description: "cannot listen on loopback (errno \(errno))")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) }
        }
        fd = sock
        port = UInt16(bigEndian: addr.sin_port)
        Thread.detachNewThread { [self] in
            while true {
                let conn = accept(sock, nil, nil)
                if conn < 0 { break }
                Thread.detachNewThread {
                    handle(conn, self)
                    _ = sysClose(conn)
                }
            }
        }
    }

    /// Keeps the calling connection open, unanswered, until the stub is closed.
    func holdOpen() {
        released.wait()
        released.signal() // pass it on to the next waiter
    }

    func close() {
        released.signal()
        shutdown(fd, Int32(SHUT_RDWR)) // wakes the accepting thread
        _ = sysClose(fd)
    }

    /// Takes requests and never answers; `onRequest` runs once per complete request.
    static func blackhole(_ onRequest: @escaping @Sendable (HttpMessage) -> Void) throws -> LoopbackStub {
        try LoopbackStub { conn, stub in
            if let request = HttpMessage.read(conn) { onRequest(request) }
            stub.holdOpen()
        }
    }

    /// Like `blackhole`, then waits for the client to close the connection (end of stream):
    /// `onClosed` runs when it does, i.e. when the client abandoned the request.
    static func blackholeNoticingClose(_ onRequest: @escaping @Sendable (HttpMessage) -> Void,
                                       onClosed: @escaping @Sendable () -> Void) throws -> LoopbackStub {
        try LoopbackStub { conn, _ in
            guard let request = HttpMessage.read(conn) else { return }
            onRequest(request)
            var byte: UInt8 = 0
            if sysRead(conn, &byte, 1) <= 0 { onClosed() }
        }
    }

    /// Relays each request to `upstream` (http://127.0.0.1:PORT), reads the full answer there,
    /// calls `onAnswered(answer)` and keeps the answer to itself.
    static func swallowingRelay(_ upstream: String, _ onAnswered: @escaping @Sendable (HttpMessage?) -> Void) throws -> LoopbackStub {
        guard let port = URL(string: upstream)?.port.flatMap({ UInt16(exactly: $0) }) else {
            throw AssertionFailed(description: "no port in \(upstream)")
        }
        return try LoopbackStub { conn, stub in
            guard let request = HttpMessage.read(conn) else { return }
            let up = connectLoopback(port: port)
            var answer: HttpMessage?
            if up >= 0 {
                if request.write(to: up) { answer = HttpMessage.read(up) }
                _ = sysClose(up)
            }
            onAnswered(answer)
            stub.holdOpen()
        }
    }

    /// A loopback URL on which nothing listens (a port just closed).
    static func closedPortUrl() throws -> String {
        let stub = try LoopbackStub { _, _ in }
        let url = stub.url
        stub.close()
        return url
    }
}
