//! The Kayenta-compatible classifier on samples with known answers: the rank test's interval
//! and estimate against a brute-force inversion, and each rule of Kayenta's
//! `MannWhitneyClassifier.classify` (identical data, direction, tolerance, effect-size and
//! critical thresholds, zero means, constant sides, missing data, NaN strategies).

use warroom::sim::rng::Rng;
use warroom::verdict::kayenta::{
    Direction, EffectMeasure, Label, MetricConfig, NanStrategy, classify,
};
use warroom::verdict::mannwhitney::mann_whitney;
use warroom::verdict::normal;

fn normal_sample(seed: u64, n: usize, mean: f64, sd: f64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| mean + sd * rng.normal()).collect()
}

fn cfg(direction: Direction) -> MetricConfig {
    MetricConfig {
        direction,
        ..MetricConfig::kayenta()
    }
}

/// The shift where the statistic crosses `zq`, found by scanning every pairwise difference
/// (the statistic only jumps there): an independent check of the interval.
fn brute_force_root(x: &[f64], y: &[f64], zq: f64) -> f64 {
    let (n, m) = (x.len() as f64, y.len() as f64);
    let mut d: Vec<f64> = x
        .iter()
        .flat_map(|a| y.iter().map(move |b| a - b))
        .collect();
    d.sort_by(f64::total_cmp);
    let sigma = (n * m * (n + m + 1.0) / 12.0).sqrt();
    let f = |mu: f64| {
        let u = d.iter().filter(|v| **v > mu).count() as f64;
        let dz = u - n * m / 2.0;
        (dz - 0.5 * dz.signum()) / sigma - zq
    };
    // f falls as mu grows; the root is the difference where it turns from > 0 to ≤ 0.
    d.iter()
        .copied()
        .find(|v| f(*v) <= 0.0)
        .unwrap_or(d[d.len() - 1])
}

#[test]
fn interval_and_estimate_match_a_brute_force_inversion() {
    let x = normal_sample(1, 14, 12.0, 2.0);
    let y = normal_sample(2, 17, 10.0, 2.0);
    let r = mann_whitney(&x, &y, 0.98).expect("test");
    let z = -normal::quantile(0.01);
    // Brent's tolerance is 1e-4 absolute (plus the root of a step function lies on a jump).
    let tol = 2e-4;
    let lo = brute_force_root(&x, &y, z);
    let hi = brute_force_root(&x, &y, -z);
    let est = brute_force_root(&x, &y, 0.0);
    assert!((r.ci_low - lo).abs() < tol, "{} vs {lo}", r.ci_low);
    assert!((r.ci_high - hi).abs() < tol, "{} vs {hi}", r.ci_high);
    // At z = 0 the statistic is exactly 0 over a whole flat step (from the brute-force root to
    // the next difference), so any point of it is a root.
    let mut d: Vec<f64> = x
        .iter()
        .flat_map(|a| y.iter().map(move |b| a - b))
        .collect();
    d.sort_by(f64::total_cmp);
    let step_end = d.iter().copied().find(|v| *v > est).unwrap_or(est);
    assert!(
        r.estimate >= est - tol && r.estimate <= step_end + tol,
        "{r:?} {est}"
    );
    assert!(r.ci_low < r.estimate && r.estimate < r.ci_high);
}

#[test]
fn identical_and_reordered_data_pass() {
    let x = normal_sample(3, 30, 10.0, 1.0);
    let r = classify("m", &x, &x, &cfg(Direction::Either));
    assert_eq!(r.label, Label::Pass);
    assert_eq!(r.deviation, Some(1.0));
    assert!(r.reason.is_some_and(|s| s.contains("identical")));
    let mut rev = x.clone();
    rev.reverse();
    assert_eq!(
        classify("m", &x, &rev, &cfg(Direction::Either)).label,
        Label::Pass
    );
    let same = normal_sample(4, 30, 10.0, 1.0);
    let r = classify("m", &x, &same, &cfg(Direction::Either));
    assert_eq!(r.label, Label::Pass, "same distribution: {r:?}");
    assert!(r.test.is_some_and(|t| t.p_value > 0.02));
}

#[test]
fn worse_is_high_and_better_is_low_unless_only_increases_count() {
    let baseline = normal_sample(5, 30, 10.0, 1.0);
    let worse = normal_sample(6, 30, 15.0, 1.0);
    let better = normal_sample(7, 30, 5.0, 1.0);
    let either = cfg(Direction::Either);
    let increase = cfg(Direction::Increase);
    let decrease = cfg(Direction::Decrease);
    let r = classify("m", &baseline, &worse, &either);
    assert_eq!(r.label, Label::High);
    let t = r.test.expect("ran the test");
    assert!(
        t.ci_low > t.bound && t.hodges_lehmann > 4.0 && t.p_value < 1e-6,
        "{t:?}"
    );
    assert!(r.deviation.is_some_and(|d| (d - 1.5).abs() < 0.1));
    assert_eq!(r.candidate.count, 30);
    assert!(r.candidate.median.is_some_and(|m| (m - 15.0).abs() < 1.0));
    assert_eq!(
        classify("m", &baseline, &worse, &increase).label,
        Label::High
    );
    assert_eq!(
        classify("m", &baseline, &worse, &decrease).label,
        Label::Pass
    );
    assert_eq!(classify("m", &baseline, &better, &either).label, Label::Low);
    // A better candidate is no reason to roll back.
    assert_eq!(
        classify("m", &baseline, &better, &increase).label,
        Label::Pass
    );
    assert_eq!(
        classify("m", &baseline, &better, &decrease).label,
        Label::Low
    );
}

#[test]
fn the_interval_must_clear_the_tolerance_band() {
    // Find a shift that is significant (interval above 0) but whose interval's lower end is
    // within 0.25 × the estimate: High at tolerance 0, Pass at Kayenta's 0.25.
    let baseline = normal_sample(8, 40, 10.0, 1.0);
    let noise = normal_sample(9, 40, 0.0, 1.0);
    let mut found = false;
    for step in 1..200 {
        let shift = step as f64 * 0.01;
        let cand: Vec<f64> = noise.iter().map(|v| 10.0 + shift + v).collect();
        let mw = mann_whitney(&cand, &baseline, 0.98).expect("test");
        if mw.ci_low > 0.0 && mw.ci_low < 0.25 * mw.estimate.abs() {
            let strict = MetricConfig {
                tolerance: 0.0,
                ..cfg(Direction::Either)
            };
            assert_eq!(classify("m", &baseline, &cand, &strict).label, Label::High);
            let kayenta = cfg(Direction::Either);
            assert_eq!(classify("m", &baseline, &cand, &kayenta).label, Label::Pass);
            found = true;
            break;
        }
    }
    assert!(found, "no shift lands inside the tolerance band");
}

#[test]
fn effect_size_thresholds_gate_high_and_critical() {
    let baseline = normal_sample(10, 30, 10.0, 0.5);
    let cand = normal_sample(11, 30, 20.0, 0.5); // mean ratio ≈ 2
    let mut c = cfg(Direction::Either);
    c.allowed_increase = 2.5;
    assert_eq!(classify("m", &baseline, &cand, &c).label, Label::Pass);
    c.allowed_increase = 1.5;
    assert_eq!(classify("m", &baseline, &cand, &c).label, Label::High);
    c.critical = true;
    c.critical_increase = 3.0;
    let r = classify("m", &baseline, &cand, &c);
    assert_eq!((r.label, r.critical), (Label::High, false));
    c.critical_increase = 1.8;
    let r = classify("m", &baseline, &cand, &c);
    assert_eq!((r.label, r.critical), (Label::High, true));
    assert!(r.reason.is_some_and(|s| s.contains("Critical")));
    // CLES: every candidate value above every baseline value gives A = 1.
    let mut cles = cfg(Direction::Either);
    cles.effect_measure = EffectMeasure::Cles;
    cles.allowed_increase = 0.8;
    let r = classify("m", &baseline, &cand, &cles);
    assert_eq!(r.label, Label::High);
    assert_eq!(r.test.and_then(|t| t.effect_size), Some(1.0));
}

#[test]
fn zero_means_and_constant_sides() {
    let zeros = [0.0; 8];
    let high = normal_sample(12, 8, 50.0, 1.0);
    let mut c = cfg(Direction::Either);
    (c.allowed_decrease, c.allowed_increase) = (0.8, 1.2);
    // A zero mean leaves the ratio undefined; the rank test alone decides.
    let r = classify("m", &zeros, &high, &c);
    assert_eq!((r.label, r.deviation), (Label::High, None));
    assert_eq!(classify("m", &high, &zeros, &c).label, Label::Low);
    // Both sides constant and different: Kayenta breaks the ties with noise, reproducibly.
    let a = classify("m", &[1.0; 5], &[10.0; 5], &cfg(Direction::Either));
    let b = classify("m", &[1.0; 5], &[10.0; 5], &cfg(Direction::Either));
    assert_eq!(a.label, Label::High);
    assert_eq!(a, b);
    // Everything equal, even with different lengths: Pass.
    assert_eq!(classify("m", &[2.0; 4], &[2.0; 3], &c).label, Label::Pass);
    // Mostly tied with one outlier: not significant.
    let r = classify("m", &[1.0; 5], &[1.0, 1.0, 1.0, 1.0, 10.0], &c);
    assert_eq!(r.label, Label::Pass);
}

#[test]
fn missing_data_is_nodata_never_pass() {
    let some = normal_sample(13, 10, 1.0, 0.1);
    let c = cfg(Direction::Increase);
    let r = classify("errors", &some, &[], &c);
    assert_eq!((r.label, r.critical), (Label::Nodata, false));
    assert!(
        r.reason
            .is_some_and(|s| s.contains("Missing data for errors"))
    );
    let critical = MetricConfig {
        critical: true,
        ..c.clone()
    };
    let r = classify("errors", &[], &some, &critical);
    assert_eq!((r.label, r.critical), (Label::Nodata, true));
    let required = MetricConfig {
        must_have_data: true,
        ..c.clone()
    };
    assert_eq!(
        classify("errors", &some, &[], &required).label,
        Label::NodataFailMetric
    );
    // Kayenta passes an empty metric under `replace`; here it stays Nodata.
    let replace = MetricConfig {
        nan_strategy: NanStrategy::Replace,
        ..c
    };
    assert_eq!(
        classify("errors", &some, &[], &replace).label,
        Label::Nodata
    );
}

#[test]
fn nans_are_removed_or_replaced_as_configured() {
    let baseline = normal_sample(14, 20, 10.0, 1.0);
    let mut cand = normal_sample(15, 20, 10.0, 1.0);
    cand[3] = f64::NAN;
    cand[9] = f64::NAN;
    let remove = cfg(Direction::Increase);
    let r = classify("m", &baseline, &cand, &remove);
    assert_eq!(r.label, Label::Pass);
    assert_eq!((r.candidate.count, r.candidate.nans), (18, 2));
    let replace = MetricConfig {
        nan_strategy: NanStrategy::Replace,
        ..remove.clone()
    };
    let r = classify("m", &baseline, &cand, &replace);
    assert_eq!((r.candidate.count, r.candidate.nans), (20, 2));
    // Replacing NaNs by zeros lowers the candidate; with `either` that shows as Low, never
    // as evidence of health on its own.
    assert!(r.candidate.mean.is_some_and(|m| m < 9.5));
    // NaNs do not count towards the minimum sample size.
    let need = MetricConfig {
        min_samples: 19,
        ..replace
    };
    assert_eq!(
        classify("m", &baseline, &cand, &need).label,
        Label::Inconclusive
    );
}
