//! The detail pane: the selected item in full (wrapped text, its `stage/item` id for headless
//! use, required/role, commands, runbook notes, recorded notes, who ticked it), or the
//! selected stage's figures when the cursor is on a stage.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::rows::Row;
use super::widgets::{pane_block, span};
use super::{Ctx, sanitize, timefmt};
use crate::config::theme::Role;

/// Draws the pane; `scroll` is clamped to the text.
pub fn render(
    ctx: &Ctx<'_>,
    cursor: Option<Row>,
    scroll: &mut u16,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
) {
    let lines = match cursor {
        Some(Row::Item(si, ii)) => item_lines(ctx, si, ii),
        Some(Row::Stage(si)) => stage_lines(ctx, si),
        None => vec![Line::styled(
            "nothing selected",
            ctx.theme.style(Role::Muted),
        )],
    };
    *scroll = (*scroll).min(u16::try_from(lines.len().saturating_sub(1)).unwrap_or(u16::MAX));
    let block = pane_block(ctx.theme, Line::raw(" detail "), focused);
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((*scroll, 0))
        .render(area, buf);
}

fn field<'a>(ctx: &Ctx<'a>, label: &'static str, value: Vec<Span<'a>>) -> Line<'a> {
    let mut spans = vec![span(ctx.theme, Role::Muted, format!("{label:<9}"))];
    spans.extend(value);
    Line::from(spans)
}

fn heading<'a>(ctx: &Ctx<'a>, text: &'static str) -> Line<'a> {
    Line::styled(text, ctx.theme.style(Role::Heading))
}

fn item_lines<'a>(ctx: &Ctx<'a>, si: usize, ii: usize) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    let (Some(stage), Some(item)) = (
        ctx.state.runbook.stages.get(si),
        ctx.state
            .runbook
            .stages
            .get(si)
            .and_then(|s| s.items.get(ii)),
    ) else {
        return Vec::new();
    };
    let progress = ctx.state.progress(&stage.id, &item.id);
    let overdue = ctx.summary.item_overdue(ctx.state, si, ii, ctx.now);
    let text_role = if overdue { Role::Crit } else { Role::Title };
    let mut out: Vec<Line<'a>> = sanitize::lines(&item.text)
        .map(|l| Line::styled(l.into_owned(), theme.style(text_role)))
        .collect();
    out.push(Line::raw(""));
    out.push(field(
        ctx,
        "id",
        vec![span(
            theme,
            Role::Code,
            format!("{}/{}", sanitize::line(&stage.id), sanitize::line(&item.id)),
        )],
    ));
    out.push(field(
        ctx,
        "stage",
        vec![Span::raw(sanitize::line(&stage.title).into_owned())],
    ));
    let mut needs = vec![if item.required {
        Span::raw("required")
    } else {
        span(theme, Role::Muted, "optional")
    }];
    if let Some(role) = &item.role {
        needs.push(Span::raw(format!(" · role {}", sanitize::line(role))));
    }
    out.push(field(ctx, "needs", needs));
    let status = match progress.and_then(|p| p.ticked.as_ref()) {
        Some(t) => vec![
            span(theme, Role::Ok, "✓ ticked"),
            Span::raw(format!(
                " by {} ({}) at {}",
                sanitize::line(&t.by.name),
                sanitize::line(&t.by.role),
                timefmt::clock(t.at, ctx.tz, ctx.now)
            )),
        ],
        None if ctx.state.checks.is_proven(&stage.id, &item.id) => {
            vec![span(theme, Role::Ok, "✓ proven by its check")]
        }
        None if overdue => vec![span(theme, Role::Crit, "OVERDUE: required and still open")],
        None => vec![span(theme, Role::Muted, "open")],
    };
    out.push(field(ctx, "status", status));
    out.extend(super::checklist::check_lines(ctx, &stage.id, &item.id));

    if !item.commands.is_empty() {
        out.push(Line::raw(""));
        out.push(heading(ctx, "commands"));
        for cmd in &item.commands {
            for (n, l) in sanitize::lines(cmd).enumerate() {
                let prompt = if n == 0 { "  $ " } else { "    " };
                out.push(Line::from(vec![
                    span(theme, Role::Muted, prompt),
                    span(theme, Role::Code, l.into_owned()),
                ]));
            }
        }
    }
    if !item.notes.is_empty() {
        out.push(Line::raw(""));
        out.push(heading(ctx, "runbook notes"));
        for note in &item.notes {
            for (n, l) in sanitize::lines(note).enumerate() {
                let bullet = if n == 0 { "  • " } else { "    " };
                out.push(Line::from(vec![
                    Span::raw(bullet),
                    Span::raw(l.into_owned()),
                ]));
            }
        }
    }
    if let Some(notes) = progress.map(|p| &p.notes).filter(|n| !n.is_empty()) {
        out.push(Line::raw(""));
        out.push(heading(ctx, "recorded notes"));
        for note in notes {
            out.push(Line::from(vec![
                Span::raw("  "),
                span(
                    theme,
                    Role::Accent,
                    sanitize::line(&note.stamp.by.name).into_owned(),
                ),
                span(
                    theme,
                    Role::Muted,
                    format!(" {}", timefmt::clock(note.stamp.at, ctx.tz, ctx.now)),
                ),
            ]));
            for l in sanitize::lines(&note.text) {
                out.push(Line::raw(format!("    {l}")));
            }
        }
    }
    out
}

fn stage_lines<'a>(ctx: &Ctx<'a>, si: usize) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    let (Some(stage), Some(info)) = (ctx.state.runbook.stages.get(si), ctx.summary.stages.get(si))
    else {
        return Vec::new();
    };
    let mut out = vec![
        Line::styled(
            sanitize::line(&stage.title).into_owned(),
            theme.style(Role::Title),
        ),
        Line::raw(""),
        field(
            ctx,
            "id",
            vec![span(
                theme,
                Role::Code,
                sanitize::line(&stage.id).into_owned(),
            )],
        ),
    ];
    let when = match (stage.offset, info.start) {
        (None, _) => vec![span(theme, Role::Muted, "untimed (never overdue)")],
        (Some(off), None) => vec![Span::raw(format!("{} (no T-0 set)", timefmt::offset(off)))],
        (Some(off), Some(start)) => vec![Span::raw(format!(
            "{} · {} · {}",
            timefmt::offset(off),
            timefmt::full(start, ctx.tz),
            timefmt::relative(start, ctx.now)
        ))],
    };
    out.push(field(ctx, "starts", when));
    if let Some(d) = info.deadline {
        out.push(field(ctx, "due", vec![Span::raw(timefmt::full(d, ctx.tz))]));
    }
    // Items proven by their checks count as done without a tick; say how many.
    let proven = stage
        .items
        .iter()
        .filter(|i| {
            !ctx.state.is_ticked(&stage.id, &i.id) && ctx.state.checks.is_proven(&stage.id, &i.id)
        })
        .count();
    let progress = if proven > 0 {
        format!(
            "{}/{} done ({proven} proven by checks)",
            info.done, info.total
        )
    } else {
        format!("{}/{} ticked", info.done, info.total)
    };
    out.push(field(ctx, "progress", vec![Span::raw(progress)]));
    if info.overdue > 0 {
        out.push(field(
            ctx,
            "overdue",
            vec![span(
                theme,
                Role::Crit,
                format!(
                    "{} required item{} still open",
                    info.overdue,
                    if info.overdue == 1 { "" } else { "s" }
                ),
            )],
        ));
    }
    if ctx.summary.current == Some(si) {
        out.push(field(
            ctx,
            "now",
            vec![span(theme, Role::Accent, "the current stage")],
        ));
    }
    if !stage.notes.is_empty() {
        out.push(Line::raw(""));
        out.push(heading(ctx, "notes"));
        for note in &stage.notes {
            for l in sanitize::lines(note) {
                out.push(Line::raw(format!("  {l}")));
            }
        }
    }
    out
}
