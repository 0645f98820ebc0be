//! Vaora's formats and rules: what every party (phone, staff phone, server, authority
//! tools) must agree on, byte for byte, and nothing that stores or sends anything.
//!
//! This crate sits below everything else: `vaora-core` (the phone's diary, scanner and
//! sync engine) builds on it, and the reference server and console link it without the
//! phone's encrypted diary. Each module implements one spec in `docs/`, whose test vectors
//! the Rust, Kotlin and Swift tests all read. The modules form layers (see
//! `ARCHITECTURE.md`), lowest first:
//!
//! - [`ids`], [`clock`], [`canonical`]: random ids, injectable time, the positional
//!   canonical encoding that every signed body uses;
//! - [`venue`]: venue categories, the signed venue-code format, authority keys, key sets
//!   and the in-memory trust store that verifies codes;
//! - [`records`], [`identity`]: the signed-record envelope, check-in bodies, the device key;
//! - [`cards`]: citizen ID (CCCD) and health insurance (BHYT) card texts, card profiles and
//!   keyed card hashes;
//! - [`declare`]: health declarations, personal codes, device certificates, staff
//!   check-in bodies;
//! - [`codes`]: what a decoded QR text is (venue code, personal code, card, unknown);
//! - [`wire`], [`exposure`]: the sync protocol's types and the stay-overlap rule that
//!   exposure matching and tracing share;
//! - [`render`]: QR matrices, PNG, SVG and posters.

pub mod canonical;
pub mod cards;
pub mod clock;
pub mod codes;
pub mod declare;
pub mod exposure;
pub mod identity;
pub mod ids;
pub mod records;
pub mod render;
pub mod venue;
pub mod wire;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
