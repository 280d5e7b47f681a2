//! The latency pane: p50/p95/p99 per version (ms) over the chosen window, with the SLO lines
//! for p95 and p99, the baseline (the stable version's current p99) and the rollback line at
//! `p99_vs_baseline` × baseline. The legend gives each version's latest percentiles; a
//! candidate p99 over the rollback line is crit, anything over its SLO warn.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::Ctx;
use super::chart::{self, ChartBody, SeriesRef, Threshold, Unit};
use super::legend;
use super::widgets::span;
use crate::config::theme::Role;
use crate::event::Signal;

const PERCENTILES: [(Signal, &str); 3] = [
    (Signal::LatencyP50, "p50"),
    (Signal::LatencyP95, "p95"),
    (Signal::LatencyP99, "p99"),
];

/// Draws the pane.
pub fn render(ctx: &Ctx<'_>, focused: bool, area: Rect, buf: &mut Buffer) {
    let signals: Vec<Signal> = PERCENTILES.iter().map(|(s, _)| *s).collect();
    let Some((frame, versions)) = chart::open(
        ctx,
        "latency",
        "p50/p95/p99",
        &signals,
        "latency data",
        focused,
        area,
        buf,
    ) else {
        return;
    };
    let unit = Unit::Millis;
    let scale = unit.scale();
    let slo95 = ctx.config.slo.latency_p95.0.as_secs_f64() * scale;
    let slo99 = ctx.config.slo.latency_p99.0.as_secs_f64() * scale;
    let factor = ctx.config.auto_rollback.p99_vs_baseline;
    let stable = ctx.versions.stable.as_deref();
    // The baseline is a number only when the stable p99 is one and above zero (RELIABILITY
    // row 10: a missing or zero baseline never makes a rollback line).
    let baseline = stable
        .and_then(|s| ctx.state.live.series(Signal::LatencyP99, s))
        .and_then(|s| s.latest()?.value)
        .map(|v| v * scale)
        .filter(|v| *v > 0.0);
    let rollback = baseline.map(|b| b * factor);

    let mut legend: Vec<Vec<Line<'_>>> = versions
        .iter()
        .map(|v| {
            let candidate = ctx.versions.candidate.as_deref() == Some(*v);
            let judge = |signal: Signal, x: f64| match signal {
                Signal::LatencyP99 if candidate && rollback.is_some_and(|r| x > r) => Role::Crit,
                Signal::LatencyP99 if x > slo99 => Role::Warn,
                Signal::LatencyP95 if x > slo95 => Role::Warn,
                Signal::LatencyP50 => Role::Text,
                _ => Role::Ok,
            };
            version_line(ctx, v, unit, judge)
        })
        .collect();
    legend.push(baseline_line(ctx, stable, baseline, rollback, factor, unit));

    let mut thresholds = vec![
        Threshold {
            value: slo95,
            label: format!("p95 SLO {}", unit.format(slo95)),
            role: Role::SloLine,
            always: false,
        },
        Threshold {
            value: slo99,
            label: format!("p99 SLO {}", unit.format(slo99)),
            role: Role::SloLine,
            always: false,
        },
    ];
    if let (Some(b), Some(r)) = (baseline, rollback) {
        thresholds.push(Threshold {
            value: b,
            label: format!("baseline {}", unit.format(b)),
            role: Role::Baseline,
            always: true,
        });
        thresholds.push(Threshold {
            value: r,
            label: format!("rollback {}", unit.format(r)),
            role: Role::RollbackLine,
            always: true,
        });
    }
    let lines = versions
        .iter()
        .flat_map(|v| {
            PERCENTILES.iter().map(|(signal, _)| SeriesRef {
                version: v,
                signal: *signal,
                role: ctx.versions.role(v),
            })
        })
        .collect();
    let body = ChartBody {
        legend,
        lines,
        thresholds,
        unit,
    };
    chart::render(ctx, &body, frame.body, buf);
    frame.finish(ctx, buf);
}

/// `■ green: p50 42ms  p95 120ms  p99 310ms · candidate`, or `■ green: unknown (why)` when
/// no percentile has a value; without the tag, then without p50, for narrow panes.
fn version_line<'a>(
    ctx: &Ctx<'_>,
    version: &str,
    unit: Unit,
    judge: impl Fn(Signal, f64) -> Role,
) -> Vec<Line<'a>> {
    let live = &ctx.state.live;
    let mut spans = legend::version_spans(ctx, version);
    let series: Vec<_> = PERCENTILES
        .iter()
        .filter_map(|(signal, name)| Some((*signal, *name, live.series(*signal, version)?)))
        .collect();
    let all_unknown = series
        .iter()
        .all(|(_, _, s)| legend::unknown_reason(s).is_some());
    if all_unknown {
        let reason = series
            .first()
            .and_then(|(_, _, s)| legend::unknown_reason(s))
            .unwrap_or_else(|| "no data".into());
        spans.push(span(ctx.theme, Role::Warn, format!("unknown ({reason})")));
    } else {
        let head = spans.clone();
        let mut without_p50 = head;
        for (i, (signal, name, s)) in series.iter().enumerate() {
            let value = vec![
                span(ctx.theme, Role::Muted, format!("{name} ")),
                legend::latest_span(ctx, s, unit, |x| judge(*signal, x)),
            ];
            if i > 0 {
                spans.push(Span::raw("  "));
            }
            spans.extend(value.clone());
            if *signal != Signal::LatencyP50 {
                if without_p50.len() > 3 {
                    without_p50.push(Span::raw(" "));
                }
                without_p50.extend(value);
            }
        }
        let mut alts = legend::with_tag(ctx, version, spans);
        alts.push(Line::from(without_p50));
        return alts;
    }
    legend::with_tag(ctx, version, spans)
}

/// What the baseline is, or why there is none.
fn baseline_line<'a>(
    ctx: &Ctx<'_>,
    stable: Option<&str>,
    baseline: Option<f64>,
    rollback: Option<f64>,
    factor: f64,
    unit: Unit,
) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    match (stable, baseline, rollback) {
        (Some(s), Some(b), Some(r)) => vec![
            Line::from(vec![
                span(
                    theme,
                    Role::Baseline,
                    format!("baseline {}", unit.format(b)),
                ),
                span(
                    theme,
                    Role::Muted,
                    format!(" ({} p99) · ", super::sanitize::line(s)),
                ),
                span(
                    theme,
                    Role::RollbackLine,
                    format!("rollback over {}", unit.format(r)),
                ),
                span(theme, Role::Muted, format!(" ({factor}×)")),
            ]),
            Line::from(vec![
                span(
                    theme,
                    Role::Baseline,
                    format!("baseline {}", unit.format(b)),
                ),
                span(theme, Role::Muted, " · "),
                span(
                    theme,
                    Role::RollbackLine,
                    format!("rollback {}", unit.format(r)),
                ),
            ]),
        ],
        (Some(s), _, _) => vec![Line::from(span(
            theme,
            Role::Warn,
            format!(
                "baseline unknown: {} p99 has no value",
                super::sanitize::line(s)
            ),
        ))],
        (None, _, _) => vec![Line::from(span(
            theme,
            Role::Warn,
            "baseline unknown: no stable version in the data",
        ))],
    }
}
