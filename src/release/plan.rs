//! Where the traffic plan stands and what the cluster shows: the next step, the bake timer, the
//! candidate's observed share (read the way the configured strategy routes), and whether the
//! candidate's signals are healthy enough to go on. Pure functions of the state.

use jiff::{SignedDuration, Timestamp};

use crate::config::warroom::{Step, Strategy, WarroomConfig};
use crate::event::{Signal, TrafficRow};
use crate::state::State;

/// The stable and candidate label values, and the candidate/stable workload names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sides {
    /// The stable version's label value (`blue`, `1.2.2`).
    pub stable: Option<String>,
    /// The candidate's label value.
    pub candidate: Option<String>,
    /// The stable Deployment's name.
    pub stable_workload: Option<String>,
    /// The candidate Deployment's name.
    pub candidate_workload: Option<String>,
    /// The pod label that tells versions apart.
    pub label: String,
}

impl Sides {
    /// Reads them from the config.
    pub fn of(cfg: &WarroomConfig) -> Self {
        let (stable, candidate) = cfg.versions();
        let k = cfg.kubernetes.as_ref();
        Self {
            stable,
            candidate,
            stable_workload: k.and_then(|k| k.stable.as_ref()).map(|w| w.name.clone()),
            candidate_workload: k.and_then(|k| k.candidate.as_ref()).map(|w| w.name.clone()),
            label: k.map_or_else(|| "version".to_string(), |k| k.version_label.clone()),
        }
    }

    /// Whether an HTTPRoute backend (a Service name) is the candidate's.
    pub fn is_candidate_backend(&self, backend: &str) -> bool {
        names(
            backend,
            self.candidate.as_deref(),
            self.candidate_workload.as_deref(),
        )
    }

    /// Whether an HTTPRoute backend is the stable version's.
    pub fn is_stable_backend(&self, backend: &str) -> bool {
        names(
            backend,
            self.stable.as_deref(),
            self.stable_workload.as_deref(),
        )
    }
}

fn names(backend: &str, label: Option<&str>, workload: Option<&str>) -> bool {
    workload == Some(backend)
        || label.is_some_and(|l| {
            backend == l
                || backend.ends_with(&format!("-{l}"))
                || backend.ends_with(&format!(".{l}"))
        })
}

/// The candidate's share of traffic in percent as the cluster shows it, read the way the
/// configured strategy routes: the Service selector, the HTTPRoute weights, or ready replicas.
/// `None` when it cannot be told.
pub fn observed_share(state: &State, cfg: &WarroomConfig) -> Option<f64> {
    let sides = Sides::of(cfg);
    match cfg.traffic.strategy {
        Strategy::HttprouteWeights => weights_share(state.live.traffic.as_ref()?, &sides),
        Strategy::ServiceSelector => selector_share(state, state.live.traffic.as_ref()?, &sides),
        Strategy::ReplicaRatio => ready_share(state, &sides),
    }
}

fn weights_share(t: &TrafficRow, sides: &Sides) -> Option<f64> {
    let total: u32 = t.weights.iter().map(|(_, w)| *w).sum();
    if total == 0 || !t.weights.iter().any(|(b, _)| sides.is_candidate_backend(b)) {
        return None;
    }
    let cand: u32 = t
        .weights
        .iter()
        .filter(|(b, _)| sides.is_candidate_backend(b))
        .map(|(_, w)| *w)
        .sum();
    Some(f64::from(cand) * 100.0 / f64::from(total))
}

fn selector_share(state: &State, t: &TrafficRow, sides: &Sides) -> Option<f64> {
    if t.selector.is_empty() {
        return None;
    }
    match t.selector.get(&sides.label) {
        Some(v) if Some(v) == sides.candidate.as_ref() => Some(100.0),
        Some(v) if Some(v) == sides.stable.as_ref() => Some(0.0),
        Some(_) => None,
        // A selector without the version label matches both versions: ready pods decide.
        None => ready_share(state, sides),
    }
}

fn ready_share(state: &State, sides: &Sides) -> Option<f64> {
    let (stable, candidate) = (sides.stable.as_ref()?, sides.candidate.as_ref()?);
    let ready = |v: &str| {
        state
            .live
            .pods
            .values()
            .filter(|p| p.version == v && !p.terminating && p.ready.1 > 0 && p.ready.0 == p.ready.1)
            .count()
    };
    let (s, c) = (ready(stable), ready(candidate));
    let total = s + c;
    (total > 0).then(|| c as f64 * 100.0 / total as f64)
}

/// Ready pods of a version (all containers ready, not terminating).
pub fn ready_pods(state: &State, version: &str) -> usize {
    state
        .live
        .pods
        .values()
        .filter(|p| {
            p.version == version && !p.terminating && p.ready.1 > 0 && p.ready.0 == p.ready.1
        })
        .count()
}

/// The plan step after the current one: (index, step). `None` once the last step is reached.
pub fn next_step<'a>(state: &State, cfg: &'a WarroomConfig) -> Option<(usize, &'a Step)> {
    let i = state.release.plan.step.map_or(0, |s| s + 1);
    cfg.traffic.steps.get(i).map(|s| (i, s))
}

/// The current step, if one is reached.
pub fn current_step<'a>(state: &State, cfg: &'a WarroomConfig) -> Option<(usize, &'a Step)> {
    let i = state.release.plan.step?;
    cfg.traffic.steps.get(i).map(|s| (i, s))
}

/// How long the current step still has to bake at `now` (zero once done); `None` before the
/// first step. A pause freezes nothing: the bake is wall time on the step, as on the seed's
/// checklist ("metrics stable for 15 minutes").
pub fn bake_left(state: &State, cfg: &WarroomConfig, now: Timestamp) -> Option<SignedDuration> {
    let (_, step) = current_step(state, cfg)?;
    let since = state.release.plan.since?;
    let bake = SignedDuration::try_from(step.bake.0).unwrap_or(SignedDuration::MAX);
    let elapsed = now.duration_since(since);
    Some((bake - elapsed).max(SignedDuration::ZERO))
}

/// Whether the candidate's latest signals hold the SLOs: every check with a known value, and
/// why not otherwise. Unknown is never healthy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Health {
    /// Limits breached, in words.
    pub breaches: Vec<String>,
    /// Signals that cannot be read, in words.
    pub unknown: Vec<String>,
}

impl Health {
    /// Every signal known and within its limit.
    pub fn ok(&self) -> bool {
        self.breaches.is_empty() && self.unknown.is_empty()
    }

    /// One line for refusals and the screen.
    pub fn summary(&self) -> String {
        let mut parts = self.breaches.clone();
        parts.extend(
            self.unknown
                .iter()
                .map(|u| format!("{u} (unknown is not healthy)")),
        );
        if parts.is_empty() {
            "signals healthy".to_string()
        } else {
            parts.join("; ")
        }
    }
}

/// The candidate's latest error ratio and p95 against `[slo]`.
pub fn candidate_health(state: &State, cfg: &WarroomConfig) -> Health {
    let mut h = Health::default();
    let Some(cand) = Sides::of(cfg).candidate else {
        h.unknown
            .push("no candidate version configured".to_string());
        return h;
    };
    let checks = [
        (Signal::ErrorRatio, cfg.slo.error_ratio, "error ratio"),
        (
            Signal::LatencyP95,
            cfg.slo.latency_p95.0.as_secs_f64(),
            "p95 latency",
        ),
    ];
    for (signal, limit, name) in checks {
        let series = state.live.series(signal, &cand);
        match series.and_then(|s| s.latest()).and_then(|p| p.value) {
            Some(v) if v < limit => {}
            Some(v) => h.breaches.push(format!(
                "{cand} {name} {} over the SLO {}",
                show(signal, v),
                show(signal, limit)
            )),
            None => {
                let why = series
                    .and_then(|s| s.unknown.clone())
                    .unwrap_or_else(|| "no data".to_string());
                h.unknown.push(format!("{cand} {name} unknown ({why})"));
            }
        }
    }
    h
}

/// A signal's value in its unit (`8.1 %`, `412 ms`).
pub fn show(signal: Signal, v: f64) -> String {
    match signal {
        Signal::ErrorRatio => format!("{:.2} %", v * 100.0),
        Signal::Throughput => format!("{v:.1} rps"),
        _ => format!("{:.0} ms", v * 1000.0),
    }
}
