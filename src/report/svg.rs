//! Inline SVG line charts for the HTML report, written by hand: no script, no external file,
//! so the page opens anywhere and a reviewer's browser makes no request. Each series is a
//! `<path data-series=…>` (a gap where data was unknown), its worst point a `<circle>`,
//! thresholds dashed horizontal lines, and decisions, shifts and rollbacks vertical markers.

use std::fmt::Write;

use super::model::ChartMarker;

const W: f64 = 960.0;
const H: f64 = 260.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 34.0;

/// Draw every point as a circle when a series has at most this many.
const DOTS_UP_TO: usize = 80;

/// One line on a chart.
pub struct Line<'a> {
    /// The legend's words.
    pub label: String,
    /// `data-series` (e.g. `error_ratio:green`).
    pub key: String,
    /// CSS class choosing the colour and dash.
    pub class: &'static str,
    /// (unix ms, value or None).
    pub points: &'a [(i64, Option<f64>)],
    /// Hold each value until the next (traffic share) rather than joining points.
    pub steps: bool,
}

/// A chart.
pub struct Chart<'a> {
    /// The element id.
    pub id: &'a str,
    /// The caption.
    pub title: &'a str,
    /// The time axis.
    pub from_ms: i64,
    /// See `from_ms`.
    pub to_ms: i64,
    /// The lines.
    pub lines: Vec<Line<'a>>,
    /// Horizontal limits: (label, value).
    pub limits: Vec<(String, f64)>,
    /// A fixed top of the y axis (100 for percentages of traffic).
    pub y_max: Option<f64>,
    /// Formats a y value.
    pub fmt: fn(f64) -> String,
    /// Moments to mark.
    pub markers: &'a [ChartMarker],
}

/// Escapes text for HTML and SVG.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

impl Chart<'_> {
    /// The chart as an SVG element inside a `<figure>`.
    pub fn render(&self) -> String {
        let span = (self.to_ms - self.from_ms).max(1) as f64;
        let known = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().filter_map(|p| p.1))
            .chain(self.limits.iter().map(|l| l.1));
        let top = self
            .y_max
            .unwrap_or_else(|| known.fold(0.0_f64, f64::max) * 1.1);
        let top = if top > 0.0 && top.is_finite() {
            top
        } else {
            1.0
        };
        let x = |t: i64| LEFT + (t - self.from_ms) as f64 / span * (W - LEFT - RIGHT);
        let y = |v: f64| TOP + (1.0 - (v / top).clamp(0.0, 1.0)) * (H - TOP - BOTTOM);
        let mut o = String::new();
        let _ = write!(
            o,
            "<figure class=\"chart\" id=\"{}\"><figcaption>{}</figcaption>\
             <svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" \
             height=\"{H}\" role=\"img\" aria-label=\"{}\">",
            esc(self.id),
            esc(self.title),
            esc(self.title)
        );
        let _ = write!(
            o,
            "<rect class=\"plot\" x=\"{LEFT}\" y=\"{TOP}\" width=\"{}\" height=\"{}\"/>",
            W - LEFT - RIGHT,
            H - TOP - BOTTOM
        );
        for i in 0..=4 {
            let v = top * f64::from(i) / 4.0;
            let _ = write!(
                o,
                "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
                 <text class=\"tick\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                W - RIGHT,
                LEFT - 6.0,
                y(v) + 4.0,
                esc(&(self.fmt)(v)),
                y = y(v)
            );
        }
        for i in 0..=6 {
            let t = self.from_ms + (span * f64::from(i) / 6.0) as i64;
            let label = jiff::Timestamp::from_millisecond(t)
                .map(|ts| {
                    if span > 86_400_000.0 {
                        ts.strftime("%m-%d %H:%M").to_string()
                    } else {
                        ts.strftime("%H:%M:%S").to_string()
                    }
                })
                .unwrap_or_default();
            let anchor = match i {
                0 => "start",
                6 => "end",
                _ => "middle",
            };
            let _ = write!(
                o,
                "<text class=\"tick\" x=\"{:.1}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
                x(t),
                H - BOTTOM + 16.0,
                esc(&label)
            );
        }
        for (label, v) in &self.limits {
            let _ = write!(
                o,
                "<line class=\"limit\" data-limit=\"{}\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{yv:.1}\" \
                 y2=\"{yv:.1}\"/><text class=\"limit-label\" x=\"{}\" y=\"{:.1}\" \
                 text-anchor=\"end\">{}</text>",
                esc(label),
                W - RIGHT,
                W - RIGHT - 4.0,
                y(*v) - 4.0,
                esc(&format!("{label} {}", (self.fmt)(*v))),
                yv = y(*v)
            );
        }
        for (i, m) in self.markers.iter().enumerate() {
            let mx = x(m.t_ms);
            let _ = write!(
                o,
                "<line class=\"marker m-{}\" data-marker=\"{}\" x1=\"{mx:.1}\" x2=\"{mx:.1}\" \
                 y1=\"{TOP}\" y2=\"{}\"><title>{}</title></line>\
                 <text class=\"marker-label\" x=\"{:.1}\" y=\"{}\">{}</text>",
                m.kind,
                m.kind,
                H - BOTTOM,
                esc(&m.label),
                mx + 2.0,
                if i % 2 == 0 { TOP - 16.0 } else { TOP - 5.0 },
                esc(&short(&m.label))
            );
        }
        for line in &self.lines {
            let mut d = String::new();
            let mut pen_down = false;
            let mut count = 0usize;
            let mut last_y = None;
            for (t, v) in line.points {
                match v {
                    Some(v) => {
                        let (px, py) = (x(*t), y(*v));
                        if pen_down {
                            if line.steps
                                && let Some(ly) = last_y
                            {
                                let _ = write!(d, " L{px:.1},{ly:.1}");
                            }
                            let _ = write!(d, " L{px:.1},{py:.1}");
                        } else {
                            let _ = write!(d, " M{px:.1},{py:.1}");
                        }
                        pen_down = true;
                        last_y = Some(py);
                        count += 1;
                    }
                    None => {
                        if line.steps
                            && pen_down
                            && let Some(ly) = last_y
                        {
                            let _ = write!(d, " L{:.1},{ly:.1}", x(*t));
                        }
                        pen_down = false;
                    }
                }
            }
            if line.steps
                && pen_down
                && let Some(ly) = last_y
            {
                let _ = write!(d, " L{:.1},{ly:.1}", x(self.to_ms));
            }
            if count == 0 {
                continue;
            }
            let _ = write!(
                o,
                "<path class=\"series {}\" data-series=\"{}\" data-points=\"{count}\" d=\"{}\"><title>{}</title></path>",
                line.class,
                esc(&line.key),
                d.trim_start(),
                esc(&line.label)
            );
            let known: Vec<(i64, f64)> = line
                .points
                .iter()
                .filter_map(|(t, v)| v.map(|v| (*t, v)))
                .collect();
            let dots: Vec<(i64, f64)> = if known.len() <= DOTS_UP_TO {
                known
            } else {
                known
                    .iter()
                    .copied()
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .into_iter()
                    .collect()
            };
            for (t, v) in dots {
                let _ = write!(
                    o,
                    "<circle class=\"dot {}\" data-series=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\"><title>{}</title></circle>",
                    line.class,
                    esc(&line.key),
                    x(t),
                    y(v),
                    esc(&format!("{}: {}", line.label, (self.fmt)(v)))
                );
            }
        }
        o.push_str("</svg><div class=\"legend\">");
        for line in &self.lines {
            let _ = write!(
                o,
                "<span class=\"key {}\"><i></i>{}</span>",
                line.class,
                esc(&line.label)
            );
        }
        o.push_str("</div></figure>");
        o
    }
}

/// A marker's label cut to fit above the plot.
fn short(s: &str) -> String {
    let s: String = s.chars().take(18).collect();
    s
}
