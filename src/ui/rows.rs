//! The checklist's rows and the view state that walks them: cursor, scroll, folds, filter.

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::reduce::checklist;
use crate::state::State;

/// A row of the checklist: a stage header or one of its items (indices into the runbook).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// Stage header.
    Stage(usize),
    /// Item `.1` of stage `.0`.
    Item(usize, usize),
}

impl Row {
    /// The stage the row belongs to.
    pub fn stage(self) -> usize {
        match self {
            Row::Stage(s) | Row::Item(s, _) => s,
        }
    }

    /// Position in runbook order (a stage header sorts before its items).
    fn order(self) -> (usize, usize) {
        match self {
            Row::Stage(s) => (s, 0),
            Row::Item(s, i) => (s, i + 1),
        }
    }
}

/// The checklist pane's view state.
#[derive(Debug, Clone, Default)]
pub struct ChecklistView {
    /// The selected row; `None` until the runbook is known.
    pub cursor: Option<Row>,
    /// First row drawn.
    pub top: usize,
    /// Rows that fit in the pane at the last draw (for paging).
    pub height: usize,
    /// Collapsed stages.
    pub collapsed: BTreeSet<usize>,
    /// The filter text (empty: no filter).
    pub filter: String,
    /// Whether keys are being typed into the filter.
    pub filtering: bool,
    /// Which runbook the cursor and folds refer to (its digest and shape).
    runbook: Option<(String, usize)>,
}

impl ChecklistView {
    /// Puts the cursor on the current stage the first time a runbook is seen (and again if
    /// the runbook changes): on its first open item, or its header when nothing is open.
    pub fn ensure(&mut self, state: &State, now: Timestamp) {
        let rb = &state.runbook;
        if rb.stages.is_empty() {
            return;
        }
        let same = self
            .runbook
            .as_ref()
            .is_some_and(|(h, n)| *h == state.runbook_sha256 && *n == rb.stages.len());
        if same && self.cursor.is_some() {
            return;
        }
        self.runbook = Some((state.runbook_sha256.clone(), rb.stages.len()));
        self.collapsed.clear();
        self.top = 0;
        let si = checklist::current_stage(state, now).unwrap_or(0);
        let stage = &rb.stages[si];
        self.cursor = Some(
            stage
                .items
                .iter()
                .position(|i| !state.is_done(&stage.id, &i.id))
                .map_or(Row::Stage(si), |ii| Row::Item(si, ii)),
        );
    }

    /// The rows to show, honouring folds and the filter (a filter shows matches in folded
    /// stages too, since hiding a match would defeat the filter).
    pub fn rows(&self, state: &State) -> Vec<Row> {
        let needle = self.filter.trim().to_lowercase();
        let mut out = Vec::with_capacity(state.runbook.item_count() + state.runbook.stages.len());
        for (si, s) in state.runbook.stages.iter().enumerate() {
            if needle.is_empty() {
                out.push(Row::Stage(si));
                if !self.collapsed.contains(&si) {
                    out.extend((0..s.items.len()).map(|ii| Row::Item(si, ii)));
                }
                continue;
            }
            let title_hit = contains(&s.title, &needle) || contains(&s.id, &needle);
            let start = out.len();
            out.push(Row::Stage(si));
            for (ii, it) in s.items.iter().enumerate() {
                if title_hit || contains(&it.text, &needle) || contains(&it.id, &needle) {
                    out.push(Row::Item(si, ii));
                }
            }
            if !title_hit && out.len() == start + 1 {
                out.pop();
            }
        }
        out
    }

    /// Where the cursor is in `rows`: its own row, else the nearest row after it in runbook
    /// order (its folded stage's header, or the next match), else the last row.
    pub fn index(&self, rows: &[Row]) -> usize {
        let Some(cur) = self.cursor else {
            return 0;
        };
        if let Some(i) = rows.iter().position(|r| *r == cur) {
            return i;
        }
        if self.collapsed.contains(&cur.stage())
            && let Some(i) = rows.iter().position(|r| *r == Row::Stage(cur.stage()))
        {
            return i;
        }
        rows.iter()
            .position(|r| r.order() >= cur.order())
            .unwrap_or(rows.len().saturating_sub(1))
    }

    /// Moves the cursor by `delta` rows, clamped to the list.
    pub fn move_by(&mut self, rows: &[Row], delta: isize) {
        if rows.is_empty() {
            return;
        }
        let i = self.index(rows).saturating_add_signed(delta);
        self.cursor = Some(rows[i.min(rows.len() - 1)]);
    }

    /// Moves the cursor to row `i` (clamped).
    pub fn move_to(&mut self, rows: &[Row], i: usize) {
        if let Some(r) = rows.get(i.min(rows.len().saturating_sub(1))) {
            self.cursor = Some(*r);
        }
    }

    /// Adjusts the scroll so row `i` is visible in `height` rows.
    pub fn scroll_to(&mut self, i: usize, len: usize, height: usize) {
        self.height = height;
        super::widgets::scroll_into_view(&mut self.top, i, len, height);
    }

    /// Collapses (`Some(true)`), expands (`Some(false)`) or toggles (`None`) the cursor's
    /// stage; the cursor moves to the stage header when its item disappears.
    pub fn fold(&mut self, how: Option<bool>) {
        let Some(cur) = self.cursor else {
            return;
        };
        let si = cur.stage();
        let collapse = how.unwrap_or(!self.collapsed.contains(&si));
        if collapse {
            self.collapsed.insert(si);
            self.cursor = Some(Row::Stage(si));
        } else {
            self.collapsed.remove(&si);
        }
    }
}

/// Case-insensitive substring test against an already lower-cased needle.
fn contains(haystack: &str, needle_lower: &str) -> bool {
    if needle_lower.is_empty() {
        true
    } else if haystack.is_ascii() && needle_lower.is_ascii() {
        haystack
            .as_bytes()
            .windows(needle_lower.len())
            .any(|w| w.eq_ignore_ascii_case(needle_lower.as_bytes()))
    } else {
        haystack.to_lowercase().contains(needle_lower)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reduce::tests::started;

    #[test]
    fn folds_filters_and_the_cursor() {
        let s = started("2026-11-23T16:00:00Z");
        let mut v = ChecklistView::default();
        v.ensure(&s, s.now);
        // t-1d is current; its only item is open.
        assert_eq!(v.cursor, Some(Row::Item(1, 0)));
        assert_eq!(v.rows(&s).len(), 6 + 7);
        v.fold(None);
        assert_eq!(v.cursor, Some(Row::Stage(1)));
        assert_eq!(v.rows(&s).len(), 6 + 6);
        v.filter = "MONITOR".into();
        assert_eq!(v.rows(&s), vec![Row::Stage(4), Row::Item(4, 0)]);
        // The cursor's row is filtered away: the next row in runbook order stands in.
        assert_eq!(v.index(&v.rows(&s)), 0);
        v.filter = "nothing like this".into();
        assert!(v.rows(&s).is_empty());
        v.move_by(&[], 1);
        v.filter.clear();
        let rows = v.rows(&s);
        v.move_by(&rows, 100);
        assert_eq!(v.cursor, rows.last().copied());
        v.scroll_to(rows.len() - 1, rows.len(), 5);
        assert_eq!(v.top, rows.len() - 5);
        v.scroll_to(0, rows.len(), 5);
        assert_eq!(v.top, 0);
    }
}
