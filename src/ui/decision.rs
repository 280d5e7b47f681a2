//! The go/no-go overlay (`g`): what go would meet now (the preview), every gate as the decision
//! would record it — status, hard or advisory, and why — and the approvals recorded for this
//! decision, which count and which do not. `y` and `n` go on to a confirmation that takes the
//! reason (and, where hard gates fail, the emergency reason to override them).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::gates::{gate_lines, sorted};
use super::widgets::{centered, pane_block, span};
use super::{Ctx, sanitize, timefmt, words};
use crate::config::keymap::{Command, Keymap, Mode};
use crate::config::theme::Role;
use crate::config::warroom::WarroomConfig;
use crate::event::{Actor, ApprovalVia, DecisionKind, DecisionRef, GateId};
use crate::release::gates::{self, counted_approvals};
use crate::release::preview;

/// The go decision the overlay is about: the next round's.
pub fn go_decision(ctx: &Ctx<'_>, cfg: &WarroomConfig) -> DecisionRef {
    DecisionRef {
        kind: DecisionKind::Go,
        release: cfg.deployment.release.clone(),
        round: ctx.state.release.next_round(),
        step: None,
    }
}

/// The overlay's text, for `width` columns.
pub fn lines<'a>(ctx: &Ctx<'_>, operator: Option<&Actor>, width: usize) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    let Some(cfg) = ctx.state.config.as_deref() else {
        return vec![Line::styled(
            "no warroom.toml: gates and go/no-go need one (-c FILE)",
            theme.style(Role::Muted),
        )];
    };
    let decision = go_decision(ctx, cfg);
    let p = preview::preview(ctx.state, cfg, ctx.now, operator);
    let mut out: Vec<Line<'a>> = Vec::new();
    let (role, summary) = match &p.next {
        preview::Next::Go(_) if p.allowed() => (Role::Ok, p.summary()),
        preview::Next::Go(_) => (Role::Crit, p.summary()),
        // After go the overlay still shows the gates, but go itself is not what is next.
        _ => (
            Role::Muted,
            format!(
                "the release is {}: go was decided; this shows the gates as a go would meet \
                 them now",
                ctx.state.release.phase.label()
            ),
        ),
    };
    out.push(Line::from(span(
        theme,
        role,
        format!("▶ {}", sanitize::line(&summary)),
    )));
    for b in p
        .blockers
        .iter()
        .filter(|b| GateId::from_name(&b.what).is_none())
    {
        out.push(Line::from(span(
            theme,
            Role::Crit,
            format!("  ✗ {}: {}", b.what, sanitize::line(&b.why)),
        )));
    }
    out.push(Line::raw(""));
    out.push(Line::from(vec![
        span(theme, Role::Heading, "gates"),
        span(
            theme,
            Role::Muted,
            format!(
                "  as {} would record them now",
                sanitize::line(&decision.to_string())
            ),
        ),
    ]));
    let decider = operator.map_or("", |o| o.name.as_str());
    let results = gates::evaluate(ctx.state, cfg, ctx.now, &decision, decider);
    let rows = sorted(&results);
    let label_w = rows
        .iter()
        .map(|r| r.gate.label().chars().count())
        .max()
        .unwrap_or(0);
    for r in rows {
        out.extend(gate_lines(ctx, r, label_w, true, width, 3));
    }
    out.push(Line::raw(""));
    out.extend(approvals(ctx, cfg, &decision, decider));
    out
}

/// The approvals recorded for `decision`, and how many it needs.
fn approvals<'a>(
    ctx: &Ctx<'_>,
    cfg: &WarroomConfig,
    decision: &DecisionRef,
    decider: &str,
) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    let Some(rule) = cfg.gates.approvals.as_ref() else {
        return vec![Line::styled(
            "approvals: none required ([gates] has no approvals)",
            theme.style(Role::Muted),
        )];
    };
    let counted = counted_approvals(ctx.state, cfg, decision, decider);
    let have = counted.len();
    let need = usize::try_from(rule.required).unwrap_or(usize::MAX);
    let mut out = vec![Line::from(vec![
        span(theme, Role::Heading, "approvals"),
        span(
            theme,
            if have >= need { Role::Ok } else { Role::Warn },
            format!(
                "  {have} of {need} for {}",
                sanitize::line(&decision.to_string())
            ),
        ),
        span(
            theme,
            Role::Muted,
            format!(" (from {})", rule.roles.join(", ")),
        ),
    ])];
    let mut seen: Vec<&str> = Vec::new();
    let mut any = false;
    for a in ctx.state.release.approvals_for(decision) {
        any = true;
        let counts = counted.iter().any(|c| c == &a.by) && !seen.contains(&a.by.as_str());
        seen.push(&a.by);
        let via = match a.via {
            ApprovalVia::Socket => "warroom approve",
            ApprovalVia::Cluster => "the cluster",
            ApprovalVia::Local => "this war room",
        };
        let mut spans = vec![
            span(
                theme,
                if counts { Role::Ok } else { Role::Muted },
                if counts { "  ✓ " } else { "  – " },
            ),
            span(
                theme,
                Role::Accent,
                format!("{} ({})", sanitize::line(&a.by), sanitize::line(&a.role)),
            ),
            span(
                theme,
                Role::Muted,
                format!(" {} via {via}", timefmt::clock_secs(a.at, ctx.tz)),
            ),
        ];
        if let Some(r) = &a.reason {
            spans.push(Span::raw(format!(": {}", sanitize::line(r))));
        }
        if let (Some(d), Some(u)) = (&a.declared, &a.os_user) {
            spans.push(span(
                theme,
                Role::Muted,
                format!(
                    " (declared as {} by OS user {})",
                    sanitize::line(d),
                    sanitize::line(u)
                ),
            ));
        }
        if !counts {
            spans.push(span(theme, Role::Muted, " — does not count here"));
        }
        out.push(Line::from(spans));
    }
    if !any {
        // The command on a line of its own: a session's path is long.
        out.push(Line::styled(
            "  none yet: an approver runs, from another terminal:",
            theme.style(Role::Muted),
        ));
        out.push(Line::styled(
            format!(
                "    warroom approve {} --reason …",
                ctx.session_file.unwrap_or("SESSION.jsonl")
            ),
            theme.style(Role::Muted),
        ));
    }
    out
}

/// Draws the overlay over `area`; `scroll` is clamped to the text.
pub fn render(
    ctx: &Ctx<'_>,
    operator: Option<&Actor>,
    keymap: &Keymap,
    scroll: &mut u16,
    area: Rect,
    buf: &mut Buffer,
) {
    let theme = ctx.theme;
    let w = area.width.saturating_sub(4).clamp(40.min(area.width), 140);
    let text = lines(ctx, operator, usize::from(w.saturating_sub(2)));
    // The text, then a blank row and the keys.
    let rect = centered(area, w, u16::try_from(text.len() + 4).unwrap_or(u16::MAX));
    let mut title = vec![Span::raw(" go / no-go ")];
    if let Some(cfg) = ctx.state.config.as_deref() {
        title.push(span(
            theme,
            Role::Muted,
            format!(
                "{} · round {} ",
                sanitize::line(&words::candidate(cfg)),
                ctx.state.release.next_round()
            ),
        ));
    }
    let block = pane_block(theme, Line::from(title), true);
    let inner = block.inner(rect);
    Clear.render(rect, buf);
    buf.set_style(rect, theme.style(Role::Text));
    block.render(rect, buf);
    if inner.height < 2 {
        return;
    }
    let body = Rect::new(inner.x, inner.y, inner.width, inner.height - 1);
    let visible = usize::from(body.height);
    let total = text.len();
    let max = total.saturating_sub(visible);
    *scroll = (*scroll).min(u16::try_from(max).unwrap_or(u16::MAX));
    Paragraph::new(text).scroll((*scroll, 0)).render(body, buf);
    let mut keys = Vec::new();
    for c in [Command::Go, Command::NoGo, Command::Cancel, Command::Down] {
        if let Some(b) = keymap.binding(Mode::Decide, c) {
            keys.push(span(theme, Role::Key, b.keys_label()));
            keys.push(Span::raw(format!(" {}  ", sanitize::line(&b.desc))));
        }
    }
    if max > 0 {
        keys.push(span(
            theme,
            Role::Muted,
            format!("{}/{} ", usize::from(*scroll) + visible, total),
        ));
    }
    buf.set_line(
        inner.x,
        inner.y + inner.height - 1,
        &Line::from(keys),
        inner.width,
    );
}
