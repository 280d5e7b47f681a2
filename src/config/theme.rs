//! Themes: one style per semantic role (STYLE.md habit 8), read from TOML. Panes ask for
//! `theme.style(Role::Crit)` and never name a colour; colours live only in `themes/*.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use toml::Spanned;

use crate::runbook::{Problem, line_col};

/// The built-in themes, in the order `t` cycles through them; the first is the default.
pub const BUILTIN_THEMES: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

/// Declares `Role` with names and fallbacks in one table.
macro_rules! roles {
    ($($(#[$doc:meta])* $variant:ident => $name:literal, $fallback:expr;)*) => {
        /// What a piece of the screen means; a theme gives each role a style.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Role {
            $($(#[$doc])* $variant,)*
        }

        impl Role {
            /// Every role.
            pub const ALL: &'static [Role] = &[$(Role::$variant,)*];

            /// The name used in theme files.
            pub fn name(self) -> &'static str {
                match self {
                    $(Role::$variant => $name,)*
                }
            }

            /// The role whose style is used when a theme leaves this one out.
            pub fn fallback(self) -> Option<Role> {
                match self {
                    $(Role::$variant => $fallback,)*
                }
            }
        }
    };
}

roles! {
    /// Ordinary text; the base every pane starts from.
    Text => "text", None;
    /// Secondary text: times, ids, labels.
    Muted => "muted", Some(Role::Text);
    /// Pane borders.
    Border => "border", Some(Role::Muted);
    /// Pane titles.
    Title => "title", Some(Role::Text);
    /// The header and footer bars.
    Bar => "bar", Some(Role::Text);
    /// Stage rows in the checklist, headings in detail and help.
    Heading => "heading", Some(Role::Title);
    /// The focused pane's border and title.
    Focus => "focus", Some(Role::Title);
    /// The cursor row.
    Selected => "selected", None;
    /// The current stage.
    Accent => "accent", Some(Role::Heading);
    /// Done, healthy.
    Ok => "ok", Some(Role::Text);
    /// Needs attention soon.
    Warn => "warn", Some(Role::Text);
    /// Wrong now: overdue required items.
    Crit => "crit", Some(Role::Warn);
    /// Irreversible or final: the session has ended, errors.
    Danger => "danger", Some(Role::Crit);
    /// Old data.
    Stale => "stale", Some(Role::Muted);
    /// Commands and other monospace blocks.
    Code => "code", Some(Role::Text);
    /// Key names in the footer and help.
    Key => "key", Some(Role::Accent);
    /// The stable version: its chart lines and its name in legends and tables.
    SeriesStable => "series_stable", Some(Role::Accent);
    /// The candidate version (the release being shifted to).
    SeriesCandidate => "series_candidate", Some(Role::Heading);
    /// Any other version seen in the data.
    SeriesOther => "series_other", Some(Role::Muted);
    /// SLO threshold lines on the charts, and their labels.
    SloLine => "slo_line", Some(Role::Warn);
    /// Rollback threshold lines on the charts, and their labels.
    RollbackLine => "rollback_line", Some(Role::Crit);
    /// The latency baseline (the stable version's p99) on the latency chart.
    Baseline => "baseline", Some(Role::Muted);
}

impl Role {
    /// Finds a role by its theme-file name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A theme: the styles a file gives, and every role's style after fallbacks.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The name (the file stem).
    pub name: String,
    /// One line on what it is for.
    pub description: String,
    explicit: Vec<Option<Style>>,
    resolved: Vec<Style>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, Spanned<RawStyle>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
    #[serde(default)]
    modifiers: Vec<Spanned<String>>,
}

const MODIFIERS: &[(&str, Modifier)] = &[
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("reversed", Modifier::REVERSED),
    ("crossed-out", Modifier::CROSSED_OUT),
];

impl Theme {
    /// The style for a role (after fallbacks).
    pub fn style(&self, role: Role) -> Style {
        self.resolved[role.index()]
    }

    /// Parses a theme file; `file` names it in problems.
    pub fn parse(name: &str, text: &str, file: &str) -> Result<Self, Problem> {
        let problem = |span: std::ops::Range<usize>, message: String| {
            let (line, col) = line_col(text, span.start);
            Problem {
                file: file.to_string(),
                line,
                col,
                message,
            }
        };
        let raw: RawTheme = toml::from_str(text)
            .map_err(|e| problem(e.span().unwrap_or(0..0), e.message().trim().to_string()))?;
        let mut explicit = vec![None; Role::ALL.len()];
        for (role_name, style) in raw.roles {
            let role = Role::from_name(&role_name).ok_or_else(|| {
                let names: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
                problem(
                    style.span(),
                    format!(
                        "'{role_name}' is not a role; expected one of {}",
                        names.join(", ")
                    ),
                )
            })?;
            let raw = style.get_ref();
            let colour = |c: &Option<Spanned<String>>| -> Result<Option<Color>, Problem> {
                c.as_ref()
                    .map(|c| {
                        Color::from_str(c.get_ref()).map_err(|_| {
                            problem(
                                c.span(),
                                format!(
                                    "'{}' is not a colour; write a name (red, lightcyan, \
                                     darkgray, ...), an index 0-255, or #rrggbb",
                                    c.get_ref()
                                ),
                            )
                        })
                    })
                    .transpose()
            };
            let mut s = Style::new();
            if let Some(c) = colour(&raw.fg)? {
                s = s.fg(c);
            }
            if let Some(c) = colour(&raw.bg)? {
                s = s.bg(c);
            }
            for m in &raw.modifiers {
                let (_, bit) = MODIFIERS
                    .iter()
                    .find(|(n, _)| *n == m.get_ref())
                    .ok_or_else(|| {
                        let names: Vec<&str> = MODIFIERS.iter().map(|(n, _)| *n).collect();
                        problem(
                            m.span(),
                            format!(
                                "'{}' is not a modifier; expected one of {}",
                                m.get_ref(),
                                names.join(", ")
                            ),
                        )
                    })?;
                s = s.add_modifier(*bit);
            }
            explicit[role.index()] = Some(s);
        }
        Ok(Self::from_explicit(
            name,
            raw.description.unwrap_or_default(),
            explicit,
        ))
    }

    fn from_explicit(name: &str, description: String, explicit: Vec<Option<Style>>) -> Self {
        let resolved = Role::ALL
            .iter()
            .map(|&role| {
                let mut r = Some(role);
                while let Some(role) = r {
                    if let Some(s) = explicit[role.index()] {
                        return s;
                    }
                    r = role.fallback();
                }
                // The cursor row must stand out even in a theme that names no colours.
                if role == Role::Selected {
                    Style::new().add_modifier(Modifier::REVERSED)
                } else {
                    Style::new()
                }
            })
            .collect();
        Self {
            name: name.to_string(),
            description,
            explicit,
            resolved,
        }
    }

    /// This theme with the roles `over` names replaced (a user file patching a built-in one).
    pub fn patched(&self, over: &Theme) -> Self {
        let explicit = self
            .explicit
            .iter()
            .zip(&over.explicit)
            .map(|(mine, theirs)| theirs.or(*mine))
            .collect();
        let description = if over.description.is_empty() {
            self.description.clone()
        } else {
            over.description.clone()
        };
        Self::from_explicit(&self.name, description, explicit)
    }

    /// The built-in themes, in cycling order.
    pub fn builtin() -> Result<Vec<Self>, Problem> {
        BUILTIN_THEMES
            .iter()
            .map(|(name, text)| Self::parse(name, text, &format!("themes/{name}.toml (built in)")))
            .collect()
    }

    /// The built-in themes, then `themes/*.toml` from `config_dir`: a file named like a built-in
    /// theme patches its roles, any other name adds a theme.
    pub fn load_all(config_dir: &Path) -> Result<Vec<Self>, Problem> {
        let mut themes = Self::builtin()?;
        for (name, path, text) in toml_files(&config_dir.join("themes"))? {
            let user = Self::parse(&name, &text, &path.display().to_string())?;
            match themes.iter_mut().find(|t| t.name == name) {
                Some(t) => *t = t.patched(&user),
                None => themes.push(user),
            }
        }
        Ok(themes)
    }
}

/// Reads a file that may be absent (`Ok(None)`); any other failure is a problem naming it.
pub(crate) fn read_optional(path: &Path) -> Result<Option<String>, Problem> {
    let name = path.display().to_string();
    let bytes = match crate::runbook::file::read_capped(path) {
        Ok(b) => b,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(crate::runbook::file::ReadError::Io(e)) => {
            return Err(Problem::whole_file(&name, format!("cannot read it: {e}")));
        }
        Err(e) => return Err(Problem::whole_file(&name, e.to_string())),
    };
    match crate::runbook::utf8(&bytes, &name) {
        Ok(text) => Ok(Some(text.to_string())),
        Err(mut problems) => Err(problems.pop().unwrap_or_else(|| {
            Problem::whole_file(&name, "the file is not UTF-8 text; save it as UTF-8")
        })),
    }
}

/// `(stem, path, text)` of every `*.toml` in a directory, sorted by name; none if it is absent.
pub(crate) fn toml_files(dir: &Path) -> Result<Vec<(String, PathBuf, String)>, Problem> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Problem {
                file: dir.display().to_string(),
                line: 1,
                col: 1,
                message: format!("cannot list the directory: {e}"),
            });
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        if let Some(text) = read_optional(&path)? {
            out.push((stem, path, text));
        }
    }
    Ok(out)
}
