//! The HTML report's later sections: resolution, gate evidence, checklist sign-off, comms,
//! outages and verification.

use std::fmt::Write;

use super::html::{opt, table};
use super::model::Report;
use super::svg::esc;
use super::time::{clock, dur};
use super::words::person;

pub(super) fn resolution(o: &mut String, r: &Report) {
    o.push_str("<h2 id=\"resolution\">Resolution</h2>");
    if r.resolution.is_empty() {
        o.push_str("<p>No rollback was requested.</p>");
    }
    for x in &r.resolution {
        let _ = write!(
            o,
            "<h3><code>{}</code> by {}</h3><ul><li>reason: {}</li><li>incident ticket: {}</li>\
             <li>outcome: {} — {}</li><li>traffic: {} → {}</li>",
            esc(&x.id),
            esc(&person(&x.by)),
            esc(&x.reason),
            opt(&x.ticket),
            opt(&x.outcome),
            esc(&x.detail),
            opt(&x.traffic_before),
            opt(&x.traffic_after)
        );
        if let Some(u) = &x.undo {
            let _ = write!(
                o,
                "<li>rollout undo <code>{}</code>: {} — {}</li>",
                esc(&u.id),
                opt(&u.outcome),
                esc(&u.detail)
            );
        }
        let _ = write!(
            o,
            "<li>verification: {}</li></ul>",
            match x.verified {
                Some(true) => "<span class=\"ok\">passed</span>",
                Some(false) => "<span class=\"bad\">FAILED — escalate</span>",
                None => "not recorded",
            }
        );
        let rows = x
            .checks
            .iter()
            .map(|c| {
                vec![
                    esc(&c.name),
                    if c.ok {
                        "yes"
                    } else {
                        "<b class=\"bad\">no</b>"
                    }
                    .to_string(),
                    esc(&c.detail),
                ]
            })
            .collect();
        table(o, "checks", &["check", "held", "what was seen"], rows);
    }
}

pub(super) fn gates(o: &mut String, r: &Report) {
    o.push_str("<h2 id=\"gates\">Gate evidence at go time</h2>");
    if r.gates.is_empty() {
        o.push_str("<p>No go/no-go decision was taken.</p>");
    }
    for d in &r.gates {
        let _ = write!(
            o,
            "<h3>Round {}: {} at {} by {}</h3><p>Reason: {}</p>",
            d.round,
            if d.go { "GO" } else { "NO-GO" },
            esc(&d.at),
            esc(&person(&d.by)),
            esc(&d.reason)
        );
        let rows = d
            .gates
            .iter()
            .map(|g| {
                vec![
                    esc(&g.gate),
                    esc(&g.status),
                    if g.hard { "hard" } else { "advisory" }.to_string(),
                    if g.blocks {
                        "<b class=\"bad\">yes</b>"
                    } else {
                        "no"
                    }
                    .to_string(),
                    esc(&g.why),
                    if g.evidence.is_null() {
                        String::new()
                    } else {
                        format!("<code>{}</code>", esc(&g.evidence.to_string()))
                    },
                ]
            })
            .collect();
        table(
            o,
            "gate-table",
            &["gate", "status", "hard", "blocks", "why", "evidence"],
            rows,
        );
        o.push_str("<ul>");
        for a in &d.approvals {
            let _ = write!(
                o,
                "<li>approval by {} at {} via {}{}</li>",
                esc(&person(&a.by)),
                esc(&a.at),
                esc(&a.via),
                esc(&a
                    .reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default())
            );
        }
        if let Some(ov) = &d.overridden {
            let _ = write!(
                o,
                "<li class=\"bad\">override of {} approved by {} ({}): {}</li>",
                esc(&ov.gates.join(", ")),
                esc(&ov.approver),
                esc(&ov.role),
                esc(&ov.reason)
            );
        }
        if !d.open_required_items.is_empty() {
            let _ = write!(
                o,
                "<li>required checklist items open: {}</li>",
                esc(&d.open_required_items.join(", "))
            );
        }
        o.push_str("</ul>");
    }
}

pub(super) fn checklist(o: &mut String, r: &Report) {
    let c = &r.checklist;
    let _ = write!(
        o,
        "<h2 id=\"checklist\">Checklist sign-off</h2><p>{} of {} items ticked. Required items \
         open at the end: {}. Required items skipped at go: {}.</p>",
        c.ticked,
        c.total,
        esc(&or_none(&c.required_open)),
        esc(&or_none(&c.skipped_at_go))
    );
    let rows = c
        .items
        .iter()
        .map(|i| {
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
            vec![
                esc(&i.stage),
                esc(&i.text),
                if i.required { "yes" } else { "no" }.to_string(),
                i.ticked
                    .as_ref()
                    .map_or("<b class=\"bad\">open</b>".to_string(), |t| {
                        esc(&format!("{} at {}", person(&t.by), t.at))
                    }),
                esc(&history.join("; ")),
                esc(&notes.join("; ")),
            ]
        })
        .collect();
    table(
        o,
        "checklist-table",
        &["stage", "item", "required", "ticked", "history", "notes"],
        rows,
    );
}

fn or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(", ")
    }
}

pub(super) fn comms(o: &mut String, r: &Report) {
    o.push_str("<h2 id=\"comms\">Comms sent</h2>");
    if r.comms.is_empty() {
        o.push_str("<p>None recorded.</p>");
        return;
    }
    let rows = r
        .comms
        .iter()
        .map(|c| {
            vec![
                opt(&c.at),
                esc(&person(&c.actor)),
                esc(&c.kind),
                esc(&c.summary),
            ]
        })
        .collect();
    table(o, "comms-table", &["when", "who", "type", "what"], rows);
}

pub(super) fn outages(o: &mut String, r: &Report) {
    o.push_str("<h2 id=\"outages\">Source outages</h2>");
    if r.outages.is_empty() {
        o.push_str("<p>No source failed.</p>");
        return;
    }
    let rows = r
        .outages
        .iter()
        .map(|x| {
            vec![
                esc(&x.source),
                esc(&x.from),
                x.to.as_deref()
                    .map_or("still failing at the end".to_string(), esc),
                dur(x.duration_s),
                x.attempts.to_string(),
                esc(&x.last_error),
            ]
        })
        .collect();
    table(
        o,
        "outages-table",
        &[
            "source",
            "from",
            "to",
            "duration",
            "failed attempts",
            "last error",
        ],
        rows,
    );
}

pub(super) fn verification(o: &mut String, r: &Report) {
    let v = &r.verification;
    o.push_str("<h2 id=\"verification\">Verification</h2><ul>");
    if v.intact {
        let _ = write!(
            o,
            "<li class=\"ok\">hash chain intact: {} lines, head <code>{}</code></li>",
            v.lines,
            opt(&v.final_hash)
        );
    } else {
        let _ = write!(
            o,
            "<li class=\"bad\">hash chain DAMAGED at line {}: {}; {} lines verified before it, {} \
             after it shown unverified</li>",
            v.first_bad_line.unwrap_or(0),
            esc(v.damage.as_deref().unwrap_or("")),
            v.lines,
            v.unverified_lines
        );
    }
    if let Some(t) = &v.torn_tail {
        let _ = write!(
            o,
            "<li>torn final line {} ({} bytes): a crash mid-write</li>",
            t.line, t.bytes
        );
    }
    let _ = write!(
        o,
        "<li>{}</li>",
        match (v.clean_close, &v.end_reason) {
            (true, Some(reason)) => esc(&format!("closed cleanly ({reason})")),
            (true, None) => "closed cleanly".to_string(),
            (false, _) =>
                "<span class=\"bad\">ended without a clean close (crash or truncation)</span>"
                    .to_string(),
        }
    );
    if v.signed {
        for s in &v.signers {
            let _ = write!(
                o,
                "<li>head of line {} signed by {} ({} {}); check with <code>warroom verify \
                 --allowed-signers</code></li>",
                s.signed_seq.map_or("?".to_string(), |n| n.to_string()),
                opt(&s.principal),
                opt(&s.key_type),
                opt(&s.fingerprint)
            );
        }
    } else {
        o.push_str("<li>unsigned (no head signature recorded)</li>");
    }
    for u in &v.unknown_events {
        let _ = write!(
            o,
            "<li>{} line(s) of event type <code>{}</code>, unknown to this version</li>",
            u.count,
            esc(&u.kind)
        );
    }
    o.push_str("</ul>");
}
