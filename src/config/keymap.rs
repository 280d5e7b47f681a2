//! The keymap as data: `{ on, run, desc }` bindings per mode (STYLE.md habit 9). The defaults
//! are built in from `keymap.toml`; a `keymap.toml` in the config dir overrides them by command.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use toml::Spanned;

use crate::runbook::{Problem, line_col};

/// The built-in keymap (also the documented example for users).
pub const DEFAULT_KEYMAP: &str = include_str!("../../keymap.toml");

/// Declares `Command` with its wire names in one place, so names and variants cannot drift.
macro_rules! commands {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// What a key asks for (the `run` of a binding).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Command {
            $($(#[$doc])* $variant,)*
        }

        impl Command {
            /// Every command, in declaration order.
            pub const ALL: &'static [Command] = &[$(Command::$variant,)*];

            /// The name used in keymap files.
            pub fn name(self) -> &'static str {
                match self {
                    $(Command::$variant => $name,)*
                }
            }
        }
    };
}

commands! {
    /// End the session.
    Quit => "quit",
    /// Tick or untick the selected item.
    Tick => "tick",
    /// Open the note editor for the selected item.
    Note => "note",
    /// Show the help overlay.
    Help => "help",
    /// Focus the next pane.
    FocusNext => "focus-next",
    /// Focus the previous pane.
    FocusPrev => "focus-prev",
    /// Maximise the focused pane, or restore the layout.
    Maximise => "maximise",
    /// Switch to the next layout.
    LayoutNext => "layout-next",
    /// Switch to the next theme.
    ThemeNext => "theme-next",
    /// Move up one row.
    Up => "up",
    /// Move down one row.
    Down => "down",
    /// Move up one page.
    PageUp => "page-up",
    /// Move down one page.
    PageDown => "page-down",
    /// Go to the first row.
    Top => "top",
    /// Go to the last row.
    Bottom => "bottom",
    /// Collapse the selected stage.
    Collapse => "collapse",
    /// Expand the selected stage.
    Expand => "expand",
    /// Collapse or expand the selected stage.
    Fold => "fold",
    /// Start typing a checklist filter.
    Filter => "filter",
    /// Back out: close the overlay, clear the filter, restore a maximised pane.
    Cancel => "cancel",
    /// Keep the typed filter and go back to the panes.
    Accept => "accept",
    /// Save the note being edited.
    Save => "save",
    /// Show a shorter time window on the charts (24h → 6h → 1h → 15m → 5m).
    ZoomIn => "zoom-in",
    /// Show a longer time window on the charts (5m → 15m → 1h → 6h → 24h).
    ZoomOut => "zoom-out",
    /// Open the go/no-go overlay: every gate, the approvals, then go or no-go.
    GoNoGo => "go-nogo",
    /// Ask for the plan's next traffic step (a confirmation says what will happen).
    Shift => "shift",
    /// Ask to step back one rung of the plan and hold.
    Back => "back",
    /// Pause the shift, or resume it.
    Pause => "pause",
    /// Ask to roll back: all traffic to the stable version at once.
    Rollback => "rollback",
    /// Arm auto-rollback, or ask to disarm it.
    Arm => "arm",
    /// Write a marker: a note on the session at this moment.
    Marker => "marker",
    /// Show the why panel: what auto-rollback measured and how a rollback was verified.
    Why => "why",
    /// In the go/no-go overlay: decide go.
    Go => "go",
    /// In the go/no-go overlay: decide no-go.
    NoGo => "no-go",
    /// In a confirmation: do what it says.
    Confirm => "confirm",
    /// In a confirmation: move to the next field.
    NextField => "next-field",
    /// In a confirmation: move to the previous field.
    PrevField => "prev-field",
    /// In a refused confirmation: go past the refusal with a reason, where the rules allow it.
    Override => "override",
    /// In a rollback confirmation: also `rollout undo` the candidate, or not.
    ToggleUndo => "toggle-undo",
    /// Replay: play or pause.
    Play => "play",
    /// Replay: play faster (1× to 1000×, then skip idle).
    Faster => "faster",
    /// Replay: play slower.
    Slower => "slower",
    /// Replay: ten seconds back.
    SeekBack => "seek-back",
    /// Replay: ten seconds forward.
    SeekForward => "seek-forward",
    /// Replay: a tenth of the session back.
    LeapBack => "leap-back",
    /// Replay: a tenth of the session forward.
    LeapForward => "leap-forward",
    /// Replay: jump to 0–90 % of the session (the first key of the binding is 0 %, the
    /// second 10 %, …).
    JumpTenth => "jump-tenth",
    /// Replay: one event back.
    StepBack => "step-back",
    /// Replay: one event forward.
    StepForward => "step-forward",
    /// Replay: the previous decision, approval, shift, rollback, alert or marker.
    PrevMoment => "prev-moment",
    /// Replay: the next decision, approval, shift, rollback, alert or marker.
    NextMoment => "next-moment",
    /// Replay: go to a time, typed.
    GoTo => "go-to",
}

impl Command {
    /// Finds a command by its keymap name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }
}

/// Where keys go: the screen's input mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The panes.
    Normal,
    /// The note editor overlay; unbound keys edit the note.
    Editor,
    /// The help overlay.
    Help,
    /// Typing a filter (the checklist's, or the pods pane's when it has focus); unbound keys
    /// are typed into it.
    Filter,
    /// The go/no-go overlay.
    Decide,
    /// A confirmation of a change to production (and of quitting mid-shift); plain characters
    /// are typed into its focused text field.
    Confirm,
    /// The why panel.
    Why,
    /// `warroom replay` and `warroom follow`: these keys come first there (in every overlay
    /// but the typing ones); the panes' own keys still work, except what would change
    /// production or record anything.
    Replay,
}

impl Mode {
    /// Every mode, in the order help lists them.
    pub const ALL: [Mode; 8] = [
        Mode::Normal,
        Mode::Editor,
        Mode::Help,
        Mode::Filter,
        Mode::Decide,
        Mode::Confirm,
        Mode::Why,
        Mode::Replay,
    ];

    /// The table name in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::Editor => "editor",
            Mode::Help => "help",
            Mode::Filter => "filter",
            Mode::Decide => "decide",
            Mode::Confirm => "confirm",
            Mode::Why => "why",
            Mode::Replay => "replay",
        }
    }

    /// The commands that mean something in this mode.
    pub fn commands(self) -> &'static [Command] {
        use Command::*;
        match self {
            Mode::Normal => &[
                Quit, Tick, Note, Help, FocusNext, FocusPrev, Maximise, LayoutNext, ThemeNext, Up,
                Down, PageUp, PageDown, Top, Bottom, Collapse, Expand, Fold, Filter, Cancel,
                ZoomIn, ZoomOut, GoNoGo, Shift, Back, Pause, Rollback, Arm, Marker, Why,
            ],
            Mode::Editor => &[Save, Cancel],
            Mode::Help => &[Cancel, Up, Down, PageUp, PageDown, Top, Bottom, Quit],
            Mode::Filter => &[Accept, Cancel, Up, Down, Quit],
            Mode::Decide => &[Go, NoGo, Cancel, Up, Down, PageUp, PageDown, Top, Bottom, Quit],
            Mode::Confirm => &[Confirm, Cancel, NextField, PrevField, Override, ToggleUndo],
            Mode::Why => &[
                Cancel, Up, Down, PageUp, PageDown, Top, Bottom, Rollback, Quit,
            ],
            Mode::Replay => &[
                Play,
                Faster,
                Slower,
                SeekBack,
                SeekForward,
                LeapBack,
                LeapForward,
                JumpTenth,
                StepBack,
                StepForward,
                PrevMoment,
                NextMoment,
                GoTo,
                ZoomIn,
                ZoomOut,
            ],
        }
    }

    /// The commands that leave this mode (for normal mode: end the war room); a keymap must
    /// keep a key for one of them.
    pub fn exits(self) -> &'static [Command] {
        use Command::*;
        match self {
            Mode::Normal => &[Quit],
            Mode::Editor => &[Save, Cancel],
            Mode::Help => &[Cancel, Quit],
            Mode::Filter => &[Accept, Cancel, Quit],
            Mode::Decide => &[Cancel, Quit],
            Mode::Confirm => &[Confirm, Cancel],
            Mode::Why => &[Cancel, Quit],
            // Replay keys come before the panes' keys, whose `quit` stays the way out.
            Mode::Replay => &[],
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A key with the modifiers that matter, normalised so a file's `?` matches the terminal's
/// shift+`?` and `shift-tab` matches BackTab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl/Alt (and Shift for non-character keys).
    pub mods: KeyModifiers,
}

const NAMED_KEYS: &[(&str, KeyCode)] = &[
    ("space", KeyCode::Char(' ')),
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pgup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
];

const KEY_HELP: &str = "write one character (q, ?, /) or one of space, enter, esc, tab, \
     shift-tab, backspace, delete, insert, up, down, left, right, pgup, pgdn, home, end, f1..f12, \
     with ctrl-, alt- or shift- in front for a modifier";

impl Key {
    /// The normalised key of a terminal event.
    pub fn from_event(ev: &KeyEvent) -> Self {
        Self::normalised(ev.code, ev.modifiers)
    }

    fn normalised(code: KeyCode, mods: KeyModifiers) -> Self {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        // A character already says whether shift was held ('J', '?'); BackTab is shift-tab.
        if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods.remove(KeyModifiers::SHIFT);
        }
        Self { code, mods }
    }

    /// Parses a key name such as `q`, `space`, `ctrl-c`, `shift-tab`, `f5`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not a key; {KEY_HELP}");
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        // Only strip a prefix when something follows it, so `-` and `ctrl--` still work.
        while let Some((m, r)) = [
            ("ctrl-", KeyModifiers::CONTROL),
            ("alt-", KeyModifiers::ALT),
            ("shift-", KeyModifiers::SHIFT),
        ]
        .iter()
        .find_map(|(p, m)| {
            rest.strip_prefix(p)
                .filter(|r| !r.is_empty())
                .map(|r| (*m, r))
        }) {
            mods |= m;
            rest = r;
        }
        let lower = rest.to_ascii_lowercase();
        let mut chars = rest.chars();
        let code = if let Some((_, c)) = NAMED_KEYS.iter().find(|(n, _)| *n == lower) {
            *c
        } else if let (Some(c), None) = (chars.next(), chars.next()) {
            KeyCode::Char(c)
        } else if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
            if !(1..=24).contains(&n) {
                return Err(bad());
            }
            KeyCode::F(n)
        } else {
            return Err(bad());
        };
        let code = if code == KeyCode::Tab && mods.contains(KeyModifiers::SHIFT) {
            KeyCode::BackTab
        } else {
            code
        };
        Ok(Self::normalised(code, mods))
    }

    /// The key as a user writes it (`ctrl-s`, `space`, `?`), for help and the footer.
    pub fn label(&self) -> String {
        let mut out = String::new();
        for (m, p) in [
            (KeyModifiers::CONTROL, "ctrl-"),
            (KeyModifiers::ALT, "alt-"),
            (KeyModifiers::SHIFT, "shift-"),
        ] {
            if self.mods.contains(m) {
                out.push_str(p);
            }
        }
        match self.code {
            KeyCode::BackTab => out.push_str("shift-tab"),
            KeyCode::Char(' ') => out.push_str("space"),
            KeyCode::Char(c) => out.push(c),
            KeyCode::F(n) => out.push_str(&format!("f{n}")),
            code => {
                let name = NAMED_KEYS.iter().find(|(_, c)| *c == code);
                out.push_str(name.map_or("?", |(n, _)| n));
            }
        }
        out
    }
}

/// One binding: keys, the command they run, and what help and the footer say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The keys (any of them runs the command).
    pub keys: Vec<Key>,
    /// The command.
    pub command: Command,
    /// A short description for the footer and help.
    pub desc: String,
    /// Where the binding was written (line, column), to point at it in problems.
    pub at: (usize, usize),
}

impl Binding {
    /// The keys as a user writes them, joined with `/`.
    pub fn keys_label(&self) -> String {
        let labels: Vec<String> = self.keys.iter().map(Key::label).collect();
        labels.join("/")
    }
}

/// Bindings per mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keymap {
    modes: [Vec<Binding>; 8],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeymap {
    #[serde(default)]
    normal: Vec<RawBinding>,
    #[serde(default)]
    editor: Vec<RawBinding>,
    #[serde(default)]
    help: Vec<RawBinding>,
    #[serde(default)]
    filter: Vec<RawBinding>,
    #[serde(default)]
    decide: Vec<RawBinding>,
    #[serde(default)]
    confirm: Vec<RawBinding>,
    #[serde(default)]
    why: Vec<RawBinding>,
    #[serde(default)]
    replay: Vec<RawBinding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    // A string or an array of strings; read as a value so both forms keep their position.
    on: Spanned<toml::Value>,
    run: Spanned<String>,
    #[serde(default)]
    desc: Option<String>,
}

impl Keymap {
    /// The built-in keymap.
    pub fn builtin() -> Result<Self, Problem> {
        Self::parse(DEFAULT_KEYMAP, "keymap.toml (built in)")
    }

    /// The built-in keymap overridden by `keymap.toml` in `config_dir`, if there is one.
    pub fn load(config_dir: &Path) -> Result<Self, Problem> {
        let mut map = Self::builtin()?;
        let path = config_dir.join("keymap.toml");
        if let Some(text) = super::theme::read_optional(&path)? {
            let file = path.display().to_string();
            let user = Self::parse(&text, &file)?;
            map.overlay(user.clone());
            map.check_exits(&user, &file)?;
        }
        Ok(map)
    }

    /// Refuses a keymap that leaves a mode with no key out of it. In raw mode ctrl-c is just
    /// a key, so a keymap that binds away `quit` would leave only `kill` to end the war room.
    pub fn check_exits(&self, user: &Keymap, file: &str) -> Result<(), Problem> {
        for mode in Mode::ALL {
            let exits = mode.exits();
            if exits.is_empty()
                || self
                    .bindings(mode)
                    .iter()
                    .any(|b| exits.contains(&b.command))
            {
                continue;
            }
            // Point at the user's binding that took the last exit key, else at the file.
            let culprit = user.bindings(mode).last().map_or((1, 1), |b| b.at);
            let names: Vec<String> = exits.iter().map(|c| format!("`{}`", c.name())).collect();
            let example = match mode {
                Mode::Normal => "{ on = [\"q\", \"ctrl-c\"], run = \"quit\" }",
                Mode::Editor => "{ on = \"esc\", run = \"cancel\" }",
                Mode::Help
                | Mode::Filter
                | Mode::Decide
                | Mode::Confirm
                | Mode::Why
                | Mode::Replay => "{ on = \"esc\", run = \"cancel\" }",
            };
            return Err(Problem {
                file: file.to_string(),
                line: culprit.0,
                col: culprit.1,
                message: format!(
                    "this keymap leaves no way out of {} mode: {} {} no key left; \
                     keep one, e.g. {} = [ {example} ]",
                    mode.name(),
                    names.join(" and "),
                    if names.len() == 1 { "has" } else { "have" },
                    mode.name()
                ),
            });
        }
        Ok(())
    }

    /// Parses a keymap file; `file` names it in problems.
    pub fn parse(text: &str, file: &str) -> Result<Self, Problem> {
        let problem = |span: std::ops::Range<usize>, message: String| {
            let (line, col) = line_col(text, span.start);
            Problem {
                file: file.to_string(),
                line,
                col,
                message,
            }
        };
        let raw: RawKeymap = toml::from_str(text)
            .map_err(|e| problem(e.span().unwrap_or(0..0), e.message().trim().to_string()))?;
        let mut map = Self::default();
        for (mode, list) in [
            (Mode::Normal, raw.normal),
            (Mode::Editor, raw.editor),
            (Mode::Help, raw.help),
            (Mode::Filter, raw.filter),
            (Mode::Decide, raw.decide),
            (Mode::Confirm, raw.confirm),
            (Mode::Why, raw.why),
            (Mode::Replay, raw.replay),
        ] {
            let mut seen: Vec<Key> = Vec::new();
            for b in list {
                let command = Command::from_name(b.run.get_ref())
                    .filter(|c| mode.commands().contains(c))
                    .ok_or_else(|| {
                        let allowed: Vec<&str> = mode.commands().iter().map(|c| c.name()).collect();
                        problem(
                            b.run.span(),
                            format!(
                                "'{}' is not a command in {} mode; expected one of {}",
                                b.run.get_ref(),
                                mode.name(),
                                allowed.join(", ")
                            ),
                        )
                    })?;
                let names: Vec<&str> = match b.on.get_ref() {
                    toml::Value::String(s) => vec![s.as_str()],
                    toml::Value::Array(a) => a.iter().filter_map(toml::Value::as_str).collect(),
                    _ => vec![],
                };
                let shape_ok = match b.on.get_ref() {
                    toml::Value::Array(a) => a.len() == names.len() && !names.is_empty(),
                    _ => names.len() == 1,
                };
                if !shape_ok {
                    return Err(problem(
                        b.on.span(),
                        "`on` must be a key name or a list of key names, e.g. \"space\" or \
                         [\"down\", \"j\"]"
                            .into(),
                    ));
                }
                let mut keys = Vec::new();
                for name in names {
                    let key = Key::parse(name).map_err(|m| problem(b.on.span(), m))?;
                    if seen.contains(&key) {
                        return Err(problem(
                            b.on.span(),
                            format!("'{name}' is bound twice in {} mode", mode.name()),
                        ));
                    }
                    seen.push(key);
                    keys.push(key);
                }
                map.modes[mode.index()].push(Binding {
                    keys,
                    command,
                    desc: b.desc.unwrap_or_else(|| command.name().to_string()),
                    at: line_col(text, b.on.span().start),
                });
            }
        }
        Ok(map)
    }

    /// Applies a user keymap: a command it names gets its keys (in place of the default's), and
    /// the keys it takes are removed from every other command of that mode.
    pub fn overlay(&mut self, user: Keymap) {
        for (mine, theirs) in self.modes.iter_mut().zip(user.modes) {
            for b in theirs {
                for other in mine.iter_mut() {
                    other.keys.retain(|k| !b.keys.contains(k));
                }
                match mine.iter_mut().find(|m| m.command == b.command) {
                    Some(slot) => *slot = b,
                    None => mine.push(b),
                }
                mine.retain(|m| !m.keys.is_empty());
            }
        }
    }

    /// The command a key runs in a mode, if any.
    pub fn resolve(&self, mode: Mode, ev: &KeyEvent) -> Option<Command> {
        let key = Key::from_event(ev);
        self.modes[mode.index()]
            .iter()
            .find(|b| b.keys.contains(&key))
            .map(|b| b.command)
    }

    /// The bindings of a mode, in file order.
    pub fn bindings(&self, mode: Mode) -> &[Binding] {
        &self.modes[mode.index()]
    }

    /// The binding of a command in a mode, if it has keys there.
    pub fn binding(&self, mode: Mode, command: Command) -> Option<&Binding> {
        self.bindings(mode).iter().find(|b| b.command == command)
    }
}
