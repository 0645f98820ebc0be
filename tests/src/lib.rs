//! Vaora end-to-end test helpers: fault-injection harnesses and test-data generators.

pub mod crash;
pub mod frames;
pub mod records_vectors;
pub mod venue_vectors;
