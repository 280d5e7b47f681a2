//! The screen: view state (focus, cursor, overlays), key handling, and drawing from `&State`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph};

use crate::config::Dirs;
use crate::error::Fatal;
use crate::reduce::checklist::{self, Intent};
use crate::state::State;

/// What a key asks the loop to do beyond changing the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiAction {
    /// Record an operator intent.
    Intent(Intent),
    /// End the session.
    Quit,
}

/// Everything about the screen that is not recorded: cursor, overlays, look.
#[derive(Debug, Default)]
pub struct Ui {
    cursor: usize,
    flash: Option<String>,
}

/// A row of the checklist: a stage header or one of its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Stage(usize),
    Item(usize, usize),
}

fn rows(state: &State) -> Vec<Row> {
    let mut out = Vec::new();
    for (si, s) in state.runbook.stages.iter().enumerate() {
        out.push(Row::Stage(si));
        out.extend((0..s.items.len()).map(|ii| Row::Item(si, ii)));
    }
    out
}

impl Ui {
    /// Loads keymap, themes and layouts (built-in defaults, overridden from the config dir).
    pub fn load(_dirs: &Dirs, _layout: Option<&str>, _theme: Option<&str>) -> Result<Self, Fatal> {
        Ok(Self::default())
    }

    /// Shows a short message in the footer until the next key.
    pub fn flash(&mut self, message: impl Into<String>) {
        self.flash = Some(message.into());
    }

    /// Handles a key press.
    pub fn handle_key(&mut self, key: KeyEvent, state: &State) -> Option<UiAction> {
        self.flash = None;
        let n = rows(state).len();
        match key.code {
            KeyCode::Char('q') => return Some(UiAction::Quit),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return Some(UiAction::Quit);
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.cursor = (self.cursor + 1).min(n.saturating_sub(1))
            }
            KeyCode::Up | KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Char(' ') => {
                if let Some(Row::Item(si, ii)) = rows(state).get(self.cursor) {
                    let s = &state.runbook.stages[*si];
                    return Some(UiAction::Intent(Intent::Toggle {
                        stage: s.id.clone(),
                        item: s.items[*ii].id.clone(),
                    }));
                }
            }
            _ => {}
        }
        None
    }

    /// Draws the whole screen.
    pub fn draw(&mut self, frame: &mut Frame, state: &State, now: Timestamp) {
        let [main, footer] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(frame.area());
        let items: Vec<ListItem> = rows(state)
            .iter()
            .map(|r| match *r {
                Row::Stage(si) => {
                    let s = &state.runbook.stages[si];
                    let (d, t) = checklist::stage_progress(state, s);
                    ListItem::new(Line::from(Span::styled(
                        format!("{} [{d}/{t}]", s.title),
                        Style::new().add_modifier(Modifier::BOLD),
                    )))
                }
                Row::Item(si, ii) => {
                    let s = &state.runbook.stages[si];
                    let it = &s.items[ii];
                    let mark = if state.is_ticked(&s.id, &it.id) {
                        "[x]"
                    } else {
                        "[ ]"
                    };
                    let late = if checklist::is_overdue(state, si, &it.id, now) {
                        " OVERDUE"
                    } else {
                        ""
                    };
                    ListItem::new(format!("  {mark} {}{late}", it.text))
                }
            })
            .collect();
        let mut ls = ListState::default().with_selected(Some(self.cursor));
        frame.render_stateful_widget(
            List::new(items)
                .block(Block::default().borders(Borders::ALL).title("checklist"))
                .highlight_style(Style::new().add_modifier(Modifier::REVERSED)),
            main,
            &mut ls,
        );
        let text = self
            .flash
            .clone()
            .unwrap_or_else(|| "space tick  q quit".into());
        frame.render_widget(Paragraph::new(text), footer);
    }
}
