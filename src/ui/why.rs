//! The why panel (`w`, and opened by itself when an auto-rollback fires): the rule that fired,
//! or while nothing has, the latest evaluation of every rule — each measurement against its
//! threshold, the window, how many samples breached, how many were unknown and what the
//! policy does with them — and the rollback's verification checks, pending or recorded. A
//! banner says when a planned rollback is recommended (the softer criterion, which never acts).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::widgets::{centered, pane_block, span};
use super::{Ctx, sanitize, timefmt};
use crate::config::keymap::{Command, Keymap, Mode};
use crate::config::theme::Role;
use crate::event::{AutoTrigger, Measurement, VerifyCheck};
use crate::reduce::watch::rollback_checks;
use crate::state::State;

/// The id of the rollback auto-rollback started, once it fired.
pub fn fired_rollback(state: &State) -> Option<&str> {
    state.release.auto.fired.as_ref()?;
    state.release.rollback.as_ref().map(|p| p.id.as_str())
}

/// A measurement's value in its unit: `8.10 %`, `412 ms`, `3`.
fn value(signal: &str, v: f64) -> String {
    if signal.contains("ratio") {
        format!("{:.2} %", v * 100.0)
    } else if signal.contains("latency") || signal.contains("p99") || signal.contains("p95") {
        format!("{:.0} ms", v * 1000.0)
    } else {
        format!("{v:.0}")
    }
}

/// The panel's text.
pub fn lines<'a>(ctx: &Ctx<'_>) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    let r = &ctx.state.release;
    let mut out: Vec<Line<'a>> = Vec::new();
    if let Some(rec) = &r.auto.recommended {
        out.push(Line::from(vec![
            span(theme, Role::Warn, "PLANNED ROLLBACK RECOMMENDED: "),
            span(theme, Role::Warn, sanitize::line(&rec.summary).into_owned()),
        ]));
        out.push(Line::styled(
            "  the war room will not roll back for this by itself; r rolls back when you decide",
            theme.style(Role::Muted),
        ));
        out.extend(trigger(ctx, rec));
        out.push(Line::raw(""));
    }
    match &r.auto.fired {
        Some(t) => {
            out.push(Line::from(vec![
                span(theme, Role::Danger, "AUTO-ROLLBACK FIRED: "),
                span(theme, Role::Danger, sanitize::line(&t.summary).into_owned()),
            ]));
            if let Some(p) = &r.rollback {
                out.push(Line::styled(
                    format!(
                        "  {} was requested at {} with no key press",
                        sanitize::line(&p.id),
                        timefmt::clock_secs(p.requested_at, ctx.tz)
                    ),
                    theme.style(Role::Muted),
                ));
            }
            out.extend(trigger(ctx, t));
        }
        None => {
            let armed = if r.auto.armed {
                span(theme, Role::Ok, "auto-rollback armed")
            } else {
                span(theme, Role::Warn, "auto-rollback DISARMED")
            };
            out.push(Line::from(vec![
                armed,
                span(theme, Role::Muted, ": the latest evaluation of each rule"),
            ]));
            if r.auto.last.is_empty() {
                out.push(Line::styled(
                    "  nothing evaluated yet: the rules run once traffic reaches the candidate",
                    theme.style(Role::Muted),
                ));
            }
            for t in &r.auto.last {
                out.extend(trigger(ctx, t));
            }
        }
    }
    out.push(Line::raw(""));
    out.extend(verification(ctx));
    out
}

/// One rule's evaluation: what it says, the window and counts, then each measurement.
fn trigger<'a>(ctx: &Ctx<'_>, t: &AutoTrigger) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    let mut out = vec![Line::from(vec![
        span(theme, Role::Heading, format!("{} ", sanitize::line(&t.rule))),
        span(theme, Role::Text, sanitize::line(&t.summary).into_owned()),
    ])];
    let policy = match t.on_unknown.as_str() {
        "rollback" => "policy on_unknown = rollback: unknown data alone rolls back",
        _ => "policy on_unknown = pause: unknown data holds the shift, never promotes",
    };
    out.push(Line::from(vec![
        span(
            theme,
            Role::Muted,
            format!(
                "  window {}: {} of {} known samples breached; {} unknown (not healthy, not a \
                 breach); ",
                timefmt::span(i64::try_from(t.window_s).unwrap_or(i64::MAX)),
                t.breaches,
                t.samples,
                t.unknown_samples
            ),
        ),
        span(theme, Role::Muted, policy),
    ]));
    for m in &t.measurements {
        out.push(measurement(ctx, m));
    }
    out
}

fn measurement<'a>(ctx: &Ctx<'_>, m: &Measurement) -> Line<'a> {
    let theme = ctx.theme;
    let name = format!(
        "  {} {} ",
        sanitize::line(&m.signal),
        sanitize::line(&m.version)
    );
    let at = format!(" at {}", timefmt::clock_secs(m.at, ctx.tz));
    let Some(v) = m.value else {
        return Line::from(vec![
            span(theme, Role::Text, name),
            span(
                theme,
                Role::Warn,
                format!(
                    "unknown ({})",
                    sanitize::line(m.unknown.as_deref().unwrap_or("no data"))
                ),
            ),
            span(theme, Role::Muted, at),
        ]);
    };
    let (role, vs) = match m.threshold {
        // Every rule's threshold is a ceiling except counts of ready pods.
        Some(th) if !m.signal.contains("ready") && v > th => {
            (Role::Crit, format!(" over {}", value(&m.signal, th)))
        }
        Some(th) => (Role::Ok, format!(" within {}", value(&m.signal, th))),
        None => (Role::Text, String::new()),
    };
    Line::from(vec![
        span(theme, Role::Text, name),
        span(theme, role, value(&m.signal, v)),
        span(theme, role, vs),
        span(theme, Role::Muted, at),
    ])
}

/// How the rollback is going: traffic moved, then each check, recorded or still pending.
fn verification<'a>(ctx: &Ctx<'_>) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    let Some(p) = &ctx.state.release.rollback else {
        return vec![Line::styled(
            "no rollback in this round: its verification shows here once one runs",
            theme.style(Role::Muted),
        )];
    };
    let id = sanitize::line(&p.id).into_owned();
    let mut out = vec![Line::from(vec![
        span(theme, Role::Heading, format!("rollback {id} ")),
        span(
            theme,
            Role::Muted,
            format!(
                "requested {}",
                timefmt::clock_secs(p.requested_at, ctx.tz)
            ),
        ),
        match p.traffic_at {
            Some(t) => span(
                theme,
                Role::Ok,
                format!(
                    "; traffic on stable read back at {}",
                    timefmt::clock_secs(t, ctx.tz)
                ),
            ),
            None => span(
                theme,
                Role::Warn,
                "; waiting for the traffic change to be read back",
            ),
        },
    ])];
    match (&p.verified, p.traffic_at, ctx.state.config.as_deref()) {
        (Some((ok, checks)), _, _) => {
            out.push(if *ok {
                Line::styled("verified: the rollback worked", theme.style(Role::Ok))
            } else {
                Line::styled(
                    "NOT verified: escalate (the checks below did not hold)",
                    theme.style(Role::Crit),
                )
            });
            out.extend(checks.iter().map(|c| check(ctx, c, false)));
        }
        (None, Some(t), Some(cfg)) => {
            out.push(Line::styled(
                "verifying: the checks as they stand now",
                theme.style(Role::Warn),
            ));
            out.extend(
                rollback_checks(ctx.state, cfg, t)
                    .iter()
                    .map(|c| check(ctx, c, true)),
            );
        }
        _ => {}
    }
    out
}

fn check<'a>(ctx: &Ctx<'_>, c: &VerifyCheck, pending: bool) -> Line<'a> {
    let (sym, role) = match (c.ok, pending) {
        (true, _) => ("✓", Role::Ok),
        (false, true) => ("…", Role::Warn),
        (false, false) => ("✗", Role::Crit),
    };
    Line::from(vec![
        span(ctx.theme, role, format!("  {sym} {}: ", sanitize::line(&c.name))),
        Span::raw(sanitize::line(&c.detail).into_owned()),
    ])
}

/// Draws the panel over `area`; `scroll` is clamped to the text.
pub fn render(ctx: &Ctx<'_>, keymap: &Keymap, scroll: &mut u16, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    let text = lines(ctx);
    let w = area.width.saturating_sub(4).clamp(40.min(area.width), 120);
    // Wrapped lines take more rows than the text has; a little slack keeps the last in view.
    let inner_w = usize::from(w.saturating_sub(2)).max(1);
    let rows: usize = text.iter().map(|l| l.width().div_ceil(inner_w).max(1)).sum();
    let rect = centered(area, w, u16::try_from(rows + 2).unwrap_or(u16::MAX));
    let visible = usize::from(rect.height.saturating_sub(2));
    let max = rows.saturating_sub(visible);
    *scroll = (*scroll).min(u16::try_from(max).unwrap_or(u16::MAX));
    let mut title = vec![Span::raw(" why ")];
    if let Some(b) = keymap.binding(Mode::Why, Command::Cancel) {
        title.push(span(
            theme,
            Role::Muted,
            format!("({} closes) ", b.keys_label()),
        ));
    }
    let danger = ctx.state.release.auto.fired.is_some();
    let block = pane_block(theme, Line::from(title), true).border_style(theme.style(if danger {
        Role::Danger
    } else {
        Role::Focus
    }));
    Clear.render(rect, buf);
    buf.set_style(rect, theme.style(Role::Text));
    Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .block(block)
        .scroll((*scroll, 0))
        .render(rect, buf);
}
