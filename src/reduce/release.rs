//! Applying decision and action events to `state.release`, and the effects they ask for: an
//! action's intent starts its executor; a rollback whose traffic change is read back asks for
//! the `rollout undo` that was requested with it.

use crate::effect::{ActionSpec, Effect};
use crate::event::{Action, Envelope, Event, Outcome};
use crate::state::State;
use crate::state::release::{
    ActionRecord, ApprovalRecord, DecisionRecord, Marker, Pause, Phase, Refused, RollbackProgress,
};

/// How many refused attempts the state keeps (the log keeps them all).
pub const REFUSALS_KEPT: usize = 200;

/// Whether the event belongs to this part of the state.
pub fn applies(event: &Event) -> bool {
    matches!(
        event,
        Event::GateObserved { .. }
            | Event::GoNoGoDecided { .. }
            | Event::ApprovalRecorded { .. }
            | Event::ActionRefused { .. }
            | Event::ActionRequested { .. }
            | Event::ActionOutcome { .. }
            | Event::ShiftPaused { .. }
            | Event::ShiftResumed { .. }
            | Event::AutoRollbackArmed { .. }
            | Event::RollbackRecommended { .. }
            | Event::RollbackVerified { .. }
            | Event::DriftObserved { .. }
            | Event::LeaseObserved { .. }
            | Event::ReleaseCompleted { .. }
            | Event::MarkerAdded { .. }
    )
}

/// Applies one release event.
pub fn apply(state: &mut State, env: &Envelope, effects: &mut Vec<Effect>) {
    let at = env.at;
    let by = env.actor.name.clone();
    let r = &mut state.release;
    match &env.event {
        Event::GateObserved { result } => {
            r.observed_gates.insert(result.gate, (result.clone(), at));
        }
        Event::GoNoGoDecided {
            go,
            decision,
            reason,
            gates,
            overridden,
            baseline,
            ..
        } => {
            r.decisions.push(DecisionRecord {
                go: *go,
                decision: decision.clone(),
                by,
                role: env.actor.role.clone(),
                at,
                reason: reason.clone(),
                gates: gates.clone(),
                overridden: overridden.clone(),
                seq: env.seq,
            });
            if *go {
                r.phase = Phase::Shifting;
                r.baseline.clone_from(baseline);
                r.paused = None;
                r.rollback = None;
                r.drift = None;
                r.auto.fired = None;
                r.auto.recommended = None;
                r.auto.pending = false;
                r.auto.armed = state.config.as_ref().is_none_or(|c| c.auto_rollback.armed);
                r.plan = Default::default();
                r.restarts_at_go = state
                    .live
                    .pods
                    .values()
                    .map(|p| (p.name.clone(), p.restarts))
                    .collect();
            } else {
                r.phase = Phase::NoGo;
            }
        }
        Event::ApprovalRecorded {
            decision,
            reason,
            via,
            os_user,
            declared,
            ..
        } => r.approvals.push(ApprovalRecord {
            by,
            role: env.actor.role.clone(),
            os_user: os_user.clone(),
            declared: declared.clone(),
            decision: decision.clone(),
            reason: reason.clone(),
            via: *via,
            at,
            seq: env.seq,
        }),
        Event::ActionRefused { action, reason, .. } => {
            if r.refusals.len() == REFUSALS_KEPT {
                r.refusals.remove(0);
            }
            r.refusals.push(Refused {
                by,
                action: action.clone(),
                reason: reason.clone(),
                at,
            });
        }
        Event::ActionRequested { id, action } => {
            r.actions.insert(
                id.clone(),
                ActionRecord {
                    id: id.clone(),
                    action: action.clone(),
                    by,
                    requested_at: at,
                    outcome: None,
                    detail: String::new(),
                    finished_at: None,
                    before: None,
                    after: None,
                    changed_by: None,
                    unknowns: 0,
                },
            );
            r.order.push(id.clone());
            if let Action::Rollback { auto, .. } = action {
                r.rollback = Some(RollbackProgress {
                    id: id.clone(),
                    requested_at: at,
                    traffic_at: None,
                    verified: None,
                    verifying: false,
                });
                if let Some(t) = auto {
                    r.auto.fired = Some((**t).clone());
                }
                r.auto.pending = false;
            }
            if let Some(cfg) = state.config.clone() {
                effects.push(Effect::Execute(Box::new(ActionSpec {
                    id: id.clone(),
                    action: action.clone(),
                    session: env.session.clone(),
                    seq: env.seq,
                    operator: env.actor.name.clone(),
                    config: cfg,
                })));
            }
        }
        Event::ActionOutcome {
            id,
            outcome,
            detail,
            before,
            after,
            changed_by,
            ..
        } => outcome_applied(
            state, env, id, *outcome, detail, before, after, changed_by, effects,
        ),
        Event::ShiftPaused { reason, auto } => {
            r.paused = Some(Pause {
                reason: reason.clone(),
                auto: *auto,
                since: at,
            });
            if *auto {
                r.auto.pending = false;
            }
        }
        Event::ShiftResumed { .. } => r.paused = None,
        Event::AutoRollbackArmed { armed, .. } => r.auto.armed = *armed,
        Event::RollbackRecommended { why } => {
            r.auto.recommended = Some(why.clone());
            r.auto.pending = false;
        }
        Event::RollbackVerified { id, ok, checks } => {
            if let Some(p) = r.rollback.as_mut().filter(|p| &p.id == id) {
                p.verified = Some((*ok, checks.clone()));
                p.verifying = false;
            }
        }
        Event::DriftObserved { drift } => {
            r.drift = Some(drift.clone());
            r.drift_pending = false;
        }
        Event::LeaseObserved { lease } => r.lease = Some(lease.clone()),
        Event::ReleaseCompleted { .. } => {
            r.phase = Phase::Completed;
            r.auto.armed = false;
        }
        Event::MarkerAdded { note } => r.markers.push(Marker {
            at,
            by,
            note: note.clone(),
            seq: env.seq,
        }),
        _ => {}
    }
}

#[allow(clippy::too_many_arguments)]
fn outcome_applied(
    state: &mut State,
    env: &Envelope,
    id: &str,
    outcome: Outcome,
    detail: &str,
    before: &Option<crate::event::TrafficRow>,
    after: &Option<crate::event::TrafficRow>,
    changed_by: &Option<String>,
    effects: &mut Vec<Effect>,
) {
    let at = env.at;
    let r = &mut state.release;
    let Some(rec) = r.actions.get_mut(id) else {
        return;
    };
    let was_applied = rec.outcome == Some(Outcome::Applied);
    if outcome == Outcome::Unknown {
        rec.unknowns += 1;
    }
    rec.outcome = Some(outcome);
    rec.detail = detail.to_string();
    rec.finished_at = Some(at);
    if before.is_some() {
        rec.before.clone_from(before);
    }
    if after.is_some() {
        rec.after.clone_from(after);
    }
    rec.changed_by.clone_from(changed_by);
    if outcome != Outcome::Applied || was_applied {
        if outcome == Outcome::Refused
            && let Action::Rollback { .. } = rec.action
            && let Some(p) = r.rollback.as_ref().filter(|p| p.id == id)
            && p.traffic_at.is_none()
        {
            // A rollback that could not be sent leaves the release where it was; the screen
            // says why and the operator can try again.
            r.rollback = None;
        }
        return;
    }
    let action = rec.action.clone();
    match &action {
        Action::Shift { step, weight, .. } => {
            if r.plan.started.is_none() && *weight > 0 {
                r.plan.started = Some(at);
            }
            r.plan.step = Some(*step);
            r.plan.weight = *weight;
            r.plan.since = Some(at);
            r.plan.expected.clone_from(after);
            r.drift = None;
        }
        Action::Back { step, weight, .. } => {
            r.plan.step = *step;
            r.plan.weight = *weight;
            r.plan.since = Some(at);
            r.plan.expected.clone_from(after);
            r.drift = None;
            r.paused = Some(Pause {
                reason: format!("held at {weight} % after stepping back"),
                auto: false,
                since: at,
            });
        }
        Action::Rollback { undo, .. } => {
            r.phase = Phase::RolledBack;
            r.plan.step = None;
            r.plan.weight = 0;
            r.plan.since = Some(at);
            r.plan.expected.clone_from(after);
            r.paused = None;
            r.drift = None;
            if let Some(p) = r.rollback.as_mut().filter(|p| p.id == id) {
                p.traffic_at = Some(at);
            }
            let candidate = state
                .config
                .as_ref()
                .and_then(|c| c.kubernetes.as_ref())
                .and_then(|k| k.candidate.as_ref())
                .map(|w| w.name.clone());
            if *undo && let Some(workload) = candidate {
                effects.push(Effect::Record(Box::new(Event::ActionRequested {
                    id: format!("{id}-undo"),
                    action: Action::Undo {
                        workload,
                        after: id.to_string(),
                    },
                })));
            }
        }
        Action::Undo { .. } => {}
    }
}
