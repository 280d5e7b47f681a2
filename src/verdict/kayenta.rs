//! Kayenta's metric classifier (`MannWhitneyClassifier` in the NetflixACAJudge): one metric's
//! candidate series against the baseline's, classified Pass, High, Low, Nodata,
//! NodataFailMetric or Error, with the numbers behind it.
//!
//! Same rules as Kayenta's `classify`, in the same order, with its defaults (98 % confidence,
//! tolerance 0.25, `allowedIncrease`/`allowedDecrease`/`criticalIncrease`/`criticalDecrease`
//! 1.0 for the mean ratio, 0.5 for CLES). Three deliberate differences, all on the side of "not
//! healthy":
//! - a side whose values were all NaN is Nodata under either `nanStrategy` (Kayenta's
//!   `replace` would turn them into zeros and could pass them);
//! - an empty side is Nodata under `replace` too (Kayenta passes it);
//! - fewer than `min_samples` real values on a side is `Inconclusive` (Kayenta has no
//!   minimum; the normal approximation it relies on is poor below about ten per side).
//!
//! Kayenta adds Gaussian noise when both sides are constant; here the noise comes from a fixed
//! seed, so a judgment is reproducible.

use serde::{Deserialize, Serialize};

use super::mannwhitney::{MannWhitneyError, Samples};
use crate::sim::rng::Rng;

/// Which change of the metric counts against the candidate (`canary.direction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Only an increase (errors, latency: higher is worse).
    Increase,
    /// Only a decrease (throughput, success ratio).
    Decrease,
    /// Either way (Kayenta's default).
    Either,
}

/// What to do with NaN values (`canary.nanStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NanStrategy {
    /// Drop them (Kayenta's default).
    Remove,
    /// Replace them with 0.
    Replace,
}

/// The effect-size measure (`canary.effectSize.measure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EffectMeasure {
    /// Mean of the candidate over mean of the baseline (NaN when either mean is 0).
    MeanRatio,
    /// Common-language effect size: the share of pairs where the candidate is higher.
    Cles,
}

/// How one metric is judged. Field names follow Kayenta's canary config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricConfig {
    /// Which change counts against the candidate.
    pub direction: Direction,
    /// NaN handling.
    pub nan_strategy: NanStrategy,
    /// A High/Low (or missing data) on this metric fails the whole canary.
    pub critical: bool,
    /// Missing data scores as a failed metric instead of Nodata.
    pub must_have_data: bool,
    /// The effect-size measure.
    pub effect_measure: EffectMeasure,
    /// High only when the effect size is at least this (1.0: any increase).
    pub allowed_increase: f64,
    /// Low only when the effect size is at most this.
    pub allowed_decrease: f64,
    /// A critical metric fails the canary only when its effect is at least this.
    pub critical_increase: f64,
    /// … or at most this.
    pub critical_decrease: f64,
    /// The interval must clear ±tolerance × |Hodges-Lehmann estimate| (Kayenta: 0.25).
    pub tolerance: f64,
    /// Confidence level of the interval (Kayenta: 0.98).
    pub confidence_level: f64,
    /// Fewer real (non-NaN) values than this on either side is `Inconclusive`.
    pub min_samples: usize,
}

impl MetricConfig {
    /// Kayenta's defaults exactly, with no minimum sample count.
    pub fn kayenta() -> Self {
        Self {
            direction: Direction::Either,
            nan_strategy: NanStrategy::Remove,
            critical: false,
            must_have_data: false,
            effect_measure: EffectMeasure::MeanRatio,
            allowed_increase: 1.0,
            allowed_decrease: 1.0,
            critical_increase: 1.0,
            critical_decrease: 1.0,
            tolerance: 0.25,
            confidence_level: 0.98,
            min_samples: 1,
        }
    }

    /// The war room's default for a "higher is worse" metric (errors, latency): Kayenta's
    /// numbers, direction `increase` (a better candidate is no reason to roll back) and at
    /// least 10 samples per side.
    pub fn higher_is_worse() -> Self {
        Self {
            direction: Direction::Increase,
            min_samples: 10,
            ..Self::kayenta()
        }
    }

    /// Switches to CLES with Kayenta's CLES defaults (0.5 = no effect).
    pub fn with_cles(mut self) -> Self {
        self.effect_measure = EffectMeasure::Cles;
        self.allowed_increase = 0.5;
        self.allowed_decrease = 0.5;
        self.critical_increase = 0.5;
        self.critical_decrease = 0.5;
        self
    }
}

/// Kayenta's metric classification labels, plus `Inconclusive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Label {
    /// No significant change in the direction that counts.
    Pass,
    /// The candidate is significantly higher.
    High,
    /// The candidate is significantly lower.
    Low,
    /// A side has no data.
    Nodata,
    /// A side has no data and the metric must have data.
    NodataFailMetric,
    /// The test could not be computed.
    Error,
    /// Too few samples to judge yet (not a Kayenta label).
    Inconclusive,
}

/// Summary numbers of one side's series.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SideStats {
    /// Values judged (after NaN handling).
    pub count: usize,
    /// NaN values removed or replaced.
    pub nans: usize,
    /// Median of the judged values; `None` when there are none.
    pub median: Option<f64>,
    /// Mean of the judged values.
    pub mean: Option<f64>,
}

/// The rank test behind a High, Low or Pass.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TestStats {
    /// U for the candidate.
    pub u: f64,
    /// Two-sided p-value of "no shift".
    pub p_value: f64,
    /// Confidence interval for the shift candidate − baseline.
    pub ci_low: f64,
    /// Upper end of it.
    pub ci_high: f64,
    /// Hodges-Lehmann estimate of the shift.
    pub hodges_lehmann: f64,
    /// The interval must lie beyond ±this (tolerance × |estimate|).
    pub bound: f64,
    /// The effect size by the configured measure; `None` when undefined (a zero mean).
    pub effect_size: Option<f64>,
}

/// One metric's classification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricResult {
    /// The label.
    pub label: Label,
    /// Whether this result fails the whole canary.
    pub critical: bool,
    /// Why, in words.
    pub reason: Option<String>,
    /// Kayenta's `ratio`: mean ratio candidate/baseline; `None` when a mean is 0.
    pub deviation: Option<f64>,
    /// The rank test, when one ran.
    pub test: Option<TestStats>,
    /// The candidate's series.
    pub candidate: SideStats,
    /// The baseline's series.
    pub baseline: SideStats,
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// R-7 median, as Kayenta's `DescriptiveStatistics.percentile`.
fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let h = (s.len() - 1) as f64 * 0.5;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(s[lo] + (h - lo as f64) * (s[hi] - s[lo]))
}

/// Kayenta's `EffectSizes.meanRatio(control, experiment)`.
fn mean_ratio(control: &[f64], experiment: &[f64]) -> Option<f64> {
    let (c, e) = (mean(control)?, mean(experiment)?);
    (c != 0.0 && e != 0.0).then(|| e / c)
}

/// Kayenta's `EffectSizes.cles(control, experiment)` (Vargha-Delaney A).
fn cles(control: &[f64], experiment: &[f64]) -> Option<f64> {
    let (m, n) = (experiment.len() as f64, control.len() as f64);
    if m == 0.0 || n == 0.0 {
        return None;
    }
    let mut u = 0.0;
    for e in experiment {
        for c in control {
            if e > c {
                u += 1.0;
            } else if e == c {
                u += 0.5;
            }
        }
    }
    Some(u / (m * n))
}

fn side(values: &[f64], nans: usize) -> SideStats {
    SideStats {
        count: values.len(),
        nans,
        median: median(values),
        mean: mean(values),
    }
}

/// Applies the NaN strategy; returns the values and how many were NaN.
fn handle_nans(values: &[f64], strategy: NanStrategy) -> (Vec<f64>, usize) {
    let nans = values.iter().filter(|v| v.is_nan()).count();
    let out = match strategy {
        NanStrategy::Remove => values.iter().copied().filter(|v| !v.is_nan()).collect(),
        NanStrategy::Replace => values
            .iter()
            .map(|v| if v.is_nan() { 0.0 } else { *v })
            .collect(),
    };
    (out, nans)
}

/// Kayenta adds N(0, (value × 1e-5)²) noise to a constant side before testing.
fn add_noise(values: &[f64], rng: &mut Rng) -> Vec<f64> {
    let scale = values[0] * 1e-5;
    values.iter().map(|v| v + rng.normal() * scale).collect()
}

fn result(label: Label, critical: bool, reason: Option<String>) -> MetricResult {
    MetricResult {
        label,
        critical,
        reason,
        deviation: None,
        test: None,
        candidate: SideStats::default(),
        baseline: SideStats::default(),
    }
}

/// Classifies the candidate's series against the baseline's (Kayenta's
/// `MannWhitneyClassifier.classify`). `name` goes into the reasons.
pub fn classify(
    name: &str,
    baseline: &[f64],
    candidate: &[f64],
    cfg: &MetricConfig,
) -> MetricResult {
    let (control, control_nans) = handle_nans(baseline, cfg.nan_strategy);
    let (experiment, experiment_nans) = handle_nans(candidate, cfg.nan_strategy);
    let real_control = baseline.len() - control_nans;
    let real_experiment = candidate.len() - experiment_nans;
    let mut out = classify_values(
        name,
        &control,
        &experiment,
        real_control,
        real_experiment,
        cfg,
    );
    out.baseline = side(&control, control_nans);
    out.candidate = side(&experiment, experiment_nans);
    out
}

fn classify_values(
    name: &str,
    control: &[f64],
    experiment: &[f64],
    real_control: usize,
    real_experiment: usize,
    cfg: &MetricConfig,
) -> MetricResult {
    // No data: an empty side, or (here, under either strategy) a side of NaNs only.
    if real_experiment == 0 || real_control == 0 {
        let reason = Some(format!("Missing data for {name}"));
        if cfg.must_have_data && !cfg.critical {
            return result(Label::NodataFailMetric, false, reason);
        }
        return result(Label::Nodata, cfg.critical, reason);
    }
    let need = cfg.min_samples;
    if real_experiment < need || real_control < need {
        let reason = format!(
            "{name}: {real_experiment} candidate and {real_control} baseline samples, \
             need {need} of each"
        );
        return result(Label::Inconclusive, false, Some(reason));
    }
    let mut sorted_e = experiment.to_vec();
    let mut sorted_c = control.to_vec();
    sorted_e.sort_by(f64::total_cmp);
    sorted_c.sort_by(f64::total_cmp);
    if sorted_e == sorted_c {
        let mut r = result(
            Label::Pass,
            false,
            Some(format!(
                "The candidate and baseline data for {name} are identical"
            )),
        );
        r.deviation = Some(1.0);
        return r;
    }
    if sorted_e.first() == sorted_e.last()
        && sorted_c.first() == sorted_c.last()
        && sorted_e.first() == sorted_c.first()
    {
        let mut r = result(Label::Pass, false, None);
        r.deviation = Some(1.0);
        return r;
    }
    match compare(name, control, experiment, &sorted_c, &sorted_e, cfg) {
        Ok(r) => r,
        Err(e) => result(
            Label::Error,
            false,
            Some(format!("Metric Classification Failed for {name}: {e}")),
        ),
    }
}

fn compare(
    name: &str,
    control: &[f64],
    experiment: &[f64],
    sorted_c: &[f64],
    sorted_e: &[f64],
    cfg: &MetricConfig,
) -> Result<MetricResult, MannWhitneyError> {
    // Both sides constant (and different): Kayenta breaks the ties with a little noise.
    let constant = |s: &[f64]| s.first() == s.last();
    let (experiment, control) = if constant(sorted_e) && constant(sorted_c) {
        let mut rng = Rng::new(0x006b_6179_656e_7461);
        (
            add_noise(experiment, &mut rng),
            add_noise(control, &mut rng),
        )
    } else {
        (experiment.to_vec(), control.to_vec())
    };
    let mw = Samples::new(&experiment, &control)?.test(cfg.confidence_level)?;
    let deviation = mean_ratio(&control, &experiment);
    let effect = match cfg.effect_measure {
        EffectMeasure::MeanRatio => deviation,
        EffectMeasure::Cles => cles(&control, &experiment),
    };
    let bound = cfg.tolerance * mw.estimate.abs();
    // An effect size that cannot be computed does not veto the rank test (as in Kayenta).
    let effect_at_least = |t: f64| effect.is_none_or(|e| e >= t);
    let effect_at_most = |t: f64| effect.is_none_or(|e| e <= t);
    let up = matches!(cfg.direction, Direction::Increase | Direction::Either);
    let down = matches!(cfg.direction, Direction::Decrease | Direction::Either);
    let high = up && mw.ci_low > bound && effect_at_least(cfg.allowed_increase);
    let low = down && mw.ci_high < -bound && effect_at_most(cfg.allowed_decrease);
    let label = if high {
        Label::High
    } else if low {
        Label::Low
    } else {
        Label::Pass
    };
    let critical = cfg.critical
        && ((label == Label::High && effect_at_least(cfg.critical_increase))
            || (label == Label::Low && effect_at_most(cfg.critical_decrease)));
    let reason = match label {
        Label::High | Label::Low => Some(format!(
            "{name} was classified as {label:?}{}",
            if critical { " (Critical)" } else { "" }
        )),
        _ => None,
    };
    Ok(MetricResult {
        label,
        critical,
        reason,
        deviation,
        test: Some(TestStats {
            u: mw.u,
            p_value: mw.p_value,
            ci_low: mw.ci_low,
            ci_high: mw.ci_high,
            hodges_lehmann: mw.estimate,
            bound,
            effect_size: effect,
        }),
        candidate: SideStats::default(),
        baseline: SideStats::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_r7() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn cles_counts_pairs() {
        assert_eq!(cles(&[1.0, 2.0], &[3.0, 4.0]), Some(1.0));
        assert_eq!(cles(&[1.0, 2.0], &[2.0, 0.0]), Some(0.375));
    }

    #[test]
    fn inconclusive_below_the_minimum_never_passes() {
        let cfg = MetricConfig::higher_is_worse();
        let r = classify("errors", &[0.0; 9], &[0.0; 9], &cfg);
        assert_eq!(r.label, Label::Inconclusive);
        assert!(r.reason.as_deref().unwrap_or("").contains("need 10"));
    }

    #[test]
    fn all_nan_side_is_nodata_even_when_replacing() {
        let mut cfg = MetricConfig::kayenta();
        cfg.nan_strategy = NanStrategy::Replace;
        let r = classify("latency", &[1.0, 2.0, 3.0], &[f64::NAN; 3], &cfg);
        assert_eq!(r.label, Label::Nodata);
        assert_eq!(r.candidate.nans, 3);
    }
}
