//! The canary verdict: is the candidate worse than stable? Pure statistics over the counts the
//! war room polls, in two forms.
//!
//! - **[`judge`]**, the fixed-horizon judgment over a bake window, compatible with Kayenta's
//!   NetflixACAJudge: per metric (error ratio, a latency quantile) a two-sided Mann-Whitney U
//!   test at 98 % confidence with the Hodges-Lehmann estimate, classified Pass / High / Low /
//!   Nodata with Kayenta's effect-size tolerances, scored into Pass / Marginal / Fail, plus
//!   "inconclusive" below 10 samples per side. Valid when run once, at the end of the window.
//! - **[`SequentialTest`]**, the verdict that is valid at every moment: one-sided anytime-valid
//!   tests on the error counts and on the latency histograms, whose e-value may be watched
//!   after every poll; "worse" when e ≥ 1/α (α = 0.01 by default), with a false-alarm
//!   probability of at most α however long the canary is watched.
//!
//! Input is [`PollCounts`]: per poll and version, the increase of the request and 5xx counters
//! and of each latency bucket. Missing or contradictory counts are never read as healthy: a
//! poll without both versions adds no evidence and is counted as unusable; a series with only
//! NaNs is NODATA.
//!
//! Defaults, methods and references are in docs/verdict.md: Kayenta's `MannWhitneyClassifier`
//! and `WeightedSumScorer` (github.com/spinnaker/kayenta, `kayenta-judge`,
//! `kayenta-mannwhitney`); M. Lindon, C. Sanden, V. Shirikian, "Rapid Regression Detection in
//! Software Deployments through Sequential Testing", KDD 2022; M. Lindon, A. Malek,
//! "Anytime-Valid Inference for Multinomial Count Data", NeurIPS 2022.

pub mod counts;
pub mod experiment;
pub mod format;
pub mod histogram;
pub mod hypergeom;
pub mod judge;
pub mod kayenta;
pub mod mannwhitney;
pub mod monitor;
pub mod normal;
pub mod sequential;
pub mod simulate;

use serde::{Deserialize, Serialize};

pub use counts::{CounterReading, PollCounts, VersionCounts};
pub use judge::{Grade, JudgeConfig, Judgment, MetricJudgment, Outcome, judge};
pub use kayenta::{Direction, Label, MetricConfig, MetricResult, NanStrategy, classify};
pub use sequential::{ConfigError, Decision, Evidence, SequentialConfig, SequentialTest};

/// The metrics the verdict judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// The 5xx ratio.
    Errors,
    /// Request latency.
    Latency,
}

impl Metric {
    /// The name on screen.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Errors => "errors",
            Metric::Latency => "latency",
        }
    }
}
