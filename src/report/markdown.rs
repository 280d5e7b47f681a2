//! The report as Markdown: the sections post-mortem reviewers use, in their order, readable
//! as plain text and rendered by any Markdown viewer.

use std::fmt::Write;

use super::markdown_sections;
use super::model::{Report, Trigger};
use super::time::{clock, dur};
use super::words::{crossing, measured, pct, person, rule_counts, signal, value};

/// Escapes a table cell: pipes and line breaks would break the row.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

pub(super) fn opt(s: &Option<String>) -> String {
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
    markdown_sections::resolution(&mut o, r);
    markdown_sections::gates(&mut o, r);
    markdown_sections::checklist(&mut o, r);
    markdown_sections::comms(&mut o, r);
    markdown_sections::outages(&mut o, r);
    markdown_sections::verification(&mut o, r);
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
