//! Layouts: a tree of rows and columns whose leaves name panes, read from TOML (the bottom
//! idea). `column` children sit side by side, `row` children are stacked.

use std::path::Path;

use ratatui::layout::{Constraint, Layout, Rect};
use serde::Deserialize;
use toml::Spanned;

use crate::runbook::{Problem, line_col};

/// The built-in layouts, in the order `l` cycles through them; the first is the default.
pub const BUILTIN_LAYOUTS: &[(&str, &str)] = &[
    ("war-room", include_str!("../../layouts/war-room.toml")),
    ("checklist", include_str!("../../layouts/checklist.toml")),
    (
        "traffic-shift",
        include_str!("../../layouts/traffic-shift.toml"),
    ),
];

/// The panes a layout can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaneId {
    /// Stages and items.
    Checklist,
    /// The selected item in full.
    Detail,
    /// The session log's tail.
    Events,
    /// Error rate per version, with the SLO and rollback thresholds.
    Errors,
    /// p50/p95/p99 latency per version, with the SLO lines and the baseline.
    Latency,
    /// Requests per second per version.
    Throughput,
    /// Pods, problems first.
    Pods,
    /// Desired/updated/ready/available replicas per workload.
    Rollout,
    /// Health endpoints.
    Health,
    /// Firing and pending alerts.
    Alerts,
    /// Where traffic goes, and the shift plan.
    Traffic,
    /// Every gate, the window countdown, and what the next step would meet now.
    Gates,
}

impl PaneId {
    /// Every pane.
    pub const ALL: [PaneId; 12] = [
        PaneId::Checklist,
        PaneId::Detail,
        PaneId::Events,
        PaneId::Errors,
        PaneId::Latency,
        PaneId::Throughput,
        PaneId::Pods,
        PaneId::Rollout,
        PaneId::Health,
        PaneId::Alerts,
        PaneId::Traffic,
        PaneId::Gates,
    ];

    /// The name used in layout files and pane titles.
    pub fn name(self) -> &'static str {
        match self {
            PaneId::Checklist => "checklist",
            PaneId::Detail => "detail",
            PaneId::Events => "events",
            PaneId::Errors => "errors",
            PaneId::Latency => "latency",
            PaneId::Throughput => "throughput",
            PaneId::Pods => "pods",
            PaneId::Rollout => "rollout",
            PaneId::Health => "health",
            PaneId::Alerts => "alerts",
            PaneId::Traffic => "traffic",
            PaneId::Gates => "gates",
        }
    }

    /// Whether the pane is a chart over time (the zoom keys act on these).
    pub fn is_chart(self) -> bool {
        matches!(self, PaneId::Errors | PaneId::Latency | PaneId::Throughput)
    }

    /// Finds a pane by name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// How much space a node takes in its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// A share of what fixed-size siblings leave.
    Ratio(u32),
    /// A fixed number of cells.
    Length(u16),
}

/// A node of the layout tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A pane.
    Pane {
        /// Which pane.
        pane: PaneId,
        /// Its size in the parent.
        size: Size,
    },
    /// Children stacked (`vertical`) or side by side.
    Split {
        /// True for `row` children (stacked), false for `column` children.
        vertical: bool,
        /// Its size in the parent.
        size: Size,
        /// The children, top to bottom or left to right.
        children: Vec<Node>,
    },
}

/// A named layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutDef {
    /// The name (the file stem).
    pub name: String,
    /// One line on what it shows.
    pub description: String,
    /// The tree.
    pub root: Node,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayout {
    #[serde(default)]
    description: Option<String>,
    pane: Option<Spanned<String>>,
    #[serde(default)]
    row: Vec<Spanned<RawNode>>,
    #[serde(default)]
    column: Vec<Spanned<RawNode>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    pane: Option<Spanned<String>>,
    ratio: Option<Spanned<u32>>,
    length: Option<Spanned<u16>>,
    #[serde(default)]
    row: Vec<Spanned<RawNode>>,
    #[serde(default)]
    column: Vec<Spanned<RawNode>>,
}

/// Builds nodes while reporting problems against one file's text.
struct Builder<'a> {
    text: &'a str,
    file: &'a str,
    seen: Vec<PaneId>,
}

impl Builder<'_> {
    fn problem(&self, span: std::ops::Range<usize>, message: String) -> Problem {
        let (line, col) = line_col(self.text, span.start);
        Problem {
            file: self.file.to_string(),
            line,
            col,
            message,
        }
    }

    fn node(
        &mut self,
        span: std::ops::Range<usize>,
        pane: Option<&Spanned<String>>,
        rows: &[Spanned<RawNode>],
        columns: &[Spanned<RawNode>],
        size: Size,
    ) -> Result<Node, Problem> {
        match (pane, rows.is_empty(), columns.is_empty()) {
            (Some(p), true, true) => {
                let id = PaneId::from_name(p.get_ref()).ok_or_else(|| {
                    let known: Vec<&str> = PaneId::ALL.iter().map(|p| p.name()).collect();
                    self.problem(
                        p.span(),
                        format!(
                            "'{}' is not a known pane; expected one of {}",
                            p.get_ref(),
                            known.join(", ")
                        ),
                    )
                })?;
                if self.seen.contains(&id) {
                    return Err(self.problem(
                        p.span(),
                        format!(
                            "pane '{}' appears twice; a layout shows each pane once",
                            p.get_ref()
                        ),
                    ));
                }
                self.seen.push(id);
                Ok(Node::Pane { pane: id, size })
            }
            (None, false, true) => self.split(true, rows, size),
            (None, true, false) => self.split(false, columns, size),
            (None, true, true) => Err(self.problem(
                span,
                format!(
                    "this layout node is empty; give it `pane = \"checklist\"` (or another of {}) \
                     or `[[...row]]`/`[[...column]]` children",
                    PaneId::ALL.map(PaneId::name).join(", ")
                ),
            )),
            _ => Err(self.problem(
                span,
                "a layout node holds either a `pane` or `row` children or `column` children, \
                 not more than one of them"
                    .into(),
            )),
        }
    }

    fn split(
        &mut self,
        vertical: bool,
        children: &[Spanned<RawNode>],
        size: Size,
    ) -> Result<Node, Problem> {
        let mut out = Vec::new();
        for child in children {
            let raw = child.get_ref();
            let size = match (&raw.ratio, &raw.length) {
                (Some(_), Some(l)) => {
                    return Err(
                        self.problem(l.span(), "give a node `ratio` or `length`, not both".into())
                    );
                }
                (Some(r), None) if *r.get_ref() == 0 => {
                    return Err(self.problem(r.span(), "`ratio` must be 1 or more".into()));
                }
                (None, Some(l)) if *l.get_ref() == 0 => {
                    return Err(self.problem(l.span(), "`length` must be 1 or more".into()));
                }
                (Some(r), None) => Size::Ratio(*r.get_ref()),
                (None, Some(l)) => Size::Length(*l.get_ref()),
                (None, None) => Size::Ratio(1),
            };
            out.push(self.node(child.span(), raw.pane.as_ref(), &raw.row, &raw.column, size)?);
        }
        Ok(Node::Split {
            vertical,
            size,
            children: out,
        })
    }
}

impl LayoutDef {
    /// Parses a layout file; `file` names it in problems.
    pub fn parse(name: &str, text: &str, file: &str) -> Result<Self, Problem> {
        let mut b = Builder {
            text,
            file,
            seen: Vec::new(),
        };
        let raw: RawLayout = toml::from_str(text)
            .map_err(|e| b.problem(e.span().unwrap_or(0..0), e.message().trim().to_string()))?;
        let root = b.node(
            0..0,
            raw.pane.as_ref(),
            &raw.row,
            &raw.column,
            Size::Ratio(1),
        )?;
        Ok(Self {
            name: name.to_string(),
            description: raw.description.unwrap_or_default(),
            root,
        })
    }

    /// The built-in layouts, in cycling order.
    pub fn builtin() -> Result<Vec<Self>, Problem> {
        BUILTIN_LAYOUTS
            .iter()
            .map(|(name, text)| Self::parse(name, text, &format!("layouts/{name}.toml (built in)")))
            .collect()
    }

    /// The built-in layouts, then `layouts/*.toml` from `config_dir`: a file named like a
    /// built-in layout replaces it, any other name adds a layout.
    pub fn load_all(config_dir: &Path) -> Result<Vec<Self>, Problem> {
        let mut layouts = Self::builtin()?;
        for (name, path, text) in super::theme::toml_files(&config_dir.join("layouts"))? {
            let user = Self::parse(&name, &text, &path.display().to_string())?;
            match layouts.iter_mut().find(|l| l.name == name) {
                Some(l) => *l = user,
                None => layouts.push(user),
            }
        }
        Ok(layouts)
    }

    /// The panes the layout shows, in reading order.
    pub fn panes(&self) -> Vec<PaneId> {
        fn walk(n: &Node, out: &mut Vec<PaneId>) {
            match n {
                Node::Pane { pane, .. } => out.push(*pane),
                Node::Split { children, .. } => children.iter().for_each(|c| walk(c, out)),
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }

    /// Where each pane goes inside `area`.
    pub fn areas(&self, area: Rect) -> Vec<(PaneId, Rect)> {
        fn walk(n: &Node, area: Rect, out: &mut Vec<(PaneId, Rect)>) {
            match n {
                Node::Pane { pane, .. } => out.push((*pane, area)),
                Node::Split {
                    vertical, children, ..
                } => {
                    let constraints = children.iter().map(|c| {
                        let size = match c {
                            Node::Pane { size, .. } | Node::Split { size, .. } => *size,
                        };
                        match size {
                            Size::Ratio(r) => {
                                Constraint::Fill(u16::try_from(r).unwrap_or(u16::MAX))
                            }
                            Size::Length(l) => Constraint::Length(l),
                        }
                    });
                    let layout = if *vertical {
                        Layout::vertical(constraints)
                    } else {
                        Layout::horizontal(constraints)
                    };
                    for (child, rect) in children.iter().zip(layout.split(area).iter()) {
                        walk(child, *rect, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, area, &mut out);
        out
    }
}
