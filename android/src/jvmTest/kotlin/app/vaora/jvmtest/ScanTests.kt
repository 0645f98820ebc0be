// Venue codes from the shared vectors (docs/vectors/venue-codes.json): verification, frames
// in every pixel format rendered from the vector payloads, scan + classify + check in.
package app.vaora.jvmtest

import app.vaora.CameraFrame
import app.vaora.CameraPlane
import app.vaora.DirectScan
import app.vaora.scanFrame
import app.vaora.code
import app.vaora.ClassifiedCode
import app.vaora.DiaryOptions
import app.vaora.ErrorCode
import app.vaora.FrameFormat
import app.vaora.ScanSettings
import app.vaora.scan
import app.vaora.Vaora
import app.vaora.VaoraException
import app.vaora.KeySetTrust
import app.vaora.VenueCheckIn
import app.vaora.VenueVerification
import app.vaora.codeMatrix
import java.io.File
import java.nio.ByteBuffer

/** A grey picture of a code: [scale] px a module, 4 modules of quiet zone, placed at (left, top). */
class Luma(val width: Int, val height: Int) {
    val px = ByteArray(width * height) { 0xE0.toByte() }

    fun drawCode(text: String, scale: Int, left: Int, top: Int) {
        val m = codeMatrix(text)
        val size = m.size
        val quiet = 4 * scale
        for (y in 0 until (size * scale + 2 * quiet)) for (x in 0 until (size * scale + 2 * quiet)) {
            val mx = (x - quiet) / scale
            val my = (y - quiet) / scale
            val dark = x >= quiet && y >= quiet && mx < size && my < size && m.modules[my * size + mx].toInt() == 1
            val px_ = left + x
            val py = top + y
            if (px_ in 0 until width && py in 0 until height) px[py * width + px_] = if (dark) 0x20 else 0xE0.toByte()
        }
    }
}

/** The same picture in each platform layout, with padded strides. */
object FrameMaker {
    fun luma(img: Luma, pad: Int = 0): CameraFrame {
        val stride = img.width + pad
        val buf = ByteArray(stride * img.height)
        for (y in 0 until img.height) System.arraycopy(img.px, y * img.width, buf, y * stride, img.width)
        return CameraFrame(img.width, img.height, FrameFormat.LUMA8, listOf(CameraPlane(CameraFrame.direct(buf), stride, 1)))
    }

    fun nv21(img: Luma): CameraFrame {
        val y = CameraFrame.direct(img.px)
        val vu = CameraFrame.direct(ByteArray(img.width * (img.height / 2)) { 0x80.toByte() })
        return CameraFrame(img.width, img.height, FrameFormat.NV21,
            listOf(CameraPlane(y, img.width, 1), CameraPlane(vu, img.width, 2)))
    }

    /** Android YUV_420_888 as most devices deliver it: chroma planes with pixel stride 2. */
    fun yuv420(img: Luma, rowPad: Int = 32): CameraFrame {
        val stride = img.width + rowPad
        val ybuf = ByteArray(stride * img.height)
        for (r in 0 until img.height) System.arraycopy(img.px, r * img.width, ybuf, r * stride, img.width)
        val cw = img.width / 2
        val ch = img.height / 2
        val clen = stride * (ch - 1) + (cw - 1) * 2 + 1
        val u = CameraFrame.direct(ByteArray(clen) { 0x80.toByte() })
        val v = CameraFrame.direct(ByteArray(clen) { 0x80.toByte() })
        return CameraFrame(img.width, img.height, FrameFormat.YUV420,
            listOf(CameraPlane(CameraFrame.direct(ybuf), stride, 1), CameraPlane(u, stride, 2), CameraPlane(v, stride, 2)))
    }

    fun bgra(img: Luma): CameraFrame {
        val buf = ByteArray(img.width * img.height * 4)
        for (i in img.px.indices) {
            buf[4 * i] = img.px[i]; buf[4 * i + 1] = img.px[i]; buf[4 * i + 2] = img.px[i]; buf[4 * i + 3] = -1
        }
        return CameraFrame(img.width, img.height, FrameFormat.BGRA8888, listOf(CameraPlane(CameraFrame.direct(buf), img.width * 4, 4)))
    }

    /** The picture turned 90° clockwise, with the rotation that makes it upright again. */
    fun turned(img: Luma): CameraFrame {
        val out = Luma(img.height, img.width)
        for (y in 0 until img.height) for (x in 0 until img.width) {
            out.px[x * out.width + (img.height - 1 - y)] = img.px[y * img.width + x]
        }
        return luma(out).let { CameraFrame(it.width, it.height, it.format, it.planes, rotationDegrees = 270) }
    }
}

object ScanTests {
    @Suppress("UNCHECKED_CAST")
    val vectors: Map<String, Any?> by lazy {
        MiniJson.parse(File(env("VAORA_VECTORS"), "venue-codes.json").readText()) as Map<String, Any?>
    }

    @Suppress("UNCHECKED_CAST")
    val cases: List<Map<String, Any?>> get() = vectors["cases"] as List<Map<String, Any?>>

    fun caseText(name: String): String = cases.single { it["name"] == name }["text"] as String

    fun trustedDiary(name: String): Vaora {
        val v = Vaora.open(File(freshDir(name), "diary.db").path, XorKeyStore(0x41), DiaryOptions())
        val keys = v.applyKeyset(toJson(vectors["trust_keyset"]), KeySetTrust.PIN_AS_ROOT)
        check(keys >= 1) { "no keys applied" }
        return v
    }

    private val expected = mapOf(
        "valid" to VenueVerification.VALID,
        "unknown-key-id" to VenueVerification.UNKNOWN_KEY_ID,
        "bad-signature" to VenueVerification.BAD_SIGNATURE,
        "expired" to VenueVerification.EXPIRED,
        "key-revoked" to VenueVerification.KEY_REVOKED,
        "venue-revoked" to VenueVerification.VENUE_REVOKED,
        "malformed" to VenueVerification.MALFORMED,
    )

    fun run() {
        Harness.test("every venue-code vector verifies as the vectors say") {
            trustedDiary("vectors").use { v ->
                var checked = 0
                for (c in cases) {
                    // "not-yet-valid" depends on the vectors' fixed clock; this diary runs on the real one.
                    val want = expected[c["expected"] as String] ?: continue
                    val got = v.verifyVenueCode(c["text"] as String)
                    checkEq(want, got.verification, "case ${c["name"]}")
                    checked++
                }
                check(checked >= 14) { "only $checked cases checked" }
                @Suppress("UNCHECKED_CAST")
                val fields = cases.single { it["name"] == "valid-long-vietnamese" }["fields"] as Map<String, Any?>
                val venue = v.verifyVenueCode(caseText("valid-long-vietnamese")).venue ?: throw AssertionFailed("no venue")
                checkEq(fields["name"], venue.name, "Vietnamese name exact")
                checkEq(fields["address"], venue.address, "Vietnamese address exact")
            }
        }

        Harness.test("frames in every layout decode the vector payload (luma, padded, NV21, YUV_420_888, BGRA, rotated)") {
            val text = caseText("valid-long-vietnamese")
            val img = Luma(1280, 720).apply { drawCode(text, 6, 400, 100) }
            val frames = mapOf(
                "luma" to FrameMaker.luma(img),
                "luma+pad" to FrameMaker.luma(img, pad = 64),
                "nv21" to FrameMaker.nv21(img),
                "yuv420" to FrameMaker.yuv420(img),
                "bgra" to FrameMaker.bgra(img),
                "turned" to FrameMaker.turned(img),
            )
            for ((name, frame) in frames) {
                val report = frame.scan(ScanSettings(budgetMs = 2000))
                checkEq(listOf(text), report.codes.mapNotNull { it.text }, "frame $name")
            }
            // A camera session: one scanner per layout, reused frame after frame.
            for ((name, frame) in frames) {
                frame.scanner(ScanSettings(budgetMs = 2000)).use { scanner ->
                    repeat(2) { i ->
                        checkEq(listOf(text), scanner.scan(frame).codes.mapNotNull { it.text }, "scanner $name, frame $i")
                    }
                    val blank = FrameMaker.luma(Luma(1280, 720))
                    if (name == "luma") checkEq(0, scanner.scan(blank).codes.size, "blank frame through the scanner")
                }
            }
        }

        Harness.test("scan, classify and check in from a camera frame") {
            trustedDiary("scancheckin").use { v ->
                val text = caseText("valid")
                val frame = FrameMaker.nv21(Luma(1280, 720).apply { drawCode(text, 6, 300, 60) })
                val found = v.scanCodes(frame.layout(), ScanSettings(budgetMs = 2000), frame.plane(0), frame.plane(1), frame.plane(2))
                val venue = (found.single() as? ClassifiedCode.Venue)?.code ?: throw AssertionFailed("not a venue: $found")
                checkEq(VenueVerification.VALID, venue.verification, "verification")
                val result = v.checkInAtVenue(venue.text, emptyList(), false)
                val done = (result as? VenueCheckIn.CheckedIn)?.checkins ?: throw AssertionFailed("not checked in: $result")
                checkEq(venue.venue?.name, done.single().venue.name, "checked-in venue")
                check(done.single().venue.verified) { "venue not marked verified" }
            }
        }

        Harness.test("refused codes write nothing, even confirmed; unknown keys need confirmation; unknown text is unknown") {
            trustedDiary("refused").use { v ->
                for (name in listOf("bad-signature", "key-revoked", "venue-revoked", "malformed-truncated")) {
                    for (confirmed in listOf(false, true)) {
                        val r = v.checkInAtVenue(caseText(name), emptyList(), confirmed)
                        check(r is VenueCheckIn.Refused) { "case $name (confirmed $confirmed): $r" }
                    }
                }
                val unknown = v.checkInAtVenue(caseText("unknown-key-id"), emptyList(), false)
                val asked = (unknown as? VenueCheckIn.NeedsConfirmation)?.code ?: throw AssertionFailed("unknown key: $unknown")
                checkEq(VenueVerification.UNKNOWN_KEY_ID, asked.verification, "verification to show")
                checkEq(0, v.checkinPage(null, null, 10).items.size, "nothing written")
                val confirmed = v.checkInAtVenue(caseText("unknown-key-id"), emptyList(), true)
                val stored = (confirmed as? VenueCheckIn.CheckedIn)?.checkins?.single() ?: throw AssertionFailed("$confirmed")
                check(!stored.venue.verified) { "a confirmed unknown-key venue is stored unverified" }
                val other = v.classifyText("https://example.org/menu")
                check(other is ClassifiedCode.Unknown) { "classified as $other" }
            }
        }

        Harness.test("the camera fast lane answers as the generated call does, reads planes from their position, falls back for errors") {
            val a = caseText("valid")
            val b = caseText("valid-long-vietnamese")
            val img = Luma(1280, 720).apply { drawCode(a, 5, 40, 60); drawCode(b, 5, 700, 60) }
            val all = ScanSettings(budgetMs = 4000, exhaustive = true)
            for ((name, frame) in mapOf("luma" to FrameMaker.luma(img), "nv21" to FrameMaker.nv21(img), "yuv420" to FrameMaker.yuv420(img))) {
                val direct = DirectScan.scan(frame, all) ?: throw AssertionFailed("$name: the fast lane did not answer")
                val generated = scanFrame(frame.layout(), all, frame.plane(0), frame.plane(1), frame.plane(2))
                checkEq(setOf(a, b), direct.codes.mapNotNull { it.text }.toSet(), "$name: both codes")
                checkEq(generated.codes.map { it.text }.sortedBy { it }, direct.codes.map { it.text }.sortedBy { it }, "$name: texts")
                checkEq(generated.codes.map { it.bytes.toList() }.sortedBy { it.toString() },
                    direct.codes.map { it.bytes.toList() }.sortedBy { it.toString() }, "$name: bytes")
                checkEq(generated.budgetExhausted, direct.budgetExhausted, "$name: budget flag")
            }
            // A plane whose buffer starts 7 bytes before the picture (position 7): read from there.
            val single = Luma(640, 480).apply { drawCode(a, 5, 100, 100) }
            val shifted = ByteBuffer.allocateDirect(7 + single.px.size)
            shifted.put(ByteArray(7) { 0x55 }).put(single.px).position(7)
            val frame = CameraFrame(640, 480, FrameFormat.LUMA8, listOf(CameraPlane(shifted, 640, 1)))
            checkEq(listOf(a), (DirectScan.scan(frame, ScanSettings(budgetMs = 2000)) ?: throw AssertionFailed("no answer")).codes.mapNotNull { it.text }, "shifted plane")
            checkEq(listOf(a), scanFrame(frame.layout(), ScanSettings(budgetMs = 2000), frame.plane(0), frame.plane(1), frame.plane(2)).codes.mapNotNull { it.text }, "shifted plane, generated")
            checkEq(7, shifted.position(), "the caller's buffer position is untouched")
            // A frame the fast lane cannot read answers null; CameraFrame.scan then throws the typed error.
            val short = CameraFrame(640, 480, FrameFormat.LUMA8, listOf(CameraPlane(CameraFrame.direct(ByteArray(1000)), 640, 1)))
            checkEq(null, DirectScan.scan(short, ScanSettings()), "short plane: no fast answer")
            checkEq(ErrorCode.BAD_FRAME, expectThrows<VaoraException.Input> { short.scan() }.code, "short plane: typed error")
        }

        Harness.test("bad frames are errors with BAD_FRAME, never crashes") {
            val short = CameraFrame(640, 480, FrameFormat.LUMA8, listOf(CameraPlane(CameraFrame.direct(ByteArray(1000)), 640, 1)))
            checkEq(ErrorCode.BAD_FRAME, expectThrows<VaoraException.Input> { short.scan() }.code, "short buffer")
            val strideSmall = CameraFrame(640, 480, FrameFormat.LUMA8, listOf(CameraPlane(CameraFrame.direct(ByteArray(640 * 480)), 600, 1)))
            checkEq(ErrorCode.BAD_FRAME, expectThrows<VaoraException.Input> { strideSmall.scan() }.code, "row stride")
            val noPlanes = CameraFrame(64, 64, FrameFormat.YUV420, listOf(CameraPlane(CameraFrame.direct(ByteArray(64 * 64)), 64, 1)))
            checkEq(ErrorCode.BAD_FRAME, expectThrows<VaoraException.Input> { noPlanes.scan() }.code, "missing planes")
            val rotation = CameraFrame(8, 8, FrameFormat.LUMA8, listOf(CameraPlane(CameraFrame.direct(ByteArray(64)), 8, 1)), rotationDegrees = 45)
            checkEq(ErrorCode.BAD_FRAME, expectThrows<VaoraException.Input> { rotation.scan() }.code, "rotation")
            // A scanner refuses a layout it can never read, and a frame that does not fit it.
            checkEq(ErrorCode.BAD_FRAME, expectThrows<VaoraException.Input> { noPlanes.scanner() }.code, "scanner: missing planes")
            checkEq(ErrorCode.BAD_FRAME, expectThrows<VaoraException.Input> { rotation.scanner() }.code, "scanner: rotation")
            val fits = CameraFrame(640, 480, FrameFormat.LUMA8, listOf(CameraPlane(CameraFrame.direct(ByteArray(640 * 480)), 640, 1)))
            fits.scanner().use { scanner ->
                checkEq(ErrorCode.BAD_FRAME, expectThrows<VaoraException.Input> { scanner.scan(short) }.code, "scanner: short buffer")
                checkEq(0, scanner.scan(fits).codes.size, "scanner still works after a bad frame")
            }
        }
    }
}
