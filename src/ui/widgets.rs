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

/// Draws `left` from the row's start and the richest of `rights` (longest first) that still
/// leaves `left` most of the row, flush with the row's end. With none fitting, `left` alone.
pub fn two_sided(buf: &mut Buffer, row: Rect, left: &Line<'_>, rights: &[Line<'_>]) {
    if row.width == 0 || row.height == 0 {
        return;
    }
    let w = usize::from(row.width);
    // The left side (what the row is) matters more than the right (its status details).
    let left_need = left.width().min(w * 3 / 5);
    let right = rights
        .iter()
        .find(|r| r.width() > 0 && left_need + 1 + r.width() <= w);
    match right {
        Some(r) => {
            let rw = u16::try_from(r.width()).unwrap_or(row.width);
            buf.set_line(row.x, row.y, left, row.width - rw - 1);
            buf.set_line(row.x + row.width - rw, row.y, r, rw);
        }
        None => {
            buf.set_line(row.x, row.y, left, row.width);
        }
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

/// `text` cut or padded to exactly `width` columns; a cut ends in `…`.
pub fn fit(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        format!("{text:<width$}")
    } else if width == 0 {
        String::new()
    } else {
        let mut s: String = text.chars().take(width - 1).collect();
        s.push('…');
        s
    }
}

/// Like `fit`, but a cut keeps both ends (`checkout-gr…1a-2p9zt`): pod names differ at the end.
pub fn fit_middle(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width || width < 5 {
        return fit(text, width);
    }
    let tail = (width - 1) / 2;
    let head = width - 1 - tail;
    let mut s: String = text.chars().take(head).collect();
    s.push('…');
    s.extend(text.chars().skip(n - tail));
    s
}

/// A horizontal bar `width` cells long, filled to `fraction` (0–1) in eighths of a cell.
pub fn bar(fraction: f64, width: usize) -> (String, String) {
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let f = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let eighths = (f * width as f64 * 8.0).round() as usize;
    let full = eighths / 8;
    let mut filled = "█".repeat(full);
    let part = PARTS[eighths % 8];
    filled.push_str(part);
    let used = full + usize::from(!part.is_empty());
    (filled, "·".repeat(width.saturating_sub(used)))
}

/// A styled span from a role.
pub fn span<'a>(theme: &Theme, role: Role, text: impl Into<std::borrow::Cow<'a, str>>) -> Span<'a> {
    Span::styled(text, theme.style(role))
}

/// Moves a list's first visible row (`top`) the least needed for row `i` to show among
/// `height` rows, never past the end of a `len`-row list.
pub fn scroll_into_view(top: &mut usize, i: usize, len: usize, height: usize) {
    if height == 0 {
        return;
    }
    if i < *top {
        *top = i;
    } else if i >= *top + height {
        *top = i + 1 - height;
    }
    *top = (*top).min(len.saturating_sub(height));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_and_bar() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(fit_middle("checkout-green-5b6c1a-2p9zt", 11), "check…2p9zt");
        assert_eq!(fit_middle("short", 8), "short   ");
        assert_eq!(bar(0.5, 4), ("██".to_string(), "··".to_string()));
        assert_eq!(bar(1.0, 3).0, "███");
        assert_eq!(bar(f64::NAN, 2), (String::new(), "··".to_string()));
        let (a, b) = bar(0.3, 10);
        assert_eq!(a.chars().count() + b.chars().count(), 10);
    }
}
