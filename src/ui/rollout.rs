//! The rollout pane: one row per workload with a bar of ready over desired replicas, then
//! ready/updated/available, the revision, the image (short) and whether it is paused. A
//! workload that is not fully rolled out is in the warn role, an empty one muted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::freshness::{self, Feed, LiveFrame};
use super::widgets::{bar, fit, span};
use super::{Ctx, sanitize};
use crate::config::theme::Role;
use crate::event::WorkloadRow;

/// Width of the replica bar.
const BAR_WIDTH: usize = 10;

/// Draws the pane.
pub fn render(ctx: &Ctx<'_>, focused: bool, area: Rect, buf: &mut Buffer) {
    let live = &ctx.state.live;
    let title = vec![Span::raw(" rollout ")];
    let frame = LiveFrame::begin(ctx, title, Vec::new(), Feed::Workloads, focused, area, buf);
    let body = frame.body;
    if live.workloads.is_empty() {
        freshness::message(ctx, body, &frame.fresh, Feed::Workloads, "workloads", buf);
        frame.finish(ctx, buf);
        return;
    }
    let name_w = live
        .workloads
        .keys()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .min(32);
    let rows = usize::from(body.height);
    let n = live.workloads.len();
    // With more workloads than rows, the last row says how many are left out.
    let shown = if n > rows { rows.saturating_sub(1) } else { n };
    for (i, w) in live.workloads.values().take(shown).enumerate() {
        let y = body.y + u16::try_from(i).unwrap_or(u16::MAX);
        let line = row(ctx, w, name_w, usize::from(body.width));
        buf.set_line(body.x, y, &line, body.width);
    }
    if shown < n && rows > 0 {
        let y = body.y + u16::try_from(shown).unwrap_or(u16::MAX);
        let more = Line::styled(format!("+{} more", n - shown), ctx.theme.style(Role::Muted));
        buf.set_line(body.x, y, &more, body.width);
    }
    frame.finish(ctx, buf);
}

/// The role of a workload's name: its version's, when the config or the name tells which.
fn name_role(ctx: &Ctx<'_>, name: &str) -> Role {
    let k = ctx.config.kubernetes.as_ref();
    if k.and_then(|k| k.stable.as_ref())
        .is_some_and(|w| w.name == name)
    {
        return Role::SeriesStable;
    }
    if k.and_then(|k| k.candidate.as_ref())
        .is_some_and(|w| w.name == name)
    {
        return Role::SeriesCandidate;
    }
    ctx.versions
        .all
        .iter()
        .find(|v| name.contains(v.as_str()))
        .map_or(Role::Text, |v| ctx.versions.role(v))
}

fn row<'a>(ctx: &Ctx<'_>, w: &WorkloadRow, name_w: usize, width: usize) -> Line<'a> {
    let theme = ctx.theme;
    let done =
        w.desired > 0 && w.ready == w.desired && w.updated == w.desired && w.available == w.desired;
    let role = if w.desired == 0 {
        Role::Muted
    } else if done {
        Role::Ok
    } else {
        Role::Warn
    };
    let fraction = if w.desired == 0 {
        0.0
    } else {
        f64::from(w.ready) / f64::from(w.desired)
    };
    let (filled, empty) = bar(fraction, BAR_WIDTH);
    let mut spans = vec![
        span(
            theme,
            name_role(ctx, &w.name),
            fit(&sanitize::line(&w.name), name_w),
        ),
        Span::raw(" "),
        span(theme, role, filled),
        span(theme, Role::Muted, empty),
        span(theme, role, format!(" {}/{} ready", w.ready, w.desired)),
    ];
    // Extras in order of use, each kept only while the row still fits.
    let mut extras: Vec<Vec<Span<'a>>> = vec![
        vec![span(
            theme,
            if w.updated < w.desired {
                Role::Warn
            } else {
                Role::Muted
            },
            format!("  updated {}", w.updated),
        )],
        vec![span(
            theme,
            if w.available < w.desired {
                Role::Warn
            } else {
                Role::Muted
            },
            format!("  available {}", w.available),
        )],
    ];
    if let Some(r) = &w.revision {
        extras.push(vec![span(
            theme,
            Role::Muted,
            format!("  rev {}", sanitize::line(r)),
        )]);
    }
    if let Some(i) = &w.image {
        extras.push(vec![span(
            theme,
            Role::Code,
            format!("  {}", short_image(i)),
        )]);
    }
    if w.paused {
        // Paused matters more than the details: it goes right after the counts.
        extras.insert(0, vec![span(theme, Role::Warn, "  PAUSED")]);
    }
    let mut used: usize = spans.iter().map(Span::width).sum();
    for e in extras {
        let w: usize = e.iter().map(Span::width).sum();
        if used + w > width {
            break;
        }
        used += w;
        spans.extend(e);
    }
    Line::from(spans)
}

/// An image reference as far as a row needs it: the repository's last part and the tag, or
/// the digest's first 12 hex digits.
pub fn short_image(image: &str) -> String {
    let clean = sanitize::line(image);
    let last = clean.rsplit('/').next().unwrap_or(&clean);
    match last.split_once('@') {
        Some((name, digest)) => {
            let (algo, hex) = digest.split_once(':').unwrap_or(("", digest));
            let hex: String = hex.chars().take(12).collect();
            if algo.is_empty() {
                format!("{name}@{hex}")
            } else {
                format!("{name}@{algo}:{hex}")
            }
        }
        None => last.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::short_image;

    #[test]
    fn images_are_shortened() {
        assert_eq!(
            short_image("registry.example.com/demo/app@sha256:4f1c9d0a7be2e3c1d6f0a8b9"),
            "app@sha256:4f1c9d0a7be2"
        );
        assert_eq!(
            short_image("registry.example.com/demo/app:2.4.0"),
            "app:2.4.0"
        );
        assert_eq!(short_image("app"), "app");
    }
}
