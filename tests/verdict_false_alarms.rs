//! The sequential verdict's guarantees, checked statistically on seeded simulated canaries
//! (the full-size study is `cargo bench --bench verdict`, recorded in docs/benchmarks.md):
//! - watched after every poll, healthy canaries (candidate identical to stable) are called
//!   worse no more often than the configured level allows, at several levels and while the
//!   traffic split steps up; the same data re-tested with a fixed-horizon z-test at every poll
//!   does exceed its level;
//! - `bad-canary` and `slow-canary` are caught within a bounded number of polls.
//!
//! Bounds are statistical: a rate must stay within α + 3 standard errors over N runs. Every
//! run is seeded, so the outcome is the same on every machine; nothing here is timed.

use std::sync::OnceLock;

use warroom::verdict::experiment::{WatchConfig, Watched, watch};
use warroom::verdict::simulate::{CanaryModel, bounds};
use warroom::verdict::{Decision, Metric, PollCounts, SequentialConfig, SequentialTest, normal};

// 60 canaries keep this test to a few seconds in a debug build (the benchmark watches 1,000 for
// 30 min each). The bound is still a real test: at α = 0.01 it admits at most 2 alarms in 60;
// a monitor with the repeated z-test's rate (about 18 % here) would pass it with probability
// under 0.1 %, and one with a 5 % rate would fail it more often than not.
const RUNS: u64 = 60;
const POLLS: u64 = 300; // 10 minutes at 2 s
const SEED: u64 = 0x7e57_0000;

/// The healthy runs, watched once and shared by the tests that read them.
fn healthy_runs() -> &'static [Watched] {
    static RUNS_CACHE: OnceLock<Vec<Watched>> = OnceLock::new();
    RUNS_CACHE.get_or_init(|| {
        let w = WatchConfig {
            polls: POLLS,
            alpha: 0.01,
            kayenta: false,
            stop_when_all_fired: false,
        };
        (SEED..SEED + RUNS)
            .map(|s| watch(&CanaryModel::healthy(), s, &w).expect("valid config"))
            .collect()
    })
}

/// The largest rate a test at level `alpha` may show over `n` runs: α + 3 standard errors.
fn bound(alpha: f64, n: usize) -> f64 {
    alpha + 3.0 * (alpha * (1.0 - alpha) / n as f64).sqrt()
}

#[test]
fn healthy_canaries_stay_within_the_false_alarm_level() {
    let runs = healthy_runs();
    let n = runs.len();
    // A run's largest e over the horizon tells whether it would have been called worse at
    // any level: e ≥ 1/α somewhere. So one set of runs checks several levels.
    for alpha in [0.01f64, 0.05, 0.2] {
        let alarms = runs
            .iter()
            .filter(|r| r.max_log_e >= (1.0 / alpha).ln())
            .count();
        let rate = alarms as f64 / n as f64;
        assert!(
            rate <= bound(alpha, n),
            "α = {alpha}: {alarms}/{n} healthy canaries called worse"
        );
    }
    // The configured level's decision agrees with the largest e.
    let decided = runs.iter().filter(|r| r.sequential.is_some()).count();
    let by_e = runs.iter().filter(|r| r.max_log_e >= 100f64.ln()).count();
    assert_eq!(decided, by_e);
}

#[test]
fn a_fixed_horizon_test_re_run_every_poll_exceeds_its_level() {
    let runs = healthy_runs();
    let n = runs.len();
    let z = normal::quantile(0.99);
    let repeated = runs.iter().filter(|r| r.max_z >= z).count();
    // Each look alone is a 1 % test; looking 300 times is not.
    assert!(
        repeated as f64 / n as f64 > bound(0.01, n),
        "only {repeated}/{n} repeated z-tests fired"
    );
    let sequential = runs.iter().filter(|r| r.sequential.is_some()).count();
    assert!(sequential < repeated, "{sequential} vs {repeated}");
}

#[test]
fn a_changing_traffic_split_does_not_raise_false_alarms() {
    // The canary steps 5 % → 10 % → 25 % → 50 %, 75 polls each; each poll is conditioned on
    // its own split, so the test stays valid. Checked at α = 0.2, where a broken test shows.
    let alpha = 0.2;
    let cfg = SequentialConfig {
        alpha,
        bounds: bounds(),
        ..SequentialConfig::default()
    };
    let runs = 40u64;
    let mut alarms = 0;
    for seed in SEED..SEED + runs {
        let mut t = SequentialTest::new(cfg.clone()).expect("valid");
        for (i, share) in [0.05, 0.1, 0.25, 0.5].into_iter().enumerate() {
            let model = CanaryModel {
                candidate_share: share,
                stable_share: 1.0 - share,
                ..CanaryModel::healthy()
            };
            let polls: Vec<PollCounts> = model.polls(seed * 8 + i as u64).take(75).collect();
            for p in &polls {
                t.update(p);
            }
        }
        if t.evidence().max_log_e >= (1.0 / alpha).ln() {
            alarms += 1;
        }
    }
    assert!(
        alarms as f64 / runs as f64 <= bound(alpha, runs as usize),
        "{alarms}/{runs}"
    );
}

fn detection_polls(model: &CanaryModel) -> Vec<(u64, Metric)> {
    let w = WatchConfig {
        polls: POLLS,
        alpha: 0.01,
        kayenta: false,
        stop_when_all_fired: true,
    };
    (SEED..SEED + 30)
        .filter_map(|s| watch(model, s, &w).expect("valid config").sequential)
        .collect()
}

#[test]
fn bad_and_slow_canaries_are_caught_within_bounds() {
    // bad-canary: 8 % errors at 10 % of 200 req/s is ~3 candidate errors a poll.
    let bad = detection_polls(&CanaryModel::bad_canary());
    assert_eq!(
        bad.len(),
        30,
        "every bad canary is caught within 10 minutes"
    );
    assert!(bad.iter().all(|(_, m)| *m == Metric::Errors));
    let mut polls: Vec<u64> = bad.iter().map(|(p, _)| *p).collect();
    polls.sort_unstable();
    assert!(polls[15] <= 5, "median {} polls", polls[15]);
    assert!(polls[29] <= 15, "slowest {} polls", polls[29]);

    // slow-canary: every candidate request lands three times slower.
    let slow = detection_polls(&CanaryModel::slow_canary());
    assert_eq!(slow.len(), 30);
    assert!(
        slow.iter().all(|(p, m)| *m == Metric::Latency && *p <= 3),
        "{slow:?}"
    );
}

#[test]
fn the_decision_sticks_once_made() {
    // A canary that recovers after being caught stays "worse": the guarantee is about ever
    // crossing 1/α, and the rollback has already been justified.
    let mut t = SequentialTest::new(SequentialConfig::default()).expect("valid");
    for p in CanaryModel::bad_canary().polls(1).take(20) {
        t.update(&p);
    }
    let Decision::Worse { poll, .. } = t.decision() else {
        panic!("bad canary not caught in 20 polls");
    };
    for p in CanaryModel::healthy().polls(2).take(300) {
        t.update(&p);
    }
    assert_eq!(
        t.decision(),
        Decision::Worse {
            poll,
            metric: Metric::Errors
        }
    );
}
