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
}

/// The id of the next action an operator asks for (automatic ones are named after the line
/// that triggered them, so the two never collide).
pub fn next_id(state: &State) -> String {
    format!("a{}", state.release.order.len() + 1)
}

mod traffic;

#[cfg(test)]
mod tests;
