//! A one-line text field (ratatui-textarea, kept to one line) for reasons, tickets and the
//! deployment name a production confirmation asks to be typed. Enter never starts a new line:
//! the overlay that owns the field decides what enter does, and a paste arrives in one piece
//! with its line breaks turned into spaces.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::widgets::Widget;
use ratatui_textarea::{TextArea, WrapMode};

use crate::config::theme::{Role, Theme};

/// The longest text a field takes, in bytes: a reason is a sentence or two, not a document
/// (a marker or a note holds more).
pub const FIELD_LIMIT: usize = 4096;

/// A one-line field.
#[derive(Debug, Clone)]
pub struct LineEditor {
    area: TextArea<'static>,
}

impl LineEditor {
    /// An empty field showing `placeholder` until something is typed.
    pub fn new(placeholder: &str) -> Self {
        let mut area = TextArea::default();
        area.set_wrap_mode(WrapMode::None);
        area.set_placeholder_text(placeholder);
        Self { area }
    }

    /// The text as typed, trimmed.
    pub fn text(&self) -> String {
        self.area.lines().join(" ").trim().to_string()
    }

    /// Edits with a key; keys that would start a new line are ignored. False when the field
    /// is full and the key would have added to it.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        let newline = matches!(key.code, KeyCode::Enter | KeyCode::Char('\n' | '\r'))
            || (key.code == KeyCode::Char('m') && key.modifiers.contains(KeyModifiers::CONTROL));
        if newline || key.code == KeyCode::Tab {
            return true;
        }
        let adds = matches!(key.code, KeyCode::Char(_))
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        if adds && self.len() >= FIELD_LIMIT {
            return false;
        }
        self.area.input(key);
        true
    }

    /// Inserts pasted text at the cursor in one go, line breaks as spaces. False (and nothing
    /// inserted) when the field would hold more than `FIELD_LIMIT` bytes.
    pub fn paste(&mut self, text: &str) -> bool {
        let flat: String = text
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .filter(|c| !c.is_control())
            .collect();
        if self.len() + flat.len() > FIELD_LIMIT {
            return false;
        }
        self.area.insert_str(flat);
        true
    }

    fn len(&self) -> usize {
        self.area.lines().iter().map(String::len).sum()
    }

    /// Draws the field in `area` (one row); the cursor shows only when `focused`.
    pub fn render(&mut self, theme: &Theme, focused: bool, area: Rect, buf: &mut Buffer) {
        let base = theme.style(Role::Text);
        self.area.set_style(base);
        self.area.set_cursor_line_style(base);
        self.area.set_placeholder_style(theme.style(Role::Muted));
        self.area.set_cursor_style(if focused {
            base.add_modifier(Modifier::REVERSED)
        } else {
            base
        });
        (&self.area).render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::from(KeyCode::Char(c))
    }

    #[test]
    fn a_field_stays_one_line_and_takes_a_paste_whole() {
        let mut f = LineEditor::new("why");
        for c in "errors".chars() {
            f.input(key(c));
        }
        f.input(KeyEvent::from(KeyCode::Enter));
        f.input(key(' '));
        assert!(f.paste("at 8 %\r\non green"));
        assert_eq!(f.text(), "errors at 8 %  on green");
        f.input(KeyEvent::from(KeyCode::Backspace));
        assert_eq!(f.text(), "errors at 8 %  on gree");
        assert!(!f.paste(&"x".repeat(FIELD_LIMIT)));
        assert_eq!(f.text(), "errors at 8 %  on gree");
    }
}
