//! The traffic pane: where requests go now (the HTTPRoute's backend weights as one bar per
//! backend, or the Service selector and the version it picks) and the plan's steps
//! (`[traffic] steps`, weight and bake) with the current position inferred from the weights.
//! Bake timers are not drawn yet; the plan and where traffic is now are.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::freshness::{self, Feed, LiveFrame};
use super::widgets::{bar, fit, span};
use super::{Ctx, sanitize};
use crate::config::theme::Role;
use crate::event::TrafficRow;

/// Draws the pane.
pub fn render(ctx: &Ctx<'_>, focused: bool, area: Rect, buf: &mut Buffer) {
    let live = &ctx.state.live;
    let fresh = freshness::of(live, Feed::Kubernetes, ctx.now);
    let title = vec![Span::raw(" traffic ")];
    let frame = LiveFrame::begin(ctx, title, Vec::new(), &fresh, focused, area, buf);
    let body = frame.body;
    let Some(t) = &live.traffic else {
        // The plan is known from the config even before traffic is observed.
        if !body.is_empty() {
            buf.set_line(
                body.x,
                body.y,
                &plan_line(ctx, None, body.width),
                body.width,
            );
            let rest = Rect::new(
                body.x,
                body.y + 1,
                body.width,
                body.height.saturating_sub(1),
            );
            freshness::message(ctx, rest, &fresh, Feed::Kubernetes, "traffic data", buf);
        }
        frame.finish(ctx, buf);
        return;
    };
    let share = candidate_share(ctx, t);
    let mut lines = now_lines(ctx, t, usize::from(body.width));
    lines.push(plan_line(ctx, share, body.width));
    lines.push(position_line(ctx, share));
    for (i, l) in lines.iter().take(usize::from(body.height)).enumerate() {
        let y = body.y + u16::try_from(i).unwrap_or(u16::MAX);
        buf.set_line(body.x, y, l, body.width);
    }
    frame.finish(ctx, buf);
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

/// The candidate's share of traffic in percent, when the weights or the selector tell.
pub fn candidate_share(ctx: &Ctx<'_>, t: &TrafficRow) -> Option<f64> {
    if !t.weights.is_empty() {
        let total: u32 = t.weights.iter().map(|(_, w)| *w).sum();
        let cand: u32 = t
            .weights
            .iter()
            .filter(|(b, _)| is_candidate(ctx, b))
            .map(|(_, w)| *w)
            .sum();
        if total == 0 || !t.weights.iter().any(|(b, _)| is_candidate(ctx, b)) {
            return None;
        }
        return Some(f64::from(cand) * 100.0 / f64::from(total));
    }
    let label = ctx
        .config
        .kubernetes
        .as_ref()
        .map_or("version", |k| k.version_label.as_str());
    let picked = t.selector.get(label)?;
    if is_candidate(ctx, picked) {
        Some(100.0)
    } else if is_stable(ctx, picked) {
        Some(0.0)
    } else {
        None
    }
}

/// One bar per backend weight, or the selector and what it picks.
fn now_lines<'a>(ctx: &Ctx<'_>, t: &TrafficRow, width: usize) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    if !t.weights.is_empty() {
        let total: u32 = t.weights.iter().map(|(_, w)| *w).sum();
        let name_w = t
            .weights
            .iter()
            .map(|(b, _)| b.chars().count())
            .max()
            .unwrap_or(0)
            .min(24);
        let bar_w = width.saturating_sub(name_w + 7).min(40);
        return t
            .weights
            .iter()
            .map(|(b, w)| {
                let pct = if total == 0 {
                    0.0
                } else {
                    f64::from(*w) * 100.0 / f64::from(total)
                };
                let role = backend_role(ctx, b);
                let (filled, empty) = bar(pct / 100.0, bar_w);
                Line::from(vec![
                    span(theme, role, fit(&sanitize::line(b), name_w)),
                    Span::raw(" "),
                    span(theme, role, filled),
                    span(theme, Role::Muted, empty),
                    span(theme, Role::Text, format!(" {pct:>3.0}%")),
                ])
            })
            .collect();
    }
    if t.selector.is_empty() {
        return vec![Line::styled(
            "no selector and no weights observed",
            theme.style(Role::Warn),
        )];
    }
    let mut spans = vec![span(theme, Role::Muted, "selector ")];
    for (i, (k, v)) in t.selector.iter().enumerate() {
        if i > 0 {
            spans.push(span(theme, Role::Muted, ", "));
        }
        spans.push(span(theme, Role::Text, format!("{}=", sanitize::line(k))));
        spans.push(span(
            theme,
            backend_role(ctx, v),
            sanitize::line(v).into_owned(),
        ));
    }
    vec![Line::from(spans)]
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
    let cand = ctx.versions.candidate.as_deref().map_or_else(
        || "the candidate".to_string(),
        |c| sanitize::line(c).into_owned(),
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
