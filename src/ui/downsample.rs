//! Fitting a day of samples into a chart a few hundred dots wide: the window's points are
//! grouped into one bucket per dot column and each bucket keeps its minimum and maximum (in
//! time order), so a one-sample spike survives any zoom. Unknown points and long silences
//! break the line: a gap is drawn as a gap, never as a zero.

use std::collections::VecDeque;

use jiff::{SignedDuration, Timestamp};

use crate::state::live::SignalPoint;

/// A silence longer than this many typical intervals breaks the line.
const GAP_INTERVALS: f64 = 3.0;

/// A series ready to draw: unbroken runs of `(seconds before now, scaled value)` points.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plot {
    /// Runs of points; the line is drawn within a run, never between runs.
    pub segments: Vec<Vec<(f64, f64)>>,
    /// The largest value drawn, if any.
    pub max: Option<f64>,
}

/// One bucket being filled: the lowest and highest known values with their times.
#[derive(Clone, Copy)]
struct Bucket {
    index: usize,
    min: (f64, f64),
    max: (f64, f64),
}

/// Builds the plot of the points within `window` before `now`, at most two points per column
/// of `columns`, values multiplied by `scale` (100 for a percentage, 1000 for milliseconds).
pub fn downsample(
    points: &VecDeque<SignalPoint>,
    now: Timestamp,
    window: SignedDuration,
    columns: usize,
    scale: f64,
) -> Plot {
    let mut plot = Plot::default();
    let span = window.as_secs_f64();
    if columns == 0 || span <= 0.0 {
        return plot;
    }
    let Ok(start) = now.checked_sub(window) else {
        return plot;
    };
    // Points are in time order, so the window is found by bisection, not by a scan of 24 h.
    let from = points.partition_point(|p| p.at < start);
    let to = points.partition_point(|p| p.at <= now);
    if from >= to {
        return plot;
    }
    // Whole milliseconds are plenty for a chart and far cheaper than duration arithmetic,
    // which matters at 17,280 points a series.
    let now_ms = now.as_millisecond();
    let rel = |t: Timestamp| (t.as_millisecond() - now_ms) as f64 / 1000.0;
    let first = rel(points[from].at);
    let last = rel(points[to - 1].at);
    let typical = if to - from > 1 {
        (last - first) / (to - from - 1) as f64
    } else {
        span
    };
    let gap_limit = typical * GAP_INTERVALS;
    let bucket_secs = span / columns as f64;

    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut bucket: Option<Bucket> = None;
    let mut last_known: Option<f64> = None;
    for p in points.range(from..to) {
        let x = rel(p.at);
        let Some(v) = p.value.filter(|v| v.is_finite()) else {
            flush(&mut bucket, &mut run);
            end_run(&mut run, &mut plot.segments);
            last_known = None;
            continue;
        };
        let y = v * scale;
        if last_known.is_some_and(|l| x - l > gap_limit) {
            flush(&mut bucket, &mut run);
            end_run(&mut run, &mut plot.segments);
        }
        last_known = Some(x);
        plot.max = Some(plot.max.map_or(y, |m| m.max(y)));
        // x is in [-span, 0]; the bucket is the dot column it lands in.
        let index = (((x + span) / bucket_secs) as usize).min(columns - 1);
        match &mut bucket {
            Some(b) if b.index == index => {
                if y < b.min.1 {
                    b.min = (x, y);
                }
                if y > b.max.1 {
                    b.max = (x, y);
                }
            }
            _ => {
                flush(&mut bucket, &mut run);
                bucket = Some(Bucket {
                    index,
                    min: (x, y),
                    max: (x, y),
                });
            }
        }
    }
    flush(&mut bucket, &mut run);
    end_run(&mut run, &mut plot.segments);
    plot
}

/// Emits a bucket's extremes in the order they happened, so the line follows the data.
fn flush(bucket: &mut Option<Bucket>, run: &mut Vec<(f64, f64)>) {
    let Some(b) = bucket.take() else {
        return;
    };
    let (a, c) = if b.min.0 <= b.max.0 {
        (b.min, b.max)
    } else {
        (b.max, b.min)
    };
    run.push(a);
    if c != a {
        run.push(c);
    }
}

fn end_run(run: &mut Vec<(f64, f64)>, segments: &mut Vec<Vec<(f64, f64)>>) {
    if !run.is_empty() {
        segments.push(std::mem::take(run));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    /// A day of points every 5 s ending at `now`, valued by `f(i)`.
    fn day(now: Timestamp, f: impl Fn(usize) -> Option<f64>) -> VecDeque<SignalPoint> {
        let n = 24 * 3600 / 5;
        (0..n)
            .map(|i| SignalPoint {
                at: now - SignedDuration::from_secs(5 * (n - 1 - i) as i64),
                value: f(i),
            })
            .collect()
    }

    fn values(p: &Plot) -> Vec<f64> {
        p.segments.iter().flatten().map(|(_, y)| *y).collect()
    }

    #[test]
    fn a_single_spike_survives_a_day_squeezed_into_200_columns() {
        let now = ts("2026-11-24T15:00:00Z");
        let pts = day(now, |i| Some(if i == 7_001 { 0.5 } else { 0.01 }));
        let plot = downsample(&pts, now, SignedDuration::from_hours(24), 200, 100.0);
        assert_eq!(plot.max, Some(50.0));
        assert!(values(&plot).contains(&50.0), "the spike is drawn");
        assert_eq!(plot.segments.len(), 1, "no gaps in continuous data");
        assert!(values(&plot).len() <= 400, "at most two points a column");
        // A dip survives too.
        let pts = day(now, |i| Some(if i == 9_000 { 0.0 } else { 0.3 }));
        let plot = downsample(&pts, now, SignedDuration::from_hours(24), 200, 1.0);
        assert!(values(&plot).contains(&0.0));
    }

    #[test]
    fn unknown_points_are_gaps_not_zeros() {
        let now = ts("2026-11-24T15:00:00Z");
        let pts = day(now, |i| (!(10_000..10_100).contains(&i)).then_some(0.2));
        let plot = downsample(&pts, now, SignedDuration::from_hours(24), 200, 100.0);
        assert_eq!(
            plot.segments.len(),
            2,
            "the unknown stretch splits the line"
        );
        assert!(values(&plot).iter().all(|v| *v == 20.0), "never a zero");
        // The gap sits where the unknown points were.
        let gap_start = -((24 * 720 - 10_000) as f64) * 5.0;
        let end_of_first = plot.segments[0].last().expect("point").0;
        let start_of_second = plot.segments[1].first().expect("point").0;
        assert!(end_of_first < gap_start && start_of_second > gap_start + 400.0);
        // A single unknown point in a 15-minute window still breaks the line.
        let pts = day(now, |i| (i != 17_200).then_some(1.0));
        let plot = downsample(&pts, now, SignedDuration::from_mins(15), 100, 1.0);
        assert_eq!(plot.segments.len(), 2);
    }

    #[test]
    fn a_long_silence_breaks_the_line_and_the_window_is_honoured() {
        let now = ts("2026-11-24T15:00:00Z");
        // Nothing recorded for 10 minutes (the source was down and sent no samples).
        let mut pts = day(now, |_| Some(1.0));
        let cut_from = now - SignedDuration::from_mins(20);
        let cut_to = now - SignedDuration::from_mins(10);
        pts.retain(|p| p.at < cut_from || p.at > cut_to);
        let plot = downsample(&pts, now, SignedDuration::from_hours(1), 120, 1.0);
        assert_eq!(plot.segments.len(), 2);
        let xs: Vec<f64> = plot.segments.iter().flatten().map(|(x, _)| *x).collect();
        assert!(xs.iter().all(|x| (-3600.0..=0.0).contains(x)), "{xs:?}");
        // Points after `now` (a clock ahead of ours) are not drawn.
        let later = day(now + SignedDuration::from_hours(1), |_| Some(1.0));
        let plot = downsample(&later, now, SignedDuration::from_mins(5), 50, 1.0);
        assert!(plot.segments.iter().flatten().all(|(x, _)| *x <= 0.0));
    }

    #[test]
    fn empty_and_degenerate_inputs() {
        let now = ts("2026-11-24T15:00:00Z");
        let none = VecDeque::new();
        assert_eq!(
            downsample(&none, now, SignedDuration::from_mins(15), 80, 1.0),
            Plot::default()
        );
        let pts = day(now, |_| Some(1.0));
        assert_eq!(
            downsample(&pts, now, SignedDuration::from_mins(15), 0, 1.0),
            Plot::default()
        );
        let one: VecDeque<SignalPoint> = [SignalPoint {
            at: now,
            value: Some(2.0),
        }]
        .into();
        let plot = downsample(&one, now, SignedDuration::from_mins(15), 80, 1.0);
        assert_eq!(plot.segments, vec![vec![(0.0, 2.0)]]);
        let unknown: VecDeque<SignalPoint> = [SignalPoint {
            at: now,
            value: None,
        }]
        .into();
        let plot = downsample(&unknown, now, SignedDuration::from_mins(15), 80, 1.0);
        assert!(plot.segments.is_empty() && plot.max.is_none());
    }
}
