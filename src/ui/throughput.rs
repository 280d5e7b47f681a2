//! The throughput pane: requests per second per version over the chosen window, with the
//! latest rate per version above it (unknown said plainly).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::Ctx;
use super::chart::{self, ChartBody, Unit};
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
    let body = ChartBody::single(
        ctx,
        &versions,
        Signal::Throughput,
        unit,
        |_| Role::Text,
        Vec::new(),
    );
    chart::render(ctx, &body, frame.body, buf);
    frame.finish(ctx, buf);
}
