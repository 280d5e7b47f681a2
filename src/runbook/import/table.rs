//! Markdown tables: a checklist written one check per row becomes items (the text column is
//! the item, the other columns its notes, a status column read as done marks); any other
//! table is kept as a note.

use super::draft::{Mode, is_optional};
use super::heading::squash;

/// A table as the walk collected it: header cells and body rows, each cell squashed text.
#[derive(Debug, Default)]
pub struct Table {
    /// Header cells.
    pub head: Vec<String>,
    /// Body rows.
    pub rows: Vec<Vec<String>>,
}

/// One row that reads as a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The item text.
    pub text: String,
    /// The other columns, as `Header: value`.
    pub notes: Vec<String>,
    /// The row says the check is optional: a cell `optional` or one saying "(optional" or
    /// "if applicable", or `no` under `Required`.
    pub optional: bool,
    /// The status column holds a done mark (✓, [x], yes, done…).
    pub marked_done: bool,
}

/// What a table becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// One item per row.
    Items(Vec<Row>),
    /// A reference table, kept as one note.
    Note(String),
    /// Nothing in it.
    Empty,
}

/// Headers under which a column of marks is a status column even when no cell is a symbol.
const STATUS_HEADERS: &[&str] = &[
    "",
    "done",
    "status",
    "state",
    "check",
    "checked",
    "complete",
    "completed",
    "ok",
    "x",
    "✓",
    "✔",
    "✅",
    "☑",
    "[ ]",
    "[x]",
    "pass",
    "passed",
    "verified",
    "result",
];

/// Headers of a text column that make a table a checklist in a document that also has task
/// items or numbered steps (elsewhere every table with rows is one).
const CHECK_HEADERS: &[&str] = &[
    "check",
    "checks",
    "checklist",
    "check item",
    "item",
    "items",
    "task",
    "tasks",
    "step",
    "steps",
    "action",
    "actions",
    "action item",
    "control",
    "controls",
    "requirement",
    "requirements",
    "description",
    "todo",
    "to do",
    "to-do",
    "test",
    "tests",
    "verification",
    "criterion",
    "criteria",
    "activity",
];

/// Cell values that mean done.
const DONE: &[&str] = &[
    "✓",
    "✔",
    "☑",
    "✅",
    "🗹",
    "[x]",
    "x",
    "yes",
    "y",
    "done",
    "ok",
    "true",
    "complete",
    "completed",
    "pass",
    "passed",
    "checked",
];

/// Cell values that mean open.
const OPEN: &[&str] = &[
    "", "[ ]", "[]", "☐", "⬜", "◻", "✗", "✘", "❌", "no", "n", "todo", "to do", "open", "pending",
    "false", "not done", "-", "—", "–",
];

/// Marks that only a status column holds (words such as "yes" also answer other questions).
const SYMBOLS: &[&str] = &[
    "✓", "✔", "☑", "✅", "🗹", "[x]", "x", "[ ]", "[]", "☐", "⬜", "◻", "✗", "✘", "❌",
];

/// A cell as compared with the mark lists: trimmed, lowercased, without emoji variation
/// selectors.
fn norm(cell: &str) -> String {
    cell.trim().replace('\u{fe0f}', "").to_lowercase()
}

fn is_mark(cell: &str) -> bool {
    let c = norm(cell);
    DONE.contains(&c.as_str()) || OPEN.contains(&c.as_str())
}

/// A cell such as `1`, `2.`, `3.1`: row numbering, not a check.
fn is_number(cell: &str) -> bool {
    let c = cell.trim().trim_end_matches('.');
    !c.is_empty()
        && c.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

impl Table {
    fn cell(&self, row: usize, col: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .map_or("", String::as_str)
    }

    fn columns(&self) -> usize {
        self.rows
            .iter()
            .map(Vec::len)
            .chain(std::iter::once(self.head.len()))
            .max()
            .unwrap_or(0)
    }

    fn header(&self, col: usize) -> &str {
        self.head.get(col).map_or("", String::as_str)
    }

    fn column_all(&self, col: usize, f: impl Fn(&str) -> bool) -> bool {
        (0..self.rows.len()).all(|r| f(self.cell(r, col)))
    }

    fn column_any(&self, col: usize, f: impl Fn(&str) -> bool) -> bool {
        (0..self.rows.len()).any(|r| f(self.cell(r, col)))
    }

    /// The first column that holds only marks, at least one of them set, under a status
    /// header or with a symbol among them.
    fn status_column(&self) -> Option<usize> {
        (0..self.columns()).find(|&c| {
            self.column_all(c, is_mark)
                && self.column_any(c, |v| !v.trim().is_empty())
                && (STATUS_HEADERS.contains(&norm(self.header(c)).as_str())
                    || self.column_any(c, |v| SYMBOLS.contains(&norm(v).as_str())))
        })
    }

    fn number_column(&self, c: usize) -> bool {
        self.column_any(c, |v| !v.trim().is_empty())
            && self.column_all(c, |v| v.trim().is_empty() || is_number(v))
    }

    /// Reads the table as items (`mode` says how sure the document is that tables are
    /// checklists) or as a note.
    pub fn read(&self, mode: Mode) -> Read {
        let columns = self.columns();
        if columns == 0
            || self
                .head
                .iter()
                .chain(self.rows.iter().flatten())
                .all(|c| c.trim().is_empty())
        {
            return Read::Empty;
        }
        let status = self.status_column();
        // The text is the first column that is neither the status nor a row number.
        let text_col = (0..columns)
            .find(|&c| Some(c) != status && !self.number_column(c))
            .or_else(|| (0..columns).find(|&c| Some(c) != status))
            .unwrap_or(0);
        let names_checks = CHECK_HEADERS.contains(&norm(self.header(text_col)).as_str());
        let is_checklist =
            !self.rows.is_empty() && (status.is_some() || names_checks || mode == Mode::Bullets);
        if !is_checklist {
            return Read::Note(self.as_note());
        }
        let required_col = (0..columns).find(|&c| {
            matches!(
                norm(self.header(c)).as_str(),
                "required" | "mandatory" | "required?" | "mandatory?"
            )
        });
        let mut rows = Vec::new();
        for r in 0..self.rows.len() {
            let text = match self.cell(r, text_col).trim() {
                "" => (0..columns)
                    .filter(|&c| Some(c) != status)
                    .map(|c| self.cell(r, c).trim())
                    .find(|v| !v.is_empty())
                    .unwrap_or(""),
                t => t,
            };
            if text.is_empty() {
                continue;
            }
            let mut notes = Vec::new();
            for c in (0..columns).filter(|&c| c != text_col && Some(c) != status) {
                let v = self.cell(r, c).trim();
                if v.is_empty() || v == text {
                    continue;
                }
                let h = self.header(c).trim();
                notes.push(if h.is_empty() {
                    format!("Column {}: {v}", c + 1)
                } else {
                    format!("{h}: {v}")
                });
            }
            let optional = (0..columns)
                .any(|c| norm(self.cell(r, c)) == "optional" || is_optional(self.cell(r, c)))
                || required_col.is_some_and(|c| {
                    matches!(norm(self.cell(r, c)).as_str(), "no" | "n" | "false")
                });
            let marked_done =
                status.is_some_and(|c| DONE.contains(&norm(self.cell(r, c)).as_str()));
            rows.push(Row {
                text: squash(text),
                notes,
                optional,
                marked_done,
            });
        }
        if rows.is_empty() {
            return Read::Note(self.as_note());
        }
        Read::Items(rows)
    }

    /// The table as a note: one `| a | b |` line per row, header first.
    fn as_note(&self) -> String {
        std::iter::once(&self.head)
            .chain(&self.rows)
            .map(|r| format!("| {} |", r.join(" | ")))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(head: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            head: head.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect(),
        }
    }

    fn items(t: &Table, mode: Mode) -> Vec<Row> {
        match t.read(mode) {
            Read::Items(rows) => rows,
            other => panic!("not items: {other:?}"),
        }
    }

    #[test]
    fn a_status_column_makes_a_checklist_and_is_read_as_marks() {
        let t = table(
            &["Check", "Level", "Done"],
            &[
                &["Backups verified", "critical", "✅"],
                &["Alerts silenced", "normal", ""],
            ],
        );
        let rows = items(&t, Mode::Checklist);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].text, "Backups verified");
        assert_eq!(rows[0].notes, ["Level: critical"]);
        assert!(rows[0].marked_done);
        assert!(!rows[1].marked_done);
    }

    #[test]
    fn marks_are_read_whatever_their_spelling() {
        for done in ["✓", "✔", "✔\u{fe0f}", "[x]", "[X]", "yes", "Done", "✅"] {
            let t = table(&["", "Task"], &[&[done, "a"], &["[ ]", "b"]]);
            let rows = items(&t, Mode::Checklist);
            assert_eq!(rows[0].text, "a", "{done}");
            assert!(rows[0].marked_done, "{done}");
            assert!(!rows[1].marked_done, "{done}");
            assert!(rows[0].notes.is_empty(), "{done}: {:?}", rows[0].notes);
        }
    }

    #[test]
    fn reference_tables_are_notes_unless_the_document_has_no_other_items() {
        let t = table(&["Role", "Approval"], &[&["Platform Lead", "All"]]);
        assert_eq!(
            t.read(Mode::Checklist),
            Read::Note("| Role | Approval |\n| Platform Lead | All |".to_string())
        );
        let rows = items(&t, Mode::Bullets);
        assert_eq!(rows[0].text, "Platform Lead");
        assert_eq!(rows[0].notes, ["Approval: All"]);
    }

    #[test]
    fn a_yes_no_column_is_not_status_without_a_status_header() {
        let t = table(&["Description", "Required"], &[&["a", "yes"], &["b", "no"]]);
        let rows = items(&t, Mode::Checklist);
        assert_eq!(rows[0].notes, ["Required: yes"]);
        assert!(!rows[0].marked_done && !rows[0].optional);
        assert!(rows[1].optional);
    }

    #[test]
    fn row_numbers_are_not_the_text() {
        let t = table(
            &["#", "Step", "Owner"],
            &[&["1", "Freeze", "SRE"], &["2", "Tag", ""]],
        );
        let rows = items(&t, Mode::Checklist);
        assert_eq!(rows[0].text, "Freeze");
        assert_eq!(rows[0].notes, ["#: 1", "Owner: SRE"]);
        assert_eq!(rows[1].notes, ["#: 2"]);
    }

    #[test]
    fn empty_rows_and_tables_make_nothing() {
        let t = table(&["Check"], &[&[""], &["a"]]);
        assert_eq!(items(&t, Mode::Checklist).len(), 1);
        assert_eq!(
            table(&["", ""], &[&["", ""]]).read(Mode::Bullets),
            Read::Empty
        );
        let head_only = table(&["Check", "Done"], &[]);
        assert!(matches!(head_only.read(Mode::Bullets), Read::Note(_)));
    }
}
