//! The pods pane's view state (cursor, scroll, filter) and the order it shows pods in:
//! problems first, as `Live::pods_by_concern`, computed in one linear pass.

use crate::event::PodRow;
use crate::state::live::Live;

/// The pods pane's view state: cursor (a pod name, so it stays on its pod as rows move),
/// scroll and filter.
#[derive(Debug, Clone, Default)]
pub struct PodsView {
    /// The selected pod's name.
    pub cursor: Option<String>,
    /// First row drawn.
    pub top: usize,
    /// Rows that fit at the last draw (for paging).
    pub height: usize,
    /// The filter text (empty: none).
    pub filter: String,
    /// Whether keys are being typed into the filter.
    pub filtering: bool,
}

impl PodsView {
    /// The pods to show, in pane order, narrowed by the filter.
    pub fn rows<'a>(&self, live: &'a Live) -> Vec<&'a PodRow> {
        ordered(live, &self.filter)
    }

    /// Where the cursor is in `rows` (the first row when its pod is gone).
    pub fn index(&self, rows: &[&PodRow]) -> usize {
        self.cursor
            .as_ref()
            .and_then(|c| rows.iter().position(|p| p.name == *c))
            .unwrap_or(0)
    }

    /// Moves the cursor by `delta` rows, clamped.
    pub fn move_by(&mut self, rows: &[&PodRow], delta: isize) {
        let i = self.index(rows).saturating_add_signed(delta);
        self.move_to(rows, i);
    }

    /// Moves the cursor to row `i`, clamped.
    pub fn move_to(&mut self, rows: &[&PodRow], i: usize) {
        if let Some(p) = rows.get(i.min(rows.len().saturating_sub(1))) {
            self.cursor = Some(p.name.clone());
        }
    }

    /// Adjusts the scroll so row `i` is visible in `height` rows.
    pub fn scroll_to(&mut self, i: usize, len: usize, height: usize) {
        self.height = height;
        super::widgets::scroll_into_view(&mut self.top, i, len, height);
    }
}

/// Pods in the order of `Live::pods_by_concern`, filtered (the filter keeps that order).
pub fn ordered<'a>(live: &'a Live, filter: &str) -> Vec<&'a PodRow> {
    let needle = filter.trim().to_lowercase();
    let mut pods = live.pods_by_concern();
    if !needle.is_empty() {
        pods.retain(|p| matches(p, &needle));
    }
    pods
}

fn matches(p: &PodRow, needle: &str) -> bool {
    let has = |s: &str| contains_lower(s, needle);
    has(&p.name) || has(&p.version) || has(&p.phase) || p.reason.as_deref().is_some_and(has)
}

/// Case-insensitive substring test against a lower-cased needle, without allocating for ASCII
/// text (10,000 pods are filtered on every frame and key).
fn contains_lower(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        haystack
            .as_bytes()
            .windows(needle.len().max(1))
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    } else {
        haystack.to_lowercase().contains(needle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, version: &str, reason: Option<&str>, ready: (u32, u32)) -> PodRow {
        PodRow {
            name: name.into(),
            version: version.into(),
            phase: "Running".into(),
            ready,
            restarts: 0,
            reason: reason.map(str::to_string),
            created: None,
            terminating: false,
            image_id: None,
        }
    }

    #[test]
    fn problems_come_first_and_the_filter_narrows() {
        let mut live = Live::default();
        for p in [
            pod("b-2", "blue", None, (1, 1)),
            pod("g-1", "green", Some("CrashLoopBackOff"), (0, 1)),
            pod("a-9", "green", None, (0, 1)),
            pod("b-1", "blue", None, (1, 1)),
            pod("g-2", "green", None, (1, 1)),
            pod("z-1", "blue", Some("OOMKilled"), (0, 1)),
        ] {
            live.pods.insert(p.name.clone(), p);
        }
        let got: Vec<&str> = ordered(&live, "").iter().map(|p| p.name.as_str()).collect();
        // Problems (blue, then green), not ready, then healthy by version and name.
        assert_eq!(got, ["z-1", "g-1", "a-9", "b-1", "b-2", "g-2"]);
        let crash: Vec<&str> = ordered(&live, " CRASH")
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(crash, ["g-1"]);
        assert_eq!(ordered(&live, "green").len(), 3);
    }
}
