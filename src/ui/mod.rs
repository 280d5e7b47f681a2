//! The screen: view state (focus, cursor, overlays, look), key handling, and drawing from
//! `&State`. The UI never writes `State`; what the operator asks for leaves as a `UiAction`.
//!
//! One pane per file (`checklist`, `detail`, `events`, and the live panes `errors`,
//! `latency`, `throughput`, `pods`, `rollout`, `health`, `alerts`, `traffic`, `gates`), plus
//! the header and footer bars and the overlays: help, the note editor, go/no-go (`decision`),
//! confirmations (`confirm`), the why panel (`why`) and status updates (`comms`). Keymap,
//! themes and layouts are data (`crate::config`). In production a red frame goes round the
//! whole screen.

mod alerts;
mod chart;
mod checklist;
mod comms;
mod confirm;
mod decision;
mod detail;
mod downsample;
mod editor;
mod errors;
mod events;
mod footer;
mod freshness;
mod gates;
mod header;
mod health;
mod help;
mod keys;
mod latency;
pub(crate) mod legend;
mod line;
mod pods;
mod pods_view;
mod read_only;
mod readiness;
mod release_keys;
pub mod replay_bar;
mod rollout;
mod rows;
pub mod sanitize;
mod summary;
mod throughput;
pub mod timefmt;
mod traffic;
mod traffic_status;
mod trust;
mod verdict;
mod versions;
mod why;
mod widgets;
pub(crate) mod words;

use std::sync::LazyLock;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use crate::config::Dirs;
use crate::config::keymap::{Binding, Command, Keymap, Mode};
use crate::config::layout::{LayoutDef, PaneId};
use crate::config::theme::{Role, Theme};
use crate::config::warroom::WarroomConfig;
use crate::error::Fatal;
use crate::event::Actor;
use crate::reduce::checklist::Intent;
use crate::release::ReleaseIntent;
use crate::runbook::Problem;
use crate::state::State;

pub use chart::{Unit, WINDOWS};
pub use pods_view::PodsView;
pub use read_only::ViewKey;
pub use rows::Row;
pub use summary::Summary;
pub use versions::Versions;

/// The thresholds and plan drawn when the session has no config: the documented defaults,
/// which are also what the checks use then.
static DEFAULT_CONFIG: LazyLock<WarroomConfig> = LazyLock::new(WarroomConfig::default);

/// Below this size the panes cannot be read; a "too small" notice is drawn instead.
pub const MIN_WIDTH: u16 = 40;
/// See `MIN_WIDTH`.
pub const MIN_HEIGHT: u16 = 10;

/// What a key asks the loop to do beyond changing the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiAction {
    /// Record an operator intent.
    Intent(Intent),
    /// Decide a release intent (go, shift, rollback…) at the wall clock and record it, or the
    /// refusal.
    Release(ReleaseIntent),
    /// End the session.
    Quit,
}

/// An overlay drawn over the panes; it takes the keys while open.
#[derive(Debug, Default)]
enum Overlay {
    /// None: keys go to the panes.
    #[default]
    None,
    /// The help overlay, scrolled this far.
    Help(u16),
    /// The note editor.
    Editor(Box<editor::NoteEditor>),
    /// The go/no-go overlay, scrolled this far.
    Decide(u16),
    /// A confirmation.
    Confirm(Box<confirm::Confirm>),
    /// The why panel, scrolled this far.
    Why(u16),
    /// The comms overlay: a status update's draft.
    Comms(Box<comms::CommsOverlay>),
    /// Trusting a check: its argv (or proposal) shown, enter allows it.
    Trust(Box<trust::TrustPrompt>),
}

/// Everything about the screen that is not recorded: cursor, focus, overlays, look.
#[derive(Debug)]
pub struct Ui {
    keymap: Keymap,
    themes: Vec<Theme>,
    theme_ix: usize,
    layouts: Vec<LayoutDef>,
    layout_ix: usize,
    tz: TimeZone,
    operator: Option<Actor>,
    /// The session file, quoted for a shell, for the hints that name it.
    session_file: Option<String>,
    focus: PaneId,
    maximised: Option<PaneId>,
    overlay: Overlay,
    list: rows::ChecklistView,
    detail_scroll: u16,
    events_back: usize,
    pods: PodsView,
    window_ix: usize,
    flash: Option<String>,
    /// The automatic rollback the why panel last opened for by itself (its action id).
    why_opened: Option<String>,
}

/// What every pane draws from: the state, the clock, the look, and the frame's figures.
pub(crate) struct Ctx<'a> {
    state: &'a State,
    now: Timestamp,
    theme: &'a Theme,
    tz: &'a TimeZone,
    summary: &'a Summary,
    /// The session's config, or the defaults.
    config: &'a WarroomConfig,
    /// Which version is stable and which the candidate.
    versions: &'a Versions,
    /// The charts' time window.
    window: SignedDuration,
    /// The session file, when this screen writes one.
    session_file: Option<&'a str>,
}

/// Takes the terminal over (raw mode, alternate screen), or says why it cannot: with no
/// terminal (stdin and stdout redirected, no controlling tty) the screen commands refuse
/// rather than panic, and point at the mode that needs none.
pub fn open_terminal(command: &str) -> Result<ratatui::DefaultTerminal, Fatal> {
    ratatui::try_init().map_err(|e| {
        // Raw mode may have been entered before the failure; it prints nothing to leave it.
        let _ = crossterm::terminal::disable_raw_mode();
        Fatal::external(format!(
            "cannot open the terminal: {e}; `warroom {command}` draws a screen and needs one \
             (`--headless` needs none)"
        ))
    })
}

fn fatal(p: Problem) -> Fatal {
    Fatal::input(p.to_string())
}

impl Ui {
    /// Loads keymap, themes and layouts: the built-in ones, overridden and extended by files
    /// in the config dir. `layout`/`theme` pick the ones to start with. Bad files are fatal,
    /// naming `file:line:col` and the fix.
    pub fn load(dirs: &Dirs, layout: Option<&str>, theme: Option<&str>) -> Result<Self, Fatal> {
        let keymap = Keymap::load(&dirs.config).map_err(fatal)?;
        let themes = Theme::load_all(&dirs.config).map_err(fatal)?;
        let layouts = LayoutDef::load_all(&dirs.config).map_err(fatal)?;
        // Resolved once here: reading the zone database is I/O, and draw must not do any.
        let mut ui = Self::new(keymap, themes, layouts, TimeZone::system());
        if let Some(name) = layout {
            ui.layout_ix = pick(&ui.layouts, |l| &l.name, name, "layout", "--layout")?;
        }
        if let Some(name) = theme {
            ui.theme_ix = pick(&ui.themes, |t| &t.name, name, "theme", "--theme")?;
        }
        ui.fix_focus();
        Ok(ui)
    }

    /// The built-in keymap, themes and layouts, times in UTC: for tests and benchmarks, which
    /// must not depend on the machine's files or zone.
    pub fn with_defaults() -> Self {
        // The embedded files are checked by tests; failing here is a build defect.
        let keymap = Keymap::builtin().expect("built-in keymap parses");
        let themes = Theme::builtin().expect("built-in themes parse");
        let layouts = LayoutDef::builtin().expect("built-in layouts parse");
        let mut ui = Self::new(keymap, themes, layouts, TimeZone::UTC);
        ui.fix_focus();
        ui
    }

    fn new(keymap: Keymap, themes: Vec<Theme>, layouts: Vec<LayoutDef>, tz: TimeZone) -> Self {
        Self {
            keymap,
            themes,
            theme_ix: 0,
            layouts,
            layout_ix: 0,
            tz,
            operator: None,
            session_file: None,
            focus: PaneId::Checklist,
            maximised: None,
            overlay: Overlay::None,
            list: rows::ChecklistView::default(),
            detail_scroll: 0,
            events_back: 0,
            pods: PodsView::default(),
            window_ix: chart::DEFAULT_WINDOW,
            flash: None,
            why_opened: None,
        }
    }

    /// Who is operating, for the header.
    pub fn set_operator(&mut self, actor: &Actor) {
        self.operator = Some(actor.clone());
    }

    /// The session file this war room writes, named in the hints that tell another terminal
    /// what to run (`warroom approve FILE`).
    pub fn set_session_file(&mut self, path: &std::path::Path) {
        let shown = path.display().to_string();
        let quoted = shlex::try_quote(&shown).map_or(shown.clone(), |q| q.into_owned());
        self.session_file = Some(sanitize::line(&quoted).into_owned());
    }

    /// Shows a short message (a refusal, an error) in the footer until the next key.
    pub fn flash(&mut self, message: impl Into<String>) {
        self.flash = Some(message.into());
    }

    /// The message in the footer, if any.
    pub fn flash_message(&self) -> Option<&str> {
        self.flash.as_deref()
    }

    /// Where keys go now.
    pub fn mode(&self) -> Mode {
        match self.overlay {
            Overlay::Editor(_) => Mode::Editor,
            Overlay::Help(_) => Mode::Help,
            Overlay::Decide(_) => Mode::Decide,
            Overlay::Confirm(_) | Overlay::Trust(_) => Mode::Confirm,
            Overlay::Why(_) => Mode::Why,
            Overlay::Comms(ref c) if c.editor.is_some() => Mode::Editor,
            Overlay::Comms(_) => Mode::Comms,
            Overlay::None if self.list.filtering || self.pods.filtering => Mode::Filter,
            Overlay::None => Mode::Normal,
        }
    }

    /// The focused pane.
    pub fn focus(&self) -> PaneId {
        self.focus
    }

    /// The maximised pane, if one is.
    pub fn maximised(&self) -> Option<PaneId> {
        self.maximised
    }

    /// Switches to the named layout; false (and nothing changes) if there is none.
    pub fn select_layout(&mut self, name: &str) -> bool {
        match self.layouts.iter().position(|l| l.name == name) {
            Some(i) => {
                self.layout_ix = i;
                self.maximised = None;
                self.fix_focus();
                true
            }
            None => false,
        }
    }

    /// The current layout.
    pub fn layout(&self) -> &LayoutDef {
        &self.layouts[self.layout_ix]
    }

    /// The current theme.
    pub fn theme(&self) -> &Theme {
        &self.themes[self.theme_ix]
    }

    /// Every theme, in cycling order.
    pub fn themes(&self) -> &[Theme] {
        &self.themes
    }

    /// Every layout, in cycling order.
    pub fn layouts(&self) -> &[LayoutDef] {
        &self.layouts
    }

    /// The keymap in use.
    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    /// The checklist filter text (empty: none).
    pub fn filter(&self) -> &str {
        &self.list.filter
    }

    /// The pods pane's filter text (empty: none).
    pub fn pods_filter(&self) -> &str {
        &self.pods.filter
    }

    /// The pod under the pods pane's cursor, once one was drawn or moved to.
    pub fn pods_cursor(&self) -> Option<&str> {
        self.pods.cursor.as_deref()
    }

    /// The charts' time window.
    pub fn chart_window(&self) -> SignedDuration {
        WINDOWS[self.window_ix]
    }

    /// The selected row, once a runbook is known.
    pub fn cursor(&self) -> Option<Row> {
        self.list.cursor
    }

    /// The selected item as `(stage id, item id)`, if the cursor is on an item.
    pub fn selected_item(&self, state: &State) -> Option<(String, String)> {
        match self.list.cursor? {
            Row::Item(si, ii) => {
                let s = state.runbook.stages.get(si)?;
                Some((s.id.clone(), s.items.get(ii)?.id.clone()))
            }
            Row::Stage(_) => None,
        }
    }

    /// Panes shown by the current layout, in focus order.
    fn panes(&self) -> Vec<PaneId> {
        self.layout().panes()
    }

    /// Keeps focus and maximise on panes the current layout shows.
    fn fix_focus(&mut self) {
        let panes = self.panes();
        if !panes.contains(&self.focus) {
            self.focus = panes.first().copied().unwrap_or(PaneId::Checklist);
        }
        if self.maximised.is_some_and(|m| !panes.contains(&m)) {
            self.maximised = None;
        }
    }

    /// Draws the whole screen. Never panics on any size: below `MIN_WIDTH`×`MIN_HEIGHT` it
    /// draws a notice instead of the panes.
    pub fn draw(&mut self, frame: &mut Frame, state: &State, now: Timestamp) {
        self.draw_with(frame, state, now, None);
    }

    /// Draws a read-only view (replay, follow): the same panes, its bar above the footer, and
    /// its own footer.
    pub fn draw_read_only(
        &mut self,
        frame: &mut Frame,
        state: &State,
        now: Timestamp,
        bar: &replay_bar::Bar<'_>,
    ) {
        self.draw_with(frame, state, now, Some(bar));
    }

    /// The zone times are shown in (and typed times are read in).
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    fn draw_with(
        &mut self,
        frame: &mut Frame,
        state: &State,
        now: Timestamp,
        bar: Option<&replay_bar::Bar<'_>>,
    ) {
        let area = frame.area();
        if area.is_empty() {
            return;
        }
        self.follow(state);
        let theme = &self.themes[self.theme_ix];
        let buf = frame.buffer_mut();
        buf.set_style(area, theme.style(Role::Text));
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let quit = self.keymap.binding(Mode::Normal, Command::Quit);
            too_small(frame, area, theme, quit.map(Binding::keys_label));
            return;
        }
        let summary = Summary::new(state, now);
        self.list.ensure(state, now);
        // Production: a red frame round everything, so no one mistakes the screen for staging.
        let area = if is_production(state) && area.width > MIN_WIDTH && area.height > MIN_HEIGHT {
            let block = Block::bordered().border_style(theme.style(Role::Danger));
            let inner = block.inner(area);
            block.render(area, frame.buffer_mut());
            inner
        } else {
            area
        };
        let config = state.config.as_deref().unwrap_or(&DEFAULT_CONFIG);
        let versions = Versions::of(state, config);
        let ctx = Ctx {
            state,
            now,
            theme,
            tz: &self.tz,
            summary: &summary,
            config,
            versions: &versions,
            window: WINDOWS[self.window_ix],
            session_file: self.session_file.as_deref(),
        };
        let [head, body, strip, foot] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(bar.map_or(0, replay_bar::Bar::height)),
            Constraint::Length(1),
        ])
        .areas(area);
        let buf = frame.buffer_mut();
        header::render(&ctx, self.operator.as_ref(), head, buf);
        let placed = match self.maximised {
            Some(p) => vec![(p, body)],
            None => self.layouts[self.layout_ix].areas(body),
        };
        for (pane, rect) in placed {
            let focused = pane == self.focus;
            match pane {
                PaneId::Checklist => checklist::render(&ctx, &mut self.list, focused, rect, buf),
                PaneId::Detail => detail::render(
                    &ctx,
                    self.list.cursor,
                    &mut self.detail_scroll,
                    focused,
                    rect,
                    buf,
                ),
                PaneId::Events => events::render(&ctx, &mut self.events_back, focused, rect, buf),
                PaneId::Errors => errors::render(&ctx, focused, rect, buf),
                PaneId::Latency => latency::render(&ctx, focused, rect, buf),
                PaneId::Throughput => throughput::render(&ctx, focused, rect, buf),
                PaneId::Pods => pods::render(&ctx, &mut self.pods, focused, rect, buf),
                PaneId::Rollout => rollout::render(&ctx, focused, rect, buf),
                PaneId::Health => health::render(&ctx, focused, rect, buf),
                PaneId::Alerts => alerts::render(&ctx, focused, rect, buf),
                PaneId::Traffic => traffic::render(&ctx, focused, rect, buf),
                PaneId::Gates => gates::render(&ctx, self.operator.as_ref(), focused, rect, buf),
            }
        }
        let mode = self.mode();
        let hints = footer::Hints {
            keymap: &self.keymap,
            mode,
            focus: self.focus,
            filter_active: !self.list.filter.is_empty()
                || (self.focus == PaneId::Pods && !self.pods.filter.is_empty()),
            maximised: self.maximised.is_some(),
            phase: state.config.as_ref().map(|_| state.release.phase),
            comms: comms::attention(state, config, now),
        };
        match bar {
            Some(b) => {
                replay_bar::render(&ctx, b, strip, buf);
                replay_bar::render_footer(&ctx, &self.keymap, b, self.flash.as_deref(), foot, buf);
            }
            None => footer::render(&ctx, &hints, self.flash.as_deref(), foot, buf),
        }
        let operator = self.operator.as_ref();
        match &mut self.overlay {
            Overlay::None => {}
            Overlay::Help(scroll) => help::render(&ctx, &self.keymap, scroll, body, buf),
            Overlay::Editor(ed) => ed.render(&ctx, &self.keymap, body, buf),
            Overlay::Decide(scroll) => {
                decision::render(&ctx, operator, &self.keymap, scroll, body, buf);
            }
            Overlay::Confirm(c) => c.render(&ctx, operator, &self.keymap, body, buf),
            Overlay::Why(scroll) => why::render(&ctx, &self.keymap, scroll, body, buf),
            Overlay::Comms(c) => c.render(&ctx, operator, &self.keymap, body, buf),
            Overlay::Trust(t) => t.render(&ctx, &self.keymap, body, buf),
        }
    }

    /// Opens the why panel by itself once for each automatic rollback, so whoever looks at the
    /// screen sees why traffic moved without pressing a key. A note being written is not
    /// thrown away: the footer says so instead, and `w` opens the panel.
    fn follow(&mut self, state: &State) {
        let Some(id) = why::fired_rollback(state) else {
            return;
        };
        if self.why_opened.as_deref() == Some(id) {
            return;
        }
        self.why_opened = Some(id.to_string());
        match self.overlay {
            Overlay::Editor(_) | Overlay::Comms(_) => {
                self.flash = Some("auto-rollback fired: w shows why".to_string());
            }
            _ => self.overlay = Overlay::Why(0),
        }
    }

    /// Whether the screen has an overlay open.
    pub fn overlay_open(&self) -> bool {
        !matches!(self.overlay, Overlay::None)
    }
}

/// Whether the session's config marks the environment as production (a session without a
/// config changes nothing in production, so it gets no frame).
fn is_production(state: &State) -> bool {
    state
        .config
        .as_ref()
        .is_some_and(|c| c.deployment.environment == "production")
}

impl Ctx<'_> {
    /// Whether the session's environment is production.
    pub(crate) fn production(&self) -> bool {
        is_production(self.state)
    }
}

/// Finds a name in a list for `--layout`/`--theme`, or says which names exist.
fn pick<T>(
    items: &[T],
    name: impl Fn(&T) -> &String,
    want: &str,
    what: &str,
    flag: &str,
) -> Result<usize, Fatal> {
    items.iter().position(|i| name(i) == want).ok_or_else(|| {
        let names: Vec<&str> = items.iter().map(|i| name(i).as_str()).collect();
        Fatal::input(format!(
            "{flag}: there is no {what} '{want}'; expected one of {} (add {what}s as \
             {what}s/NAME.toml in the config dir)",
            names.join(", ")
        ))
    })
}

fn too_small(frame: &mut Frame, area: Rect, theme: &Theme, quit_keys: Option<String>) {
    let mut text = vec![
        Line::styled("terminal too small", theme.style(Role::Warn)),
        Line::styled(
            format!(
                "{}×{}; the war room needs {MIN_WIDTH}×{MIN_HEIGHT}",
                area.width, area.height
            ),
            theme.style(Role::Muted),
        ),
    ];
    if let Some(keys) = quit_keys {
        text.push(Line::styled(
            format!("{keys} quits"),
            theme.style(Role::Muted),
        ));
    }
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}
