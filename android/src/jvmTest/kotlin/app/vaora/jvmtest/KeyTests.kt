// Opening the diary through the KeyStore foreign trait, errors with codes, logging, panics.
package app.vaora.jvmtest

import app.vaora.VaoraDiary
import app.vaora.VaoraLog
import app.vaora.code
import app.vaora.DiaryOptions
import app.vaora.ErrorCode
import app.vaora.LogLevel
import app.vaora.Vaora
import app.vaora.VaoraException
import app.vaora.testHookPanic
import app.vaora.vaoraVersion
import app.vaora.number
import java.io.File
import java.util.Collections
import kotlinx.coroutines.runBlocking

object KeyTests {
    private fun indexOf(haystack: ByteArray, needle: ByteArray): Int {
        outer@ for (i in 0..haystack.size - needle.size) {
            for (j in needle.indices) if (haystack[i + j] != needle[j]) continue@outer
            return i
        }
        return -1
    }

    fun run() {
        Harness.test("version is the crate version") {
            check(vaoraVersion().matches(Regex("""\d+\.\d+\.\d+.*"""))) { "version ${vaoraVersion()}" }
        }

        Harness.test("key store round trip: create, seal, reopen with the same identity") {
            val dir = freshDir("roundtrip")
            val path = File(dir, "diary.db").path
            val store = XorKeyStore(0x5a)
            val first = Vaora.open(path, store, DiaryOptions()).use { it.devicePublicKey() }
            checkEq(32, first.size, "public key length")
            checkEq(1, store.seals.get(), "seal calls")
            val sealedFile = File("$path.sealed-key")
            check(sealedFile.exists()) { "sealed key file missing" }
            val raw = store.lastRawKey ?: throw AssertionFailed("key was never sealed")
            checkEq(32, raw.size, "raw key length")
            check(indexOf(sealedFile.readBytes(), raw) < 0) { "raw key found in the sealed file" }
            check(indexOf(File(path).readBytes(), raw) < 0) { "raw key found in the diary file" }
            val again = Vaora.open(path, store, DiaryOptions()).use { it.devicePublicKey() }
            check(first.contentEquals(again)) { "device key changed after reopen" }
            checkEq(1, store.seals.get(), "a reopen must not seal a new key")
        }

        Harness.test("coroutine layer opens the diary on the IO dispatcher") {
            val dir = freshDir("coroutines")
            val path = File(dir, "diary.db").path
            val key = runBlocking {
                VaoraDiary.open(path, XorKeyStore(0x11)).use { it.devicePublicKey() }
            }
            checkEq(32, key.size, "public key length")
        }

        Harness.test("wrong key: Key exception with code WRONG_KEY, file unchanged") {
            val dir = freshDir("wrongkey")
            val path = File(dir, "diary.db").path
            Vaora.open(path, XorKeyStore(0x01), DiaryOptions()).close()
            val before = File(path).readBytes()
            val e = expectThrows<VaoraException.Key> {
                Vaora.open(path, XorKeyStore(0x02), DiaryOptions()).close()
            }
            checkEq(ErrorCode.WRONG_KEY, e.code, "code")
            checkEq(101, e.code.number, "code number")
            check(File(path).readBytes().contentEquals(before)) { "diary file changed by a wrong-key open" }
        }

        Harness.test("key lost: Key exception with code KEY_LOST") {
            val dir = freshDir("keylost")
            val path = File(dir, "diary.db").path
            Vaora.open(path, XorKeyStore(0x03), DiaryOptions()).close()
            val e = expectThrows<VaoraException.Key> {
                Vaora.open(path, LostKeyStore(), DiaryOptions()).close()
            }
            checkEq(ErrorCode.KEY_LOST, e.code, "code")
        }

        Harness.test("sealed key file deleted: KEY_LOST, not a fresh diary over the old one") {
            val dir = freshDir("sealedgone")
            val path = File(dir, "diary.db").path
            Vaora.open(path, XorKeyStore(0x04), DiaryOptions()).close()
            File("$path.sealed-key").delete()
            val e = expectThrows<VaoraException.Key> {
                Vaora.open(path, XorKeyStore(0x04), DiaryOptions()).close()
            }
            checkEq(ErrorCode.KEY_LOST, e.code, "code")
        }

        Harness.test("a key store that unseals the wrong length: KEY_STORE_FAILED, no diary made") {
            val dir = freshDir("shortkey")
            val path = File(dir, "diary.db").path
            val e = expectThrows<VaoraException.Key> {
                Vaora.open(path, ShortKeyStore(), DiaryOptions()).close()
            }
            checkEq(ErrorCode.KEY_STORE_FAILED, e.code, "code")
            check(!File(path).exists()) { "a diary was created with an unusable key" }
            check(!File("$path.sealed-key").exists()) { "a sealed key was written" }
        }

        Harness.test("bad UTC offset: Input exception with INVALID_INPUT") {
            val dir = freshDir("badoffset")
            val e = expectThrows<VaoraException.Input> {
                Vaora.open(File(dir, "d.db").path, XorKeyStore(1), DiaryOptions(utcOffsetSeconds = 100_000)).close()
            }
            checkEq(ErrorCode.INVALID_INPUT, e.code, "code")
        }

        Harness.test("logs reach the foreign logger; a panic is contained, coded and logged") {
            val lines = Collections.synchronizedList(mutableListOf<String>())
            VaoraLog.install(LogLevel.DEBUG) { level, target, line -> lines += "$level $target $line" }
            try {
                val dir = freshDir("logging")
                Vaora.open(File(dir, "d.db").path, XorKeyStore(7), DiaryOptions()).close()
                check(lines.any { it.contains("diary opened") }) { "no open line in $lines" }
                val e = expectThrows<VaoraException.Internal> { testHookPanic() }
                checkEq(ErrorCode.INTERNAL, e.code, "code")
                check(lines.any { it.startsWith("ERROR") && it.contains("contained a panic") }) {
                    "panic not logged: $lines"
                }
                // The library still works after a contained panic.
                Vaora.open(File(dir, "d.db").path, XorKeyStore(7), DiaryOptions()).close()
            } finally {
                VaoraLog.uninstall()
            }
        }
    }
}
