//! Turning recorded facts into report records: an auto-rollback rule with every measurement
//! against its threshold, a go/no-go decision with its gates and approvals, and lines of event
//! types this version does not know (status updates, head signatures), read field by field.

use super::model::{
    Approval, Baseline, Comm, Gate, GoDecision, Measured, Override, Person, Rule, Signer,
};
use super::reader::UnknownLine;
use super::time::iso;
use crate::event::{ApprovalVia, AutoTrigger, Envelope, Event};
use crate::release::summary::status;
use crate::state::State;

/// An auto-rollback rule's evaluation as the report shows it.
pub fn rule(t: &AutoTrigger) -> Rule {
    Rule {
        rule: t.rule.clone(),
        summary: t.summary.clone(),
        window_s: t.window_s,
        breaches: t.breaches,
        samples: t.samples,
        unknown_samples: t.unknown_samples,
        on_unknown: t.on_unknown.clone(),
        measurements: t
            .measurements
            .iter()
            .map(|m| Measured {
                signal: m.signal.clone(),
                version: m.version.clone(),
                value: m.value,
                threshold: m.threshold,
                over: m.value.zip(m.threshold).map(|(v, l)| v > l),
                unknown: m.unknown.clone(),
                at: Some(iso(m.at)),
            })
            .collect(),
    }
}

/// A go/no-go decision with the approvals recorded for it and the required checklist items
/// open at that moment (the state is the one right after the decision was applied). None for
/// any other event.
pub fn decision(state: &State, env: &Envelope) -> Option<GoDecision> {
    let Event::GoNoGoDecided {
        go,
        decision,
        reason,
        gates,
        approvals,
        overridden,
        baseline,
    } = &env.event
    else {
        return None;
    };
    Some(GoDecision {
        round: decision.round,
        go: *go,
        at: iso(env.at),
        by: Person {
            name: env.actor.name.clone(),
            role: env.actor.role.clone(),
        },
        reason: reason.clone(),
        release: decision.release.clone(),
        gates: gates
            .iter()
            .map(|g| Gate {
                gate: g.gate.name().to_string(),
                label: g.gate.label().to_string(),
                status: gate_status(g.status),
                hard: g.hard,
                blocks: g.blocks(),
                why: g.why.clone(),
                evidence: g.evidence.clone(),
            })
            .collect(),
        approvals: state
            .release
            .approvals_for(decision)
            .map(|a| Approval {
                by: Person {
                    name: a.by.clone(),
                    role: a.role.clone(),
                },
                at: iso(a.at),
                via: match a.via {
                    ApprovalVia::Socket => "socket",
                    ApprovalVia::Cluster => "cluster",
                    ApprovalVia::Local => "local",
                }
                .to_string(),
                reason: a.reason.clone(),
                os_user: a.os_user.clone(),
                declared: a.declared.clone(),
                counted: approvals.contains(&a.by),
            })
            .collect(),
        overridden: overridden.as_ref().map(|o| Override {
            reason: o.reason.clone(),
            approver: o.approver.clone(),
            role: o.role.clone(),
            gates: o.gates.iter().map(|g| g.name().to_string()).collect(),
        }),
        baseline: baseline.as_ref().map(|b| Baseline {
            version: b.version.clone(),
            latency_p99: b.latency_p99,
            latency_p95: b.latency_p95,
            error_ratio: b.error_ratio,
        }),
        open_required_items: open_required(state),
    })
}

/// Required items not ticked in `state`, as `stage/item`.
pub fn open_required(state: &State) -> Vec<String> {
    state
        .runbook
        .stages
        .iter()
        .flat_map(|s| s.items.iter().map(move |i| (s, i)))
        .filter(|(s, i)| i.required && !state.is_ticked(&s.id, &i.id))
        .map(|(s, i)| format!("{}/{}", s.id, i.id))
        .collect()
}

/// The wire name of a gate status.
pub fn gate_status(s: crate::event::GateStatus) -> String {
    match s {
        crate::event::GateStatus::NotConfigured => "not-configured".to_string(),
        other => status(other).to_lowercase(),
    }
}

/// A status update of a type this version does not know: the fields that usually say what
/// was sent, in a line; everything as recorded in `fields`.
pub fn comm(u: &UnknownLine, actor: Person) -> Comm {
    let field = |names: &[&str]| {
        names.iter().find_map(|n| {
            u.event
                .get(*n)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
    };
    let what = field(&["kind", "stage", "template", "update"]);
    let text = field(&["text", "message", "body", "summary", "title"]);
    let to = field(&["channel", "to", "target", "webhook"]);
    let mut summary = String::new();
    if let Some(w) = what {
        summary.push_str(&format!("{w} update"));
    } else {
        summary.push_str(&u.kind);
    }
    if let Some(t) = to {
        summary.push_str(&format!(" to {t}"));
    }
    if let Some(t) = text {
        let first = t.lines().next().unwrap_or("");
        let cut: String = first.chars().take(200).collect();
        summary.push_str(&format!(": {cut}"));
    }
    Comm {
        seq: u.seq,
        at: u.at.map(iso),
        actor,
        kind: u.kind.clone(),
        summary,
        fields: u.event.clone(),
    }
}

/// A head signature record: its fields at the top of the event or in one nested object.
pub fn signer(u: &UnknownLine) -> Signer {
    let holder = if u.event.get("fingerprint").is_some() {
        Some(&u.event)
    } else {
        u.event
            .as_object()
            .and_then(|o| o.values().find(|v| v.get("fingerprint").is_some()))
    };
    let text = |k: &str| {
        holder
            .and_then(|h| h.get(k))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    Signer {
        seq: u.seq,
        at: u.at.map(iso),
        signed_seq: holder.and_then(|h| h.get("seq")).and_then(|v| v.as_u64()),
        principal: text("principal"),
        fingerprint: text("fingerprint"),
        key_type: text("key_type"),
    }
}
