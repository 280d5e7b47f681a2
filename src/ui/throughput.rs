//! The throughput pane: requests per second per version over the chosen window, with the
//! latest rate per version above it (unknown said plainly).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;

use super::Ctx;
use super::chart::{self, ChartBody, SeriesRef, Unit};
use super::freshness::{self, Feed, LiveFrame};
use super::legend;
use super::widgets::span;
use crate::config::theme::Role;
use crate::event::Signal;

/// Draws the pane.
pub fn render(ctx: &Ctx<'_>, focused: bool, area: Rect, buf: &mut Buffer) {
    let fresh = freshness::of(&ctx.state.live, Feed::Metrics, ctx.now);
    let title = vec![Span::raw(" throughput ")];
    let detail = vec![span(
        ctx.theme,
        Role::Muted,
        format!("req/s · {} ", chart::window_label(ctx.window)),
    )];
    let frame = LiveFrame::begin(ctx, title, detail, &fresh, focused, area, buf);
    let versions = legend::versions_with(ctx, Signal::Throughput);
    if versions.is_empty() {
        freshness::message(
            ctx,
            frame.body,
            &fresh,
            Feed::Metrics,
            "throughput data",
            buf,
        );
        frame.finish(ctx, buf);
        return;
    }
    let unit = Unit::PerSecond;
    let legend = versions
        .iter()
        .filter_map(|v| {
            let s = ctx.state.live.series(Signal::Throughput, v)?;
            let mut spans = legend::version_spans(ctx, v);
            spans.push(legend::latest_span(ctx, s, unit, |_| Role::Text));
            Some(legend::with_tag(ctx, v, spans))
        })
        .collect();
    let body = ChartBody {
        legend,
        lines: versions
            .iter()
            .map(|v| SeriesRef {
                version: v,
                signal: Signal::Throughput,
                role: ctx.versions.role(v),
            })
            .collect(),
        thresholds: Vec::new(),
        unit,
    };
    chart::render(ctx, &body, frame.body, buf);
    frame.finish(ctx, buf);
}
