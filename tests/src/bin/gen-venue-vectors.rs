//! Prints `docs/vectors/venue-codes.json` (see `vaora_tests::venue_vectors`).

fn main() {
    let json = vaora_tests::venue_vectors::generate();
    match serde_json::to_string_pretty(&json) {
        Ok(s) => println!("{s}"),
        Err(e) => {
            eprintln!("gen-venue-vectors: {e}");
            std::process::exit(1);
        }
    }
}
