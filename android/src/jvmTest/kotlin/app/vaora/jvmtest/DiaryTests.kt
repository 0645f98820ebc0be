// Household, check-in/out/edit/list and key-loss recovery through the FFI.
package app.vaora.jvmtest

import app.vaora.code
import app.vaora.ffi.CheckInKind
import app.vaora.ffi.DiaryOptions
import app.vaora.ffi.ErrorCode
import app.vaora.ffi.ManualCheckIn
import app.vaora.ffi.NewMember
import app.vaora.ffi.Vaora
import app.vaora.ffi.VaoraException
import java.io.File
import java.time.Instant

object DiaryTests {
    private fun open(name: String, store: XorKeyStore = XorKeyStore(0x21)): Vaora =
        Vaora.open(File(freshDir(name), "diary.db").path, store, DiaryOptions())

    fun run() {
        Harness.test("household: owner plus a member, a family check-in, check-out of all") {
            open("household").use { v ->
                val owner = v.owner()
                check(owner.isOwner) { "owner flag" }
                val grandma = v.addMember(NewMember("Bà Nguyễn Thị Hoa", "grandmother", 1950u.toUShort()))
                checkEq("Bà Nguyễn Thị Hoa", grandma.displayName, "member name round trip")
                val people = v.listPeople()
                checkEq(2, people.size, "people")
                val done = v.checkInManual(
                    ManualCheckIn(listOf(owner.id, grandma.id), "Chợ Bến Thành", "Lê Lợi, Quận 1", 3u.toUByte(), Instant.now().minusSeconds(3600)),
                )
                checkEq(2, done.size, "one check-in per person")
                checkEq(setOf(owner.id, grandma.id), done.map { it.personId }.toSet(), "people checked in")
                check(done.all { it.kind == CheckInKind.MANUAL_ENTRY && it.checkedOutAt == null }) { "open manual check-ins" }
                checkEq("Chợ Bến Thành", done[0].venue.name, "venue name")
                checkEq(2, v.openCheckins().size, "open check-ins")
                val closed = v.checkOut(null, null)
                checkEq(done.map { it.id }.toSet(), closed.toSet(), "closed ids")
                checkEq(0, v.openCheckins().size, "open after check-out")
                val listed = v.listCheckins(0u, 10u)
                checkEq(2, listed.size, "listed")
                check(listed.all { it.checkedOutAt != null }) { "listed as closed" }
            }
        }

        Harness.test("checkpoint folds the write-ahead log into the diary; data stays") {
            open("checkpoint").use { v ->
                v.checkInManual(ManualCheckIn(emptyList(), "Nhà thuốc Long Châu", at = Instant.now().minusSeconds(600)))
                check(v.checkpoint() > 0u) { "frames checkpointed after a check-in" }
                checkEq("Nhà thuốc Long Châu", v.listCheckins(0u, 10u).single().venue.name, "check-in kept")
            }
        }

        Harness.test("a new check-in of the same person closes the previous one; edit times") {
            open("overlap").use { v ->
                val t0 = Instant.now().minusSeconds(3 * 3600)
                val first = v.checkInManual(ManualCheckIn(emptyList(), "Quán A", at = t0)).single()
                val second = v.checkInManual(ManualCheckIn(emptyList(), "Quán B", at = t0.plusSeconds(3600))).single()
                val firstNow = v.checkin(first.id)
                check(firstNow.checkedOutAt != null) { "first stay still open" }
                checkEq(listOf(second.id), v.openCheckins().map { it.id }, "open check-ins")
                val edited = v.editTimes(first.id, t0.minusSeconds(600), t0.plusSeconds(1800))
                checkEq(t0.minusSeconds(600).toEpochMilli(), edited.checkedInAt.toEpochMilli(), "edited check-in time")
                val e = expectThrows<VaoraException.Input> {
                    v.editTimes(first.id, t0, t0.minusSeconds(60))
                }
                checkEq(ErrorCode.INVALID_INPUT, e.code, "out before in")
                checkEq(2, v.listPersonCheckins(v.owner().id, null, 0u, 10u).size, "person list")
            }
        }

        Harness.test("bad ids and unknown records: INVALID_INPUT and NOT_FOUND") {
            open("badids").use { v ->
                val bad = expectThrows<VaoraException.Input> { v.checkin("not-an-id") }
                checkEq(ErrorCode.INVALID_INPUT, bad.code, "bad id")
                val missing = expectThrows<VaoraException.Input> { v.checkin("00112233445566778899aabbccddeeff") }
                checkEq(ErrorCode.NOT_FOUND, missing.code, "missing id")
            }
        }

        Harness.test("key-loss recovery: old diary moved aside (kept), fresh diary opens") {
            val dir = freshDir("recovery")
            val path = File(dir, "diary.db").path
            val oldKey = Vaora.open(path, XorKeyStore(0x31), DiaryOptions()).use {
                it.checkInManual(ManualCheckIn(emptyList(), "Trước"))
                it.devicePublicKey()
            }
            val lost = expectThrows<VaoraException.Key> { Vaora.open(path, LostKeyStore(), DiaryOptions()).close() }
            checkEq(ErrorCode.KEY_LOST, lost.code, "code")
            val store = XorKeyStore(0x32)
            Vaora.recoverAfterKeyLoss(path, store, DiaryOptions()).use { v ->
                val moved = v.movedAsideTo() ?: throw AssertionFailed("nothing moved aside")
                check(File(moved).exists()) { "moved file missing" }
                check(File("$moved.sealed-key").exists()) { "old sealed key not kept beside it" }
                checkEq(0, v.listCheckins(0u, 10u).size, "fresh diary is empty")
                check(!v.devicePublicKey().contentEquals(oldKey)) { "same device key after recovery" }
            }
            // The fresh diary reopens with the new store; the moved one still opens with the
            // old store (the key came back), check-in intact.
            Vaora.open(path, store, DiaryOptions()).close()
            val moved = dir.listFiles()!!.single { it.name.contains(".unreadable-") && !it.name.endsWith(".sealed-key") }
            Vaora.open(moved.path, XorKeyStore(0x31), DiaryOptions()).use {
                checkEq("Trước", it.listCheckins(0u, 10u).single().venue.name, "old check-in kept")
            }
        }
    }
}
