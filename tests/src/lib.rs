//! Test-data generators shared by the end-to-end tests.

pub mod venue_vectors;
