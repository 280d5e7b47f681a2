//! The charts' data: every error-ratio and latency series per version, cut down to at most
//! [`BUCKETS`] time buckets with each bucket's lowest and highest value kept (so a spike is
//! never averaged away), the candidate's traffic share, and the markers.

use super::build::Builder;
use super::model::{ChartLimit, ChartSeries, Charts};
use super::signals::Points;

/// Buckets across the time axis; two points each at most.
pub const BUCKETS: usize = 300;

/// The charts of the pass.
pub fn build(b: &Builder) -> Charts {
    let (Some(from), Some(to)) = (b.first_at, b.last_at) else {
        return Charts::default();
    };
    let to_ms = to.as_millisecond();
    // The axis starts at the first measurement or decision: a log opened days before release day (a
    // resumed session, the demo's history) would otherwise squeeze every point to one edge.
    let measured = b
        .signals
        .series
        .values()
        .filter_map(|pts| pts.first().map(|p| p.0))
        .chain(b.share.first().map(|p| p.0))
        .chain(b.markers.iter().map(|m| m.t_ms))
        .min();
    let from_ms = measured.map_or(from.as_millisecond(), |m| {
        m.clamp(from.as_millisecond(), to_ms)
    });
    let series = b
        .signals
        .series
        .iter()
        .map(|((signal, version), pts)| ChartSeries {
            signal: signal.name().to_string(),
            version: version.clone(),
            points: downsample(pts, from_ms, to_ms, BUCKETS),
        })
        .collect();
    Charts {
        from_ms: Some(from_ms),
        to_ms: Some(to_ms),
        series,
        share: b.share.clone(),
        markers: b.markers.clone(),
        limits: limits(b),
    }
}

/// The SLO's limits and the auto-rollback error limit in force.
fn limits(b: &Builder) -> Vec<ChartLimit> {
    let Some(c) = b.state.config.as_deref() else {
        return Vec::new();
    };
    let limit = |signal: &str, label: &str, value: f64| ChartLimit {
        signal: signal.to_string(),
        label: label.to_string(),
        value,
    };
    vec![
        limit("error_ratio", "SLO", c.slo.error_ratio),
        limit("error_ratio", "auto-rollback", c.auto_rollback.error_ratio),
        limit("latency_p95", "SLO p95", c.slo.latency_p95.0.as_secs_f64()),
        limit("latency_p99", "SLO p99", c.slo.latency_p99.0.as_secs_f64()),
    ]
}

/// At most two points per bucket (the minimum and the maximum, in time order); a bucket with
/// only unknown values keeps one unknown point, so a gap stays a gap.
pub fn downsample(pts: &Points, from_ms: i64, to_ms: i64, buckets: usize) -> Points {
    if pts.len() <= buckets * 2 || buckets == 0 {
        return pts.clone();
    }
    let span = (to_ms - from_ms).max(1) as f64;
    let bucket_of = |t: i64| {
        let f = (t - from_ms) as f64 / span;
        ((f * buckets as f64) as usize).min(buckets - 1)
    };
    let mut out = Vec::with_capacity(buckets * 2);
    let mut i = 0;
    while i < pts.len() {
        let b = bucket_of(pts[i].0);
        let mut j = i;
        let mut lo: Option<(i64, f64)> = None;
        let mut hi: Option<(i64, f64)> = None;
        while j < pts.len() && bucket_of(pts[j].0) == b {
            if let (t, Some(v)) = pts[j] {
                if lo.is_none_or(|l| v < l.1) {
                    lo = Some((t, v));
                }
                if hi.is_none_or(|h| v > h.1) {
                    hi = Some((t, v));
                }
            }
            j += 1;
        }
        match (lo, hi) {
            (Some(l), Some(h)) if l.0 == h.0 => out.push((l.0, Some(l.1))),
            (Some(l), Some(h)) => {
                let (a, c) = if l.0 < h.0 { (l, h) } else { (h, l) };
                out.push((a.0, Some(a.1)));
                out.push((c.0, Some(c.1)));
            }
            _ => out.push((pts[i].0, None)),
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_keeps_spikes_and_gaps() {
        let mut pts: Points = (0..10_000).map(|i| (i * 1000, Some(0.01))).collect();
        pts[5_000].1 = Some(0.5);
        for p in &mut pts[8_000..8_200] {
            p.1 = None;
        }
        let out = downsample(&pts, 0, 9_999_000, 100);
        assert!(out.len() <= 200, "{} points", out.len());
        assert!(out.iter().any(|p| p.1 == Some(0.5)), "the spike survives");
        assert!(out.iter().any(|p| p.1.is_none()), "the gap survives");
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "time order");
    }
}
