//! Writes the SQLCipher fixture files `bindings/tests/sqlcipher_provider.rs` opens, with
//! whichever crypto provider this build uses (named by `PRAGMA cipher_provider`):
//!
//! ```sh
//! cargo run -p vaora-ffi --example sqlcipher_fixture -- bindings/tests/fixtures
//! CFLAGS_x86_64_unknown_linux_gnu="-DSQLCIPHER_CRYPTO_LIBTOMCRYPT -I<sqlcipher-src>/sqlcipher/libtomcrypt/headers" \
//!   cargo run -p vaora-ffi --no-default-features --features libtomcrypt --example sqlcipher_fixture -- bindings/tests/fixtures
//! ```
//!
//! Each provider writes `<provider>-rawkey.db` (a raw 32-byte key, as the diary uses) and
//! `<provider>-passphrase.db` (a passphrase through SQLCipher 4's PBKDF2-HMAC-SHA512), with
//! the rows `sqlcipher_provider.rs` expects. The files are committed: a build on another
//! provider must open them unchanged.

use std::path::PathBuf;

use rusqlite::Connection;

#[path = "../tests/common/fixture_spec.rs"]
mod fixture_spec;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: sqlcipher_fixture OUT_DIR")?,
    );
    std::fs::create_dir_all(&dir)?;
    for (kind, key) in fixture_spec::KEYS {
        let probe = Connection::open_in_memory()?;
        probe.pragma_update(None, "key", key)?; // no provider is named before a key is set
        let provider: String = probe.query_row("PRAGMA cipher_provider", [], |r| r.get(0))?;
        let path = dir.join(format!("{provider}-{kind}.db"));
        if path.exists() {
            std::fs::remove_file(&path)?;
        }
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "key", key)?;
        conn.execute_batch("PRAGMA journal_mode = DELETE; CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL);")?;
        for i in 0..fixture_spec::ROWS {
            conn.execute(
                "INSERT INTO t (id, body) VALUES (?1, ?2)",
                (i, fixture_spec::body(i)),
            )?;
        }
        drop(conn);
        println!("wrote {}", path.display());
    }
    Ok(())
}
