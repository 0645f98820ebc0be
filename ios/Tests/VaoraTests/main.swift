// The Swift test program: runs against the host build of libvaora_ffi.
// Started by `cargo xtask swift-test`, which sets VAORA_TEST_DIR, VAORA_VECTORS and VAORA_BIN.
import Foundation

keyTests()
diaryTests()
scanTests()
declareTests()
deskTests()
vectorTests()
syncTests()
layerTests()
gettingStartedTests()
if ProcessInfo.processInfo.environment["VAORA_BENCH"] == "1" {
    do { try bench() } catch { print("bench failed: \(error)"); exit(1) }
}
exit(Harness.shared.summary())
