//! The report's pass over metric samples: each version's series (for the charts and for
//! finding the first breaching sample), the error budget spent (error ratio weighted by
//! throughput × the time each sample stands for), the worst values and when, and the first
//! sample of each round over an SLO or auto-rollback threshold.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use super::model::{Budget, Crossing, Peak, VersionImpact};
use super::time::iso;
use crate::config::warroom::WarroomConfig;
use crate::event::{Sample, Signal};

/// A sample stands for at most this many source intervals (a longer gap is an outage, not
/// traffic at the last known rate).
const MAX_INTERVALS_PER_SAMPLE: i64 = 3;

/// When no source interval is recorded.
const DEFAULT_INTERVAL_MS: i64 = 5_000;

/// The raw points of one signal for one version: (unix ms, value or None).
pub type Points = Vec<(i64, Option<f64>)>;

/// Per version accumulators.
#[derive(Debug, Default)]
struct VersionAcc {
    budget: Budget,
    last_ms: Option<i64>,
    worst: BTreeMap<Signal, (f64, Timestamp)>,
}

/// What the pass collects from samples.
#[derive(Debug, Default)]
pub struct Signals {
    /// Raw points per (signal, version), for the charts and breach searches.
    pub series: BTreeMap<(Signal, String), Points>,
    versions: BTreeMap<String, VersionAcc>,
    /// The first sample over each threshold in each round.
    pub crossings: Vec<Crossing>,
    seen: BTreeSet<(u32, String, String, &'static str)>,
}

/// The thresholds in force for a round: the SLO's, and the auto-rollback limits.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// `[slo] error_ratio`.
    pub slo_error: Option<f64>,
    /// `[slo] latency_p95` in seconds.
    pub slo_p95: Option<f64>,
    /// `[slo] latency_p99` in seconds.
    pub slo_p99: Option<f64>,
    /// `[auto_rollback] error_ratio`.
    pub auto_error: Option<f64>,
    /// The baseline p99 times `[auto_rollback] p99_vs_baseline`.
    pub auto_p99: Option<f64>,
}

impl Limits {
    /// The limits of `cfg`, with the p99 limit from the baseline captured at go.
    pub fn of(cfg: Option<&WarroomConfig>, baseline_p99: Option<f64>) -> Self {
        let Some(c) = cfg else {
            return Self::default();
        };
        Self {
            slo_error: Some(c.slo.error_ratio),
            slo_p95: Some(c.slo.latency_p95.0.as_secs_f64()),
            slo_p99: Some(c.slo.latency_p99.0.as_secs_f64()),
            auto_error: Some(c.auto_rollback.error_ratio),
            auto_p99: baseline_p99
                .filter(|b| b.is_finite() && *b > 0.0)
                .map(|b| b * c.auto_rollback.p99_vs_baseline),
        }
    }

    /// Every (threshold kind, limit) that applies to `signal`; the auto-rollback limits only
    /// to the candidate.
    fn for_signal(&self, signal: Signal, candidate: bool) -> Vec<(&'static str, f64)> {
        let mut out = Vec::new();
        let mut push = |kind, v: Option<f64>| {
            if let Some(v) = v {
                out.push((kind, v));
            }
        };
        match signal {
            Signal::ErrorRatio => {
                push("slo", self.slo_error);
                if candidate {
                    push("auto-rollback", self.auto_error);
                }
            }
            Signal::LatencyP95 => push("slo", self.slo_p95),
            Signal::LatencyP99 => {
                push("slo", self.slo_p99);
                if candidate {
                    push("auto-rollback", self.auto_p99);
                }
            }
            _ => {}
        }
        out
    }
}

/// Where a sample comes from in the session: the round after go (None before any go or
/// after the release ended) and the candidate's label value.
pub struct Context<'a> {
    /// The round under way.
    pub round: Option<u32>,
    /// The candidate's label value.
    pub candidate: Option<&'a str>,
    /// The thresholds in force.
    pub limits: &'a Limits,
    /// The source's poll interval.
    pub interval_ms: Option<u64>,
}

impl Signals {
    /// Takes one `SamplesObserved` evaluated at `at`.
    pub fn observe(&mut self, at: Timestamp, samples: &[Sample], ctx: &Context<'_>) {
        let ms = at.as_millisecond();
        let interval = ctx
            .interval_ms
            .and_then(|i| i64::try_from(i).ok())
            .filter(|i| *i > 0)
            .unwrap_or(DEFAULT_INTERVAL_MS);
        let mut by_version: BTreeMap<&str, (Option<f64>, Option<f64>)> = BTreeMap::new();
        for s in samples {
            let value = s.value.filter(|v| v.is_finite());
            if matches!(
                s.signal,
                Signal::ErrorRatio | Signal::LatencyP95 | Signal::LatencyP99
            ) {
                self.series
                    .entry((s.signal, s.version.clone()))
                    .or_default()
                    .push((ms, value));
            }
            let e = by_version.entry(s.version.as_str()).or_default();
            match s.signal {
                Signal::ErrorRatio => e.0 = value,
                Signal::Throughput => e.1 = value,
                _ => {}
            }
            let Some(v) = value else { continue };
            let acc = self.versions.entry(s.version.clone()).or_default();
            if matches!(
                s.signal,
                Signal::ErrorRatio | Signal::LatencyP95 | Signal::LatencyP99
            ) {
                let w = acc.worst.entry(s.signal).or_insert((v, at));
                if v > w.0 {
                    *w = (v, at);
                }
            }
            if let Some(round) = ctx.round {
                let candidate = ctx.candidate == Some(s.version.as_str());
                for (kind, limit) in ctx.limits.for_signal(s.signal, candidate) {
                    let key = (round, s.signal.name().to_string(), s.version.clone(), kind);
                    if v > limit && !self.seen.contains(&key) {
                        self.seen.insert(key);
                        self.crossings.push(Crossing {
                            round,
                            signal: s.signal.name().to_string(),
                            version: s.version.clone(),
                            threshold_of: kind,
                            threshold: limit,
                            value: v,
                            at: iso(at),
                        });
                    }
                }
            }
        }
        for (version, (err, rps)) in by_version {
            let acc = self.versions.entry(version.to_string()).or_default();
            let dt_ms = acc.last_ms.map_or(interval, |l| {
                (ms - l).clamp(0, interval * MAX_INTERVALS_PER_SAMPLE)
            });
            acc.last_ms = Some(ms);
            match (err, rps) {
                (Some(e), Some(r)) if r >= 0.0 => {
                    let requests = r * dt_ms as f64 / 1000.0;
                    acc.budget.requests += requests;
                    acc.budget.errors += e * requests;
                    acc.budget.samples += 1;
                }
                _ => acc.budget.unknown_samples += 1,
            }
        }
    }

    /// Records a crossing found outside the samples (a crash loop seen in the pods).
    pub fn cross(&mut self, c: Crossing) {
        let key = (c.round, c.signal.clone(), c.version.clone(), c.threshold_of);
        if self.seen.insert(key) {
            self.crossings.push(c);
        }
    }

    /// The earliest point of `signal`/`version` over `limit` within `[from, to]`.
    pub fn first_over(
        &self,
        signal: Signal,
        version: &str,
        limit: f64,
        from_ms: i64,
        to_ms: i64,
    ) -> Option<(i64, f64)> {
        let pts = self.series.get(&(signal, version.to_string()))?;
        let start = pts.partition_point(|(t, _)| *t < from_ms);
        pts[start..]
            .iter()
            .take_while(|(t, _)| *t <= to_ms)
            .find_map(|(t, v)| v.filter(|v| *v > limit).map(|v| (*t, v)))
    }

    /// The budget over every version and each version's impact.
    pub fn impact(
        &self,
        slo: Option<f64>,
        stable: Option<&str>,
        candidate: Option<&str>,
    ) -> (Budget, Vec<VersionImpact>) {
        let mut total = Budget::default();
        let mut versions = Vec::new();
        for (version, acc) in &self.versions {
            let mut b = acc.budget.clone();
            finish_budget(&mut b, slo);
            total.requests += b.requests;
            total.errors += b.errors;
            total.samples += b.samples;
            total.unknown_samples += b.unknown_samples;
            let peak = |s: Signal| {
                acc.worst.get(&s).map(|(v, at)| Peak {
                    value: *v,
                    at: iso(*at),
                })
            };
            versions.push(VersionImpact {
                version: version.clone(),
                side: if Some(version.as_str()) == candidate {
                    "candidate"
                } else if Some(version.as_str()) == stable {
                    "stable"
                } else {
                    "other"
                },
                budget: b,
                worst_error_ratio: peak(Signal::ErrorRatio),
                worst_latency_p95: peak(Signal::LatencyP95),
                worst_latency_p99: peak(Signal::LatencyP99),
            });
        }
        finish_budget(&mut total, slo);
        (total, versions)
    }
}

fn finish_budget(b: &mut Budget, slo: Option<f64>) {
    b.error_ratio = (b.requests > 0.0).then(|| b.errors / b.requests);
    b.spent = match (b.error_ratio, slo) {
        (Some(r), Some(s)) if s > 0.0 => Some(r / s),
        _ => None,
    };
}

/// The signal a rule's measurement names, if it is a sampled one.
pub fn sampled_signal(name: &str) -> Option<Signal> {
    Signal::ALL.into_iter().find(|s| s.name() == name)
}
