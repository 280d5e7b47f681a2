//! Gates read from what the live sources observe: the rollback target (the stable workload is
//! there and ready), no firing alerts, and the SLOs holding now. Each first asks whether its
//! source is current: data from a source that is down, stale or not started is Unknown, so a
//! last good reading never passes for a current one.

use jiff::Timestamp;
use serde_json::json;

use super::{Eval, not_configured, unknown};
use crate::config::warroom::WarroomConfig;
use crate::event::{GateStatus, Signal, SourceKind};
use crate::release::plan::{self, Sides};
use crate::state::State;
use crate::state::live::Freshness;
use crate::ui::timefmt;

/// Why data of this freshness cannot be trusted now, or `None` when it is current.
fn not_current(f: &Freshness, what: &str) -> Option<String> {
    match f {
        Freshness::Fresh(_) => None,
        Freshness::Absent => Some(format!("{what}: no source started")),
        Freshness::Waiting => Some(format!("{what}: waiting for the first data")),
        Freshness::Stale(a) => Some(format!(
            "{what}: stale, last update {} ago",
            timefmt::span(a.as_secs().max(0))
        )),
        Freshness::Down { error, .. } => Some(format!("{what}: source down ({error})")),
    }
}

/// The freshness of the metrics: Prometheus, else the direct scrape.
fn metrics(state: &State, now: Timestamp) -> Freshness {
    match state.live.freshness_of(SourceKind::Prometheus, now) {
        Freshness::Absent => state.live.freshness_of(SourceKind::Scrape, now),
        f => f,
    }
}

/// The stable workload exists and all its replicas are ready, so traffic can go back at once.
pub fn rollback_target(state: &State, cfg: &WarroomConfig, now: Timestamp) -> Eval {
    let Some(k) = cfg.kubernetes.as_ref() else {
        return not_configured("no [kubernetes]: the rollback target is not watched");
    };
    let Some(name) = Sides::of(cfg).stable_workload else {
        return (
            GateStatus::Fail,
            "[kubernetes] names no stable workload to roll back to".to_string(),
            serde_json::Value::Null,
        );
    };
    let fresh = state.live.freshness_of(SourceKind::Kubernetes, now);
    if let Some(why) = not_current(&fresh, "Kubernetes") {
        return unknown(why);
    }
    let Some(w) = state.live.workloads.get(&name) else {
        return (
            GateStatus::Fail,
            format!("deployment/{name} not found in namespace {}", k.namespace),
            json!({ "workload": name }),
        );
    };
    let evidence = json!({ "workload": name, "desired": w.desired, "ready": w.ready });
    let (status, why) = if w.desired == 0 {
        (
            GateStatus::Fail,
            format!("deployment/{name} is scaled to 0"),
        )
    } else if w.ready == 0 {
        (
            GateStatus::Fail,
            format!("deployment/{name} has no ready replicas (0/{})", w.desired),
        )
    } else if w.ready < w.desired {
        (
            GateStatus::Fail,
            format!("deployment/{name} {}/{} ready", w.ready, w.desired),
        )
    } else {
        (
            GateStatus::Pass,
            format!("deployment/{name} {}/{} ready", w.ready, w.desired),
        )
    };
    (status, why, evidence)
}

/// No Prometheus alert is firing (pending ones are named but do not block).
pub fn alerts(state: &State, cfg: &WarroomConfig, now: Timestamp) -> Eval {
    if cfg.prometheus.is_none() {
        return not_configured("no [prometheus]: alerts are not read");
    }
    let fresh = state.live.freshness_of(SourceKind::Prometheus, now);
    if let Some(why) = not_current(&fresh, "alerts") {
        return unknown(why);
    }
    let firing: Vec<&str> = state
        .live
        .alerts
        .iter()
        .filter(|a| a.state == crate::event::observed::AlertState::Firing)
        .map(|a| a.name.as_str())
        .collect();
    let pending = state.live.alerts.len() - firing.len();
    let evidence = json!({ "firing": firing, "pending": pending });
    if firing.is_empty() {
        let why = match pending {
            0 => "no alert firing".to_string(),
            n => format!("no alert firing ({n} pending)"),
        };
        (GateStatus::Pass, why, evidence)
    } else {
        let why = format!("firing: {}", firing.join(", "));
        (GateStatus::Fail, why, evidence)
    }
}

/// The version serving now (the stable one, before go) holds the error, p95 and p99 SLOs. A
/// signal with no current value is Unknown, never healthy.
pub fn slo(state: &State, cfg: &WarroomConfig, now: Timestamp) -> Eval {
    if cfg.prometheus.is_none() && cfg.scrape.is_none() {
        return not_configured("no [prometheus] or [scrape]: SLOs are not read");
    }
    let Some(stable) = Sides::of(cfg).stable else {
        return unknown("no stable version configured to read the SLOs of");
    };
    if let Some(why) = not_current(&metrics(state, now), "metrics") {
        return unknown(why);
    }
    let limits = [
        (Signal::ErrorRatio, cfg.slo.error_ratio, "error ratio"),
        (
            Signal::LatencyP95,
            cfg.slo.latency_p95.0.as_secs_f64(),
            "p95",
        ),
        (
            Signal::LatencyP99,
            cfg.slo.latency_p99.0.as_secs_f64(),
            "p99",
        ),
    ];
    let mut fails = Vec::new();
    let mut unknowns = Vec::new();
    let mut evidence = serde_json::Map::new();
    for (signal, limit, name) in limits {
        let series = state.live.series(signal, &stable);
        let value = series
            .and_then(|s| s.latest())
            .and_then(|p| p.value)
            .filter(|v| v.is_finite());
        evidence.insert(
            signal.name().to_string(),
            json!({ "value": value, "limit": limit }),
        );
        match value {
            Some(v) if v < limit => {}
            Some(v) => fails.push(format!(
                "{name} {} over {}",
                plan::show(signal, v),
                plan::show(signal, limit)
            )),
            None => {
                let why = series
                    .and_then(|s| s.unknown.clone())
                    .unwrap_or_else(|| "no data".to_string());
                unknowns.push(format!("{name} unknown ({why})"));
            }
        }
    }
    let evidence = serde_json::Value::Object(evidence);
    let status = if !fails.is_empty() {
        GateStatus::Fail
    } else if !unknowns.is_empty() {
        GateStatus::Unknown
    } else {
        GateStatus::Pass
    };
    let why = if status == GateStatus::Pass {
        format!("{stable} within the error, p95 and p99 SLOs")
    } else {
        fails.extend(unknowns);
        format!("{stable}: {}", fails.join("; "))
    };
    (status, why, evidence)
}
