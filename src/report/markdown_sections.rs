//! The Markdown report's later sections: resolution, gate evidence, checklist sign-off,
//! comms, outages and verification.

use std::fmt::Write;

use super::markdown::{cell, opt};
use super::model::{Report, Trigger};
use super::time::{clock, dur};
use super::words::{person, value};

pub(super) fn resolution(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Resolution\n");
    if r.resolution.is_empty() {
        let _ = writeln!(o, "No rollback was requested.\n");
        return;
    }
    for x in &r.resolution {
        let _ = writeln!(
            o,
            "### `{}`: {} rollback by {}\n",
            x.id,
            match x.trigger {
                Trigger::Auto => "automatic",
                Trigger::Manual => "manual",
            },
            person(&x.by)
        );
        let _ = writeln!(o, "- reason: {}", x.reason);
        let _ = writeln!(o, "- incident ticket: {}", opt(&x.ticket));
        let _ = writeln!(o, "- candidate share before: {} %", x.from_weight);
        let _ = writeln!(
            o,
            "- outcome: {} at {} — {}",
            x.outcome.as_deref().unwrap_or("none recorded"),
            opt(&x.finished_at),
            x.detail
        );
        if x.traffic_before.is_some() || x.traffic_after.is_some() {
            let _ = writeln!(
                o,
                "- traffic: {} → {}",
                opt(&x.traffic_before),
                opt(&x.traffic_after)
            );
        }
        if let Some(u) = &x.undo {
            let _ = writeln!(
                o,
                "- rollout undo `{}`: {} — {}",
                u.id,
                u.outcome.as_deref().unwrap_or("no outcome recorded"),
                u.detail
            );
        }
        match x.verified {
            Some(ok) => {
                let _ = writeln!(
                    o,
                    "- verification at {}: **{}**\n\n| check | held | what was seen |\n|---|---|---|",
                    opt(&x.verified_at),
                    if ok { "passed" } else { "FAILED — escalate" }
                );
                for c in &x.checks {
                    let _ = writeln!(
                        o,
                        "| {} | {} | {} |",
                        c.name,
                        if c.ok { "yes" } else { "no" },
                        cell(&c.detail)
                    );
                }
            }
            None => {
                let _ = writeln!(o, "- verification: not recorded");
            }
        }
        o.push('\n');
    }
}

pub(super) fn gates(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Gate evidence at go time\n");
    if r.gates.is_empty() {
        let _ = writeln!(o, "No go/no-go decision was taken.\n");
        return;
    }
    for d in &r.gates {
        let _ = writeln!(
            o,
            "### Round {}: {} at {} by {}\n\nReason: {}\n",
            d.round,
            if d.go { "GO" } else { "NO-GO" },
            d.at,
            person(&d.by),
            d.reason
        );
        let _ = writeln!(
            o,
            "| gate | status | hard | blocks | why | evidence |\n|---|---|---|---|---|---|"
        );
        for g in &d.gates {
            let ev = if g.evidence.is_null() {
                "—".to_string()
            } else {
                let s = g.evidence.to_string();
                if s.chars().count() > 160 {
                    format!("{}…", s.chars().take(160).collect::<String>())
                } else {
                    s
                }
            };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                g.gate,
                g.status,
                if g.hard { "hard" } else { "advisory" },
                if g.blocks { "**yes**" } else { "no" },
                cell(&g.why),
                if g.evidence.is_null() {
                    ev
                } else {
                    format!("`{}`", cell(&ev).replace('`', "'"))
                }
            );
        }
        o.push('\n');
        for a in &d.approvals {
            let _ = writeln!(
                o,
                "- approval by {} at {} via {}{}{}",
                person(&a.by),
                a.at,
                a.via,
                a.reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default(),
                if a.counted { "" } else { " (not counted)" }
            );
        }
        if let Some(ov) = &d.overridden {
            let _ = writeln!(
                o,
                "- **override** of {} approved by {} ({}): {}",
                ov.gates.join(", "),
                ov.approver,
                ov.role,
                ov.reason
            );
        }
        if let Some(b) = &d.baseline {
            let f = |v: Option<f64>, s: &str| v.map_or("unknown".to_string(), |v| value(s, v));
            let _ = writeln!(
                o,
                "- baseline ({}): error ratio {}, p95 {}, p99 {}",
                b.version.as_deref().unwrap_or("stable"),
                f(b.error_ratio, "error_ratio"),
                f(b.latency_p95, "latency_p95"),
                f(b.latency_p99, "latency_p99")
            );
        }
        if !d.open_required_items.is_empty() {
            let _ = writeln!(
                o,
                "- required checklist items open: {}",
                d.open_required_items.join(", ")
            );
        }
        o.push('\n');
    }
}

pub(super) fn checklist(o: &mut String, r: &Report) {
    let c = &r.checklist;
    let _ = writeln!(o, "## Checklist sign-off\n");
    let _ = writeln!(o, "{} of {} items ticked.", c.ticked, c.total);
    let _ = writeln!(
        o,
        "Required items open at the end: {}.",
        if c.required_open.is_empty() {
            "none".to_string()
        } else {
            c.required_open.join(", ")
        }
    );
    let _ = writeln!(
        o,
        "Required items skipped at go: {}.\n",
        if c.skipped_at_go.is_empty() {
            "none".to_string()
        } else {
            c.skipped_at_go.join(", ")
        }
    );
    if c.items.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "| stage | item | required | ticked by | when | history | notes |\n|---|---|---|---|---|---|---|"
    );
    for i in &c.items {
        let history: Vec<String> = i
            .history
            .iter()
            .map(|t| format!("{} by {} at {}", t.action, t.by.name, clock(&t.at)))
            .collect();
        let notes: Vec<String> = i
            .notes
            .iter()
            .map(|n| format!("{} ({}): {}", n.by.name, clock(&n.at), n.text))
            .collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&i.stage),
            cell(&i.text),
            if i.required { "yes" } else { "no" },
            i.ticked
                .as_ref()
                .map_or("**open**".to_string(), |t| cell(&person(&t.by))),
            i.ticked.as_ref().map_or(String::new(), |t| t.at.clone()),
            cell(&history.join("; ")),
            cell(&notes.join("; "))
        );
    }
    o.push('\n');
}

pub(super) fn comms(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Comms sent\n");
    if r.comms.is_empty() {
        let _ = writeln!(o, "None recorded.\n");
        return;
    }
    for c in &r.comms {
        let _ = writeln!(
            o,
            "- **{}** {} `{}`: {}",
            opt(&c.at),
            person(&c.actor),
            c.kind,
            c.summary
        );
    }
    o.push('\n');
}

pub(super) fn outages(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Source outages\n");
    if r.outages.is_empty() {
        let _ = writeln!(o, "No source failed.\n");
        return;
    }
    let _ = writeln!(
        o,
        "| source | from | to | duration | failed attempts | last error |\n|---|---|---|---|---|---|"
    );
    for x in &r.outages {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&x.source),
            x.from,
            x.to.as_deref().unwrap_or("still failing at the end"),
            dur(x.duration_s),
            x.attempts,
            cell(&x.last_error)
        );
    }
    o.push('\n');
}

pub(super) fn verification(o: &mut String, r: &Report) {
    let v = &r.verification;
    let _ = writeln!(o, "## Verification\n");
    if v.intact {
        let _ = writeln!(
            o,
            "- hash chain: **intact**, {} lines, head `{}`",
            v.lines,
            opt(&v.final_hash)
        );
    } else {
        let _ = writeln!(
            o,
            "- hash chain: **DAMAGED at line {}**: {}\n- {} lines verified before it (head `{}`); {} lines after it are shown unverified",
            v.first_bad_line.unwrap_or(0),
            v.damage.as_deref().unwrap_or(""),
            v.lines,
            opt(&v.final_hash),
            v.unverified_lines
        );
    }
    if v.unreadable_lines > 0 {
        let _ = writeln!(
            o,
            "- {} lines are not session-log lines",
            v.unreadable_lines
        );
    }
    if let Some(t) = &v.torn_tail {
        let _ = writeln!(
            o,
            "- torn final line {} ({} bytes): a crash mid-write; every line before it stands",
            t.line, t.bytes
        );
    }
    let _ = writeln!(
        o,
        "- close: {}",
        match (v.clean_close, &v.end_reason) {
            (true, Some(reason)) => format!("closed cleanly ({reason})"),
            (true, None) => "closed cleanly".to_string(),
            (false, _) => "ended without a clean close (crash or truncation)".to_string(),
        }
    );
    if v.resumed > 0 {
        let _ = writeln!(o, "- resumed {} time(s)", v.resumed);
    }
    if v.signed {
        let _ = writeln!(
            o,
            "- signed heads (claimed; check with `warroom verify --allowed-signers FILE`):"
        );
        for s in &v.signers {
            let _ = writeln!(
                o,
                "  - line {}: head of line {} signed by {} with {} key {}",
                s.seq,
                s.signed_seq.map_or("?".to_string(), |n| n.to_string()),
                s.principal.as_deref().unwrap_or("an unnamed principal"),
                s.key_type.as_deref().unwrap_or("a"),
                s.fingerprint.as_deref().unwrap_or("(no fingerprint)")
            );
        }
    } else {
        let _ = writeln!(o, "- signatures: unsigned (no head signature recorded)");
    }
    for u in &v.unknown_events {
        let _ = writeln!(
            o,
            "- {} line(s) of event type `{}`, which this version does not know",
            u.count, u.kind
        );
    }
}
