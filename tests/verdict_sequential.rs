//! The sequential test as the war room will hold it: state rebuilt from recorded counts,
//! serialisable, one-sided (a better candidate is never "worse"), missing or contradictory
//! counts skipped and said so, and the one-line summary.

use warroom::verdict::simulate::{CanaryModel, bounds};
use warroom::verdict::{
    ConfigError, Decision, Metric, PollCounts, SequentialConfig, SequentialTest, VersionCounts,
};

fn cfg() -> SequentialConfig {
    SequentialConfig {
        bounds: bounds(),
        ..SequentialConfig::default()
    }
}

fn polls(model: &CanaryModel, seed: u64, n: usize) -> Vec<PollCounts> {
    model.polls(seed).take(n).collect()
}

#[test]
fn state_is_rebuilt_exactly_from_the_recorded_counts() {
    let recorded = polls(&CanaryModel::bad_canary(), 1, 120);
    let mut live = SequentialTest::new(cfg()).expect("valid");
    for p in &recorded {
        live.update(p);
    }
    let replayed = SequentialTest::replay(cfg(), &recorded).expect("valid");
    assert_eq!(live, replayed);
    assert_eq!(live.evidence(), replayed.evidence());

    // The state survives the session log: serialise half-way, carry on, same decision.
    let mut half = SequentialTest::replay(cfg(), &recorded[..60]).expect("valid");
    let text = serde_json::to_string(&half).expect("serializes");
    let mut back: SequentialTest = serde_json::from_str(&text).expect("deserializes");
    for p in &recorded[60..] {
        half.update(p);
        back.update(p);
    }
    assert_eq!(back.decision(), half.decision());
    let (a, b) = (back.evidence(), half.evidence());
    assert!((a.log_e - b.log_e).abs() < 1e-9 * b.log_e.abs().max(1.0));
    assert_eq!(a.candidate, b.candidate);
}

#[test]
fn worse_candidates_are_found_within_seconds() {
    let mut t = SequentialTest::new(cfg()).expect("valid");
    let ev = polls(&CanaryModel::bad_canary(), 2, 30)
        .iter()
        .map(|p| t.update(p))
        .last()
        .expect("polls");
    let Decision::Worse { poll, metric } = ev.decision else {
        panic!("not detected: {}", ev.summary());
    };
    assert_eq!(metric, Metric::Errors);
    assert!(poll <= 10, "{poll}");
    assert!(
        ev.summary().starts_with("WORSE: errors "),
        "{}",
        ev.summary()
    );
    assert!(ev.summary().contains("≥ 1/α=100"), "{}", ev.summary());
    assert!(ev.p_value < 0.01 && ev.errors.p_value < 0.01);

    let mut t = SequentialTest::new(cfg()).expect("valid");
    let ev = polls(&CanaryModel::slow_canary(), 3, 30)
        .iter()
        .map(|p| t.update(p))
        .last()
        .expect("polls");
    assert!(
        matches!(ev.decision, Decision::Worse { metric: Metric::Latency, poll } if poll <= 5),
        "{}",
        ev.summary()
    );
    assert!(
        ev.summary().starts_with("WORSE: latency p99 "),
        "{}",
        ev.summary()
    );
    let (c, s) = ev.p99().expect("bounds configured");
    assert!(c / s > 2.0);
}

#[test]
fn a_better_candidate_is_never_worse_and_loses_evidence() {
    let better = CanaryModel {
        candidate_error: 0.0,
        stable_error: 0.02,
        candidate_latency_factor: 0.7,
        ..CanaryModel::healthy()
    };
    for seed in 0..20 {
        let t = SequentialTest::replay(cfg(), &polls(&better, 100 + seed, 300)).expect("valid");
        let ev = t.evidence();
        assert_eq!(
            ev.decision,
            Decision::Continue,
            "seed {seed}: {}",
            ev.summary()
        );
        assert!(ev.errors.log_e < -5.0 && ev.latency.log_e < -5.0, "{ev:?}");
        assert!(
            ev.summary().starts_with("no worse so far: e="),
            "{}",
            ev.summary()
        );
    }
}

#[test]
fn missing_and_contradictory_polls_are_skipped_not_healthy() {
    let mut t = SequentialTest::new(cfg()).expect("valid");
    let ev = t.update(&PollCounts::default());
    assert_eq!((ev.polls, ev.skipped_polls, ev.log_e), (1, 1, 0.0));
    assert_eq!(
        ev.summary(),
        "no candidate traffic yet after 1 polls, 1 polls unusable"
    );
    // More errors than requests: the error table is skipped.
    let bad = PollCounts::new(VersionCounts::new(5, 9), VersionCounts::new(50, 1));
    assert_eq!(t.update(&bad).skipped_polls, 2);
    // Histograms with different layouts: the latency chain is skipped.
    let layouts = PollCounts::new(
        VersionCounts::new(5, 0).with_buckets(vec![5, 0]),
        VersionCounts::new(50, 0).with_buckets(vec![40, 10, 0]),
    );
    let ev = t.update(&layouts);
    assert_eq!(ev.skipped_polls, 3);
    assert_eq!(ev.latency.tables, 0);
    assert!(
        ev.summary().ends_with(", 3 polls unusable"),
        "{}",
        ev.summary()
    );
}

#[test]
fn evidence_needs_events() {
    // No errors anywhere and no histograms: nothing to learn, e stays 1.
    let mut t = SequentialTest::new(cfg()).expect("valid");
    for _ in 0..50 {
        t.update(&PollCounts::new(
            VersionCounts::new(40, 0),
            VersionCounts::new(360, 0),
        ));
    }
    let ev = t.evidence();
    assert_eq!((ev.log_e, ev.errors.tables, ev.skipped_polls), (0.0, 0, 0));
    assert_eq!(
        ev.summary(),
        "no worse so far: e=1 (p=1) after 2000 candidate requests"
    );
    // All errors on the candidate, none on stable: evidence grows with each one.
    let mut last = 0.0;
    for _ in 0..4 {
        let ev = t.update(&PollCounts::new(
            VersionCounts::new(40, 2),
            VersionCounts::new(360, 0),
        ));
        assert!(ev.errors.log_e > last);
        last = ev.errors.log_e;
    }
}

#[test]
fn configuration_is_checked() {
    let bad_alpha = SequentialConfig {
        alpha: 1.5,
        ..cfg()
    };
    assert_eq!(SequentialTest::new(bad_alpha), Err(ConfigError::Alpha(1.5)));
    let two_sided = SequentialConfig {
        odds_grid: vec![0.5, 2.0],
        ..cfg()
    };
    let err = SequentialTest::new(two_sided).expect_err("ψ ≤ 1 refused");
    assert!(err.to_string().contains("above 1 (the test is one-sided)"));
    let empty = SequentialConfig {
        odds_grid: vec![],
        ..cfg()
    };
    assert_eq!(SequentialTest::new(empty), Err(ConfigError::EmptyGrid));
}
