#!/bin/sh
# NOT RUN HERE: needs macOS with Xcode (xcodebuild, lipo) and the Apple Rust targets.
#
# Builds libvaora_ffi.a with the `mobile` profile for device and simulators, with SQLCipher
# on CommonCrypto (feature system-crypto: no OpenSSL inside), generates the Swift bindings
# from an unstripped host build, and assembles ios/VaoraFFIC.xcframework plus
# ios/Sources/VaoraFFI/VaoraFFI.swift for Package.swift.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

targets="aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios"
for t in $targets; do
    rustup target add "$t" >/dev/null
    # SQLite without what the diary never uses (as android/scripts/build-native.sh).
    LIBSQLITE3_FLAGS=$(cat "$root/bindings/size/phone-sqlite-flags") \
        cargo build --profile mobile -p vaora-ffi --no-default-features --features system-crypto,rxing --target "$t"
done
target_dir=$(cargo metadata --no-deps --format-version 1 | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')

# Bindings from an unstripped host build (stripped libraries carry no uniffi metadata).
cargo build -p vaora-ffi -p uniffi-bindgen --no-default-features --features vaora-ffi/system-crypto
gen="$target_dir/uniffi/swift-ios"
rm -rf "$gen"
host_lib="$target_dir/debug/libvaora_ffi.dylib"
"$target_dir/debug/uniffi-bindgen" generate "$host_lib" --language swift --out-dir "$gen" -n

headers="$gen/headers"
mkdir -p "$headers"
cp "$gen/VaoraFFIC.h" "$headers/"
cp "$gen/VaoraFFIC.modulemap" "$headers/module.modulemap"

sim="$target_dir/uniffi/ios-sim"
mkdir -p "$sim"
lipo -create \
    "$target_dir/aarch64-apple-ios-sim/mobile/libvaora_ffi.a" \
    "$target_dir/x86_64-apple-ios/mobile/libvaora_ffi.a" \
    -output "$sim/libvaora_ffi.a"

rm -rf "$here/VaoraFFIC.xcframework"
xcodebuild -create-xcframework \
    -library "$target_dir/aarch64-apple-ios/mobile/libvaora_ffi.a" -headers "$headers" \
    -library "$sim/libvaora_ffi.a" -headers "$headers" \
    -output "$here/VaoraFFIC.xcframework"

mkdir -p "$here/Sources/VaoraFFI"
cp "$gen/VaoraFFI.swift" "$here/Sources/VaoraFFI/"
echo "built $here/VaoraFFIC.xcframework and Sources/VaoraFFI/VaoraFFI.swift"
