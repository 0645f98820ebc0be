#!/bin/sh
# Size of the stripped libvaora_ffi.so, `mobile` profile (fat LTO, one codegen unit,
# opt-level z), host target as a proxy for arm64, per crypto provider under SQLCipher, plus
# a per-crate breakdown (symbol sizes) of each build.
#
# Usage: bindings/size/measure.sh [VARIANT...]   (default: libtomcrypt-trimmed system-libcrypto)
#   libtomcrypt-trimmed  LibTomCrypt + SQLite without the features the diary never uses
#                        (phone-sqlite-flags: FTS3/5, R*Tree, JSON, dbstat, stat4,
#                        extensions...): what android/scripts/build-native.sh builds
#   libtomcrypt        SQLCipher on LibTomCrypt (feature `libtomcrypt`), SQLite as bundled
#   system-libcrypto   SQLCipher on the system libcrypto.so (Linux only; shows OpenSSL's share)
#   vendored-openssl   SQLCipher on vendored, static OpenSSL 3 (the old default; slow to build)
# Builds go to the usual target folder ($CARGO_TARGET_DIR or target/, profile `mobile`, so
# variants share every unchanged dependency); the measured copies go to <target>/size/.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
out=$target/size
mkdir -p "$out"
host=$(rustc -vV | sed -n 's/^host: //p')
host_env=$(echo "$host" | tr '-' '_')
# The LibTomCrypt headers shipped by the sqlcipher-src crate libsqlite3-sys builds from.
tomcrypt_inc=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/sqlcipher-src-420.0.0*/sqlcipher/libtomcrypt/headers | head -n1)

breakdown() { # unstripped .so
    nm --size-sort -S -t d -C "$1" | awk '
      { size = $2 + 0; name = $4
        for (i = 5; i <= NF; i++) name = name " " $i
        crate = "other C (mostly SQLite internals)"
        if (name ~ /^(<)?(\(|&)?[a-z_][a-z0-9_]*::/) { crate = name; sub(/^[<(&]+/, "", crate); sub(/::.*/, "", crate) }
        else if (name ~ /^_?(ring_core|GFp_|ring_|ecp_nistz256)/) crate = "ring (C/asm)"
        else if (name ~ /^uniffi_vaora_ffi/) crate = "vaora_ffi"
        else if (name ~ /^(prng|hash_descriptor|cipher_descriptor)$/) crate = "libtomcrypt (C)"
        else if (name ~ /^(sqlite3|sqlcipher|sqlite)/) crate = "sqlcipher (C)"
        else if (name ~ /^(rijndael|aes_|sha1_|sha256_|sha512_|sha384_|hmac_|fortuna_|pkcs_5|cbc_|crypt_|register_|find_hash|find_cipher|find_prng|hash_memory|hash_descriptor|cipher_descriptor|prng_descriptor|zeromem|burn_stack|rng_get_bytes|ltc_|copy_or_zeromem|mem_neq|error_to_string|ecb_)/) crate = "libtomcrypt (C)"
        else if (name ~ /^(EVP|OSSL|ossl|ERR|BN|EC|RSA|X509|ASN1|CRYPTO|OPENSSL|PEM|DH|DSA|SHA|AES|HMAC|RAND|PKCS|OBJ|BIO|ENGINE|CONF|ECDSA|ED|X25519|X448|ssl|tls|bn_|ec_|rsa_|x509|asn1|evp_|aes_|cms|dh_|dsa_|ecx|der_|prov|KDF|kdf|DECODER|ENCODER|PROV|ML_|ml_|SLH|slh)/) crate = "openssl (C)"
        total[crate] += size }
      END { for (c in total) printf "  %10d  %s\n", total[c], c }' | sort -rn | head -20
}

build() { # variant name, cargo args...
    name=$1; shift
    CARGO_PROFILE_MOBILE_STRIP=false cargo build --quiet --profile mobile -p vaora-ffi "$@"
    cp "$target/mobile/libvaora_ffi.so" "$out/$name.so"
    strip --strip-all -o "$out/$name.stripped.so" "$out/$name.so"
    size=$(stat -c %s "$out/$name.stripped.so")
    printf '%-20s %9d bytes stripped (%.2f MB)\n' "$name" "$size" "$(echo "$size / 1048576" | bc -l)"
    echo "  needs: $(readelf -d "$out/$name.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
    echo "  largest parts (symbol sizes before stripping):"
    breakdown "$out/$name.so"
}

check_no_crypto() { # variant: no libcrypto needed, and nothing but libc/libgcc left undefined
    if readelf -d "$out/$1.so" | grep -q 'libcrypto'; then
        echo "  ERROR: $1 still needs libcrypto" >&2; exit 1
    fi
    undefined=$(nm -D --undefined-only "$out/$1.so" | awk '{print $2}' | grep -v -e '@GLIBC' -e '@GCC' -e '^_ITM' -e '^__gmon' -e '^__cxa_finalize' || true)
    if [ -n "$undefined" ]; then
        echo "  ERROR: $1 leaves symbols undefined: $undefined" >&2; exit 1
    fi
    echo "  no libcrypto needed; no symbol left undefined but libc/libgcc ones"
}

echo "== libvaora_ffi.so, profile mobile, $host; load: $(uptime | sed 's/.*load average/load average/')"
[ $# -gt 0 ] || set -- libtomcrypt-trimmed system-libcrypto
for variant in "$@"; do
    case $variant in
    libtomcrypt-trimmed)
        export "CFLAGS_$host_env=-DSQLCIPHER_CRYPTO_LIBTOMCRYPT -I$tomcrypt_inc"
        LIBSQLITE3_FLAGS=$(cat "$root/bindings/size/phone-sqlite-flags")
        export LIBSQLITE3_FLAGS
        build libtomcrypt-trimmed --no-default-features --features libtomcrypt,rxing
        unset "CFLAGS_$host_env" LIBSQLITE3_FLAGS
        check_no_crypto libtomcrypt-trimmed
        ;;
    vendored-openssl) build vendored-openssl ;;
    system-libcrypto) build system-libcrypto --no-default-features --features system-crypto,rxing ;;
    libtomcrypt)
        export "CFLAGS_$host_env=-DSQLCIPHER_CRYPTO_LIBTOMCRYPT -I$tomcrypt_inc"
        build libtomcrypt --no-default-features --features libtomcrypt,rxing
        unset "CFLAGS_$host_env"
        check_no_crypto libtomcrypt
        ;;
    *) echo "unknown variant $variant" >&2; exit 2 ;;
    esac
done
