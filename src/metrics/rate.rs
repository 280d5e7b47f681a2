//! `rate`, `increase`, `delta` and `sum by`, computed exactly as Prometheus 2.42 does.
//!
//! Mirrors `extrapolatedRate` in `promql/functions.go` (v2.42): counter resets add the value
//! before the drop; the result is extrapolated towards the window edges, but only when the
//! first/last sample lies within 1.1× the average sample interval of the edge (else by half an
//! interval), and for counters never past the point where the counter would reach zero. The
//! zero-point cap is applied *before* the 1.1× test, as 2.42 does (later versions swapped the
//! order). Range selectors are closed on both ends in 2.x: `[T - range, T]`.

use std::collections::BTreeMap;
use std::time::Duration;

use super::Labels;
use super::history::Point;

/// The samples of `points` (sorted by time) inside `[start_ms, end_ms]`, both ends inclusive.
pub fn select_range(points: &[Point], start_ms: i64, end_ms: i64) -> &[Point] {
    let from = points.partition_point(|p| p.t_ms < start_ms);
    let to = points.partition_point(|p| p.t_ms <= end_ms);
    points.get(from..to.max(from)).unwrap_or(&[])
}

/// `extrapolatedRate` over samples already selected for `[range_start_ms, range_end_ms]`.
/// `None` (no output series in PromQL) with fewer than two samples or timestamps that do not
/// increase.
pub fn extrapolated_rate(
    points: &[Point],
    range_start_ms: i64,
    range_end_ms: i64,
    is_counter: bool,
    is_rate: bool,
) -> Option<f64> {
    let (first, last) = match points {
        [first, .., last] => (*first, *last),
        _ => return None,
    };
    if last.t_ms <= first.t_ms {
        return None;
    }
    let mut result = last.value - first.value;
    if is_counter {
        // A drop means the counter restarted from zero: add what it had reached.
        let mut prev = first.value;
        for p in &points[1..] {
            if p.value < prev {
                result += prev;
            }
            prev = p.value;
        }
    }

    let mut duration_to_start = (first.t_ms - range_start_ms) as f64 / 1000.0;
    let duration_to_end = (range_end_ms - last.t_ms) as f64 / 1000.0;
    let sampled_interval = (last.t_ms - first.t_ms) as f64 / 1000.0;
    let average_between_samples = sampled_interval / (points.len() - 1) as f64;

    if is_counter && result > 0.0 && first.value >= 0.0 {
        // Counters cannot be negative: do not extrapolate to before the zero point.
        let duration_to_zero = sampled_interval * (first.value / result);
        if duration_to_zero < duration_to_start {
            duration_to_start = duration_to_zero;
        }
    }

    let threshold = average_between_samples * 1.1;
    let mut extrapolate_to = sampled_interval;
    extrapolate_to += if duration_to_start < threshold {
        duration_to_start
    } else {
        average_between_samples / 2.0
    };
    extrapolate_to += if duration_to_end < threshold {
        duration_to_end
    } else {
        average_between_samples / 2.0
    };
    let mut factor = extrapolate_to / sampled_interval;
    if is_rate {
        factor /= (range_end_ms - range_start_ms) as f64 / 1000.0;
    }
    Some(result * factor)
}

fn window_ms(window: Duration) -> i64 {
    i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 2)
}

fn over_window(
    points: &[Point],
    eval_ms: i64,
    window: Duration,
    counter: bool,
    per_second: bool,
) -> Option<f64> {
    let start = eval_ms.saturating_sub(window_ms(window));
    extrapolated_rate(
        select_range(points, start, eval_ms),
        start,
        eval_ms,
        counter,
        per_second,
    )
}

/// `rate(x[window])` evaluated at `eval_ms`: per-second increase of a counter.
pub fn rate(points: &[Point], eval_ms: i64, window: Duration) -> Option<f64> {
    over_window(points, eval_ms, window, true, true)
}

/// `increase(x[window])` evaluated at `eval_ms`.
pub fn increase(points: &[Point], eval_ms: i64, window: Duration) -> Option<f64> {
    over_window(points, eval_ms, window, true, false)
}

/// `delta(x[window])` evaluated at `eval_ms` (gauges: no reset handling, no zero cap).
pub fn delta(points: &[Point], eval_ms: i64, window: Duration) -> Option<f64> {
    over_window(points, eval_ms, window, false, false)
}

/// `sum by (by…)`: adds values whose labels agree on `by`; the result's labels are only those
/// (labels absent from a series are absent from its group, as in PromQL).
pub fn sum_by<'a>(
    values: impl IntoIterator<Item = (&'a Labels, f64)>,
    by: &[&str],
) -> BTreeMap<Labels, f64> {
    let mut out: BTreeMap<Labels, f64> = BTreeMap::new();
    for (labels, v) in values {
        let group: Labels = labels
            .iter()
            .filter(|(k, _)| by.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        *out.entry(group).or_insert(0.0) += v;
    }
    out
}
