//! The gates before go (seed 001's mandatory checks): each evaluated from the state, the config
//! and the clock into a status, a one-line why and its evidence. Pure: gates that need I/O
//! (staging verification, a scan report) arrive as recorded `GateObserved` events.

mod calendar;

use jiff::Timestamp;
use serde_json::json;

use crate::config::warroom::{Permission, WarroomConfig};
use crate::event::{DecisionRef, GateId, GateResult, GateStatus, Signal};
use crate::release::plan::{self, Sides};
use crate::state::State;

pub use calendar::{closes_in, freeze, window};

/// Evaluates every gate for `decision` at `now`. `decider` is the operator who would decide
/// (their own approval never counts).
pub fn evaluate(
    state: &State,
    cfg: &WarroomConfig,
    now: Timestamp,
    decision: &DecisionRef,
    decider: &str,
) -> Vec<GateResult> {
    GateId::ALL
        .into_iter()
        .map(|gate| {
            let (status, why, evidence) = match gate {
                GateId::StagingVerified | GateId::StagingSoak | GateId::Vulnerabilities => {
                    observed(state, cfg, gate)
                }
                GateId::ImageImmutable => image(cfg),
                GateId::Window => window(cfg, now),
                GateId::Freeze => freeze(cfg, now),
                GateId::RollbackTarget => rollback_target(state, cfg),
                GateId::NoFiringAlerts => alerts(state),
                GateId::SloHealthy => slo(state, cfg),
                GateId::Checklist => checklist(state),
                GateId::Approvals => approvals(state, cfg, decision, decider),
            };
            GateResult {
                gate,
                status,
                hard: !cfg.gates.advisory.iter().any(|a| a == gate.name()),
                why,
                evidence,
            }
        })
        .collect()
}

type Eval = (GateStatus, String, serde_json::Value);

fn observed(state: &State, cfg: &WarroomConfig, gate: GateId) -> Eval {
    let configured = match gate {
        GateId::StagingVerified => cfg.gates.staging_verified.is_some(),
        GateId::StagingSoak => cfg.gates.staging_soak.is_some(),
        GateId::Vulnerabilities => cfg.gates.vulnerabilities.is_some(),
        _ => false,
    };
    if !configured {
        return not_configured(gate);
    }
    match state.release.observed_gates.get(&gate) {
        Some((r, _)) => (r.status, r.why.clone(), r.evidence.clone()),
        None => (
            GateStatus::Unknown,
            "not checked yet".to_string(),
            serde_json::Value::Null,
        ),
    }
}

fn not_configured(gate: GateId) -> Eval {
    (
        GateStatus::NotConfigured,
        format!("not configured ([gates] has no {})", gate.name()),
        serde_json::Value::Null,
    )
}

/// No `latest`/`prod` tag, and pinned by digest.
fn image(cfg: &WarroomConfig) -> Eval {
    let Some(image) = cfg.deployment.image.as_deref() else {
        return (
            GateStatus::NotConfigured,
            "no [deployment] image to check".to_string(),
            serde_json::Value::Null,
        );
    };
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    // The tag is after the last ':' that follows the last '/' (a registry port is not a tag).
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, t)| t);
    let evidence = json!({ "image": image, "tag": tag, "digest": digest });
    if let Some(t @ ("latest" | "prod")) = tag {
        return (
            GateStatus::Fail,
            format!("mutable tag '{t}' is not allowed for production"),
            evidence,
        );
    }
    match digest {
        Some(d) if d.starts_with("sha256:") && d.len() == 71 => (
            GateStatus::Pass,
            format!("pinned by digest {}", &d[..19]),
            evidence,
        ),
        Some(d) => (
            GateStatus::Fail,
            format!("'{d}' is not a sha256 digest"),
            evidence,
        ),
        None => (
            GateStatus::Fail,
            "not pinned by digest (write image@sha256:…)".to_string(),
            evidence,
        ),
    }
}

fn rollback_target(state: &State, cfg: &WarroomConfig) -> Eval {
    let sides = Sides::of(cfg);
    let Some(name) = sides.stable_workload.as_deref() else {
        return (
            GateStatus::Unknown,
            "no stable workload in [kubernetes] to roll back to".to_string(),
            serde_json::Value::Null,
        );
    };
    match state.live.workloads.get(name) {
        None => (
            GateStatus::Unknown,
            format!("deployment/{name} not observed"),
            serde_json::Value::Null,
        ),
        Some(w) => {
            let evidence = json!({ "workload": name, "desired": w.desired, "ready": w.ready });
            if w.ready == 0 {
                (
                    GateStatus::Fail,
                    format!("deployment/{name} has no ready replicas"),
                    evidence,
                )
            } else if w.ready < w.desired {
                (
                    GateStatus::Fail,
                    format!("deployment/{name} {}/{} ready", w.ready, w.desired),
                    evidence,
                )
            } else {
                (
                    GateStatus::Pass,
                    format!("deployment/{name} {}/{} ready", w.ready, w.desired),
                    evidence,
                )
            }
        }
    }
}

fn alerts(state: &State) -> Eval {
    use crate::event::SourceKind;
    let fed = state
        .live
        .sources
        .values()
        .any(|s| s.kind == SourceKind::Prometheus);
    if !fed {
        return (
            GateStatus::NotConfigured,
            "no Prometheus: alerts are not read".to_string(),
            serde_json::Value::Null,
        );
    }
    let firing: Vec<&str> = state
        .live
        .alerts
        .iter()
        .filter(|a| a.state == "firing")
        .map(|a| a.name.as_str())
        .collect();
    if firing.is_empty() {
        (
            GateStatus::Pass,
            "no alert firing".to_string(),
            json!({ "firing": [] }),
        )
    } else {
        (
            GateStatus::Fail,
            format!("firing: {}", firing.join(", ")),
            json!({ "firing": firing }),
        )
    }
}

/// The version serving now (stable) holds the SLOs.
fn slo(state: &State, cfg: &WarroomConfig) -> Eval {
    let Some(stable) = Sides::of(cfg).stable else {
        return (
            GateStatus::Unknown,
            "no stable version configured".to_string(),
            serde_json::Value::Null,
        );
    };
    let limits = [
        (Signal::ErrorRatio, cfg.slo.error_ratio),
        (Signal::LatencyP95, cfg.slo.latency_p95.0.as_secs_f64()),
        (Signal::LatencyP99, cfg.slo.latency_p99.0.as_secs_f64()),
    ];
    let mut status = GateStatus::Pass;
    let mut parts = Vec::new();
    let mut evidence = serde_json::Map::new();
    for (signal, limit) in limits {
        let series = state.live.series(signal, &stable);
        let value = series.and_then(|s| s.latest()).and_then(|p| p.value);
        evidence.insert(
            signal.name().to_string(),
            json!({ "value": value, "limit": limit }),
        );
        match value {
            Some(v) if v < limit => {}
            Some(v) => {
                status = GateStatus::Fail;
                parts.push(format!(
                    "{} {} over {}",
                    signal.name(),
                    plan::show(signal, v),
                    plan::show(signal, limit)
                ));
            }
            None => {
                if status == GateStatus::Pass {
                    status = GateStatus::Unknown;
                }
                let why = series
                    .and_then(|s| s.unknown.clone())
                    .unwrap_or_else(|| "no data".to_string());
                parts.push(format!("{} unknown ({why})", signal.name()));
            }
        }
    }
    let why = if parts.is_empty() {
        format!("{stable} within error, p95 and p99 SLOs")
    } else {
        format!("{stable}: {}", parts.join("; "))
    };
    (status, why, serde_json::Value::Object(evidence))
}

/// Required items of the stages before and at T-0 are ticked.
fn checklist(state: &State) -> Eval {
    let mut open = Vec::new();
    let mut total = 0;
    for stage in &state.runbook.stages {
        if stage.offset.is_none_or(|o| o.seconds > 0) {
            continue;
        }
        for item in stage.items.iter().filter(|i| i.required) {
            total += 1;
            if !state.is_ticked(&stage.id, &item.id) {
                open.push(format!("{}/{}", stage.id, item.id));
            }
        }
    }
    let evidence = json!({ "required": total, "open": open });
    if open.is_empty() {
        (
            GateStatus::Pass,
            format!("all {total} required items up to T-0 done"),
            evidence,
        )
    } else {
        (
            GateStatus::Fail,
            format!("{} of {total} required items up to T-0 open", open.len()),
            evidence,
        )
    }
}

/// Approvals that count for `decision`: from approver roles, distinct people, never the
/// decider's own.
pub fn counted_approvals(
    state: &State,
    cfg: &WarroomConfig,
    decision: &DecisionRef,
    decider: &str,
) -> Vec<String> {
    let roles = cfg.gates.approvals.as_ref().map(|a| a.roles.clone());
    let mut names: Vec<String> = Vec::new();
    for a in state.release.approvals_for(decision) {
        let role_ok = match roles.as_deref() {
            Some(r) if !r.is_empty() => r.contains(&a.role),
            _ => cfg.may(&a.role, Permission::Approve),
        };
        if role_ok && a.by != decider && !names.contains(&a.by) {
            names.push(a.by.clone());
        }
    }
    names
}

fn approvals(state: &State, cfg: &WarroomConfig, decision: &DecisionRef, decider: &str) -> Eval {
    let Some(rule) = cfg.gates.approvals.as_ref() else {
        return not_configured(GateId::Approvals);
    };
    let names = counted_approvals(state, cfg, decision, decider);
    let have = u32::try_from(names.len()).unwrap_or(u32::MAX);
    let evidence =
        json!({ "required": rule.required, "approvers": names, "for": decision.to_string() });
    if have >= rule.required {
        (
            GateStatus::Pass,
            format!(
                "{have} of {} approvals: {}",
                rule.required,
                names.join(", ")
            ),
            evidence,
        )
    } else {
        (
            GateStatus::Fail,
            format!(
                "{have} of {} approvals for {decision}{}",
                rule.required,
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", names.join(", "))
                }
            ),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests;
