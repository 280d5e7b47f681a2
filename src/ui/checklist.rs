//! The checklist pane: stages in order with progress and time relative to T-0, the current
//! stage marked, items with who ticked them and when, overdue items in the crit role.
//!
//! Drawing is virtualised: only the rows that fit are formatted, so a 500-item runbook costs
//! about as much as a 50-item one.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::rows::{ChecklistView, Row};
use super::widgets::{pane_block, span, two_sided};
use super::{Ctx, sanitize, timefmt};
use crate::config::theme::Role;
use crate::runbook::Stage;

/// Draws the pane and keeps the cursor in view.
pub fn render(
    ctx: &Ctx<'_>,
    view: &mut ChecklistView,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
) {
    let rows = view.rows(ctx.state);
    let height = usize::from(area.height.saturating_sub(2));
    let ix = view.index(&rows);
    view.scroll_to(ix, rows.len(), height);

    let theme = ctx.theme;
    let mut title = vec![Span::raw(" checklist ")];
    if !view.filter.is_empty() || view.filtering {
        let cursor = if view.filtering { "▏" } else { "" };
        title.push(span(
            theme,
            Role::Warn,
            format!("/{}{cursor} ", sanitize::line(&view.filter)),
        ));
    }
    let mut block = pane_block(theme, Line::from(title), focused);
    if !rows.is_empty() {
        let pos = format!(" {}/{} ", ix + 1, rows.len());
        block = block.title_bottom(Line::styled(pos, theme.style(Role::Muted)).right_aligned());
    }
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.is_empty() {
        return;
    }
    if rows.is_empty() {
        let msg = if ctx.state.runbook.stages.is_empty() {
            "waiting for the session to start…"
        } else {
            "nothing matches the filter (esc clears it)"
        };
        buf.set_line(
            inner.x,
            inner.y,
            &Line::styled(msg, theme.style(Role::Muted)),
            inner.width,
        );
        return;
    }
    let selected = theme.style(Role::Selected);
    for (n, row) in rows.iter().skip(view.top).take(height).enumerate() {
        let y = inner.y + u16::try_from(n).unwrap_or(u16::MAX);
        let rect = Rect::new(inner.x, y, inner.width, 1);
        let (left, right) = match *row {
            Row::Stage(si) => stage_row(ctx, view, si),
            Row::Item(si, ii) => item_row(ctx, si, ii),
        };
        two_sided(buf, rect, &left, &right);
        if Some(*row) == view.cursor {
            buf.set_style(rect, selected);
        }
    }
}

/// What to say about a stage's time: untimed, the bare offset without a T-0, or the offset
/// with when it starts or started.
fn stage_when(ctx: &Ctx<'_>, stage: &Stage, si: usize) -> String {
    let Some(off) = stage.offset else {
        return "untimed".into();
    };
    let label = timefmt::offset(off);
    match ctx.summary.stages.get(si).and_then(|i| i.start) {
        Some(start) => format!("{label} · {}", timefmt::relative(start, ctx.now)),
        None => format!("{label} · no T-0 set"),
    }
}

fn stage_row<'a>(ctx: &Ctx<'a>, view: &ChecklistView, si: usize) -> (Line<'a>, Line<'a>) {
    let theme = ctx.theme;
    let stage = &ctx.state.runbook.stages[si];
    let current = ctx.summary.current == Some(si);
    let fold = if view.collapsed.contains(&si) && view.filter.is_empty() {
        "▸ "
    } else {
        "▾ "
    };
    let title_role = if current { Role::Accent } else { Role::Heading };
    let mut left = vec![span(theme, Role::Muted, fold)];
    left.push(if current {
        span(theme, Role::Accent, "▶ ")
    } else {
        Span::raw("  ")
    });
    left.push(span(
        theme,
        title_role,
        sanitize::line(&stage.title).into_owned(),
    ));
    if current {
        left.push(span(theme, Role::Accent, "  (now)"));
    }

    let info = &ctx.summary.stages[si];
    let progress_role = if info.total > 0 && info.done == info.total {
        Role::Ok
    } else {
        Role::Text
    };
    let mut right = vec![
        span(
            theme,
            progress_role,
            format!("{}/{}", info.done, info.total),
        ),
        span(
            theme,
            Role::Muted,
            format!("  {}", stage_when(ctx, stage, si)),
        ),
    ];
    if info.overdue > 0 {
        right.push(span(
            theme,
            Role::Crit,
            format!("  ⚠ {} overdue", info.overdue),
        ));
    }
    (Line::from(left), Line::from(right))
}

fn item_row<'a>(ctx: &Ctx<'a>, si: usize, ii: usize) -> (Line<'a>, Line<'a>) {
    let theme = ctx.theme;
    let stage = &ctx.state.runbook.stages[si];
    let item = &stage.items[ii];
    let progress = ctx.state.progress(&stage.id, &item.id);
    let ticked = progress.and_then(|p| p.ticked.as_ref());
    let overdue = ticked.is_none() && ctx.summary.item_overdue(ctx.state, si, ii, ctx.now);
    let (mark, mark_role, text_role) = match (ticked.is_some(), overdue) {
        (true, _) => ("[x] ", Role::Ok, Role::Muted),
        (false, true) => ("[!] ", Role::Crit, Role::Crit),
        (false, false) => ("[ ] ", Role::Muted, Role::Text),
    };
    let left = Line::from(vec![
        Span::raw("    "),
        span(theme, mark_role, mark),
        span(theme, text_role, sanitize::line(&item.text).into_owned()),
    ]);

    let mut right = Vec::new();
    let notes = progress.map_or(0, |p| p.notes.len());
    if notes > 0 {
        right.push(span(theme, Role::Muted, format!("✎{notes}  ")));
    }
    if let Some(t) = ticked {
        right.push(span(theme, Role::Ok, "✓ "));
        right.push(span(
            theme,
            Role::Muted,
            format!(
                "{} {}",
                sanitize::line(&t.by.name),
                timefmt::clock(t.at, ctx.tz, ctx.now)
            ),
        ));
    } else if overdue {
        right.push(span(theme, Role::Crit, "OVERDUE"));
    } else if !item.required {
        right.push(span(theme, Role::Muted, "optional"));
    }
    (left, Line::from(right))
}
