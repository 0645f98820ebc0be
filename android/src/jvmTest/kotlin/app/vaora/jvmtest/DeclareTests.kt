// Proxy declaration for a household member, the personal code it yields, and its
// verification by a scanner (text, decoded back from its own module matrix).
package app.vaora.jvmtest

import app.vaora.code
import app.vaora.ffi.ClassifiedCode
import app.vaora.ffi.ErrorCode
import app.vaora.ffi.FrameFormat
import app.vaora.ffi.NewMember
import app.vaora.ffi.ScanSettings
import app.vaora.ffi.VaoraException
import app.vaora.ffi.personalCodeMatrix
import app.vaora.ffi.personalCodePng
import app.vaora.CameraFrame
import app.vaora.CameraPlane

object DeclareTests {
    const val ALL_CLEAR = """{"travel": [], "symptoms": [], "contact_confirmed": false,
        "contact_suspected": false, "contact_outbreak_area": false, "vaccine_doses": 2, "last_dose_on": "2022-06-30"}"""
    const val FEVER = """{"travel": [], "symptoms": ["fever"], "contact_confirmed": false,
        "contact_suspected": false, "contact_outbreak_area": false, "vaccine_doses": 0}"""

    fun run() {
        Harness.test("proxy declaration for grandma: personal code verifies, proxy and attention shown") {
            ScanTests.trustedDiary("declare").use { v ->
                val grandma = v.addMember(NewMember("Bà Trần Thị Lan", "grandmother", 1948u.toUShort()))
                val mine = v.declare(null, ALL_CLEAR)
                check(!mine.isProxy) { "own declaration marked proxy" }
                checkEq("no-risk-declared", mine.status, "own status")
                val hers = v.declare(grandma.id, FEVER)
                check(hers.isProxy) { "declaration for a member is a proxy declaration" }
                checkEq("needs-attention", hers.status, "status")
                val check = v.verifyPersonalCode(hers.personalCode)
                check(check.status.startsWith("valid")) { "status ${check.status}" }
                checkEq("Bà Trần Thị Lan", check.displayName, "name in code")
                checkEq(v.owner().displayName, check.declaredBy, "declarant")
                check(check.needsAttention) { "attention lost" }
                checkEq(hers.id, v.latestDeclaration(grandma.id).id, "latest declaration")
                val classified = v.classifyText(hers.personalCode)
                check(classified is ClassifiedCode.Personal) { "classified as $classified" }
            }
        }

        Harness.test("personal code as PNG and matrix; the matrix scans back to the same text") {
            ScanTests.trustedDiary("personalpng").use { v ->
                val code = v.declare(null, ALL_CLEAR).personalCode
                val png = personalCodePng(code, 4u, 4u)
                check(png.size > 8 && png[1] == 'P'.code.toByte() && png[2] == 'N'.code.toByte()) { "not a PNG" }
                val m = personalCodeMatrix(code)
                val scale = 4
                val side = (m.size.toInt() + 8) * scale
                val px = ByteArray(side * side) { 0xF0.toByte() }
                for (y in 0 until m.size.toInt()) for (x in 0 until m.size.toInt()) {
                    if (m.modules[y * m.size.toInt() + x].toInt() == 1) {
                        for (dy in 0 until scale) for (dx in 0 until scale) {
                            px[((y + 4) * scale + dy) * side + (x + 4) * scale + dx] = 0x10
                        }
                    }
                }
                val frame = CameraFrame(side, side, FrameFormat.LUMA8, listOf(CameraPlane(CameraFrame.direct(px), side, 1)))
                checkEq(listOf(code), frame.scan(ScanSettings(budgetMs = 2000u)).codes.mapNotNull { it.text }, "decoded")
            }
        }

        Harness.test("a tampered personal code is refused; bad answers are INVALID_INPUT") {
            ScanTests.trustedDiary("tamper").use { v ->
                val code = v.declare(null, ALL_CLEAR).personalCode
                val i = code.length - 5
                val forged = code.substring(0, i) + (if (code[i] == 'A') 'B' else 'A') + code.substring(i + 1)
                checkEq("refused", v.verifyPersonalCode(forged).status, "forged")
                val e = expectThrows<VaoraException.Input> { v.declare(null, """{"symptoms": ["sneezing-loudly"]}""") }
                checkEq(ErrorCode.INVALID_INPUT, e.code, "bad answers")
            }
        }
    }
}
