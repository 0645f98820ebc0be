//! Geometry of the inline SVG charts. Templates only place the shapes computed here,
//! so the pages need no JavaScript and no chart library.

use chrono::{DateTime, NaiveDate, Utc};

/// One bar of the check-ins-per-day chart, in SVG user units.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub value: u64,
    /// Day of month under the bar; the full date is in the bar's tooltip.
    pub label: String,
    pub date: String,
}

pub const BAR_CHART_W: f64 = 640.0;
pub const BAR_CHART_H: f64 = 180.0;
const BAR_TOP: f64 = 16.0;
const BAR_BOTTOM: f64 = 20.0;

/// Bars for the given days, scaled to the largest count.
pub fn day_bars(days: &[(NaiveDate, u64)]) -> Vec<Bar> {
    let n = days.len().max(1) as f64;
    let max = days.iter().map(|d| d.1).max().unwrap_or(0).max(1) as f64;
    let slot = BAR_CHART_W / n;
    let plot_h = BAR_CHART_H - BAR_TOP - BAR_BOTTOM;
    days.iter()
        .enumerate()
        .map(|(i, (day, value))| {
            let h = (*value as f64 / max) * plot_h;
            Bar {
                x: i as f64 * slot + slot * 0.15,
                y: BAR_TOP + plot_h - h,
                w: slot * 0.7,
                h,
                value: *value,
                label: day.format("%d").to_string(),
                date: day.format("%Y-%m-%d").to_string(),
            }
        })
        .collect()
}

/// A span on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub x: f64,
    pub w: f64,
    pub title: String,
}

/// One row of the case timeline: a venue, the case's presence there and the overlaps.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    pub y: f64,
    pub label: String,
    pub case_spans: Vec<Span>,
    pub contact_spans: Vec<Span>,
}

pub const TIMELINE_W: f64 = 640.0;
pub const TIMELINE_LABEL_W: f64 = 160.0;
pub const TIMELINE_ROW_H: f64 = 28.0;

/// Maps instants in `[from, until]` onto the plot area right of the labels.
#[derive(Debug, Clone, Copy)]
pub struct TimeScale {
    from: DateTime<Utc>,
    until: DateTime<Utc>,
}

impl TimeScale {
    pub fn new(from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        Self { from, until }
    }

    fn x(&self, t: DateTime<Utc>) -> f64 {
        let total = (self.until - self.from).num_seconds().max(1) as f64;
        let at = (t.clamp(self.from, self.until) - self.from).num_seconds() as f64;
        TIMELINE_LABEL_W + at / total * (TIMELINE_W - TIMELINE_LABEL_W)
    }

    /// A span for `[a, b]`, at least 2 units wide so short visits stay visible.
    pub fn span(&self, a: DateTime<Utc>, b: DateTime<Utc>, title: String) -> Span {
        let x = self.x(a);
        Span {
            x,
            w: (self.x(b) - x).max(2.0),
            title,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_day() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let bars = day_bars(&[(d, 0), (d.succ_opt().unwrap(), 50), (d, 100)]);
        assert_eq!(bars[0].h, 0.0);
        assert!((bars[1].h * 2.0 - bars[2].h).abs() < 1e-9);
        assert!((bars[2].y - BAR_TOP).abs() < 1e-9);
        assert_eq!(bars[1].label, "02");
    }
}
