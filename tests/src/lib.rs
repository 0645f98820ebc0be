//! Vaora end-to-end test helpers: fault injection harnesses and generators.

pub mod crash;
pub mod records_vectors;
