//! The throughput pane: requests per second per version over the chosen window, with the
//! latest rate per version above it (unknown said plainly).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::Ctx;
use super::chart::{self, ChartBody, SeriesRef, Unit};
use super::legend;
use crate::config::theme::Role;
use crate::event::Signal;

/// Draws the pane.
pub fn render(ctx: &Ctx<'_>, focused: bool, area: Rect, buf: &mut Buffer) {
    let Some((frame, versions)) = chart::open(
        ctx,
        "throughput",
        "req/s",
        &[Signal::Throughput],
        "throughput data",
        focused,
        area,
        buf,
    ) else {
        return;
    };
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
