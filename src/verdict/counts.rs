//! The verdict's input: what each version served during one poll, as increases of its
//! counters (`http_requests_total{version,code}` and `http_request_duration_seconds_bucket
//! {version,le}`) since the previous poll.

use serde::{Deserialize, Serialize};

/// What one version served during one poll.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VersionCounts {
    /// Requests answered (every status code).
    pub requests: u64,
    /// Of those, answered with a 5xx.
    pub errors: u64,
    /// Latency observations per histogram bucket, *not* cumulative, in `le` order with the
    /// `+Inf` bucket last; empty when the version exposes no histogram.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<u64>,
}

/// One poll of both versions. `None` means the version's counters could not be read or were
/// reset during the poll: such a poll carries no evidence either way.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PollCounts {
    /// The version being judged.
    pub candidate: Option<VersionCounts>,
    /// The version it is judged against.
    pub stable: Option<VersionCounts>,
}

/// Cumulative counters of one version as scraped (Prometheus counters are floats).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CounterReading {
    /// `sum(http_requests_total{version=v})`.
    pub requests: f64,
    /// `sum(http_requests_total{version=v,code=~"5.."})`.
    pub errors: f64,
    /// `http_request_duration_seconds_bucket{version=v}` by `le`, cumulative, `+Inf` last.
    pub buckets: Vec<f64>,
}

impl VersionCounts {
    /// Counts from requests and errors alone (no histogram).
    pub fn new(requests: u64, errors: u64) -> Self {
        Self {
            requests,
            errors,
            buckets: Vec::new(),
        }
    }

    /// The same counts with per-bucket latency observations.
    pub fn with_buckets(mut self, buckets: Vec<u64>) -> Self {
        self.buckets = buckets;
        self
    }

    /// Errors cannot exceed requests; counts that say otherwise come from a broken scrape.
    pub fn is_consistent(&self) -> bool {
        self.errors <= self.requests
    }

    /// Latency observations in the histogram.
    pub fn observations(&self) -> u64 {
        self.buckets.iter().sum()
    }

    /// The increase between two readings of the same version. `None` when a counter went
    /// backwards (a restart reset it), a value is NaN or negative, or the bucket layout changed:
    /// the poll is then unknown, never counted as a quiet one.
    pub fn between(prev: &CounterReading, cur: &CounterReading) -> Option<Self> {
        let delta = |a: f64, b: f64| -> Option<u64> {
            let d = b - a;
            // Counters are integers; a tiny negative from float noise is still a reset.
            (a.is_finite() && b.is_finite() && a >= 0.0 && d >= 0.0).then(|| d.round() as u64)
        };
        let requests = delta(prev.requests, cur.requests)?;
        let errors = delta(prev.errors, cur.errors)?;
        if prev.buckets.len() != cur.buckets.len() {
            return None;
        }
        let mut buckets = Vec::with_capacity(cur.buckets.len());
        let mut below = 0u64;
        for (p, c) in prev.buckets.iter().zip(&cur.buckets) {
            let cumulative = delta(*p, *c)?;
            // Cumulative buckets must not decrease with `le`.
            buckets.push(cumulative.checked_sub(below)?);
            below = cumulative;
        }
        Some(Self {
            requests,
            errors,
            buckets,
        })
    }
}

impl PollCounts {
    /// A poll where both versions were read.
    pub fn new(candidate: VersionCounts, stable: VersionCounts) -> Self {
        Self {
            candidate: Some(candidate),
            stable: Some(stable),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(requests: f64, errors: f64, buckets: &[f64]) -> CounterReading {
        CounterReading {
            requests,
            errors,
            buckets: buckets.to_vec(),
        }
    }

    #[test]
    fn between_turns_cumulative_buckets_into_per_bucket_increases() {
        let prev = reading(100.0, 1.0, &[10.0, 60.0, 100.0]);
        let cur = reading(180.0, 4.0, &[20.0, 110.0, 180.0]);
        let d = VersionCounts::between(&prev, &cur).expect("valid");
        assert_eq!(d.requests, 80);
        assert_eq!(d.errors, 3);
        assert_eq!(d.buckets, vec![10, 40, 30]);
        assert_eq!(d.observations(), 80);
        assert!(d.is_consistent());
    }

    #[test]
    fn resets_nans_and_layout_changes_are_unknown() {
        let prev = reading(100.0, 1.0, &[10.0, 100.0]);
        assert!(VersionCounts::between(&prev, &reading(5.0, 0.0, &[1.0, 5.0])).is_none());
        assert!(VersionCounts::between(&prev, &reading(f64::NAN, 1.0, &[10.0, 100.0])).is_none());
        assert!(VersionCounts::between(&prev, &reading(120.0, 1.0, &[12.0])).is_none());
        // A cumulative histogram that decreases with `le` is broken.
        assert!(VersionCounts::between(&prev, &reading(120.0, 1.0, &[40.0, 120.0])).is_none());
        assert!(!VersionCounts::new(3, 4).is_consistent());
    }
}
