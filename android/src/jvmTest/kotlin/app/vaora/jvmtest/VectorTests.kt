// The shared vectors of declarations, personal codes and ID cards (docs/vectors/*.json),
// as far as the FFI reaches them: `declare` (each case's status and triggers, which
// province inputs are accepted), `verifyPersonalCode` (which codes are refused) and
// `classifyText` (what each card text is). The FFI signs with the diary's own key and
// runs on the real clock, so the byte-exact parts (bodies, signatures, card hashes, the
// parsed card fields) are checked by the Rust tests only.
package app.vaora.jvmtest

import app.vaora.ClassifiedCode
import app.vaora.ErrorCode
import app.vaora.NewMember
import app.vaora.AnswerField
import app.vaora.HealthAnswers
import app.vaora.PersonalCodeStatus
import app.vaora.Travel
import app.vaora.VaoraException
import app.vaora.code
import java.io.File

object VectorTests {
    @Suppress("UNCHECKED_CAST")
    fun load(name: String): Map<String, Any?> =
        MiniJson.parse(File(env("VAORA_VECTORS"), name).readText()) as Map<String, Any?>

    @Suppress("UNCHECKED_CAST")
    private fun list(v: Any?): List<Map<String, Any?>> = v as List<Map<String, Any?>>

    fun run() {
        Harness.test("declaration vectors: the FFI's status and triggers match each case's summary") {
            val v = load("declarations.json")
            ScanTests.trustedDiary("vector-declarations").use { diary ->
                for (case in list(v["cases"])) {
                    @Suppress("UNCHECKED_CAST")
                    val d = case["declaration"] as Map<String, Any?>
                    @Suppress("UNCHECKED_CAST")
                    val forWhom = d["declared_for"] as Map<String, Any?>
                    val person = if (forWhom["kind"] == "self") {
                        null
                    } else {
                        @Suppress("UNCHECKED_CAST")
                        val subject = d["subject"] as Map<String, Any?>
                        diary.addMember(NewMember(subject["name"] as String, "member", null)).id
                    }
                    @Suppress("UNCHECKED_CAST")
                    val made = diary.declare(person, answersFromJson(d["answers"] as Map<String, Any?>))
                    // "no-risk-declared", or "needs-attention: a, b, c".
                    val summary = case["summary"] as String
                    val status = summary.substringBefore(": ")
                    val triggers = if (summary.contains(": ")) summary.substringAfter(": ").split(", ") else emptyList()
                    checkEq(status, made.status.name.lowercase().replace('_', '-'), "${case["name"]}: status")
                    checkEq(triggers, made.triggers.map(::triggerName), "${case["name"]}: triggers")
                    checkEq(person != null, made.isProxy, "${case["name"]}: proxy")
                }
            }
        }

        Harness.test("province vectors: declare accepts exactly the inputs that name a province") {
            val v = load("declarations.json")
            ScanTests.trustedDiary("vector-provinces").use { diary ->
                var refused = 0
                for (case in list(v["provinces"])) {
                    val input = case["input"] as String
                    val answers = HealthAnswers(travel = listOf(Travel("Chợ", input)))
                    if (case["code"] != null) {
                        diary.declare(null, answers)
                    } else {
                        val e = expectThrows<VaoraException.InvalidAnswer> { diary.declare(null, answers) }
                        checkEq(ErrorCode.INVALID_ANSWER, e.code, "province ${toJson(input)}")
                        checkEq(AnswerField.TRAVEL_PROVINCE, e.field, "field")
                        checkEq(0, e.travelIndex, "travel entry")
                        refused++
                    }
                }
                check(refused >= 5) { "only $refused refusals checked" }
            }
        }

        Harness.test("personal-code vectors: the FFI refuses exactly the codes the vectors refuse") {
            val v = load("personal-codes.json")
            val accepted = setOf("valid", "valid-self-signed", "expired")
            ScanTests.trustedDiary("vector-personal").use { diary ->
                for (case in list(v["verifications"])) {
                    // This diary reads the real clock and does not trust the vectors'
                    // authority (vn-byt-test-1), so an accepted code may come out expired,
                    // and a bad certificate counts as self-signed, not refused (the first
                    // certificate check of docs/personal-code.md): only refusal is compared.
                    val got = diary.verifyPersonalCode(case["text"] as String)
                    val expected = case["expected"] as String
                    val wantRefused = expected !in accepted && expected != "bad-certificate"
                    checkEq(wantRefused, got.status == PersonalCodeStatus.REFUSED, "${case["name"]}: ${got.status}")
                }
            }
        }

        Harness.test("ID-card vectors: classifyText sorts every card text as the vectors say") {
            val v = load("id-cards.json")
            ScanTests.trustedDiary("vector-cards").use { diary ->
                var checked = 0
                for (case in list(v["cccd"]) + list(v["bhyt"])) {
                    val text = case["text"] as String
                    val kind = when (diary.classifyText(text)) {
                        is ClassifiedCode.CitizenId -> "cccd"
                        is ClassifiedCode.HealthInsurance -> "bhyt"
                        is ClassifiedCode.Unknown -> "unknown"
                        else -> "other"
                    }
                    checkEq(case["classified_as"], kind, "${case["name"]}")
                    checked++
                }
                check(checked >= 60) { "only $checked cards checked" }
            }
        }
    }
}
