//! The fixed-horizon judgment over a bake window of polls, with known answers: identical,
//! clearly worse (errors, latency), clearly better, too little data, missing and NaN data.

use warroom::verdict::simulate::{CanaryModel, bounds};
use warroom::verdict::{
    Direction, Grade, JudgeConfig, Label, Metric, MetricConfig, Outcome, PollCounts, VersionCounts,
    judge,
};

fn cfg() -> JudgeConfig {
    JudgeConfig {
        bounds: bounds(),
        ..JudgeConfig::default()
    }
}

fn window(model: &CanaryModel, seed: u64, polls: usize) -> Vec<PollCounts> {
    model.polls(seed).take(polls).collect()
}

fn metric(j: &warroom::verdict::Judgment, m: Metric) -> &warroom::verdict::MetricJudgment {
    j.metrics
        .iter()
        .find(|x| x.metric == m)
        .expect("metric present")
}

#[test]
fn identical_versions_pass() {
    // The candidate serving exactly what stable serves: identical series.
    let polls: Vec<PollCounts> = window(&CanaryModel::healthy(), 1, 300)
        .into_iter()
        .map(|p| PollCounts {
            candidate: p.stable.clone(),
            ..p
        })
        .collect();
    let j = judge(&polls, &cfg());
    assert_eq!(j.outcome, Outcome::Pass, "{}", j.summary());
    assert_eq!((j.samples, j.score), (60, 100.0));
    // The same traffic model on both (10 % vs 90 % of 200 req/s): still a pass.
    let j = judge(&window(&CanaryModel::healthy(), 2, 300), &cfg());
    assert_eq!(j.outcome, Outcome::Pass, "{}", j.summary());
    assert!(
        j.summary()
            .starts_with("Kayenta PASS (score 100) over 60 samples of 5 polls")
    );
}

#[test]
fn clearly_worse_fails_on_the_metric_that_is_worse() {
    let j = judge(&window(&CanaryModel::bad_canary(), 3, 300), &cfg());
    assert_eq!(j.outcome, Outcome::Fail, "{}", j.summary());
    assert_eq!(j.score, 50.0);
    let errors = metric(&j, Metric::Errors);
    assert_eq!(
        (errors.result.label, errors.grade),
        (Label::High, Grade::Marginal)
    );
    let t = errors.result.test.expect("rank test ran");
    assert!(t.p_value < 1e-6 && t.ci_low > 0.05, "{t:?}");
    assert_eq!(metric(&j, Metric::Latency).result.label, Label::Pass);
    assert!(j.summary().contains("errors High: 8"), "{}", j.summary());

    let j = judge(&window(&CanaryModel::slow_canary(), 4, 300), &cfg());
    assert_eq!(j.outcome, Outcome::Fail, "{}", j.summary());
    let latency = metric(&j, Metric::Latency);
    assert_eq!(latency.result.label, Label::High);
    let (c, s) = (
        latency.result.candidate.median.expect("median"),
        latency.result.baseline.median.expect("median"),
    );
    assert!(c / s > 2.0, "p99 {c} vs {s}");
    assert_eq!(metric(&j, Metric::Errors).result.label, Label::Pass);
}

#[test]
fn clearly_better_is_no_reason_to_roll_back() {
    let better = CanaryModel {
        candidate_error: 0.0,
        stable_error: 0.02,
        candidate_latency_factor: 0.5,
        ..CanaryModel::healthy()
    };
    let polls = window(&better, 5, 300);
    let j = judge(&polls, &cfg());
    assert_eq!(j.outcome, Outcome::Pass, "{}", j.summary());
    // Counting decreases too (Kayenta's default direction) flags both as Low.
    let either = JudgeConfig {
        errors: MetricConfig {
            direction: Direction::Either,
            ..MetricConfig::higher_is_worse()
        },
        latency: MetricConfig {
            direction: Direction::Either,
            ..MetricConfig::higher_is_worse()
        },
        ..cfg()
    };
    let j = judge(&polls, &either);
    assert!(
        j.metrics.iter().all(|m| m.result.label == Label::Low),
        "{}",
        j.summary()
    );
    assert_eq!(j.outcome, Outcome::Fail);
}

#[test]
fn too_little_data_is_inconclusive_and_says_how_much_is_needed() {
    let j = judge(&window(&CanaryModel::bad_canary(), 6, 45), &cfg());
    assert_eq!(j.samples, 9);
    assert_eq!(j.outcome, Outcome::Inconclusive, "{}", j.summary());
    assert!(j.summary().contains("need 10 of each"), "{}", j.summary());
    // An incomplete last step is left out: 49 polls are still 9 samples.
    assert_eq!(
        judge(&window(&CanaryModel::healthy(), 6, 49), &cfg()).samples,
        9
    );
    assert_eq!(judge(&[], &cfg()).outcome, Outcome::NoData);
}

#[test]
fn missing_polls_and_zero_traffic_are_nan_samples_removed_not_healthy() {
    let mut polls = window(&CanaryModel::bad_canary(), 7, 300);
    // The candidate unreadable for a minute, and serving nothing for another.
    for p in &mut polls[0..30] {
        p.candidate = None;
    }
    for p in &mut polls[30..60] {
        p.candidate = Some(VersionCounts::new(0, 0).with_buckets(vec![0; bounds().len()]));
    }
    let j = judge(&polls, &cfg());
    let errors = metric(&j, Metric::Errors);
    assert_eq!(errors.result.candidate.nans, 12);
    assert_eq!(errors.result.candidate.count, 48);
    assert_eq!(errors.result.label, Label::High, "{}", j.summary());

    // Nothing from the candidate at all: NODATA, never a pass.
    for p in &mut polls {
        p.candidate = None;
    }
    let j = judge(&polls, &cfg());
    assert_eq!(j.outcome, Outcome::NoData, "{}", j.summary());
    assert!(j.metrics.iter().all(|m| m.grade == Grade::NoData));
    // Counts that contradict themselves (more errors than requests) are unknown too.
    for p in &mut polls {
        p.candidate = Some(VersionCounts::new(10, 20));
    }
    let j = judge(&polls, &cfg());
    assert_eq!(metric(&j, Metric::Errors).result.label, Label::Nodata);
}

#[test]
fn must_have_data_fails_and_bad_histograms_are_errors() {
    let mut polls = window(&CanaryModel::healthy(), 8, 100);
    for p in &mut polls {
        p.candidate = None;
    }
    let required = JudgeConfig {
        errors: MetricConfig {
            must_have_data: true,
            ..MetricConfig::higher_is_worse()
        },
        ..cfg()
    };
    let j = judge(&polls, &required);
    assert_eq!(metric(&j, Metric::Errors).grade, Grade::Fail);

    let polls = window(&CanaryModel::healthy(), 9, 100);
    let no_bounds = JudgeConfig {
        bounds: vec![0.1],
        ..cfg()
    };
    let j = judge(&polls, &no_bounds);
    let latency = metric(&j, Metric::Latency);
    assert_eq!(latency.grade, Grade::Error);
    assert!(
        latency
            .result
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("18 buckets but the 1 configured bounds make 2"))
    );
    assert_eq!(j.outcome, Outcome::Error, "{}", j.summary());
}

#[test]
fn critical_metric_fails_the_canary_outright() {
    let critical = JudgeConfig {
        errors: MetricConfig {
            critical: true,
            ..MetricConfig::higher_is_worse()
        },
        ..cfg()
    };
    let j = judge(&window(&CanaryModel::bad_canary(), 10, 300), &critical);
    assert_eq!((j.outcome, j.score), (Outcome::Fail, 0.0));
    assert!(
        j.reason
            .as_deref()
            .is_some_and(|r| r.contains("(Critical)"))
    );
    assert_eq!(metric(&j, Metric::Errors).grade, Grade::Fail);
}

#[test]
fn judgment_serializes_for_the_session_log() {
    let j = judge(&window(&CanaryModel::slow_canary(), 11, 100), &cfg());
    let text = serde_json::to_string(&j).expect("serializes");
    let back: warroom::verdict::Judgment = serde_json::from_str(&text).expect("round trip");
    // serde_json may move a float by one ulp on the way back; everything shown is the same.
    assert_eq!(back.summary(), j.summary());
    assert_eq!((back.outcome, back.metrics.len()), (j.outcome, 2));
}
