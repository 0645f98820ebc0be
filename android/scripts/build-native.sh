#!/bin/sh
# NOT RUN HERE: needs the Android NDK (ANDROID_NDK_HOME) and `cargo install cargo-ndk`.
#
# Builds libvaora_ffi.so for the three Android ABIs with the `mobile` profile (fat LTO,
# stripped) into android/src/main/jniLibs/<abi>/, and generates the Kotlin bindings from an
# unstripped host build (the stripped phone libraries carry no uniffi metadata) into
# android/build/generated/uniffi/ (not committed).
#
# SQLCipher's crypto: VAORA_ANDROID_CRYPTO=libtomcrypt (default; LibTomCrypt from the
# sqlcipher-src crate, a few tens of KB) or vendored-openssl (static OpenSSL 3, ~3.7 MB more
# per ABI). Both write the same SQLCipher 4 files (bindings/tests/sqlcipher_provider.rs).
# LibTomCrypt needs the SQLCipher amalgamation compiled with -DSQLCIPHER_CRYPTO_LIBTOMCRYPT
# and the LibTomCrypt headers, passed per target in CFLAGS_<target> (libsqlite3-sys has no
# switch for it); bindings/build.rs refuses to build the feature without them.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

for target in aarch64-linux-android armv7-linux-androideabi x86_64-linux-android; do
    rustup target add "$target" >/dev/null
done

crypto=${VAORA_ANDROID_CRYPTO:-libtomcrypt}
case $crypto in
libtomcrypt)
    features="--no-default-features --features libtomcrypt,rxing"
    tomcrypt_inc=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/sqlcipher-src-420.0.0*/sqlcipher/libtomcrypt/headers 2>/dev/null | head -n1)
    if [ -z "$tomcrypt_inc" ]; then
        cargo fetch >/dev/null
        tomcrypt_inc=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/sqlcipher-src-420.0.0*/sqlcipher/libtomcrypt/headers | head -n1)
    fi
    for target in aarch64_linux_android armv7_linux_androideabi x86_64_linux_android; do
        export "CFLAGS_$target=-DSQLCIPHER_CRYPTO_LIBTOMCRYPT -I$tomcrypt_inc"
    done
    ;;
vendored-openssl) features="" ;;
*) echo "VAORA_ANDROID_CRYPTO must be libtomcrypt or vendored-openssl, not $crypto" >&2; exit 2 ;;
esac

# SQLite without what the diary never uses (full-text search, R*Tree, JSON, dbstat, stat4,
# loadable extensions): ~0.19 MB less (bindings/size/measure.sh libtomcrypt-trimmed). The
# flags reach libsqlite3-sys's build through LIBSQLITE3_FLAGS, for the phone build only.
LIBSQLITE3_FLAGS=$(cat "$root/bindings/size/phone-sqlite-flags")
export LIBSQLITE3_FLAGS
# shellcheck disable=SC2086 # $features is a list of words
cargo ndk \
    -t arm64-v8a -t armeabi-v7a -t x86_64 \
    --platform 24 \
    -o "$here/src/main/jniLibs" \
    build --profile mobile -p vaora-ffi $features

unset LIBSQLITE3_FLAGS
cargo build -p vaora-ffi -p uniffi-bindgen
target_dir=$(cargo metadata --no-deps --format-version 1 | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
rm -rf "$here/build/generated/uniffi"
"$target_dir/debug/uniffi-bindgen" generate "$target_dir/debug/libvaora_ffi.so" \
    --language kotlin --out-dir "$here/build/generated/uniffi" -n
echo "native libraries in $here/src/main/jniLibs, bindings in $here/build/generated/uniffi"
