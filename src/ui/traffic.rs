//! The traffic pane: where requests go now, read from what the configured strategy actually
//! routes by — the Service's selector (`service-selector`), the HTTPRoute's backend weights
//! (`httproute-weights`) or the two Deployments' ready replicas (`replica-ratio`) — and says
//! which; then the plan's steps (`[traffic] steps`, weight and bake) with the current
//! position. An HTTPRoute that exists but does not route (the strategy switches a selector)
//! is never shown as where traffic goes. Below them, the release's own lines
//! (`traffic_status`): the bake timer, the next step once offered, a pause, an action in
//! flight, a conflict, drift, the lock, auto-rollback. Short of rows, where traffic goes
//! shrinks to one line and the release lines keep theirs.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::freshness::{self, Feed, LiveFrame};
use super::widgets::{bar, fit, span};
use super::{Ctx, sanitize, traffic_status};
use crate::config::theme::Role;
use crate::config::warroom::Strategy;
use crate::event::TrafficRow;

/// Draws the pane.
pub fn render(ctx: &Ctx<'_>, focused: bool, area: Rect, buf: &mut Buffer) {
    let strategy = ctx.config.traffic.strategy;
    let title = vec![Span::raw(" traffic ")];
    // Without [kubernetes] nothing is read, by any strategy.
    let detail = if ctx.config.kubernetes.is_some() {
        vec![span(
            ctx.theme,
            Role::Muted,
            format!("by {} ", routed_by(strategy)),
        )]
    } else {
        Vec::new()
    };
    let frame = LiveFrame::begin(
        ctx,
        title,
        detail,
        Feed::Traffic(strategy),
        focused,
        area,
        buf,
    );
    let body = frame.body;
    let width = usize::from(body.width);
    let now = routing(ctx, strategy);
    let share = now.as_ref().and_then(|r| r.candidate_share);
    let mut status = traffic_status::lines(ctx, body.width);
    let shares = now
        .as_ref()
        .map(|r| share_lines(ctx, r, width))
        .unwrap_or_default();
    let room = usize::from(body.height);
    let mut lines = Vec::new();
    if shares.len() + status.len() <= room {
        // Room for everything the release needs: the bars, then the plan and position.
        lines.extend(shares);
        lines.push(plan_line(ctx, share, body.width));
        if now.is_some() {
            lines.push(position_line(ctx, share));
        }
        lines.truncate(room.saturating_sub(status.len()).max(1));
    } else if let Some(r) = &now {
        // Short of rows: where traffic goes on one line, and as many release lines as fit;
        // with one row only, both on it.
        let mut compact = compact_shares(ctx, r);
        let rest = body
            .width
            .saturating_sub(u16::try_from(compact.width() + 3).unwrap_or(u16::MAX));
        if room == 1
            && let Some(first) = traffic_status::lines(ctx, rest).first()
        {
            compact.spans.push(span(ctx.theme, Role::Muted, " · "));
            compact.spans.extend(first.spans.iter().cloned());
            lines.push(compact);
            status.clear();
        } else {
            lines.push(compact);
        }
    }
    let keep = room.saturating_sub(lines.len());
    lines.extend(status.into_iter().take(keep));
    // The object read comes first when there is room (the title already says what kind);
    // without [kubernetes] there is none, and the message below says what to add.
    if ctx.config.kubernetes.is_some() && lines.len() < room {
        lines.insert(0, source_line(ctx, strategy, body.width));
    }
    let mut y = body.y;
    let bottom = body.y.saturating_add(body.height);
    for l in &lines {
        if y >= bottom {
            break;
        }
        buf.set_line(body.x, y, l, body.width);
        y += 1;
    }
    if now.is_none() && y < bottom {
        let rest = Rect::new(body.x, y, body.width, bottom - y);
        freshness::message(
            ctx,
            rest,
            &frame.fresh,
            Feed::Traffic(strategy),
            "traffic data",
            buf,
        );
    }
    frame.finish(ctx, buf);
}

/// What a strategy routes by, in the title: `by selector`, `by route weights`, `by ready
/// replicas`.
pub fn routed_by(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::ServiceSelector => "selector",
        Strategy::HttprouteWeights => "route weights",
        Strategy::ReplicaRatio => "ready replicas",
    }
}

/// The line naming the object traffic is read from and the strategy: `Service app ·
/// service-selector`; the strategy is left out when the pane is too narrow for it.
fn source_line<'a>(ctx: &Ctx<'_>, strategy: Strategy, width: u16) -> Line<'a> {
    let k = ctx.config.kubernetes.as_ref();
    let name =
        |n: Option<&str>| n.map_or_else(|| "?".to_string(), |n| sanitize::line(n).into_owned());
    let (what, key) = match strategy {
        Strategy::ServiceSelector => (
            format!(
                "Service {}",
                name(k.and_then(|k| k.service.as_ref()).map(|s| s.0.as_str()))
            ),
            "service-selector",
        ),
        Strategy::HttprouteWeights => (
            format!(
                "HTTPRoute {}",
                name(k.and_then(|k| k.route.as_ref()).map(|r| r.0.as_str()))
            ),
            "httproute-weights",
        ),
        Strategy::ReplicaRatio => (
            "stable and candidate Deployments".to_string(),
            "replica-ratio",
        ),
    };
    let strategy_part = format!(" · {key}");
    let mut spans = vec![span(ctx.theme, Role::Text, what)];
    if spans[0].width() + strategy_part.chars().count() <= usize::from(width) {
        spans.push(span(ctx.theme, Role::Muted, strategy_part));
    }
    Line::from(spans)
}

/// Where traffic goes by the strategy's own object.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    /// One row per backend: its name and share of traffic in percent (weights, replicas), or
    /// the selector's label and the value it picks (share 100 for what it picks).
    pub rows: Vec<RoutingRow>,
    /// The candidate's share in percent, when the rows tell.
    pub candidate_share: Option<f64>,
}

/// A backend and its share.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingRow {
    /// The backend (HTTPRoute backend, Deployment) or `label=value` of the selector.
    pub name: String,
    /// Share of traffic in percent.
    pub share: f64,
    /// What is shown after the share (`2/3 ready`), if anything.
    pub note: Option<String>,
    /// Whether this row is a selector (drawn as `label=value`, no bar).
    pub selector: bool,
}

/// Reads where traffic goes as the strategy routes it; `None` while nothing is observed.
pub fn routing(ctx: &Ctx<'_>, strategy: Strategy) -> Option<Routing> {
    let live = &ctx.state.live;
    match strategy {
        Strategy::ServiceSelector => live.traffic.as_ref().and_then(|t| by_selector(ctx, t)),
        Strategy::HttprouteWeights => live.traffic.as_ref().and_then(|t| by_weights(ctx, t)),
        Strategy::ReplicaRatio => by_replicas(ctx),
    }
}

fn by_selector(ctx: &Ctx<'_>, t: &TrafficRow) -> Option<Routing> {
    if t.selector.is_empty() {
        return None;
    }
    let label = ctx
        .config
        .kubernetes
        .as_ref()
        .map_or("version", |k| k.version_label.as_str());
    let rows = t
        .selector
        .iter()
        .map(|(k, v)| RoutingRow {
            name: format!("{k}={v}"),
            share: 100.0,
            note: None,
            selector: true,
        })
        .collect();
    let candidate_share = t.selector.get(label).and_then(|picked| {
        if is_candidate(ctx, picked) {
            Some(100.0)
        } else if is_stable(ctx, picked) {
            Some(0.0)
        } else {
            None
        }
    });
    Some(Routing {
        rows,
        candidate_share,
    })
}

fn by_weights(ctx: &Ctx<'_>, t: &TrafficRow) -> Option<Routing> {
    if t.weights.is_empty() {
        return None;
    }
    let total: u32 = t.weights.iter().map(|(_, w)| *w).sum();
    let pct = |w: u32| {
        if total == 0 {
            0.0
        } else {
            f64::from(w) * 100.0 / f64::from(total)
        }
    };
    let rows = t
        .weights
        .iter()
        .map(|(b, w)| RoutingRow {
            name: b.clone(),
            share: pct(*w),
            note: None,
            selector: false,
        })
        .collect();
    let known = total > 0 && t.weights.iter().any(|(b, _)| is_candidate(ctx, b));
    let cand: u32 = t
        .weights
        .iter()
        .filter(|(b, _)| is_candidate(ctx, b))
        .map(|(_, w)| *w)
        .sum();
    Some(Routing {
        rows,
        candidate_share: known.then(|| pct(cand)),
    })
}

fn by_replicas(ctx: &Ctx<'_>) -> Option<Routing> {
    let k = ctx.config.kubernetes.as_ref()?;
    let live = &ctx.state.live;
    let pair: Vec<_> = [&k.stable, &k.candidate]
        .into_iter()
        .flatten()
        .filter_map(|w| live.workloads.get(&w.name))
        .collect();
    if pair.is_empty() {
        return None;
    }
    let total: u32 = pair.iter().map(|w| w.ready).sum();
    let pct = |n: u32| {
        if total == 0 {
            0.0
        } else {
            f64::from(n) * 100.0 / f64::from(total)
        }
    };
    let rows = pair
        .iter()
        .map(|w| RoutingRow {
            name: w.name.clone(),
            share: pct(w.ready),
            note: Some(format!("{}/{} ready", w.ready, w.desired)),
            selector: false,
        })
        .collect();
    let cand = k
        .candidate
        .as_ref()
        .and_then(|c| live.workloads.get(&c.name));
    Some(Routing {
        rows,
        candidate_share: cand.filter(|_| total > 0).map(|c| pct(c.ready)),
    })
}

/// One bar per backend, or the selector and what it picks.
fn share_lines<'a>(ctx: &Ctx<'_>, r: &Routing, width: usize) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    if r.rows.iter().all(|row| row.selector) {
        let mut spans = vec![span(theme, Role::Muted, "selects ")];
        for (i, row) in r.rows.iter().enumerate() {
            if i > 0 {
                spans.push(span(theme, Role::Muted, ", "));
            }
            let (k, v) = row.name.split_once('=').unwrap_or((&row.name, ""));
            spans.push(span(theme, Role::Text, format!("{}=", sanitize::line(k))));
            spans.push(span(
                theme,
                backend_role(ctx, v),
                sanitize::line(v).into_owned(),
            ));
        }
        spans.push(span(theme, Role::Muted, ": all traffic"));
        return vec![Line::from(spans)];
    }
    let name_w = r
        .rows
        .iter()
        .map(|row| row.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let note_w = r
        .rows
        .iter()
        .filter_map(|row| row.note.as_ref().map(|n| n.chars().count() + 1))
        .max()
        .unwrap_or(0);
    let bar_w = width.saturating_sub(name_w + 7 + note_w).min(40);
    r.rows
        .iter()
        .map(|row| {
            let role = backend_role(ctx, &row.name);
            let (filled, empty) = bar(row.share / 100.0, bar_w);
            let mut spans = vec![
                span(theme, role, fit(&sanitize::line(&row.name), name_w)),
                Span::raw(" "),
                span(theme, role, filled),
                span(theme, Role::Muted, empty),
                span(theme, Role::Text, format!(" {:>3.0}%", row.share)),
            ];
            if let Some(n) = &row.note {
                spans.push(span(theme, Role::Muted, format!(" {n}")));
            }
            Line::from(spans)
        })
        .collect()
}

/// Where traffic goes on one line: `blue 75% · green 25%`.
fn compact_shares<'a>(ctx: &Ctx<'_>, r: &Routing) -> Line<'a> {
    if r.rows.iter().all(|row| row.selector) {
        return share_lines(ctx, r, 0)
            .into_iter()
            .next()
            .unwrap_or_default();
    }
    let mut spans = Vec::new();
    for (i, row) in r.rows.iter().enumerate() {
        if i > 0 {
            spans.push(span(ctx.theme, Role::Muted, " · "));
        }
        // The version's label (`blue`) is shorter than its backend's name and says as much.
        let role = backend_role(ctx, &row.name);
        let label = match role {
            Role::SeriesCandidate => ctx.versions.candidate.as_deref(),
            Role::SeriesStable => ctx.versions.stable.as_deref(),
            _ => None,
        };
        let name = label.unwrap_or(&row.name);
        spans.push(span(
            ctx.theme,
            role,
            format!("{} {:.0}%", sanitize::line(name), row.share),
        ));
    }
    Line::from(spans)
}

/// The role of a backend or selector value: its version's.
fn backend_role(ctx: &Ctx<'_>, name: &str) -> Role {
    if is_candidate(ctx, name) {
        Role::SeriesCandidate
    } else if is_stable(ctx, name) {
        Role::SeriesStable
    } else {
        Role::SeriesOther
    }
}

fn names_version(name: &str, version: Option<&str>, workload: Option<&str>) -> bool {
    workload == Some(name) || version.is_some_and(|v| name == v || name.contains(v))
}

fn is_candidate(ctx: &Ctx<'_>, name: &str) -> bool {
    let k = ctx.config.kubernetes.as_ref();
    let workload = k
        .and_then(|k| k.candidate.as_ref())
        .map(|w| w.name.as_str());
    names_version(name, ctx.versions.candidate.as_deref(), workload)
        || names_version(name, ctx.config.deployment.release.as_deref(), None)
        || (ctx.versions.candidate.is_none() && ctx.versions.role(name) == Role::SeriesCandidate)
}

fn is_stable(ctx: &Ctx<'_>, name: &str) -> bool {
    let k = ctx.config.kubernetes.as_ref();
    let workload = k.and_then(|k| k.stable.as_ref()).map(|w| w.name.as_str());
    names_version(name, ctx.versions.stable.as_deref(), workload)
        || names_version(name, ctx.config.deployment.stable.as_deref(), None)
        || (ctx.versions.stable.is_none() && ctx.versions.role(name) == Role::SeriesStable)
}

/// `plan 10% 15m › 25% 15m › 50% 30m › 100% 30m` with the current step marked.
/// In a pane too narrow for the bakes, `plan 10 › [25] › 50 › 100%`.
fn plan_line<'a>(ctx: &Ctx<'_>, share: Option<f64>, width: u16) -> Line<'a> {
    let full = plan_spans(ctx, share, true);
    if full.width() <= usize::from(width) {
        full
    } else {
        plan_spans(ctx, share, false)
    }
}

fn plan_spans<'a>(ctx: &Ctx<'_>, share: Option<f64>, bakes: bool) -> Line<'a> {
    let theme = ctx.theme;
    let steps = &ctx.config.traffic.steps;
    let current = share.and_then(|s| current_step(steps.iter().map(|s| s.weight), s));
    let mut spans = vec![span(theme, Role::Muted, "plan ")];
    for (i, st) in steps.iter().enumerate() {
        if i > 0 {
            spans.push(span(theme, Role::Muted, " › "));
        }
        let text = if bakes {
            format!("{}% {}", st.weight, st.bake)
        } else {
            st.weight.to_string()
        };
        let role = match current {
            Some(c) if c == i => Role::Accent,
            Some(c) if i < c => Role::Ok,
            _ => Role::Text,
        };
        let text = if current == Some(i) {
            format!("[{text}]")
        } else {
            text
        };
        spans.push(span(theme, role, text));
    }
    if steps.is_empty() {
        spans.push(span(theme, Role::Muted, "no steps configured"));
    } else if !bakes {
        spans.push(span(theme, Role::Muted, "%"));
    }
    Line::from(spans)
}

/// The index of the last step whose weight the share has reached.
pub fn current_step(weights: impl Iterator<Item = u32>, share: f64) -> Option<usize> {
    let mut at = None;
    for (i, w) in weights.enumerate() {
        // Weights are whole percents; allow for rounding in a computed share.
        if share + 0.5 >= f64::from(w) {
            at = Some(i);
        }
    }
    at
}

/// Where traffic is against the plan, in words.
fn position_line<'a>(ctx: &Ctx<'_>, share: Option<f64>) -> Line<'a> {
    let theme = ctx.theme;
    let steps = &ctx.config.traffic.steps;
    // Before any metric names it, the config's candidate label value says who it is.
    let cand = ctx
        .versions
        .candidate
        .clone()
        .or_else(|| ctx.config.versions().1)
        .map_or_else(
            || "the candidate".to_string(),
            |c| sanitize::line(&c).into_owned(),
        );
    let Some(share) = share else {
        return Line::styled(
            "position unknown: no backend is recognisably the candidate",
            theme.style(Role::Warn),
        );
    };
    let n = steps.len();
    let text = match current_step(steps.iter().map(|s| s.weight), share) {
        _ if share <= 0.0 => format!("before step 1 of {n}: all traffic on stable"),
        None => format!("before step 1 of {n}: {share:.0}% on {cand}"),
        Some(i) if f64::from(steps[i].weight) + 0.5 >= share => {
            format!("at step {} of {n}: {share:.0}% on {cand}", i + 1)
        }
        Some(i) => format!(
            "past step {} of {n}: {share:.0}% on {cand} (plan: {}%)",
            i + 1,
            steps[i].weight
        ),
    };
    Line::styled(text, theme.style(Role::Text))
}

#[cfg(test)]
mod tests {
    use super::current_step;

    #[test]
    fn the_position_is_the_last_step_reached() {
        let w = [10u32, 25, 50, 100];
        assert_eq!(current_step(w.into_iter(), 0.0), None);
        assert_eq!(current_step(w.into_iter(), 10.0), Some(0));
        assert_eq!(current_step(w.into_iter(), 24.6), Some(1));
        assert_eq!(current_step(w.into_iter(), 30.0), Some(1));
        assert_eq!(current_step(w.into_iter(), 100.0), Some(3));
    }
}
