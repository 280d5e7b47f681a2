//! What would fail if the next step were taken now: before go, the gates for go (and the
//! role); during a shift, what stands between this step and the next (bake left, candidate
//! health, the step's approvals, the deployment lock, an action in flight, a pause, ready
//! pods). Pure, and the same rules `decide` applies, so the gates pane, the go/no-go overlay
//! and headless runs can say before a key press what the key would meet.

use jiff::Timestamp;

use super::gates::{self, counted_approvals};
use super::plan::{self, Sides};
use crate::config::warroom::{Permission, WarroomConfig};
use crate::event::{Actor, DecisionKind, DecisionRef, GateResult};
use crate::state::State;
use crate::state::release::Phase;
use crate::ui::timefmt;

/// The step the preview is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Deciding go for this decision.
    Go(DecisionRef),
    /// Moving traffic to plan step `step` (0-based), `weight` % on the candidate.
    Shift {
        /// The plan step.
        step: usize,
        /// The candidate's share after it.
        weight: u32,
    },
    /// The last step is in place: the next `s` completes the release.
    Complete {
        /// The last step.
        step: usize,
    },
    /// Nothing is next (the release is complete), and why.
    Nothing(String),
}

/// One thing in the way, or worth knowing, before the next step.
#[derive(Debug, Clone, PartialEq)]
pub struct Blocker {
    /// What it is about, in a word or two (`window`, `bake`, `lock`).
    pub what: String,
    /// Why, in one line.
    pub why: String,
    /// An operator may go past it with a reason (a bake cut short, unhealthy signals, or
    /// failing gates with an emergency reason and an approver who may override).
    pub overridable: bool,
}

impl Blocker {
    fn new(what: impl Into<String>, why: impl Into<String>, overridable: bool) -> Self {
        Self {
            what: what.into(),
            why: why.into(),
            overridable,
        }
    }
}

/// The preview: the next step, what refuses it now, and what only warns.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// The next step.
    pub next: Next,
    /// The next step in words (`go for 1.2.3 (round 1)`, `step 2 of 4: 25 % to green`).
    pub label: String,
    /// What would refuse it now.
    pub blockers: Vec<Blocker>,
    /// What would not refuse it but is worth a look (advisory gates, a closing window).
    pub warnings: Vec<Blocker>,
    /// Before go: every gate as `go` would record it now.
    pub gates: Vec<GateResult>,
}

impl Preview {
    /// Whether the next step would be accepted now without an override.
    pub fn allowed(&self) -> bool {
        self.blockers.is_empty() && !matches!(self.next, Next::Nothing(_))
    }

    /// One line: `go for 1.2.3 (round 1): refused (3 hard gates)` or `…: would be accepted`.
    pub fn summary(&self) -> String {
        if let Next::Nothing(why) = &self.next {
            return why.clone();
        }
        let n = self.blockers.len();
        if n == 0 {
            return match self.warnings.len() {
                0 => format!("{}: would be accepted", self.label),
                w => format!(
                    "{}: would be accepted ({w} warning{})",
                    self.label,
                    plural(w)
                ),
            };
        }
        let what =
            if matches!(self.next, Next::Go(_)) && self.blockers.iter().all(|b| b.overridable) {
                format!(
                    "{n} hard gate{} fail{}",
                    plural(n),
                    if n == 1 { "s" } else { "" }
                )
            } else {
                format!("{n} reason{}", plural(n))
            };
        format!("{}: refused now ({what})", self.label)
    }
}

impl Preview {
    /// A few words for a narrow pane: `go refused: 3 gates`, `step 3 refused: 1 reason`,
    /// `go would be accepted`.
    pub fn short(&self) -> String {
        let verb = match &self.next {
            Next::Nothing(why) => return why.clone(),
            Next::Go(_) => "go".to_string(),
            Next::Shift { step, .. } => format!("step {}", step + 1),
            Next::Complete { .. } => "complete".to_string(),
        };
        let n = self.blockers.len();
        if n == 0 {
            return format!("{verb} would be accepted");
        }
        let what =
            if matches!(self.next, Next::Go(_)) && self.blockers.iter().all(|b| b.overridable) {
                "gate"
            } else {
                "reason"
            };
        format!("{verb} refused: {n} {what}{}", plural(n))
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// What the next step would meet at `now` for `operator` (`None`: nobody in particular, so
/// roles are not checked and every approval counts).
pub fn preview(
    state: &State,
    cfg: &WarroomConfig,
    now: Timestamp,
    operator: Option<&Actor>,
) -> Preview {
    let r = &state.release;
    match r.phase {
        Phase::Preparing | Phase::NoGo | Phase::RolledBack => go(state, cfg, now, operator),
        Phase::Shifting => shift(state, cfg, now, operator),
        Phase::Completed => Preview {
            next: Next::Nothing("the release is complete".to_string()),
            label: "nothing".to_string(),
            blockers: Vec::new(),
            warnings: Vec::new(),
            gates: Vec::new(),
        },
    }
}

/// Whether `operator` lacks `p`, as a blocker.
fn role(
    cfg: &WarroomConfig,
    operator: Option<&Actor>,
    p: Permission,
    what: &str,
) -> Option<Blocker> {
    let who = operator?;
    if cfg.may(&who.role, p) {
        return None;
    }
    let role = if who.role.is_empty() {
        "none"
    } else {
        &who.role
    };
    Some(Blocker::new(
        "role",
        format!("{} (role {role}) may not {what}", who.name),
        false,
    ))
}

fn go(state: &State, cfg: &WarroomConfig, now: Timestamp, operator: Option<&Actor>) -> Preview {
    let decision = DecisionRef {
        kind: DecisionKind::Go,
        release: cfg.deployment.release.clone(),
        round: state.release.next_round(),
        step: None,
    };
    let decider = operator.map_or("", |o| o.name.as_str());
    let results = gates::evaluate(state, cfg, now, &decision, decider);
    let mut blockers: Vec<Blocker> = role(cfg, operator, Permission::Decide, "decide go/no-go")
        .into_iter()
        .collect();
    let mut warnings = Vec::new();
    for g in results.iter().filter(|g| !g.status.passes()) {
        let b = Blocker::new(g.gate.name(), g.why.clone(), true);
        if g.hard {
            blockers.push(b);
        } else {
            warnings.push(b);
        }
    }
    // The plan will outlast the window: worth knowing before go, not a refusal.
    if let Some(left) = gates::closes_in(cfg, now) {
        let bakes: u64 = cfg.traffic.steps.iter().map(|s| s.bake.0.as_secs()).sum();
        if u64::try_from(left.as_secs()).unwrap_or(0) < bakes {
            warnings.push(Blocker::new(
                "plan",
                format!(
                    "the window closes in {}; the plan's bakes take {}",
                    timefmt::span(left.as_secs()),
                    timefmt::span(i64::try_from(bakes).unwrap_or(i64::MAX))
                ),
                false,
            ));
        }
    }
    Preview {
        label: format!(
            "go for {} (round {})",
            decision.release.as_deref().unwrap_or("the release"),
            decision.round
        ),
        next: Next::Go(decision),
        blockers,
        warnings,
        gates: results,
    }
}

/// Who holds the deployment lock, if another war room holds it and it has not expired.
pub fn lock_holder(state: &State, now: Timestamp) -> Option<String> {
    let l = state.release.lease.as_ref()?;
    if l.ours {
        return None;
    }
    let holder = l.holder.as_ref()?;
    let live = l
        .renewed
        .is_none_or(|t| now.duration_since(t).as_secs() < i64::from(l.duration_s));
    live.then(|| holder.clone())
}

fn shift(state: &State, cfg: &WarroomConfig, now: Timestamp, operator: Option<&Actor>) -> Preview {
    let r = &state.release;
    let mut blockers: Vec<Blocker> = role(cfg, operator, Permission::Shift, "shift traffic")
        .into_iter()
        .collect();
    let mut warnings = Vec::new();
    if let Some(p) = &r.paused {
        blockers.push(Blocker::new(
            "paused",
            format!("{}; resume (p) first", p.reason),
            false,
        ));
    }
    if let Some(a) = r.in_flight() {
        blockers.push(Blocker::new(
            "in flight",
            format!("{} ({}) has no outcome yet", a.action.name(), a.id),
            false,
        ));
    }
    if let Some(holder) = lock_holder(state, now) {
        blockers.push(Blocker::new(
            "lock",
            format!("the deployment lock is held by {holder}"),
            false,
        ));
    }
    if let Some((cur, _)) = plan::current_step(state, cfg) {
        let left = plan::bake_left(state, cfg, now).unwrap_or_default();
        if left.as_secs() > 0 {
            blockers.push(Blocker::new(
                "bake",
                format!(
                    "step {} bakes for another {}",
                    cur + 1,
                    timefmt::span(left.as_secs())
                ),
                true,
            ));
        }
        let health = plan::candidate_health(state, cfg);
        if !health.ok() {
            blockers.push(Blocker::new("candidate health", health.summary(), true));
        }
    }
    let n = cfg.traffic.steps.len();
    let cand = Sides::of(cfg)
        .candidate
        .unwrap_or_else(|| "the candidate".to_string());
    let Some((i, step)) = plan::next_step(state, cfg) else {
        let (next, label) = match plan::current_step(state, cfg) {
            Some((last, s)) => (
                Next::Complete { step: last },
                format!(
                    "complete the release (step {} of {n}, {} %)",
                    last + 1,
                    s.weight
                ),
            ),
            None => {
                blockers.push(Blocker::new(
                    "plan",
                    "the plan has no steps ([traffic] steps)",
                    false,
                ));
                (
                    Next::Nothing("the plan has no steps".to_string()),
                    "nothing".to_string(),
                )
            }
        };
        return Preview {
            next,
            label,
            blockers,
            warnings,
            gates: Vec::new(),
        };
    };
    if let Some(rule) = cfg.gates.approvals.as_ref().filter(|a| a.steps) {
        let d = DecisionRef {
            kind: DecisionKind::Step,
            release: cfg.deployment.release.clone(),
            round: r.go_round().unwrap_or(0),
            step: Some(i),
        };
        let decider = operator.map_or("", |o| o.name.as_str());
        let have = counted_approvals(state, cfg, &d, decider).len();
        if (have as u64) < u64::from(rule.required) {
            blockers.push(Blocker::new(
                "approvals",
                format!(
                    "{d} needs {} approval{}; {have} recorded",
                    rule.required,
                    plural(rule.required as usize)
                ),
                false,
            ));
        }
    }
    if !state.live.pods.is_empty() && plan::ready_pods(state, &cand) == 0 {
        blockers.push(Blocker::new(
            "ready pods",
            format!(
                "{cand} has no ready pods to take {} % of traffic",
                step.weight
            ),
            false,
        ));
    }
    let (status, why, _) = gates::window(cfg, now);
    if !status.passes() {
        warnings.push(Blocker::new("window", why, false));
    }
    Preview {
        next: Next::Shift {
            step: i,
            weight: step.weight,
        },
        label: format!("step {} of {n}: {} % to {cand}", i + 1, step.weight),
        blockers,
        warnings,
        gates: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
