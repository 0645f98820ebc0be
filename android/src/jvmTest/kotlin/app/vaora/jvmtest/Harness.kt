// A tiny test harness (no JUnit: Maven Central is unreachable where these tests run).
// Each test prints PASS/FAIL; the run ends with "N passed, M failed" and a non-zero exit
// code on failure.
package app.vaora.jvmtest

import java.io.File
import java.nio.file.Files

object Harness {
    var passed = 0
    var failed = 0
    private val failures = mutableListOf<String>()

    fun test(name: String, body: () -> Unit) {
        try {
            body()
            passed++
            println("PASS $name")
        } catch (e: Throwable) {
            failed++
            failures += name
            println("FAIL $name: $e")
            e.printStackTrace(System.out)
        }
    }

    fun summary(): Int {
        if (failures.isNotEmpty()) println("failed: ${failures.joinToString(", ")}")
        println("$passed passed, $failed failed")
        return if (failed == 0) 0 else 1
    }
}

class AssertionFailed(message: String) : Exception(message)

fun check(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionFailed(message())
}

fun <T> checkEq(expected: T, actual: T, what: String) {
    if (expected != actual) throw AssertionFailed("$what: expected <$expected>, got <$actual>")
}

/** Runs [body], which must throw [E]; returns the exception. */
inline fun <reified E : Throwable> expectThrows(body: () -> Unit): E {
    try {
        body()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionFailed("expected ${E::class.simpleName}, got $e")
    }
    throw AssertionFailed("expected ${E::class.simpleName}, nothing was thrown")
}

/** A fresh directory for one test, under VAORA_TEST_DIR (or the system temp dir). */
fun freshDir(name: String): File {
    val base = System.getenv("VAORA_TEST_DIR")?.let { File(it) }
        ?: Files.createTempDirectory("vaora-kt").toFile()
    val dir = File(base, name)
    dir.deleteRecursively()
    dir.mkdirs()
    return dir
}

fun env(name: String): String =
    System.getenv(name) ?: throw AssertionFailed("environment variable $name is not set")
