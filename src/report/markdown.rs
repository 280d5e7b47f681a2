//! The report as Markdown: the sections post-mortem reviewers use, in their order, readable
//! as plain text and rendered by any Markdown viewer.

use std::fmt::Write;

use super::model::{Report, Trigger};
use super::time::{clock, dur};
use super::words::{crossing, measured, pct, person, rule_counts, signal, value};

/// Escapes a table cell: pipes and line breaks would break the row.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "—".to_string())
}

/// Renders the whole report.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let title = match (&r.session.deployment, &r.summary.release) {
        (Some(d), Some(v)) => format!("{d} {v}"),
        (Some(d), None) => d.clone(),
        (None, Some(v)) => v.clone(),
        (None, None) => r.file.clone(),
    };
    let _ = writeln!(o, "# Post-mortem: {title}\n");
    let _ = writeln!(
        o,
        "Session `{}` · file `{}` · {}\n",
        opt(&r.session.id),
        r.file,
        r.generator
    );
    if !r.verification.intact {
        let _ = writeln!(
            o,
            "> **The log is damaged at line {}**: {}. Everything after it is shown, marked \
             *unverified*.\n",
            r.verification.first_bad_line.unwrap_or(0),
            r.verification.damage.as_deref().unwrap_or("")
        );
    }
    summary(&mut o, r);
    impact(&mut o, r);
    timeline(&mut o, r);
    detection(&mut o, r);
    resolution(&mut o, r);
    gates(&mut o, r);
    checklist(&mut o, r);
    comms(&mut o, r);
    outages(&mut o, r);
    verification(&mut o, r);
    o
}

fn summary(o: &mut String, r: &Report) {
    let s = &r.summary;
    let _ = writeln!(o, "## Summary\n\n| | |\n|---|---|");
    let release = match (&s.release, &r.session.stable) {
        (Some(v), Some(st)) => format!("{v} (stable {st})"),
        (Some(v), None) => v.clone(),
        _ => "—".to_string(),
    };
    let outcome = match s.rollback {
        Some(Trigger::Auto) => "rolled back (automatic)".to_string(),
        Some(Trigger::Manual) => "rolled back (manual)".to_string(),
        None => s.outcome.label().to_string(),
    };
    let rows = [
        ("Release", release),
        ("Deployment", opt(&r.session.deployment)),
        ("Environment", opt(&r.session.environment)),
        ("Outcome", format!("**{outcome}** — {}", s.detail)),
        (
            "Duration",
            s.duration_s.map_or("—".to_string(), |d| {
                format!(
                    "{} ({} → {})",
                    dur(d),
                    opt(&r.session.started_at),
                    opt(&r.session.ended_at)
                )
            }),
        ),
        ("Led by", s.led_by.as_ref().map_or("—".to_string(), person)),
        (
            "Operators",
            r.session
                .operators
                .iter()
                .map(person)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("Runbook", opt(&r.session.runbook)),
    ];
    for (k, v) in rows {
        let _ = writeln!(o, "| {k} | {} |", cell(&v));
    }
    if !s.deployments.is_empty() {
        let _ = writeln!(
            o,
            "\n| round | go | by | production live | go → live | outcome |\n|---|---|---|---|---|---|"
        );
        for d in &s.deployments {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                d.round,
                d.go_at,
                cell(&person(&d.go_by)),
                opt(&d.live_at),
                d.time_to_deploy_s.map_or("—".to_string(), dur),
                d.outcome.label()
            );
        }
    }
    o.push('\n');
}

fn impact(o: &mut String, r: &Report) {
    let i = &r.impact;
    let _ = writeln!(o, "## Impact\n");
    let b = &i.budget;
    match (b.error_ratio, i.slo_error_ratio) {
        (Some(e), Some(slo)) => {
            let _ = writeln!(
                o,
                "Error budget: ≈ {:.0} requests, ≈ {:.0} failed ({}) against the SLO's {}: \
                 **{:.0} % of the error budget spent** across the session, weighted by \
                 throughput ({} samples; {} unknown, not counted).\n",
                b.requests,
                b.errors,
                pct(e),
                pct(slo),
                b.spent.unwrap_or(0.0) * 100.0,
                b.samples,
                b.unknown_samples
            );
        }
        _ => {
            let _ = writeln!(
                o,
                "Error budget: unknown (no sample with both an error ratio and a throughput; \
                 {} unknown samples).\n",
                b.unknown_samples
            );
        }
    }
    if i.versions.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "| version | side | requests | error ratio | budget spent | worst error ratio | worst p95 | worst p99 |\n|---|---|---|---|---|---|---|---|"
    );
    let peak = |p: &Option<super::model::Peak>, s: &str| {
        p.as_ref().map_or("—".to_string(), |p| {
            format!("{} at {}", value(s, p.value), clock(&p.at))
        })
    };
    for v in &i.versions {
        let _ = writeln!(
            o,
            "| {} | {} | {:.0} | {} | {} | {} | {} | {} |",
            cell(&v.version),
            v.side,
            v.budget.requests,
            v.budget.error_ratio.map_or("unknown".to_string(), pct),
            v.budget
                .spent
                .map_or("—".to_string(), |s| format!("{:.0} %", s * 100.0)),
            peak(&v.worst_error_ratio, "error_ratio"),
            peak(&v.worst_latency_p95, "latency_p95"),
            peak(&v.worst_latency_p99, "latency_p99"),
        );
    }
    o.push('\n');
}

fn timeline(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Timeline\n");
    if r.timeline.is_empty() {
        let _ = writeln!(o, "Nothing was decided or recorded.\n");
        return;
    }
    for e in &r.timeline {
        let flag = if e.verified { "" } else { "⚠ *unverified* " };
        let _ = writeln!(
            o,
            "- {flag}**{}** `{}` {} — {}",
            e.at,
            e.kind,
            person(&e.actor),
            e.summary.replace('\n', " ")
        );
        if let Some(rule) = &e.rule {
            let _ = writeln!(o, "  - rule `{}`: {}", rule.rule, rule.summary);
            let _ = writeln!(o, "  - {}", rule_counts(rule));
            for m in &rule.measurements {
                let _ = writeln!(o, "  - {}", measured(m));
            }
        }
        if !e.measurements.is_empty() {
            let shown: Vec<String> = e.measurements.iter().map(measured).collect();
            let _ = writeln!(o, "  - at that moment: {}", shown.join("; "));
        }
    }
    o.push('\n');
}

fn detection(o: &mut String, r: &Report) {
    let d = &r.detection;
    let _ = writeln!(o, "## Detection\n");
    if d.crossings.is_empty() {
        let _ = writeln!(
            o,
            "No sample crossed an SLO or auto-rollback threshold after go.\n"
        );
    } else {
        let _ = writeln!(
            o,
            "First sample over each threshold, per round:\n\n| round | version | signal | threshold | value | when |\n|---|---|---|---|---|---|"
        );
        for c in &d.crossings {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} {} | {} | {} |",
                c.round,
                cell(&c.version),
                signal(&c.signal),
                c.threshold_of,
                value(&c.signal, c.threshold),
                value(&c.signal, c.value),
                c.at
            );
        }
        o.push('\n');
    }
    for rb in &d.rollbacks {
        let how = match (rb.trigger, &rb.rule) {
            (Trigger::Auto, Some(rule)) => format!("automatic, rule `{}`", rule.rule),
            (Trigger::Auto, None) => "automatic".to_string(),
            (Trigger::Manual, _) => "manual".to_string(),
        };
        let _ = writeln!(o, "### Rollback `{}` ({how})\n", rb.id);
        if let Some(rule) = &rb.rule {
            let _ = writeln!(o, "- what fired: {}", rule.summary);
            let _ = writeln!(o, "- {}", rule_counts(rule));
            for m in &rule.measurements {
                let _ = writeln!(o, "- measured: {}", measured(m));
            }
        }
        match &rb.first_breach {
            Some(c) => {
                let _ = writeln!(o, "- first breaching sample: {}", crossing(c));
            }
            None => {
                let _ = writeln!(
                    o,
                    "- first breaching sample: none recorded before the request"
                );
            }
        }
        let _ = writeln!(
            o,
            "- rollback requested at {}{}",
            rb.requested_at,
            rb.breach_to_request_s
                .map(|s| format!(", {} after the first breach", dur(s)))
                .unwrap_or_default()
        );
        match &rb.on_stable_at {
            Some(t) => {
                let _ = writeln!(
                    o,
                    "- traffic on stable at {t}{}{}",
                    rb.request_to_stable_s
                        .map(|s| format!(", {} after the request", dur(s)))
                        .unwrap_or_default(),
                    rb.breach_to_stable_s
                        .map(|s| format!(", {} after the first breach", dur(s)))
                        .unwrap_or_default()
                );
            }
            None => {
                let _ = writeln!(o, "- traffic was never read back on stable");
            }
        }
        o.push('\n');
    }
}

fn resolution(o: &mut String, r: &Report) {
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

fn gates(o: &mut String, r: &Report) {
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

fn checklist(o: &mut String, r: &Report) {
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

fn comms(o: &mut String, r: &Report) {
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

fn outages(o: &mut String, r: &Report) {
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

fn verification(o: &mut String, r: &Report) {
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
