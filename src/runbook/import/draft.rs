//! What the Markdown walk produces (stages and items before ids are given out), and the
//! inline text it collects on the way.

use super::heading::squash;
use crate::runbook::{Item, Offset};

/// Whether plain bullets are prose (the usual case) or items (documents with no task items
/// and no numbered steps at all, such as a plan written as bullet lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `- [ ]` items and numbered steps are items; plain bullets are notes.
    Checklist,
    /// Plain bullets are items too.
    Bullets,
}

/// A stage before ids are given out.
#[derive(Debug, Clone, Default)]
pub struct StageDraft {
    /// Title as shown.
    pub title: String,
    /// The text the id is made from.
    pub id_text: String,
    /// Offset from T-0, read from the heading or inherited.
    pub offset: Option<Offset>,
    /// Prose before the first item.
    pub notes: Vec<String>,
    /// Items, with empty ids.
    pub items: Vec<Item>,
    /// Made for content before the first heading (titled after the runbook).
    pub implicit: bool,
    /// The heading's level (1–6); 0 for the implicit stage and bold-label sub-stages.
    pub level: usize,
    /// The heading as a short title, without the enclosing heading's context.
    pub heading: String,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Draft {
    /// Stages in document order, including ones that ended up empty.
    pub stages: Vec<StageDraft>,
    /// Text of the first level-1 heading.
    pub h1: Option<String>,
    /// Text of the first heading of any level.
    pub first_heading: Option<String>,
    /// Items the source marked done (`- [x]`, a ✓ in a status column); they import open.
    pub marked_done: usize,
}

impl Draft {
    /// Items across all stages.
    pub fn item_count(&self) -> usize {
        self.stages.iter().map(|s| s.items.len()).sum()
    }
}

/// Whether an item's text says it is optional: "(optional" or "if applicable".
pub fn is_optional(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("(optional") || lower.contains("if applicable")
}

/// Inline text being collected, with enough shape to spot labels and link-only lines.
#[derive(Debug, Default)]
pub struct Inline {
    /// The text so far (emphasis markers dropped, inline code in backticks).
    pub text: String,
    /// How many bold spans are open.
    pub strong: usize,
    saw_strong: bool,
    outside_strong: String,
    /// How many links are open.
    pub link: usize,
    saw_link: bool,
    outside_link: String,
}

impl Inline {
    /// Appends text, noting whether it is inside bold text or a link.
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        if self.strong == 0 {
            self.outside_strong.push_str(s);
        } else {
            self.saw_strong = true;
        }
        if self.link == 0 {
            self.outside_link.push_str(s);
        } else {
            self.saw_link = true;
        }
    }

    /// A paragraph that is only bold text ending in ':' ("**10% Traffic Validation:**",
    /// "**Check Prometheus**:"), used as a label for what follows.
    pub fn label(&self) -> Option<String> {
        let outside = self.outside_strong.trim();
        if !self.saw_strong || !(outside.is_empty() || outside == ":") {
            return None;
        }
        let t = squash(&self.text);
        let l = t.strip_suffix(':')?.trim().to_string();
        (!l.is_empty()).then_some(l)
    }

    /// Only links (a table of contents line).
    pub fn link_only(&self) -> bool {
        self.saw_link && self.outside_link.trim().is_empty()
    }
}
