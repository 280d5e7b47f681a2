//! The error-rate pane: the share of 5xx responses per version as a line chart over the
//! chosen window, with the SLO and the auto-rollback thresholds drawn and labelled, and the
//! latest value per version above it (over the rollback threshold in crit, over the SLO in
//! warn, unknown said plainly).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::Ctx;
use super::chart::{self, ChartBody, Threshold, Unit};
use crate::config::theme::Role;
use crate::event::Signal;

/// Draws the pane.
pub fn render(ctx: &Ctx<'_>, focused: bool, area: Rect, buf: &mut Buffer) {
    let Some((frame, versions)) = chart::open(
        ctx,
        "errors",
        "%",
        &[Signal::ErrorRatio],
        "error-rate data",
        focused,
        area,
        buf,
    ) else {
        return;
    };
    let unit = Unit::Percent;
    let slo = ctx.config.slo.error_ratio * unit.scale();
    let rollback = ctx.config.auto_rollback.error_ratio * unit.scale();
    let judge = |v: f64| {
        if v >= rollback {
            Role::Crit
        } else if v >= slo {
            Role::Warn
        } else {
            Role::Ok
        }
    };
    let thresholds = vec![
        Threshold {
            value: slo,
            label: format!("SLO {}", unit.format(slo)),
            role: Role::SloLine,
            always: true,
        },
        Threshold {
            value: rollback,
            label: format!("rollback {}", unit.format(rollback)),
            role: Role::RollbackLine,
            always: true,
        },
    ];
    let body = ChartBody::single(ctx, &versions, Signal::ErrorRatio, unit, judge, thresholds);
    chart::render(ctx, &body, frame.body, buf);
    frame.finish(ctx, buf);
}
