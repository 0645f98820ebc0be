//! How hard one scan may try: the budget, the stages, one code or all, camera or still.

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
    /// Keep trying after a code was found, to collect every code in the frame.
    pub exhaustive: bool,
    /// A still image (gallery photo, CLI) rather than one frame of a camera stream: no
    /// early rejection on missing finder evidence, and the thorough attempts (full
    /// resolution with try-harder, inverted, global threshold, the second ZXing reader)
    /// run when the fast ones read nothing. A camera loop gets another frame in 33 ms
    /// instead (docs/scanning.md, "Camera path and still path").
    pub still: bool,
}

impl Default for ScanOptions {
    /// A camera-loop setting: a frame with no finder evidence costs well under a
    /// millisecond, one with a code a few, and none more than about a frame interval.
    fn default() -> Self {
        ScanOptions {
            budget: Duration::from_millis(30),
            first_stage: true,
            second_stage: true,
            exhaustive: false,
            still: false,
        }
    }
}

impl ScanOptions {
    /// For still images (CLI, gallery import): every attempt, a generous budget.
    pub fn still_image() -> Self {
        ScanOptions {
            budget: Duration::from_secs(5),
            still: true,
            ..ScanOptions::default()
        }
    }
}
