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
    // A cursor on a row that is gone (folded, filtered) moves to the row that stands in for it.
    if let Some(r) = rows.get(ix) {
        view.cursor = Some(*r);
    }
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
            "nothing matches the filter"
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
        let (left, rights) = match *row {
            Row::Stage(si) => stage_row(ctx, view, si),
            Row::Item(si, ii) => item_row(ctx, si, ii),
        };
        two_sided(buf, rect, &left, &rights);
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

/// A stage header: fold mark, current-stage mark, title; then progress, time and overdue
/// count, in shorter forms for narrow panes.
fn stage_row<'a>(ctx: &Ctx<'a>, view: &ChecklistView, si: usize) -> (Line<'a>, Vec<Line<'a>>) {
    let theme = ctx.theme;
    let stage = &ctx.state.runbook.stages[si];
    let current = ctx.summary.current == Some(si);
    let fold = if view.collapsed.contains(&si) && view.filter.is_empty() {
        "▸ "
    } else {
        "▾ "
    };
    let left = Line::from(vec![
        span(theme, Role::Muted, fold),
        if current {
            span(theme, Role::Accent, "▶ ")
        } else {
            Span::raw("  ")
        },
        span(
            theme,
            if current { Role::Accent } else { Role::Heading },
            sanitize::line(&stage.title).into_owned(),
        ),
    ]);

    let info = &ctx.summary.stages[si];
    let progress_role = if info.total > 0 && info.done == info.total {
        Role::Ok
    } else {
        Role::Text
    };
    let progress = || {
        span(
            theme,
            progress_role,
            format!("{}/{}", info.done, info.total),
        )
    };
    let overdue = |long: bool| {
        (info.overdue > 0).then(|| {
            let text = if long {
                format!("  ⚠ {} overdue", info.overdue)
            } else {
                format!("  ⚠ {}", info.overdue)
            };
            span(theme, Role::Crit, text)
        })
    };
    let short_when = stage
        .offset
        .map_or_else(|| "untimed".to_string(), timefmt::offset);
    let rights = vec![
        Line::from_iter(
            [
                Some(progress()),
                Some(span(
                    theme,
                    Role::Muted,
                    format!("  {}", stage_when(ctx, stage, si)),
                )),
                overdue(true),
            ]
            .into_iter()
            .flatten(),
        ),
        Line::from_iter(
            [
                Some(progress()),
                Some(span(theme, Role::Muted, format!("  {short_when}"))),
                overdue(false),
            ]
            .into_iter()
            .flatten(),
        ),
        Line::from_iter([Some(progress()), overdue(false)].into_iter().flatten()),
    ];
    (left, rights)
}

/// An item: checkbox and text; then notes count and who ticked it when (or OVERDUE, or
/// optional), in shorter forms for narrow panes.
fn item_row<'a>(ctx: &Ctx<'a>, si: usize, ii: usize) -> (Line<'a>, Vec<Line<'a>>) {
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

    let notes = progress.map_or(0, |p| p.notes.len());
    let notes = (notes > 0).then(|| span(theme, Role::Muted, format!("✎{notes}  ")));
    let rights = if let Some(t) = ticked {
        let who = sanitize::line(&t.by.name).into_owned();
        let when = timefmt::clock(t.at, ctx.tz, ctx.now);
        let tick = || span(theme, Role::Ok, "✓ ");
        vec![
            Line::from_iter(
                [
                    notes,
                    Some(tick()),
                    Some(span(theme, Role::Muted, format!("{who} {when}"))),
                ]
                .into_iter()
                .flatten(),
            ),
            Line::from(vec![tick(), span(theme, Role::Muted, who)]),
            Line::from(span(theme, Role::Ok, "✓")),
        ]
    } else if overdue {
        vec![Line::from_iter(
            [notes, Some(span(theme, Role::Crit, "OVERDUE"))]
                .into_iter()
                .flatten(),
        )]
    } else {
        let optional = (!item.required).then(|| span(theme, Role::Muted, "optional"));
        vec![Line::from_iter([notes, optional].into_iter().flatten())]
    };
    (left, rights)
}
