#!/bin/sh
# Size of the stripped libvaora_ffi.so, `mobile` profile, host target as a proxy for arm64,
# in three crypto configurations, plus a per-crate breakdown of the default build.
# Usage: bindings/size/measure.sh   (target dir: $CARGO_TARGET_DIR/size or target/size)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
base=${CARGO_TARGET_DIR:-$root/target}/size
host=$(rustc -vV | sed -n 's/^host: //p')
host_env=$(echo "$host" | tr '-' '_')
tomcrypt_inc=$(ls -d "$HOME"/.cargo/registry/src/*/sqlcipher-src-420.0.0*/sqlcipher/libtomcrypt/headers | head -n1)

build() { # name, extra cargo args...
    name=$1; shift
    CARGO_TARGET_DIR="$base/$name" CARGO_PROFILE_MOBILE_STRIP=false \
        cargo build --quiet --profile mobile -p vaora-ffi "$@"
    lib="$base/$name/mobile/libvaora_ffi.so"
    strip --strip-all -o "$base/$name.stripped.so" "$lib"
    printf '%-34s %9d bytes  (%.2f MB)\n' "$name" "$(stat -c %s "$base/$name.stripped.so")" \
        "$(echo "$(stat -c %s "$base/$name.stripped.so") / 1048576" | bc -l)"
}

echo "== stripped libvaora_ffi.so, profile mobile, $host"
build vendored-openssl
build system-libcrypto --no-default-features --features system-crypto
export "CFLAGS_$host_env=-DSQLCIPHER_CRYPTO_LIBTOMCRYPT -I$tomcrypt_inc"
build sqlcipher-libtomcrypt --no-default-features --features libtomcrypt
unset "CFLAGS_$host_env"
echo "libcrypto needed by the libtomcrypt build? $(readelf -d "$base/sqlcipher-libtomcrypt.stripped.so" | grep -c 'libcrypto' || true)"

echo "== largest crates in the vendored-openssl build (symbol sizes, before stripping)"
nm --size-sort -S -C "$base/vendored-openssl/mobile/libvaora_ffi.so" | awk '
  { size = strtonum("0x" $2); name = $4
    for (i = 5; i <= NF; i++) name = name " " $i
    crate = name
    if (name ~ /^(<)?[a-z_][a-z0-9_]*::/) { sub(/^</, "", crate); sub(/::.*/, "", crate) }
    else if (name ~ /^(EVP|OSSL|ossl|ERR|BN|EC|RSA|X509|ASN1|CRYPTO|OPENSSL|PEM|DH|DSA|SHA|AES|HMAC|RAND|PKCS|CMS|OBJ|BIO|ENGINE|UI|CONF|ECDSA|ED|X25519|X448|SM|ARIA|CAMELLIA|DES|MD|RIPEMD|WHIRLPOOL|BF|CAST|IDEA|SEED|RC|CT|OCSP|TS|SRP|SCT|COMP|ssl|tls|dtls|bn_|ec_|rsa_|x509|asn1|evp_|aes_|sha|md|cms|dh_|dsa_|ecx|der_|prov|gcm|poly1305|chacha|ChaCha|curve|ecp_|BLAKE|ossl_|KDF|kdf|MAC|mac|DECODER|ENCODER|PROV|CRMF|cmp|CMP|HPKE|ML_|ml_|SLH|slh)/) crate = "openssl (C)"
    else if (name ~ /^sqlite3|^sqlcipher|^sqlite/) crate = "sqlcipher (C)"
    else crate = "other"
    total[crate] += size }
  END { for (c in total) printf "%10d  %s\n", total[c], c }' | sort -rn | head -20
