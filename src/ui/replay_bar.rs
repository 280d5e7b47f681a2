//! The bars of the read-only views, between the panes and the footer. Replay: a timeline of
//! the session with its moments (decisions, approvals, shifts, rollbacks, alerts, markers)
//! and the position, then the play state, speed, clock, line and the verification state.
//! Follow: what is followed, the chain, and how the writer is doing. Either way, a banner
//! naming the first bad line when the chain is broken, and a footer of their own keys that
//! says nothing here is recorded.

use jiff::{SignedDuration, Timestamp};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::widgets::{span, two_sided};
use super::{Ctx, sanitize, timefmt};
use crate::config::keymap::{Command, Keymap, Mode};
use crate::config::theme::Role;
use crate::runtime::replay::Moment;

/// What the bar shows.
#[derive(Debug, Clone)]
pub struct Bar<'a> {
    /// Replay or follow.
    pub view: View<'a>,
    /// The chain as verified so far.
    pub chain: ChainState<'a>,
    /// The go-to prompt, while it is open.
    pub prompt: Option<Prompt<'a>>,
}

/// Which read-only view.
#[derive(Debug, Clone)]
pub enum View<'a> {
    /// `warroom replay`.
    Replay {
        /// The session's first and last times.
        start: Timestamp,
        /// See `start`.
        end: Timestamp,
        /// The replay clock.
        position: Timestamp,
        /// Every moment with its time.
        marks: &'a [(Timestamp, Moment)],
        /// Lines applied.
        applied: usize,
        /// Lines in the file.
        lines: usize,
        /// Whether it plays.
        playing: bool,
        /// The speed, as shown (`10×`, `skip idle`).
        speed: String,
        /// The moment the position is on, if it is on one.
        on: Option<Moment>,
    },
    /// `warroom follow`.
    Follow {
        /// What is followed: the file's name, or `stdin`.
        source: &'a str,
        /// Lines read.
        lines: u64,
        /// How the writer is doing.
        writer: Writer<'a>,
    },
}

/// How the writer of a followed session is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writer<'a> {
    /// Nothing has arrived yet.
    Waiting,
    /// Lines arrive; the last one this long ago.
    Active(SignedDuration),
    /// No line for this long.
    Quiet(SignedDuration),
    /// The session was closed cleanly, for this reason.
    Ended(&'a str),
    /// The war room recorded a crash.
    Crashed(&'a str),
    /// No process holds the file any more, and it did not close cleanly.
    Gone,
}

/// The chain as verified so far.
#[derive(Debug, Clone, Default)]
pub struct ChainState<'a> {
    /// Lines that verified.
    pub verified: u64,
    /// The first bad line and why.
    pub damage: Option<(u64, &'a str)>,
    /// Lines shown after the damage, unverified.
    pub unverified: u64,
    /// A torn final line: its number and length.
    pub torn: Option<(u64, u64)>,
    /// Lines of event types this version does not know (shown in the events pane).
    pub unknown: usize,
    /// Whether the last line is a clean close.
    pub clean_close: bool,
    /// Something else worth saying (follow: the writer resumed and torn bytes were dropped).
    pub note: Option<&'a str>,
}

/// The go-to prompt.
#[derive(Debug, Clone)]
pub struct Prompt<'a> {
    /// What has been typed.
    pub text: &'a str,
    /// Why the last try was refused.
    pub error: Option<&'a str>,
}

impl Bar<'_> {
    /// Rows the bar takes.
    pub fn height(&self) -> u16 {
        let banner = u16::from(self.chain.damage.is_some());
        match self.view {
            View::Replay { .. } => 2 + banner,
            View::Follow { .. } => 1 + banner,
        }
    }

    /// The footer's label for the view.
    fn label(&self) -> &'static str {
        match self.view {
            View::Replay { .. } => "replay: read-only",
            View::Follow { .. } => "follow: read-only",
        }
    }
}

/// The glyph and role of a moment on the timeline.
fn glyph(m: Moment) -> (char, Role) {
    match m {
        Moment::Marker => ('m', Role::Accent),
        Moment::Alert => ('!', Role::Warn),
        Moment::Shift => ('»', Role::Ok),
        Moment::Approval => ('a', Role::Accent),
        Moment::Decision => ('G', Role::Accent),
        Moment::Rollback => ('R', Role::Danger),
    }
}

/// Draws the bar's rows into `area` (as many as `height` says).
pub(crate) fn render(ctx: &Ctx<'_>, bar: &Bar<'_>, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    buf.set_style(area, theme.style(Role::Bar));
    let mut y = area.y;
    if let Some((line, reason)) = bar.chain.damage {
        let text = format!(
            " ✗ chain broken at line {line}: {} · every line before it verifies; it and the {} \
             after it are shown marked unverified",
            sanitize::line(reason),
            // The count includes the bad line itself.
            plural(bar.chain.unverified.saturating_sub(1), "line")
        );
        buf.set_line(
            area.x,
            y,
            &Line::from(span(theme, Role::Crit, text)),
            area.width,
        );
        y += 1;
    }
    let row = |y| Rect::new(area.x, y, area.width, 1);
    match &bar.view {
        View::Replay {
            start,
            end,
            position,
            marks,
            ..
        } => {
            if y < area.bottom() {
                timeline(ctx, *start, *end, *position, marks, row(y), buf);
                y += 1;
            }
            if y < area.bottom() {
                status(ctx, bar, row(y), buf);
            }
        }
        View::Follow { .. } => {
            if y < area.bottom() {
                status(ctx, bar, row(y), buf);
            }
        }
    }
}

/// `06:00 ├──G─»──»─●──R──┤ 06:00 +1d`: the session from start to end, each moment in the
/// cell of its time (the most important one when several share a cell), the position as `●`.
fn timeline(
    ctx: &Ctx<'_>,
    start: Timestamp,
    end: Timestamp,
    position: Timestamp,
    marks: &[(Timestamp, Moment)],
    area: Rect,
    buf: &mut Buffer,
) {
    let theme = ctx.theme;
    // Each end shows its date when the session spans days.
    let left = format!(" {} ├", timefmt::clock(start, ctx.tz, end));
    let right = format!("┤ {} ", timefmt::clock(end, ctx.tz, start));
    let lw = left.chars().count();
    let rw = right.chars().count();
    let cells = usize::from(area.width).saturating_sub(lw + rw);
    if cells < 4 {
        return;
    }
    let total = end.duration_since(start).as_millis().max(1);
    let cell_of = |t: Timestamp| {
        let off = t.duration_since(start).as_millis().clamp(0, total);
        usize::try_from(off * (cells as i128 - 1) / total).unwrap_or(0)
    };
    let mut row: Vec<Option<Moment>> = vec![None; cells];
    for (t, m) in marks {
        let c = &mut row[cell_of(*t)];
        if c.is_none_or(|old| *m > old) {
            *c = Some(*m);
        }
    }
    let here = cell_of(position);
    let mut spans = vec![span(theme, Role::Muted, left)];
    for (i, cell) in row.iter().enumerate() {
        let s = match (i == here, cell) {
            (true, _) => span(theme, Role::Focus, "●"),
            (false, Some(m)) => {
                let (g, role) = glyph(*m);
                span(theme, role, g.to_string())
            }
            (false, None) if i < here => span(theme, Role::Accent, "━"),
            (false, None) => span(theme, Role::Muted, "─"),
        };
        spans.push(s);
    }
    spans.push(span(theme, Role::Muted, right));
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}

/// The status row: play state, speed, clock, line and chain (replay), or source, lines, chain
/// and writer (follow); the prompt replaces it while open.
fn status(ctx: &Ctx<'_>, bar: &Bar<'_>, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    if let Some(p) = &bar.prompt {
        let mut spans = vec![
            span(theme, Role::Key, " go to: "),
            Span::raw(sanitize::line(p.text).into_owned()),
            span(theme, Role::Focus, "█"),
        ];
        spans.push(match p.error {
            Some(e) => span(theme, Role::Crit, format!("  {}", sanitize::line(e))),
            None => span(
                theme,
                Role::Muted,
                format!(
                    "  {} · enter goes, esc cancels",
                    crate::runtime::replay::goto::FORMS
                ),
            ),
        });
        buf.set_line(area.x, area.y, &Line::from(spans), area.width);
        return;
    }
    let mut left = Vec::new();
    match &bar.view {
        View::Replay {
            start,
            end,
            position,
            applied,
            lines,
            playing,
            speed,
            on,
            ..
        } => {
            left.push(if *playing {
                span(theme, Role::Ok, " ▶ REPLAY ")
            } else {
                span(theme, Role::Warn, " ⏸ REPLAY ")
            });
            left.push(span(theme, Role::Accent, format!("{speed} ")));
            left.push(span(
                theme,
                Role::Text,
                format!(
                    "{} ",
                    position
                        .to_zoned(ctx.tz.clone())
                        .strftime("%Y-%m-%d %H:%M:%S")
                ),
            ));
            left.push(span(
                theme,
                Role::Muted,
                format!(
                    "(+{} of {}) line {applied} of {lines}",
                    clock_span(position.duration_since(*start)),
                    clock_span(end.duration_since(*start))
                ),
            ));
            if let Some(m) = on {
                let (_, role) = glyph(*m);
                let article = if m.name().starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                left.push(span(theme, role, format!(" · at {article} {}", m.name())));
            }
        }
        View::Follow {
            source,
            lines,
            writer,
        } => {
            left.push(span(theme, Role::Ok, " ◉ FOLLOW "));
            left.push(span(
                theme,
                Role::Text,
                format!("{} ", sanitize::line(source)),
            ));
            left.push(span(theme, Role::Muted, format!("{lines} lines · ")));
            let (text, role) = writer_words(writer);
            left.push(span(theme, role, text));
        }
    }
    // The chain's word is never dropped for want of room: its details go first.
    let (chain, role) = chain_words(&bar.chain);
    let rights = [
        Line::from(span(theme, role, format!("{chain} "))),
        Line::from(span(theme, role, format!("{} ", chain_short(&bar.chain)))),
    ];
    two_sided(buf, area, &Line::from(left), &rights);
}

/// `chain_words` without its details, for a narrow row.
fn chain_short(c: &ChainState<'_>) -> String {
    match (c.damage, c.torn) {
        (Some((line, _)), _) => format!("✗ chain BROKEN at line {line}"),
        (None, Some(_)) => "⚠ chain intact, torn end".to_string(),
        (None, None) if c.unknown > 0 || c.note.is_some() => "✓ chain intact …".to_string(),
        (None, None) => "✓ chain intact".to_string(),
    }
}

fn writer_words(w: &Writer<'_>) -> (String, Role) {
    match w {
        Writer::Waiting => ("waiting for the first line".into(), Role::Stale),
        Writer::Active(ago) => (
            format!("writer active (last line {} ago)", secs(*ago)),
            Role::Ok,
        ),
        Writer::Quiet(for_) => (format!("writer quiet for {}", secs(*for_)), Role::Warn),
        Writer::Ended(reason) => (
            format!("the writer closed the session ({})", sanitize::line(reason)),
            Role::Muted,
        ),
        Writer::Crashed(reason) => (
            format!("the writer crashed: {}", sanitize::line(reason)),
            Role::Crit,
        ),
        Writer::Gone => (
            "no writer holds the file, and it was not closed (killed?)".into(),
            Role::Crit,
        ),
    }
}

fn chain_words(c: &ChainState<'_>) -> (String, Role) {
    let mut extra = String::new();
    if c.unknown > 0 {
        extra.push_str(&format!(
            " · {} of unknown types shown as written",
            plural(c.unknown as u64, "line")
        ));
    }
    if let Some(n) = c.note {
        extra.push_str(&format!(" · {}", sanitize::line(n)));
    }
    if let Some((line, _)) = c.damage {
        return (format!("✗ chain BROKEN at line {line}{extra}"), Role::Crit);
    }
    if let Some((line, bytes)) = c.torn {
        return (
            format!(
                "⚠ chain intact, torn final line {line} ({}){extra}",
                plural(bytes, "byte")
            ),
            Role::Warn,
        );
    }
    let close = if c.clean_close {
        ", closed cleanly"
    } else {
        ""
    };
    (
        format!(
            "✓ chain intact ({}){close}{extra}",
            plural(c.verified, "line")
        ),
        if extra.is_empty() {
            Role::Ok
        } else {
            Role::Warn
        },
    )
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Seconds as `45s`, `3m 12s`, `2h 05m`.
fn secs(d: SignedDuration) -> String {
    let s = d.as_secs().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
    }
}

/// An offset into the session as `1h 05m 12s` (or `2d 03:04:05` past a day).
fn clock_span(d: SignedDuration) -> String {
    let s = d.as_secs().max(0);
    let (days, h, m, sec) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
    if days > 0 {
        format!("{days}d {h:02}:{m:02}:{sec:02}")
    } else {
        format!("{h:02}:{m:02}:{sec:02}")
    }
}

/// The footer of the read-only views: their own keys (replay's, then the panes' view keys)
/// and, on the right, that nothing here is recorded. A flash message takes its place.
pub(crate) fn render_footer(
    ctx: &Ctx<'_>,
    keymap: &Keymap,
    bar: &Bar<'_>,
    flash: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
) {
    let theme = ctx.theme;
    buf.set_style(area, theme.style(Role::Bar));
    let label = Line::from(span(theme, Role::Warn, format!(" {} ", bar.label())));
    if let Some(msg) = flash {
        let left = Line::from(vec![
            Span::raw(" "),
            span(theme, Role::Warn, sanitize::line(msg).into_owned()),
        ]);
        two_sided(buf, area, &left, &[label]);
        return;
    }
    let replay = matches!(bar.view, View::Replay { .. });
    let mut offered: Vec<(Mode, Command)> = Vec::new();
    if replay {
        offered.extend(
            [
                Command::Play,
                Command::Faster,
                Command::Slower,
                Command::SeekForward,
                Command::StepBack,
                Command::StepForward,
                Command::PrevMoment,
                Command::NextMoment,
                Command::GoTo,
            ]
            .map(|c| (Mode::Replay, c)),
        );
    }
    offered.extend(
        [
            Command::FocusNext,
            Command::Maximise,
            Command::Why,
            Command::Help,
            Command::Quit,
        ]
        .map(|c| (Mode::Normal, c)),
    );
    let budget = usize::from(area.width).saturating_sub(label.width() + 2);
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (mode, c) in offered {
        let Some(b) = keymap.binding(mode, c) else {
            continue;
        };
        let key = b.keys.first().map(|k| k.label()).unwrap_or_default();
        let desc = sanitize::line(&b.desc).into_owned();
        let w = key.chars().count() + 1 + desc.chars().count() + 2;
        if used + w > budget {
            continue;
        }
        used += w;
        spans.push(span(theme, Role::Key, key));
        spans.push(Span::raw(format!(" {desc}  ")));
    }
    two_sided(buf, area, &Line::from(spans), &[label]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_clocks() {
        assert_eq!(clock_span(SignedDuration::from_secs(3_725)), "01:02:05");
        assert_eq!(clock_span(SignedDuration::from_secs(90_061)), "1d 01:01:01");
        assert_eq!(secs(SignedDuration::from_secs(125)), "2m 05s");
        assert_eq!(secs(SignedDuration::from_secs(7_260)), "2h 01m");
    }

    #[test]
    fn the_chain_reads_in_words() {
        let mut c = ChainState {
            verified: 12,
            clean_close: true,
            ..ChainState::default()
        };
        assert_eq!(
            chain_words(&c),
            ("✓ chain intact (12 lines), closed cleanly".into(), Role::Ok)
        );
        c.torn = Some((13, 20));
        assert_eq!(chain_words(&c).1, Role::Warn);
        c.damage = Some((7, "hash mismatch"));
        assert_eq!(
            chain_words(&c),
            ("✗ chain BROKEN at line 7".into(), Role::Crit)
        );
    }
}
