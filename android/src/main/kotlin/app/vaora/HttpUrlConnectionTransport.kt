// The sync engine's HTTP, from the platform: java.net.HttpURLConnection (OkHttp underneath
// on Android), so requests use the system trust store, the user's proxy and any network
// security config / pinning the app declares, and the Rust library carries no HTTP or TLS
// stack (docs/adr/0003-platform-http-on-phones.md). Pure Kotlin: the same class runs on the
// JVM in `cargo xtask kotlin-test` and on Android.
package app.vaora

import java.io.IOException
import java.net.HttpURLConnection
import java.net.SocketTimeoutException
import java.net.URI
import java.net.URL
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeoutOrNull

/**
 * [HttpTransport] on [HttpURLConnection]. The blocking exchange runs on [io]; the request's
 * timeout bounds the whole exchange (connect, send, read). Cancelling the calling coroutine
 * (a cancelled sync: Rust drops the call and uniffi cancels the coroutine) disconnects the
 * connection, so a request waiting on a silent server ends at once. [configure] may adjust
 * each connection before it is used (an SSLSocketFactory for pinning, extra headers).
 */
class HttpUrlConnectionTransport(
    private val io: CoroutineDispatcher = Dispatchers.IO,
    private val configure: (HttpURLConnection) -> Unit = {},
) : HttpTransport {
    override suspend fun send(request: HttpRequest): HttpResponse {
        val url = parseUrl(request.url)
        val timeoutMs = request.timeoutMs.coerceIn(1L, Int.MAX_VALUE.toLong())
        return withTimeoutOrNull(timeoutMs) { exchange(url, request, timeoutMs.toInt()) }
            ?: throw noAnswer(url, timeoutMs)
    }

    override suspend fun sleep(millis: Long) {
        delay(millis.coerceAtLeast(0L))
    }

    private fun parseUrl(text: String): URL {
        val url = try {
            URI(text).toURL()
        } catch (e: Exception) {
            throw HttpException.Client("malformed URL: ${e.message}")
        }
        if (url.protocol != "http" && url.protocol != "https") {
            throw HttpException.Client("unsupported URL scheme ${url.protocol}")
        }
        return url
    }

    /** Runs the blocking exchange on [io]; a cancel while it waits disconnects the socket. */
    private suspend fun exchange(url: URL, request: HttpRequest, timeoutMs: Int): HttpResponse =
        coroutineScope {
            val conn = url.openConnection() as HttpURLConnection
            // The blocking part never throws: a failure comes back as a value, so a late I/O
            // error after a cancel cannot replace the cancellation.
            val work = async(io) { runCatching { blockingExchange(conn, request, timeoutMs) } }
            val outcome = try {
                work.await()
            } catch (e: CancellationException) {
                conn.disconnect()
                throw e
            }
            outcome.getOrElse { throw toHttpException(it, url, timeoutMs) }
        }

    private fun blockingExchange(conn: HttpURLConnection, request: HttpRequest, timeoutMs: Int): HttpResponse {
        conn.requestMethod = request.method
        conn.connectTimeout = timeoutMs
        conn.readTimeout = timeoutMs
        conn.useCaches = false
        for ((name, value) in request.headers) conn.setRequestProperty(name, value)
        configure(conn)
        if (request.body.isNotEmpty()) {
            conn.doOutput = true
            conn.setFixedLengthStreamingMode(request.body.size)
            conn.outputStream.use { it.write(request.body) }
        }
        val status = conn.responseCode
        // The status line comes under a null name: skip it.
        val headers = conn.headerFields.entries
            .mapNotNull { (name, values) -> if (name == null || values.isEmpty()) null else name to values.joinToString(", ") }
            .toMap()
        // 4xx/5xx bodies come from the error stream (the input stream throws for them).
        val stream = if (status >= 400) conn.errorStream else conn.inputStream
        val body = stream?.use { it.readBytes() } ?: ByteArray(0)
        return HttpResponse(status, headers, body)
    }

    /** The one wording of a timeout, whichever clock saw it first (the socket's or the coroutine's). */
    private fun noAnswer(url: URL, timeoutMs: Long) = HttpException.Network("no answer from ${url.host} within $timeoutMs ms")

    private fun toHttpException(e: Throwable, url: URL, timeoutMs: Int): HttpException = when (e) {
        is HttpException -> e
        is SocketTimeoutException -> noAnswer(url, timeoutMs.toLong())
        // Unreachable, refused, reset, timed out, TLS failures: all worth a retry.
        is IOException -> HttpException.Network("${url.host}: ${e.javaClass.simpleName}: ${e.message}")
        is SecurityException -> HttpException.Network("no network permission: ${e.message}")
        else -> HttpException.Client("${e.javaClass.simpleName}: ${e.message}")
    }
}
