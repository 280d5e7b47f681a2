//! The events pane: the session log's tail (time, actor, kind, summary), newest at the bottom.
//! Scrolling moves back in time from the newest line. Rollbacks stand out in danger, refusals
//! and crashes in crit, decisions and approvals in accent.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::widgets::{pane_block, span};
use super::{Ctx, sanitize, timefmt};
use crate::config::theme::Role;
use crate::event::{Action, Outcome};
use crate::release::summary::outcome_word;

/// Width of the kind column; wide enough for `SessionStarted`.
const KIND_WIDTH: usize = 14;
/// Widest actor column.
const ACTOR_WIDTH: usize = 10;
/// Below this inner width the kind column is left out so the summary stays readable.
const KIND_MIN_WIDTH: u16 = 60;

/// Draws the pane; `back` (lines scrolled up from the newest) is clamped to the log.
pub fn render(ctx: &Ctx<'_>, back: &mut usize, focused: bool, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    let tail = &ctx.state.log_tail;
    let mut title = vec![Span::raw(" events ")];
    let block_inner_h = usize::from(area.height.saturating_sub(2));
    *back = (*back).min(tail.len().saturating_sub(block_inner_h));
    if *back > 0 {
        title.push(span(theme, Role::Muted, format!("↑{} ", *back)));
    }
    let block = pane_block(theme, Line::from(title), focused);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.is_empty() {
        return;
    }
    let h = usize::from(inner.height);
    let end = tail.len() - *back;
    let start = end.saturating_sub(h);
    let show_kind = inner.width >= KIND_MIN_WIDTH;
    let actor_w = tail
        .range(start..end)
        .map(|l| l.actor.chars().count())
        .max()
        .unwrap_or(0)
        .min(ACTOR_WIDTH);
    for (n, line) in tail.range(start..end).enumerate() {
        let role = role_of(ctx, line.kind, &line.summary);
        let actor: String = sanitize::line(&line.actor).chars().take(actor_w).collect();
        let mut spans = vec![
            span(theme, Role::Muted, timefmt::clock_secs(line.at, ctx.tz)),
            Span::raw(" "),
            span(theme, Role::Accent, format!("{actor:<actor_w$}")),
            Span::raw(" "),
        ];
        if show_kind {
            spans.push(span(
                theme,
                Role::Muted,
                format!("{:<KIND_WIDTH$} ", line.kind),
            ));
        }
        spans.push(span(
            theme,
            role,
            sanitize::line(&line.summary).into_owned(),
        ));
        let y = inner.y + u16::try_from(n).unwrap_or(u16::MAX);
        buf.set_line(inner.x, y, &Line::from(spans), inner.width);
    }
}

/// The colour of a log line: its kind, and for actions what they are (an action line's
/// summary starts with its id: `a3: rollback…`, `a3 applied: …`).
fn role_of(ctx: &Ctx<'_>, kind: &str, summary: &str) -> Role {
    let action = |sep: char| {
        let id = summary.split(sep).next().unwrap_or_default();
        ctx.state.release.actions.get(id)
    };
    let rollback = |a: Option<&crate::state::release::ActionRecord>| {
        a.is_some_and(|a| matches!(a.action, Action::Rollback { .. } | Action::Undo { .. }))
    };
    match kind {
        "SessionEnded" => Role::Danger,
        "SessionCrashed" | "ActionRefused" | "HeadSignFailed" => Role::Crit,
        "ConfigWarned" | "DriftObserved" | "RollbackRecommended" | "ShiftPaused" => Role::Warn,
        "ItemTicked" => Role::Ok,
        "ItemUnticked" => Role::Warn,
        "GoNoGoDecided" | "ApprovalRecorded" => Role::Accent,
        "ActionRequested" if rollback(action(':')) => Role::Danger,
        "ActionOutcome" if rollback(action(' ')) => Role::Danger,
        "ActionOutcome" => {
            // This line's outcome, not the action's latest: `a3 outcome unknown: …`.
            let word = summary.split_once(' ').map_or("", |(_, rest)| rest);
            let is = |o: Outcome| word.starts_with(outcome_word(o));
            if is(Outcome::Applied) || is(Outcome::Skipped) {
                Role::Text
            } else if is(Outcome::Unknown) {
                Role::Warn
            } else {
                Role::Crit
            }
        }
        "RollbackVerified" if summary.contains("NOT verified") => Role::Crit,
        "AutoRollbackArmed" if summary.contains("DISARMED") => Role::Warn,
        "CommsSent" if summary.contains("FAILED") => Role::Crit,
        _ => Role::Text,
    }
}
