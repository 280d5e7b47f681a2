//! Chart legends: one line per version with its latest value, in the role a threshold gives
//! it, or `unknown (why)` in the warn role, never a number that looks healthy.

use ratatui::text::{Line, Span};

use super::Ctx;
use super::chart::Unit;
use super::widgets::span;
use crate::config::theme::Role;
use crate::event::Signal;
use crate::state::live::SignalSeries;

/// A legend entry's start: the version's marker and name in its role, then a colon.
pub fn version_spans<'a>(ctx: &Ctx<'_>, version: &str) -> Vec<Span<'a>> {
    let role = ctx.versions.role(version);
    let name = super::sanitize::line(version);
    vec![
        span(ctx.theme, role, "■ "),
        span(ctx.theme, role, name.into_owned()),
        span(ctx.theme, Role::Muted, ": "),
    ]
}

/// A legend entry with ` · stable` / ` · candidate` after it when the version is one of
/// those, and without it for narrow panes.
pub fn with_tag<'a>(ctx: &Ctx<'_>, version: &str, spans: Vec<Span<'a>>) -> Vec<Line<'a>> {
    let bare = Line::from(spans.clone());
    match ctx.versions.tag(version) {
        Some(t) => {
            let mut tagged = spans;
            tagged.push(span(ctx.theme, Role::Muted, format!(" · {t}")));
            vec![Line::from(tagged), bare]
        }
        None => vec![bare],
    }
}

/// Why a series' latest reading is unknown, if it is (never a number that looks healthy).
pub fn unknown_reason(series: &SignalSeries) -> Option<String> {
    match series.latest() {
        None => Some("no data".to_string()),
        Some(p) if p.value.is_none() => Some(series.unknown.as_deref().map_or_else(
            || "no data".to_string(),
            |r| super::sanitize::line(r).into_owned(),
        )),
        Some(_) => None,
    }
}

/// The latest value of a series, formatted in the role `judge` gives it, or `unknown (why)`
/// in the warn role.
pub fn latest_span<'a>(
    ctx: &Ctx<'_>,
    series: &SignalSeries,
    unit: Unit,
    judge: impl Fn(f64) -> Role,
) -> Span<'a> {
    match series.latest().and_then(|p| p.value) {
        Some(v) => {
            let v = v * unit.scale();
            span(ctx.theme, judge(v), unit.format(v))
        }
        None => span(
            ctx.theme,
            Role::Warn,
            format!(
                "unknown ({})",
                unknown_reason(series).unwrap_or_else(|| "no data".into())
            ),
        ),
    }
}

/// The versions that have a series of `signal`, in display order.
pub fn versions_with<'a>(ctx: &Ctx<'a>, signal: Signal) -> Vec<&'a str> {
    ctx.versions
        .all
        .iter()
        .filter(|v| ctx.state.live.series(signal, v).is_some())
        .map(String::as_str)
        .collect()
}
