//! The health pane: one row per endpoint with ok/failing, HTTP status, latency, the version it
//! reports (warn when it is not the expected release), consecutive failures, a small latency
//! sparkline and the last error. An endpoint whose own probe is stale or down is dimmed and
//! says so, even while other endpoints are fresh.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::freshness::{self, Feed, LiveFrame};
use super::widgets::{fit, span};
use super::{Ctx, sanitize, timefmt};
use crate::config::theme::Role;
use crate::state::live::{Freshness, HealthState};

/// Longest sparkline drawn.
const SPARK_MAX: usize = 16;
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Draws the pane.
pub fn render(ctx: &Ctx<'_>, focused: bool, area: Rect, buf: &mut Buffer) {
    let live = &ctx.state.live;
    let failing = live.health.values().filter(|h| !h.last.ok).count();
    let mut title = vec![Span::raw(format!(" health {} ", live.health.len()))];
    if failing > 0 {
        title.push(span(ctx.theme, Role::Muted, "· "));
        title.push(span(ctx.theme, Role::Crit, format!("{failing} failing ")));
    }
    let frame = LiveFrame::begin(ctx, title, Vec::new(), Feed::Health, focused, area, buf);
    let body = frame.body;
    if live.health.is_empty() {
        freshness::message(ctx, body, &frame.fresh, Feed::Health, "health probes", buf);
        frame.finish(ctx, buf);
        return;
    }
    let name_w = live
        .health
        .keys()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    // Failing endpoints first: they are why anyone looks at this pane.
    let mut endpoints: Vec<(&String, &HealthState)> = live.health.iter().collect();
    endpoints.sort_by_key(|(_, h)| h.last.ok);
    // A failing endpoint's error gets a line of its own while there is room for every
    // endpoint's row plus those lines; otherwise it is cut into the row.
    let failing_with_error = endpoints
        .iter()
        .filter(|(_, h)| !h.last.ok && h.last.error.is_some())
        .count();
    let roomy = endpoints.len() + failing_with_error <= usize::from(body.height);
    let mut y = body.y;
    let bottom = body.y.saturating_add(body.height);
    for (name, h) in endpoints {
        if y >= bottom {
            break;
        }
        let own = live
            .sources
            .get(&format!("health:{name}"))
            .map(|s| s.freshness(ctx.now));
        let own_old = own.as_ref().is_some_and(freshness::is_old);
        let error_line = roomy && !h.last.ok && h.last.error.is_some();
        let width = usize::from(body.width);
        let line = row(ctx, name, h, own.as_ref(), name_w, width, !error_line);
        buf.set_line(body.x, y, &line, body.width);
        let mut rows = 1;
        if error_line
            && let Some(e) = &h.last.error
            && y + 1 < bottom
        {
            let text = format!("  {}", sanitize::line(e));
            let line = Line::from(span(ctx.theme, Role::Crit, text));
            buf.set_line(body.x, y + 1, &line, body.width);
            rows = 2;
        }
        if own_old {
            let r = Rect::new(body.x, y, body.width, rows);
            buf.set_style(r, ctx.theme.style(Role::Stale));
        }
        y += rows;
    }
    frame.finish(ctx, buf);
}

fn row<'a>(
    ctx: &Ctx<'_>,
    name: &str,
    h: &HealthState,
    own: Option<&Freshness>,
    name_w: usize,
    width: usize,
    error_inline: bool,
) -> Line<'a> {
    let theme = ctx.theme;
    let p = &h.last;
    let (mark, role) = if p.ok {
        ("✓ ", Role::Ok)
    } else {
        ("✗ ", Role::Crit)
    };
    let status = p
        .status
        .map_or_else(|| "---".to_string(), |s| s.to_string());
    let latency = p
        .latency_ms
        .map_or_else(|| "—".to_string(), |l| format!("{l}ms"));
    let mut spans = vec![
        span(theme, role, mark),
        span(theme, Role::Text, fit(&sanitize::line(name), name_w)),
        span(theme, role, format!(" {status:>3}")),
        span(theme, Role::Muted, format!(" {latency:>6}")),
    ];
    let mut extras: Vec<Span<'a>> = Vec::new();
    // The own source's state first: an endpoint nobody has probed lately is not "ok".
    match own {
        Some(Freshness::Stale(a)) => extras.push(span(
            theme,
            Role::Stale,
            format!("  stale {}", timefmt::span(a.as_secs())),
        )),
        Some(Freshness::Down { error, .. }) => extras.push(span(
            theme,
            Role::Crit,
            format!("  DOWN: {}", sanitize::line(error)),
        )),
        _ => {}
    }
    if p.failures > 0 {
        extras.push(span(theme, Role::Crit, format!("  {}× failed", p.failures)));
    }
    if let Some(v) = &p.version {
        let expected = ctx.config.deployment.release.as_deref();
        let role = match expected {
            Some(e) if e != v => Role::Warn,
            Some(_) => Role::Ok,
            None => Role::Text,
        };
        extras.push(span(
            theme,
            role,
            format!("  {}", fit(&sanitize::line(v), 10).trim_end()),
        ));
    }
    // For a failing endpoint the reason matters more than a row of failed-probe dots.
    let spark = sparkline(h, SPARK_MAX);
    if !spark.is_empty() && (p.ok || p.error.is_none()) {
        extras.push(span(theme, Role::Muted, format!("  {spark}")));
    }
    let mut used: usize = spans.iter().map(Span::width).sum();
    // Each extra that fits is kept; one that does not is skipped for the shorter ones after.
    for e in extras {
        if used + e.width() <= width {
            used += e.width();
            spans.push(e);
        }
    }
    // The last error takes whatever is left, cut (unless it has a line of its own).
    if let Some(e) = p.error.as_ref().filter(|_| error_inline) {
        let room = width.saturating_sub(used + 2);
        if room >= 8 {
            spans.push(span(
                theme,
                Role::Crit,
                format!("  {}", fit(&sanitize::line(e), room).trim_end()),
            ));
        }
    }
    Line::from(spans)
}

/// The last `n` probe latencies as bars scaled to their maximum; a failed probe is `·`.
pub fn sparkline(h: &HealthState, n: usize) -> String {
    let tail: Vec<Option<u64>> = h.latencies.iter().rev().take(n).rev().copied().collect();
    let max = tail.iter().flatten().copied().max().unwrap_or(0).max(1);
    tail.iter()
        .map(|l| match l {
            Some(v) => {
                let i = (v * (SPARKS.len() as u64 - 1)).div_ceil(max);
                SPARKS[usize::try_from(i).unwrap_or(0).min(SPARKS.len() - 1)]
            }
            None => '·',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_and_marks_failures() {
        let h = HealthState {
            latencies: [Some(10), Some(20), None, Some(80)].into(),
            ..HealthState::default()
        };
        assert_eq!(sparkline(&h, 16), "▂▃·█");
        assert_eq!(sparkline(&h, 2), "·█");
        assert_eq!(sparkline(&HealthState::default(), 16), "");
    }
}
