//! The comms overlay (`c`): the draft of a status update, redrawn from the live state until it
//! is edited, so its numbers are the screen's. Tab chooses the kind (the phase picks the first
//! one), `e` edits the text in place in the note editor, enter records it (and posts it when a
//! webhook is set), `r` posts a failed update again with the same text. The header's reminder
//! (a progress update due, a failed post) is drawn from here too.

use std::collections::BTreeMap;

use crossterm::event::KeyEvent;
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::editor::NoteEditor;
use super::widgets::{centered, pane_block, span};
use super::{Ctx, Overlay, Ui, UiAction, sanitize, timefmt};
use crate::comms::decide::{kind_for, render as draft};
use crate::comms::webhook::Webhook;
use crate::comms::{CommsKind, Post, Reminder, reminder};
use crate::config::keymap::{Command, Keymap, Mode};
use crate::config::theme::Role;
use crate::config::warroom::Permission;
use crate::event::Actor;
use crate::reduce::checklist::NOTE_LIMIT;
use crate::release::ReleaseIntent;
use crate::state::State;

/// The overlay's view state.
#[derive(Debug)]
pub struct CommsOverlay {
    /// The kind shown.
    pub kind: CommsKind,
    /// Texts edited while the overlay is open, by kind.
    edited: BTreeMap<CommsKind, String>,
    /// The editor, while the text is being edited.
    pub editor: Option<Box<NoteEditor>>,
    /// Where a post would go (read when the overlay opened).
    webhook: Webhook,
}

impl CommsOverlay {
    /// Opens on the kind the release's phase calls for.
    pub fn new(state: &State) -> Self {
        let webhook = state
            .config
            .as_deref()
            .map_or(Webhook::NotConfigured, Webhook::of);
        Self {
            kind: kind_for(state),
            edited: BTreeMap::new(),
            editor: None,
            webhook,
        }
    }

    /// The text that enter would record now: the edit, else the draft of the moment.
    pub fn text(&self, state: &State, now: Timestamp, operator: &Actor) -> String {
        if let Some(t) = self.edited.get(&self.kind) {
            return t.clone();
        }
        match state.config.as_deref() {
            Some(cfg) => draft(state, cfg, self.kind, now, operator),
            None => String::new(),
        }
    }

    /// Draws the overlay over `area`.
    pub fn render(
        &mut self,
        ctx: &Ctx<'_>,
        operator: Option<&Actor>,
        keymap: &Keymap,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let theme = ctx.theme;
        let w = (area.width.saturating_mul(4) / 5).max(60);
        let rect = centered(area, w, area.height);
        let block = pane_block(theme, Line::raw(" comms: status update "), true);
        let inner = block.inner(rect);
        Clear.render(rect, buf);
        buf.set_style(rect, theme.style(Role::Text));
        block.render(rect, buf);
        let head = self.head(ctx, operator);
        // Long lines wrap: leave them the rows they take.
        let w = usize::from(inner.width.max(1));
        let rows: usize = head.iter().map(|l| l.width().max(1).div_ceil(w)).sum();
        let rows = u16::try_from(rows).unwrap_or(u16::MAX);
        let [head_area, text_area, keys_area] = Layout::vertical([
            Constraint::Length(rows),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        Paragraph::new(head)
            .wrap(Wrap { trim: true })
            .render(head_area, buf);
        let fallback = Actor::default();
        let text = self.text(ctx.state, ctx.now, operator.unwrap_or(&fallback));
        let lines: Vec<Line<'_>> = text
            .lines()
            .map(|l| Line::raw(sanitize::line(l).into_owned()))
            .collect();
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(text_area, buf);
        buf.set_line(
            keys_area.x,
            keys_area.y,
            &self.hints(ctx, keymap),
            keys_area.width,
        );
        if let Some(ed) = self.editor.as_mut() {
            ed.render(ctx, keymap, area, buf);
        }
    }

    /// The lines above the text: the kinds, where it goes, the last update, the reminder.
    fn head<'a>(&self, ctx: &Ctx<'_>, operator: Option<&Actor>) -> Vec<Line<'a>> {
        let theme = ctx.theme;
        let mut kinds = Vec::new();
        for k in CommsKind::ALL {
            let style = if k == self.kind {
                theme.style(Role::Focus).add_modifier(Modifier::REVERSED)
            } else {
                theme.style(Role::Muted)
            };
            kinds.push(Span::styled(format!(" {} ", k.name()), style));
            kinds.push(Span::raw(" "));
        }
        let origin = if self.edited.contains_key(&self.kind) {
            "edited".to_string()
        } else {
            format!(
                "drafted from the live state at {}",
                timefmt::clock_secs(ctx.now, ctx.tz)
            )
        };
        kinds.push(span(theme, Role::Muted, origin));
        let mut out = vec![Line::from(kinds)];
        let role = if self.webhook.is_set() {
            Role::Text
        } else {
            Role::Muted
        };
        out.push(Line::from(span(theme, role, self.webhook.describe())));
        if let (Some(op), Some(cfg)) = (operator, ctx.state.config.as_deref())
            && !cfg.may(&op.role, Permission::Comms)
        {
            out.push(Line::from(span(
                theme,
                Role::Warn,
                format!(
                    "{} (role {}) may not record updates: enter will be refused",
                    sanitize::line(&op.name),
                    sanitize::line(&op.role)
                ),
            )));
        }
        if let Some(u) = ctx.state.comms.updates.last() {
            let when = timefmt::clock(u.at, ctx.tz, ctx.now);
            let (role, how) = match &u.post {
                Post::NotAsked => (Role::Muted, "recorded, not posted".to_string()),
                Post::Posting { attempt } => (Role::Warn, format!("posting (attempt {attempt})…")),
                Post::Posted { detail, .. } => (Role::Ok, format!("posted: {detail}")),
                Post::Failed { detail, .. } => (Role::Crit, format!("post FAILED: {detail}")),
            };
            out.push(Line::from(vec![
                span(
                    theme,
                    Role::Muted,
                    format!(
                        "last: {} {} at {when} by {} · ",
                        u.id,
                        u.kind.name(),
                        sanitize::line(&u.by)
                    ),
                ),
                span(theme, role, sanitize::line(&how).into_owned()),
            ]));
            if u.failed() {
                out.push(Line::from(span(
                    theme,
                    Role::Crit,
                    format!(
                        "the text of {} is kept: r posts it again, word for word",
                        u.id
                    ),
                )));
            }
        }
        if let Some(Reminder::Due { since }) = reminder(ctx.state, ctx.config, ctx.now) {
            out.push(Line::from(span(
                theme,
                Role::Warn,
                format!(
                    "a progress update is due (since {})",
                    timefmt::clock(since, ctx.tz, ctx.now)
                ),
            )));
        }
        out.push(Line::raw(""));
        out
    }

    fn hints<'a>(&self, ctx: &Ctx<'_>, keymap: &Keymap) -> Line<'a> {
        let theme = ctx.theme;
        let mut spans = Vec::new();
        for b in keymap.bindings(Mode::Comms) {
            let desc = match b.command {
                Command::Retry if ctx.state.comms.failed().is_none() => continue,
                Command::Quit => continue,
                Command::Confirm if !self.webhook.is_set() => "record".into(),
                _ => sanitize::line(&b.desc),
            };
            spans.push(span(theme, Role::Key, b.keys_label()));
            spans.push(Span::raw(format!(" {desc}  ")));
        }
        Line::from(spans)
    }
}

impl Ui {
    /// `c` in normal mode: the overlay, once the session has a config to draft from.
    pub(super) fn open_comms(&mut self, state: &State) {
        if state.config.is_none() {
            self.flash("this session has no warroom.toml: status updates need one (-c FILE)");
            return;
        }
        self.overlay = Overlay::Comms(Box::new(CommsOverlay::new(state)));
    }

    /// Keys in the comms overlay, and in its editor while the text is edited.
    pub(super) fn comms_key(
        &mut self,
        key: KeyEvent,
        state: &State,
        now: Timestamp,
    ) -> Option<UiAction> {
        let operator = self.operator.clone().unwrap_or_default();
        let Overlay::Comms(c) = &mut self.overlay else {
            return None;
        };
        if let Some(ed) = c.editor.as_mut() {
            match self.keymap.resolve(Mode::Editor, &key) {
                Some(Command::Save) => {
                    let text = ed.text();
                    if text.len() > NOTE_LIMIT {
                        self.flash = Some(format!(
                            "the update is {} bytes; an update holds at most {NOTE_LIMIT}",
                            text.len()
                        ));
                        return None;
                    }
                    c.edited.insert(c.kind, text);
                    c.editor = None;
                }
                Some(Command::Cancel) => {
                    c.editor = None;
                    self.flash = Some("edit dropped: the text is as it was".to_string());
                }
                _ => {
                    ed.area.input(key);
                }
            }
            return None;
        }
        match self.keymap.resolve(Mode::Comms, &key)? {
            Command::Confirm => {
                let text = c.text(state, now, &operator);
                if text.trim().is_empty() {
                    self.flash = Some("the update is empty: e edits it".to_string());
                    return None;
                }
                let intent = ReleaseIntent::Comms {
                    kind: c.kind,
                    text: Some(text),
                    post: c.webhook.is_set(),
                };
                self.overlay = Overlay::None;
                return Some(UiAction::Release(intent));
            }
            Command::Cancel => self.overlay = Overlay::None,
            Command::Quit => return self.quit(state, now),
            Command::NextField => c.kind = c.kind.cycle(1),
            Command::PrevField => c.kind = c.kind.cycle(-1),
            Command::Edit => {
                let text = c.text(state, now, &operator);
                c.editor = Some(Box::new(NoteEditor::comms(c.kind, &text)));
            }
            Command::Retry => match state.comms.failed() {
                Some(u) => {
                    let id = u.id.clone();
                    self.overlay = Overlay::None;
                    return Some(UiAction::Release(ReleaseIntent::CommsRetry {
                        id: Some(id),
                    }));
                }
                None => self.flash = Some("no failed post to retry".to_string()),
            },
            _ => {}
        }
        None
    }

    /// Text pasted while the update is being edited goes into it; otherwise it is ignored.
    pub(super) fn comms_paste(&mut self, text: &str) {
        let Overlay::Comms(c) = &mut self.overlay else {
            return;
        };
        match c.editor.as_mut() {
            Some(ed) => {
                if let Err(why) = ed.paste(text) {
                    self.flash = Some(why);
                }
            }
            None => self.flash = Some("paste ignored: e edits the update's text".to_string()),
        }
    }
}

/// The header's comms segment: a failed post (crit) or a progress update due (warn).
pub fn header_segment<'a>(ctx: &Ctx<'_>) -> Option<Span<'a>> {
    ctx.state.config.as_ref()?;
    Some(match reminder(ctx.state, ctx.config, ctx.now)? {
        Reminder::Failed { id } => span(
            ctx.theme,
            Role::Crit,
            format!("✉ {} post failed (c)", sanitize::line(&id)),
        ),
        Reminder::Due { since } => {
            let late = ctx.now.duration_since(since).as_secs();
            let text = if late >= 60 {
                format!("✉ update due {} ago (c)", timefmt::span(late))
            } else {
                "✉ update due (c)".to_string()
            };
            span(ctx.theme, Role::Warn, text)
        }
    })
}

/// Whether comms need the lead's attention (the footer then offers `c`).
pub fn attention(
    state: &State,
    ctx_config: &crate::config::warroom::WarroomConfig,
    now: Timestamp,
) -> bool {
    state.config.is_some() && reminder(state, ctx_config, now).is_some()
}
