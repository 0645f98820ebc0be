// The Swift test program: runs against the host build of libvaora_ffi.
// Started by `cargo xtask swift-test`, which sets VAORA_TEST_DIR, VAORA_VECTORS and VAORA_BIN.
import Foundation

keyTests()
exit(Harness.shared.summary())
