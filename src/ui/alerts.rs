//! The alerts pane: firing alerts first (crit), then pending ones (warn), each with how long
//! it has been active, its severity and summary.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::freshness::{self, Feed, LiveFrame};
use super::widgets::{fit, span};
use super::{Ctx, sanitize, timefmt};
use crate::config::theme::Role;
use crate::event::{AlertRow, AlertState};
use crate::state::live::Freshness;

/// Draws the pane.
pub fn render(ctx: &Ctx<'_>, focused: bool, area: Rect, buf: &mut Buffer) {
    let live = &ctx.state.live;
    let firing = live
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .count();
    let pending = live.alerts.len() - firing;
    let theme = ctx.theme;
    let mut title = vec![Span::raw(" alerts ")];
    if firing > 0 {
        title.push(span(theme, Role::Crit, format!("{firing} firing ")));
    }
    if pending > 0 {
        title.push(span(theme, Role::Warn, format!("{pending} pending ")));
    }
    let frame = LiveFrame::begin(ctx, title, Vec::new(), Feed::Alerts, focused, area, buf);
    let body = frame.body;
    if live.alerts.is_empty() {
        match frame.fresh {
            // Only a working source can say nothing is firing.
            Freshness::Fresh(_) => {
                buf.set_line(
                    body.x,
                    body.y,
                    &Line::styled("no active alerts", theme.style(Role::Ok)),
                    body.width,
                );
            }
            _ => freshness::message(ctx, body, &frame.fresh, Feed::Alerts, "alerts", buf),
        }
        frame.finish(ctx, buf);
        return;
    }
    let mut alerts: Vec<&AlertRow> = live.alerts.iter().collect();
    // Firing before pending, critical before the rest, oldest first, then by name.
    alerts.sort_by(|a, b| {
        (a.state != AlertState::Firing)
            .cmp(&(b.state != AlertState::Firing))
            .then_with(|| {
                (a.severity.as_deref() != Some("critical"))
                    .cmp(&(b.severity.as_deref() != Some("critical")))
            })
            .then_with(|| a.active_at.cmp(&b.active_at))
            .then_with(|| a.name.cmp(&b.name))
    });
    let name_w = alerts
        .iter()
        .map(|a| a.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(32);
    let rows = usize::from(body.height);
    let n = alerts.len();
    let shown = if n > rows { rows.saturating_sub(1) } else { n };
    for (i, a) in alerts.iter().take(shown).enumerate() {
        let y = body.y + u16::try_from(i).unwrap_or(u16::MAX);
        buf.set_line(body.x, y, &row(ctx, a, name_w), body.width);
    }
    if shown < n && rows > 0 {
        let y = body.y + u16::try_from(shown).unwrap_or(u16::MAX);
        let more = Line::styled(format!("+{} more", n - shown), theme.style(Role::Muted));
        buf.set_line(body.x, y, &more, body.width);
    }
    frame.finish(ctx, buf);
}

fn row<'a>(ctx: &Ctx<'_>, a: &AlertRow, name_w: usize) -> Line<'a> {
    let theme = ctx.theme;
    let (label, role) = if a.state == AlertState::Firing {
        ("FIRING ", Role::Crit)
    } else {
        ("pending", Role::Warn)
    };
    let age = a.active_at.map_or_else(
        || "?".to_string(),
        |t| timefmt::short_span(ctx.now.duration_since(t).as_secs().max(0)),
    );
    let mut spans = vec![
        span(theme, role, label),
        Span::raw(" "),
        span(theme, role, fit(&sanitize::line(&a.name), name_w)),
        span(theme, Role::Muted, format!(" {age:>4}")),
    ];
    if let Some(s) = &a.severity {
        spans.push(span(theme, Role::Muted, format!("  {}", sanitize::line(s))));
    }
    if let Some(s) = &a.summary {
        spans.push(span(theme, Role::Text, format!("  {}", sanitize::line(s))));
    }
    Line::from(spans)
}
