//! The gates pane: the preview first (what the next step, go or the next traffic step, would
//! meet if taken now, with its reasons), then every gate with its status symbol, name, hard or
//! advisory, and its one-line why, blocking gates first. The title counts down to the
//! deployment window closing, or says when it opens.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::widgets::{fit, pane_block, span};
use super::{Ctx, sanitize, timefmt};
use crate::config::theme::Role;
use crate::event::{Actor, GateId, GateResult, GateStatus};
use crate::release::gates;
use crate::release::preview::{self, Blocker, Next, Preview};

/// Below this inner width the hard/advisory column is left out.
const TAG_MIN_WIDTH: u16 = 50;
/// Below this inner width a gate row is its symbol and name, and the preview a few words.
const WHY_MIN_WIDTH: u16 = 44;
/// The window countdown turns to warn this close to the end.
const CLOSING_SOON_S: i64 = 30 * 60;

/// Draws the pane; `operator` is who would take the next step.
pub fn render(
    ctx: &Ctx<'_>,
    operator: Option<&Actor>,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
) {
    let theme = ctx.theme;
    let Some(cfg) = ctx.state.config.as_deref() else {
        let block = pane_block(theme, Line::from(" gates "), focused);
        let inner = block.inner(area);
        block.render(area, buf);
        let text = "no warroom.toml: gates and go/no-go need one (-c FILE)";
        Paragraph::new(Line::styled(text, theme.style(Role::Muted)))
            .wrap(Wrap { trim: true })
            .render(inner, buf);
        return;
    };
    let p = preview::preview(ctx.state, cfg, ctx.now, operator);
    // After go the gates are shown as the go of that round would meet them now (a window
    // closing mid-shift still matters); before go they are the preview's own.
    let results = if p.gates.is_empty() {
        let go = crate::event::DecisionRef {
            kind: crate::event::DecisionKind::Go,
            release: cfg.deployment.release.clone(),
            round: ctx.state.release.go_round().unwrap_or(1),
            step: None,
        };
        let decider = operator.map_or("", |o| o.name.as_str());
        gates::evaluate(ctx.state, cfg, ctx.now, &go, decider)
    } else {
        p.gates.clone()
    };
    let before_go = matches!(p.next, Next::Go(_));
    let block = pane_block(
        theme,
        title(ctx, cfg, &results, before_go, area.width),
        focused,
    );
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.is_empty() {
        return;
    }
    let narrow = inner.width < WHY_MIN_WIDTH;
    let long = p.summary();
    let mut summary = if long.chars().count() + 2 <= usize::from(inner.width) {
        long
    } else {
        p.short()
    };
    // With room for one line only, it carries the first reason too.
    if inner.height == 1
        && let Some(first) = p.blockers.first()
    {
        summary = format!("{} — {}", p.short(), first.why);
    }
    let mut lines = vec![summary_line(ctx, &p, summary)];
    lines.extend(reasons(ctx, &p));
    let rows = sorted(&results);
    let room = usize::from(inner.height).saturating_sub(lines.len());
    // A single row left shows the most pressing gate rather than a count.
    let shown = if rows.len() > room && room > 1 {
        room - 1
    } else {
        rows.len().min(room)
    };
    let label_w = rows
        .iter()
        .map(|r| r.gate.label().chars().count())
        .max()
        .unwrap_or(0)
        .min(if inner.width < TAG_MIN_WIDTH { 14 } else { 27 });
    let tags = inner.width >= TAG_MIN_WIDTH;
    // Rows left over once every gate has its line go to whys that do not fit, top first.
    let mut spare = room.saturating_sub(rows.len());
    for r in rows.iter().take(shown) {
        if narrow {
            let (sym, role) = look(r);
            lines.push(Line::from(span(
                theme,
                role,
                format!("{sym} {}", r.gate.label()),
            )));
        } else {
            let row = gate_lines(ctx, r, label_w, tags, usize::from(inner.width), spare);
            spare -= row.len() - 1;
            lines.extend(row);
        }
    }
    if shown < rows.len() && room > shown {
        let rest = &rows[shown..];
        let all = |s: GateStatus| rest.iter().all(|r| r.status == s);
        let text = if all(GateStatus::Pass) {
            format!("+{} more passing", rest.len())
        } else if all(GateStatus::NotConfigured) {
            format!("+{} more not configured", rest.len())
        } else {
            format!("+{} more", rest.len())
        };
        lines.push(Line::styled(text, theme.style(Role::Muted)));
    }
    for (i, l) in lines.iter().take(usize::from(inner.height)).enumerate() {
        let y = inner.y + u16::try_from(i).unwrap_or(u16::MAX);
        buf.set_line(inner.x, y, l, inner.width);
    }
}

/// ` gates 2 blocking · window closes in 1h 12m `, the parts that fit.
fn title<'a>(
    ctx: &Ctx<'_>,
    cfg: &crate::config::warroom::WarroomConfig,
    results: &[GateResult],
    before_go: bool,
    width: u16,
) -> Line<'a> {
    let theme = ctx.theme;
    let mut spans = vec![Span::raw(" gates ")];
    // Gates block a go; once the release went, the preview line says what blocks.
    let blocking = results.iter().filter(|r| r.blocks()).count();
    if before_go && blocking > 0 {
        spans.push(span(theme, Role::Crit, format!("{blocking} blocking ")));
    }
    let window = if let Some(left) = gates::closes_in(cfg, ctx.now) {
        let role = if left.as_secs() < CLOSING_SOON_S {
            Role::Warn
        } else {
            Role::Muted
        };
        let left = timefmt::span(left.as_secs());
        Some((
            role,
            format!("window closes in {left} "),
            format!("{left} left "),
        ))
    } else {
        gates::next_opening(cfg, ctx.now).map(|z| {
            let left = timefmt::span(z.timestamp().duration_since(ctx.now).as_secs());
            let when = z.strftime("%a %H:%M").to_string();
            (
                Role::Warn,
                format!("window opens {when} (in {left}) "),
                format!("opens {when} "),
            )
        })
    };
    // The countdown matters more than its words, and more than the count of blocking gates
    // (the preview line says that too): a narrow title keeps the time.
    if let Some((role, long, short)) = window {
        let fits = |spans: &[Span<'_>], t: &str| {
            let used: usize = spans.iter().map(Span::width).sum();
            used + 2 + t.chars().count() + 2 <= usize::from(width)
        };
        let mut text = [&long, &short].into_iter().find(|t| fits(&spans, t));
        if text.is_none() && spans.len() > 1 {
            spans.truncate(1);
            text = [&long, &short].into_iter().find(|t| fits(&spans, t));
        }
        if let Some(t) = text {
            spans.push(span(theme, Role::Muted, "· "));
            spans.push(span(theme, role, t.clone()));
        }
    }
    Line::from(spans)
}

/// `▶ go for 1.2.3 (round 1): refused now (2 hard gates fail)`, or its short form.
fn summary_line<'a>(ctx: &Ctx<'_>, p: &Preview, text: String) -> Line<'a> {
    let role = match p.next {
        Next::Nothing(_) => Role::Muted,
        _ if p.allowed() => Role::Ok,
        _ => Role::Crit,
    };
    Line::from(vec![
        span(ctx.theme, role, "▶ "),
        span(ctx.theme, role, sanitize::line(&text).into_owned()),
    ])
}

/// The preview's reasons that are not gate rows: everything in a shift, and before go the
/// role and the plan outlasting the window.
fn reasons<'a>(ctx: &Ctx<'_>, p: &Preview) -> Vec<Line<'a>> {
    // Before go the gates have their own rows; after it every reason is the step's.
    let go = matches!(p.next, Next::Go(_));
    let not_a_gate = |b: &&Blocker| !go || GateId::from_name(&b.what).is_none();
    let row = |b: &Blocker, sym: &'static str, role: Role| {
        let mut spans = vec![
            span(ctx.theme, role, format!("  {sym} ")),
            span(ctx.theme, role, format!("{}: ", b.what)),
            span(ctx.theme, role, sanitize::line(&b.why).into_owned()),
        ];
        if b.overridable && !matches!(p.next, Next::Go(_)) {
            spans.push(span(ctx.theme, Role::Muted, " (override with a reason)"));
        }
        Line::from(spans)
    };
    let mut out: Vec<Line<'a>> = p
        .blockers
        .iter()
        .filter(not_a_gate)
        .map(|b| row(b, "✗", Role::Crit))
        .collect();
    out.extend(
        p.warnings
            .iter()
            .filter(not_a_gate)
            .map(|b| row(b, "!", Role::Warn)),
    );
    out
}

/// Blocking gates first, then advisory ones that do not pass, then passing, then those not
/// configured; in the gates' own order within each group.
pub(super) fn sorted(results: &[GateResult]) -> Vec<&GateResult> {
    let rank = |r: &GateResult| match (r.status, r.hard) {
        (GateStatus::Fail | GateStatus::Unknown, true) => 0,
        (GateStatus::Fail | GateStatus::Unknown, false) => 1,
        (GateStatus::Pass, _) => 2,
        (GateStatus::NotConfigured, _) => 3,
    };
    let mut rows: Vec<&GateResult> = results.iter().collect();
    rows.sort_by_key(|r| rank(r));
    rows
}

/// The symbol and role of a gate's status: a failing hard gate is crit, an advisory one warn;
/// Unknown blocks like a failure but reads differently.
pub(super) fn look(r: &GateResult) -> (&'static str, Role) {
    match (r.status, r.hard) {
        (GateStatus::Pass, _) => ("✓", Role::Ok),
        (GateStatus::Fail, true) => ("✗", Role::Crit),
        (GateStatus::Fail, false) => ("✗", Role::Warn),
        (GateStatus::Unknown, _) => ("?", Role::Warn),
        (GateStatus::NotConfigured, _) => ("–", Role::Muted),
    }
}

/// `✗ deployment window     hard  closed (Tue–Thu 10:00–14:00 UTC); opens …`, its why
/// wrapped under itself onto at most `extra` more lines when it does not fit `width`.
pub(super) fn gate_lines<'a>(
    ctx: &Ctx<'_>,
    r: &GateResult,
    label_w: usize,
    tags: bool,
    width: usize,
    extra: usize,
) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    let (sym, role) = look(r);
    let text_role = match r.status {
        GateStatus::Pass => Role::Text,
        GateStatus::NotConfigured => Role::Muted,
        _ => role,
    };
    let mut spans = vec![
        span(theme, role, format!("{sym} ")),
        span(theme, text_role, fit(r.gate.label(), label_w)),
        Span::raw(" "),
    ];
    if tags {
        // A gate that is not checked is neither.
        let tag = match (r.status, r.hard) {
            (GateStatus::NotConfigured, _) => "     ",
            (_, true) => "hard ",
            (_, false) => "adv. ",
        };
        spans.push(span(theme, Role::Muted, tag));
    }
    let indent: usize = spans.iter().map(Span::width).sum();
    let why = sanitize::line(&r.why).into_owned();
    let mut chunks = wrap(&why, width.saturating_sub(indent).max(1), extra + 1);
    let first = if chunks.is_empty() {
        String::new()
    } else {
        chunks.remove(0)
    };
    spans.push(span(theme, text_role, first));
    let mut out = vec![Line::from(spans)];
    out.extend(chunks.into_iter().map(|c| {
        Line::from(vec![
            Span::raw(" ".repeat(indent)),
            span(theme, text_role, c),
        ])
    }));
    out
}

/// `text` in lines of at most `width` characters broken at spaces, at most `max` lines; the
/// last line keeps whatever is left (the row cuts it).
pub(super) fn wrap(text: &str, width: usize, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut words = text.split(' ').peekable();
    while let Some(word) = words.next() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width && out.len() + 1 < max {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        if out.len() + 1 == max && words.peek().is_some() {
            // The last line allowed: the rest goes on it as it is.
            line.push(' ');
            line.push_str(&words.collect::<Vec<_>>().join(" "));
            break;
        }
    }
    out.push(line);
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn whys_wrap_at_spaces_within_the_lines_allowed() {
        assert_eq!(wrap("a bb ccc dddd", 6, 5), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("a bb ccc dddd", 6, 2), ["a bb", "ccc dddd"]);
        assert_eq!(wrap("short", 20, 3), ["short"]);
        assert_eq!(wrap("one two", 20, 1), ["one two"]);
    }
}
