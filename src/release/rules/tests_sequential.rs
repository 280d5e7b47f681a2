//! The sequential-test rule end to end through the reducer: recorded counters of the
//! simulator's traffic model become the verdict's polls; `bad-canary` (8 % errors) and
//! `slow-canary` (3× latency) at 10 % traffic roll back with the e-value against 1/α in the
//! trigger, a healthy canary is not rolled back, and each step starts a new window.

use crate::event::{Action, AutoTrigger, CounterRow, Event, Outcome};
use crate::release::testkit::{Harness, approvals_config, weights};
use crate::state::release::Phase;
use crate::verdict::monitor::Headline;
use crate::verdict::simulate::{CanaryModel, bounds};
use crate::verdict::{Metric, PollCounts, VersionCounts};

/// Cumulative counters of both versions, advanced poll by poll like the scrape source reads
/// them.
struct Counters {
    blue: CounterRow,
    green: CounterRow,
}

impl Counters {
    fn new() -> Self {
        let row = |v: &str| CounterRow {
            version: v.into(),
            requests: 0.0,
            errors: 0.0,
            le: bounds(),
            buckets: vec![0.0; bounds().len() + 1],
        };
        Self {
            blue: row("blue"),
            green: row("green"),
        }
    }
}

fn add(row: &mut CounterRow, v: &VersionCounts) {
    row.requests += v.requests as f64;
    row.errors += v.errors as f64;
    let mut below = 0.0;
    for (cum, n) in row.buckets.iter_mut().zip(&v.buckets) {
        below += *n as f64;
        *cum += below;
    }
}

fn ratio(v: &VersionCounts) -> f64 {
    if v.requests == 0 {
        f64::NAN
    } else {
        v.errors as f64 / v.requests as f64
    }
}

/// One 2 s poll: the samples (with the fixed rules' p99 kept constant, so only the verdict
/// can see latency), then the counters, each followed by what the core records.
fn poll(h: &mut Harness, counters: &mut Counters, p: &PollCounts) -> Vec<Event> {
    let (c, s) = (
        p.candidate.as_ref().expect("candidate"),
        p.stable.as_ref().expect("stable"),
    );
    add(&mut counters.green, c);
    add(&mut counters.blue, s);
    h.advance(2);
    h.samples(&[("blue", ratio(s), 0.12), ("green", ratio(c), 0.13)]);
    let mut recorded = h.record_effects();
    let at = h.now;
    h.apply(
        crate::release::testkit::lead(),
        Event::CountsObserved {
            source: "scrape".into(),
            at,
            counts: vec![counters.blue.clone(), counters.green.clone()],
        },
    );
    recorded.extend(h.record_effects());
    recorded
}

fn auto_rollback(recorded: &[Event]) -> Option<AutoTrigger> {
    recorded.iter().find_map(|e| match e {
        Event::ActionRequested {
            action: Action::Rollback { auto: Some(t), .. },
            ..
        } => Some((**t).clone()),
        _ => None,
    })
}

/// A session at its first step (10 %), with the fixed error threshold out of reach so only
/// the sequential rule can act on errors, and the counters read once before the step.
fn at_ten_percent(sequential: bool) -> (Harness, Counters) {
    let mut cfg = approvals_config();
    cfg.auto_rollback.sequential = sequential;
    cfg.auto_rollback.alpha = 0.01;
    cfg.auto_rollback.error_ratio = 0.5;
    let mut h = Harness::new(cfg);
    let counters = Counters::new();
    let at = h.now;
    h.apply(
        crate::release::testkit::lead(),
        Event::CountsObserved {
            source: "scrape".into(),
            at,
            counts: vec![counters.blue.clone(), counters.green.clone()],
        },
    );
    h.go();
    h.step();
    assert_eq!(h.state.release.plan.weight, 10);
    (h, counters)
}

/// Watches `model` for up to `polls` polls; returns the poll at which it rolled back and why.
fn watch(
    model: &CanaryModel,
    seed: u64,
    polls: usize,
    sequential: bool,
) -> (Harness, Option<(usize, AutoTrigger)>) {
    let (mut h, mut counters) = at_ten_percent(sequential);
    for (i, p) in model.polls(seed).take(polls).enumerate() {
        if let Some(t) = auto_rollback(&poll(&mut h, &mut counters, &p)) {
            return (h, Some((i + 1, t)));
        }
    }
    (h, None)
}

fn e_value(t: &AutoTrigger) -> (f64, Option<f64>) {
    let m = t
        .measurements
        .iter()
        .find(|m| m.signal == "e_value")
        .expect("e-value measured");
    (m.value.expect("known"), m.threshold)
}

#[test]
fn a_bad_canary_is_rolled_back_by_the_sequential_test() {
    let (h, fired) = watch(&CanaryModel::bad_canary(), 11, 60, true);
    let (at, why) = fired.expect("bad canary rolled back within 2 minutes");
    assert_eq!(why.rule, "sequential-test");
    assert!(at <= 15, "rolled back at poll {at}");
    let (e, threshold) = e_value(&why);
    assert_eq!(threshold, Some(100.0));
    assert!(e >= 100.0, "e = {e}");
    assert!(
        why.summary.starts_with("green is worse than blue: errors "),
        "{}",
        why.summary
    );
    assert_eq!(why.breaches, 1);
    assert_eq!(
        h.state.release.auto.fired.as_ref().map(|t| t.rule.as_str()),
        Some("sequential-test")
    );
    assert_eq!(h.state.verdict.monitor.headline(), Headline::Worse);
    // The verdict, like everything else, is rebuilt from the log alone.
    assert_eq!(h.replayed(), h.live());
}

#[test]
fn the_window_that_led_to_a_rollback_stays_on_screen() {
    let (mut h, fired) = watch(&CanaryModel::bad_canary(), 11, 60, true);
    assert!(fired.is_some());
    let id = h
        .state
        .release
        .rollback
        .as_ref()
        .expect("rollback")
        .id
        .clone();
    h.outcome(&id, Outcome::Applied, Some(weights(100, 0)));
    assert_eq!(h.state.release.phase, Phase::RolledBack);
    let before = h.state.verdict.monitor.evidence();
    // All traffic on stable now: the next poll counts no candidate request.
    let last = |v: &str| h.state.verdict.last.get(v).cloned().expect("read");
    let mut counters = Counters {
        blue: last("blue"),
        green: last("green"),
    };
    let stable_only = CanaryModel {
        candidate_share: 0.0,
        stable_share: 1.0,
        ..CanaryModel::healthy()
    };
    let p = stable_only.polls(1).next().expect("poll");
    poll(&mut h, &mut counters, &p);
    let after = h.state.verdict.monitor.evidence();
    assert_eq!(h.state.verdict.monitor.headline(), Headline::Worse);
    assert_eq!(after.decision, before.decision);
    assert_eq!(after.candidate.requests, before.candidate.requests);
    assert_eq!(
        (after.polls, after.skipped_polls),
        (before.polls + 1, before.skipped_polls)
    );
    assert_eq!(h.state.verdict.weight, 10);
    assert_eq!(h.replayed(), h.live());
}

#[test]
fn a_slow_canary_is_rolled_back_on_latency() {
    let (_, fired) = watch(&CanaryModel::slow_canary(), 5, 60, true);
    let (at, why) = fired.expect("slow canary rolled back within 2 minutes");
    assert_eq!(why.rule, "sequential-test");
    assert!(at <= 5, "rolled back at poll {at}");
    assert!(why.summary.contains("latency p99"), "{}", why.summary);
    let p99 = |v: &str| {
        why.measurements
            .iter()
            .find(|m| m.signal == "latency_p99" && m.version == v)
            .and_then(|m| m.value)
            .expect("p99 measured")
    };
    assert!(p99("green") > 2.0 * p99("blue"));
}

#[test]
fn a_healthy_canary_is_not_rolled_back() {
    // Ten minutes of polls; the test's level bounds the chance of a false alarm at 1 %.
    let (h, fired) = watch(&CanaryModel::healthy(), 3, 300, true);
    assert!(fired.is_none(), "healthy canary rolled back: {fired:?}");
    let ev = h.state.verdict.monitor.evidence();
    assert_eq!(ev.polls, 300);
    assert!(ev.max_log_e < 100f64.ln(), "{}", ev.summary());
    let last = h
        .state
        .release
        .auto
        .last
        .iter()
        .find(|t| t.rule == "sequential-test")
        .expect("evaluated");
    assert!(
        last.summary.starts_with("green no worse than blue so far"),
        "{}",
        last.summary
    );
    assert_ne!(h.state.verdict.monitor.headline(), Headline::Worse);
}

#[test]
fn without_the_rule_the_verdict_shows_but_does_not_act() {
    let (h, fired) = watch(&CanaryModel::bad_canary(), 11, 30, false);
    assert!(fired.is_none());
    assert_eq!(h.state.verdict.monitor.headline(), Headline::Worse);
    assert!(matches!(
        h.state.verdict.monitor.evidence().decision,
        crate::verdict::Decision::Worse {
            metric: Metric::Errors,
            ..
        }
    ));
    assert!(
        !h.state
            .release
            .auto
            .last
            .iter()
            .any(|t| t.rule == "sequential-test")
    );
}

#[test]
fn each_step_starts_a_new_window() {
    let (mut h, mut counters) = at_ten_percent(true);
    for p in CanaryModel::healthy().polls(8).take(20) {
        poll(&mut h, &mut counters, &p);
    }
    assert_eq!(h.state.verdict.monitor.evidence().polls, 20);
    assert_eq!(h.state.verdict.weight, 10);
    h.advance(20);
    h.step();
    assert_eq!(h.state.release.plan.weight, 25);
    let p = CanaryModel::healthy().polls(9).next().expect("poll");
    poll(&mut h, &mut counters, &p);
    let v = &h.state.verdict;
    assert_eq!(
        v.monitor.evidence().polls,
        1,
        "the 25 % window starts afresh"
    );
    assert_eq!(v.weight, 25);
    // Its first poll counts from the last reading of the previous window.
    assert_eq!(
        v.monitor.evidence().candidate.requests,
        p.candidate.as_ref().expect("c").requests
    );
    assert_eq!(h.replayed(), h.live());
}
