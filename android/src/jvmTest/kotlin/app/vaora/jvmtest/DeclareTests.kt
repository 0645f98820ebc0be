// Proxy declaration for a household member with typed answers, the personal code it
// yields and its verification (text, decoded back from its own module matrix), and typed
// field errors for refused answers.
package app.vaora.jvmtest

import app.vaora.AnswerField
import app.vaora.AnswerProblem
import app.vaora.CalendarDate
import app.vaora.CameraFrame
import app.vaora.CameraPlane
import app.vaora.ClassifiedCode
import app.vaora.DeclarationStatus
import app.vaora.ErrorCode
import app.vaora.FrameFormat
import app.vaora.HealthAnswers
import app.vaora.PersonalCodeStatus
import app.vaora.ScanSettings
import app.vaora.Symptom
import app.vaora.Travel
import app.vaora.Trigger
import app.vaora.VaoraDiary
import app.vaora.VaoraException
import app.vaora.code
import app.vaora.codePng
import app.vaora.personalCodeMatrix
import app.vaora.personalCodePng
import app.vaora.scan
import app.vaora.toCalendarDate
import app.vaora.toLocalDate
import java.io.File
import java.time.LocalDate
import kotlinx.coroutines.runBlocking

object DeclareTests {
    /** A layer diary trusting the vectors' authority (its key set installed as a root). */
    fun trusted(name: String): VaoraDiary = runBlocking {
        VaoraDiary.open(File(freshDir(name), "diary.db").path, XorKeyStore(0x41)).also {
            check(it.installRootKeySet(toJson(ScanTests.vectors["trust_keyset"])) >= 1) { "no keys" }
        }
    }

    fun run() {
        Harness.test("proxy declaration for grandma: personal code verifies, proxy and attention shown") {
            runBlocking {
                trusted("declare").use { v ->
                    val grandma = v.addMember("Bà Trần Thị Lan", "grandmother", 1948)
                    checkEq(null, v.latestDeclaration(grandma.id), "no declaration yet")
                    val mine = v.declare(ALL_CLEAR)
                    check(!mine.isProxy) { "own declaration marked proxy" }
                    checkEq(DeclarationStatus.NO_RISK_DECLARED, mine.status, "own status")
                    val hers = v.declare(FEVER, personId = grandma.id)
                    check(hers.isProxy) { "declaration for a member is a proxy declaration" }
                    checkEq(DeclarationStatus.NEEDS_ATTENTION, hers.status, "status")
                    checkEq(listOf<Trigger>(Trigger.Symptom(Symptom.FEVER)), hers.triggers, "typed triggers")
                    val check = v.verifyPersonalCode(hers.personalCode)
                    check(check.status == PersonalCodeStatus.VALID || check.status == PersonalCodeStatus.VALID_SELF_SIGNED) { "status ${check.status}" }
                    checkEq("Bà Trần Thị Lan", check.displayName, "name in code")
                    checkEq(1948, check.birthYear, "birth year in code")
                    checkEq(v.owner().displayName, check.declaredBy, "declarant")
                    check(check.needsAttention) { "attention lost" }
                    checkEq(hers.id, v.latestDeclaration(grandma.id)?.id, "latest declaration")
                    val classified = v.classify(hers.personalCode)
                    check(classified is ClassifiedCode.Personal) { "classified as $classified" }
                }
            }
        }

        Harness.test("personal code as PNG and matrix (quietZone, as codePng); the matrix scans back") {
            runBlocking {
                trusted("personalpng").use { v ->
                    val code = v.declare(ALL_CLEAR).personalCode
                    val png = personalCodePng(code, 4, 4)
                    check(png.size > 8 && png[1] == 'P'.code.toByte() && png[2] == 'N'.code.toByte()) { "not a PNG" }
                    check(codePng(code, 4, 2).size < png.size) { "a smaller quiet zone makes a smaller PNG" }
                    val badScale = expectThrows<VaoraException.Input> { personalCodePng(code, 0, 4) }
                    checkEq(ErrorCode.INVALID_INPUT, badScale.code, "scale 0")
                    val m = personalCodeMatrix(code)
                    val scale = 4
                    val side = (m.size + 8) * scale
                    val px = ByteArray(side * side) { 0xF0.toByte() }
                    for (y in 0 until m.size) for (x in 0 until m.size) {
                        if (m.modules[y * m.size + x].toInt() == 1) {
                            for (dy in 0 until scale) for (dx in 0 until scale) {
                                px[((y + 4) * scale + dy) * side + (x + 4) * scale + dx] = 0x10
                            }
                        }
                    }
                    val frame = CameraFrame(side, side, FrameFormat.LUMA8, listOf(CameraPlane(CameraFrame.direct(px), side, 1)))
                    checkEq(listOf(code), frame.scan(ScanSettings(budgetMs = 2000)).codes.mapNotNull { it.text }, "decoded")
                }
            }
        }

        Harness.test("a tampered personal code is refused; refused answers name the field and the problem") {
            runBlocking {
                trusted("tamper").use { v ->
                    val code = v.declare(ALL_CLEAR).personalCode
                    val i = code.length - 5
                    val forged = code.substring(0, i) + (if (code[i] == 'A') 'B' else 'A') + code.substring(i + 1)
                    checkEq(PersonalCodeStatus.REFUSED, v.verifyPersonalCode(forged).status, "forged")
                    suspend fun refusal(a: HealthAnswers): VaoraException.InvalidAnswer {
                        try {
                            v.declare(a)
                        } catch (e: VaoraException.InvalidAnswer) {
                            checkEq(ErrorCode.INVALID_ANSWER, e.code, "code")
                            return e
                        }
                        throw AssertionFailed("accepted $a")
                    }
                    val place = refusal(HealthAnswers(travel = listOf(Travel("Chợ", "079"), Travel("  ", "Hà Nội"))))
                    checkEq(AnswerField.TRAVEL_PLACE to AnswerProblem.EMPTY, place.field to place.problem, "empty place")
                    checkEq(1, place.travelIndex, "second travel entry")
                    val date = refusal(HealthAnswers(vaccineDoses = 1, lastDoseOn = CalendarDate(2022, 2, 30)))
                    checkEq(AnswerField.LAST_DOSE_ON to AnswerProblem.NOT_A_REAL_DATE, date.field to date.problem, "30 February")
                    val future = refusal(HealthAnswers(vaccineDoses = 1, lastDoseOn = LocalDate.now().plusDays(3).toCalendarDate()))
                    checkEq(AnswerProblem.IN_THE_FUTURE, future.problem, "future dose")
                    val doses = refusal(HealthAnswers(vaccineDoses = 9, lastDoseOn = CalendarDate(2022, 1, 1)))
                    checkEq(AnswerField.VACCINE_DOSES to AnswerProblem.OUT_OF_RANGE, doses.field to doses.problem, "doses")
                    val twice = refusal(HealthAnswers(symptoms = listOf(Symptom.COUGH, Symptom.COUGH)))
                    checkEq(AnswerField.SYMPTOMS to AnswerProblem.DUPLICATE, twice.field to twice.problem, "duplicate")
                    val phone = refusal(HealthAnswers(phone = "09-01"))
                    checkEq(AnswerField.PHONE to AnswerProblem.BAD_FORMAT, phone.field to phone.problem, "phone")
                    checkEq(LocalDate.of(2022, 6, 30), CalendarDate(2022, 6, 30).toLocalDate(), "LocalDate round trip")
                }
            }
        }
    }
}
