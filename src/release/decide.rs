//! Turning a release intent into the event to record, or a refusal with its reason. The rules
//! every progressive-delivery user asks for live here: roles decide who may do what, hard gates
//! block go unless overridden with an emergency reason and an approver with override power,
//! approvals count for one decision only, nobody approves their own go, the next step waits for
//! its bake and healthy signals, one change is in flight at a time, and a lock held by another
//! war room stops every change.

use jiff::Timestamp;

use super::gates::{self, counted_approvals};
use super::intent::{Approval, ReleaseIntent};
use super::plan::{self, Sides};
use crate::config::warroom::{Permission, WarroomConfig};
use crate::event::{
    Action, Actor, Baseline, DecisionKind, DecisionRef, Event, GateOverride, Signal,
};
use crate::state::State;
use crate::state::release::Phase;
use crate::ui::timefmt;

/// An intent accepted: the event to record, and who it is recorded as (`None`: the operator).
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    /// The event.
    pub event: Event,
    /// The actor to record it under, when it is not this war room's operator (approvals).
    pub actor: Option<Actor>,
}

/// An intent refused, with the reason; recorded as `ActionRefused` (observers' attempts, a
/// self-approval, a go past a failing gate: every refused attempt is in the log).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} refused: {reason}")]
pub struct Refused {
    /// What was attempted.
    pub action: &'static str,
    /// Why not.
    pub reason: String,
    /// Who attempted it, when not this war room's operator.
    pub actor: Option<Box<Actor>>,
    /// The remote request id, if any.
    pub request: Option<String>,
}

impl Refused {
    /// The event that records the refusal.
    pub fn event(&self) -> Event {
        Event::ActionRefused {
            action: self.action.to_string(),
            reason: self.reason.clone(),
            request: self.request.clone(),
        }
    }
}

/// Decides `intent` for `operator` at `now`.
pub fn decide(
    state: &State,
    intent: ReleaseIntent,
    now: Timestamp,
    operator: &Actor,
) -> Result<Decided, Refused> {
    let action = intent.name();
    let (actor, request) = match &intent {
        ReleaseIntent::Approve(a) => (Some(a.approver.clone()), a.request.clone()),
        _ => (None, None),
    };
    let refuse = |reason: String| Refused {
        action,
        reason,
        actor: actor.clone().map(Box::new),
        request: request.clone(),
    };
    let Some(cfg) = state.config.as_deref() else {
        return Err(refuse(
            "this session has no warroom.toml: gates, traffic and rollback need one (-c FILE)"
                .to_string(),
        ));
    };
    let ctx = Ctx {
        state,
        cfg,
        now,
        operator,
    };
    let event = match intent {
        ReleaseIntent::Go {
            reason,
            override_reason,
        } => ctx.go(reason, override_reason),
        ReleaseIntent::NoGo { reason } => ctx.no_go(reason),
        ReleaseIntent::Approve(a) => ctx.approve(a),
        ReleaseIntent::Shift { override_reason } => ctx.shift(override_reason),
        ReleaseIntent::Back { .. } => ctx.back(),
        ReleaseIntent::Pause { reason } => ctx.pause(reason),
        ReleaseIntent::Resume { reason } => ctx.resume(reason),
        ReleaseIntent::Rollback {
            reason,
            ticket,
            undo,
        } => ctx.rollback(reason, ticket, undo),
        ReleaseIntent::Arm { armed, reason } => ctx.arm(armed, reason),
        ReleaseIntent::Marker { note } => {
            if note.trim().is_empty() {
                Err("a marker needs a note".to_string())
            } else {
                Ok(Event::MarkerAdded { note })
            }
        }
        ReleaseIntent::Comms { kind, text, post } => ctx
            .may(operator, Permission::Comms, "record or post status updates")
            .and_then(|()| crate::comms::draft(state, cfg, operator, now, kind, text, post)),
        ReleaseIntent::CommsRetry { id } => ctx
            .may(operator, Permission::Comms, "record or post status updates")
            .and_then(|()| crate::comms::retry(state, cfg, id.as_deref())),
    };
    event
        .map(|event| Decided {
            event,
            actor: actor.clone(),
        })
        .map_err(refuse)
}

/// The decision approvals are collected for now: the next go, or (when steps need approval)
/// the next step.
pub fn pending_decision(state: &State, cfg: &WarroomConfig) -> Option<DecisionRef> {
    let r = &state.release;
    let release = cfg.deployment.release.clone();
    match r.phase {
        Phase::Preparing | Phase::NoGo | Phase::RolledBack => Some(DecisionRef {
            kind: DecisionKind::Go,
            release,
            round: r.next_round(),
            step: None,
        }),
        Phase::Shifting if cfg.gates.approvals.as_ref().is_some_and(|a| a.steps) => {
            let (i, _) = plan::next_step(state, cfg)?;
            Some(DecisionRef {
                kind: DecisionKind::Step,
                release,
                round: r.go_round().unwrap_or(0),
                step: Some(i),
            })
        }
        _ => None,
    }
}

struct Ctx<'a> {
    state: &'a State,
    cfg: &'a WarroomConfig,
    now: Timestamp,
    operator: &'a Actor,
}

type Verdict = Result<Event, String>;

impl Ctx<'_> {
    fn may(&self, who: &Actor, p: Permission, what: &str) -> Result<(), String> {
        if self.cfg.may(&who.role, p) {
            return Ok(());
        }
        let who_may: Vec<&str> = self
            .cfg
            .roles
            .iter()
            .filter(|(_, ps)| ps.contains(&p))
            .map(|(r, _)| r.as_str())
            .collect();
        Err(format!(
            "{} (role {}) may not {what}; roles that may: {}",
            who.name,
            if who.role.is_empty() {
                "none"
            } else {
                &who.role
            },
            if who_may.is_empty() {
                "none".to_string()
            } else {
                who_may.join(", ")
            }
        ))
    }

    fn production(&self) -> bool {
        self.cfg.deployment.environment == "production"
    }

    fn release(&self) -> Option<String> {
        self.cfg.deployment.release.clone()
    }

    fn go(&self, reason: String, override_reason: Option<String>) -> Verdict {
        self.may(self.operator, Permission::Decide, "decide go/no-go")?;
        let r = &self.state.release;
        if matches!(r.phase, Phase::Shifting | Phase::Completed) {
            return Err(format!(
                "already decided go in round {}; roll back (r) before deciding again",
                r.go_round().unwrap_or(0)
            ));
        }
        let decision = DecisionRef {
            kind: DecisionKind::Go,
            release: self.release(),
            round: r.next_round(),
            step: None,
        };
        let gates = gates::evaluate(
            self.state,
            self.cfg,
            self.now,
            &decision,
            &self.operator.name,
        );
        let blocking: Vec<_> = gates.iter().filter(|g| g.blocks()).collect();
        let mut overridden = None;
        if !blocking.is_empty() {
            let list = blocking
                .iter()
                .map(|g| format!("{}: {}", g.gate.name(), g.why))
                .collect::<Vec<_>>()
                .join("; ");
            let Some(emergency) = override_reason.filter(|r| !r.trim().is_empty()) else {
                return Err(format!(
                    "{} hard gate{} fail{}: {list}. To go anyway give an emergency reason, with an \
                     approval from a role that may override",
                    blocking.len(),
                    if blocking.len() == 1 { "" } else { "s" },
                    if blocking.len() == 1 { "s" } else { "" },
                ));
            };
            let approver = r.approvals_for(&decision).find(|a| {
                a.by != self.operator.name && self.cfg.may(&a.role, Permission::Override)
            });
            let Some(approver) = approver else {
                let roles: Vec<&str> = self
                    .cfg
                    .roles
                    .iter()
                    .filter(|(_, p)| p.contains(&Permission::Override))
                    .map(|(r, _)| r.as_str())
                    .collect();
                return Err(format!(
                    "an override of {list} needs an approval of {decision} from a role that may \
                     override ({}); none is recorded",
                    if roles.is_empty() {
                        "none configured".to_string()
                    } else {
                        roles.join(", ")
                    }
                ));
            };
            overridden = Some(GateOverride {
                reason: emergency,
                approver: approver.by.clone(),
                role: approver.role.clone(),
                gates: blocking.iter().map(|g| g.gate).collect(),
            });
        }
        Ok(Event::GoNoGoDecided {
            go: true,
            approvals: counted_approvals(self.state, self.cfg, &decision, &self.operator.name),
            decision,
            reason: if reason.trim().is_empty() {
                "go".to_string()
            } else {
                reason
            },
            gates,
            overridden,
            baseline: Some(self.baseline()),
        })
    }

    /// The stable version's latest signals: what the p99 rule compares the candidate with.
    fn baseline(&self) -> Baseline {
        let stable = Sides::of(self.cfg).stable;
        let latest = |s: Signal| {
            let v = stable.as_deref()?;
            self.state.live.series(s, v)?.latest().copied()
        };
        let p99 = latest(Signal::LatencyP99);
        Baseline {
            version: stable.clone(),
            latency_p99: p99.and_then(|p| p.value),
            latency_p95: latest(Signal::LatencyP95).and_then(|p| p.value),
            error_ratio: latest(Signal::ErrorRatio).and_then(|p| p.value),
            at: p99.map(|p| p.at),
        }
    }

    fn no_go(&self, reason: String) -> Verdict {
        self.may(self.operator, Permission::Decide, "decide go/no-go")?;
        if reason.trim().is_empty() {
            return Err("no-go needs a reason".to_string());
        }
        let r = &self.state.release;
        if matches!(r.phase, Phase::Shifting | Phase::Completed) {
            return Err("the release already went; roll back (r) instead".to_string());
        }
        let decision = DecisionRef {
            kind: DecisionKind::Go,
            release: self.release(),
            round: r.next_round(),
            step: None,
        };
        let gates = gates::evaluate(
            self.state,
            self.cfg,
            self.now,
            &decision,
            &self.operator.name,
        );
        Ok(Event::GoNoGoDecided {
            go: false,
            approvals: Vec::new(),
            decision,
            reason,
            gates,
            overridden: None,
            baseline: None,
        })
    }

    fn approve(&self, a: Approval) -> Verdict {
        if a.approver.name == self.operator.name {
            return Err(format!(
                "nobody approves their own decisions: {} is operating this war room",
                self.operator.name
            ));
        }
        if a.same_os_user && a.declared.is_none() {
            return Err(format!(
                "nobody approves their own decisions: OS user {} is running this war room",
                a.os_user.as_deref().unwrap_or("of this war room")
            ));
        }
        self.may(&a.approver, Permission::Approve, "approve")?;
        if a.declared.is_some() {
            let allowed = self
                .cfg
                .gates
                .approvals
                .as_ref()
                .is_some_and(|r| r.allow_declared);
            if self.production() || !allowed {
                return Err(format!(
                    "declared names are not accepted here ({}); approve as yourself",
                    if self.production() {
                        "production"
                    } else {
                        "[gates.approvals] allow_declared is off"
                    }
                ));
            }
        }
        let r = &self.state.release;
        let decision = match a.decision {
            Some(d) => self.check_target(d)?,
            None => pending_decision(self.state, self.cfg)
                .ok_or_else(|| "nothing is waiting for an approval now".to_string())?,
        };
        if r.approvals_for(&decision).any(|x| x.by == a.approver.name) {
            return Err(format!("{} already approved {decision}", a.approver.name));
        }
        Ok(Event::ApprovalRecorded {
            decision,
            reason: a.reason.filter(|r| !r.trim().is_empty()),
            via: a.via,
            os_user: a.os_user,
            declared: a.declared,
            request: a.request,
        })
    }

    /// An approval names the decision it is for; it must be the one pending of its kind.
    fn check_target(&self, d: DecisionRef) -> Result<DecisionRef, String> {
        let r = &self.state.release;
        let stale = |what: String| {
            format!("the approval is for {d}, but {what}; approvals never carry over")
        };
        if d.release.is_some() && d.release != self.release() {
            return Err(stale(format!(
                "this war room releases {}",
                self.release()
                    .unwrap_or_else(|| "no named version".to_string())
            )));
        }
        match d.kind {
            DecisionKind::Go => {
                let pending = r.next_round();
                if matches!(r.phase, Phase::Shifting | Phase::Completed) || d.round != pending {
                    return Err(stale(match r.go_round() {
                        Some(g) if d.round <= g => format!("round {g} was already decided"),
                        _ => format!("round {pending} is the one pending"),
                    }));
                }
            }
            DecisionKind::Step => {
                let next = plan::next_step(self.state, self.cfg).map(|(i, _)| i);
                if r.phase != Phase::Shifting
                    || Some(d.round) != r.go_round()
                    || d.step.is_none()
                    || d.step != next
                {
                    return Err(stale(match next {
                        Some(i) => format!("step {} is the next one", i + 1),
                        None => "no step is pending".to_string(),
                    }));
                }
            }
            DecisionKind::Rollback => {
                if !matches!(r.phase, Phase::Shifting | Phase::Completed)
                    || Some(d.round) != r.go_round()
                {
                    return Err(stale(
                        "no rollback of that round can be pending".to_string(),
                    ));
                }
            }
        }
        Ok(DecisionRef {
            release: self.release(),
            ..d
        })
    }

    /// Refuses any change while another one is in flight, a rollback runs, or another war room
    /// holds the lock.
    fn can_change(&self, what: &str) -> Result<(), String> {
        if let Some(a) = self.state.release.in_flight() {
            return Err(format!(
                "{} ({}) is still in flight; wait for its outcome",
                a.action.name(),
                a.id
            ));
        }
        self.lock_free(what)
    }

    /// Refuses a change while another war room holds the deployment lock and it has not
    /// expired.
    fn lock_free(&self, what: &str) -> Result<(), String> {
        if let Some(l) = &self.state.release.lease
            && !l.ours
            && let Some(holder) = &l.holder
        {
            let live = l
                .renewed
                .is_none_or(|t| self.now.duration_since(t).as_secs() < i64::from(l.duration_s));
            if live {
                return Err(format!(
                    "cannot {what}: the deployment lock {} is held by {holder}{}",
                    l.name,
                    l.renewed
                        .map(|t| format!(
                            " (renewed {} ago)",
                            timefmt::span(self.now.duration_since(t).as_secs())
                        ))
                        .unwrap_or_default()
                ));
            }
        }
        Ok(())
    }

    fn shifting(&self) -> Result<(), String> {
        match self.state.release.phase {
            Phase::Shifting => Ok(()),
            Phase::Preparing | Phase::NoGo => {
                Err("no go has been decided yet; decide go (g) first".to_string())
            }
            Phase::Completed => Err("the release is complete".to_string()),
            Phase::RolledBack => Err("the release was rolled back; a new go is needed".to_string()),
        }
    }

    fn shift(&self, override_reason: Option<String>) -> Verdict {
        self.may(self.operator, Permission::Shift, "shift traffic")?;
        self.shifting()?;
        let r = &self.state.release;
        if let Some(p) = &r.paused {
            return Err(format!(
                "the shift is paused ({}); resume (p) first",
                p.reason
            ));
        }
        self.can_change("shift traffic")?;
        let over = override_reason.filter(|s| !s.trim().is_empty());
        // The current step must have baked with healthy signals before the next one.
        if let Some((cur, _)) = plan::current_step(self.state, self.cfg) {
            let left = plan::bake_left(self.state, self.cfg, self.now).unwrap_or_default();
            if left.as_secs() > 0 && over.is_none() {
                return Err(format!(
                    "step {} bakes for another {}; wait, or override with a reason",
                    cur + 1,
                    timefmt::span(left.as_secs())
                ));
            }
            let health = plan::candidate_health(self.state, self.cfg);
            if !health.ok() && over.is_none() {
                return Err(format!(
                    "signals are not healthy: {}; no promotion (override with a reason)",
                    health.summary()
                ));
            }
        }
        let Some((i, step)) = plan::next_step(self.state, self.cfg) else {
            let Some((last, s)) = plan::current_step(self.state, self.cfg) else {
                return Err("the plan has no steps ([traffic] steps)".to_string());
            };
            return Ok(Event::ReleaseCompleted {
                step: last,
                weight: s.weight,
            });
        };
        if self.cfg.gates.approvals.as_ref().is_some_and(|a| a.steps) {
            let d = DecisionRef {
                kind: DecisionKind::Step,
                release: self.release(),
                round: r.go_round().unwrap_or(0),
                step: Some(i),
            };
            let need = self.cfg.gates.approvals.as_ref().map_or(0, |a| a.required);
            let have = counted_approvals(self.state, self.cfg, &d, &self.operator.name);
            if (have.len() as u32) < need {
                return Err(format!(
                    "{d} needs {need} approval{}; {} recorded",
                    if need == 1 { "" } else { "s" },
                    have.len()
                ));
            }
        }
        if let Some(cand) = Sides::of(self.cfg).candidate
            && !self.state.live.pods.is_empty()
            && plan::ready_pods(self.state, &cand) == 0
        {
            return Err(format!(
                "{cand} has no ready pods to take {} % of traffic",
                step.weight
            ));
        }
        Ok(Event::ActionRequested {
            id: next_id(self.state),
            action: Action::Shift {
                step: i,
                weight: step.weight,
                from: r.plan.weight,
                strategy: self.cfg.traffic.strategy,
                override_bake: over,
            },
        })
    }

    fn back(&self) -> Verdict {
        self.may(self.operator, Permission::Shift, "shift traffic")?;
        self.shifting()?;
        self.can_change("shift traffic")?;
        let r = &self.state.release;
        let Some(cur) = r.plan.step else {
            return Err("no step has been taken; nothing to step back from".to_string());
        };
        let to = cur.checked_sub(1);
        let weight = to
            .and_then(|t| self.cfg.traffic.steps.get(t))
            .map_or(0, |s| s.weight);
        Ok(Event::ActionRequested {
            id: next_id(self.state),
            action: Action::Back {
                step: to,
                weight,
                from: r.plan.weight,
                strategy: self.cfg.traffic.strategy,
            },
        })
    }

    fn pause(&self, reason: Option<String>) -> Verdict {
        self.may(self.operator, Permission::Pause, "pause the shift")?;
        self.shifting()?;
        if let Some(p) = &self.state.release.paused {
            return Err(format!("already paused ({})", p.reason));
        }
        Ok(Event::ShiftPaused {
            reason: reason
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| format!("paused by {}", self.operator.name)),
            auto: false,
        })
    }

    fn resume(&self, reason: Option<String>) -> Verdict {
        self.may(self.operator, Permission::Pause, "resume the shift")?;
        if self.state.release.paused.is_none() {
            return Err("the shift is not paused".to_string());
        }
        Ok(Event::ShiftResumed {
            reason: reason.filter(|r| !r.trim().is_empty()),
        })
    }

    fn rollback(&self, reason: String, ticket: Option<String>, undo: bool) -> Verdict {
        self.may(self.operator, Permission::Rollback, "roll back")?;
        if reason.trim().is_empty() {
            return Err("a rollback needs a reason".to_string());
        }
        let r = &self.state.release;
        match r.phase {
            Phase::Shifting | Phase::Completed => {}
            Phase::RolledBack => return Err("already rolled back".to_string()),
            Phase::Preparing | Phase::NoGo => {
                return Err("no go was decided: traffic was never shifted".to_string());
            }
        }
        if r.rollback.as_ref().is_some_and(|p| p.traffic_at.is_none()) {
            return Err("a rollback is already under way".to_string());
        }
        // A rollback may jump the queue of a shift that is still waiting for its answer: the
        // executor runs them in order, and getting out must never wait for a key.
        self.lock_free("roll back")?;
        let policy = self
            .cfg
            .gates
            .approvals
            .as_ref()
            .is_some_and(|a| a.rollback);
        if policy && self.production() {
            let d = DecisionRef {
                kind: DecisionKind::Rollback,
                release: self.release(),
                round: r.go_round().unwrap_or(0),
                step: None,
            };
            if counted_approvals(self.state, self.cfg, &d, &self.operator.name).is_empty() {
                return Err(format!(
                    "a manual production rollback needs a second person's approval of {d} \
                     (warroom approve SESSION --for rollback)"
                ));
            }
        }
        Ok(Event::ActionRequested {
            id: next_id(self.state),
            action: Action::Rollback {
                reason,
                ticket: ticket.filter(|t| !t.trim().is_empty()),
                undo,
                from: r.plan.weight,
                strategy: self.cfg.traffic.strategy,
                auto: None,
            },
        })
    }

    fn arm(&self, armed: bool, reason: Option<String>) -> Verdict {
        self.may(
            self.operator,
            Permission::Rollback,
            "arm or disarm auto-rollback",
        )?;
        let reason = reason.filter(|r| !r.trim().is_empty());
        if self.state.release.auto.armed == armed {
            return Err(format!(
                "auto-rollback is already {}",
                if armed { "armed" } else { "disarmed" }
            ));
        }
        if !armed && self.production() && reason.is_none() {
            return Err("disarming auto-rollback in production needs a reason".to_string());
        }
        Ok(Event::AutoRollbackArmed { armed, reason })
    }
}

/// The id of the next action an operator asks for (automatic ones are named after the line
/// that triggered them, so the two never collide).
pub fn next_id(state: &State) -> String {
    format!("a{}", state.release.order.len() + 1)
}

#[cfg(test)]
mod tests;
