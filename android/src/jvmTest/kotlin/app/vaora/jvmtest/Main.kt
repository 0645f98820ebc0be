// The Kotlin test program: runs against the host build of libvaora_ffi through JNA.
// Started by `cargo xtask kotlin-test`, which sets VAORA_TEST_DIR, VAORA_VECTORS and VAORA_BIN.
package app.vaora.jvmtest

import kotlin.system.exitProcess

fun main() {
    // `cargo xtask kotlin-test --bench-only`: the boundary benchmark alone.
    if (System.getenv("VAORA_BENCH") == "only") {
        Bench.run()
        return
    }
    KeyTests.run()
    DiaryTests.run()
    ScanTests.run()
    DeclareTests.run()
    DeskTests.run()
    VectorTests.run()
    SyncTests.run()
    LayerTests.run()
    AndroidAdapterTests.run()
    GettingStartedTests.run()
    if (System.getenv("VAORA_BENCH") == "1") Bench.run()
    exitProcess(Harness.summary())
}
