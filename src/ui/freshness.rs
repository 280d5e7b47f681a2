//! How old a live pane's data is, said in its title (`· 3s`, `· live`, `· stale 35s`,
//! `· DOWN: …`, `· no source`, `· waiting`), and the frame every live pane is drawn in: when
//! its source is stale or down, a banner says so (the reason in full, wrapped on lines of its
//! own) and everything the pane drew is dimmed with the stale role, so last numbers never pass
//! for current ones.
//!
//! Each Kubernetes pane follows its own watch (`kubernetes/pods`, `…/deployments`, and for
//! traffic the object the strategy routes by), plus the shared `kubernetes` source whose
//! failure (kubeconfig, credentials) takes every Kubernetes pane down.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::widgets::{pane_block, span};
use super::{Ctx, sanitize, timefmt};
use crate::config::theme::Role;
use crate::config::warroom::Strategy;
use crate::event::SourceKind;
use crate::sources::kube::{self, failure};
use crate::state::live::{Freshness, Live};

/// Longest source error shown in a title; the banner has room for all of it.
const TITLE_ERROR_CHARS: usize = 40;

/// Which sources feed a pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// Metric signals: Prometheus, else direct scrape.
    Metrics,
    /// Alerts: Prometheus only.
    Alerts,
    /// Pods: the pods watch.
    Pods,
    /// Workloads: the Deployments' watch.
    Workloads,
    /// Where traffic goes: the watch of what the strategy routes by.
    Traffic(Strategy),
    /// Health endpoints.
    Health,
}

impl Feed {
    /// The Kubernetes part this feed reads, for Kubernetes feeds.
    fn kube_part(self) -> Option<&'static str> {
        match self {
            Feed::Pods => Some(failure::PODS),
            Feed::Workloads | Feed::Traffic(Strategy::ReplicaRatio) => Some(failure::DEPLOYMENTS),
            Feed::Traffic(Strategy::ServiceSelector) => Some(failure::SERVICE),
            Feed::Traffic(Strategy::HttprouteWeights) => Some(failure::HTTPROUTE),
            Feed::Metrics | Feed::Alerts | Feed::Health => None,
        }
    }

    /// Watches stream changes: quiet is not old, so their title says `live`, not an age.
    fn is_watch(self) -> bool {
        self.kube_part().is_some()
    }
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
        Feed::Health => live.freshness_of(SourceKind::Health, now),
        Feed::Pods | Feed::Workloads | Feed::Traffic(_) => {
            kube_freshness(live, feed.kube_part().unwrap_or_default(), now)
        }
    }
}

/// A Kubernetes pane's freshness: its own watch's, unless the shared source (kubeconfig,
/// credentials) is down. Logs recorded before the watches had names of their own have only
/// the shared source, which then speaks for every pane.
fn kube_freshness(live: &Live, part: &str, now: jiff::Timestamp) -> Freshness {
    let shared = live.sources.get(kube::SOURCE);
    let own = live.sources.get(&format!("{}/{part}", kube::SOURCE));
    match (shared.map(|s| s.freshness(now)), own) {
        (Some(Freshness::Down { error, .. }), Some(o)) => Freshness::Down {
            age: o.last_ok.map(|t| now.duration_since(t)),
            error,
        },
        (_, Some(o)) => o.freshness(now),
        (Some(f), None) => f,
        (None, None) => live.freshness_of(SourceKind::Kubernetes, now),
    }
}

/// Whether data under this freshness must not look current.
pub fn is_old(f: &Freshness) -> bool {
    matches!(f, Freshness::Stale(_) | Freshness::Down { .. })
}

fn secs(d: jiff::SignedDuration) -> String {
    timefmt::span(d.as_secs().max(0))
}

/// The title's age part: ` · 3s`, ` · live`, ` · stale 35s`, ` · DOWN: connection refused`, …
pub fn title_spans<'a>(ctx: &Ctx<'_>, f: &Freshness, feed: Feed) -> Vec<Span<'a>> {
    let theme = ctx.theme;
    let (role, text) = match f {
        Freshness::Absent => (Role::Muted, "no source".to_string()),
        Freshness::Waiting => (Role::Muted, "waiting".to_string()),
        // A working watch with nothing new is live, however long ago the last change was.
        Freshness::Fresh(_) if feed.is_watch() => (Role::Ok, "live".to_string()),
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

/// The lines drawn at the top of a pane whose data is old, saying why the rest is dimmed. A
/// reason that does not fit beside the status gets lines of its own, wrapped at words, so it
/// can be read in full (at most `max_lines` lines; the last one ends in `…` if cut).
pub fn banner<'a>(ctx: &Ctx<'_>, f: &Freshness, width: u16, max_lines: u16) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    match f {
        Freshness::Stale(a) => vec![Line::from(span(
            theme,
            Role::Warn,
            format!("⚠ stale: no update for {}", secs(*a)),
        ))],
        Freshness::Down { age, error } => {
            let data = match age {
                Some(a) => format!(" · data {} old", secs(*a)),
                None => " · no data yet".to_string(),
            };
            let error = sanitize::line(error);
            let one = format!("✗ down: {error}{data}");
            if Span::raw(one.as_str()).width() <= usize::from(width) || max_lines <= 1 {
                return vec![Line::from(span(theme, Role::Crit, one))];
            }
            let mut lines = vec![Line::from(span(theme, Role::Crit, format!("✗ down{data}")))];
            let room = usize::from(max_lines - 1);
            let mut wrapped = wrap(&error, usize::from(width));
            if wrapped.len() > room {
                wrapped.truncate(room);
                if let Some(last) = wrapped.last_mut() {
                    let keep: String = last
                        .chars()
                        .take(usize::from(width).saturating_sub(1))
                        .collect();
                    *last = format!("{keep}…");
                }
            }
            lines.extend(
                wrapped
                    .into_iter()
                    .map(|l| Line::from(span(theme, Role::Crit, l))),
            );
            lines
        }
        _ => Vec::new(),
    }
}

/// Wraps text at spaces into lines of at most `width` cells; a word longer than a line (a
/// URL) is cut across lines so nothing is lost.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let cells = |s: &str| Span::raw(s).width();
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let sep = usize::from(!line.is_empty());
        if cells(&line) + sep + cells(word) <= width {
            if sep == 1 {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            if cells(&line) + cells(c.encode_utf8(&mut [0; 4])) > width {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A live pane's frame, drawn; the pane draws into `body` and then calls `finish`.
pub struct LiveFrame {
    /// Where the pane's content goes (below the banner, if any).
    pub body: Rect,
    /// How fresh the pane's feed is.
    pub fresh: Freshness,
    /// Whether the content must be dimmed.
    old: bool,
}

impl LiveFrame {
    /// Draws the border, the title (`title`, then `detail` when the border has room for it,
    /// then the feed's age) and, for stale or down data, the banner.
    pub fn begin<'a>(
        ctx: &Ctx<'_>,
        mut title: Vec<Span<'a>>,
        detail: Vec<Span<'a>>,
        feed: Feed,
        focused: bool,
        area: Rect,
        buf: &mut Buffer,
    ) -> Self {
        let fresh = of(&ctx.state.live, feed, ctx.now);
        let age = title_spans(ctx, &fresh, feed);
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
        let old = is_old(&fresh);
        // With two rows or fewer the title alone carries the news; the rows show the data.
        // The reason may take up to half the body, so some of the data stays in view.
        if body.height > 2 {
            let max = body.height.div_ceil(2);
            for b in banner(ctx, &fresh, body.width, max) {
                buf.set_line(body.x, body.y, &b, body.width);
                body.y += 1;
                body.height -= 1;
            }
        }
        Self { body, fresh, old }
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
        Feed::Pods | Feed::Workloads | Feed::Traffic(_) => {
            (cfg.kubernetes.is_some(), "[kubernetes]")
        }
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

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping_keeps_every_character() {
        let text = "scrape failed: http://127.0.0.1:39117/metrics: error sending request for url";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        let joined: String = lines.concat();
        assert_eq!(joined.replace(' ', ""), text.replace(' ', ""));
        assert_eq!(wrap("a b", 10), ["a b"]);
        assert_eq!(wrap("abcdef", 4), ["abcd", "ef"]);
        assert!(wrap("", 4).is_empty());
    }
}
