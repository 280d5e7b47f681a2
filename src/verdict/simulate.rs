//! A seeded canary traffic model for measuring the verdict: the simulator's traffic (a fixed
//! request rate split at random between versions, log-normal latencies with a 45 ms median and
//! σ = 0.45, the simulator's histogram buckets), yielding one [`PollCounts`] per poll.
//!
//! One difference from `crate::sim::traffic`: errors are independent per request (Bernoulli)
//! rather than spread evenly by an accumulator, so the error counts vary as real ones do and a
//! false-alarm rate means something.

use super::counts::{PollCounts, VersionCounts};
use super::normal;
use crate::sim::rng::Rng;
use crate::sim::traffic::BUCKETS;

/// Median latency of a healthy version, seconds (as the simulator).
pub const MEDIAN_S: f64 = 0.045;
/// Log-normal spread of latencies (as the simulator).
pub const SIGMA: f64 = 0.45;

/// The simulator's finite histogram bounds (the `+Inf` bucket follows them).
pub fn bounds() -> Vec<f64> {
    BUCKETS.to_vec()
}

/// One canary's traffic.
#[derive(Debug, Clone, PartialEq)]
pub struct CanaryModel {
    /// Requests per second to the service.
    pub rps: f64,
    /// Seconds between polls.
    pub poll_secs: f64,
    /// Share of requests the candidate serves.
    pub candidate_share: f64,
    /// Share stable serves (the rest goes elsewhere).
    pub stable_share: f64,
    /// Stable's 5xx probability per request.
    pub stable_error: f64,
    /// The candidate's.
    pub candidate_error: f64,
    /// The candidate's latency multiplier (3 = everything three times slower).
    pub candidate_latency_factor: f64,
}

impl CanaryModel {
    /// A healthy canary: 200 req/s, 2 s polls, 10 % to the candidate, 0.1 % errors on both,
    /// the same latencies.
    pub fn healthy() -> Self {
        Self {
            rps: 200.0,
            poll_secs: 2.0,
            candidate_share: 0.1,
            stable_share: 0.9,
            stable_error: 0.001,
            candidate_error: 0.001,
            candidate_latency_factor: 1.0,
        }
    }

    /// The `bad-canary` scenario: the candidate answers 8 % of requests with 5xx.
    pub fn bad_canary() -> Self {
        Self {
            candidate_error: 0.08,
            ..Self::healthy()
        }
    }

    /// The `slow-canary` scenario: the candidate's latencies (so its p99) are three times
    /// stable's.
    pub fn slow_canary() -> Self {
        Self {
            candidate_latency_factor: 3.0,
            ..Self::healthy()
        }
    }

    /// Compares against a baseline of the candidate's size (Kayenta's recommended setup)
    /// instead of all of stable.
    pub fn with_equal_baseline(mut self) -> Self {
        self.stable_share = self.candidate_share;
        self
    }

    /// The polls of one canary, from `seed`.
    pub fn polls(&self, seed: u64) -> Polls {
        Polls {
            model: self.clone(),
            rng: Rng::new(seed),
            carry: 0.0,
            stable_cdf: bucket_cdf(1.0),
            candidate_cdf: bucket_cdf(self.candidate_latency_factor),
        }
    }
}

/// P(latency ≤ bound) for each finite bound, at a latency factor.
fn bucket_cdf(factor: f64) -> Vec<f64> {
    let ln_median = (MEDIAN_S * factor).ln();
    BUCKETS
        .iter()
        .map(|b| normal::cdf((b.ln() - ln_median) / SIGMA))
        .collect()
}

/// An endless stream of polls.
#[derive(Debug, Clone)]
pub struct Polls {
    model: CanaryModel,
    rng: Rng,
    carry: f64,
    stable_cdf: Vec<f64>,
    candidate_cdf: Vec<f64>,
}

impl Iterator for Polls {
    type Item = PollCounts;

    fn next(&mut self) -> Option<PollCounts> {
        let m = &self.model;
        self.carry += m.rps * m.poll_secs;
        let n = self.carry.floor();
        self.carry -= n;
        let blank = || VersionCounts::new(0, 0).with_buckets(vec![0; BUCKETS.len() + 1]);
        let (mut c, mut s) = (blank(), blank());
        for _ in 0..n as u64 {
            let route = self.rng.unit();
            let (v, p_error, cdf) = if route < m.candidate_share {
                (&mut c, m.candidate_error, &self.candidate_cdf)
            } else if route < m.candidate_share + m.stable_share {
                (&mut s, m.stable_error, &self.stable_cdf)
            } else {
                continue;
            };
            v.requests += 1;
            if self.rng.unit() < p_error {
                v.errors += 1;
            }
            // Inverse-CDF draw of the bucket: the same distribution as binning a log-normal
            // draw, with one uniform.
            let u = self.rng.unit();
            v.buckets[cdf.partition_point(|p| *p <= u)] += 1;
        }
        Some(PollCounts::new(c, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_follow_the_model() {
        let polls: Vec<PollCounts> = CanaryModel::bad_canary().polls(7).take(300).collect();
        let (mut cr, mut ce, mut sr, mut se) = (0, 0, 0, 0);
        for p in &polls {
            let (c, s) = (
                p.candidate.as_ref().expect("c"),
                p.stable.as_ref().expect("s"),
            );
            assert_eq!(c.observations(), c.requests);
            assert_eq!(
                c.requests + s.requests,
                400,
                "all traffic goes to the two versions"
            );
            cr += c.requests;
            ce += c.errors;
            sr += s.requests;
            se += s.errors;
        }
        let share = cr as f64 / (cr + sr) as f64;
        assert!((share - 0.1).abs() < 0.005, "{share}");
        let ratio = ce as f64 / cr as f64;
        assert!((ratio - 0.08).abs() < 0.01, "{ratio}");
        assert!((se as f64 / sr as f64) < 0.003);
        let same: Vec<PollCounts> = CanaryModel::bad_canary().polls(7).take(300).collect();
        assert_eq!(polls, same);
    }

    #[test]
    fn slow_canary_triples_the_median() {
        let b = bounds();
        let (mut c, mut s) = (vec![0u64; b.len() + 1], vec![0u64; b.len() + 1]);
        for p in CanaryModel::slow_canary().polls(3).take(500) {
            let (pc, ps) = (p.candidate.expect("c"), p.stable.expect("s"));
            c.iter_mut().zip(&pc.buckets).for_each(|(a, x)| *a += x);
            s.iter_mut().zip(&ps.buckets).for_each(|(a, x)| *a += x);
        }
        let mc = crate::verdict::histogram::quantile(&b, &c, 0.5);
        let ms = crate::verdict::histogram::quantile(&b, &s, 0.5);
        assert!((ms - MEDIAN_S).abs() < 0.005, "{ms}");
        assert!((mc / ms - 3.0).abs() < 0.4, "{mc} vs {ms}");
    }
}
