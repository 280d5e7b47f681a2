//! Key handling: a key resolves through the keymap for the current mode to a `Command`, which
//! either changes the view (focus, cursor, overlays, look) or becomes a `UiAction` for the loop.
//! Nothing here blocks or touches a file.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use jiff::Timestamp;

use super::editor::{NoteEditor, NoteTarget};
use super::rows::Row;
use super::{Overlay, Ui, UiAction, WINDOWS};
use crate::config::keymap::{Command, Mode};
use crate::config::layout::PaneId;
use crate::reduce::checklist::{Intent, NOTE_LIMIT, Refusal};
use crate::release::ReleaseIntent;
use crate::state::State;

impl Ui {
    /// Handles a key press at the state's own clock (tests, replay). Returns what the loop
    /// should do beyond redrawing, if anything.
    pub fn handle_key(&mut self, key: KeyEvent, state: &State) -> Option<UiAction> {
        self.handle_key_at(key, state, state.now)
    }

    /// Handles a key press at `now`, the wall clock the core decides release intents at (a
    /// confirmation says how long a bake still has, and whether an override is possible).
    pub fn handle_key_at(
        &mut self,
        key: KeyEvent,
        state: &State,
        now: Timestamp,
    ) -> Option<UiAction> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        self.flash = None;
        self.follow(state);
        self.list.ensure(state, state.now);
        if matches!(self.overlay, Overlay::Comms(_)) {
            return self.comms_key(key, state, now);
        }
        match self.mode() {
            Mode::Editor => self.editor_key(key),
            Mode::Help => self.help_key(key, state, now),
            Mode::Filter => self.filter_key(key, state, now),
            Mode::Normal => self.normal_key(key, state, now),
            Mode::Decide => self.decide_key(key, state, now),
            Mode::Confirm if matches!(self.overlay, Overlay::Trust(_)) => self.trust_key(key),
            Mode::Confirm => self.confirm_key(key, state, now),
            Mode::Why => self.why_key(key, state, now),
            // Taken above, with the editor it opens.
            Mode::Comms => None,
            // Replay keys are read by the replay loop (`read_only.rs`) before these.
            Mode::Replay => None,
        }
    }

    fn editor_key(&mut self, key: KeyEvent) -> Option<UiAction> {
        let Overlay::Editor(ed) = &mut self.overlay else {
            return None;
        };
        match self.keymap.resolve(Mode::Editor, &key) {
            Some(Command::Save) => {
                let text = ed.text();
                if text.trim().is_empty() {
                    self.flash = Some("the note is empty; type something, or discard it".into());
                    return None;
                }
                if text.len() > NOTE_LIMIT {
                    self.flash = Some(Refusal::NoteTooLarge { bytes: text.len() }.to_string());
                    return None;
                }
                let target = ed.target.clone();
                self.overlay = Overlay::None;
                Some(match target {
                    NoteTarget::Item(stage, item) => {
                        UiAction::Intent(Intent::Note { stage, item, text })
                    }
                    NoteTarget::Marker => UiAction::Release(ReleaseIntent::Marker { note: text }),
                    // A comms edit is taken by the comms overlay, never here.
                    NoteTarget::Comms(_) => return None,
                })
            }
            Some(Command::Cancel) => {
                self.overlay = Overlay::None;
                self.flash = Some("note discarded".into());
                None
            }
            _ => {
                ed.area.input(key);
                None
            }
        }
    }

    fn help_key(&mut self, key: KeyEvent, state: &State, now: Timestamp) -> Option<UiAction> {
        let Overlay::Help(scroll) = &mut self.overlay else {
            return None;
        };
        match self.keymap.resolve(Mode::Help, &key)? {
            Command::Cancel => self.overlay = Overlay::None,
            Command::Quit => return self.quit(state, now),
            Command::Up => *scroll = scroll.saturating_sub(1),
            Command::Down => *scroll = scroll.saturating_add(1),
            Command::PageUp => *scroll = scroll.saturating_sub(10),
            Command::PageDown => *scroll = scroll.saturating_add(10),
            Command::Top => *scroll = 0,
            // Clamped to the text when drawn.
            Command::Bottom => *scroll = u16::MAX,
            _ => {}
        }
        None
    }

    fn filter_key(&mut self, key: KeyEvent, state: &State, now: Timestamp) -> Option<UiAction> {
        if self.pods.filtering {
            return self.pods_filter_key(key, state, now);
        }
        match self.keymap.resolve(Mode::Filter, &key) {
            Some(Command::Accept) => self.list.filtering = false,
            Some(Command::Cancel) => {
                self.list.filtering = false;
                self.list.filter.clear();
            }
            Some(Command::Quit) => return self.quit(state, now),
            Some(c @ (Command::Up | Command::Down)) => self.move_cursor(c, state),
            _ => match key.code {
                KeyCode::Backspace => {
                    self.list.filter.pop();
                }
                KeyCode::Char(c)
                    if !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                {
                    self.list.filter.push(c);
                }
                _ => {}
            },
        }
        // Land on the first matching item once the selected row is filtered away.
        let rows = self.list.rows(state);
        if !self.list.cursor.is_some_and(|c| rows.contains(&c)) {
            let first = rows.iter().find(|r| matches!(r, Row::Item(..)));
            self.list.cursor = first.or(rows.first()).copied().or(self.list.cursor);
        }
        None
    }

    /// Typing into the pods pane's filter; the cursor stays on its pod while it matches.
    fn pods_filter_key(
        &mut self,
        key: KeyEvent,
        state: &State,
        now: Timestamp,
    ) -> Option<UiAction> {
        match self.keymap.resolve(Mode::Filter, &key) {
            Some(Command::Accept) => self.pods.filtering = false,
            Some(Command::Cancel) => {
                self.pods.filtering = false;
                self.pods.filter.clear();
            }
            Some(Command::Quit) => return self.quit(state, now),
            Some(c @ (Command::Up | Command::Down)) => self.move_cursor(c, state),
            _ => match key.code {
                KeyCode::Backspace => {
                    self.pods.filter.pop();
                }
                KeyCode::Char(c)
                    if !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                {
                    self.pods.filter.push(c);
                }
                _ => {}
            },
        }
        let rows = self.pods.rows(&state.live);
        let i = self.pods.index(&rows);
        self.pods.move_to(&rows, i);
        None
    }

    fn normal_key(&mut self, key: KeyEvent, state: &State, now: Timestamp) -> Option<UiAction> {
        let cmd = self.keymap.resolve(Mode::Normal, &key)?;
        match cmd {
            Command::Quit => return self.quit(state, now),
            Command::GoNoGo
            | Command::Shift
            | Command::Back
            | Command::Pause
            | Command::Rollback
            | Command::Arm
            | Command::Marker
            | Command::Why => return self.release_command(cmd, state, now),
            Command::Tick => match self.selected_item(state) {
                Some((stage, item)) => {
                    return Some(UiAction::Intent(Intent::Toggle { stage, item }));
                }
                None => self.flash("this is a stage: move to one of its items to tick it"),
            },
            Command::Note => match self.selected_item(state) {
                Some((stage, item)) => {
                    self.overlay = Overlay::Editor(Box::new(NoteEditor::new(stage, item)));
                }
                None => self.flash("this is a stage: move to one of its items to add a note"),
            },
            Command::Trust => match self.selected_item(state) {
                // Asked only when trusting would be recorded: otherwise say why not.
                Some((stage, item)) => {
                    match crate::reduce::checks::decide_trust(state, &stage, &item) {
                        Ok(_) => {
                            self.overlay =
                                Overlay::Trust(Box::new(super::trust::TrustPrompt { stage, item }));
                        }
                        Err(why) => self.flash(why.to_string()),
                    }
                }
                None => self.flash("this is a stage: move to an item with a check to trust it"),
            },
            Command::Help => self.overlay = Overlay::Help(0),
            Command::Comms => self.open_comms(state),
            Command::FocusNext | Command::FocusPrev => {
                let panes = self.panes();
                let n = panes.len();
                if let Some(i) = panes.iter().position(|p| *p == self.focus) {
                    let next = if cmd == Command::FocusNext {
                        i + 1
                    } else {
                        i + n - 1
                    };
                    self.focus = panes[next % n];
                }
                // A maximised screen follows the focus, so tab pages through panes full-size.
                if self.maximised.is_some() {
                    self.maximised = Some(self.focus);
                }
            }
            Command::Maximise => {
                self.maximised = match self.maximised {
                    Some(_) => None,
                    None => Some(self.focus),
                };
            }
            Command::LayoutNext => {
                self.layout_ix = (self.layout_ix + 1) % self.layouts.len();
                self.maximised = None;
                self.fix_focus();
                let l = self.layout();
                self.flash = Some(format!("layout {}: {}", l.name, l.description));
            }
            Command::ThemeNext => {
                self.theme_ix = (self.theme_ix + 1) % self.themes.len();
                let t = self.theme();
                self.flash = Some(format!("theme {}: {}", t.name, t.description));
            }
            Command::Collapse => self.list.fold(Some(true)),
            Command::Expand => self.list.fold(Some(false)),
            Command::Fold => self.list.fold(None),
            Command::Filter => {
                let panes = self.panes();
                // The focused pane's own filter, else the checklist's, else the pods'.
                if self.focus != PaneId::Pods && panes.contains(&PaneId::Checklist) {
                    self.focus_checklist();
                    self.list.filtering = true;
                } else if panes.contains(&PaneId::Pods) {
                    self.focus = PaneId::Pods;
                    if self.maximised.is_some() {
                        self.maximised = Some(PaneId::Pods);
                    }
                    self.pods.filtering = true;
                } else {
                    self.flash("nothing to filter in this layout");
                }
            }
            Command::ZoomIn => self.window_ix = self.window_ix.saturating_sub(1),
            Command::ZoomOut => self.window_ix = (self.window_ix + 1).min(WINDOWS.len() - 1),
            Command::Cancel => {
                if self.focus == PaneId::Pods && !self.pods.filter.is_empty() {
                    self.pods.filter.clear();
                } else if !self.list.filter.is_empty() {
                    self.list.filter.clear();
                } else {
                    self.maximised = None;
                }
            }
            Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::Top
            | Command::Bottom => self.move_cursor(cmd, state),
            Command::Accept
            | Command::Save
            | Command::Go
            | Command::NoGo
            | Command::Confirm
            | Command::NextField
            | Command::PrevField
            | Command::Override
            | Command::ToggleUndo
            | Command::Edit
            | Command::Retry => {}
            Command::Play
            | Command::Faster
            | Command::Slower
            | Command::SeekBack
            | Command::SeekForward
            | Command::LeapBack
            | Command::LeapForward
            | Command::JumpTenth
            | Command::StepBack
            | Command::StepForward
            | Command::PrevMoment
            | Command::NextMoment
            | Command::GoTo => {}
        }
        None
    }

    fn trust_key(&mut self, key: KeyEvent) -> Option<UiAction> {
        let Overlay::Trust(t) = &self.overlay else {
            return None;
        };
        match self.keymap.resolve(Mode::Confirm, &key) {
            Some(Command::Confirm) => {
                let intent = Intent::Trust {
                    stage: t.stage.clone(),
                    item: t.item.clone(),
                };
                self.overlay = Overlay::None;
                Some(UiAction::Intent(intent))
            }
            Some(Command::Cancel) => {
                self.overlay = Overlay::None;
                self.flash = Some("not trusted: the check stays off".to_string());
                None
            }
            _ => None,
        }
    }

    /// Moves whatever the focused pane scrolls: the checklist cursor, the detail text, or the
    /// events log (back in time).
    fn move_cursor(&mut self, cmd: Command, state: &State) {
        let page = self.list.height.max(2) - 1;
        match self.focus {
            PaneId::Checklist => {
                let rows = self.list.rows(state);
                match cmd {
                    Command::Up => self.list.move_by(&rows, -1),
                    Command::Down => self.list.move_by(&rows, 1),
                    Command::PageUp => self
                        .list
                        .move_by(&rows, -isize::try_from(page).unwrap_or(1)),
                    Command::PageDown => {
                        self.list.move_by(&rows, isize::try_from(page).unwrap_or(1))
                    }
                    Command::Top => self.list.move_to(&rows, 0),
                    Command::Bottom => self.list.move_to(&rows, usize::MAX),
                    _ => {}
                }
                self.detail_scroll = 0;
            }
            PaneId::Detail => {
                let s = &mut self.detail_scroll;
                *s = match cmd {
                    Command::Up => s.saturating_sub(1),
                    Command::Down => s.saturating_add(1),
                    Command::PageUp => s.saturating_sub(10),
                    Command::PageDown => s.saturating_add(10),
                    Command::Top => 0,
                    _ => u16::MAX,
                };
            }
            PaneId::Events => {
                let b = &mut self.events_back;
                *b = match cmd {
                    Command::Up => b.saturating_add(1),
                    Command::Down => b.saturating_sub(1),
                    Command::PageUp => b.saturating_add(page),
                    Command::PageDown => b.saturating_sub(page),
                    Command::Top => usize::MAX,
                    _ => 0,
                };
            }
            PaneId::Pods => {
                let rows = self.pods.rows(&state.live);
                let page = isize::try_from(self.pods.height.max(2) - 1).unwrap_or(1);
                match cmd {
                    Command::Up => self.pods.move_by(&rows, -1),
                    Command::Down => self.pods.move_by(&rows, 1),
                    Command::PageUp => self.pods.move_by(&rows, -page),
                    Command::PageDown => self.pods.move_by(&rows, page),
                    Command::Top => self.pods.move_to(&rows, 0),
                    _ => self.pods.move_to(&rows, usize::MAX),
                }
            }
            // The other live panes show what fits; they have nothing to scroll.
            PaneId::Errors
            | PaneId::Latency
            | PaneId::Throughput
            | PaneId::Rollout
            | PaneId::Health
            | PaneId::Alerts
            | PaneId::Traffic
            | PaneId::Gates => {}
        }
    }

    /// Filtering acts on the checklist, so bring it into view if the layout shows it.
    fn focus_checklist(&mut self) {
        if self.panes().contains(&PaneId::Checklist) {
            self.focus = PaneId::Checklist;
            if self.maximised.is_some() {
                self.maximised = Some(PaneId::Checklist);
            }
        }
    }
}
