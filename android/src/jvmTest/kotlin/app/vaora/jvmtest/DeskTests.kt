// The staff desk through the idiomatic layer: a venue's staff phone records visitors
// without a phone from their CCCD (shared vectors) or a proxy personal code; repeats from a
// camera loop are answered once; invalid cards name the field at fault; visitors leave.
// Also a household member from a scanned card.
package app.vaora.jvmtest

import app.vaora.DeskIdentifiedBy
import app.vaora.DeskSettings
import app.vaora.DeskVerdict
import app.vaora.DeskVisitState
import app.vaora.ErrorCode
import app.vaora.VaoraException
import app.vaora.code
import kotlinx.coroutines.runBlocking

object DeskTests {
    /** The text of the CCCD vector `name` (`docs/vectors/id-cards.json`). */
    @Suppress("UNCHECKED_CAST")
    fun card(name: String): String {
        val v = VectorTests.load("id-cards.json")
        return (v["cccd"] as List<Map<String, Any?>>).single { it["name"] == name }["text"] as String
    }

    fun run() {
        Harness.test("staff desk: a CCCD is accepted once, a held-up card is quiet, then already inside") {
            runBlocking {
                DeclareTests.trusted("desk-loop").use { staff ->
                    staff.openStaffDesk(ScanTests.caseText("valid")).use { desk ->
                        val hoa = card("7 fields, address with commas")
                        val first = desk.scan(hoa) ?: throw AssertionFailed("no answer")
                        val id = (first.verdict as? DeskVerdict.Accepted)?.checkinId
                            ?: throw AssertionFailed("verdict ${first.verdict}")
                        checkEq("Nguyễn Thị Hoa", first.visitor?.displayName, "name from the card")
                        checkEq(1985, first.visitor?.birthYear, "birth year from the card")
                        checkEq(DeskIdentifiedBy.Cccd, first.visitor?.identifiedBy, "identified by")
                        repeat(30) { checkEq(null, desk.scan(hoa), "repeat within the window") }
                        checkEq(1L, staff.outboxCounts().pending, "one visit queued")
                        desk.setSettings(DeskSettings(repeatWindowMs = 0))
                        checkEq(DeskVerdict.AlreadyInside(id), desk.scan(hoa)?.verdict, "second sighting")
                        checkEq(1L, staff.outboxCounts().pending, "still one visit queued")
                    }
                }
            }
        }

        Harness.test("staff desk: invalid cards name the field, venue codes are not door codes, proxy codes say who declared") {
            runBlocking {
                DeclareTests.trusted("desk-family").use { family ->
                    DeclareTests.trusted("desk-verdicts").use { staff ->
                        val desk = staff.openStaffDesk(ScanTests.caseText("valid"))
                        val bad = desk.scan(card("31 February"))?.verdict
                        checkEq(
                            DeskVerdict.InvalidCard("date_of_birth", "bad-date", (bad as? DeskVerdict.InvalidCard)?.reason ?: ""),
                            bad,
                            "31 February",
                        )
                        checkEq(DeskVerdict.NotADoorCode("venue"), desk.scan(ScanTests.caseText("valid"))?.verdict, "poster")
                        val grandma = family.addMember("Bà Tư", "grandmother", 1945)
                        val code = family.declare(ALL_CLEAR, personId = grandma.id).personalCode
                        desk.setSettings(DeskSettings(requireCertified = true))
                        val strict = desk.scan(code) ?: throw AssertionFailed("no answer")
                        checkEq(DeskVerdict.NotCertified, strict.verdict, "self-signed at a strict desk")
                        checkEq("Bà Tư", strict.visitor?.displayName, "who was refused")
                        desk.setSettings(DeskSettings())
                        val ok = desk.scan(code) ?: throw AssertionFailed("no answer")
                        check(ok.verdict is DeskVerdict.Accepted) { "verdict ${ok.verdict}" }
                        val how = ok.visitor?.identifiedBy as? DeskIdentifiedBy.PersonalCode
                            ?: throw AssertionFailed("identified by ${ok.visitor?.identifiedBy}")
                        checkEq(family.owner().displayName, how.declaredBy, "declarant")
                        checkEq(false, how.certified, "self-signed")
                        checkEq(1L, staff.outboxCounts().pending, "only the accepted visit is queued")
                        desk.close()
                    }
                }
            }
        }

        Harness.test("staff desk: every invalid card of the shared vectors is refused with its check and field") {
            runBlocking {
                DeclareTests.trusted("desk-vectors").use { staff ->
                    val desk = staff.openStaffDesk(ScanTests.caseText("valid"))
                    val v = VectorTests.load("id-cards.json")
                    @Suppress("UNCHECKED_CAST")
                    val cases = (v["cccd"] as List<Map<String, Any?>>) + (v["bhyt"] as List<Map<String, Any?>>)
                    var refused = 0
                    for (case in cases) {
                        @Suppress("UNCHECKED_CAST")
                        val expected = case["expected"] as Map<String, Any?>
                        // Texts without a card's shape are not cards at all (classified unknown).
                        if (expected["error"] == null || case["classified_as"] == "unknown") continue
                        val got = desk.scan(case["text"] as String)?.verdict as? DeskVerdict.InvalidCard
                            ?: throw AssertionFailed("${case["name"]}: not an invalid card")
                        checkEq(expected["error"], got.code, "${case["name"]}: check")
                        checkEq(expected["field"], got.field, "${case["name"]}: field")
                        refused++
                    }
                    check(refused >= 40) { "only $refused invalid cards" }
                    checkEq(0L, staff.outboxCounts().pending, "nothing stored")
                    desk.close()
                }
            }
        }

        Harness.test("staff desk: visitors leave by check-out; a visit ends once; unknown venues are refused") {
            runBlocking {
                DeclareTests.trusted("desk-leave").use { staff ->
                    val desk = staff.openStaffDesk(ScanTests.caseText("valid"))
                    val a = (desk.scan(card("7 fields, address with commas"))?.verdict as DeskVerdict.Accepted).checkinId
                    val b = (desk.scan(card("6 fields, born 2000"))?.verdict as DeskVerdict.Accepted).checkinId
                    val before = desk.visitorsToday()
                    checkEq(listOf(b, a), before.map { it.checkinId }, "newest first")
                    check(before.all { it.state == DeskVisitState.INSIDE }) { "states $before" }
                    desk.checkOut(a)
                    val after = desk.visitorsToday().associateBy { it.checkinId }
                    checkEq(DeskVisitState.CHECKED_OUT, after[a]?.state, "checked out")
                    checkEq(DeskVisitState.INSIDE, after[b]?.state, "still inside")
                    val again = expectThrows<VaoraException.Input> { runBlocking { desk.checkOut(a) } }
                    checkEq(ErrorCode.INVALID_INPUT, again.code, "a visit ends once")
                    checkEq(3L, staff.outboxCounts().pending, "two visits and one check-out queued")
                    desk.close()
                }
                val untrusting = app.vaora.VaoraDiary.open(java.io.File(freshDir("desk-untrusting"), "d.db").path, XorKeyStore(0x42))
                untrusting.use { d ->
                    val refused = expectThrows<VaoraException.Input> { runBlocking { d.openStaffDesk(ScanTests.caseText("valid")) } }
                    checkEq(ErrorCode.CODE_REFUSED, refused.code, "a venue the trust store does not know")
                }
            }
        }

        Harness.test("household member from a scanned CCCD; an invalid card stores nothing") {
            runBlocking {
                DeclareTests.trusted("member-from-card").use { v ->
                    val hoa = v.addMemberFromCard(card("7 fields, address with commas"), "mother")
                    checkEq("Nguyễn Thị Hoa", hoa.displayName, "name")
                    checkEq(1985, hoa.birthYear, "birth year")
                    val bad = expectThrows<VaoraException.Input> { runBlocking { v.addMemberFromCard(card("31 February")) } }
                    checkEq(ErrorCode.INVALID_INPUT, bad.code, "invalid card")
                    checkEq(2, v.people().size, "the owner and the one member")
                }
            }
        }
    }
}
