//! Vaora end-to-end test helpers: fault-injection harnesses and test-data generators.

pub mod crash;
pub mod venue_vectors;
pub mod frames;
