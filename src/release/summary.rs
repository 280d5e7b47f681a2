//! One-line descriptions of decision and action events, for the events pane and reports.

use crate::event::{Action, Event, GateStatus, Outcome};

/// A one-line description of a release event ("" for events of other kinds).
pub fn summarize(event: &Event) -> String {
    match event {
        Event::GateObserved { result } => format!(
            "gate {}: {} ({})",
            result.gate.name(),
            status(result.status),
            result.why
        ),
        Event::GoNoGoDecided {
            go,
            decision,
            reason,
            gates,
            overridden,
            ..
        } => {
            let failing = gates.iter().filter(|g| g.blocks()).count();
            let mut s = format!(
                "{} for {decision}: {reason}",
                if *go { "GO" } else { "NO-GO" }
            );
            if let Some(o) = overridden {
                s.push_str(&format!(
                    " (override of {} gate{} approved by {}: {})",
                    o.gates.len(),
                    if o.gates.len() == 1 { "" } else { "s" },
                    o.approver,
                    o.reason
                ));
            } else if failing > 0 {
                s.push_str(&format!(" ({failing} hard gates failing)"));
            }
            s
        }
        Event::ApprovalRecorded {
            decision,
            reason,
            declared,
            os_user,
            ..
        } => {
            let mut s = format!("approved {decision}");
            if let Some(r) = reason {
                s.push_str(&format!(": {r}"));
            }
            if let (Some(d), Some(u)) = (declared, os_user) {
                s.push_str(&format!(" (declared as {d} by OS user {u})"));
            }
            s
        }
        Event::ActionRefused { action, reason, .. } => format!("{action} refused: {reason}"),
        Event::ActionRequested { id, action } => format!("{id}: {}", describe(action)),
        Event::ActionOutcome {
            id,
            outcome,
            detail,
            ..
        } => format!("{id} {}: {detail}", outcome_word(*outcome)),
        Event::ShiftPaused { reason, auto } => format!(
            "shift paused{}: {reason}",
            if *auto { " by the war room" } else { "" }
        ),
        Event::ShiftResumed { reason } => match reason {
            Some(r) => format!("shift resumed: {r}"),
            None => "shift resumed".to_string(),
        },
        Event::AutoRollbackArmed { armed, reason } => format!(
            "auto-rollback {}{}",
            if *armed { "armed" } else { "DISARMED" },
            reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ),
        Event::RollbackRecommended { why } => format!("rollback recommended: {}", why.summary),
        Event::RollbackVerified { id, ok, checks } => {
            let failed: Vec<&str> = checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| c.name.as_str())
                .collect();
            if *ok {
                format!("{id} verified: traffic on stable, health and errors recovered")
            } else {
                format!("{id} NOT verified ({}): escalate", failed.join(", "))
            }
        }
        Event::DriftObserved { drift } => format!(
            "drift on {}: changed outside this war room{}",
            drift.object,
            drift
                .manager
                .as_deref()
                .map(|m| format!(" by {m}"))
                .unwrap_or_default()
        ),
        Event::LeaseObserved { lease } => match (&lease.holder, lease.ours) {
            (Some(_), true) => format!("lock {} held by this war room", lease.name),
            (Some(h), false) => format!("lock {} held by {h}", lease.name),
            (None, _) => format!("lock {} free", lease.name),
        },
        Event::ReleaseCompleted { step, weight } => {
            format!("release complete: step {} ({weight} %) held", step + 1)
        }
        Event::MarkerAdded { note } => format!("marker: {note}"),
        _ => String::new(),
    }
}

/// What an action does, in words ("send 25 % of traffic to the candidate").
pub fn describe(action: &Action) -> String {
    match action {
        Action::Shift {
            step, weight, from, ..
        } => format!("step {}: candidate {from} % → {weight} %", step + 1),
        Action::Back { weight, from, .. } => {
            format!("step back: candidate {from} % → {weight} %, then hold")
        }
        Action::Rollback {
            reason,
            from,
            undo,
            ticket,
            auto,
            ..
        } => format!(
            "{}rollback: candidate {from} % → 0 % at once{}{}: {reason}",
            if auto.is_some() { "AUTO-" } else { "" },
            if *undo { ", then rollout undo" } else { "" },
            ticket
                .as_deref()
                .map(|t| format!(" [{t}]"))
                .unwrap_or_default()
        ),
        Action::Undo { workload, .. } => format!("rollout undo of deployment/{workload}"),
    }
}

/// An outcome as a word.
pub fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Applied => "applied",
        Outcome::Skipped => "skipped",
        Outcome::Refused => "refused",
        Outcome::Conflict => "conflict",
        Outcome::Failed => "failed",
        Outcome::Unknown => "outcome unknown",
    }
}

/// A gate status as a word.
pub fn status(s: GateStatus) -> &'static str {
    match s {
        GateStatus::Pass => "pass",
        GateStatus::Fail => "FAIL",
        GateStatus::Unknown => "unknown",
        GateStatus::NotConfigured => "not configured",
    }
}
