//! The footer bar: a flash message (a refusal or an error) when there is one, else the keys
//! that matter for the focused pane and mode, taken from the keymap's `desc`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::widgets::span;
use super::{Ctx, sanitize};
use crate::config::keymap::{Command, Keymap, Mode};
use crate::config::layout::PaneId;
use crate::config::theme::Role;
use crate::state::release::Phase;

/// What decides which keys the footer offers.
pub struct Hints<'a> {
    /// The keymap.
    pub keymap: &'a Keymap,
    /// The input mode.
    pub mode: Mode,
    /// The focused pane.
    pub focus: PaneId,
    /// Whether a checklist filter is set (esc then clears it).
    pub filter_active: bool,
    /// Whether a pane is maximised (esc then restores).
    pub maximised: bool,
    /// Where the release stands, when the session has a config (release keys are offered
    /// only where they mean something).
    pub phase: Option<Phase>,
    /// Comms need attention (a progress update is due, a post failed): `c` is offered.
    pub comms: bool,
}

impl Hints<'_> {
    /// Whether the footer should offer a command now. Movement keys are left to help: they
    /// are what everyone tries first anyway.
    fn offers(&self, c: Command) -> bool {
        use Command::*;
        match c {
            Tick | Note => matches!(self.focus, PaneId::Checklist | PaneId::Detail),
            Filter => matches!(self.focus, PaneId::Checklist | PaneId::Pods),
            Fold => self.focus == PaneId::Checklist,
            ZoomIn | ZoomOut => self.focus.is_chart(),
            FocusNext | Maximise | LayoutNext | ThemeNext | Help | Quit | Accept | Save => true,
            Cancel => self.mode != Mode::Normal || self.filter_active || self.maximised,
            FocusPrev | Up | Down | PageUp | PageDown | Top | Bottom | Collapse | Expand => false,
            GoNoGo => matches!(
                self.phase,
                Some(Phase::Preparing | Phase::NoGo | Phase::RolledBack)
            ),
            Shift | Back | Pause | Arm => self.phase == Some(Phase::Shifting),
            Rollback => {
                matches!(self.phase, Some(Phase::Shifting | Phase::Completed))
                    || self.mode == Mode::Why
            }
            Marker | Why | Trust => false,
            Go | NoGo | Confirm => true,
            // The confirmation itself says when these apply.
            NextField | PrevField | Override | ToggleUndo => false,
            Comms => self.comms,
            // The comms overlay lists its own keys.
            Edit | Retry => false,
            // Replay and follow draw their own footer.
            Play | Faster | Slower | SeekBack | SeekForward | LeapBack | LeapForward
            | JumpTenth | StepBack | StepForward | PrevMoment | NextMoment | GoTo => false,
        }
    }

    /// Always offered, even on a narrow screen: the way out, and during a shift the way back.
    fn essential(&self, c: Command) -> bool {
        match c {
            Command::Help | Command::Quit | Command::Save | Command::Cancel | Command::Confirm => {
                true
            }
            Command::Rollback => self.phase == Some(Phase::Shifting),
            _ => false,
        }
    }
}

/// Draws the bar.
pub fn render(ctx: &Ctx<'_>, hints: &Hints<'_>, flash: Option<&str>, area: Rect, buf: &mut Buffer) {
    let theme = ctx.theme;
    buf.set_style(area, theme.style(Role::Bar));
    if let Some(msg) = flash {
        let line = Line::from(vec![
            Span::raw(" "),
            span(theme, Role::Warn, sanitize::line(msg).into_owned()),
        ]);
        buf.set_line(area.x, area.y, &line, area.width);
        return;
    }
    let entries: Vec<(bool, Vec<Span<'_>>)> = hints
        .keymap
        .bindings(hints.mode)
        .iter()
        .filter(|b| hints.offers(b.command))
        .map(|b| {
            let key = b.keys.first().map(|k| k.label()).unwrap_or_default();
            (
                hints.essential(b.command),
                vec![
                    span(theme, Role::Key, key),
                    Span::raw(" "),
                    Span::raw(sanitize::line(&b.desc).into_owned()),
                ],
            )
        })
        .collect();
    let width = |s: &[Span<'_>]| s.iter().map(Span::width).sum::<usize>() + 2;
    let mut budget = usize::from(area.width).saturating_sub(1);
    budget = budget.saturating_sub(entries.iter().filter(|e| e.0).map(|e| width(&e.1)).sum());
    let mut spans = vec![Span::raw(" ")];
    for (essential, entry) in entries {
        let w = width(&entry);
        if !essential {
            if w > budget {
                // Keep later, shorter hints off too, so the order stays the keymap's.
                budget = 0;
                continue;
            }
            budget -= w;
        }
        spans.extend(entry);
        spans.push(Span::raw("  "));
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}
