// Boundary cost: scanning a 1280x720 luma frame with a code from Kotlin, through what apps
// call (CameraFrame.scan, CameraScanSession: the camera fast lane) and through the
// generated uniffi calls, each against the same decode timed inside Rust in the same run. Runs only with
// `cargo xtask kotlin-test --bench` (use --release for meaningful figures). Prints figures;
// asserts nothing about time.
package app.vaora.jvmtest

import app.vaora.CameraScanSession
import app.vaora.DecodedCode
import app.vaora.ScanReport
import app.vaora.ScanSettings
import app.vaora.scan
import app.vaora.scanFrame
import app.vaora.testHookExportedScanTimings
import app.vaora.testHookNativeScanTimings

object Bench {
    private fun median(xs: List<Long>) = xs.sorted()[xs.size / 2]
    private fun p95(xs: List<Long>) = xs.sorted()[(xs.size * 95) / 100]

    fun run() {
        val text = ScanTests.caseText("valid")
        val img = Luma(1280, 720).apply { drawCode(text, 5, 500, 150) }
        val frame = FrameMaker.luma(img)
        val settings = ScanSettings(budgetMs = 1000)
        val n = 200
        // Warm-up: until the JIT has compiled the call path (the generated converters,
        // JNA's structure code) and stopped recompiling it, which takes a few hundred calls;
        // a camera calls this 30 times a second, so the steady state is what an app sees.
        val warmUntil = System.nanoTime() + 3_000_000_000L
        while (System.nanoTime() < warmUntil) {
            frame.scan(settings)
            testHookNativeScanTimings(frame.layout(), settings, frame.plane(0), 1u)
        }
        fun nativeCall(): Long =
            testHookNativeScanTimings(frame.layout(), settings, frame.plane(0), 1u).micros[0].toLong()
        // One timed foreign call (µs); the frame holds one code, so anything else is a bug.
        fun timed(call: () -> ScanReport): Long {
            val t0 = System.nanoTime()
            val report = call()
            val f = (System.nanoTime() - t0) / 1000
            check(report.codes.size == 1) { "bench frame did not decode" }
            return f
        }
        // Pairs: one call through the boundary and the same decode timed inside Rust, back
        // to back, so both halves of a pair see the same machine load; the paired
        // difference is the boundary's cost. The order alternates: whichever call runs
        // second finds the frame and the decoder's buffers warm in the CPU caches, and
        // that must not be booked to (or against) the boundary.
        fun paired(name: String, call: () -> ScanReport) {
            repeat(200) { call() }
            val foreign = ArrayList<Long>(n)
            val native = ArrayList<Long>(n)
            val extra = ArrayList<Long>(n)
            repeat(n) { i ->
                val f: Long
                val r: Long
                if (i % 2 == 0) {
                    f = timed(call)
                    r = nativeCall()
                } else {
                    r = nativeCall()
                    f = timed(call)
                }
                foreign += f
                native += r
                extra += f - r
            }
            val fm = median(foreign)
            val nm = median(native)
            println("bench kotlin $name 1280x720 luma: median $fm us, p95 ${p95(foreign)} us; rust $nm us; " +
                "paired extra ${median(extra)} us (n=$n)")
            println("bench kotlin $name/rust median ratio: ${"%.3f".format(fm.toDouble() / nm.toDouble())}")
        }
        // What apps call: CameraFrame.scan and CameraScanSession.scan cross through the
        // camera fast lane (one direct call, no JNA Structure); the generated uniffi calls
        // (scanFrame, FrameScanner.scan) are measured beside them for comparison.
        paired("CameraFrame.scan") { frame.scan(settings) }
        CameraScanSession(settings).use { session ->
            paired("CameraScanSession.scan") {
                ScanReport(codes = session.scan(frame).map { DecodedCode(it, ByteArray(0)) }, budgetExhausted = false)
            }
        }
        paired("generated scanFrame") { scanFrame(frame.layout(), settings, frame.plane(0), frame.plane(1), frame.plane(2)) }
        frame.scanner(settings).use { scanner -> paired("generated FrameScanner.scan") { scanner.scan(frame) } }
        // The same call on a 16x16 frame, where decoding costs next to nothing: what the
        // boundary itself (records, buffers, JNA, error plumbing) costs per call.
        val tiny = FrameMaker.luma(Luma(16, 16))
        fun tenths(call: () -> Unit): Long {
            val t0 = System.nanoTime()
            call()
            return (System.nanoTime() - t0) / 100 // tenths of a microsecond
        }
        repeat(2000) { tiny.scan(settings); scanFrame(tiny.layout(), settings, tiny.plane(0), tiny.plane(1), tiny.plane(2)) }
        val tinyForeign = ArrayList<Long>(n)
        val tinyGenerated = ArrayList<Long>(n)
        val tinyNative = ArrayList<Long>(n)
        repeat(n) {
            tinyForeign += tenths { tiny.scan(settings) }
            tinyGenerated += tenths { scanFrame(tiny.layout(), settings, tiny.plane(0), tiny.plane(1), tiny.plane(2)) }
            tinyNative += 10 * testHookNativeScanTimings(tiny.layout(), settings, tiny.plane(0), 1u).micros[0].toLong()
        }
        println("bench kotlin CameraFrame.scan 16x16 (boundary alone): median ${median(tinyForeign) / 10.0} us; " +
            "generated scanFrame ${median(tinyGenerated) / 10.0} us; rust ${median(tinyNative) / 10.0} us")
        val tinyScanner = ArrayList<Long>(n)
        tiny.scanner(settings).use { scanner ->
            repeat(200) { scanner.scan(tiny) }
            repeat(n) {
                val t0 = System.nanoTime()
                scanner.scan(tiny)
                tinyScanner += (System.nanoTime() - t0) / 100
            }
        }
        println("bench kotlin generated FrameScanner.scan 16x16 (boundary alone): median ${median(tinyScanner) / 10.0} us")
        // The exported Rust function timed inside Rust (frame checks, result conversion,
        // panic guard): whatever a Kotlin call adds beyond it is JNA's and the generated
        // code's.
        val both = testHookExportedScanTimings(frame.layout(), settings, frame.plane(0), n.toUInt()).micros.map { it.toLong() }
        val exported = both.filterIndexed { i, _ -> i % 2 == 0 }
        val core = both.filterIndexed { i, _ -> i % 2 == 1 }
        println("bench rust   exported scan_frame vs core decode, alternating in Rust: medians ${median(exported)} us vs ${median(core)} us")
    }
}
