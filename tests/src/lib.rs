//! Vaora end-to-end test helpers: fault-injection harnesses and test-data generators;
//! for sync: a throwaway PostgreSQL cluster ([`pg`]), a TCP fault-injection proxy
//! ([`proxy`]), sync fixtures ([`sync_fixture`]) and the whole server topology on loopback
//! ([`cluster`]: primary, standby, nodes, HAProxy).

pub mod adversary;
pub mod async_main;
pub mod cluster;
pub mod console_client;
pub mod crash;
pub mod frames;
pub mod machine;
pub mod pg;
pub mod photos;
pub mod posters;
pub mod proxy;
pub mod records_vectors;
pub mod stored_records;
pub mod sync_fixture;
pub mod venue_vectors;
pub mod zxing_cpp;
