//! The note editor overlay (ratatui-textarea): a multi-line note for one item, or a marker on
//! the session at this moment. Enter starts a new line; the editor keymap's `save` records the
//! note, `cancel` discards it. A paste arrives in one piece (bracketed paste), within the
//! note limit.

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
use crate::reduce::checklist::{NOTE_LIMIT, Refusal};

/// What the note is written on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteTarget {
    /// A checklist item: (stage id, item id).
    Item(String, String),
    /// The session itself, at this moment: a marker.
    Marker,
    /// The text of a status update, edited in the comms overlay.
    Comms(crate::comms::CommsKind),
}

/// A note being written.
#[derive(Debug)]
pub struct NoteEditor {
    /// What it is written on.
    pub target: NoteTarget,
    /// The text being edited.
    pub area: TextArea<'static>,
}

impl NoteEditor {
    /// An empty editor for `stage/item`.
    pub fn new(stage: String, item: String) -> Self {
        Self::for_target(
            NoteTarget::Item(stage, item),
            "what happened, what you checked, links…",
        )
    }

    /// An empty editor for a marker.
    pub fn marker() -> Self {
        Self::for_target(
            NoteTarget::Marker,
            "what is happening now: paged the DBA, customer report, failover started…",
        )
    }

    /// An editor holding the draft of a status update, to edit in place.
    pub fn comms(kind: crate::comms::CommsKind, text: &str) -> Self {
        let mut ed = Self::for_target(NoteTarget::Comms(kind), "the update's text");
        ed.area = TextArea::from(text.lines().map(str::to_string).collect::<Vec<_>>());
        ed.area.set_wrap_mode(WrapMode::WordOrGlyph);
        ed.area.set_placeholder_text("the update's text");
        ed
    }

    fn for_target(target: NoteTarget, placeholder: &str) -> Self {
        let mut area = TextArea::default();
        area.set_wrap_mode(WrapMode::WordOrGlyph);
        area.set_placeholder_text(placeholder);
        Self { target, area }
    }

    /// The note as typed, without trailing blank lines or spaces.
    pub fn text(&self) -> String {
        self.area.lines().join("\n").trim_end().to_string()
    }

    /// Inserts pasted text at the cursor in one go (line breaks as new lines). Refused with
    /// the note limit's message, and nothing inserted, when the note would outgrow it.
    pub fn paste(&mut self, text: &str) -> Result<(), String> {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let now: usize = self.area.lines().iter().map(|l| l.len() + 1).sum();
        let bytes = now.saturating_sub(1) + text.len();
        if bytes > NOTE_LIMIT {
            return Err(Refusal::NoteTooLarge { bytes }.to_string());
        }
        self.area.insert_str(text);
        Ok(())
    }

    /// Draws the overlay centred over `area`, with the save/cancel keys from the keymap.
    pub fn render(&mut self, ctx: &Ctx<'_>, keymap: &Keymap, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        // Three quarters of the screen, but never smaller than a usable 44×8.
        let w = (area.width.saturating_mul(3) / 4).max(44);
        let h = (area.height.saturating_mul(3) / 5).max(8);
        let rect = centered(area, w, h);
        let title = Line::raw(match &self.target {
            NoteTarget::Item(stage, item) => format!(
                " note on {}/{} ",
                sanitize::line(stage),
                sanitize::line(item)
            ),
            NoteTarget::Marker => " marker: a note on the session, now ".to_string(),
            NoteTarget::Comms(kind) => format!(" comms: edit the {} update ", kind.name()),
        });
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
                // The keymap's words are about notes; an update's edit is kept or dropped.
                let desc = match (&self.target, cmd) {
                    (NoteTarget::Comms(_), Command::Save) => "keep the edit".into(),
                    (NoteTarget::Comms(_), _) => "drop the edit".into(),
                    _ => sanitize::line(&b.desc),
                };
                hints.push(span(theme, Role::Key, b.keys_label()));
                hints.push(Span::raw(format!(" {desc}  ")));
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
