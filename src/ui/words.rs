//! What a key that changes production will do, in words, from the config and the plan: "send
//! 25 % of traffic to 1.2.3 (green): HTTPRoute app weights app-blue 75 / app-green 25 — step 2
//! of 4, then bake 15m". The routing part follows the configured strategy the way the
//! executors move traffic, so the sentence names the objects and numbers the cluster will show.

use crate::config::warroom::{Strategy, WarroomConfig};
use crate::release::plan::{self, Sides};
use crate::state::State;

/// `1.2.3 (green)`: the candidate's release and its label value, or whichever is known.
pub fn candidate(cfg: &WarroomConfig) -> String {
    named(
        cfg.deployment.release.as_deref(),
        Sides::of(cfg).candidate.as_deref(),
        "the candidate",
    )
}

/// `1.2.2 (blue)`: the stable version.
pub fn stable(cfg: &WarroomConfig) -> String {
    named(
        cfg.deployment.stable.as_deref(),
        Sides::of(cfg).stable.as_deref(),
        "the stable version",
    )
}

fn named(release: Option<&str>, label: Option<&str>, none: &str) -> String {
    match (release, label) {
        (Some(r), Some(l)) if r != l => format!("{r} ({l})"),
        (Some(r), _) => r.to_string(),
        (None, Some(l)) => l.to_string(),
        (None, None) => none.to_string(),
    }
}

/// What the cluster will show with `weight` % on the candidate, by the configured strategy:
/// `HTTPRoute app weights app-blue 75 / app-green 25`, `Service app selector version=green`,
/// `Deployment app-green scaled to 1 beside app-blue's 3`.
pub fn routing(state: &State, cfg: &WarroomConfig, weight: u32) -> String {
    let sides = Sides::of(cfg);
    let k = cfg.kubernetes.as_ref();
    let stable_w = 100u32.saturating_sub(weight);
    match cfg.traffic.strategy {
        Strategy::HttprouteWeights => {
            let route = k
                .and_then(|k| k.route.as_ref())
                .map_or("?", |r| r.0.as_str());
            let observed = state.live.traffic.as_ref().map(|t| &t.weights);
            let parts: Vec<String> = match observed.filter(|w| !w.is_empty()) {
                Some(w) => w
                    .iter()
                    .map(|(b, now)| {
                        let to = if sides.is_candidate_backend(b) {
                            weight
                        } else if sides.is_stable_backend(b) {
                            stable_w
                        } else {
                            *now
                        };
                        format!("{b} {to}")
                    })
                    .collect(),
                None => vec![
                    format!("stable {stable_w}"),
                    format!("candidate {weight}"),
                ],
            };
            format!("HTTPRoute {route} weights {}", parts.join(" / "))
        }
        Strategy::ServiceSelector => {
            let svc = k
                .and_then(|k| k.service.as_ref())
                .map_or("?", |s| s.0.as_str());
            let value = match weight {
                100 => sides.candidate.clone(),
                0 => sides.stable.clone(),
                _ => None,
            };
            match value {
                Some(v) => format!("Service {svc} selector {}={v}", sides.label),
                None => format!(
                    "Service {svc}: a selector moves all traffic or none, not {weight} %"
                ),
            }
        }
        Strategy::ReplicaRatio => replicas(state, &sides, weight),
    }
}

/// Replica-ratio: traffic follows ready pods, so a step scales the Deployments.
fn replicas(state: &State, sides: &Sides, weight: u32) -> String {
    let (Some(st), Some(cand)) = (&sides.stable_workload, &sides.candidate_workload) else {
        return "the stable and candidate Deployments' replicas".to_string();
    };
    let s = state.live.workloads.get(st).map_or(0, |w| w.desired);
    match weight {
        0 => format!("Deployment {cand} scaled to 0; {st} serves all traffic"),
        100 => format!("Deployment {st} scaled to 0 (its {s} replicas noted); {cand} serves all"),
        w => {
            let c = (f64::from(s) * f64::from(w) / f64::from(100 - w))
                .round()
                .max(1.0);
            format!("Deployment {cand} scaled to {c:.0} beside {st}'s {s}")
        }
    }
}

/// The plan's weights: `10 % › 25 % › 50 % › 100 %`.
pub fn plan(cfg: &WarroomConfig) -> String {
    let w: Vec<String> = cfg
        .traffic
        .steps
        .iter()
        .map(|s| format!("{} %", s.weight))
        .collect();
    if w.is_empty() {
        "no steps".to_string()
    } else {
        w.join(" › ")
    }
}

/// What `s` will do: the next step, or completing the release after the last.
pub fn shift(state: &State, cfg: &WarroomConfig) -> String {
    let n = cfg.traffic.steps.len();
    match plan::next_step(state, cfg) {
        Some((i, step)) => format!(
            "send {} % of traffic to {}: {} — step {} of {n}, then bake {}",
            step.weight,
            candidate(cfg),
            routing(state, cfg, step.weight),
            i + 1,
            step.bake
        ),
        None => match plan::current_step(state, cfg) {
            Some((i, step)) => format!(
                "complete the release: step {} of {n} ({} % on {}) holds; nothing changes in \
                 the cluster",
                i + 1,
                step.weight,
                candidate(cfg)
            ),
            None => "the plan has no steps ([traffic] steps)".to_string(),
        },
    }
}

/// What `b` will do: one rung back, and hold.
pub fn back(state: &State, cfg: &WarroomConfig) -> String {
    let n = cfg.traffic.steps.len();
    let Some(cur) = state.release.plan.step else {
        return "step back: no step has been taken yet".to_string();
    };
    match cur.checked_sub(1) {
        Some(to) => {
            let w = cfg.traffic.steps.get(to).map_or(0, |s| s.weight);
            format!(
                "step back to {w} % and hold: {} — step {} of {n}",
                routing(state, cfg, w),
                to + 1
            )
        }
        None => format!(
            "step back to 0 % and hold: all traffic on {}: {}",
            stable(cfg),
            routing(state, cfg, 0)
        ),
    }
}

/// What `r` will do: all traffic back in one change, then (optionally) undo, then verify.
pub fn rollback(state: &State, cfg: &WarroomConfig, undo: bool) -> Vec<String> {
    let mut out = vec![format!(
        "roll back: ALL traffic to {} at once: {}",
        stable(cfg),
        routing(state, cfg, 0)
    )];
    if undo {
        let w = Sides::of(cfg)
            .candidate_workload
            .unwrap_or_else(|| "the candidate".to_string());
        out.push(format!(
            "then rollout undo of deployment/{w} to its previous revision"
        ));
    }
    out.push(format!(
        "then verify: health reports {}, the candidate's share is 0, the errors recover",
        cfg.deployment
            .stable
            .as_deref()
            .unwrap_or("the stable version")
    ));
    out
}

/// What `y` in the go/no-go overlay will do.
pub fn go(state: &State, cfg: &WarroomConfig) -> String {
    format!(
        "decide GO for {} (round {}): then s takes the plan's steps one by one, {}",
        candidate(cfg),
        state.release.next_round(),
        plan(cfg)
    )
}

/// What `n` in the go/no-go overlay will do.
pub fn no_go(state: &State, cfg: &WarroomConfig) -> String {
    format!(
        "decide NO-GO for {} (round {}): no traffic moves; a later round may still go",
        candidate(cfg),
        state.release.next_round()
    )
}

/// What disarming auto-rollback means.
pub fn disarm(cfg: &WarroomConfig) -> String {
    let a = &cfg.auto_rollback;
    format!(
        "disarm auto-rollback: errors over {:.1} % for {}, p99 over {}× the baseline{} no longer \
         roll back by themselves; you watch, and press r",
        a.error_ratio * 100.0,
        a.window,
        a.p99_vs_baseline,
        if a.crashloop { " or a crash loop" } else { "" }
    )
}

/// Why quitting now deserves a second thought.
pub fn quit(state: &State, cfg: Option<&WarroomConfig>) -> Vec<String> {
    let r = &state.release;
    let cand = cfg.map_or_else(|| "the candidate".to_string(), candidate);
    let mut out = vec![format!(
        "quit while a shift is under way: {} % of traffic stays on {cand} as it is",
        r.plan.weight
    )];
    if let Some(a) = r.in_flight() {
        out.push(format!(
            "{} ({}) has no outcome yet: wait for it, or its outcome may never be recorded",
            a.action.name(),
            a.id
        ));
    }
    if r.auto.armed {
        out.push(
            "auto-rollback stops watching once the war room is closed: nobody rolls back by \
             itself"
                .to_string(),
        );
    }
    out
}
