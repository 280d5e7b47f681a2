//! A parsed TOML or YAML document as a tree of values that remember where they came from,
//! so every problem found later can name its line and column.

use serde::Deserialize;
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned as YSpanned;

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

impl Pos {
    /// The start of a file.
    pub const START: Pos = Pos { line: 1, col: 1 };
}

/// One step of a path into the tree: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A key of a table.
    Key(String),
    /// An index into an array.
    Index(usize),
}

impl From<&str> for Seg {
    fn from(k: &str) -> Self {
        Seg::Key(k.to_string())
    }
}

impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

/// Builds a path from keys and indices: `path!["stage", 3, "id"]` (an array of `Seg`).
#[macro_export]
macro_rules! path {
    ($($seg:expr),* $(,)?) => {
        [$($crate::runbook::input::Seg::from($seg)),*]
    };
}

/// A value and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value starts (for a `[[table]]` element: its header).
    pub at: Pos,
}

/// A table entry: the key, where the key is written, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// Where the key is written.
    pub key_at: Pos,
    /// The value.
    pub node: Node,
}

/// The kinds of values TOML and YAML share.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A table (TOML) or mapping (YAML).
    Table(Vec<Entry>),
    /// An array (TOML) or sequence (YAML).
    Array(Vec<Node>),
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A TOML date/time, kept as written (read as a string).
    Datetime(String),
    /// A YAML null.
    Null,
}

impl Node {
    /// An empty table at the start of the file.
    pub fn empty() -> Self {
        Node {
            value: Value::Table(Vec::new()),
            at: Pos::START,
        }
    }

    /// The entry for `key`, if this is a table holding it.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Table(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// Whether this is a table holding `key`.
    pub fn has(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// Follows `path` as far as it exists; returns the deepest node reached, the position of
    /// the key that led to it (if the last step was a key), and whether the whole path exists.
    pub fn locate(&self, path: &[Seg]) -> (&Node, Option<Pos>, bool) {
        let mut node = self;
        let mut key_at = None;
        for seg in path {
            let next = match (seg, &node.value) {
                (Seg::Key(k), Value::Table(_)) => node.entry(k).map(|e| (&e.node, Some(e.key_at))),
                (Seg::Index(i), Value::Array(items)) => items.get(*i).map(|n| (n, None)),
                _ => None,
            };
            match next {
                Some((n, k)) => {
                    node = n;
                    key_at = k;
                }
                None => return (node, key_at, false),
            }
        }
        (node, key_at, true)
    }

    /// Removes the entry named by the last key in `path` (indices after it are ignored).
    /// Returns false if there was nothing to remove.
    pub fn remove(&mut self, path: &[Seg]) -> bool {
        let Some(last_key) = path.iter().rposition(|s| matches!(s, Seg::Key(_))) else {
            return false;
        };
        let Seg::Key(key) = &path[last_key] else {
            return false;
        };
        let mut node = self;
        for seg in &path[..last_key] {
            let next = match (seg, &mut node.value) {
                (Seg::Key(k), Value::Table(entries)) => entries
                    .iter_mut()
                    .find(|e| &e.key == k)
                    .map(|e| &mut e.node),
                (Seg::Index(i), Value::Array(items)) => items.get_mut(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return false,
            }
        }
        match &mut node.value {
            Value::Table(entries) => {
                let before = entries.len();
                entries.retain(|e| &e.key != key);
                entries.len() != before
            }
            _ => false,
        }
    }

    /// Removes the array element `path` names (its last step must be an index).
    /// Returns false if there was nothing to remove.
    pub fn remove_element(&mut self, path: &[Seg]) -> bool {
        let Some((Seg::Index(i), parent)) = path.split_last() else {
            return false;
        };
        let mut node = self;
        for seg in parent {
            let next = match (seg, &mut node.value) {
                (Seg::Key(k), Value::Table(entries)) => entries
                    .iter_mut()
                    .find(|e| &e.key == k)
                    .map(|e| &mut e.node),
                (Seg::Index(j), Value::Array(items)) => items.get_mut(*j),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return false,
            }
        }
        match &mut node.value {
            Value::Array(items) if *i < items.len() => {
                items.remove(*i);
                true
            }
            _ => false,
        }
    }

    /// A short name for the kind of value, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Table(_) => "a table",
            Value::Array(_) => "an array",
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Datetime(_) => "a date-time",
            Value::Null => "null",
        }
    }
}

/// A syntax error: where, and what the parser said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the parser stopped.
    pub at: Pos,
    /// The parser's message.
    pub message: String,
}

/// 1-based line and column (in characters) of a byte offset. For many look-ups in one text,
/// build a [`LineIndex`] once.
pub fn pos_of(text: &str, offset: usize) -> Pos {
    LineIndex::new(text).pos(offset)
}

/// Turns byte offsets into line and column in time independent of the file's size: line
/// starts are found by binary search, and columns (in characters) from character counts kept
/// every [`LineIndex::BLOCK`] bytes, so even one enormous line costs at most a block's scan.
#[derive(Debug)]
pub struct LineIndex<'t> {
    text: &'t str,
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
    /// Characters before the start of each line.
    line_chars: Vec<usize>,
    /// Characters before each block boundary.
    block_chars: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    /// Bytes between character-count checkpoints.
    pub const BLOCK: usize = 1024;

    /// Indexes `text` in one pass.
    pub fn new(text: &'t str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut line_chars = vec![0];
        let mut block_chars = Vec::with_capacity(bytes.len() / Self::BLOCK + 1);
        let mut chars = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if i % Self::BLOCK == 0 {
                block_chars.push(chars);
            }
            if is_char_start(b) {
                chars += 1;
            }
            if b == b'\n' {
                starts.push(i + 1);
                line_chars.push(chars);
            }
        }
        Self {
            text,
            starts,
            line_chars,
            block_chars,
        }
    }

    /// 1-based line and column (in characters) of a byte offset (clamped to the text, and
    /// moved back to the start of a character it falls inside).
    pub fn pos(&self, offset: usize) -> Pos {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        // Count from the line start or the last checkpoint, whichever is nearer.
        let block = offset / Self::BLOCK;
        let (from, before) = match self.block_chars.get(block) {
            Some(&c) if block * Self::BLOCK > start => (block * Self::BLOCK, c),
            _ => (start, self.line_chars[line - 1]),
        };
        let chars = before
            + self.text.as_bytes()[from..offset]
                .iter()
                .filter(|b| is_char_start(**b))
                .count();
        Pos {
            line,
            col: chars - self.line_chars[line - 1] + 1,
        }
    }
}

/// Whether a byte starts a character (is not a UTF-8 continuation byte).
fn is_char_start(b: u8) -> bool {
    (b & 0xC0) != 0x80
}

/// Parses TOML, reporting every syntax error the parser can recover from.
pub fn parse_toml(text: &str) -> Result<Node, Vec<SyntaxError>> {
    let (doc, errors) = toml::de::DeTable::parse_recoverable(text);
    let index = LineIndex::new(text);
    if !errors.is_empty() {
        return Err(errors
            .iter()
            .map(|e| SyntaxError {
                at: index.pos(e.span().map_or(0, |s| s.start)),
                message: e.message().trim().to_string(),
            })
            .collect());
    }
    let root = doc.into_inner();
    Ok(Node {
        value: toml_table(&index, &root),
        at: Pos::START,
    })
}

fn toml_table(index: &LineIndex<'_>, table: &toml::de::DeTable<'_>) -> Value {
    let entries = table
        .iter()
        .map(|(k, v)| Entry {
            key: k.get_ref().to_string(),
            key_at: index.pos(k.span().start),
            node: toml_node(index, v),
        })
        .collect();
    Value::Table(entries)
}

fn toml_node(index: &LineIndex<'_>, v: &toml::Spanned<toml::de::DeValue<'_>>) -> Node {
    use toml::de::DeValue;
    let value = match v.get_ref() {
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map(Value::Int)
            // Beyond i64: keep it as a number so the type message still makes sense.
            .unwrap_or_else(|_| Value::Float(i.as_str().parse().unwrap_or(f64::MAX))),
        DeValue::Float(f) => Value::Float(f.as_str().parse().unwrap_or(f64::NAN)),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::Datetime(d.to_string()),
        DeValue::Array(a) => Value::Array(a.iter().map(|n| toml_node(index, n)).collect()),
        DeValue::Table(t) => toml_table(index, t),
    };
    Node {
        value,
        at: index.pos(v.span().start),
    }
}

/// Parses YAML (one document); the location comes from serde-saphyr.
pub fn parse_yaml(text: &str) -> Result<Node, Vec<SyntaxError>> {
    if text.trim().is_empty() {
        return Ok(Node::empty());
    }
    match serde_saphyr::from_str::<YSpanned<YNode>>(text) {
        Ok(root) => Ok(from_yaml(root)),
        Err(e) => {
            let at = e.location().map_or(Pos::START, |l| Pos {
                line: usize::try_from(l.line()).unwrap_or(1).max(1),
                col: usize::try_from(l.column()).unwrap_or(1).max(1),
            });
            Err(vec![SyntaxError {
                at,
                message: yaml_message(&e.without_snippet().to_string()),
            }])
        }
    }
}

/// serde-saphyr prefixes messages with `error: line N column M: `; the position is reported
/// separately, so drop it.
fn yaml_message(full: &str) -> String {
    let first = full.lines().next().unwrap_or(full);
    let rest = first.strip_prefix("error: ").unwrap_or(first);
    let rest = match rest.strip_prefix("line ") {
        Some(r) => r.split_once(": ").map_or(rest, |(_, m)| m),
        None => rest,
    };
    rest.trim().to_string()
}

fn ypos(l: &serde_saphyr::Location) -> Pos {
    Pos {
        line: usize::try_from(l.line()).unwrap_or(1).max(1),
        col: usize::try_from(l.column()).unwrap_or(1).max(1),
    }
}

fn from_yaml(n: YSpanned<YNode>) -> Node {
    let at = ypos(&n.referenced);
    let value = match n.value {
        YNode::Map(entries) => Value::Table(
            entries
                .into_iter()
                .map(|(k, v)| Entry {
                    key: k.value,
                    key_at: ypos(&k.referenced),
                    node: from_yaml(v),
                })
                .collect(),
        ),
        YNode::Seq(items) => Value::Array(items.into_iter().map(from_yaml).collect()),
        YNode::Str(s) => Value::Str(s),
        YNode::Int(i) => Value::Int(i),
        YNode::Float(f) => Value::Float(f),
        YNode::Bool(b) => Value::Bool(b),
        YNode::Null => Value::Null,
    };
    Node { value, at }
}

/// Any YAML value, with spans on keys and values (serde-saphyr has no `Value` type).
enum YNode {
    Map(Vec<(YSpanned<String>, YSpanned<YNode>)>),
    Seq(Vec<YSpanned<YNode>>),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
}

impl<'de> Deserialize<'de> for YNode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(YVisitor)
    }
}

struct YVisitor;

impl<'de> Visitor<'de> for YVisitor {
    type Value = YNode;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_str<E>(self, v: &str) -> Result<YNode, E> {
        Ok(YNode::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<YNode, E> {
        Ok(YNode::Str(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<YNode, E> {
        Ok(YNode::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<YNode, E> {
        Ok(i64::try_from(v).map_or(YNode::Float(v as f64), YNode::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<YNode, E> {
        Ok(i64::try_from(v).map_or(YNode::Float(v as f64), YNode::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<YNode, E> {
        Ok(i64::try_from(v).map_or(YNode::Float(v as f64), YNode::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<YNode, E> {
        Ok(YNode::Float(v))
    }
    fn visit_bool<E>(self, v: bool) -> Result<YNode, E> {
        Ok(YNode::Bool(v))
    }
    fn visit_unit<E>(self) -> Result<YNode, E> {
        Ok(YNode::Null)
    }
    fn visit_none<E>(self) -> Result<YNode, E> {
        Ok(YNode::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<YNode, D::Error> {
        YNode::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<YNode, A::Error> {
        let mut items = Vec::new();
        while let Some(x) = a.next_element()? {
            items.push(x);
        }
        Ok(YNode::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<YNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = a.next_key()? {
            let v = a.next_value()?;
            entries.push((k, v));
        }
        Ok(YNode::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_positions_point_at_keys_and_values() {
        let text = "title = \"x\"\n\n[[stage]]\nid = \"a\"\n";
        let root = parse_toml(text).expect("parses");
        let (node, key, found) = root.locate(&path!["stage", 0, "id"]);
        assert!(found);
        assert_eq!(key, Some(Pos { line: 4, col: 1 }));
        assert_eq!(node.at, Pos { line: 4, col: 6 });
        let (stage, _, _) = root.locate(&path!["stage", 0]);
        assert_eq!(stage.at, Pos { line: 3, col: 1 });
    }

    #[test]
    fn yaml_positions_point_at_keys_and_values() {
        let text = "title: x\nstage:\n  - id: a\n    offset: -7d\n";
        let root = parse_yaml(text).expect("parses");
        let (node, key, found) = root.locate(&path!["stage", 0, "offset"]);
        assert!(found);
        assert_eq!(key, Some(Pos { line: 4, col: 5 }));
        assert_eq!(node.at, Pos { line: 4, col: 13 });
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse_toml("a = 1\nb = \n").expect_err("bad toml");
        assert_eq!(e[0].at.line, 2);
        let e = parse_yaml("a: [1\nb: 2\n").expect_err("bad yaml");
        assert!(e[0].at.line >= 1);
        assert!(!e[0].message.starts_with("error:"), "{}", e[0].message);
    }

    #[test]
    fn the_line_index_agrees_with_counting_from_the_start() {
        // Multi-byte characters on both sides of block boundaries, and one very long line.
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(if i % 7 == 0 { "é€😀\n" } else { "ab≥c " });
        }
        let index = LineIndex::new(&text);
        let slow = |offset: usize| {
            let mut o = offset.min(text.len());
            while !text.is_char_boundary(o) {
                o -= 1;
            }
            let upto = &text[..o];
            Pos {
                line: upto.matches('\n').count() + 1,
                col: upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            }
        };
        for offset in (0..=text.len() + 2)
            .step_by(13)
            .chain([0, 1, 4095, 4096, 4097])
        {
            assert_eq!(index.pos(offset), slow(offset), "offset {offset}");
        }
    }

    #[test]
    fn remove_drops_the_last_key_of_a_path() {
        let mut root = parse_toml("[[stage]]\nid = \"a\"\ntitel = 1\n").expect("parses");
        assert!(root.remove(&path!["stage", 0, "titel"]));
        assert!(!root.locate(&path!["stage", 0, "titel"]).2);
        assert!(root.locate(&path!["stage", 0, "id"]).2);
        assert!(root.remove(&path!["stage", 0]));
        assert!(!root.has("stage"));
    }
}
