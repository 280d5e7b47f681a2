//! Reading structured input files (runbooks and `warroom.toml`) so that every problem is found
//! in one pass and reported as `file:line:col: message`.
//!
//! The file is parsed into a position-aware tree, read into typed serde structs through a
//! `Deserializer` over that tree, and each error is recorded and its key removed before
//! reading again, so one bad key never hides the next. Semantic checks then report against
//! paths into the same tree.

mod de;
mod tree;

pub use de::{DeError, DeErrorKind, NodeDe};
pub use tree::{Entry, Node, Pos, Seg, SyntaxError, Value, parse_toml, parse_yaml, pos_of};

use serde::de::DeserializeOwned;

use super::Problem;

/// The structured formats the tree can be read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML (canonical).
    Toml,
    /// YAML, the same schema.
    Yaml,
}

/// Parses `text` into a tree, or the syntax errors as problems of `file`.
pub fn parse(text: &str, format: Format, file: &str) -> Result<Node, Vec<Problem>> {
    let parsed = match format {
        Format::Toml => parse_toml(text),
        Format::Yaml => parse_yaml(text),
    };
    parsed.map_err(|errs| {
        errs.into_iter()
            .map(|e| Problem {
                file: file.to_string(),
                line: e.at.line,
                col: e.at.col,
                message: e.message,
            })
            .collect()
    })
}

/// How to word unknown-key problems for one schema.
pub type KeyHint = fn(key: &str, allowed: &[&str]) -> Option<String>;

/// Problems found so far in one file, pointed at positions in its tree.
///
/// Paths from the typed value count array elements after any bad ones were dropped; they are
/// mapped back to the file's numbering before a position is looked up.
#[derive(Debug)]
pub struct Diagnostics<'t> {
    tree: &'t Node,
    /// Paths (file numbering) already reported while decoding; later checks under them are noise.
    reported: Vec<Vec<Seg>>,
    /// Array elements dropped while decoding: (array path, index), file numbering.
    dropped: Vec<(Vec<Seg>, usize)>,
    found: Vec<(Pos, String)>,
}

impl<'t> Diagnostics<'t> {
    /// Starts collecting problems for `tree`.
    pub fn new(tree: &'t Node) -> Self {
        Self {
            tree,
            reported: Vec::new(),
            dropped: Vec::new(),
            found: Vec::new(),
        }
    }

    /// Reads `T` from the tree, recording every unknown key, wrong type and bad value.
    /// Each offending key (or array element) is dropped and reading starts again, so the
    /// result holds the defaults for those keys.
    pub fn decode<T: DeserializeOwned>(&mut self, hint: KeyHint) -> Option<T> {
        // Most files are fine: read the tree as it is, and copy it only to drop bad keys.
        let mut e = match T::deserialize(NodeDe(self.tree)) {
            Ok(v) => return Some(v),
            Err(e) => e,
        };
        let mut tree = self.tree.clone();
        // Every round removes something, so this ends; the cap only bounds pathological files.
        for _ in 0..500 {
            if !self.record(&mut tree, &e, hint) {
                return None;
            }
            e = match T::deserialize(NodeDe(&tree)) {
                Ok(v) => return Some(v),
                Err(e) => e,
            };
        }
        None
    }

    /// Records one decoding error and drops what caused it from `tree`; false if nothing
    /// could be dropped (reading again would only repeat the error).
    fn record(&mut self, tree: &mut Node, e: &DeError, hint: KeyHint) -> bool {
        let path = self.to_file(&e.path);
        // A key reported (and dropped) earlier shows up again as missing; say it once.
        let echo = match &e.kind {
            DeErrorKind::Missing(k) => {
                let mut p = path.clone();
                p.push(Seg::Key((*k).to_string()));
                self.reported.iter().any(|r| r.starts_with(&p))
            }
            _ => false,
        };
        if !echo {
            let at = e.at.unwrap_or(Pos::START);
            self.found.push((at, describe(e, hint)));
        }
        // An element that cannot be read is dropped alone, so its siblings are still read.
        let removed = match (e.path.last(), path.split_last()) {
            (Some(Seg::Index(_)), Some((Seg::Index(i), parent))) => {
                let ok = tree.remove_element(&e.path);
                if ok {
                    self.dropped.push((parent.to_vec(), *i));
                }
                ok
            }
            _ => tree.remove(&e.path),
        };
        self.reported.push(path);
        removed
    }

    /// Maps a path that counts surviving array elements to the file's numbering.
    fn to_file(&self, path: &[Seg]) -> Vec<Seg> {
        let mut out: Vec<Seg> = Vec::with_capacity(path.len());
        for seg in path {
            match seg {
                Seg::Index(i) => {
                    let mut gone: Vec<usize> = self
                        .dropped
                        .iter()
                        .filter(|(p, _)| *p == out)
                        .map(|(_, j)| *j)
                        .collect();
                    gone.sort_unstable();
                    let mut at = *i;
                    for g in gone {
                        if g <= at {
                            at += 1;
                        }
                    }
                    out.push(Seg::Index(at));
                }
                Seg::Key(k) => out.push(Seg::Key(k.clone())),
            }
        }
        out
    }

    /// Reports a problem at the value found at `path` (or the nearest enclosing value).
    pub fn at_value(&mut self, path: &[Seg], message: impl Into<String>) {
        let path = self.to_file(path);
        if self.is_reported(&path) {
            return;
        }
        let (node, _, _) = self.tree.locate(&path);
        self.found.push((node.at, message.into()));
    }

    /// Reports a problem at the key of `path` (or, if the key is absent, where its table is).
    pub fn at_key(&mut self, path: &[Seg], message: impl Into<String>) {
        let path = self.to_file(path);
        if self.is_reported(&path) {
            return;
        }
        let (node, key, found) = self.tree.locate(&path);
        let at = if found {
            key.unwrap_or(node.at)
        } else {
            node.at
        };
        self.found.push((at, message.into()));
    }

    /// Whether `path` exists in the file (rather than coming from a default).
    pub fn exists(&self, path: &[Seg]) -> bool {
        self.tree.locate(&self.to_file(path)).2
    }

    /// Whether any problem has been recorded.
    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    fn is_reported(&self, path: &[Seg]) -> bool {
        self.reported
            .iter()
            .any(|r| !r.is_empty() && path.starts_with(r))
    }

    /// The problems, in file order, each once.
    pub fn into_problems(mut self, file: &str) -> Vec<Problem> {
        self.found.sort_by_key(|a| a.0);
        self.found.dedup();
        self.found
            .into_iter()
            .map(|(at, message)| Problem {
                file: file.to_string(),
                line: at.line,
                col: at.col,
                message,
            })
            .collect()
    }
}

/// Names a table the way the file writes it: `[[stage.item]]`, `[traffic]`, the top level.
pub fn table_name(path: &[Seg]) -> String {
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect();
    if keys.is_empty() {
        return "the top level".to_string();
    }
    if matches!(path.last(), Some(Seg::Index(_))) {
        format!("[[{}]]", keys.join("."))
    } else {
        format!("[{}]", keys.join("."))
    }
}

/// The message for a decoding error, naming the key and its table.
fn describe(e: &DeError, hint: KeyHint) -> String {
    if let DeErrorKind::Missing(k) = &e.kind {
        return format!("{} needs a `{k}` key", table_name(&e.path));
    }
    // The key is the last key in the path; indices after it name an element of its array.
    let last_key = e.path.iter().rposition(|s| matches!(s, Seg::Key(_)));
    let (key, table, element) = match last_key {
        Some(i) => {
            let key = match &e.path[i] {
                Seg::Key(k) => k.clone(),
                Seg::Index(_) => String::new(),
            };
            let element = match e.path.get(i + 1) {
                Some(Seg::Index(n)) => format!(", item {}", n + 1),
                _ => String::new(),
            };
            (key, table_name(&e.path[..i]), element)
        }
        None => (String::new(), table_name(&[]), String::new()),
    };
    match &e.kind {
        DeErrorKind::UnknownKey { key, allowed } => {
            if let Some(h) = hint(key, allowed) {
                return h;
            }
            format!(
                "unknown key `{key}` in {table}; allowed: {}",
                allowed.join(", ")
            )
        }
        DeErrorKind::Type { expected, found } if key.is_empty() => {
            format!("the file must hold {expected} of keys, found {found}")
        }
        DeErrorKind::Type { expected, found } => {
            let mut m = format!("`{key}` in {table}{element} must be {expected}, found {found}");
            if expected.starts_with("a string")
                && (found.starts_with("integer") || found.starts_with("number"))
            {
                m.push_str("; put it in quotes");
            }
            m
        }
        DeErrorKind::Variant { value, allowed } => format!(
            "`{key}` in {table}{element}: \"{value}\" is not allowed; use one of: {}",
            allowed.join(", ")
        ),
        DeErrorKind::Missing(_) => String::new(),
        DeErrorKind::Message(m) => format!("`{key}` in {table}{element}: {m}"),
    }
}
