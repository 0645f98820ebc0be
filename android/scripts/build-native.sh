#!/bin/sh
# NOT RUN HERE: needs the Android NDK (ANDROID_NDK_HOME) and `cargo install cargo-ndk`.
#
# Builds libvaora_ffi.so for the three Android ABIs with the `mobile` profile (fat LTO,
# stripped) into android/src/main/jniLibs/<abi>/, and generates the Kotlin bindings from an
# unstripped host build (the stripped phone libraries carry no uniffi metadata) into
# android/build/generated/uniffi/ (not committed).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

for target in aarch64-linux-android armv7-linux-androideabi x86_64-linux-android; do
    rustup target add "$target" >/dev/null
done

cargo ndk \
    -t arm64-v8a -t armeabi-v7a -t x86_64 \
    --platform 24 \
    -o "$here/src/main/jniLibs" \
    build --profile mobile -p vaora-ffi

cargo build -p vaora-ffi -p uniffi-bindgen
target_dir=$(cargo metadata --no-deps --format-version 1 | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
rm -rf "$here/build/generated/uniffi"
"$target_dir/debug/uniffi-bindgen" generate "$target_dir/debug/libvaora_ffi.so" \
    --language kotlin --out-dir "$here/build/generated/uniffi" -n
echo "native libraries in $here/src/main/jniLibs, bindings in $here/build/generated/uniffi"
