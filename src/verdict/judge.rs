//! The fixed-horizon judgment over a bake window, as Kayenta's NetflixACAJudge would give it:
//! the window's polls become one series per version and metric (error ratio and a latency
//! quantile per step of `step_polls` polls), each metric is classified by [`classify`], and the
//! labels are scored like Kayenta's `WeightedSumScorer` (one group) and
//! `ThresholdScoreClassifier`.
//!
//! Valid once, at the end of a window chosen in advance: re-running it at every poll inflates
//! its false alarms (see docs/benchmarks.md). The sequential test is the one to watch live.

use serde::{Deserialize, Serialize};

use super::Metric;
use super::counts::PollCounts;
use super::format::{percent, seconds};
use super::histogram::{quantile, valid_bounds};
use super::kayenta::{Label, MetricConfig, MetricResult, classify};

/// How the window is turned into series and judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeConfig {
    /// Polls per sample of the series (5 = 10 s at a 2 s scrape). A last, incomplete step is
    /// left out so every sample covers the same time.
    pub step_polls: usize,
    /// The latency quantile compared (0.99 = p99), from each step's histogram.
    pub latency_quantile: f64,
    /// The histogram's finite `le` bounds in order; buckets carry one more count, the `+Inf`
    /// bucket. Needed for the latency metric.
    pub bounds: Vec<f64>,
    /// The error-ratio metric.
    pub errors: MetricConfig,
    /// The latency metric.
    pub latency: MetricConfig,
    /// Score at or above which the canary passes (Kayenta's `scoreThresholds.pass`).
    pub pass_score: f64,
    /// Score at or above which it is marginal (`scoreThresholds.marginal`).
    pub marginal_score: f64,
    /// The most recent samples a series keeps (360 = an hour of 10 s steps); older ones drop
    /// out, so a long window is judged on its last hour and re-judging stays cheap.
    #[serde(default = "default_max_samples")]
    pub max_samples: usize,
}

fn default_max_samples() -> usize {
    360
}

impl Default for JudgeConfig {
    fn default() -> Self {
        Self {
            step_polls: 5,
            latency_quantile: 0.99,
            bounds: Vec::new(),
            errors: MetricConfig::higher_is_worse(),
            latency: MetricConfig::higher_is_worse(),
            pass_score: 95.0,
            marginal_score: 75.0,
            max_samples: default_max_samples(),
        }
    }
}

/// What a metric's label means for the canary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grade {
    /// No change that counts.
    Pass,
    /// High or Low on a non-critical metric: lowers the score.
    Marginal,
    /// Critical High/Low, or required data missing: fails the canary.
    Fail,
    /// No data (its own state, never healthy).
    NoData,
    /// Too few samples yet.
    Inconclusive,
    /// The test could not be computed.
    Error,
}

/// The overall verdict of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Score ≥ pass threshold and every metric judged.
    Pass,
    /// Score between the thresholds.
    Marginal,
    /// Score below the marginal threshold, or a critical failure.
    Fail,
    /// Half the metrics or more have no data (Kayenta fails the canary; here it is shown as
    /// such, and the rollback policy decides).
    NoData,
    /// A metric has too few samples and nothing failed.
    Inconclusive,
    /// A metric could not be computed and nothing failed.
    Error,
}

/// One metric in the judgment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricJudgment {
    /// Which metric.
    pub metric: Metric,
    /// What it means for the canary.
    pub grade: Grade,
    /// Kayenta's classification and numbers.
    pub result: MetricResult,
}

/// The judgment of a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgment {
    /// The verdict.
    pub outcome: Outcome,
    /// Kayenta's summary score, 0–100.
    pub score: f64,
    /// Why, when the score alone does not say.
    pub reason: Option<String>,
    /// Polls in the window.
    pub polls: usize,
    /// Samples per series (complete steps).
    pub samples: usize,
    /// Polls per sample.
    pub step_polls: usize,
    /// The latency quantile judged.
    pub latency_quantile: f64,
    /// Errors, then latency.
    pub metrics: Vec<MetricJudgment>,
}

/// One version's sums over a step.
#[derive(Default)]
struct StepSums {
    polls: usize,
    requests: u64,
    errors: u64,
    buckets: Vec<u64>,
    bad_layout: Option<usize>,
}

fn step_sums(
    polls: &[PollCounts],
    pick: fn(&PollCounts) -> Option<&super::VersionCounts>,
    n: usize,
) -> StepSums {
    let mut s = StepSums {
        buckets: vec![0; n],
        ..StepSums::default()
    };
    for p in polls {
        let Some(v) = pick(p).filter(|v| v.is_consistent()) else {
            continue;
        };
        s.polls += 1;
        s.requests += v.requests;
        s.errors += v.errors;
        if v.buckets.is_empty() {
            continue;
        }
        if v.buckets.len() == n {
            for (a, b) in s.buckets.iter_mut().zip(&v.buckets) {
                *a += b;
            }
        } else {
            s.bad_layout = Some(v.buckets.len());
        }
    }
    s
}

fn error_ratio(s: &StepSums) -> f64 {
    if s.polls == 0 || s.requests == 0 {
        f64::NAN
    } else {
        s.errors as f64 / s.requests as f64
    }
}

fn grade(r: &MetricResult) -> Grade {
    match r.label {
        Label::Pass => Grade::Pass,
        Label::High | Label::Low if r.critical => Grade::Fail,
        Label::High | Label::Low => Grade::Marginal,
        Label::NodataFailMetric => Grade::Fail,
        Label::Nodata if r.critical => Grade::Fail,
        Label::Nodata => Grade::NoData,
        Label::Inconclusive => Grade::Inconclusive,
        Label::Error => Grade::Error,
    }
}

fn error_result(reason: String) -> MetricResult {
    MetricResult {
        label: Label::Error,
        critical: false,
        reason: Some(reason),
        deviation: None,
        test: None,
        candidate: Default::default(),
        baseline: Default::default(),
    }
}

/// The window's series, built a step at a time, so a monitor can re-judge after every poll
/// without rebuilding them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Series {
    pending: Vec<PollCounts>,
    polls: usize,
    errors_candidate: Vec<f64>,
    errors_stable: Vec<f64>,
    latency_candidate: Vec<f64>,
    latency_stable: Vec<f64>,
    saw_buckets: bool,
    layout_error: Option<usize>,
}

impl Series {
    /// An empty window.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a poll; every `step_polls` polls make one sample of each series.
    pub fn push(&mut self, poll: &PollCounts, cfg: &JudgeConfig) {
        self.polls += 1;
        self.saw_buckets |= [&poll.candidate, &poll.stable]
            .iter()
            .any(|v| v.as_ref().is_some_and(|v| !v.buckets.is_empty()));
        self.pending.push(poll.clone());
        if self.pending.len() < cfg.step_polls.max(1) {
            return;
        }
        let n = cfg.bounds.len() + 1;
        let c = step_sums(&self.pending, |p| p.candidate.as_ref(), n);
        let s = step_sums(&self.pending, |p| p.stable.as_ref(), n);
        self.pending.clear();
        if let Some(len) = c.bad_layout.or(s.bad_layout) {
            self.layout_error = Some(len);
        }
        self.errors_candidate.push(error_ratio(&c));
        self.errors_stable.push(error_ratio(&s));
        // NaN when the step has no observations.
        let q = cfg.latency_quantile;
        self.latency_candidate
            .push(quantile(&cfg.bounds, &c.buckets, q));
        self.latency_stable
            .push(quantile(&cfg.bounds, &s.buckets, q));
        if self.errors_candidate.len() > cfg.max_samples.max(1) {
            for v in [
                &mut self.errors_candidate,
                &mut self.errors_stable,
                &mut self.latency_candidate,
                &mut self.latency_stable,
            ] {
                v.remove(0);
            }
        }
    }

    /// Complete samples per series.
    pub fn samples(&self) -> usize {
        self.errors_candidate.len()
    }

    /// Judges the complete steps so far.
    pub fn judge(&self, cfg: &JudgeConfig) -> Judgment {
        let n = cfg.bounds.len() + 1;
        let errors = classify(
            "error ratio",
            &self.errors_stable,
            &self.errors_candidate,
            &cfg.errors,
        );
        let latency = if let Some(len) = self.layout_error {
            error_result(format!(
                "latency: a histogram has {len} buckets but the {} configured bounds make {n}",
                n - 1
            ))
        } else if self.saw_buckets && cfg.bounds.is_empty() {
            error_result("latency: no histogram bounds configured".into())
        } else if !valid_bounds(&cfg.bounds) {
            error_result("latency: histogram bounds must be finite and increasing".into())
        } else {
            classify(
                "latency",
                &self.latency_stable,
                &self.latency_candidate,
                &cfg.latency,
            )
        };
        let metrics: Vec<MetricJudgment> = [(Metric::Errors, errors), (Metric::Latency, latency)]
            .into_iter()
            .map(|(metric, result)| MetricJudgment {
                metric,
                grade: grade(&result),
                result,
            })
            .collect();
        let (outcome, score, reason) = score(&metrics, cfg);
        Judgment {
            outcome,
            score,
            reason,
            polls: self.polls,
            samples: self.samples(),
            step_polls: cfg.step_polls.max(1),
            latency_quantile: cfg.latency_quantile,
            metrics,
        }
    }
}

/// Judges the bake window: the candidate against stable over `window`, oldest poll first.
pub fn judge(window: &[PollCounts], cfg: &JudgeConfig) -> Judgment {
    let mut series = Series::new();
    for p in window {
        series.push(p, cfg);
    }
    series.judge(cfg)
}

/// Kayenta's scoring of the metric labels, with NODATA, Inconclusive and Error kept apart
/// from Pass and Fail.
pub fn score(metrics: &[MetricJudgment], cfg: &JudgeConfig) -> (Outcome, f64, Option<String>) {
    let count = |l: Label| metrics.iter().filter(|m| m.result.label == l).count();
    if let Some(f) = metrics
        .iter()
        .find(|m| m.result.critical && m.result.label != Label::Pass)
    {
        let why = f.result.reason.clone().unwrap_or_default();
        return (Outcome::Fail, 0.0, Some(format!("Canary Failed: {why}")));
    }
    let nodata = count(Label::Nodata);
    if !metrics.is_empty() && nodata * 2 >= metrics.len() {
        let why = "50% or more metrics returned NODATA".to_string();
        return (Outcome::NoData, 0.0, Some(why));
    }
    let pass = count(Label::Pass);
    let scored = pass + count(Label::High) + count(Label::Low) + count(Label::NodataFailMetric);
    let unjudged = |g: Grade| metrics.iter().find(|m| m.grade == g);
    let first_reason = |m: &MetricJudgment| m.result.reason.clone();
    if scored == 0 {
        if let Some(m) = unjudged(Grade::Inconclusive) {
            return (Outcome::Inconclusive, 0.0, first_reason(m));
        }
        if let Some(m) = unjudged(Grade::Error) {
            return (Outcome::Error, 0.0, first_reason(m));
        }
        return (Outcome::NoData, 0.0, None);
    }
    let score = (pass as f64 / scored as f64 * 10_000.0).round() / 100.0;
    let outcome = if score >= cfg.pass_score {
        Outcome::Pass
    } else if score >= cfg.marginal_score {
        Outcome::Marginal
    } else {
        Outcome::Fail
    };
    // A pass with a metric still unjudged is not a pass yet.
    if outcome == Outcome::Pass {
        if let Some(m) = unjudged(Grade::Inconclusive) {
            return (Outcome::Inconclusive, score, first_reason(m));
        }
        if let Some(m) = unjudged(Grade::Error) {
            return (Outcome::Error, score, first_reason(m));
        }
    }
    (outcome, score, None)
}

impl MetricJudgment {
    fn value(&self, v: f64) -> String {
        match self.metric {
            Metric::Errors => percent(v),
            Metric::Latency => seconds(v),
        }
    }

    /// "errors High: 8.1 % vs 0.10 %, p=2.1e-9" (means of the error-ratio series, medians of
    /// the latency series: a candidate at 10 % of the traffic has no error in most steps, so
    /// its median error ratio says little).
    pub fn summary(&self) -> String {
        let r = &self.result;
        let name = self.metric.name();
        let label = format!("{:?}", r.label);
        let pick = |s: &super::kayenta::SideStats| match self.metric {
            Metric::Errors => s.mean,
            Metric::Latency => s.median,
        };
        match (pick(&r.candidate), pick(&r.baseline), r.test) {
            (Some(c), Some(s), Some(t)) => format!(
                "{name} {label}: {} vs {}, p={}",
                self.value(c),
                self.value(s),
                super::format::number(t.p_value)
            ),
            _ => format!("{name} {label}"),
        }
    }
}

impl Judgment {
    /// One line for the screen.
    pub fn summary(&self) -> String {
        let head = match self.outcome {
            Outcome::Pass => format!("PASS (score {:.0})", self.score),
            Outcome::Marginal => format!("MARGINAL (score {:.0})", self.score),
            Outcome::Fail => format!("FAIL (score {:.0})", self.score),
            Outcome::NoData => "NODATA".to_string(),
            Outcome::Inconclusive => "INCONCLUSIVE".to_string(),
            Outcome::Error => "ERROR".to_string(),
        };
        let parts: Vec<String> = match self.outcome {
            Outcome::Inconclusive | Outcome::NoData | Outcome::Error => {
                self.reason.iter().cloned().collect()
            }
            _ => self.metrics.iter().map(MetricJudgment::summary).collect(),
        };
        format!(
            "Kayenta {head} over {} samples of {} polls: {}",
            self.samples,
            self.step_polls,
            parts.join("; ")
        )
    }
}
