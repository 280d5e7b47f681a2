//! The keys for deciding and acting: `g` opens go/no-go, `s`/`b`/`r` and disarming open a
//! confirmation, `p` pauses or resumes and arming acts at once, `m` writes a marker, `w` opens
//! the why panel; and the keys of those overlays. What leaves is a `UiAction::Release`, decided
//! by the core at the wall clock; a refusal comes back as a flash. `q` asks first while a
//! shift is under way.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;

use super::confirm::{Ask, Confirm};
use super::editor::NoteEditor;
use super::{Overlay, Ui, UiAction};
use crate::config::keymap::{Command, Mode};
use crate::config::warroom::WarroomConfig;
use crate::release::ReleaseIntent;
use crate::release::plan::Sides;
use crate::state::State;
use crate::state::release::Phase;

/// The candidate Deployment's name, for the undo checkbox.
pub fn candidate_workload(cfg: &WarroomConfig) -> String {
    Sides::of(cfg)
        .candidate_workload
        .unwrap_or_else(|| "the candidate".to_string())
}

/// A shift is under way: traffic is on the candidate, or a change has no outcome yet.
/// Quitting then asks first (the war room is what watches for a breach).
pub fn shift_under_way(state: &State) -> bool {
    let r = &state.release;
    (r.phase == Phase::Shifting && r.plan.weight > 0) || r.in_flight().is_some()
}

/// A plain character (no ctrl or alt): typed into a focused text field before any binding.
fn plain_char(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

impl Ui {
    /// A release command pressed in normal mode (or `r` in the why panel).
    pub(super) fn release_command(
        &mut self,
        cmd: Command,
        state: &State,
        now: Timestamp,
    ) -> Option<UiAction> {
        if state.config.is_none() && cmd != Command::Why {
            self.flash(
                "this session has no warroom.toml: gates, traffic and rollback need one (-c FILE)",
            );
            return None;
        }
        let op = self.operator.clone();
        let confirm = |ask| Overlay::Confirm(Box::new(Confirm::new(ask, state, now, op.as_ref())));
        match cmd {
            Command::GoNoGo => self.overlay = Overlay::Decide(0),
            Command::Shift => self.overlay = confirm(Ask::Shift),
            Command::Back => self.overlay = confirm(Ask::Back),
            Command::Rollback => self.overlay = confirm(Ask::Rollback),
            Command::Pause => {
                return Some(UiAction::Release(if state.release.paused.is_some() {
                    ReleaseIntent::Resume { reason: None }
                } else {
                    ReleaseIntent::Pause { reason: None }
                }));
            }
            Command::Arm if state.release.auto.armed => self.overlay = confirm(Ask::Disarm),
            Command::Arm => {
                return Some(UiAction::Release(ReleaseIntent::Arm {
                    armed: true,
                    reason: None,
                }));
            }
            Command::Marker => self.overlay = Overlay::Editor(Box::new(NoteEditor::marker())),
            Command::Why => self.overlay = Overlay::Why(0),
            _ => {}
        }
        None
    }

    /// Quit, or ask first while a shift is under way.
    pub(super) fn quit(&mut self, state: &State, now: Timestamp) -> Option<UiAction> {
        if shift_under_way(state) {
            let op = self.operator.clone();
            self.overlay = Overlay::Confirm(Box::new(Confirm::new(
                Ask::Quit,
                state,
                now,
                op.as_ref(),
            )));
            return None;
        }
        Some(UiAction::Quit)
    }

    /// Keys in the go/no-go overlay.
    pub(super) fn decide_key(
        &mut self,
        key: KeyEvent,
        state: &State,
        now: Timestamp,
    ) -> Option<UiAction> {
        let Overlay::Decide(scroll) = &mut self.overlay else {
            return None;
        };
        match self.keymap.resolve(Mode::Decide, &key)? {
            c @ (Command::Go | Command::NoGo) => {
                let ask = if c == Command::Go { Ask::Go } else { Ask::NoGo };
                let op = self.operator.clone();
                self.overlay =
                    Overlay::Confirm(Box::new(Confirm::new(ask, state, now, op.as_ref())));
            }
            Command::Cancel => self.overlay = Overlay::None,
            Command::Quit => return self.quit(state, now),
            Command::Up => *scroll = scroll.saturating_sub(1),
            Command::Down => *scroll = scroll.saturating_add(1),
            Command::PageUp => *scroll = scroll.saturating_sub(10),
            Command::PageDown => *scroll = scroll.saturating_add(10),
            Command::Top => *scroll = 0,
            Command::Bottom => *scroll = u16::MAX,
            _ => {}
        }
        None
    }

    /// Keys in a confirmation. Plain characters go to the focused text field first.
    pub(super) fn confirm_key(
        &mut self,
        key: KeyEvent,
        state: &State,
        now: Timestamp,
    ) -> Option<UiAction> {
        let op = self.operator.clone();
        let Overlay::Confirm(c) = &mut self.overlay else {
            return None;
        };
        c.sync(state, now, op.as_ref());
        if plain_char(&key)
            && let Some(field) = c.text_field()
        {
            if !field.input(key) {
                self.flash = Some("the field is full".to_string());
            }
            return None;
        }
        match self.keymap.resolve(Mode::Confirm, &key) {
            Some(Command::Confirm) => {
                let action = c.submit(state)?;
                self.overlay = Overlay::None;
                return Some(action);
            }
            Some(Command::Cancel) => {
                // From go or no-go, back to the gates; from anything else, back to the panes.
                self.overlay = match c.ask {
                    Ask::Go | Ask::NoGo => Overlay::Decide(0),
                    _ => Overlay::None,
                };
                self.flash = Some("cancelled: nothing was changed".to_string());
            }
            Some(Command::NextField) => c.move_focus(1),
            Some(Command::PrevField) => c.move_focus(-1),
            Some(Command::Override) if c.ask == Ask::Shift && !c.overriding => {
                let v = c.verdict(state, now, op.as_ref());
                if v.overridable {
                    c.start_override(state, now, op.as_ref());
                } else {
                    self.flash = Some(match v.refused {
                        Some(r) => format!("the rules allow no override here: {r}"),
                        None => "nothing to override: the rules accept it now".to_string(),
                    });
                }
            }
            Some(Command::ToggleUndo) if c.has_undo() => c.undo = !c.undo,
            _ => {
                if let Some(field) = c.text_field() {
                    field.input(key);
                }
            }
        }
        None
    }

    /// Keys in the why panel.
    pub(super) fn why_key(
        &mut self,
        key: KeyEvent,
        state: &State,
        now: Timestamp,
    ) -> Option<UiAction> {
        let Overlay::Why(scroll) = &mut self.overlay else {
            return None;
        };
        match self.keymap.resolve(Mode::Why, &key)? {
            Command::Cancel => self.overlay = Overlay::None,
            Command::Quit => return self.quit(state, now),
            Command::Up => *scroll = scroll.saturating_sub(1),
            Command::Down => *scroll = scroll.saturating_add(1),
            Command::PageUp => *scroll = scroll.saturating_sub(10),
            Command::PageDown => *scroll = scroll.saturating_add(10),
            Command::Top => *scroll = 0,
            Command::Bottom => *scroll = u16::MAX,
            Command::Rollback => return self.release_command(Command::Rollback, state, now),
            _ => {}
        }
        None
    }

    /// Pasted text (bracketed paste): into the note or marker being written, the focused text
    /// field of a confirmation, or the filter, in one piece. Anywhere else it is ignored, so
    /// text pasted into the wrong window can never press a key.
    pub fn handle_paste(&mut self, text: &str) {
        self.flash = None;
        let filtering = self.mode() == Mode::Filter;
        match &mut self.overlay {
            Overlay::Editor(ed) => {
                if let Err(why) = ed.paste(text) {
                    self.flash = Some(why);
                }
            }
            Overlay::Confirm(c) => match c.text_field() {
                Some(f) => {
                    if !f.paste(text) {
                        self.flash = Some(format!(
                            "a field holds at most {} bytes; paste a shorter text",
                            super::line::FIELD_LIMIT
                        ));
                    }
                }
                None => self.flash = Some("paste ignored: move to a text field (tab)".into()),
            },
            _ if filtering => {
                let one_line: String = text.chars().filter(|c| !c.is_control()).collect();
                if self.pods.filtering {
                    self.pods.filter.push_str(&one_line);
                } else {
                    self.list.filter.push_str(&one_line);
                }
            }
            _ => {
                self.flash = Some(
                    "paste ignored: open a note (n) or a marker (m) to paste into".to_string(),
                );
            }
        }
    }
}
