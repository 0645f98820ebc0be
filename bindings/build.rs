//! Only with feature `libtomcrypt` (smaller Android builds, see docs/bindings.md "Library
//! size"): SQLCipher on LibTomCrypt instead of OpenSSL.
//!
//! libsqlite3-sys has no switch for SQLCipher's LibTomCrypt provider, so three things are
//! done around it:
//! 1. LibTomCrypt, which the `sqlcipher-src` crate ships next to the amalgamation, is
//!    compiled here (only the functions SQLCipher calls survive the linker's section GC).
//! 2. The amalgamation must be compiled with `-DSQLCIPHER_CRYPTO_LIBTOMCRYPT` and the
//!    LibTomCrypt headers: the caller passes them in `CFLAGS_<target>` (which the `cc`
//!    crate in libsqlite3-sys reads; `bindings/size/measure.sh` and
//!    `android/scripts/build-native.sh` do). This script refuses to build without them, since
//!    SQLCipher would otherwise silently fall back to its OpenSSL provider.
//! 3. Without OpenSSL, libsqlite3-sys still asks the linker for `-lcrypto`. An empty
//!    `libcrypto.a` in a search folder placed before the system folders satisfies that
//!    request with nothing, so the library neither links nor needs any libcrypto (checked
//!    with `readelf -d` by measure.sh).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "libtomcrypt")]
    tomcrypt::build();
}

#[cfg(feature = "libtomcrypt")]
mod tomcrypt {
    use std::path::PathBuf;

    const DEFINE: &str = "SQLCIPHER_CRYPTO_LIBTOMCRYPT";

    pub fn build() {
        check_sqlcipher_flags();
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
        // `rustc-link-lib` reaches the cdylib/staticlib only: this crate has no rlib to
        // carry the archive to its test and example binaries, so name it for them too
        // (link args come after the rlibs, so SQLCipher's references resolve).
        if let Some(out) = std::env::var_os("OUT_DIR") {
            let archive = PathBuf::from(out).join("libtomcrypt.a");
            println!("cargo:rustc-link-arg-tests={}", archive.display());
            println!("cargo:rustc-link-arg-examples={}", archive.display());
        }
        stub_libcrypto();
    }

    /// The flags libsqlite3-sys must have compiled SQLCipher with; stops the build when
    /// they are missing.
    fn check_sqlcipher_flags() {
        let target = std::env::var("TARGET").unwrap_or_default();
        let names = [
            format!("CFLAGS_{target}"),
            format!("CFLAGS_{}", target.replace('-', "_")),
            "TARGET_CFLAGS".to_owned(),
            "CFLAGS".to_owned(),
        ];
        let mut found = false;
        for name in &names {
            println!("cargo:rerun-if-env-changed={name}");
            if std::env::var(name).is_ok_and(|v| v.contains(DEFINE)) {
                found = true;
            }
        }
        if !found {
            eprintln!(
                "feature `libtomcrypt` needs -D{DEFINE} and -I<sqlcipher-src>/{} in \
                 CFLAGS_{} for libsqlite3-sys (see bindings/size/measure.sh); without them \
                 SQLCipher would silently use OpenSSL",
                sqlcipher_src::LIBTOMCRYPT_INCLUDE_DIR,
                target.replace('-', "_"),
            );
            std::process::exit(1);
        }
    }

    /// An empty archive named libcrypto.a, found before any system libcrypto.
    fn stub_libcrypto() {
        let Some(out) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
            eprintln!("OUT_DIR is not set");
            std::process::exit(1);
        };
        let stub = out.join("stub-crypto");
        let written = std::fs::create_dir_all(&stub)
            .and_then(|()| std::fs::write(stub.join("libcrypto.a"), b"!<arch>\n"));
        if let Err(e) = written {
            eprintln!("writing the stub libcrypto.a: {e}");
            std::process::exit(1);
        }
        println!("cargo:rustc-link-search=native={}", stub.display());
    }
}
