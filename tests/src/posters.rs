//! What tests read back from venue posters and the venue registry: the codes a poster
//! PNG or A4 PDF scans to, and registry rows read through a second connection.

// Test support: failing loudly at the step that broke is its job.
#![allow(clippy::unwrap_used)]

use vaora_server::storage::{VenueQuery, VenueRow};
use vaora_server::{Database, PgStore, SqliteStore, Storage};

/// The texts of the codes a poster PNG scans to, with the still-image scanner and a
/// generous budget (a poster is large).
pub fn codes_in_png(png: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    let opts = vaora_core::scan::ScanOptions {
        budget: std::time::Duration::from_secs(60),
        ..vaora_core::scan::ScanOptions::still_image()
    };
    let found = vaora_core::scan::scan_luma(img.as_raw(), w, h, &opts).unwrap();
    found.codes.iter().filter_map(|c| c.text.clone()).collect()
}

/// The texts of the codes an A4 poster PDF scans to: its one page image (grey, Flate,
/// as `vaora_protocol::render::poster::poster_pdf` writes it) read with the same scanner.
pub fn codes_in_pdf(pdf: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(pdf);
    let at = text.find("/Subtype /Image").unwrap();
    let number = |key: &str| -> u32 {
        let from = at + text[at..].find(key).unwrap() + key.len();
        let digits: String = text[from..]
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap()
    };
    let (w, h) = (number("/Width"), number("/Height"));
    let start = at + pdf[at..].windows(7).position(|x| x == b"stream\n").unwrap() + 7;
    let end = start
        + pdf[start..]
            .windows(10)
            .position(|x| x == b"\nendstream")
            .unwrap();
    let pixels = miniz_oxide::inflate::decompress_to_vec_zlib(&pdf[start..end]).unwrap();
    assert_eq!(pixels.len(), (w * h) as usize);
    let opts = vaora_core::scan::ScanOptions {
        budget: std::time::Duration::from_secs(60),
        ..vaora_core::scan::ScanOptions::still_image()
    };
    let found = vaora_core::scan::scan_luma(&pixels, w, h, &opts).unwrap();
    found.codes.iter().filter_map(|c| c.text.clone()).collect()
}

/// Registry rows matching `q`, read through a second connection to the server's database.
pub async fn registry(db: &Database, q: VenueQuery) -> Vec<VenueRow> {
    match db {
        Database::Sqlite(p) => SqliteStore::open(p)
            .unwrap()
            .search_venue_rows(q)
            .await
            .unwrap(),
        Database::Postgres(u) => PgStore::connect(u)
            .await
            .unwrap()
            .search_venue_rows(q)
            .await
            .unwrap(),
    }
}
