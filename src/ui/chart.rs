//! What the three chart panes share: the time windows, value formats per unit, and drawing a
//! legend over a braille line chart (ratatui `Chart`) with a y-axis gutter, threshold lines
//! labelled at their height, and the time axis below.

use jiff::SignedDuration;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

use super::Ctx;
use super::downsample::{Plot, downsample};
use super::freshness::{self, Feed, LiveFrame};
use super::legend;
use super::widgets::span;
use crate::config::theme::Role;
use crate::event::Signal;

/// The windows the zoom keys step through, shortest first.
pub const WINDOWS: [SignedDuration; 5] = [
    SignedDuration::from_mins(5),
    SignedDuration::from_mins(15),
    SignedDuration::from_hours(1),
    SignedDuration::from_hours(6),
    SignedDuration::from_hours(24),
];

/// The window charts open with (15 minutes).
pub const DEFAULT_WINDOW: usize = 1;

/// A window as its label: `5m`, `1h`, `24h` (the config's duration format).
pub fn window_label(w: SignedDuration) -> String {
    crate::config::warroom::Duration(w.unsigned_abs()).to_string()
}

/// What a chart's numbers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A ratio shown as a percentage (values scaled by 100).
    Percent,
    /// Seconds shown as milliseconds (values scaled by 1000).
    Millis,
    /// Requests per second.
    PerSecond,
}

impl Unit {
    /// What stored values are multiplied by before drawing.
    pub fn scale(self) -> f64 {
        match self {
            Unit::Percent => 100.0,
            Unit::Millis => 1000.0,
            Unit::PerSecond => 1.0,
        }
    }

    /// Width of the y-axis gutter: the longest label `format` makes for an axis (`12.5%`,
    /// `600ms`, `1.2k/s`) and the axis line.
    fn gutter(self) -> u16 {
        match self {
            Unit::Percent | Unit::Millis => 6,
            Unit::PerSecond => 7,
        }
    }

    /// A scaled value as the legend and axis say it: `0.42%`, `8%`, `310ms`, `1.2s`, `1.4k/s`.
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::Percent => format!("{}%", trim(v, if v < 10.0 { 2 } else { 1 })),
            Unit::Millis if v >= 1000.0 => format!("{}s", trim(v / 1000.0, 2)),
            Unit::Millis => format!("{}ms", trim(v, if v < 10.0 { 1 } else { 0 })),
            Unit::PerSecond if v >= 1000.0 => format!("{}k/s", trim(v / 1000.0, 1)),
            Unit::PerSecond => format!("{}/s", trim(v, if v < 10.0 { 1 } else { 0 })),
        }
    }
}

/// A number with at most `places` decimals and no trailing zeros.
fn trim(v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A horizontal line across the chart at a (scaled) value, labelled at its right end.
#[derive(Debug, Clone)]
pub struct Threshold {
    /// Where, in scaled units.
    pub value: f64,
    /// What the label says (`SLO 1%`, `rollback 5%`).
    pub label: String,
    /// The line's and label's role.
    pub role: Role,
    /// Whether the y range always reaches it. Other thresholds are drawn only when they are
    /// near the data; far above, they are named in the top row instead (`↑ p99 SLO 1s`), so a
    /// distant SLO does not flatten the lines that matter.
    pub always: bool,
}

/// One series to draw: the version's role and which signal (for the plot).
#[derive(Debug, Clone, Copy)]
pub struct SeriesRef<'a> {
    /// The version.
    pub version: &'a str,
    /// The signal.
    pub signal: Signal,
    /// The colour role.
    pub role: Role,
}

/// Everything a chart body needs.
pub struct ChartBody<'a> {
    /// Legend lines, drawn above the chart (as many as fit); each as alternatives, longest
    /// first: the first that fits the width is drawn, else the last, cut.
    pub legend: Vec<Vec<Line<'a>>>,
    /// The series to draw.
    pub lines: Vec<SeriesRef<'a>>,
    /// Threshold lines.
    pub thresholds: Vec<Threshold>,
    /// The unit of the values.
    pub unit: Unit,
}

/// How far above the data (and the thresholds always shown) an optional threshold may be and
/// still stretch the y range.
const OPTIONAL_REACH: f64 = 1.5;

/// Fewest rows the plot needs to be worth drawing; with less, only the legend is shown.
const MIN_PLOT_ROWS: u16 = 3;
/// Fewest columns the plot needs.
const MIN_PLOT_COLS: u16 = 10;

/// Opens a metrics chart pane: the frame with its title (`name`, then `detail` and the window,
/// then the data's age) and, when none of `signals` has a series yet, the "no data" message.
/// Returns the frame and the versions to draw in display order, or `None` when the pane is
/// already finished.
#[allow(clippy::too_many_arguments)] // the pane's identity, its data and where to draw it
pub fn open<'a>(
    ctx: &Ctx<'a>,
    name: &str,
    detail: &str,
    signals: &[Signal],
    what: &str,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
) -> Option<(LiveFrame, Vec<&'a str>)> {
    let title = vec![ratatui::text::Span::raw(format!(" {name} "))];
    let detail = vec![span(
        ctx.theme,
        Role::Muted,
        format!("{detail} · {} ", window_label(ctx.window)),
    )];
    let frame = LiveFrame::begin(ctx, title, detail, Feed::Metrics, focused, area, buf);
    let mut versions: Vec<&str> = Vec::new();
    for signal in signals {
        for v in legend::versions_with(ctx, *signal) {
            if !versions.contains(&v) {
                versions.push(v);
            }
        }
    }
    // Keep the display order (stable, candidate, others) whichever signal came first.
    versions.sort_by_key(|v| ctx.versions.all.iter().position(|a| a == v));
    if versions.is_empty() {
        freshness::message(ctx, frame.body, &frame.fresh, Feed::Metrics, what, buf);
        frame.finish(ctx, buf);
        return None;
    }
    Some((frame, versions))
}

impl<'a> ChartBody<'a> {
    /// The body of a one-signal chart: a legend line per version (its latest value styled by
    /// `judge`) and a line per version.
    pub fn single(
        ctx: &Ctx<'a>,
        versions: &[&'a str],
        signal: Signal,
        unit: Unit,
        judge: impl Fn(f64) -> Role + Copy,
        thresholds: Vec<Threshold>,
    ) -> Self {
        let legend = versions
            .iter()
            .filter_map(|v| {
                let s = ctx.state.live.series(signal, v)?;
                let mut spans = legend::version_spans(ctx, v);
                spans.push(legend::latest_span(ctx, s, unit, judge));
                Some(legend::with_tag(ctx, v, spans))
            })
            .collect();
        let lines = versions
            .iter()
            .map(|v| SeriesRef {
                version: v,
                signal,
                role: ctx.versions.role(v),
            })
            .collect();
        Self {
            legend,
            lines,
            thresholds,
            unit,
        }
    }
}

/// Draws the legend and, below it, the chart, into `area`.
pub fn render(ctx: &Ctx<'_>, body: &ChartBody<'_>, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    // The legend carries the latest numbers, so it is kept whole before the plot gets rows;
    // but a plot needs its minimum (plus the time axis) to be worth the space.
    let legend_rows = u16::try_from(body.legend.len()).unwrap_or(u16::MAX);
    let plot_rows = area.height.saturating_sub(legend_rows);
    let show_plot = plot_rows > MIN_PLOT_ROWS && area.width >= MIN_PLOT_COLS + 6;
    let w = usize::from(area.width);
    for (i, alts) in body
        .legend
        .iter()
        .enumerate()
        .take(usize::from(area.height))
    {
        let y = area.y + u16::try_from(i).unwrap_or(u16::MAX);
        if let Some(l) = alts.iter().find(|l| l.width() <= w).or(alts.last()) {
            buf.set_line(area.x, y, l, area.width);
        }
    }
    if !show_plot {
        return;
    }
    let plot_area = Rect::new(area.x, area.y + legend_rows, area.width, plot_rows);
    plot(ctx, body, plot_area, buf);
}

fn plot(ctx: &Ctx<'_>, body: &ChartBody<'_>, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    let unit = body.unit;
    let window = ctx.window;
    let span_secs = window.as_secs_f64();
    // Rows: the graph, then the time axis.
    let graph_h = area.height - 1;

    // The gutter is fixed per unit, so the graph's width, and with it the buckets, are known
    // before the data is read: one pass over a day of points, not two.
    let gutter = unit.gutter().min(area.width / 3);
    let graph = Rect::new(
        area.x + gutter,
        area.y,
        area.width.saturating_sub(gutter),
        graph_h,
    );
    if graph.is_empty() {
        return;
    }
    // One bucket per braille dot column.
    let cols = usize::from(graph.width) * 2;
    let plots: Vec<(Role, Plot)> = body
        .lines
        .iter()
        .filter_map(|l| {
            let s = ctx.state.live.series(l.signal, l.version)?;
            Some((
                l.role,
                downsample(&s.points, ctx.now, window, cols, unit.scale()),
            ))
        })
        .collect();
    // The y range covers the data and the thresholds that must show.
    let data_max = plots.iter().filter_map(|(_, p)| p.max).fold(0.0, f64::max);
    let top = body
        .thresholds
        .iter()
        .filter(|t| t.always)
        .map(|t| t.value)
        .fold(data_max, f64::max);
    let near = |t: &&Threshold| t.always || t.value <= top * OPTIONAL_REACH;
    let top = body
        .thresholds
        .iter()
        .filter(near)
        .map(|t| t.value)
        .fold(top, f64::max);
    let y_max = nice_ceiling(top * 1.1, unit);
    let (shown, above): (Vec<&Threshold>, Vec<&Threshold>) =
        body.thresholds.iter().partition(|t| t.value <= y_max);
    let mut labels = vec![(y_max, unit.format(y_max)), (0.0, "0".to_string())];
    if graph_h >= 5 {
        labels.push((y_max / 2.0, unit.format(y_max / 2.0)));
    }

    // The y axis: labels right-aligned at the rows their values fall on.
    let row_of = |v: f64| -> u16 {
        let dots = f64::from(graph.height) * 4.0 - 1.0;
        let dot = ((y_max - v) * dots / y_max).round().clamp(0.0, dots);
        graph.y + (dot as u16) / 4
    };
    for y in graph.y..graph.bottom() {
        buf.set_string(graph.x - 1, y, "│", theme.style(Role::Border));
    }
    for (v, label) in &labels {
        let y = row_of(*v);
        let w = u16::try_from(label.chars().count()).unwrap_or(gutter);
        let x = (graph.x - 1).saturating_sub(w).max(area.x);
        buf.set_string(x, y, label, theme.style(Role::Muted));
        buf.set_string(graph.x - 1, y, "┤", theme.style(Role::Border));
    }

    let threshold_pts: Vec<[(f64, f64); 2]> = shown
        .iter()
        .map(|t| [(-span_secs, t.value), (0.0, t.value)])
        .collect();
    let mut datasets = Vec::new();
    for (t, pts) in shown.iter().zip(&threshold_pts) {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.style(t.role))
                .data(pts),
        );
    }
    for (role, p) in &plots {
        for seg in &p.segments {
            datasets.push(
                Dataset::default()
                    .marker(Marker::Braille)
                    .graph_type(GraphType::Line)
                    .style(theme.style(*role))
                    .data(seg),
            );
        }
    }
    Chart::new(datasets)
        .x_axis(Axis::default().bounds([-span_secs, 0.0]))
        .y_axis(Axis::default().bounds([0.0, y_max]))
        .legend_position(None)
        .render(graph, buf);

    // Threshold labels at the right end of their line, one per row.
    let mut used: Vec<u16> = Vec::new();
    // Off-scale thresholds first, in the top row, so they are never crowded out.
    if !above.is_empty() {
        let mut spans = vec![span(theme, Role::Muted, " ↑")];
        for t in &above {
            spans.push(span(theme, t.role, format!(" {}", t.label)));
        }
        let line = Line::from(spans);
        let w = u16::try_from(line.width()).unwrap_or(u16::MAX);
        if w + 4 <= graph.width {
            buf.set_line(graph.right() - w, graph.y, &line, w);
            used.push(graph.y);
        }
    }
    // Rollback lines matter most, then the baseline, then SLOs: on a crowded row the more
    // important label wins, and the other moves to a free row next to its line if there is one.
    let mut by_weight: Vec<&&Threshold> = shown.iter().collect();
    by_weight.sort_by_key(|t| match t.role {
        Role::RollbackLine => 0,
        Role::Baseline => 1,
        _ => 2,
    });
    for t in by_weight {
        let w = u16::try_from(t.label.chars().count() + 1).unwrap_or(u16::MAX);
        if w + 4 > graph.width {
            continue;
        }
        let line_row = row_of(t.value);
        let candidates = [
            Some(line_row),
            line_row.checked_sub(1).filter(|y| *y >= graph.y),
            Some(line_row + 1).filter(|y| *y < graph.bottom()),
        ];
        let Some(y) = candidates.into_iter().flatten().find(|y| !used.contains(y)) else {
            continue;
        };
        used.push(y);
        let line = Line::from(span(theme, t.role, format!(" {}", t.label)));
        buf.set_line(graph.right() - w, y, &line, w);
    }

    // The time axis: the window's start on the left, its middle, and now on the right.
    let axis_y = area.bottom() - 1;
    let start = format!("-{}", window_label(window));
    let mid = format!("-{}", half_label(window));
    let muted = theme.style(Role::Muted);
    buf.set_string(graph.x, axis_y, &start, muted);
    let now_w = 3;
    buf.set_string(graph.right().saturating_sub(now_w), axis_y, "now", muted);
    let mid_w = u16::try_from(mid.chars().count()).unwrap_or(0);
    let mid_x = graph.x + graph.width / 2 - mid_w / 2;
    let start_w = u16::try_from(start.chars().count()).unwrap_or(0);
    if mid_x > graph.x + start_w + 1 && mid_x + mid_w + 1 < graph.right().saturating_sub(now_w) {
        buf.set_string(mid_x, axis_y, &mid, muted);
    }
}

fn half_label(w: SignedDuration) -> String {
    window_label(w / 2)
}

/// The next "round" number at or above `v` (1, 2, 2.5, 5 × 10ⁿ), so axis labels read well.
fn nice_ceiling(v: f64, unit: Unit) -> f64 {
    let floor = match unit {
        Unit::Percent => 0.1,
        Unit::Millis => 10.0,
        Unit::PerSecond => 1.0,
    };
    if !v.is_finite() || v <= floor {
        return floor;
    }
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * mag >= v {
            return m * mag;
        }
    }
    10.0 * mag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_round_ceilings() {
        assert_eq!(Unit::Percent.format(0.4213), "0.42%");
        assert_eq!(Unit::Percent.format(8.0), "8%");
        assert_eq!(Unit::Percent.format(12.34), "12.3%");
        assert_eq!(Unit::Millis.format(310.4), "310ms");
        assert_eq!(Unit::Millis.format(1234.0), "1.23s");
        assert_eq!(Unit::PerSecond.format(1400.0), "1.4k/s");
        assert_eq!(Unit::PerSecond.format(182.3), "182/s");
        assert_eq!(nice_ceiling(5.5, Unit::Percent), 6.0);
        assert_eq!(nice_ceiling(2.2, Unit::Percent), 2.5);
        assert_eq!(nice_ceiling(550.0, Unit::Millis), 600.0);
        assert_eq!(nice_ceiling(0.0, Unit::Percent), 0.1);
        assert_eq!(nice_ceiling(f64::NAN, Unit::Millis), 10.0);
        assert_eq!(nice_ceiling(1100.0, Unit::Millis), 1200.0);
        assert_eq!(window_label(WINDOWS[2]), "1h");
        assert_eq!(window_label(WINDOWS[0]), "5m");
        assert_eq!(half_label(WINDOWS[0]), "2m30s");
    }
}
