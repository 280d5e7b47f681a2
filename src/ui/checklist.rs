//! The checklist pane: stages in order with progress and time relative to T-0, the current
//! stage marked, items with who ticked them and when, each check's live state (pass, fail or
//! unknown with the reason, `for` progress, what it waits for), overdue items in the crit role.
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

/// An item: checkbox and text; then notes count, its check's state and who ticked it when (or
/// OVERDUE, or optional), in shorter forms for narrow panes. `[x]` is a tick, `[✓]` a check's
/// recorded pass.
fn item_row<'a>(ctx: &Ctx<'a>, si: usize, ii: usize) -> (Line<'a>, Vec<Line<'a>>) {
    let theme = ctx.theme;
    let stage = &ctx.state.runbook.stages[si];
    let item = &stage.items[ii];
    let progress = ctx.state.progress(&stage.id, &item.id);
    let ticked = progress.and_then(|p| p.ticked.as_ref());
    let proof = ctx
        .state
        .checks
        .get(&stage.id, &item.id)
        .and_then(|c| c.proof.as_ref());
    let done = ticked.is_some() || proof.is_some();
    let overdue = !done && ctx.summary.item_overdue(ctx.state, si, ii, ctx.now);
    let (mark, mark_role, text_role) = match (ticked.is_some(), proof.is_some(), overdue) {
        (true, _, _) => ("[x] ", Role::Ok, Role::Muted),
        (false, true, _) => ("[✓] ", Role::Ok, Role::Muted),
        (false, false, true) => ("[!] ", Role::Crit, Role::Crit),
        (false, false, false) => ("[ ] ", Role::Muted, Role::Text),
    };
    let left = Line::from(vec![
        Span::raw("    "),
        span(theme, mark_role, mark),
        span(theme, text_role, sanitize::line(&item.text).into_owned()),
    ]);

    let notes = progress.map_or(0, |p| p.notes.len());
    let notes = (notes > 0).then(|| span(theme, Role::Muted, format!("✎{notes}  ")));
    let badge = item
        .check
        .as_ref()
        .map(|_| check_badge(ctx, &stage.id, &item.id));
    let gap = || Span::raw("  ");
    let rights = if let Some(t) = ticked {
        let who = sanitize::line(&t.by.name).into_owned();
        let when = timefmt::clock(t.at, ctx.tz, ctx.now);
        // With a check, say the tick was a person's, not the check's.
        let manual = if item.check.is_some() { " manual" } else { "" };
        let tick = || span(theme, Role::Ok, "✓ ");
        let mut forms = Vec::new();
        if let Some(b) = &badge {
            forms.push(Line::from_iter(
                [notes.clone()]
                    .into_iter()
                    .flatten()
                    .chain(b.long.clone())
                    .chain([
                        gap(),
                        tick(),
                        span(theme, Role::Muted, format!("{who} {when}{manual}")),
                    ]),
            ));
            forms.push(Line::from_iter(b.short.clone().into_iter().chain([
                gap(),
                tick(),
                span(theme, Role::Muted, format!("{who}{manual}")),
            ])));
        }
        forms.extend([
            Line::from_iter(
                [
                    notes,
                    Some(tick()),
                    Some(span(theme, Role::Muted, format!("{who} {when}{manual}"))),
                ]
                .into_iter()
                .flatten(),
            ),
            Line::from(vec![tick(), span(theme, Role::Muted, who)]),
            Line::from(span(theme, Role::Ok, "✓")),
        ]);
        forms
    } else if let Some(b) = badge {
        let late = overdue.then(|| span(theme, Role::Crit, "  OVERDUE"));
        vec![
            Line::from_iter(
                [notes]
                    .into_iter()
                    .flatten()
                    .chain(b.long)
                    .chain(late.clone()),
            ),
            Line::from_iter(b.short.into_iter().chain(late)),
            Line::from(b.symbol),
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

/// A check's state in three widths.
struct Badge<'a> {
    long: Vec<Span<'a>>,
    short: Vec<Span<'a>>,
    symbol: Span<'a>,
}

/// What an item's check shows: proven, the latest result with its value or reason, the `for`
/// progress, or what it waits for (trust, acceptance, a first evaluation).
fn check_badge<'a>(ctx: &Ctx<'a>, stage: &str, item: &str) -> Badge<'a> {
    use crate::event::CheckResult;
    use crate::reduce::checks::{Readiness, progress, readiness};
    let theme = ctx.theme;
    let state = ctx.state.checks.get(stage, item);
    let waiting = |role: Role, long: String, short: &'static str| Badge {
        long: vec![span(theme, role, long)],
        short: vec![span(theme, role, short)],
        symbol: span(theme, role, "…"),
    };
    match readiness(ctx.state, stage, item) {
        Some(Readiness::NeedsTrustFlag) => {
            let argv = ctx
                .state
                .runbook
                .item(stage, item)
                .and_then(|i| i.check.as_ref())
                .map(|c| format!("{:?}", c.argv()))
                .unwrap_or_default();
            return waiting(
                Role::Warn,
                format!("needs trust: {} (--trust-runbook)", sanitize::line(&argv)),
                "needs trust",
            );
        }
        Some(Readiness::NeedsTrust) => {
            let argv = ctx
                .state
                .runbook
                .item(stage, item)
                .and_then(|i| i.check.as_ref())
                .map(|c| format!("{:?}", c.argv()))
                .unwrap_or_default();
            return waiting(
                Role::Warn,
                format!("needs trust: {} (T)", sanitize::line(&argv)),
                "needs trust",
            );
        }
        Some(Readiness::Proposed) => {
            return waiting(
                Role::Accent,
                "proposed check (T accepts)".into(),
                "proposed",
            );
        }
        Some(Readiness::Runs) | None => {}
    }
    let Some(c) = state.filter(|c| c.last.is_some() || c.proof.is_some()) else {
        return waiting(Role::Muted, "check not evaluated yet".into(), "check");
    };
    let mut long = Vec::new();
    let mut short = Vec::new();
    if let Some(p) = &c.proof {
        let when = timefmt::clock(p.at, ctx.tz, ctx.now);
        long.push(span(theme, Role::Ok, format!("proven {when}")));
        short.push(span(theme, Role::Ok, "proven"));
    }
    let Some(last) = &c.last else {
        return Badge {
            long,
            short,
            symbol: span(theme, Role::Ok, "✓"),
        };
    };
    let (sym, role) = match last.result {
        CheckResult::Pass => ("✓", Role::Ok),
        CheckResult::Fail => ("✗", Role::Crit),
        CheckResult::Unknown => ("?", Role::Warn),
    };
    let sep = |v: &mut Vec<Span<'a>>| {
        if !v.is_empty() {
            v.push(span(theme, Role::Muted, " · "));
        }
    };
    // Once proven, a pass needs no more words; anything else still does.
    if c.proof.is_none() || last.result != CheckResult::Pass {
        let words = result_words(sym, last);
        sep(&mut long);
        long.push(span(theme, role, words));
        sep(&mut short);
        short.push(span(theme, role, format!("{sym} {}", last.result.word())));
    }
    if c.proof.is_none()
        && let Some((held, need)) = progress(ctx.state, stage, item)
        && need.is_positive()
    {
        let text = format!(
            "for {}/{}",
            timefmt::short_span(held.as_secs()),
            timefmt::short_span(need.as_secs())
        );
        sep(&mut long);
        long.push(span(theme, Role::Text, text.clone()));
        short.clear();
        short.push(span(theme, role, format!("{sym} {text}")));
    }
    Badge {
        long,
        short,
        symbol: span(theme, role, sym),
    }
}

/// `✗ fail 0.023: not < 0.01`: the result, the value and why, the value left out when the
/// reason already starts with it (`status 503, expected 200`).
fn result_words(sym: &str, last: &crate::state::checks::Evaluation) -> String {
    let mut words = format!("{sym} {}", last.result.word());
    let reason = last.reason.as_deref();
    if let Some(v) = &last.value
        && !reason.is_some_and(|r| r.starts_with(v.as_str()))
    {
        words.push_str(&format!(" {}", sanitize::line(v)));
    }
    if let Some(r) = reason {
        words.push_str(&format!(": {}", sanitize::line(r)));
    }
    words
}

/// The detail pane's lines for an item's check: what it evaluates (the query, the URL or the
/// argv), whether it may run, the latest recorded evaluation and the proof.
pub(crate) fn check_lines<'a>(ctx: &Ctx<'a>, stage: &str, item: &str) -> Vec<Line<'a>> {
    use crate::reduce::checks::{Readiness, readiness};
    let theme = ctx.theme;
    let Some(check) = ctx
        .state
        .runbook
        .item(stage, item)
        .and_then(|i| i.check.as_ref())
    else {
        return Vec::new();
    };
    let field = |label: &'static str, value: Vec<Span<'a>>| {
        let mut spans = vec![span(theme, Role::Muted, format!("  {label:<9}"))];
        spans.extend(value);
        Line::from(spans)
    };
    let mut out = vec![
        Line::raw(""),
        Line::styled("check", theme.style(Role::Heading)),
        field(
            "runs",
            vec![span(
                theme,
                Role::Code,
                sanitize::line(&check.describe()).into_owned(),
            )],
        ),
    ];
    if check.is_command() {
        let argv: Vec<String> = check.argv().iter().map(|a| format!("{a:?}")).collect();
        out.push(field(
            "argv",
            vec![span(
                theme,
                Role::Code,
                sanitize::line(&argv.join(" ")).into_owned(),
            )],
        ));
    }
    let state = ctx.state.checks.get(stage, item);
    let trust = match readiness(ctx.state, stage, item) {
        Some(Readiness::NeedsTrustFlag) => span(
            theme,
            Role::Warn,
            "not run: command checks need a war room started with --trust-runbook",
        ),
        Some(Readiness::NeedsTrust) => span(
            theme,
            Role::Warn,
            "not run until you allow this exact argv: press T",
        ),
        Some(Readiness::Proposed) => span(
            theme,
            Role::Accent,
            "proposed by the import: press T to accept it, or edit the runbook",
        ),
        Some(Readiness::Runs) | None => match state.and_then(|c| c.trusted.as_ref()) {
            Some(t) => Span::raw(format!(
                "trusted by {} at {}",
                sanitize::line(&t.by.name),
                timefmt::clock(t.at, ctx.tz, ctx.now)
            )),
            None => Span::raw("runs while its stage is current"),
        },
    };
    out.push(field("trust", vec![trust]));
    if let Some(last) = state.and_then(|c| c.last.as_ref()) {
        let (sym, role) = match last.result {
            crate::event::CheckResult::Pass => ("✓", Role::Ok),
            crate::event::CheckResult::Fail => ("✗", Role::Crit),
            crate::event::CheckResult::Unknown => ("?", Role::Warn),
        };
        let mut words = result_words(sym, last);
        words.push_str(&format!(" at {}", timefmt::clock(last.at, ctx.tz, ctx.now)));
        out.push(field("latest", vec![span(theme, role, words)]));
    }
    if let Some(p) = state.and_then(|c| c.proof.as_ref()) {
        out.push(field(
            "proven",
            vec![span(
                theme,
                Role::Ok,
                format!(
                    "by the recorded pass at {}",
                    timefmt::clock(p.at, ctx.tz, ctx.now)
                ),
            )],
        ));
    }
    out
}
