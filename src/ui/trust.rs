//! The trust prompt: before a command check runs, the exact argv it will run is shown and an
//! operator allows it (once per command); a proposed check is accepted the same way. Nothing
//! runs until the `CheckTrusted` event is recorded.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::widgets::{centered, pane_block, span};
use super::{Ctx, sanitize};
use crate::config::keymap::{Command, Keymap, Mode};
use crate::config::theme::Role;

/// The item whose check is being trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPrompt {
    /// Stage id.
    pub stage: String,
    /// Item id.
    pub item: String,
}

impl TrustPrompt {
    /// Draws the prompt over `area`.
    pub fn render(&self, ctx: &Ctx<'_>, keymap: &Keymap, area: Rect, buf: &mut Buffer) {
        let theme = ctx.theme;
        let Some(item) = ctx.state.runbook.item(&self.stage, &self.item) else {
            return;
        };
        let Some(check) = item.check.as_ref() else {
            return;
        };
        let mut text = vec![
            Line::styled(
                sanitize::line(&item.text).into_owned(),
                theme.style(Role::Title),
            ),
            Line::raw(""),
        ];
        if check.is_command() {
            text.push(Line::raw(
                "This command will run on this machine, as you, every",
            ));
            text.push(Line::raw(
                "10 seconds while its stage is current — exactly this",
            ));
            text.push(Line::raw("argv, with no shell:"));
            text.push(Line::raw(""));
            for (n, arg) in check.argv().iter().enumerate() {
                text.push(Line::from(vec![
                    span(theme, Role::Muted, format!("  argv[{n}] ")),
                    span(
                        theme,
                        Role::Code,
                        sanitize::line(&format!("{arg:?}")).into_owned(),
                    ),
                ]));
            }
        } else {
            text.push(Line::raw(
                "The import proposed this check; accepting it lets it run:",
            ));
            text.push(Line::raw(""));
            text.push(Line::from(span(
                theme,
                Role::Code,
                sanitize::line(&check.describe()).into_owned(),
            )));
        }
        text.push(Line::raw(""));
        let key = |c: Command| {
            keymap
                .binding(Mode::Confirm, c)
                .map(|b| b.keys_label())
                .unwrap_or_default()
        };
        text.push(Line::from(vec![
            span(theme, Role::Key, key(Command::Confirm)),
            Span::raw(if check.is_command() {
                " allows it (recorded)   "
            } else {
                " accepts it (recorded)   "
            }),
            span(theme, Role::Key, key(Command::Cancel)),
            Span::raw(" leaves it off"),
        ]));
        let rows = u16::try_from(text.len() + 2).unwrap_or(u16::MAX);
        let rect = centered(area, area.width.saturating_sub(4).clamp(20, 72), rows);
        let title = if check.is_command() {
            " trust this command? "
        } else {
            " accept this check? "
        };
        let block = pane_block(theme, Line::raw(title), true).border_style(theme.style(Role::Warn));
        Clear.render(rect, buf);
        buf.set_style(rect, theme.style(Role::Text));
        Paragraph::new(text)
            .block(block)
            .wrap(Wrap { trim: false })
            .render(rect, buf);
    }
}
