//! Test support shared by the end-to-end tests and benchmarks: a throwaway PostgreSQL
//! cluster ([`pg`]), a TCP fault-injection proxy ([`proxy`]) and sync fixtures ([`sync_fixture`]).

pub mod pg;
pub mod proxy;
pub mod sync_fixture;
