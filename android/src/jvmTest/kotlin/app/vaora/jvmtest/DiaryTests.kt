// Household, check-in/out/edit/list and key-loss recovery through the idiomatic layer
// (`VaoraDiary`: every call a suspend function on the IO dispatcher).
package app.vaora.jvmtest

import app.vaora.CheckInKind
import app.vaora.DiaryOptions
import app.vaora.ErrorCode
import app.vaora.ManualCheckIn
import app.vaora.VaoraDiary
import app.vaora.VaoraException
import app.vaora.VenueCategory
import app.vaora.code
import java.io.File
import java.time.Instant
import kotlinx.coroutines.runBlocking

object DiaryTests {
    fun open(name: String, store: XorKeyStore = XorKeyStore(0x21), options: DiaryOptions = DiaryOptions()): VaoraDiary =
        runBlocking { VaoraDiary.open(File(freshDir(name), "diary.db").path, store, options) }

    /** A UTC offset that makes the local time now about noon (tests that must not cross local midnight). */
    fun noonOffsetSeconds(): Int {
        val secondsOfDay = (Instant.now().epochSecond % 86_400).toInt()
        val offset = Math.floorMod(12 * 3600 - secondsOfDay, 86_400)
        return if (offset > 12 * 3600) offset - 86_400 else offset
    }

    fun run() {
        Harness.test("household: owner plus a member, a family check-in, check-out of all") {
            runBlocking {
                open("household").use { v ->
                    val owner = v.owner()
                    check(owner.isOwner) { "owner flag" }
                    checkEq(VaoraDiary.defaultOwnerName, owner.displayName, "owner's default name")
                    checkEq("Tôi", VaoraDiary.defaultOwnerName, "the default is documented as Tôi")
                    val grandma = v.addMember("Bà Nguyễn Thị Hoa", "grandmother", 1950)
                    checkEq("Bà Nguyễn Thị Hoa", grandma.displayName, "member name round trip")
                    checkEq(1950, grandma.birthYear, "birth year as Int")
                    checkEq(2, v.people().size, "people")
                    val done = v.checkInManually(
                        ManualCheckIn(
                            venueName = "Chợ Bến Thành",
                            people = listOf(owner.id, grandma.id),
                            venueAddress = "Lê Lợi, Quận 1",
                            category = VenueCategory.MARKET,
                            at = Instant.now().minusSeconds(3600),
                        ),
                    )
                    checkEq(2, done.size, "one check-in per person")
                    checkEq(setOf(owner.id, grandma.id), done.map { it.personId }.toSet(), "people checked in")
                    check(done.all { it.kind == CheckInKind.MANUAL_ENTRY && it.checkedOutAt == null }) { "open manual check-ins" }
                    checkEq(VenueCategory.MARKET, done[0].venue.category, "category enum round trip")
                    checkEq(2, v.openCheckins().size, "open check-ins")
                    val closed = v.checkOutAll()
                    checkEq(done.map { it.id }.toSet(), closed.toSet(), "closed ids")
                    checkEq(0, v.openCheckins().size, "open after check-out")
                    val listed = v.checkinPage().items
                    checkEq(2, listed.size, "listed")
                    check(listed.all { it.checkedOutAt != null }) { "listed as closed" }
                    v.renamePerson(owner.id, "Trần Văn An")
                    checkEq("Trần Văn An", v.owner().displayName, "owner renamed")
                    v.removePerson(grandma.id)
                    checkEq(listOf(owner.id), v.people().map { it.id }, "member removed")
                }
            }
        }

        Harness.test("checkpoint folds the write-ahead log into the diary; data stays") {
            runBlocking {
                open("checkpoint").use { v ->
                    v.checkInManually(ManualCheckIn("Nhà thuốc Long Châu", at = Instant.now().minusSeconds(600)))
                    check(v.checkpoint() > 0) { "frames checkpointed after a check-in" }
                    checkEq("Nhà thuốc Long Châu", v.checkinPage().items.single().venue.name, "check-in kept")
                    checkEq(32, v.devicePublicKey().size, "device key")
                }
            }
        }

        Harness.test("a new check-in of the same person closes the previous one; edit times; check out one") {
            runBlocking {
                open("overlap").use { v ->
                    val t0 = Instant.now().minusSeconds(3 * 3600)
                    val first = v.checkInManually(ManualCheckIn("Quán A", at = t0)).single()
                    val second = v.checkInManually(ManualCheckIn("Quán B", at = t0.plusSeconds(3600))).single()
                    check(v.checkin(first.id).checkedOutAt != null) { "first stay still open" }
                    checkEq(listOf(second.id), v.openCheckins().map { it.id }, "open check-ins")
                    val edited = v.editTimes(first.id, t0.minusSeconds(600), t0.plusSeconds(1800))
                    checkEq(t0.minusSeconds(600).toEpochMilli(), edited.checkedInAt.toEpochMilli(), "edited check-in time")
                    val e = expectThrows<VaoraException.Input> { runBlocking { v.editTimes(first.id, t0, t0.minusSeconds(60)) } }
                    checkEq(ErrorCode.INVALID_INPUT, e.code, "out before in")
                    checkEq(2, v.checkinPage(personId = v.owner().id).items.size, "person list")
                    checkEq(listOf(second.id), v.checkOut(second.id), "checked out one")
                }
            }
        }

        Harness.test("paging by cursor: every check-in once, even with one added between pages") {
            runBlocking {
                // Local noon now (no local midnight among the check-ins), all within the
                // default stay: none is closed by time, each new one supersedes the last.
                open("paging", options = DiaryOptions(utcOffsetSeconds = noonOffsetSeconds())).use { v ->
                    val t0 = Instant.now().minusSeconds(70 * 60)
                    repeat(7) { i -> v.checkInManually(ManualCheckIn("Quán $i", at = t0.plusSeconds(600L * i))) }
                    val first = v.checkinPage(limit = 3)
                    checkEq(listOf("Quán 6", "Quán 5", "Quán 4"), first.items.map { it.venue.name }, "newest first")
                    v.checkInManually(ManualCheckIn("Mới"))
                    val seen = first.items.map { it.id }.toMutableList()
                    var next = first.next
                    while (next != null) {
                        val page = v.checkinPage(after = next, limit = 3)
                        seen += page.items.map { it.id }
                        next = page.next
                    }
                    checkEq(7, seen.size, "older check-ins walked")
                    checkEq(7, seen.toSet().size, "no repeats")
                    val bad = expectThrows<VaoraException.Input> { runBlocking { v.checkinPage(limit = 0) } }
                    checkEq(ErrorCode.INVALID_INPUT, bad.code, "limit 0")
                    val token = expectThrows<VaoraException.Input> { runBlocking { v.checkinPage(after = "12") } }
                    checkEq(ErrorCode.INVALID_INPUT, token.code, "bad token")
                }
            }
        }

        Harness.test("bad ids and unknown records: INVALID_INPUT and NOT_FOUND") {
            runBlocking {
                open("badids").use { v ->
                    val bad = expectThrows<VaoraException.Input> { runBlocking { v.checkin("not-an-id") } }
                    checkEq(ErrorCode.INVALID_INPUT, bad.code, "bad id")
                    val missing = expectThrows<VaoraException.Input> { runBlocking { v.checkin("00112233445566778899aabbccddeeff") } }
                    checkEq(ErrorCode.NOT_FOUND, missing.code, "missing id")
                }
            }
        }

        Harness.test("key-loss recovery: old diary moved aside (kept), fresh diary opens") {
            val dir = freshDir("recovery")
            val path = File(dir, "diary.db").path
            val oldKey = runBlocking {
                VaoraDiary.open(path, XorKeyStore(0x31)).use {
                    it.checkInManually(ManualCheckIn("Trước"))
                    it.devicePublicKey()
                }
            }
            val lost = expectThrows<VaoraException.Key> { runBlocking { VaoraDiary.open(path, LostKeyStore()).close() } }
            checkEq(ErrorCode.KEY_LOST, lost.code, "code")
            val store = XorKeyStore(0x32)
            runBlocking {
                VaoraDiary.recoverAfterKeyLoss(path, store).use { v ->
                    val moved = v.movedAsideTo ?: throw AssertionFailed("nothing moved aside")
                    check(File(moved).exists()) { "moved file missing" }
                    check(File("$moved.sealed-key").exists()) { "old sealed key not kept beside it" }
                    checkEq(0, v.checkinPage().items.size, "fresh diary is empty")
                    check(!v.devicePublicKey().contentEquals(oldKey)) { "same device key after recovery" }
                }
                // The fresh diary reopens with the new store; the moved one still opens with
                // the old store (the key came back), check-in intact.
                VaoraDiary.open(path, store).close()
                val moved = dir.listFiles()!!.single { it.name.contains(".unreadable-") && !it.name.endsWith(".sealed-key") }
                VaoraDiary.open(moved.path, XorKeyStore(0x31)).use {
                    checkEq("Trước", it.checkinPage().items.single().venue.name, "old check-in kept")
                }
            }
        }
    }
}
