//! Synthetic requests: each tick of the simulated clock sends `rps × tick` requests, splits
//! them between versions by the routing weights, and records status codes and latencies.
//! Error ratios use an accumulator (exactly the configured share, spread evenly) so a short
//! Prometheus window sees the scenario's ratio; routing and latency use the seeded PRNG.

use std::collections::BTreeMap;

use super::faults::Faults;
use super::rng::Rng;

/// Histogram bucket upper bounds, in seconds (finer around the typical p99s).
pub const BUCKETS: [f64; 17] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0,
];

/// The status codes every version reports from the start (at 0), so ratios have series.
pub const CODES: [u16; 3] = [200, 500, 503];

/// Median latency of a healthy version, in seconds.
const MEDIAN_S: f64 = 0.045;
/// Log-normal spread: p99 ≈ median × e^(2.33 σ) ≈ 130 ms.
const SIGMA: f64 = 0.45;

/// Counters for one version.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Requests by status code.
    pub codes: BTreeMap<u16, u64>,
    /// Non-cumulative bucket counts (index = `BUCKETS` position; last = +Inf).
    pub buckets: [u64; BUCKETS.len() + 1],
    /// Sum of latencies, seconds.
    pub sum: f64,
    /// Number of observations.
    pub count: u64,
}

impl Series {
    fn zeroed() -> Self {
        Self {
            codes: CODES.iter().map(|c| (*c, 0)).collect(),
            ..Self::default()
        }
    }

    fn observe(&mut self, code: u16, latency_s: f64) {
        *self.codes.entry(code).or_insert(0) += 1;
        let i = BUCKETS.partition_point(|b| *b < latency_s);
        self.buckets[i] += 1;
        self.sum += latency_s;
        self.count += 1;
    }
}

/// The traffic generator and its counters.
#[derive(Debug, Clone)]
pub struct Traffic {
    rng: Rng,
    carry: f64,
    errors: BTreeMap<String, f64>,
    /// Counters per version (colour).
    pub series: BTreeMap<String, Series>,
}

impl Traffic {
    /// A generator seeded with `seed`, with zeroed series for the given versions.
    pub fn new(seed: u64, versions: &[&str]) -> Self {
        Self {
            rng: Rng::new(seed),
            carry: 0.0,
            errors: BTreeMap::new(),
            series: versions
                .iter()
                .map(|v| ((*v).to_string(), Series::zeroed()))
                .collect(),
        }
    }

    /// Sends one tick's requests. `weights` are (version, share) with shares summing to 1;
    /// an empty list means nothing serves, so no request is recorded.
    pub fn step(&mut self, dt_ms: u64, weights: &[(String, f64)], faults: &Faults) {
        self.carry += faults.rps.max(0.0) * dt_ms as f64 / 1000.0;
        let n = self.carry.floor();
        self.carry -= n;
        if weights.is_empty() {
            return;
        }
        for _ in 0..(n as u64) {
            let mut pick = self.rng.unit();
            let mut version = &weights[weights.len() - 1].0;
            for (v, w) in weights {
                if pick < *w {
                    version = v;
                    break;
                }
                pick -= w;
            }
            let fault = faults.version(version);
            let acc = self.errors.entry(version.clone()).or_insert(0.5);
            *acc += fault.error_ratio;
            let code = if *acc >= 1.0 {
                *acc -= 1.0;
                if self.rng.unit() < 0.8 { 500 } else { 503 }
            } else {
                200
            };
            let latency = MEDIAN_S * fault.latency_factor * (SIGMA * self.rng.normal()).exp();
            self.series
                .entry(version.clone())
                .or_insert_with(Series::zeroed)
                .observe(code, latency);
        }
    }

    /// Total requests recorded.
    pub fn total(&self) -> u64 {
        self.series.values().map(|s| s.count).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(blue: f64) -> Vec<(String, f64)> {
        vec![("blue".into(), blue), ("green".into(), 1.0 - blue)]
    }

    #[test]
    fn same_seed_same_counts_and_error_ratio_holds() {
        let mut faults = Faults::new(200.0);
        faults.set_errors("green", 0.08);
        let run = |seed| {
            let mut t = Traffic::new(seed, &["blue", "green"]);
            for _ in 0..200 {
                t.step(50, &weights(0.5), &faults);
            }
            t
        };
        let (a, b) = (run(7), run(7));
        assert_eq!(a.series, b.series);
        assert_ne!(a.series, run(8).series);
        assert_eq!(a.total(), 2000);
        let g = &a.series["green"];
        let errs = g.codes[&500] + g.codes[&503];
        let ratio = errs as f64 / g.count as f64;
        assert!((0.07..0.09).contains(&ratio), "{ratio}");
        assert_eq!(a.series["blue"].codes[&500], 0);
    }

    #[test]
    fn nothing_serves_nothing_counted() {
        let mut t = Traffic::new(1, &["blue"]);
        t.step(1000, &[], &Faults::new(200.0));
        assert_eq!(t.total(), 0);
    }
}
