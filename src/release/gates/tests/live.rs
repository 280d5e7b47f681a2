//! Rollback target, alerts and SLOs: each Unknown unless its source is current.

use super::*;
use crate::event::GateStatus::{Fail, NotConfigured, Pass, Unknown};
use crate::event::{AlertRow, Signal, WorkloadRow};
use crate::state::live::SignalPoint;

const NOW: &str = "2026-11-24T15:00:00Z";

fn kube_cfg() -> WarroomConfig {
    cfg(
        "release = \"1.2.3\"\nstable = \"1.2.2\"",
        "[kubernetes]\nnamespace = \"demo\"\nstable = \"deployment/app-blue\"\ncandidate = \"deployment/app-green\"\nroute = \"app\"",
    )
}

fn workload(ready: u32, desired: u32) -> WorkloadRow {
    WorkloadRow {
        name: "app-blue".into(),
        desired,
        ready,
        ..WorkloadRow::default()
    }
}

#[test]
fn the_rollback_target_must_exist_and_be_ready() {
    let c = kube_cfg();
    let mut s = state(&c);
    let now = ts(NOW);
    let r = one(&s, now, GateId::RollbackTarget);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Unknown, "Kubernetes: no source started")
    );
    source(&mut s, SourceKind::Kubernetes, now, None);
    let r = one(&s, now, GateId::RollbackTarget);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Fail, "deployment/app-blue not found in namespace demo")
    );
    for (w, status, why) in [
        (workload(0, 0), Fail, "deployment/app-blue is scaled to 0"),
        (
            workload(0, 3),
            Fail,
            "deployment/app-blue has no ready replicas (0/3)",
        ),
        (workload(2, 3), Fail, "deployment/app-blue 2/3 ready"),
        (workload(3, 3), Pass, "deployment/app-blue 3/3 ready"),
    ] {
        s.live.workloads.insert("app-blue".into(), w);
        let r = one(&s, now, GateId::RollbackTarget);
        assert_eq!((r.status, r.why.as_str()), (status, why));
    }
    // A watch that fails makes the last reading Unknown.
    source(
        &mut s,
        SourceKind::Kubernetes,
        now,
        Some("connection refused"),
    );
    let r = one(&s, now, GateId::RollbackTarget);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Unknown, "Kubernetes: source down (connection refused)")
    );
}

#[test]
fn without_kubernetes_the_rollback_target_is_not_configured() {
    let c = cfg("", "");
    let r = one(&state(&c), ts(NOW), GateId::RollbackTarget);
    assert_eq!(r.status, NotConfigured);
    let no_stable = cfg("", "[kubernetes]\nnamespace = \"demo\"\nroute = \"app\"");
    let r = one(&state(&no_stable), ts(NOW), GateId::RollbackTarget);
    assert_eq!(
        (r.status, r.why.as_str()),
        (
            Fail,
            "[kubernetes] names no stable workload to roll back to"
        )
    );
}

fn prom_cfg() -> WarroomConfig {
    cfg(
        "release = \"1.2.3\"\nstable = \"1.2.2\"",
        "[prometheus]\nurl = \"http://127.0.0.1:9090\"",
    )
}

fn alert(name: &str, state: &str) -> AlertRow {
    AlertRow {
        name: name.into(),
        state: match state {
            "firing" => crate::event::observed::AlertState::Firing,
            _ => crate::event::observed::AlertState::Pending,
        },
        severity: None,
        summary: None,
        active_at: None,
    }
}

#[test]
fn firing_alerts_fail_and_pending_ones_are_named() {
    let c = prom_cfg();
    let mut s = state(&c);
    let now = ts(NOW);
    // Stale data says nothing about what fires now.
    source(
        &mut s,
        SourceKind::Prometheus,
        ts("2026-11-24T14:59:00Z"),
        None,
    );
    let r = one(&s, now, GateId::NoFiringAlerts);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Unknown, "alerts: stale, last update 1m ago")
    );
    source(&mut s, SourceKind::Prometheus, now, None);
    assert_eq!(one(&s, now, GateId::NoFiringAlerts).why, "no alert firing");
    s.live.alerts = vec![alert("HighLatency", "pending")];
    let r = one(&s, now, GateId::NoFiringAlerts);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Pass, "no alert firing (1 pending)")
    );
    s.live.alerts.push(alert("ErrorBudgetBurn", "firing"));
    s.live.alerts.push(alert("DiskFull", "firing"));
    let r = one(&s, now, GateId::NoFiringAlerts);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Fail, "firing: ErrorBudgetBurn, DiskFull")
    );
    assert!(r.blocks());
    let none = cfg("", "");
    assert_eq!(
        one(&state(&none), now, GateId::NoFiringAlerts).status,
        NotConfigured
    );
}

fn point(s: &mut State, signal: Signal, version: &str, value: Option<f64>, why: Option<&str>) {
    let series = s
        .live
        .signals
        .entry(signal)
        .or_default()
        .entry(version.to_string())
        .or_default();
    series.push(SignalPoint { at: ts(NOW), value }, ts(NOW));
    series.unknown = why.map(str::to_string);
}

#[test]
fn slos_hold_only_with_every_signal_known_and_within_its_limit() {
    let c = prom_cfg();
    let mut s = state(&c);
    let now = ts(NOW);
    source(&mut s, SourceKind::Prometheus, now, None);
    point(&mut s, Signal::ErrorRatio, "1.2.2", Some(0.002), None);
    point(&mut s, Signal::LatencyP95, "1.2.2", Some(0.120), None);
    let r = one(&s, now, GateId::SloHealthy);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Unknown, "1.2.2: p99 unknown (no data)")
    );
    point(&mut s, Signal::LatencyP99, "1.2.2", Some(f64::NAN), None);
    assert_eq!(
        one(&s, now, GateId::SloHealthy).status,
        Unknown,
        "NaN is not a value"
    );
    point(
        &mut s,
        Signal::LatencyP99,
        "1.2.2",
        None,
        Some("no traffic"),
    );
    let r = one(&s, now, GateId::SloHealthy);
    assert_eq!(r.why, "1.2.2: p99 unknown (no traffic)");
    point(&mut s, Signal::LatencyP99, "1.2.2", Some(0.25), None);
    let r = one(&s, now, GateId::SloHealthy);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Pass, "1.2.2 within the error, p95 and p99 SLOs")
    );
    point(&mut s, Signal::ErrorRatio, "1.2.2", Some(0.031), None);
    let r = one(&s, now, GateId::SloHealthy);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Fail, "1.2.2: error ratio 3.10 % over 1.00 %")
    );
    // The source going down turns even a failing reading into Unknown: it is not current.
    source(
        &mut s,
        SourceKind::Prometheus,
        now,
        Some("no answer within 3000 ms"),
    );
    let r = one(&s, now, GateId::SloHealthy);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Unknown, "metrics: source down (no answer within 3000 ms)")
    );
}

#[test]
fn without_a_metrics_source_slos_are_not_configured() {
    let c = cfg("stable = \"1.2.2\"", "");
    let r = one(&state(&c), ts(NOW), GateId::SloHealthy);
    assert_eq!(
        (r.status, r.why.as_str()),
        (
            NotConfigured,
            "no [prometheus] or [scrape]: SLOs are not read"
        )
    );
}
