// Small loopback HTTP/1.1 stand-ins for the sync tests: a server that takes a request and
// never answers (to cancel a sync while it waits), and a relay that passes one request to
// the real `vaora serve`, reads its complete answer, and swallows it (so the server has
// stored the records but the phone never heard so: the case a retry must not duplicate).
package app.vaora.jvmtest

import java.io.ByteArrayOutputStream
import java.io.InputStream
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.net.URI
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit

/** One HTTP/1.1 message: head (request/status line + headers) and body (Content-Length). */
class HttpMessage(val head: String, val body: ByteArray) {
    val firstLine: String get() = head.substringBefore("\r\n")
    fun bytes(): ByteArray = head.toByteArray(Charsets.ISO_8859_1) + body

    companion object {
        /** Reads one message; null when the peer closed before sending a complete head. */
        fun read(input: InputStream): HttpMessage? {
            val head = ByteArrayOutputStream()
            var tail = 0
            while (tail != 0x0d0a0d0a) {
                val b = input.read()
                if (b < 0) return null
                head.write(b)
                tail = (tail shl 8) or b
            }
            val text = head.toString(Charsets.ISO_8859_1)
            val length = text.split("\r\n")
                .firstOrNull { it.lowercase().startsWith("content-length:") }
                ?.substringAfter(':')?.trim()?.toInt() ?: 0
            val body = input.readNBytes(length)
            if (body.size != length) return null
            return HttpMessage(text, body)
        }
    }
}

/**
 * A loopback listener; each connection goes to [handle] on its own thread. Handlers that
 * hold a connection open wait on [released], which [close] opens.
 */
class LoopbackStub(private val handle: (Socket, LoopbackStub) -> Unit) : AutoCloseable {
    private val server = ServerSocket(0, 16, InetAddress.getLoopbackAddress())
    val released = CountDownLatch(1)
    val url: String = "http://127.0.0.1:${server.localPort}"

    init {
        Thread {
            while (!server.isClosed) {
                val socket = try { server.accept() } catch (_: Exception) { break }
                Thread { socket.use { handle(it, this) } }.apply { isDaemon = true }.start()
            }
        }.apply { isDaemon = true }.start()
    }

    /** Keeps a connection open, unanswered, until the stub is closed. */
    fun holdOpen() {
        released.await(10, TimeUnit.MINUTES)
    }

    override fun close() {
        released.countDown()
        server.close()
    }

    companion object {
        /** Takes requests and never answers; [onRequest] runs once per complete request. */
        fun blackhole(onRequest: (HttpMessage) -> Unit) = LoopbackStub { socket, stub ->
            val request = HttpMessage.read(socket.getInputStream())
            if (request != null) onRequest(request)
            stub.holdOpen()
        }

        /**
         * Like [blackhole], and then waits for the client to close the connection (end of
         * stream): [onClosed] runs when it does, i.e. when the client abandoned the request.
         */
        fun blackholeNoticingClose(onRequest: (HttpMessage) -> Unit, onClosed: () -> Unit) = LoopbackStub { socket, _ ->
            val input = socket.getInputStream()
            val request = HttpMessage.read(input) ?: return@LoopbackStub
            onRequest(request)
            val eof = try { input.read() < 0 } catch (_: java.io.IOException) { true }
            if (eof) onClosed()
        }

        /**
         * Relays each request to [upstream] and reads the full answer there; then calls
         * [onAnswered] (request, answer) and keeps the answer to itself.
         */
        fun swallowingRelay(upstream: String, onAnswered: (HttpMessage, HttpMessage) -> Unit) =
            LoopbackStub { socket, stub ->
                val request = HttpMessage.read(socket.getInputStream()) ?: return@LoopbackStub
                val target = URI(upstream)
                Socket(target.host, target.port).use { up ->
                    up.getOutputStream().apply { write(request.bytes()); flush() }
                    val answer = HttpMessage.read(up.getInputStream())
                        ?: throw AssertionFailed("the server closed without answering")
                    onAnswered(request, answer)
                }
                stub.holdOpen()
            }

        /** A loopback URL on which nothing listens (a port just closed). */
        fun closedPortUrl(): String {
            val port = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
            return "http://127.0.0.1:$port"
        }
    }
}
