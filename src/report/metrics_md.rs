//! Deployment metrics as Markdown: the policy's five with their targets, the five DORA
//! metrics, every deployment counted and every file that was not.

use std::fmt::Write;

use super::markdown::cell;
use super::metrics::{Frequency, Metrics, Rate, Span};
use super::time::dur;

fn rate(r: &Rate) -> String {
    match r.value {
        Some(v) => format!("{:.1} % ({} of {})", v * 100.0, r.count, r.of),
        None => "no deployment".to_string(),
    }
}

fn span(s: &Span) -> String {
    match (s.mean_s, s.median_s) {
        (Some(m), Some(md)) => format!("mean {}, median {} (over {})", dur(m), dur(md), s.count),
        _ => "none to measure".to_string(),
    }
}

fn freq(f: &Frequency) -> String {
    match (f.per_week, f.per_day, f.days) {
        (Some(w), Some(d), Some(days)) => format!(
            "{:.2} per week ({d:.2} per day): {} deployments over {days:.1} days",
            w, f.deployments
        ),
        _ => "no deployment".to_string(),
    }
}

/// Renders the metrics.
pub fn render(m: &Metrics) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Deployment metrics: {}\n", m.dir);
    let _ = writeln!(
        o,
        "{} sessions counted, {} deployments (gos), {} files not counted · {}\n",
        m.sessions.len(),
        m.deployments.len(),
        m.bad_files.len(),
        m.generator
    );
    let p = &m.policy;
    let _ = writeln!(
        o,
        "## Production deployment metrics\n\n| metric | value | target |\n|---|---|---|"
    );
    let _ = writeln!(
        o,
        "| Deployment frequency | {} | weekly or more |",
        freq(&p.deployment_frequency)
    );
    let _ = writeln!(
        o,
        "| Deployment success rate (completed, no rollback) | {} | > 95 % |",
        rate(&p.deployment_success_rate)
    );
    let _ = writeln!(
        o,
        "| Mean time to deploy (go → last step applied) | {} | < 30 min |",
        span(&p.mean_time_to_deploy)
    );
    let _ = writeln!(
        o,
        "| Rollback frequency | {} | < 5 % |",
        rate(&p.rollback_frequency)
    );
    let _ = writeln!(
        o,
        "| Change failure rate (auto-rollback or rollback with an incident ticket) | {} | < 3 % |\n",
        rate(&p.change_failure_rate)
    );
    let d = &m.dora;
    let _ = writeln!(o, "## DORA metrics\n\n| metric | value |\n|---|---|");
    let _ = writeln!(
        o,
        "| Deployment frequency | {} |",
        freq(&d.deployment_frequency)
    );
    let _ = writeln!(
        o,
        "| Change lead time | {} |",
        d.change_lead_time
            .mean_s
            .map_or(d.change_lead_time.note.clone(), dur)
    );
    let _ = writeln!(
        o,
        "| Change fail rate (rolled back) | {} |",
        rate(&d.change_fail_rate)
    );
    let _ = writeln!(
        o,
        "| Failed deployment recovery time (first breach → traffic on stable) | {} |",
        span(&d.failed_deployment_recovery_time)
    );
    let _ = writeln!(
        o,
        "| Deployment rework rate (deployed right after a failed deployment) | {} |\n",
        rate(&d.deployment_rework_rate)
    );
    if !m.deployments.is_empty() {
        let _ = writeln!(
            o,
            "## Deployments\n\n| go | deployment | release | outcome | go → live | rollback | recovery | rework | file |\n|---|---|---|---|---|---|---|---|---|"
        );
        for x in &m.deployments {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                x.go_at,
                cell(x.deployment.as_deref().unwrap_or("—")),
                cell(x.release.as_deref().unwrap_or("—")),
                x.outcome.label(),
                x.time_to_deploy_s.map_or("—".to_string(), dur),
                match x.rollback {
                    Some(super::model::Trigger::Auto) => "automatic".to_string(),
                    Some(super::model::Trigger::Manual) => format!(
                        "manual{}",
                        x.ticket
                            .as_deref()
                            .map(|t| format!(" [{t}]"))
                            .unwrap_or_default()
                    ),
                    None => "—".to_string(),
                },
                x.recovery_s.map_or("—".to_string(), dur),
                if x.rework { "yes" } else { "no" },
                cell(&x.file)
            );
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## Files not counted\n");
    if m.bad_files.is_empty() {
        let _ = writeln!(o, "None: every `*.jsonl` file was counted.");
    }
    for b in &m.bad_files {
        let _ = writeln!(o, "- `{}`: {}", b.file, b.reason);
    }
    if !m.ignored.is_empty() {
        let _ = writeln!(
            o,
            "\nNot session logs (not `*.jsonl`): {}",
            m.ignored
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    o
}
