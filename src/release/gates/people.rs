//! Gates people clear: the required checklist items before T-0, and the approvals for this
//! decision (from approver roles, distinct people, never the decider's own, never carried
//! over from another decision).

use serde_json::json;

use super::{Eval, not_configured};
use crate::config::warroom::{Permission, WarroomConfig};
use crate::event::{DecisionRef, GateStatus};
use crate::state::State;

/// How many open items a why line names before it says "and N more".
const NAMED: usize = 2;

/// Required items of the stages before T-0 are ticked. A T-0 stage holds the day's own work
/// (the go itself, the shift, the first checks after it), so it cannot be required before go;
/// untimed stages (the rollback procedure) are never required.
pub fn checklist(state: &State) -> Eval {
    let mut open = Vec::new();
    let mut total = 0usize;
    for stage in &state.runbook.stages {
        if stage.offset.is_none_or(|o| o.seconds >= 0) {
            continue;
        }
        for item in stage.items.iter().filter(|i| i.required) {
            total += 1;
            if !state.is_done(&stage.id, &item.id) {
                open.push(format!("{}/{}", stage.id, item.id));
            }
        }
    }
    let evidence = json!({ "required": total, "open": open });
    if total == 0 {
        return (
            GateStatus::Pass,
            "no required items before T-0".to_string(),
            evidence,
        );
    }
    if open.is_empty() {
        return (
            GateStatus::Pass,
            format!("all {total} required items before T-0 done"),
            evidence,
        );
    }
    let mut named = open
        .iter()
        .take(NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if open.len() > NAMED {
        named.push_str(&format!(" and {} more", open.len() - NAMED));
    }
    (
        GateStatus::Fail,
        format!(
            "{} of {total} required items before T-0 open: {named}",
            open.len()
        ),
        evidence,
    )
}

/// The roles whose approval counts: `[gates.approvals] roles`, else every role that may
/// approve.
fn approver_roles(cfg: &WarroomConfig) -> Vec<String> {
    match cfg.gates.approvals.as_ref().map(|a| &a.roles) {
        Some(r) if !r.is_empty() => r.clone(),
        _ => cfg
            .roles
            .iter()
            .filter(|(_, p)| p.contains(&Permission::Approve))
            .map(|(r, _)| r.clone())
            .collect(),
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
    let roles = approver_roles(cfg);
    let mut names: Vec<String> = Vec::new();
    for a in state.release.approvals_for(decision) {
        if roles.contains(&a.role) && a.by != decider && !names.contains(&a.by) {
            names.push(a.by.clone());
        }
    }
    names
}

/// `[gates] approvals` holds for `decision`.
pub fn approvals(
    state: &State,
    cfg: &WarroomConfig,
    decision: &DecisionRef,
    decider: &str,
) -> Eval {
    let Some(rule) = cfg.gates.approvals.as_ref() else {
        return not_configured("no approvals required ([gates] has no approvals)");
    };
    let names = counted_approvals(state, cfg, decision, decider);
    let have = u32::try_from(names.len()).unwrap_or(u32::MAX);
    let roles = approver_roles(cfg);
    // Approvals recorded for this decision that do not count, and why (the screen says so
    // rather than leaving an approver wondering).
    let ignored: Vec<String> = state
        .release
        .approvals_for(decision)
        .filter(|a| !names.contains(&a.by))
        .map(|a| {
            if a.by == decider {
                format!("{} (their own decision)", a.by)
            } else {
                format!("{} (role {} does not approve)", a.by, a.role)
            }
        })
        .collect();
    let evidence = json!({
        "required": rule.required,
        "approvers": names,
        "roles": roles,
        "ignored": ignored,
        "for": decision.to_string(),
    });
    if have >= rule.required {
        return (
            GateStatus::Pass,
            format!(
                "{have} of {} approvals: {}",
                rule.required,
                names.join(", ")
            ),
            evidence,
        );
    }
    let mut why = format!(
        "{have} of {} approvals for {decision}; from {}",
        rule.required,
        if roles.is_empty() {
            "no role (none may approve)".to_string()
        } else {
            roles.join(" or ")
        }
    );
    if !names.is_empty() {
        why.push_str(&format!("; have {}", names.join(", ")));
    }
    if !ignored.is_empty() {
        why.push_str(&format!("; not counted: {}", ignored.join(", ")));
    }
    (GateStatus::Fail, why, evidence)
}
