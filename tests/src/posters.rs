//! What tests read back from venue posters and the venue registry: the codes a poster
//! PNG scans to, and registry rows read through a second connection.

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
