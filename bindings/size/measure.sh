#!/bin/sh
# Size of the stripped libvaora_ffi.so, `mobile` profile (fat LTO, one codegen unit,
# opt-level z), host target as a proxy for arm64, per crypto provider under SQLCipher, plus
# a per-crate breakdown (symbol sizes) of each build.
#
# Usage: bindings/size/measure.sh [VARIANT...]   (default: libtomcrypt system-libcrypto)
#   libtomcrypt        SQLCipher on LibTomCrypt (feature `libtomcrypt`): the Android choice
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
    nm --size-sort -S -C "$1" | awk '
      { size = strtonum("0x" $2); name = $4
        for (i = 5; i <= NF; i++) name = name " " $i
        crate = "other (C/runtime)"
        if (name ~ /^(<)?(\(|&)?[a-z_][a-z0-9_]*::/) { crate = name; sub(/^[<(&]+/, "", crate); sub(/::.*/, "", crate) }
        else if (name ~ /^_?(ring_core|GFp_|ring_)/) crate = "ring (C/asm)"
        else if (name ~ /^(sqlite3|sqlcipher|sqlite)/) crate = "sqlcipher (C)"
        else if (name ~ /^(rijndael|aes_|sha1_|sha256_|sha512_|sha384_|hmac_|fortuna_|pkcs_5|cbc_|crypt_|register_|find_hash|find_cipher|find_prng|hash_memory|hash_descriptor|cipher_descriptor|prng_descriptor|zeromem|burn_stack|rng_get_bytes|ltc_|copy_or_zeromem|mem_neq|error_to_string|ecb_)/) crate = "libtomcrypt (C)"
        else if (name ~ /^(EVP|OSSL|ossl|ERR|BN|EC|RSA|X509|ASN1|CRYPTO|OPENSSL|PEM|DH|DSA|SHA|AES|HMAC|RAND|PKCS|OBJ|BIO|ENGINE|CONF|ECDSA|ED|X25519|X448|ssl|tls|bn_|ec_|rsa_|x509|asn1|evp_|aes_|cms|dh_|dsa_|ecx|der_|prov|gcm|poly1305|chacha|ChaCha|curve|ecp_|KDF|kdf|DECODER|ENCODER|PROV|ML_|ml_|SLH|slh)/) crate = "openssl (C)"
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

echo "== libvaora_ffi.so, profile mobile, $host; load: $(uptime | sed 's/.*load average/load average/')"
[ $# -gt 0 ] || set -- libtomcrypt system-libcrypto
for variant in "$@"; do
    case $variant in
    vendored-openssl) build vendored-openssl ;;
    system-libcrypto) build system-libcrypto --no-default-features --features system-crypto ;;
    libtomcrypt)
        CFLAGS_save=$(printenv "CFLAGS_$host_env" || true)
        export "CFLAGS_$host_env=-DSQLCIPHER_CRYPTO_LIBTOMCRYPT -I$tomcrypt_inc"
        build libtomcrypt --no-default-features --features libtomcrypt
        if [ -n "$CFLAGS_save" ]; then export "CFLAGS_$host_env=$CFLAGS_save"; else unset "CFLAGS_$host_env"; fi
        if readelf -d "$out/libtomcrypt.so" | grep -q 'libcrypto'; then
            echo "  ERROR: the libtomcrypt build still needs libcrypto" >&2; exit 1
        fi
        ;;
    *) echo "unknown variant $variant" >&2; exit 2 ;;
    esac
done
