//! The verdict that is valid at every moment: anytime-valid sequential tests of "the candidate
//! is worse than stable", on the error counts and on the latency histograms, updated poll by
//! poll (after Lindon, Sanden & Shirikian, KDD 2022, and Lindon & Malek, NeurIPS 2022).
//!
//! Each poll gives one 2×2 table for errors (candidate/stable × 5xx/other) and a chain of
//! tables for the latency buckets ([`super::histogram::chain`]). Conditioning on each table's
//! margins makes the null distribution exact (hypergeometric) whatever the error rate, the
//! latency distribution, the traffic split or how they drift over time, which is the point of
//! the papers' time-inhomogeneous counting-process models. The papers fix the allocation ρ in
//! advance and put a Dirichlet (Beta) prior on the share of events that go to each version;
//! here the split changes as the canary steps up and the realised split differs from the
//! configured weight, so each poll is conditioned on its own request counts and the prior is
//! over the odds ratio ψ instead: for rare events a table is the papers' Binomial(ρ_t) with ρ_t
//! the poll's candidate share.
//!
//! **One-sided, on purpose.** The war room rolls back when the candidate is *worse*; a better
//! candidate must never trigger a rollback. The prior puts all its mass on ψ > 1 (candidate
//! errors likelier, candidate latencies in slower buckets). Under any ψ ≤ 1 each table's
//! likelihood ratio against ψ > 1 has expectation at most 1 (the family has a monotone
//! likelihood ratio), so the evidence is a supermartingale whenever the candidate is no worse,
//! and a better candidate drives it down.
//!
//! **Evidence.** Each test's e-value is the mixture of its likelihood-ratio martingales over
//! the grid; the verdict's e-value is the mean of the two (a mean of test martingales on the
//! same polls is one too, so no Bonferroni split is needed). By Ville's inequality the chance
//! that a candidate no worse than stable *ever* reaches e ≥ 1/α is at most α; the always-valid
//! p-value is min(1, 1 / the largest e so far). The decision is "worse" from the first poll
//! where e ≥ 1/α, and stays so.

use serde::{Deserialize, Serialize};

use super::Metric;
use super::counts::{PollCounts, VersionCounts};
use super::format::{number, number_from_log, percent, seconds};
use super::histogram::{chain, quantile};
use super::hypergeom::{Grid, Mixture, Table, default_grid, log_mean_exp};

/// The sequential test's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequentialConfig {
    /// Reject "no worse" when the evidence reaches 1/alpha (default 0.01).
    pub alpha: f64,
    /// The odds ratios ψ > 1 the prior weighs equally (default: 20 from 1.1 to 1000).
    pub odds_grid: Vec<f64>,
    /// The histogram's finite `le` bounds (the `+Inf` bucket follows), only to show
    /// quantiles in the summary.
    #[serde(default)]
    pub bounds: Vec<f64>,
}

impl Default for SequentialConfig {
    fn default() -> Self {
        Self {
            alpha: 0.01,
            odds_grid: default_grid(),
            bounds: Vec::new(),
        }
    }
}

/// A configuration that cannot give a valid test.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// alpha outside (0, 1).
    #[error("verdict alpha must be between 0 and 1 (exclusive), got {0}; 0.01 is the default")]
    Alpha(f64),
    /// An odds ratio that is not a finite number above 1.
    #[error(
        "verdict odds grid must hold finite odds ratios above 1 (the test is one-sided), got {0}"
    )]
    Odds(f64),
    /// No odds ratios at all.
    #[error("verdict odds grid is empty")]
    EmptyGrid,
}

impl SequentialConfig {
    /// Checks alpha and the grid.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(ConfigError::Alpha(self.alpha));
        }
        if self.odds_grid.is_empty() {
            return Err(ConfigError::EmptyGrid);
        }
        if let Some(bad) = self
            .odds_grid
            .iter()
            .find(|p| !(p.is_finite() && **p > 1.0))
        {
            return Err(ConfigError::Odds(*bad));
        }
        Ok(())
    }
}

/// Where the test stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    /// Not enough evidence that the candidate is worse: keep watching.
    Continue,
    /// The candidate is worse, decided at `poll` (1-based), mostly on `metric`.
    Worse {
        /// The poll at which e first reached 1/α.
        poll: u64,
        /// The test with the larger evidence at that poll.
        metric: Metric,
    },
}

/// One test's evidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TestEvidence {
    /// ln e now.
    pub log_e: f64,
    /// Always-valid p-value: min(1, 1 / the largest e so far).
    pub p_value: f64,
    /// Tables that carried information.
    pub tables: u64,
}

/// Running totals of one version.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Requests.
    pub requests: u64,
    /// 5xx.
    pub errors: u64,
    /// Per-bucket latency observations.
    pub buckets: Vec<u64>,
}

impl Totals {
    fn add(&mut self, v: &VersionCounts) {
        self.requests += v.requests;
        self.errors += v.errors;
        if self.buckets.len() < v.buckets.len() {
            self.buckets.resize(v.buckets.len(), 0);
        }
        if self.buckets.len() == v.buckets.len() {
            for (a, b) in self.buckets.iter_mut().zip(&v.buckets) {
                *a += b;
            }
        }
    }

    /// Errors over requests; NaN with no requests.
    pub fn error_ratio(&self) -> f64 {
        if self.requests == 0 {
            f64::NAN
        } else {
            self.errors as f64 / self.requests as f64
        }
    }
}

/// The evidence after a poll.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Polls seen.
    pub polls: u64,
    /// Polls (or parts of them) that could not be used: a version missing, counts that
    /// contradict each other, histogram layouts that differ.
    pub skipped_polls: u64,
    /// The candidate's totals.
    pub candidate: Totals,
    /// Stable's totals.
    pub stable: Totals,
    /// The error test.
    pub errors: TestEvidence,
    /// The latency test.
    pub latency: TestEvidence,
    /// ln e of the verdict (mean of the two tests' e).
    pub log_e: f64,
    /// The largest ln e so far.
    pub max_log_e: f64,
    /// Always-valid p-value of the verdict.
    pub p_value: f64,
    /// The configured level.
    pub alpha: f64,
    /// The decision.
    pub decision: Decision,
    /// The histogram bounds, if configured, for quantiles in the summary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bounds: Vec<f64>,
}

/// The sequential test's state: plain data, rebuilt exactly by replaying the same polls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequentialTest {
    cfg: SequentialConfig,
    errors: Mixture,
    latency: Mixture,
    polls: u64,
    skipped_polls: u64,
    candidate: Totals,
    stable: Totals,
    max_log_e: f64,
    decision: Decision,
}

impl Default for SequentialTest {
    fn default() -> Self {
        Self::fresh(SequentialConfig::default())
    }
}

impl SequentialTest {
    /// A test with no polls yet (e = 1).
    pub fn new(cfg: SequentialConfig) -> Result<Self, ConfigError> {
        cfg.validate()?;
        Ok(Self::fresh(cfg))
    }

    fn fresh(cfg: SequentialConfig) -> Self {
        let points = cfg.odds_grid.len();
        Self {
            cfg,
            errors: Mixture::new(points),
            latency: Mixture::new(points),
            polls: 0,
            skipped_polls: 0,
            candidate: Totals::default(),
            stable: Totals::default(),
            max_log_e: 0.0,
            decision: Decision::Continue,
        }
    }

    /// The state after `polls`, oldest first: what a replay of the recorded counts rebuilds.
    pub fn replay<'a>(
        cfg: SequentialConfig,
        polls: impl IntoIterator<Item = &'a PollCounts>,
    ) -> Result<Self, ConfigError> {
        let mut t = Self::new(cfg)?;
        for p in polls {
            t.update(p);
        }
        Ok(t)
    }

    /// The configuration.
    pub fn config(&self) -> &SequentialConfig {
        &self.cfg
    }

    /// Sets the histogram bounds used to show quantiles (the evidence does not depend on them).
    pub fn set_bounds(&mut self, bounds: &[f64]) {
        self.cfg.bounds = bounds.to_vec();
    }

    /// Adds one poll and returns the evidence so far.
    pub fn update(&mut self, poll: &PollCounts) -> Evidence {
        self.polls += 1;
        let skipped = match (&poll.candidate, &poll.stable) {
            (Some(c), Some(s)) => {
                let grid = Grid::new(&self.cfg.odds_grid);
                let errors_ok = self.observe_errors(c, s, &grid);
                let latency_ok = self.observe_latency(c, s, &grid);
                self.candidate.add(c);
                self.stable.add(s);
                !(errors_ok && latency_ok)
            }
            _ => true,
        };
        if skipped {
            self.skipped_polls += 1;
        }
        self.errors.settle();
        self.latency.settle();
        let log_e = self.log_e();
        self.max_log_e = self.max_log_e.max(log_e);
        if self.decision == Decision::Continue && log_e >= (1.0 / self.cfg.alpha).ln() {
            let metric = if self.errors.log_e() >= self.latency.log_e() {
                Metric::Errors
            } else {
                Metric::Latency
            };
            self.decision = Decision::Worse {
                poll: self.polls,
                metric,
            };
        }
        self.evidence()
    }

    /// The error table of a poll; false when its counts contradict each other.
    fn observe_errors(&mut self, c: &VersionCounts, s: &VersionCounts, grid: &Grid) -> bool {
        if !(c.is_consistent() && s.is_consistent()) {
            return false;
        }
        let table = Table {
            population: c.requests + s.requests,
            marked: c.errors + s.errors,
            drawn: c.requests,
            hits: c.errors,
        };
        self.errors.observe(table, grid).is_ok()
    }

    /// The latency chain of a poll; false when the layouts differ.
    fn observe_latency(&mut self, c: &VersionCounts, s: &VersionCounts, grid: &Grid) -> bool {
        if c.buckets.is_empty() && s.buckets.is_empty() {
            // No histogram at all: nothing to test, nothing wrong.
            return true;
        }
        let Some(tables) = chain(&c.buckets, &s.buckets) else {
            return false;
        };
        // Check the whole chain first so a bad poll adds nothing.
        let mut scratch = self.latency.clone();
        for t in tables {
            if scratch.observe(t, grid).is_err() {
                return false;
            }
        }
        self.latency = scratch;
        true
    }

    fn log_e(&self) -> f64 {
        log_mean_exp(&[self.errors.log_e(), self.latency.log_e()])
    }

    /// The decision so far.
    pub fn decision(&self) -> Decision {
        self.decision
    }

    /// The evidence so far.
    pub fn evidence(&self) -> Evidence {
        let test = |m: &Mixture| TestEvidence {
            log_e: m.log_e(),
            p_value: (-m.max_log_e).exp().min(1.0),
            tables: m.tables,
        };
        Evidence {
            polls: self.polls,
            skipped_polls: self.skipped_polls,
            candidate: self.candidate.clone(),
            stable: self.stable.clone(),
            errors: test(&self.errors),
            latency: test(&self.latency),
            log_e: self.log_e(),
            max_log_e: self.max_log_e,
            p_value: (-self.max_log_e).exp().min(1.0),
            alpha: self.cfg.alpha,
            decision: self.decision,
            bounds: self.cfg.bounds.clone(),
        }
    }
}

impl Evidence {
    /// e now.
    pub fn e(&self) -> f64 {
        self.log_e.exp()
    }

    /// Whether the candidate has been found worse.
    pub fn is_worse(&self) -> bool {
        matches!(self.decision, Decision::Worse { .. })
    }

    /// The candidate's and stable's p99 over everything seen, when bounds are configured.
    pub fn p99(&self) -> Option<(f64, f64)> {
        let c = quantile(&self.bounds, &self.candidate.buckets, 0.99);
        let s = quantile(&self.bounds, &self.stable.buckets, 0.99);
        (c.is_finite() && s.is_finite()).then_some((c, s))
    }

    /// One line for the screen, e.g. "no worse so far: e=0.8 (p=1) after 412 candidate
    /// requests" or "WORSE: errors 8.1 % vs 0.10 %, e=1.2e4 ≥ 1/α=100 at poll 7".
    pub fn summary(&self) -> String {
        let skipped = if self.skipped_polls > 0 {
            format!(", {} polls unusable", self.skipped_polls)
        } else {
            String::new()
        };
        let threshold = number(1.0 / self.alpha);
        match self.decision {
            Decision::Worse { poll, metric } => {
                let what = match metric {
                    Metric::Errors => format!(
                        "errors {} vs {}",
                        percent(self.candidate.error_ratio()),
                        percent(self.stable.error_ratio())
                    ),
                    Metric::Latency => match self.p99() {
                        Some((c, s)) => format!("latency p99 {} vs {}", seconds(c), seconds(s)),
                        None => "latency slower than stable".to_string(),
                    },
                };
                format!(
                    "WORSE: {what}, e={} ≥ 1/α={threshold} at poll {poll}{skipped}",
                    number_from_log(self.max_log_e)
                )
            }
            Decision::Continue if self.candidate.requests == 0 => {
                format!(
                    "no candidate traffic yet after {} polls{skipped}",
                    self.polls
                )
            }
            Decision::Continue => format!(
                "no worse so far: e={} (p={}) after {} candidate requests{skipped}",
                number_from_log(self.log_e),
                number(self.p_value),
                self.candidate.requests
            ),
        }
    }
}
