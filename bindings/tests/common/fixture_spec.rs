//! What the SQLCipher fixture files hold (shared by the test and the example that writes them).

/// (file kind, `PRAGMA key` value).
pub const KEYS: [(&str, &str); 2] = [
    (
        "rawkey",
        "x'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'",
    ),
    ("passphrase", "vaora fixture passphrase"),
];

/// Rows in table `t`: enough for several 4 KiB pages.
pub const ROWS: i64 = 200;

/// The body of row `i`; its text must never appear in the file (it is encrypted).
pub fn body(i: i64) -> String {
    format!("Phở Hòa Pasteur, row {i}, plaintext marker VAORA-PLAIN")
}
