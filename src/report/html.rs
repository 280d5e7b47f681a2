//! The report as one self-contained HTML page: inline CSS, inline SVG charts (error ratio and
//! latency per version, the candidate's traffic share, with decisions, shifts and rollbacks
//! marked), tables for the rest, no script, and a Content-Security-Policy that forbids every
//! external request.

use std::fmt::Write;

use super::html_sections;
use super::model::{ChartSeries, Report, Trigger};
use super::svg::{Chart, Line, esc};
use super::time::{clock, dur};
use super::words::{crossing, measured, pct, person, rule_counts, signal, value};

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;\
color:#1a1a1a;background:#fff}h1{font-size:24px}h2{border-bottom:2px solid #ddd;padding-bottom:4px;\
margin-top:32px}table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #ddd;\
padding:4px 6px;text-align:left;vertical-align:top}th{background:#f4f4f4}.bad{color:#b00020;\
font-weight:600}.ok{color:#1b7f3b}.warn{background:#fff3cd;padding:8px;border:1px solid #e0c36a}\
.unverified{background:#fde2e2}code{font-size:12px}figure{margin:12px 0}figcaption{font-weight:600}\
svg{background:#fff;max-width:100%;height:auto}.plot{fill:#fafafa;stroke:#ccc}.grid{stroke:#eee}\
.tick,.limit-label,.marker-label{font-size:10px;fill:#555}.limit{stroke:#b00020;stroke-dasharray:6 4}\
path.series{fill:none;stroke-width:1.6}.marker{stroke:#888;stroke-dasharray:2 3}.m-decision{stroke:#6f42c1}\
.m-rollback,.m-auto-rollback{stroke:#b00020;stroke-width:2;stroke-dasharray:none}\
.m-completed{stroke:#1b7f3b}.m-marker{stroke:#0b7285}.c-stable{stroke:#1f5fbf;fill:#1f5fbf}\
.c-candidate{stroke:#e8590c;fill:#e8590c}.c-other{stroke:#777;fill:#777}.dash{stroke-dasharray:5 3}\
.dot{stroke:none}.legend{font-size:12px}.key{margin-right:14px}.key i{display:inline-block;width:18px;\
height:3px;margin:0 4px 3px 0;background:currentColor}.key.c-stable{color:#1f5fbf}\
.key.c-candidate{color:#e8590c}.key.c-other{color:#777}";

/// Renders the whole page.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let title = match (&r.session.deployment, &r.summary.release) {
        (Some(d), Some(v)) => format!("{d} {v}"),
        (Some(d), None) => d.clone(),
        (_, Some(v)) => v.clone(),
        _ => r.file.clone(),
    };
    let _ = write!(
        o,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>Post-mortem: {t}</title><style>{STYLE}</style></head><body>\
         <h1>Post-mortem: {t}</h1><p>Session <code>{}</code> · file <code>{}</code> · {}</p>",
        esc(r.session.id.as_deref().unwrap_or("—")),
        esc(&r.file),
        esc(&r.generator),
        t = esc(&title)
    );
    if !r.verification.intact {
        let _ = write!(
            o,
            "<p class=\"warn\" id=\"damaged\"><b>The log is damaged at line {}</b>: {}. Everything \
             after it is shown, marked unverified.</p>",
            r.verification.first_bad_line.unwrap_or(0),
            esc(r.verification.damage.as_deref().unwrap_or(""))
        );
    }
    summary(&mut o, r);
    charts(&mut o, r);
    impact(&mut o, r);
    timeline(&mut o, r);
    detection(&mut o, r);
    html_sections::resolution(&mut o, r);
    html_sections::gates(&mut o, r);
    html_sections::checklist(&mut o, r);
    html_sections::comms(&mut o, r);
    html_sections::outages(&mut o, r);
    html_sections::verification(&mut o, r);
    o.push_str("</body></html>\n");
    o
}

pub(super) fn opt(s: &Option<String>) -> String {
    esc(s.as_deref().unwrap_or("—"))
}

pub(super) fn table(o: &mut String, id: &str, head: &[&str], rows: Vec<Vec<String>>) {
    let _ = write!(o, "<table id=\"{id}\">");
    if !head.is_empty() {
        o.push_str("<tr>");
        for h in head {
            let _ = write!(o, "<th>{}</th>", esc(h));
        }
        o.push_str("</tr>");
    }
    for row in rows {
        o.push_str("<tr>");
        for c in row {
            let _ = write!(o, "<td>{c}</td>");
        }
        o.push_str("</tr>");
    }
    o.push_str("</table>");
}

fn summary(o: &mut String, r: &Report) {
    let s = &r.summary;
    let outcome = match s.rollback {
        Some(Trigger::Auto) => "rolled back (automatic)".to_string(),
        Some(Trigger::Manual) => "rolled back (manual)".to_string(),
        None => s.outcome.label().to_string(),
    };
    let class = match s.outcome {
        super::model::OutcomeKind::Completed => "ok",
        _ => "bad",
    };
    o.push_str("<h2 id=\"summary\">Summary</h2>");
    let rows = vec![
        vec!["Release".into(), opt(&s.release)],
        vec!["Stable".into(), opt(&r.session.stable)],
        vec!["Deployment".into(), opt(&r.session.deployment)],
        vec!["Environment".into(), opt(&r.session.environment)],
        vec![
            "Outcome".into(),
            format!(
                "<span class=\"{class}\" id=\"outcome\">{}</span> — {}",
                esc(&outcome),
                esc(&s.detail)
            ),
        ],
        vec![
            "Duration".into(),
            s.duration_s.map_or("—".to_string(), |d| {
                format!(
                    "{} ({} → {})",
                    dur(d),
                    opt(&r.session.started_at),
                    opt(&r.session.ended_at)
                )
            }),
        ],
        vec![
            "Led by".into(),
            esc(&s.led_by.as_ref().map_or("—".to_string(), person)),
        ],
    ];
    table(o, "summary-table", &[], rows);
    if !s.deployments.is_empty() {
        let rows = s
            .deployments
            .iter()
            .map(|d| {
                vec![
                    d.round.to_string(),
                    esc(&d.go_at),
                    esc(&person(&d.go_by)),
                    opt(&d.live_at),
                    d.time_to_deploy_s.map_or("—".to_string(), dur),
                    d.outcome.label().to_string(),
                ]
            })
            .collect();
        table(
            o,
            "deployments",
            &[
                "round",
                "go",
                "by",
                "production live",
                "go → live",
                "outcome",
            ],
            rows,
        );
    }
}

fn class_of(r: &Report, version: &str) -> &'static str {
    if r.session.candidate_label.as_deref() == Some(version) {
        "c-candidate"
    } else if r.session.stable_label.as_deref() == Some(version) {
        "c-stable"
    } else {
        "c-other"
    }
}

fn charts(o: &mut String, r: &Report) {
    let c = &r.charts;
    o.push_str("<h2 id=\"charts\">Charts</h2>");
    let (Some(from_ms), Some(to_ms)) = (c.from_ms, c.to_ms) else {
        o.push_str("<p>No data to chart.</p>");
        return;
    };
    let lines = |sig: &[&str]| -> Vec<Line<'_>> {
        c.series
            .iter()
            .filter(|s: &&ChartSeries| sig.contains(&s.signal.as_str()))
            .map(|s| Line {
                label: format!("{} {}", s.version, signal(&s.signal)),
                key: format!("{}:{}", s.signal, s.version),
                class: match (class_of(r, &s.version), s.signal.as_str()) {
                    ("c-candidate", "latency_p95") => "c-candidate dash",
                    ("c-stable", "latency_p95") => "c-stable dash",
                    ("c-other", "latency_p95") => "c-other dash",
                    (c, _) => c,
                },
                points: &s.points,
                steps: false,
            })
            .collect()
    };
    let limits = |sig: &[&str]| -> Vec<(String, f64)> {
        c.limits
            .iter()
            .filter(|l| sig.contains(&l.signal.as_str()))
            .map(|l| (l.label.clone(), l.value))
            .collect()
    };
    let charts = [
        Chart {
            id: "chart-error-ratio",
            title: "Error ratio per version",
            from_ms,
            to_ms,
            lines: lines(&["error_ratio"]),
            limits: limits(&["error_ratio"]),
            y_max: None,
            fmt: |v| pct(v),
            markers: &c.markers,
        },
        Chart {
            id: "chart-latency",
            title: "Latency p95 (dashed) and p99 per version",
            from_ms,
            to_ms,
            lines: lines(&["latency_p95", "latency_p99"]),
            limits: limits(&["latency_p95", "latency_p99"]),
            y_max: None,
            fmt: |v| format!("{:.0} ms", v * 1000.0),
            markers: &c.markers,
        },
        Chart {
            id: "chart-share",
            title: "Candidate traffic share (observed)",
            from_ms,
            to_ms,
            lines: vec![Line {
                label: format!(
                    "{} share",
                    r.session.candidate_label.as_deref().unwrap_or("candidate")
                ),
                key: "share:candidate".to_string(),
                class: "c-candidate",
                points: &c.share,
                steps: true,
            }],
            limits: Vec::new(),
            y_max: Some(100.0),
            fmt: |v| format!("{v:.0} %"),
            markers: &c.markers,
        },
    ];
    for chart in charts {
        o.push_str(&chart.render());
    }
}

fn impact(o: &mut String, r: &Report) {
    let i = &r.impact;
    let b = &i.budget;
    o.push_str("<h2 id=\"impact\">Impact</h2>");
    match (b.error_ratio, i.slo_error_ratio) {
        (Some(e), Some(slo)) => {
            let _ = write!(
                o,
                "<p id=\"budget\">≈ {:.0} requests, ≈ {:.0} failed ({}) against the SLO's {}: \
                 <b>{:.0} % of the error budget spent</b>, weighted by throughput ({} samples; {} \
                 unknown, not counted).</p>",
                b.requests,
                b.errors,
                pct(e),
                pct(slo),
                b.spent.unwrap_or(0.0) * 100.0,
                b.samples,
                b.unknown_samples
            );
        }
        _ => o.push_str("<p id=\"budget\">Error budget: unknown (no sample with both an error ratio and a throughput).</p>"),
    }
    let peak = |p: &Option<super::model::Peak>, s: &str| {
        p.as_ref().map_or("—".to_string(), |p| {
            format!("{} at {}", esc(&value(s, p.value)), esc(&clock(&p.at)))
        })
    };
    let rows = i
        .versions
        .iter()
        .map(|v| {
            vec![
                esc(&v.version),
                v.side.to_string(),
                format!("{:.0}", v.budget.requests),
                v.budget.error_ratio.map_or("unknown".to_string(), pct),
                peak(&v.worst_error_ratio, "error_ratio"),
                peak(&v.worst_latency_p95, "latency_p95"),
                peak(&v.worst_latency_p99, "latency_p99"),
            ]
        })
        .collect();
    table(
        o,
        "versions",
        &[
            "version",
            "side",
            "requests",
            "error ratio",
            "worst error ratio",
            "worst p95",
            "worst p99",
        ],
        rows,
    );
}

fn timeline(o: &mut String, r: &Report) {
    o.push_str("<h2 id=\"timeline\">Timeline</h2>");
    let _ = write!(
        o,
        "<table id=\"timeline-table\"><tr><th>time</th><th>what</th><th>who</th><th>summary</th>\
         <th>measurements</th></tr>"
    );
    for e in &r.timeline {
        let mut m = String::new();
        if let Some(rule) = &e.rule {
            let _ = write!(
                m,
                "<b>rule {}</b>: {}<br>{}<br>",
                esc(&rule.rule),
                esc(&rule.summary),
                esc(&rule_counts(rule))
            );
            for x in &rule.measurements {
                let _ = write!(m, "{}<br>", esc(&measured(x)));
            }
        }
        for x in &e.measurements {
            let class = if x.over == Some(true) {
                " class=\"bad\""
            } else {
                ""
            };
            let _ = write!(m, "<span{class}>{}</span><br>", esc(&measured(x)));
        }
        let _ = write!(
            o,
            "<tr class=\"k-{}{}\" data-kind=\"{}\"><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{m}</td></tr>",
            e.kind,
            if e.verified { "" } else { " unverified" },
            e.kind,
            esc(&e.at),
            e.kind,
            if e.verified { "" } else { " (unverified)" },
            esc(&person(&e.actor)),
            esc(&e.summary)
        );
    }
    o.push_str("</table>");
}

fn detection(o: &mut String, r: &Report) {
    o.push_str("<h2 id=\"detection\">Detection</h2>");
    let rows = r
        .detection
        .crossings
        .iter()
        .map(|c| {
            vec![
                c.round.to_string(),
                esc(&c.version),
                esc(&signal(&c.signal)),
                format!("{} {}", c.threshold_of, esc(&value(&c.signal, c.threshold))),
                esc(&value(&c.signal, c.value)),
                esc(&c.at),
            ]
        })
        .collect();
    table(
        o,
        "crossings",
        &["round", "version", "signal", "threshold", "value", "when"],
        rows,
    );
    for rb in &r.detection.rollbacks {
        let _ = write!(
            o,
            "<h3>Rollback <code>{}</code> ({})</h3><ul class=\"detect\">",
            esc(&rb.id),
            match rb.trigger {
                Trigger::Auto => "automatic",
                Trigger::Manual => "manual",
            }
        );
        if let Some(rule) = &rb.rule {
            let _ = write!(
                o,
                "<li>rule <b>{}</b>: {}</li><li>{}</li>",
                esc(&rule.rule),
                esc(&rule.summary),
                esc(&rule_counts(rule))
            );
            for m in &rule.measurements {
                let _ = write!(o, "<li>measured: {}</li>", esc(&measured(m)));
            }
        }
        let _ = write!(
            o,
            "<li>first breaching sample: {}</li><li>requested at {}{}</li><li>{}</li></ul>",
            rb.first_breach
                .as_ref()
                .map_or("none recorded before the request".to_string(), |c| esc(
                    &crossing(c)
                )),
            esc(&rb.requested_at),
            rb.breach_to_request_s
                .map(|s| format!(", {} after the first breach", dur(s)))
                .unwrap_or_default(),
            match &rb.on_stable_at {
                Some(t) => format!(
                    "traffic on stable at {}{}",
                    esc(t),
                    rb.request_to_stable_s
                        .map(|s| format!(", {} after the request", dur(s)))
                        .unwrap_or_default()
                ),
                None => "traffic was never read back on stable".to_string(),
            }
        );
    }
}
