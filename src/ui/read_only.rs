//! Keys in the read-only views (`warroom replay`, `warroom follow`): replay's own keys come
//! first (in every overlay but the typing ones), then the panes' keys — focus, maximise,
//! scroll, filter, layout, theme, zoom, help, the why panel — while everything that would
//! change production or record anything (tick, note, go/no-go, shift, back, pause, rollback,
//! arm, marker) is refused with a word, and quit never asks (nothing is under way here).

use crossterm::event::{KeyEvent, KeyEventKind};
use jiff::Timestamp;

use super::{Overlay, Ui, UiAction, WINDOWS};
use crate::config::keymap::{Command, Key, Mode};
use crate::state::State;

/// What a key asks a read-only view to do beyond changing what the screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewKey {
    /// Nothing more.
    None,
    /// Leave the view.
    Quit,
    /// A replay command; `nth` is which key of its binding was pressed (0 for the first), so
    /// `jump-tenth` knows its tenth.
    Replay {
        /// The command.
        command: Command,
        /// The key's place in the binding.
        nth: usize,
    },
}

/// Commands that would record something or change production.
fn writes(c: Command) -> bool {
    matches!(
        c,
        Command::Tick
            | Command::Note
            | Command::GoNoGo
            | Command::Shift
            | Command::Back
            | Command::Pause
            | Command::Rollback
            | Command::Arm
            | Command::Marker
            | Command::Go
            | Command::NoGo
            | Command::Confirm
    )
}

impl Ui {
    /// Handles a key in a read-only view; `label` (`replay` or `follow`) names the view in
    /// refusals, and `replay` says whether replay's own keys apply.
    pub fn handle_key_read_only(
        &mut self,
        key: KeyEvent,
        state: &State,
        now: Timestamp,
        label: &str,
        replay: bool,
    ) -> ViewKey {
        if key.kind == KeyEventKind::Release {
            return ViewKey::None;
        }
        let mode = self.mode();
        let typing = matches!(mode, Mode::Filter | Mode::Editor | Mode::Confirm);
        if !typing && let Some(b) = self.replay_binding(&key, replay) {
            self.flash = None;
            match b.0 {
                Command::ZoomIn => self.window_ix = self.window_ix.saturating_sub(1),
                Command::ZoomOut => self.window_ix = (self.window_ix + 1).min(WINDOWS.len() - 1),
                command => return ViewKey::Replay { command, nth: b.1 },
            }
            return ViewKey::None;
        }
        let resolved = if typing {
            None
        } else {
            self.keymap.resolve(mode, &key)
        };
        match resolved {
            Some(Command::Quit) => return ViewKey::Quit,
            Some(c) if writes(c) => {
                self.flash = Some(format!(
                    "{label}: read-only; {} records nothing and changes nothing here",
                    c.name()
                ));
                return ViewKey::None;
            }
            _ => {}
        }
        match self.handle_key_at(key, state, now) {
            Some(UiAction::Quit) => ViewKey::Quit,
            Some(UiAction::Intent(_) | UiAction::Release(_)) => {
                // Nothing above lets one through; should a new key do so, it still goes nowhere.
                self.flash = Some(format!("{label}: read-only; nothing is recorded"));
                self.overlay = Overlay::None;
                ViewKey::None
            }
            None => ViewKey::None,
        }
    }

    /// The replay-table command of a key and the key's place in its binding. Follow has no
    /// clock to move, so only the zoom keys apply there.
    fn replay_binding(&self, key: &KeyEvent, replay: bool) -> Option<(Command, usize)> {
        let k = Key::from_event(key);
        let b = self
            .keymap
            .bindings(Mode::Replay)
            .iter()
            .find(|b| b.keys.contains(&k))?;
        if !replay && !matches!(b.command, Command::ZoomIn | Command::ZoomOut) {
            return None;
        }
        let nth = b.keys.iter().position(|x| *x == k).unwrap_or(0);
        Some((b.command, nth))
    }
}
