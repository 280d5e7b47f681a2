//! How old a live pane's data is, said in its title (`· 3s`, `· stale 35s`, `· DOWN: …`,
//! `· no source`, `· waiting`), and the frame every live pane is drawn in: when its source is
//! stale or down, a banner says so and everything the pane drew is dimmed with the stale role,
//! so last numbers never pass for current ones.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::widgets::{pane_block, span};
use super::{Ctx, sanitize, timefmt};
use crate::config::theme::Role;
use crate::event::SourceKind;
use crate::state::live::{Freshness, Live};

/// Longest source error shown in a title; the banner has room for more.
const TITLE_ERROR_CHARS: usize = 40;

/// Which sources feed a pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// Metric signals: Prometheus, else direct scrape.
    Metrics,
    /// Alerts: Prometheus only.
    Alerts,
    /// Pods, workloads and traffic: the Kubernetes watch.
    Kubernetes,
    /// Health endpoints.
    Health,
}

/// How fresh a feed's data is at `now`.
pub fn of(live: &Live, feed: Feed, now: jiff::Timestamp) -> Freshness {
    match feed {
        Feed::Metrics => match live.freshness_of(SourceKind::Prometheus, now) {
            // A war room that scrapes directly has no Prometheus source at all.
            Freshness::Absent => live.freshness_of(SourceKind::Scrape, now),
            f => f,
        },
        Feed::Alerts => live.freshness_of(SourceKind::Prometheus, now),
        Feed::Kubernetes => live.freshness_of(SourceKind::Kubernetes, now),
        Feed::Health => live.freshness_of(SourceKind::Health, now),
    }
}

/// Whether data under this freshness must not look current.
pub fn is_old(f: &Freshness) -> bool {
    matches!(f, Freshness::Stale(_) | Freshness::Down { .. })
}

fn secs(d: jiff::SignedDuration) -> String {
    timefmt::span(d.as_secs().max(0))
}

/// The title's age part: ` · 3s`, ` · stale 35s`, ` · DOWN: connection refused`, …
pub fn title_spans<'a>(ctx: &Ctx<'_>, f: &Freshness) -> Vec<Span<'a>> {
    let theme = ctx.theme;
    let (role, text) = match f {
        Freshness::Absent => (Role::Muted, "no source".to_string()),
        Freshness::Waiting => (Role::Muted, "waiting".to_string()),
        Freshness::Fresh(a) => (Role::Muted, secs(*a)),
        Freshness::Stale(a) => (Role::Stale, format!("stale {}", secs(*a))),
        Freshness::Down { error, .. } => {
            let e = sanitize::line(error);
            let short: String = e.chars().take(TITLE_ERROR_CHARS).collect();
            let more = if e.chars().count() > TITLE_ERROR_CHARS {
                "…"
            } else {
                ""
            };
            (Role::Crit, format!("DOWN: {short}{more}"))
        }
    };
    vec![span(theme, Role::Muted, "· "), span(theme, role, text)]
}

/// The line drawn at the top of a pane whose data is old, saying why the rest is dimmed.
pub fn banner<'a>(ctx: &Ctx<'_>, f: &Freshness) -> Option<Line<'a>> {
    let theme = ctx.theme;
    match f {
        Freshness::Stale(a) => Some(Line::from(span(
            theme,
            Role::Warn,
            format!("⚠ stale: no update for {}", secs(*a)),
        ))),
        Freshness::Down { age, error } => {
            let data = match age {
                Some(a) => format!(" · data {} old", secs(*a)),
                None => " · no data yet".to_string(),
            };
            Some(Line::from(span(
                theme,
                Role::Crit,
                format!("✗ down: {}{data}", sanitize::line(error)),
            )))
        }
        _ => None,
    }
}

/// A live pane's frame, drawn; the pane draws into `body` and then calls `finish`.
pub struct LiveFrame {
    /// Where the pane's content goes (below the banner, if any).
    pub body: Rect,
    /// Whether the content must be dimmed.
    old: bool,
}

impl LiveFrame {
    /// Draws the border, the title (`title`, then `detail` when the border has room for it,
    /// then the age) and, for stale or down data, the banner.
    pub fn begin<'a>(
        ctx: &Ctx<'_>,
        mut title: Vec<Span<'a>>,
        detail: Vec<Span<'a>>,
        f: &Freshness,
        focused: bool,
        area: Rect,
        buf: &mut Buffer,
    ) -> Self {
        let age = title_spans(ctx, f);
        let width = |v: &[Span<'_>]| v.iter().map(Span::width).sum::<usize>();
        // The age matters more than the detail (units, window): narrow panes drop the detail.
        if width(&title) + width(&detail) + width(&age) + 3 <= usize::from(area.width) {
            title.extend(detail);
        }
        title.extend(age);
        title.push(Span::raw(" "));
        let block = pane_block(ctx.theme, Line::from(title), focused);
        let mut body = block.inner(area);
        block.render(area, buf);
        let old = is_old(f);
        // With two rows or fewer the title alone carries the news; the rows show the data.
        if body.height > 2
            && let Some(b) = banner(ctx, f)
        {
            buf.set_line(body.x, body.y, &b, body.width);
            body.y += 1;
            body.height -= 1;
        }
        Self { body, old }
    }

    /// Dims what the pane drew when its data is old.
    pub fn finish(&self, ctx: &Ctx<'_>, buf: &mut Buffer) {
        if self.old && !self.body.is_empty() {
            buf.set_style(self.body, ctx.theme.style(Role::Stale));
        }
    }
}

/// A muted message in the body when there is nothing to draw: no data yet, or no source
/// (then, how to configure one).
pub fn message(ctx: &Ctx<'_>, body: Rect, f: &Freshness, feed: Feed, what: &str, buf: &mut Buffer) {
    if body.is_empty() {
        return;
    }
    let cfg = ctx.config;
    let (configured, table) = match feed {
        Feed::Metrics => (
            cfg.prometheus.is_some() || cfg.scrape.is_some(),
            "[prometheus] or [scrape]",
        ),
        Feed::Alerts => (cfg.prometheus.is_some(), "[prometheus]"),
        Feed::Kubernetes => (cfg.kubernetes.is_some(), "[kubernetes]"),
        Feed::Health => (!cfg.health.is_empty(), "[[health]]"),
    };
    let text = match f {
        Freshness::Absent if configured => format!("no {what}: no source started yet"),
        Freshness::Absent => format!("no {what}: add {table} to warroom.toml"),
        Freshness::Waiting => format!("waiting for the first {what}…"),
        Freshness::Down { .. } => format!("no {what}: the source is down"),
        Freshness::Stale(a) => format!("no {what} at the last update, {} ago", secs(*a)),
        Freshness::Fresh(_) => format!("no {what} yet"),
    };
    Paragraph::new(Line::styled(text, ctx.theme.style(Role::Muted)))
        .wrap(Wrap { trim: true })
        .render(body, buf);
}
