//! The help overlay: every binding of every mode with its description, built from the keymap
//! so it can never disagree with what the keys do.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::widgets::{centered, pane_block, span};
use super::{Ctx, sanitize};
use crate::config::keymap::{Command, Keymap, Mode};
use crate::config::theme::Role;

/// The help text, one line per binding under a heading per mode.
pub fn lines<'a>(ctx: &Ctx<'a>, keymap: &Keymap) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    let key_w = Mode::ALL
        .iter()
        .flat_map(|m| keymap.bindings(*m))
        .map(|b| b.keys_label().chars().count())
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    for mode in Mode::ALL {
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        let what = match mode {
            Mode::Normal => "the panes",
            Mode::Editor => "the note editor; other keys edit the note, enter starts a new line",
            Mode::Help => "this help",
            Mode::Filter => "typing a filter; other keys are typed into it",
            Mode::Decide => "the go/no-go overlay (g): every gate and the approvals",
            Mode::Confirm => {
                "a confirmation; plain characters are typed into the focused text field"
            }
            Mode::Why => "the why panel (w): what auto-rollback measured, how a rollback went",
            Mode::Replay => {
                "warroom replay and follow: these come first there; nothing is recorded"
            }
        };
        out.push(Line::from(vec![
            span(theme, Role::Heading, mode.name()),
            span(theme, Role::Muted, format!("  {what}")),
        ]));
        for b in keymap.bindings(mode) {
            out.push(Line::from(vec![
                Span::raw("  "),
                span(theme, Role::Key, format!("{:<key_w$}", b.keys_label())),
                Span::raw("  "),
                Span::raw(sanitize::line(&b.desc).into_owned()),
                span(theme, Role::Muted, format!("  ({})", b.command.name())),
            ]));
        }
    }
    out
}

/// Draws the overlay over `area`; `scroll` is clamped to the text.
pub fn render(ctx: &Ctx<'_>, keymap: &Keymap, scroll: &mut u16, area: Rect, buf: &mut Buffer) {
    let text = lines(ctx, keymap);
    let want_w = text.iter().map(Line::width).max().unwrap_or(0) + 4;
    let rect = centered(
        area,
        u16::try_from(want_w).unwrap_or(u16::MAX),
        u16::try_from(text.len() + 2).unwrap_or(u16::MAX),
    );
    let visible = usize::from(rect.height.saturating_sub(2));
    let max = text.len().saturating_sub(visible);
    *scroll = (*scroll).min(u16::try_from(max).unwrap_or(u16::MAX));
    let mut title = vec![Span::raw(" help ")];
    if let Some(b) = keymap.binding(Mode::Help, Command::Cancel) {
        title.push(span(
            ctx.theme,
            Role::Muted,
            format!("({} closes) ", b.keys_label()),
        ));
    }
    let title = Line::from(title);
    Clear.render(rect, buf);
    buf.set_style(rect, ctx.theme.style(Role::Text));
    Paragraph::new(text)
        .block(pane_block(ctx.theme, title, true))
        .scroll((*scroll, 0))
        .render(rect, buf);
}
