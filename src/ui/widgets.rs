//! Small drawing helpers shared by the panes: the pane frame, a two-sided row, centring.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};

use crate::config::theme::{Role, Theme};

/// The frame around a pane: the focused pane's border and title use the focus role.
pub fn pane_block<'a>(theme: &Theme, title: Line<'a>, focused: bool) -> Block<'a> {
    let (border, title_role) = if focused {
        (Role::Focus, Role::Focus)
    } else {
        (Role::Border, Role::Title)
    };
    Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(theme.style(border))
        .title(title.style(theme.style(title_role)))
}

/// Draws `left` from the row's start and `right` flush with its end; `left` is cut short to
/// leave `right` room, and `right` is dropped when the row is too narrow for both to be read.
pub fn two_sided(buf: &mut Buffer, row: Rect, left: &Line<'_>, right: &Line<'_>) {
    if row.width == 0 || row.height == 0 {
        return;
    }
    let rw = u16::try_from(right.width()).unwrap_or(u16::MAX);
    let room = row.width.saturating_sub(rw.saturating_add(1));
    // Keep at least a readable stub of the left side, else show the left side alone.
    if rw > 0 && room >= row.width.min(12) {
        buf.set_line(row.x, row.y, left, room);
        buf.set_line(row.x + row.width - rw, row.y, right, rw);
    } else {
        buf.set_line(row.x, row.y, left, row.width);
    }
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// A styled span from a role.
pub fn span<'a>(theme: &Theme, role: Role, text: impl Into<std::borrow::Cow<'a, str>>) -> Span<'a> {
    Span::styled(text, theme.style(role))
}
