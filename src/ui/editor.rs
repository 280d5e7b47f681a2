//! The note editor overlay (ratatui-textarea): a multi-line note for one item. Enter starts a
//! new line; the editor keymap's `save` records the note, `cancel` discards it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};
use ratatui_textarea::{TextArea, WrapMode};

use super::widgets::{centered, pane_block, span};
use super::{Ctx, sanitize};
use crate::config::keymap::{Command, Keymap, Mode};
use crate::config::theme::Role;

/// A note being written for one item.
#[derive(Debug)]
pub struct NoteEditor {
    /// Stage id of the item.
    pub stage: String,
    /// Item id.
    pub item: String,
    /// The text being edited.
    pub area: TextArea<'static>,
}

impl NoteEditor {
    /// An empty editor for `stage/item`.
    pub fn new(stage: String, item: String) -> Self {
        let mut area = TextArea::default();
        area.set_wrap_mode(WrapMode::WordOrGlyph);
        area.set_placeholder_text("what happened, what you checked, links…");
        Self { stage, item, area }
    }

    /// The note as typed, without trailing blank lines or spaces.
    pub fn text(&self) -> String {
        self.area.lines().join("\n").trim_end().to_string()
    }

    /// Draws the overlay centred over `area`, with the save/cancel keys from the keymap.
    pub fn render(&mut self, ctx: &Ctx<'_>, keymap: &Keymap, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        // Three quarters of the screen, but never smaller than a usable 44×8.
        let w = (area.width.saturating_mul(3) / 4).max(44);
        let h = (area.height.saturating_mul(3) / 5).max(8);
        let rect = centered(area, w, h);
        let title = Line::raw(format!(
            " note on {}/{} ",
            sanitize::line(&self.stage),
            sanitize::line(&self.item)
        ));
        let block = pane_block(theme, title, true);
        let inner = block.inner(rect);
        Clear.render(rect, buf);
        buf.set_style(rect, theme.style(Role::Text));
        block.render(rect, buf);
        let [text_area, keys_area] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);

        self.area.set_style(theme.style(Role::Text));
        self.area
            .set_cursor_style(theme.style(Role::Text).add_modifier(Modifier::REVERSED));
        self.area.set_cursor_line_style(theme.style(Role::Text));
        self.area.set_placeholder_style(theme.style(Role::Muted));
        (&self.area).render(text_area, buf);

        let mut hints = Vec::new();
        for cmd in [Command::Save, Command::Cancel] {
            if let Some(b) = keymap.binding(Mode::Editor, cmd) {
                hints.push(span(theme, Role::Key, b.keys_label()));
                hints.push(Span::raw(format!(" {}  ", sanitize::line(&b.desc))));
            }
        }
        hints.push(span(theme, Role::Muted, "enter new line"));
        buf.set_line(
            keys_area.x,
            keys_area.y,
            &Line::from(hints),
            keys_area.width,
        );
    }
}
