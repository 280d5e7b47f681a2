//! What the war room decides by itself after each observation: auto-rollback when an armed
//! rule fires, a pause when the candidate's data cannot be read, a planned-rollback
//! recommendation, a rollback's verification, and drift. Each decision is asked for as an
//! `Effect::Record`, so live records it and replay, which already has it in the log, drops it.
//! A pending flag in the state makes each one asked for once.

use jiff::{SignedDuration, Timestamp};

use crate::config::warroom::{OnUnknown, WarroomConfig};
use crate::effect::Effect;
use crate::event::{Action, Drift, Envelope, Event, Signal, TrafficRow, VerifyCheck};
use crate::release::plan::{self, Sides};
use crate::release::rules;
use crate::state::State;
use crate::state::live::STALE_INTERVALS;
use crate::state::release::Phase;

/// How long a rollback's verification may take before it is recorded as failed (escalate).
pub const VERIFY_WITHIN: SignedDuration = SignedDuration::from_mins(5);

/// Runs the watchers after an observation was applied.
pub fn after_observation(state: &mut State, env: &Envelope, effects: &mut Vec<Effect>) {
    // Lent out for the watchers (which read it beside the state) rather than cloned: this
    // runs after every observation, and replaying a day of them must stay fast.
    let Some(cfg) = state.config.take() else {
        return;
    };
    watch(state, &cfg, env, effects);
    state.config = Some(cfg);
}

fn watch(state: &mut State, cfg: &WarroomConfig, env: &Envelope, effects: &mut Vec<Effect>) {
    let now = env.at;
    match &env.event {
        Event::SamplesObserved { .. }
        | Event::CountsObserved { .. }
        | Event::PodChanged { .. }
        | Event::PodsListed { .. }
        | Event::SeriesBackfilled { .. } => {
            auto_rollback(state, cfg, env, now, effects);
        }
        Event::TrafficObserved { traffic, .. } => drift(state, cfg, traffic, effects),
        _ => {}
    }
    verify_rollback(state, cfg, now, effects);
}

fn auto_rollback(
    state: &mut State,
    cfg: &WarroomConfig,
    env: &Envelope,
    now: Timestamp,
    effects: &mut Vec<Effect>,
) {
    let r = &state.release;
    if r.phase != Phase::Shifting || r.plan.weight == 0 || r.rollback.is_some() || r.auto.pending {
        return;
    }
    let evals: Vec<rules::Evaluation> = [
        cfg.auto_rollback
            .crashloop
            .then(|| rules::crashloop(state, cfg, now))
            .flatten(),
        rules::error_ratio(state, cfg, now),
        rules::p99_vs_baseline(state, cfg, now),
        rules::sequential(state, cfg, now),
    ]
    .into_iter()
    .flatten()
    .collect();
    let fired = evals.iter().find(|e| e.fires).map(|e| e.trigger.clone());
    state.release.auto.last = evals.into_iter().map(|e| e.trigger).collect();
    let armed = state.release.auto.armed;
    if armed && let Some(t) = fired {
        request_rollback(state, cfg, env, t, effects);
        return;
    }
    if let Some(reason) = unknown_candidate(state, cfg, now) {
        if armed && cfg.auto_rollback.on_unknown == OnUnknown::Rollback {
            let mut t = rules::error_ratio(state, cfg, now)
                .map(|e| e.trigger)
                .unwrap_or_else(|| empty_trigger(cfg));
            t.rule = "unknown-data".to_string();
            t.summary = format!("{reason}; policy on_unknown = rollback");
            request_rollback(state, cfg, env, t, effects);
        } else if state.release.paused.is_none() {
            state.release.auto.pending = true;
            effects.push(Effect::Record(Box::new(Event::ShiftPaused {
                reason: format!("{reason}: unknown is not healthy, so the shift holds"),
                auto: true,
            })));
        }
        return;
    }
    if state.release.auto.recommended.is_none()
        && let Some(e) = rules::recommend(state, cfg, now)
        && e.fires
    {
        state.release.auto.pending = true;
        effects.push(Effect::Record(Box::new(Event::RollbackRecommended {
            why: e.trigger,
        })));
    }
}

fn empty_trigger(cfg: &WarroomConfig) -> crate::event::AutoTrigger {
    crate::event::AutoTrigger {
        rule: String::new(),
        summary: String::new(),
        measurements: Vec::new(),
        window_s: cfg.auto_rollback.window.0.as_secs(),
        breaches: 0,
        samples: 0,
        unknown_samples: 0,
        on_unknown: "rollback".to_string(),
    }
}

fn request_rollback(
    state: &mut State,
    cfg: &WarroomConfig,
    env: &Envelope,
    trigger: crate::event::AutoTrigger,
    effects: &mut Vec<Effect>,
) {
    state.release.auto.pending = true;
    effects.push(Effect::Record(Box::new(Event::ActionRequested {
        // Named after the line that triggered it: unique, and never equal to an operator's id.
        id: format!("auto-{}", env.seq),
        action: Action::Rollback {
            reason: format!("auto-rollback: {}", trigger.summary),
            ticket: None,
            undo: false,
            from: state.release.plan.weight,
            strategy: cfg.traffic.strategy,
            auto: Some(Box::new(trigger)),
        },
    })));
}

/// The candidate takes traffic but its error ratio cannot be read, for longer than a few
/// polls since the step began (a fresh step's first scrape may not see its traffic yet).
fn unknown_candidate(state: &State, cfg: &WarroomConfig, now: Timestamp) -> Option<String> {
    let cand = Sides::of(cfg).candidate?;
    let since = state.release.plan.since?;
    let interval_ms = state
        .live
        .sources
        .values()
        .filter(|s| {
            matches!(
                s.kind,
                crate::event::SourceKind::Prometheus | crate::event::SourceKind::Scrape
            )
        })
        .map(|s| s.interval_ms)
        .max()
        .unwrap_or(5_000);
    let grace = SignedDuration::from_millis(i64::try_from(interval_ms).unwrap_or(5_000))
        * i32::try_from(STALE_INTERVALS).unwrap_or(3);
    if now.duration_since(since) < grace {
        return None;
    }
    let series = state.live.series(Signal::ErrorRatio, &cand);
    let latest = series.and_then(|s| s.latest());
    match latest {
        Some(p) if p.value.is_some() && now.duration_since(p.at) <= grace => None,
        Some(p) if p.value.is_some() => Some(format!(
            "{cand} error ratio stale (last known {} ago)",
            crate::ui::timefmt::span(now.duration_since(p.at).as_secs())
        )),
        _ => Some(format!(
            "{cand} error ratio unknown ({})",
            rules::unknown_reason(state, &cand, Signal::ErrorRatio)
        )),
    }
}

/// Traffic differs from what the war room set last, and no action of ours is in flight.
fn drift(state: &mut State, cfg: &WarroomConfig, actual: &TrafficRow, effects: &mut Vec<Effect>) {
    let r = &state.release;
    if !matches!(
        r.phase,
        Phase::Shifting | Phase::Completed | Phase::RolledBack
    ) || r.in_flight().is_some()
        || r.drift.is_some()
        || r.drift_pending
    {
        return;
    }
    let Some(expected) = r.plan.expected.clone() else {
        return;
    };
    if same_routing(&expected, actual, cfg) {
        return;
    }
    let k = cfg.kubernetes.as_ref();
    let object = match cfg.traffic.strategy {
        crate::config::warroom::Strategy::ServiceSelector => {
            format!(
                "service/{}",
                k.and_then(|k| k.service.as_ref())
                    .map_or("", |s| s.0.as_str())
            )
        }
        crate::config::warroom::Strategy::HttprouteWeights => {
            format!(
                "httproute/{}",
                k.and_then(|k| k.route.as_ref())
                    .map_or("", |s| s.0.as_str())
            )
        }
        crate::config::warroom::Strategy::ReplicaRatio => "deployments".to_string(),
    };
    state.release.drift_pending = true;
    effects.push(Effect::Record(Box::new(Event::DriftObserved {
        drift: Drift {
            object,
            expected,
            manager: actual.manager.clone(),
            actual: actual.clone(),
        },
    })));
}

/// Whether two readings route the same way under the configured strategy.
pub fn same_routing(a: &TrafficRow, b: &TrafficRow, cfg: &WarroomConfig) -> bool {
    match cfg.traffic.strategy {
        crate::config::warroom::Strategy::ServiceSelector => a.selector == b.selector,
        crate::config::warroom::Strategy::HttprouteWeights => a.weights == b.weights,
        // Replica counts are watched through the workloads, not the traffic row.
        crate::config::warroom::Strategy::ReplicaRatio => true,
    }
}

/// Once a rollback's traffic change is in place: traffic on stable, health reporting the
/// stable version, and the error rate back under the SLO.
fn verify_rollback(
    state: &mut State,
    cfg: &WarroomConfig,
    now: Timestamp,
    effects: &mut Vec<Effect>,
) {
    let Some(p) = state.release.rollback.as_ref() else {
        return;
    };
    let Some(traffic_at) = p.traffic_at else {
        return;
    };
    if p.verified.is_some() || p.verifying {
        return;
    }
    let id = p.id.clone();
    let checks = rollback_checks(state, cfg, traffic_at);
    let ok = checks.iter().all(|c| c.ok);
    if ok || now.duration_since(traffic_at) > VERIFY_WITHIN {
        if let Some(p) = state.release.rollback.as_mut() {
            p.verifying = true;
        }
        effects.push(Effect::Record(Box::new(Event::RollbackVerified {
            id,
            ok,
            checks,
        })));
    }
}

/// The checks a rollback's verification makes (also drawn while they are pending).
pub fn rollback_checks(state: &State, cfg: &WarroomConfig, since: Timestamp) -> Vec<VerifyCheck> {
    let sides = Sides::of(cfg);
    let share = plan::observed_share(state, cfg);
    let traffic = VerifyCheck {
        name: "traffic-on-stable".to_string(),
        ok: share == Some(0.0),
        detail: match share {
            Some(s) => format!("candidate share {s:.0} %"),
            None => "candidate share unknown".to_string(),
        },
    };
    let stable_release = cfg.deployment.stable.clone();
    let probes: Vec<_> = cfg
        .health
        .iter()
        .filter_map(|e| state.live.health.get(&e.name))
        .filter(|h| h.at.is_some_and(|t| t > since))
        .collect();
    let health = if cfg.health.is_empty() {
        VerifyCheck {
            name: "health-reports-stable".to_string(),
            ok: true,
            detail: "no health endpoints configured".to_string(),
        }
    } else if probes.len() < cfg.health.len() {
        VerifyCheck {
            name: "health-reports-stable".to_string(),
            ok: false,
            detail: "waiting for a probe of every endpoint since the rollback".to_string(),
        }
    } else {
        let wrong: Vec<String> = probes
            .iter()
            .filter(|h| {
                !h.last.ok
                    || (stable_release.is_some()
                        && h.last.version.as_ref() != stable_release.as_ref())
            })
            .map(|h| {
                format!(
                    "{} reports {}",
                    h.last.endpoint,
                    h.last.version.as_deref().unwrap_or("no version")
                )
            })
            .collect();
        VerifyCheck {
            name: "health-reports-stable".to_string(),
            ok: wrong.is_empty(),
            detail: if wrong.is_empty() {
                format!(
                    "every endpoint reports {}",
                    stable_release.as_deref().unwrap_or("the stable version")
                )
            } else {
                wrong.join(", ")
            },
        }
    };
    let errors = match sides.stable.as_deref().and_then(|s| {
        state
            .live
            .series(Signal::ErrorRatio, s)?
            .points
            .iter()
            .rev()
            .find(|p| p.at > since)
            .copied()
    }) {
        Some(p) => match p.value {
            Some(v) => VerifyCheck {
                name: "errors-recovered".to_string(),
                ok: v < cfg.slo.error_ratio,
                detail: format!(
                    "stable error ratio {} (SLO {})",
                    plan::show(Signal::ErrorRatio, v),
                    plan::show(Signal::ErrorRatio, cfg.slo.error_ratio)
                ),
            },
            None => VerifyCheck {
                name: "errors-recovered".to_string(),
                ok: false,
                detail: "stable error ratio unknown".to_string(),
            },
        },
        None => VerifyCheck {
            name: "errors-recovered".to_string(),
            ok: false,
            detail: "waiting for a sample since the rollback".to_string(),
        },
    };
    vec![traffic, health, errors]
}
