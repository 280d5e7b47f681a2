//! The header bar: PRODUCTION when the config says so, runbook title and deployment, the
//! rollback-readiness indicator (always kept), T-0 and the countdown, overall progress,
//! overdue count, a comms reminder (an update due, a failed post), operator and role, and a
//! marker once the session has ended.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::widgets::{span, two_sided};
use super::{Ctx, readiness, sanitize, timefmt};
use crate::config::theme::Role;
use crate::event::Actor;

/// Draws the bar. Segments that do not fit are left out, least important first.
pub fn render(ctx: &Ctx<'_>, operator: Option<&Actor>, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    let state = ctx.state;
    buf.set_style(area, theme.style(Role::Bar));

    let title = if state.runbook.title.is_empty() {
        "warroom".to_string()
    } else {
        sanitize::line(&state.runbook.title).into_owned()
    };
    let mut left = Vec::new();
    if ctx.production() {
        left.push(span(theme, Role::Danger, " PRODUCTION ·"));
    }
    left.push(span(theme, Role::Title, format!(" {title}")));
    if let Some(d) = &state.deployment {
        left.push(span(
            theme,
            Role::Muted,
            format!(" · {}", sanitize::line(d)),
        ));
    }

    // (priority, spans): lower numbers are kept longest when the bar is narrow.
    let mut segments: Vec<(u8, Vec<Span<'_>>)> = Vec::new();
    if let Some(reason) = &state.ended {
        segments.push((
            0,
            vec![span(
                theme,
                Role::Danger,
                format!(" ENDED ({}) ", sanitize::line(reason)),
            )],
        ));
    }
    match state.t0 {
        Some(t0) => {
            segments.push((
                4,
                vec![span(
                    theme,
                    Role::Muted,
                    format!("T-0 {}", timefmt::full(t0, ctx.tz)),
                )],
            ));
            segments.push((
                1,
                vec![span(theme, Role::Accent, timefmt::countdown(t0, ctx.now))],
            ));
        }
        None => segments.push((4, vec![span(theme, Role::Stale, "no T-0 set")])),
    }
    let s = ctx.summary;
    let done_role = if s.total > 0 && s.done == s.total {
        Role::Ok
    } else {
        Role::Bar
    };
    segments.push((
        2,
        vec![span(
            theme,
            done_role,
            format!("{}/{} done", s.done, s.total),
        )],
    ));
    if s.overdue > 0 {
        segments.push((
            1,
            vec![span(theme, Role::Crit, format!("⚠ {} overdue", s.overdue))],
        ));
    }
    if let Some(reminder) = super::comms::header_segment(ctx) {
        segments.push((1, vec![reminder]));
    }
    if let Some(op) = operator {
        segments.push((
            3,
            vec![span(
                theme,
                Role::Muted,
                format!(
                    "{} · {}",
                    sanitize::line(&op.name),
                    sanitize::line(&op.role)
                ),
            )],
        ));
    }

    // Leave the title a readable stub, then keep segments by priority while they fit.
    // The right side must leave the left what `two_sided` keeps of it, or it is dropped.
    let w = usize::from(area.width);
    let left_w: usize = left.iter().map(Span::width).sum();
    let mut budget = w
        .saturating_sub(16)
        .min(w.saturating_sub(left_w.min(w * 3 / 5) + 2));
    let width = |v: &[Span<'_>]| v.iter().map(Span::width).sum::<usize>() + 3;
    // Rollback readiness is always shown: in full when it leaves room, else short.
    let ready = readiness::of(ctx).map(|r| {
        let full = vec![r.span(ctx, false)];
        if width(&full) <= budget / 2 {
            full
        } else {
            vec![r.span(ctx, true)]
        }
    });
    if let Some(r) = &ready {
        budget = budget.saturating_sub(width(r));
    }
    let mut keep = vec![false; segments.len()];
    let mut used = 0;
    let mut order: Vec<usize> = (0..segments.len()).collect();
    order.sort_by_key(|&i| segments[i].0);
    for i in order {
        let w = width(&segments[i].1);
        if used + w <= budget {
            used += w;
            keep[i] = true;
        }
    }
    let mut right = Vec::new();
    if let Some(r) = ready {
        right.extend(r);
    }
    for (i, (_, spans)) in segments.into_iter().enumerate() {
        if keep[i] {
            if !right.is_empty() {
                right.push(span(theme, Role::Muted, " │ "));
            }
            right.extend(spans);
        }
    }
    right.push(Span::raw(" "));
    two_sided(buf, area, &Line::from(left), &[Line::from(right)]);
}
