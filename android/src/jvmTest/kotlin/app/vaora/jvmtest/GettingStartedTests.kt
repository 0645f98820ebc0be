// Runs the story of docs/getting-started-android.md with its own code (the snippets are
// compiled into package app.vaora.docs by `cargo xtask kotlin-test`).
package app.vaora.jvmtest

import app.vaora.docs.atTheDoor
import app.vaora.docs.checkIn
import app.vaora.docs.declareFor
import app.vaora.docs.openDiary
import app.vaora.docs.recentVisits
import app.vaora.docs.syncNow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking

object GettingStartedTests {
    fun run() {
        Harness.test("getting-started-android.md: open, check in with grandma, list, declare, sync") {
            runBlocking {
                val rootKeySet = toJson(ScanTests.vectors["trust_keyset"])
                openDiary(freshDir("getting-started"), XorKeyStore(0x55), rootKeySet).use { diary ->
                    val shown = checkIn(diary, ScanTests.caseText("valid"), withGrandma = true)
                    check(shown.startsWith("Checked in at ") && shown.endsWith("(2)")) { shown }
                    check(checkIn(diary, ScanTests.caseText("unknown-key-id"), false).startsWith("Unverified")) { "confirm" }
                    check(checkIn(diary, ScanTests.caseText("bad-signature"), false).startsWith("Refused")) { "refused" }
                    checkEq(2, recentVisits(diary).first().size, "recent visits")
                    val grandma = diary.people().single { !it.isOwner }
                    val png = declareFor(diary, grandma.id, fever = true)
                    check(png.size > 100) { "no personal code PNG" }
                    val alerts = syncNow(diary, env("VAORA_SERVER_URL"), registered = false)
                    checkEq(0, alerts.size, "no alerts on a fresh server")
                    checkEq(0L, diary.outboxCounts().pending, "everything sent")
                    diary.openStaffDesk(ScanTests.caseText("valid")).use { desk ->
                        val card = "001048009876||Nguyễn Văn Đường|09051948|Nam|Phố Huế, Hà Nội|20052021"
                        checkEq("Welcome, Nguyễn Văn Đường (1948)", atTheDoor(desk, card), "accepted")
                        checkEq(null, atTheDoor(desk, card), "held up: answered once")
                        checkEq("Card refused: check date_of_birth", atTheDoor(desk, card.replace("09051948", "31021948")), "invalid")
                    }
                }
            }
        }
    }
}
