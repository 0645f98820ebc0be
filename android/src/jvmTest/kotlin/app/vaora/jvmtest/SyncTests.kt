// Async sync (Kotlin `suspend`) against a real `vaora serve` on loopback, started by
// `cargo xtask kotlin-test` (VAORA_SERVER_URL), every request through the Kotlin layer's
// HttpUrlConnectionTransport: registration, upload counts, an idempotent second sync, the
// typed OFFLINE result with the outbox kept (closed port, and a transport that always
// fails), both ways to cancel (the SyncCancel handle, and cancelling the coroutine) with
// nothing lost or duplicated, and the transport's own timeout and error answers.
package app.vaora.jvmtest

import app.vaora.HttpUrlConnectionTransport
import app.vaora.code
import app.vaora.DiaryOptions
import app.vaora.ErrorCode
import app.vaora.HttpException
import app.vaora.HttpRequest
import app.vaora.HttpResponse
import app.vaora.HttpTransport
import app.vaora.ManualCheckIn
import app.vaora.NewMember
import app.vaora.SyncCancel
import app.vaora.SyncListener
import app.vaora.SyncStep
import app.vaora.Vaora
import app.vaora.VaoraException
import app.vaora.VenueCategory
import java.io.File
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking

/** Records every progress step the library reports. */
class StepRecorder : SyncListener {
    val steps: MutableList<SyncStep> = Collections.synchronizedList(mutableListOf())
    override fun onProgress(step: SyncStep) {
        steps += step
    }
    fun uploads() = steps.filterIsInstance<SyncStep.Uploading>()
    fun retries() = steps.filterIsInstance<SyncStep.Retrying>()
}

/** A transport whose every request fails as a network error; its sleeps return at once. */
class DownTransport : HttpTransport {
    val sends = AtomicInteger()
    val sleeps: MutableList<Long> = Collections.synchronizedList(mutableListOf())
    override suspend fun send(request: HttpRequest): HttpResponse {
        sends.incrementAndGet()
        throw HttpException.Network("no route to host (test)")
    }
    override suspend fun sleep(millis: Long) {
        sleeps += millis
    }
}

object SyncTests {
    private fun server() = env("VAORA_SERVER_URL")
    private val http = HttpUrlConnectionTransport()

    /** A fresh diary with the owner and a member checked in together, then checked out. */
    private fun diaryWithStays(name: String): Vaora {
        val v = Vaora.open(File(freshDir(name), "diary.db").path, XorKeyStore(0x44), DiaryOptions())
        val member = v.addMember(NewMember("Trần Văn Bình", "son", 2012))
        // An hour ago: a check-out "now" in the same millisecond as the check-in is refused.
        val at = java.time.Instant.now().minusSeconds(3600)
        v.checkInManual(ManualCheckIn("Nhà sách Phương Nam", listOf(v.owner().id, member.id), "Quận 3", VenueCategory.RESTAURANT_OR_SHOP, at))
        v.checkOut(null, null)
        return v
    }

    fun run() {
        Harness.test("sync: register, upload every pending record; a second sync uploads nothing") {
            diaryWithStays("sync-basic").use { v ->
                val before = v.outboxCounts()
                check(before.pending >= 2L) { "two check-ins should wait in the outbox, got $before" }
                checkEq(0L, before.synced, "synced before the first sync")
                val deviceId = runBlocking { v.registerDevice(http, server()) }
                check(deviceId.matches(Regex("[0-9a-f]{32}"))) { "device id $deviceId" }

                val steps = StepRecorder()
                val first = runBlocking { v.sync(http, null, steps, null) }
                checkEq(before.pending, first.uploaded, "uploaded on the first sync")
                checkEq(0L, first.duplicates, "duplicates on the first sync")
                checkEq(0, first.rejected, "rejected on the first sync")
                checkEq(before.pending, steps.uploads().firstOrNull()?.pending, "pending in the first progress step")
                check(steps.steps.any { it is SyncStep.Matching }) { "no Matching step in ${steps.steps}" }
                val after = v.outboxCounts()
                checkEq(0L, after.pending, "pending after sync")
                checkEq(before.pending, after.synced, "synced after sync")

                val second = runBlocking { v.sync(http, null, null, null) }
                checkEq(0L, second.uploaded, "uploaded on the second sync")
                checkEq(0L, second.duplicates, "duplicates on the second sync")

                // A new stay later on: exactly its records go up.
                v.checkInManual(ManualCheckIn("Cà phê Trung Nguyên"))
                val fresh = v.outboxCounts().pending
                check(fresh >= 1L) { "the new check-in is pending" }
                val third = runBlocking { v.sync(http, server(), null, null) }
                checkEq(fresh, third.uploaded, "uploaded on the third sync")
                checkEq(0L, v.outboxCounts().pending, "pending after the third sync")
            }
        }

        Harness.test("sync before registering: SERVER_REFUSED-kind error, outbox kept") {
            diaryWithStays("sync-unregistered").use { v ->
                val pending = v.outboxCounts().pending
                val e = expectThrows<VaoraException.Network> { runBlocking { v.sync(http, server(), null, null) } }
                checkEq(ErrorCode.SERVER_REFUSED, e.code, "code")
                checkEq(pending, v.outboxCounts().pending, "pending kept")
            }
        }

        Harness.test("sync offline (closed port): OFFLINE after retries, outbox kept, later sync completes") {
            diaryWithStays("sync-offline").use { v ->
                runBlocking { v.registerDevice(http, server()) }
                val pending = v.outboxCounts().pending
                val steps = StepRecorder()
                val e = expectThrows<VaoraException.Network> {
                    runBlocking { v.sync(http, LoopbackStub.closedPortUrl(), steps, null) }
                }
                checkEq(ErrorCode.OFFLINE, e.code, "code")
                check(steps.retries().isNotEmpty()) { "no retries reported: ${steps.steps}" }
                checkEq(pending, v.outboxCounts().pending, "pending kept while offline")
                val back = runBlocking { v.sync(http, null, null, null) }
                checkEq(pending, back.uploaded, "uploaded once back online")
                checkEq(0L, back.duplicates, "duplicates once back online")
            }
        }

        Harness.test("a transport that always fails: retried through its sleep, then OFFLINE, outbox kept") {
            diaryWithStays("sync-transport-down").use { v ->
                runBlocking { v.registerDevice(http, server()) }
                val pending = v.outboxCounts().pending
                val down = DownTransport()
                val steps = StepRecorder()
                val e = expectThrows<VaoraException.Network> { runBlocking { v.sync(down, null, steps, null) } }
                checkEq(ErrorCode.OFFLINE, e.code, "code")
                check(e.reason.contains("no route to host (test)")) { "reason ${e.reason}" }
                // Six attempts (the default), five backoff waits, each reported as a step.
                checkEq(6, down.sends.get(), "requests tried")
                checkEq(5, down.sleeps.size, "backoff waits asked of the transport")
                checkEq(down.sleeps.toList(), steps.retries().map { it.delayMs }, "waits match the Retrying steps")
                checkEq(pending, v.outboxCounts().pending, "pending kept")
                val back = runBlocking { v.sync(http, null, null, null) }
                checkEq(pending, back.uploaded, "uploaded once the network is back")
            }
        }

        Harness.test("a URL the transport cannot use: NETWORK at once (no retries), outbox kept") {
            diaryWithStays("sync-bad-url").use { v ->
                runBlocking { v.registerDevice(http, server()) }
                val pending = v.outboxCounts().pending
                val steps = StepRecorder()
                val e = expectThrows<VaoraException.Network> { runBlocking { v.sync(http, "ftp://127.0.0.1:1", steps, null) } }
                checkEq(ErrorCode.NETWORK, e.code, "code")
                checkEq(0, steps.retries().size, "retries")
                checkEq(pending, v.outboxCounts().pending, "pending kept")
            }
        }

        Harness.test("HttpUrlConnectionTransport: a 4xx is an answer with its body; a silent server times out") {
            val missing = runBlocking {
                http.send(HttpRequest("GET", server() + "/v1/no-such-route", emptyMap(), ByteArray(0), 10_000L))
            }
            check(missing.status in 400..499) { "status ${missing.status}" }
            LoopbackStub.blackhole { }.use { hole ->
                val e = expectThrows<HttpException.Network> {
                    runBlocking {
                        http.send(HttpRequest("POST", hole.url + "/v1/records", mapOf("Content-Type" to "application/cbor"), byteArrayOf(1, 2, 3), 300L))
                    }
                }
                check(e.reason.contains("within 300 ms")) { "reason ${e.reason}" }
            }
        }

        Harness.test("SyncCancel before the start: CANCELLED, nothing sent") {
            diaryWithStays("sync-cancel-early").use { v ->
                runBlocking { v.registerDevice(http, server()) }
                val pending = v.outboxCounts().pending
                val requests = AtomicInteger()
                LoopbackStub.blackhole { requests.incrementAndGet() }.use { hole ->
                    val cancel = SyncCancel()
                    cancel.cancel()
                    check(cancel.isCancelled()) { "isCancelled after cancel" }
                    val e = expectThrows<VaoraException.Cancelled> { runBlocking { v.sync(http, hole.url, null, cancel) } }
                    checkEq(ErrorCode.CANCELLED, e.code, "code")
                }
                checkEq(0, requests.get(), "requests that reached the server")
                checkEq(pending, v.outboxCounts().pending, "pending kept")
            }
        }

        Harness.test("SyncCancel while the server holds the upload: CANCELLED, outbox kept, then uploaded once") {
            diaryWithStays("sync-cancel-wait").use { v ->
                runBlocking { v.registerDevice(http, server()) }
                val pending = v.outboxCounts().pending
                val cancel = SyncCancel()
                val seen = mutableListOf<String>()
                LoopbackStub.blackhole { req -> seen += req.firstLine; cancel.cancel() }.use { hole ->
                    val e = expectThrows<VaoraException.Cancelled> { runBlocking { v.sync(http, hole.url, null, cancel) } }
                    checkEq(ErrorCode.CANCELLED, e.code, "code")
                }
                checkEq(listOf("POST /v1/records HTTP/1.1"), seen, "requests the blackhole took")
                checkEq(pending, v.outboxCounts().pending, "pending kept")
                val done = runBlocking { v.sync(http, null, null, null) }
                checkEq(pending, done.uploaded, "uploaded after the cancelled sync")
                checkEq(0L, done.duplicates, "duplicates after the cancelled sync")
            }
        }

        Harness.test("SyncCancel after the server stored the upload but before the phone heard: retry reports duplicates, nothing twice") {
            diaryWithStays("sync-cancel-lost-answer").use { v ->
                runBlocking { v.registerDevice(http, server()) }
                val pending = v.outboxCounts().pending
                val cancel = SyncCancel()
                val statuses = mutableListOf<String>()
                LoopbackStub.swallowingRelay(server()) { _, answer -> statuses += answer.firstLine; cancel.cancel() }.use { relay ->
                    val e = expectThrows<VaoraException.Cancelled> { runBlocking { v.sync(http, relay.url, null, cancel) } }
                    checkEq(ErrorCode.CANCELLED, e.code, "code")
                }
                checkEq(1, statuses.size, "answers swallowed")
                check(statuses[0].startsWith("HTTP/1.1 200")) { "the server did not accept the upload: ${statuses[0]}" }
                checkEq(pending, v.outboxCounts().pending, "still pending on the phone")
                val retry = runBlocking { v.sync(http, null, null, null) }
                checkEq(0L, retry.uploaded, "uploaded again (would be a duplicate row)")
                checkEq(pending, retry.duplicates, "recognised as already stored")
                checkEq(0L, v.outboxCounts().pending, "pending after the retry")
                checkEq(pending, v.outboxCounts().synced, "synced after the retry")
            }
        }

        Harness.test("cancelling the coroutine drops the Rust future and disconnects the request; a later sync uploads once") {
            diaryWithStays("sync-cancel-coroutine").use { v ->
                runBlocking { v.registerDevice(http, server()) }
                val pending = v.outboxCounts().pending
                val arrived = CountDownLatch(1)
                val abandoned = CountDownLatch(1)
                LoopbackStub.blackholeNoticingClose({ arrived.countDown() }, { abandoned.countDown() }).use { hole ->
                    runBlocking {
                        val job = async(Dispatchers.Default, start = CoroutineStart.DEFAULT) {
                            v.sync(http, hole.url, null, null)
                        }
                        check(arrived.await(2, TimeUnit.MINUTES)) { "the upload never reached the blackhole" }
                        job.cancel()
                        val outcome = runCatching { job.await() }
                        check(outcome.exceptionOrNull() is CancellationException) { "outcome $outcome" }
                        check(job.isCancelled) { "job not cancelled" }
                    }
                    // The transport's connection is closed, not left waiting on the server.
                    check(abandoned.await(2, TimeUnit.MINUTES)) { "the HTTP connection stayed open after the cancel" }
                }
                checkEq(pending, v.outboxCounts().pending, "pending kept")
                val done = runBlocking { v.sync(http, null, null, null) }
                checkEq(pending, done.uploaded, "uploaded after the cancelled coroutine")
                checkEq(0L, done.duplicates, "duplicates after the cancelled coroutine")
            }
        }
    }
}
