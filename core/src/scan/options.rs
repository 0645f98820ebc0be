//! How hard one scan may try: the budget, the stages, one code or all.

use std::time::Duration;

/// How hard one call may try.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// No new attempt starts after this much time has passed (a running attempt finishes).
    pub budget: Duration,
    /// Run the rqrr stages (off only to measure the second stage alone).
    pub first_stage: bool,
    /// Run the rxing stage when the crate is built with the `rxing` feature.
    pub second_stage: bool,
    /// Run the rxing stage before the rqrr stages (it is the cheaper one when it reads).
    pub second_stage_first: bool,
    /// Keep trying after a code was found, to collect every code in the frame.
    pub exhaustive: bool,
}

impl Default for ScanOptions {
    /// A camera-loop setting: a frame costs at most about one frame interval.
    fn default() -> Self {
        ScanOptions {
            budget: Duration::from_millis(30),
            first_stage: true,
            second_stage: true,
            second_stage_first: true,
            exhaustive: false,
        }
    }
}

impl ScanOptions {
    /// For still images (CLI, gallery import): a generous budget.
    pub fn still_image() -> Self {
        ScanOptions {
            budget: Duration::from_secs(5),
            ..ScanOptions::default()
        }
    }
}
