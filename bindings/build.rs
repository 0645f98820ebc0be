//! Only with feature `libtomcrypt` (an experiment for smaller Android builds, see
//! docs/bindings.md "Library size"): compiles LibTomCrypt, which the SQLCipher source crate
//! ships, so that SQLCipher can use it instead of OpenSSL. The SQLCipher amalgamation itself
//! must then be compiled with `-DSQLCIPHER_CRYPTO_LIBTOMCRYPT` (CFLAGS, set by
//! `bindings/size/measure.sh`), since libsqlite3-sys has no switch for it yet.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "libtomcrypt")]
    tomcrypt::build();
}

#[cfg(feature = "libtomcrypt")]
mod tomcrypt {
    pub fn build() {
        let dir = sqlcipher_src::source_dir();
        let mut build = cc::Build::new();
        build
            .include(dir.join(sqlcipher_src::LIBTOMCRYPT_INCLUDE_DIR))
            .define("LTC_SOURCE", None)
            .define("LTC_NO_TEST", None)
            .define("LTC_NO_FILE", None)
            .opt_level_str("s")
            .warnings(false);
        for source in sqlcipher_src::LIBTOMCRYPT_SOURCES {
            build.file(dir.join(source));
        }
        build.compile("tomcrypt");
    }
}
