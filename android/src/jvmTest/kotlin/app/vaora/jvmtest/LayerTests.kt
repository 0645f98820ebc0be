// What the idiomatic layer adds over the generated calls: every call off the calling
// thread (sync from "the main thread"), change streams, the SDK's own closed error, the
// device's UTC offset and the owner's name as visible defaults, readable progress steps, the
// camera session that reuses one scanner, still pictures, and background sync handing new
// exposure alerts to the app (a real case published by the test server's authority).
package app.vaora.jvmtest

import app.vaora.BackgroundSync
import app.vaora.BackgroundSyncResult
import app.vaora.CameraScanSession
import app.vaora.CodeFinding
import app.vaora.DeskVerdict
import app.vaora.DiaryOptions
import app.vaora.ErrorCode
import app.vaora.ExposureAlert
import app.vaora.HttpRequest
import app.vaora.HttpResponse
import app.vaora.HttpTransport
import app.vaora.HttpUrlConnectionTransport
import app.vaora.InspectionForm
import app.vaora.InspectionVerdict
import app.vaora.LogLevel
import app.vaora.ManualCheckIn
import app.vaora.OwnVenueForm
import app.vaora.PlaceFinding
import app.vaora.ScanSettings
import app.vaora.SyncStep
import app.vaora.VaoraDiary
import app.vaora.VaoraException
import app.vaora.VaoraLog
import app.vaora.VenueCategory
import app.vaora.VenueCheckIn
import app.vaora.alertsFlow
import app.vaora.argbFrame
import app.vaora.checkinsFlow
import app.vaora.code
import app.vaora.lumaFrame
import app.vaora.openCheckinsFlow
import app.vaora.outboxCountsFlow
import app.vaora.peopleFlow
import app.vaora.reason
import app.vaora.scan
import app.vaora.venuePosterSvg
import java.io.File
import java.time.Instant
import java.util.Collections
import java.util.TimeZone
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/** A transport that notes the thread of each call and passes it on. */
class ThreadNotingTransport(private val inner: HttpTransport, private val threads: MutableList<String>) : HttpTransport {
    override suspend fun send(request: HttpRequest): HttpResponse {
        threads += "send:" + Thread.currentThread().name
        return inner.send(request)
    }

    override suspend fun sleep(millis: Long) = inner.sleep(millis)
}

object LayerTests {
    private fun server() = env("VAORA_SERVER_URL")

    fun run() {
        Harness.test("sync called from the main thread runs elsewhere: Rust polling, progress, HTTP and logs off main") {
            val main = Thread.currentThread()
            check(main.name == "main") { "the test must run on the JVM's main thread, not ${main.name}" }
            val threads = Collections.synchronizedList(mutableListOf<String>())
            VaoraLog.install(LogLevel.INFO) { _, _, line -> if (line.startsWith("sync done")) threads += "log:" + Thread.currentThread().name }
            try {
                // runBlocking on the main thread: the main thread's event loop, as
                // Dispatchers.Main is on Android. Nothing may run on it but the awaiting.
                runBlocking {
                    check(Thread.currentThread() === main) { "runBlocking left the main thread" }
                    DiaryTests.open("main-thread").use { v ->
                        v.checkInManually(ManualCheckIn("Quán", at = Instant.now().minusSeconds(600)))
                        threads += "observe:" + Thread.currentThread().name
                        val transport = ThreadNotingTransport(HttpUrlConnectionTransport(), threads)
                        v.registerDevice(server(), transport)
                        val steps = Collections.synchronizedList(mutableListOf<String>())
                        val summary = v.sync(onProgress = { steps += Thread.currentThread().name }, transport = transport)
                        check(summary.uploaded >= 1) { "nothing uploaded: $summary" }
                        check(steps.isNotEmpty()) { "no progress reported" }
                        // Progress is called from inside the Rust future's poll: its thread is
                        // the thread that polls the sync.
                        check(steps.none { it == main.name }) { "the sync was polled on the main thread: $steps" }
                        threads += steps.map { "progress:$it" }
                    }
                }
            } finally {
                VaoraLog.uninstall()
            }
            check(threads.any { it.startsWith("send:") }) { "no request seen: $threads" }
            check(threads.any { it.startsWith("log:") }) { "no sync log line seen: $threads" }
            val onMain = threads.filter { !it.startsWith("observe:") && it.substringAfter(':') == main.name }
            check(onMain.isEmpty()) { "work on the main thread: $onMain (all: $threads)" }
            check(threads.contains("observe:main")) { "the test body itself ran on main" }
        }

        Harness.test("blocking calls from the main thread run on the IO dispatcher") {
            val names = Collections.synchronizedList(mutableListOf<String>())
            VaoraLog.install(LogLevel.INFO) { _, _, line -> if (line.contains("diary opened")) names += Thread.currentThread().name }
            try {
                runBlocking { DiaryTests.open("main-open").use { it.owner() } }
            } finally {
                VaoraLog.uninstall()
            }
            check(names.isNotEmpty() && names.none { it == "main" }) { "open ran on $names" }
        }

        Harness.test("a closed diary throws the SDK's own error (CLOSED), not IllegalStateException") {
            val v = DiaryTests.open("closed")
            v.close()
            v.close() // twice is harmless
            val e = expectThrows<VaoraException.Storage> { runBlocking { v.owner() } }
            checkEq(ErrorCode.CLOSED, e.code, "code")
            checkEq(205, ErrorCode.CLOSED.let { app.vaora.errorCodeNumber(it) }, "number")
            val s = expectThrows<VaoraException.Storage> { runBlocking { v.sync() } }
            checkEq(ErrorCode.CLOSED, s.code, "sync on a closed diary")
        }

        Harness.test("defaults made visible: the device's own UTC offset, the owner's name on creation") {
            val saved = TimeZone.getDefault()
            try {
                TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kathmandu")) // +05:45, no DST
                DiaryTests.open("offset").use { v ->
                    checkEq(20700, v.utcOffsetSeconds, "the device's offset, not UTC+7")
                }
            } finally {
                TimeZone.setDefault(saved)
            }
            DiaryTests.open("offset-explicit", options = DiaryOptions(utcOffsetSeconds = 7 * 3600)).use {
                checkEq(25200, it.utcOffsetSeconds, "an explicit offset wins")
            }
            val dir = freshDir("owner-name")
            val path = File(dir, "diary.db").path
            runBlocking {
                VaoraDiary.open(path, XorKeyStore(9), DiaryOptions(ownerName = "Nguyễn Văn A")).use {
                    checkEq("Nguyễn Văn A", it.owner().displayName, "owner named at creation")
                    it.renamePerson(it.owner().id, "Anh A")
                }
                VaoraDiary.open(path, XorKeyStore(9), DiaryOptions(ownerName = "Other")).use {
                    checkEq("Anh A", it.owner().displayName, "a later open keeps the stored name")
                }
            }
        }

        Harness.test("change streams: people, check-ins, open check-ins, outbox counts follow committed writes") {
            runBlocking {
                DiaryTests.open("flows").use { v ->
                    withTimeout(60_000) {
                        checkEq(1, v.peopleFlow().first().size, "people now")
                        val people = async(Dispatchers.Default) { v.peopleFlow().first { it.size == 2 } }
                        val pages = async(Dispatchers.Default) { v.checkinsFlow(limit = 10).first { it.items.size == 1 } }
                        val open = async(Dispatchers.Default) { v.openCheckinsFlow().first { it.size == 1 } }
                        val outbox = async(Dispatchers.Default) { v.outboxCountsFlow().first { it.pending >= 1 } }
                        // Give the collectors time to subscribe, then write.
                        Thread.sleep(300)
                        v.addMember("Bé Na", "daughter", 2019)
                        v.checkInManually(ManualCheckIn("Nhà sách", at = Instant.now().minusSeconds(60)))
                        checkEq("Bé Na", people.await()[1].displayName, "people flow")
                        checkEq("Nhà sách", pages.await().items.single().venue.name, "check-ins flow")
                        checkEq(1, open.await().size, "open check-ins flow")
                        check(outbox.await().pending >= 1) { "outbox flow" }
                        val changes = async(Dispatchers.Default) { v.changes.first { it.people } }
                        Thread.sleep(200)
                        v.renamePerson(v.owner().id, "Mẹ")
                        val c = changes.await()
                        check(c.people && !c.checkins && !c.alerts) { "rename changed $c" }
                    }
                }
            }
        }

        Harness.test("trust: a key set from the network needs a root the app installed; installing again changes nothing") {
            val keySet = toJson(ScanTests.vectors["trust_keyset"])
            runBlocking {
                DiaryTests.open("trust-roots").use { v ->
                    val refused = expectThrows<VaoraException> { runBlocking { v.applyKeySet(keySet) } }
                    checkEq(ErrorCode.CODE_REFUSED, refused.code, "a key set before any root")
                    val trustChange = async(Dispatchers.Default) { v.changes.first { it.trust } }
                    Thread.sleep(200)
                    check(v.installRootKeySet(keySet) >= 1) { "root installed" }
                    check(withTimeout(30_000) { trustChange.await() }.trust) { "trust change" }
                    check(v.installRootKeySet(keySet) >= 1) { "installed again" }
                    check(v.applyKeySet(keySet) >= 1) { "a set signed by the installed root" }
                    val verified = v.verifyVenueCode(ScanTests.caseText("valid"))
                    checkEq(true, verified.venue?.verified, "a venue code verifies against it")
                }
            }
        }

        Harness.test("progress steps print readably") {
            checkEq("Matching", SyncStep.Matching.toString(), "Matching")
            checkEq("Uploading 2/5", SyncStep.Uploading(2, 5).toString(), "Uploading")
            checkEq("Retrying (attempt 1, in 500 ms)", SyncStep.Retrying(1, 500).toString(), "Retrying")
        }

        Harness.test("camera session: one scanner per frame shape, reused; still pictures from luma and ARGB") {
            val text = ScanTests.caseText("valid")
            val img = Luma(640, 480).apply { drawCode(text, 4, 150, 80) }
            CameraScanSession(ScanSettings(budgetMs = 2000)).use { session ->
                repeat(3) { checkEq(listOf(text), session.scan(FrameMaker.luma(img)), "frame $it") }
                checkEq(1, session.scannersMade, "one scanner for three frames of one shape")
                checkEq(listOf(text), session.scan(FrameMaker.nv21(img)), "a new shape")
                checkEq(2, session.scannersMade, "a new scanner for the new shape")
            }
            checkEq(listOf(text), lumaFrame(img.width, img.height, img.px).scan(ScanSettings(budgetMs = 2000, stillImage = true)).codes.mapNotNull { it.text }, "luma still")
            val argb = IntArray(img.px.size) { val g = img.px[it].toInt() and 0xFF; (0xFF shl 24) or (g shl 16) or (g shl 8) or g }
            checkEq(listOf(text), argbFrame(img.width, img.height, argb).scan(ScanSettings(budgetMs = 2000, stillImage = true)).codes.mapNotNull { it.text }, "ARGB still")
        }

        Harness.test("background sync hands new exposure alerts to the app once; alerts() and alertsFlow list them") {
            AlertScenario.run()
        }

        Harness.test("no one left out: a card holder's case alerts the citizen, a proxy person's alert reaches the family") {
            NoOneLeftOutScenario.run()
        }

        Harness.test("a shop registers itself from the phone: kept in myVenues, its poster, its desk, a citizen checks in, a staff phone enrols") {
            OwnVenueScenario.run()
        }

        Harness.test("an inspector enrols with the authority's code, downloads the ward list, checks a poster offline and records an inspection that syncs") {
            InspectionScenario.run()
        }

        Harness.test("background sync outcomes: offline is RetryLater, an unregistered device is Failed") {
            val path = File(freshDir("bg-outcomes"), "diary.db").path
            val store = XorKeyStore(0x61)
            runBlocking { VaoraDiary.open(path, store).use { it.checkInManually(ManualCheckIn("Chợ", at = Instant.now().minusSeconds(60))) } }
            val alerts = mutableListOf<ExposureAlert>()
            val unregistered = runBlocking { BackgroundSync({ VaoraDiary.open(path, store) }, { alerts += it }, server()).run() }
            check(unregistered is BackgroundSyncResult.Failed && unregistered.error.code == ErrorCode.SERVER_REFUSED) { "$unregistered" }
            runBlocking { VaoraDiary.open(path, store).use { it.registerDevice(server()) } }
            val offline = runBlocking { BackgroundSync({ VaoraDiary.open(path, store) }, { alerts += it }, transport = DownTransport()).run() }
            check(offline is BackgroundSyncResult.RetryLater && offline.error.code == ErrorCode.OFFLINE) { "$offline" }
            val done = runBlocking { BackgroundSync({ VaoraDiary.open(path, store) }, { alerts += it }).run() }
            check(done is BackgroundSyncResult.Done && done.summary.uploaded >= 1) { "$done" }
            checkEq(0, alerts.size, "no alerts, no hand-off")
        }
    }
}

/**
 * Two phones at one venue, a case on the first, windows published by the test server's
 * authority (through the `vaora` CLI), and the second phone's background sync.
 */
object AlertScenario {
    fun vaora(vararg args: String): List<String> {
        val p = ProcessBuilder(listOf(env("VAORA_BIN")) + args).redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readLines()
        check(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) { "vaora ${args.joinToString(" ")}: $out" }
        return out
    }

    fun run() {
        val server = env("VAORA_SERVER_URL")
        val authority = File(env("VAORA_TEST_DIR"), "server/authority")
        val rootKeySet = File(authority, "keyset.json").readText()
        val code = vaora("authority", "venue", "--server", server, "--authority", authority.path,
            "--name", "Phở Hòa Pasteur", "--category", "restaurant-shop").last()
        val now = Instant.now()
        val dir = freshDir("alerts")
        val storeB = XorKeyStore(0x72)
        val pathB = File(dir, "b.db").path
        // A stay at the venue for a phone, with the app's shipped root key set installed.
        suspend fun visit(v: VaoraDiary, from: Long, to: Long): String {
            v.installRootKeySet(rootKeySet)
            val r = v.checkInAtVenue(code)
            val c = (r as? VenueCheckIn.CheckedIn)?.checkins?.single() ?: throw AssertionFailed("check-in: $r")
            v.editTimes(c.id, now.minusSeconds(from), now.minusSeconds(to))
            return v.registerDevice(server)
        }
        val deviceA = runBlocking {
            VaoraDiary.open(File(dir, "a.db").path, XorKeyStore(0x71)).use { a ->
                visit(a, 7200, 3600).also { a.sync() }
            }
        }
        runBlocking { VaoraDiary.open(pathB, storeB).use { b -> visit(b, 5400, 1800); b.sync() } }
        val case = vaora("authority", "case", "--server", server, "--authority", authority.path, "--device", deviceA,
            "--from", now.minusSeconds(3 * 3600).toString(), "--to", now.toString()).last()
        vaora("authority", "publish", "--server", server, "--authority", authority.path, "--case", case)

        val handed = Collections.synchronizedList(mutableListOf<ExposureAlert>())
        val first = runBlocking { BackgroundSync({ VaoraDiary.open(pathB, storeB) }, { handed += it }).run() }
        check(first is BackgroundSyncResult.Done) { "first run: $first" }
        checkEq(1, handed.size, "alerts handed to the app")
        checkEq("Phở Hòa Pasteur", handed[0].venueName, "alert venue")
        val second = runBlocking { BackgroundSync({ VaoraDiary.open(pathB, storeB) }, { handed += it }).run() }
        check(second is BackgroundSyncResult.Done && second.summary.newAlerts.isEmpty()) { "second run: $second" }
        checkEq(1, handed.size, "an alert is handed over once")
        runBlocking {
            VaoraDiary.open(pathB, storeB).use { b ->
                checkEq(handed.toList(), b.alerts(), "stored alerts, listed when the app opens")
                checkEq(handed.toList(), withTimeout(30_000) { b.alertsFlow().first() }, "alerts flow")
                check(b.alerts().none { it.seen }) { "a new alert is not seen yet" }
                checkEq(1L, b.markAlertsSeen(handed.toList()), "alerts marked seen")
                check(b.alerts().all { it.seen }) { "alerts() lists them as seen" }
                checkEq(0L, b.markAlertsSeen(handed.toList()), "seen once")
            }
        }
    }
}

/**
 * Issue 17 through the SDK and the test server: the market's staff phone records a CCCD
 * holder (his number sealed to the server's authority) and a grandmother's proxy code; a
 * case opened by his card number alerts the citizen who was there with him, and the alert
 * for the grandmother reaches the family phone that declared for her.
 */
object NoOneLeftOutScenario {
    fun run() {
        val server = env("VAORA_SERVER_URL")
        val authority = File(env("VAORA_TEST_DIR"), "server/authority")
        val rootKeySet = File(authority, "keyset.json").readText()
        val code = AlertScenario.vaora("authority", "venue", "--server", server, "--authority", authority.path,
            "--name", "Chợ Bến Thành", "--category", "market").last()
        val holder = DeskTests.card("7 fields, address with commas")
        val number = holder.substringBefore('|')
        val now = Instant.now()
        val dir = freshDir("no-one-left-out")
        runBlocking {
            VaoraDiary.open(File(dir, "family.db").path, XorKeyStore(0x41)).use { family ->
                VaoraDiary.open(File(dir, "staff.db").path, XorKeyStore(0x42)).use { staff ->
                    VaoraDiary.open(File(dir, "citizen.db").path, XorKeyStore(0x43)).use { citizen ->
                        for (d in listOf(family, staff, citizen)) {
                            d.installRootKeySet(rootKeySet)
                            d.registerDevice(server)
                        }
                        val grandma = family.addMember("Bà Tư", "grandmother", 1945)
                        val grandmaCode = family.declare(ALL_CLEAR, personId = grandma.id).personalCode
                        family.sync()
                        val inside = citizen.checkInAtVenue(code)
                        check(inside is VenueCheckIn.CheckedIn) { "citizen check-in: $inside" }
                        citizen.sync()
                        staff.openStaffDesk(code).use { desk ->
                            for (text in listOf(holder, grandmaCode)) {
                                val v = desk.scan(text)?.verdict
                                check(v is DeskVerdict.Accepted) { "desk: $v" }
                            }
                        }
                        checkEq(2L, staff.sync().uploaded, "the staff phone uploads both visits")
                        val case = AlertScenario.vaora("authority", "case", "--server", server,
                            "--authority", authority.path, "--card", number,
                            "--from", now.minusSeconds(3600).toString(), "--to", now.plusSeconds(3600).toString())
                        checkEq("case check-ins 1", case.first(), "the card holder's visit")
                        AlertScenario.vaora("authority", "publish", "--server", server, "--authority", authority.path,
                            "--case", case.last())
                        val citizenAlerts = citizen.sync().newAlerts
                        checkEq(1, citizenAlerts.size, "the citizen's alert")
                        checkEq("Chợ Bến Thành", citizenAlerts.single().venueName, "alert venue")
                        val familyAlerts = family.sync().newAlerts
                        check(familyAlerts.any { it.personId == grandma.id && it.personName == "Bà Tư" }) {
                            "the grandmother's alert on the family phone: $familyAlerts"
                        }
                    }
                }
            }
        }
    }
}

/**
 * Issue 19 through the SDK and the test server: a shop's owner registers the shop from the
 * phone; it is kept in myVenues (with the management secret) across reopening, its poster
 * draws, the staff desk opens from its code and a citizen who trusts the server's key
 * checks in there; a bad phone number is refused with the server's reason and nothing is
 * kept.
 */
object OwnVenueScenario {
    fun run() {
        val server = env("VAORA_SERVER_URL")
        val rootKeySet = File(env("VAORA_TEST_DIR"), "server/authority/keyset.json").readText()
        val dir = freshDir("own-venue")
        val ownerPath = File(dir, "owner.db").path
        val form = OwnVenueForm("Tiệm may Bà Hai", "12 Hàng Gai", "Phường Hàng Gai",
            VenueCategory.RESTAURANT_OR_SHOP, 30, "0912 000 333")
        val shop = runBlocking {
            VaoraDiary.open(ownerPath, XorKeyStore(0x51)).use { owner ->
                val refused = runCatching { owner.registerOwnVenue(server, form.copy(contact = "không có số")) }
                    .exceptionOrNull()
                check(refused is VaoraException.Network && refused.reason.contains("phone")) { "bad phone: $refused" }
                checkEq(0, owner.myVenues().size, "nothing kept after a refusal")
                val shop = owner.registerOwnVenue(server, form)
                check(shop.manageSecret.matches(Regex("[0-9a-f]{32}"))) { "secret ${shop.manageSecret.length} chars" }
                checkEq("Tiệm may Bà Hai", shop.name, "name")
                check(venuePosterSvg(shop.codeText).startsWith("<svg")) { "poster" }
                // The owner's phone is the shop's desk.
                owner.installRootKeySet(rootKeySet)
                owner.openStaffDesk(shop.codeText).use { desk -> checkEq("Tiệm may Bà Hai", desk.venue().name, "desk venue") }
                shop
            }
        }
        runBlocking {
            VaoraDiary.open(ownerPath, XorKeyStore(0x51)).use { owner ->
                checkEq(listOf(shop), owner.myVenues(), "kept across reopening")
            }
            VaoraDiary.open(File(dir, "citizen.db").path, XorKeyStore(0x52)).use { citizen ->
                citizen.installRootKeySet(rootKeySet)
                val inside = citizen.checkInAtVenue(shop.codeText)
                check(inside is VenueCheckIn.CheckedIn) { "citizen check-in: $inside" }
            }
            // The owner enrols a staff phone: a code, redeemed once by a registered phone.
            val code = VaoraDiary.open(ownerPath, XorKeyStore(0x51)).use { it.staffEnrolmentCode(shop.venueId) }
            check(code.code.startsWith("VE1:")) { "enrolment code ${code.code.take(4)}" }
            VaoraDiary.open(File(dir, "staff.db").path, XorKeyStore(0x53)).use { staff ->
                staff.registerDevice(server)
                val enrolled = staff.enrolAsStaff(code.code)
                checkEq(shop.venueId, enrolled.venueId, "enrolled venue")
                checkEq("Tiệm may Bà Hai", enrolled.venueName, "enrolled venue name")
                val again = runCatching { staff.enrolAsStaff(code.code) }.exceptionOrNull()
                check(again is VaoraException.Network && again.code == ErrorCode.SERVER_REFUSED) { "used code: $again" }
            }
        }
    }
}

/**
 * Issue 19, field inspection, through the SDK and the test server: a shop registers itself
 * in a ward; an inspector's phone checks its poster offline (genuine, place not checked),
 * is refused the ward list until it redeems the authority's single-use inspector code (once
 * only), then finds the shop due on the ward list, checks the poster against it
 * (registered, in that ward) and records an inspection that the next sync uploads.
 */
object InspectionScenario {
    fun run() {
        val server = env("VAORA_SERVER_URL")
        val rootKeySet = File(env("VAORA_TEST_DIR"), "server/authority/keyset.json").readText()
        val inspectorCode = env("VAORA_INSPECTOR_CODE")
        val ward = "Phường Hàng Bông"
        val dir = freshDir("inspection")
        val form = OwnVenueForm("Quán cà phê Cô Lan", "41 Hàng Bông", ward,
            VenueCategory.RESTAURANT_OR_SHOP, 45, "0912 000 777")
        val shop = runBlocking {
            VaoraDiary.open(File(dir, "owner.db").path, XorKeyStore(0x54)).use { it.registerOwnVenue(server, form) }
        }
        runBlocking {
            VaoraDiary.open(File(dir, "inspector.db").path, XorKeyStore(0x55)).use { inspector ->
                inspector.registerDevice(server)
                inspector.installRootKeySet(rootKeySet)
                val before = inspector.checkPoster(shop.codeText)
                checkEq(shop.venueId, before.venueId, "checked venue")
                checkEq("Quán cà phê Cô Lan", before.venueName, "checked venue name")
                checkEq(CodeFinding.GENUINE, before.code, "code before the list")
                checkEq(PlaceFinding.NOT_CHECKED, before.place, "place before the list")
                checkEq(null, before.ward, "no ward before the list")

                val notYet = runCatching { inspector.downloadWorkList(ward) }.exceptionOrNull()
                check(notYet is VaoraException.Network && notYet.code == ErrorCode.SERVER_REFUSED &&
                    notYet.reason.contains("not a certified inspector")) { "work list before enrolling: $notYet" }

                inspector.enrolAsInspector(inspectorCode)
                val again = runCatching { inspector.enrolAsInspector(inspectorCode) }.exceptionOrNull()
                check(again is VaoraException.Network && again.code == ErrorCode.SERVER_REFUSED) { "used code: $again" }

                val list = inspector.downloadWorkList(ward, 14)
                val entry = list.singleOrNull { it.venueId == shop.venueId } ?: throw AssertionFailed("not on the list: $list")
                checkEq(ward, entry.ward, "entry ward")
                checkEq("Quán cà phê Cô Lan", entry.name, "entry name")
                checkEq(true, entry.due, "never inspected: due")
                checkEq(null, entry.lastVerdict, "no verdict yet")
                checkEq(list, inspector.workList(), "the list is kept")

                val after = inspector.checkPoster(shop.codeText)
                checkEq(CodeFinding.GENUINE, after.code, "code with the list")
                checkEq(PlaceFinding.REGISTERED, after.place, "place with the list")
                checkEq(ward, after.ward, "ward with the list")

                val bad = runCatching { inspector.checkPoster("not a venue code") }.exceptionOrNull()
                check(bad is VaoraException.Input && bad.code == ErrorCode.INVALID_INPUT) { "not a venue code: $bad" }

                val inspection = inspector.recordInspection(shop.codeText, InspectionForm(
                    posterDisplayed = true, visitorsScanning = false, staffDeskInUse = null, note = "Áp phích sau quầy"))
                checkEq(InspectionVerdict.NON_COMPLIANT, inspection.verdict, "verdict")
                checkEq(shop.venueId, inspection.venueId, "inspected venue")
                check(inspection.id.matches(Regex("[0-9a-f]{32}"))) { "inspection id ${inspection.id}" }
                checkEq(listOf(inspection), inspector.inspections(), "inspections")

                val summary = inspector.sync()
                check(summary.uploaded >= 1 && summary.rejected == 0) { "sync: $summary" }
                val counts = inspector.outboxCounts()
                check(counts.pending == 0L && counts.rejected == 0L) { "outbox after sync: $counts" }
            }
        }
    }
}
