//! The pods pane: name, version, phase, ready, restarts, age and reason, problems first
//! (crash-looping and failing, then not ready, then the rest by version and name), with a
//! count summary in the title and a `/` filter of its own.
//!
//! Drawing is virtualised: ordering is one pass that groups pods (`pods_view`; no sort of
//! 10,000 rows), and only the rows that fit are formatted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::freshness::{self, Feed, LiveFrame};
use super::pods_view::PodsView;
use super::widgets::{fit, fit_middle, span};
use super::{Ctx, sanitize, timefmt};
use crate::config::theme::Role;
use crate::event::PodRow;
use crate::state::live::{Live, pod_concern};

/// Reasons that mean a pod is broken rather than on its way up.
const BAD_REASONS: &[&str] = &[
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "OOMKilled",
    "Error",
    "CreateContainerConfigError",
    "CreateContainerError",
    "InvalidImageName",
    "RunContainerError",
];

/// Columns give way until a pod name has at least this many cells.
const NAME_STUB: usize = 20;

/// The title's counts: `pods 12 · 2 crash-looping · 1 not ready`.
fn counts<'a>(ctx: &Ctx<'_>, live: &Live) -> Vec<Span<'a>> {
    let (mut crash, mut failing, mut unready) = (0, 0, 0);
    for p in live.pods.values() {
        match pod_concern(p) {
            0 if p.reason.as_deref() == Some("CrashLoopBackOff") => crash += 1,
            0 => failing += 1,
            1 => unready += 1,
            _ => {}
        }
    }
    let theme = ctx.theme;
    let mut out = vec![Span::raw(format!(" pods {} ", live.pods.len()))];
    for (n, what, role) in [
        (crash, "crash-looping", Role::Crit),
        (failing, "failing", Role::Crit),
        (unready, "not ready", Role::Warn),
    ] {
        if n > 0 {
            out.push(span(theme, Role::Muted, "· "));
            out.push(span(theme, role, format!("{n} {what} ")));
        }
    }
    out
}

/// A column of the table, in the order drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Version,
    Phase,
    Ready,
    Restarts,
    Age,
    Reason,
}

impl Col {
    fn header(self, merged: bool) -> &'static str {
        match self {
            Col::Version => "VERSION",
            // Without its own reason column, phase shows the reason when there is one, as
            // kubectl's STATUS does.
            Col::Phase if merged => "STATUS",
            Col::Phase => "PHASE",
            Col::Ready => "READY",
            Col::Restarts => "RESTARTS",
            Col::Age => "AGE",
            Col::Reason => "REASON",
        }
    }
}

/// Columns dropped first when the pane is narrow come last here. A dropped reason column is
/// not lost: the phase column shows the reason instead.
const PRIORITY: [Col; 6] = [
    Col::Phase,
    Col::Ready,
    Col::Restarts,
    Col::Age,
    Col::Version,
    Col::Reason,
];
const DRAW_ORDER: [Col; 6] = [
    Col::Version,
    Col::Phase,
    Col::Ready,
    Col::Restarts,
    Col::Age,
    Col::Reason,
];

/// Draws the pane; the cursor row is marked while the pane has focus.
pub fn render(ctx: &Ctx<'_>, view: &mut PodsView, focused: bool, area: Rect, buf: &mut Buffer) {
    let live = &ctx.state.live;
    let mut title = counts(ctx, live);
    if !view.filter.is_empty() || view.filtering {
        let cursor = if view.filtering { "▏" } else { "" };
        title.push(span(
            ctx.theme,
            Role::Warn,
            format!("/{}{cursor} ", sanitize::line(&view.filter)),
        ));
    }
    let frame = LiveFrame::begin(ctx, title, Vec::new(), Feed::Pods, focused, area, buf);
    let body = frame.body;
    let rows = view.rows(live);
    if body.height < 2 || body.width < 8 || rows.is_empty() {
        if live.pods.is_empty() {
            freshness::message(ctx, body, &frame.fresh, Feed::Pods, "pods", buf);
        } else if !body.is_empty() {
            let msg = if rows.is_empty() {
                "no pod matches the filter"
            } else {
                "too small for the pod table"
            };
            buf.set_line(
                body.x,
                body.y,
                &Line::styled(msg, ctx.theme.style(Role::Muted)),
                body.width,
            );
        }
        frame.finish(ctx, buf);
        return;
    }
    let height = usize::from(body.height - 1);
    let ix = view.index(&rows);
    if let Some(p) = rows.get(ix) {
        view.cursor = Some(p.name.clone());
    }
    view.scroll_to(ix, rows.len(), height);
    let visible = &rows[view.top..(view.top + height).min(rows.len())];
    table(ctx, visible, view, focused, body, buf);
    // Where the cursor is, on the bottom border.
    let pos = format!(" {}/{} ", ix + 1, rows.len());
    let w = u16::try_from(pos.chars().count()).unwrap_or(0);
    if area.width > w + 2 && area.height > 1 {
        let line = Line::styled(pos, ctx.theme.style(Role::Muted));
        buf.set_line(area.right() - w - 1, area.bottom() - 1, &line, w);
    }
    frame.finish(ctx, buf);
}

fn table(
    ctx: &Ctx<'_>,
    visible: &[&PodRow],
    view: &PodsView,
    focused: bool,
    body: Rect,
    buf: &mut Buffer,
) {
    let theme = ctx.theme;
    let longest = |f: &dyn Fn(&PodRow) -> usize| visible.iter().map(|p| f(p)).max().unwrap_or(0);
    let reason_w = longest(&|p| p.reason.as_ref().map_or(0, |r| r.chars().count()));
    let width = |c: Col, merged: bool| -> usize {
        let content = match c {
            Col::Version => longest(&|p| p.version.chars().count()).min(12),
            Col::Phase if merged => longest(&|p| phase(p).len()).max(reason_w),
            Col::Phase => longest(&|p| phase(p).len()),
            Col::Ready => 5,
            Col::Restarts => 3,
            Col::Age => longest(&|p| age(ctx, p).len()),
            Col::Reason => reason_w,
        };
        content.max(c.header(merged).len())
    };
    let name_w = longest(&|p| p.name.chars().count()).clamp(4, 48);
    let total = usize::from(body.width);
    let mut cols: Vec<Col> = PRIORITY.to_vec();
    if reason_w == 0 {
        cols.retain(|c| *c != Col::Reason);
    }
    let cost = |cols: &[Col]| {
        let merged = !cols.contains(&Col::Reason);
        cols.iter().map(|c| width(*c, merged) + 2).sum::<usize>()
    };
    // Drop the least useful columns until the names keep at least a readable stub.
    while !cols.is_empty() && name_w.min(NAME_STUB) + cost(&cols) > total {
        cols.pop();
    }
    let merged = !cols.contains(&Col::Reason);
    let name_w = name_w.min(total.saturating_sub(cost(&cols))).max(1);
    let order: Vec<Col> = DRAW_ORDER
        .into_iter()
        .filter(|c| cols.contains(c))
        .collect();

    let mut header = vec![span(theme, Role::Muted, fit("NAME", name_w))];
    for c in &order {
        header.push(span(
            theme,
            Role::Muted,
            format!("  {}", fit(c.header(merged), width(*c, merged))),
        ));
    }
    buf.set_line(body.x, body.y, &Line::from(header), body.width);

    for (n, p) in visible.iter().enumerate() {
        let y = body.y + 1 + u16::try_from(n).unwrap_or(u16::MAX);
        let mut spans = vec![span(
            theme,
            if p.terminating {
                Role::Muted
            } else {
                Role::Text
            },
            fit_middle(&sanitize::line(&p.name), name_w),
        )];
        for c in &order {
            let w = width(*c, merged);
            let (role, text) = cell(ctx, p, *c, merged);
            spans.push(Span::raw("  "));
            spans.push(span(theme, role, fit(&text, w)));
        }
        let row = Rect::new(body.x, y, body.width, 1);
        buf.set_line(body.x, y, &Line::from(spans), body.width);
        if focused && view.cursor.as_deref() == Some(p.name.as_str()) {
            buf.set_style(row, theme.style(Role::Selected));
        }
    }
}

fn phase(p: &PodRow) -> &str {
    if p.terminating {
        "Terminating"
    } else {
        &p.phase
    }
}

/// How long ago the pod was created: `45s`, `52m`, `3d`.
fn age(ctx: &Ctx<'_>, p: &PodRow) -> String {
    p.created.map_or_else(
        || "?".to_string(),
        |c| timefmt::short_span(ctx.now.duration_since(c).as_secs().max(0)),
    )
}

fn reason_role(reason: &str) -> Role {
    if BAD_REASONS.contains(&reason) {
        Role::Crit
    } else {
        Role::Warn
    }
}

/// One cell's role and text. With no room for the reason column, a reason replaces the phase.
fn cell(ctx: &Ctx<'_>, p: &PodRow, c: Col, merged_reason: bool) -> (Role, String) {
    match c {
        Col::Version => (
            ctx.versions.role(&p.version),
            sanitize::line(&p.version).into_owned(),
        ),
        Col::Phase => match (&p.reason, merged_reason) {
            (Some(r), true) => (reason_role(r), sanitize::line(r).into_owned()),
            _ => {
                let role = match phase(p) {
                    "Failed" | "Unknown" => Role::Crit,
                    "Pending" => Role::Warn,
                    "Running" => Role::Text,
                    _ => Role::Muted,
                };
                (role, sanitize::line(phase(p)).into_owned())
            }
        },
        Col::Ready => {
            let (r, t) = p.ready;
            let role = if r < t { Role::Warn } else { Role::Text };
            (role, format!("{r}/{t}"))
        }
        Col::Restarts => {
            let role = if p.restarts > 0 {
                Role::Warn
            } else {
                Role::Muted
            };
            (role, p.restarts.to_string())
        }
        Col::Age => (Role::Muted, age(ctx, p)),
        Col::Reason => match &p.reason {
            Some(r) => (reason_role(r), sanitize::line(r).into_owned()),
            None => (Role::Muted, String::new()),
        },
    }
}
