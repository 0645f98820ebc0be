//! The queries both databases run, each written once ([`super::dialect`]) with its row
//! reader, grouped by what they serve. Backends run them through [`super::Engine`]; the
//! [`super::Storage`] trait's provided methods are these functions.

pub(crate) mod backfill;
pub(crate) mod cases;
pub(crate) mod counts;
pub(crate) mod devices;
pub(crate) mod inspections;
pub(crate) mod inspectors;
pub(crate) mod overview;
pub(crate) mod retention;
pub(crate) mod staff;
pub(crate) mod venues;
pub(crate) mod visits;
pub(crate) mod windows;

#[cfg(test)]
mod tests {
    use crate::storage::dialect::check_shared;

    /// Every shared statement is in the shared dialect.
    #[test]
    fn shared_statements_use_only_the_shared_dialect() {
        let mut all: Vec<String> = Vec::new();
        all.extend(super::devices::statements().iter().map(|s| s.to_string()));
        all.extend(super::cases::statements());
        all.extend(super::windows::statements().iter().map(|s| s.to_string()));
        all.extend(super::venues::statements());
        all.extend(super::counts::statements());
        all.extend(super::overview::statements().iter().map(|s| s.to_string()));
        all.extend(super::retention::statements().iter().map(|s| s.to_string()));
        all.extend(super::visits::statements().iter().map(|s| s.to_string()));
        all.extend(super::backfill::statements().iter().map(|s| s.to_string()));
        all.extend(super::staff::statements().iter().map(|s| s.to_string()));
        all.extend(
            super::inspectors::statements()
                .iter()
                .map(|s| s.to_string()),
        );
        all.extend(
            super::inspections::statements()
                .iter()
                .map(|s| s.to_string()),
        );
        for sql in &all {
            check_shared(sql).unwrap();
        }
        assert!(all.len() > 20);
    }
}
