//! The checklist's figures for one frame, in one pass over the runbook: each stage's start,
//! deadline, done and overdue counts, the current stage and the totals. The one home of
//! progress and overdue counting; the header and the checklist both read it. The stage-time
//! rules it applies (`stage_start`, `stage_deadline`, `current_stage`) live with the reducer.

use jiff::Timestamp;

use crate::reduce::checklist;
use crate::state::State;

/// Figures for one stage, computed once per frame.
#[derive(Debug, Clone, PartialEq)]
pub struct StageInfo {
    /// When it starts (T-0 plus offset), if timed and T-0 is known.
    pub start: Option<Timestamp>,
    /// When its required items become overdue.
    pub deadline: Option<Timestamp>,
    /// Done items: ticked, or proven by a recorded pass of their check.
    pub done: usize,
    /// All items.
    pub total: usize,
    /// Overdue items.
    pub overdue: usize,
}

/// The whole checklist's figures for one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Per stage, in runbook order.
    pub stages: Vec<StageInfo>,
    /// The current stage (`checklist::current_stage`).
    pub current: Option<usize>,
    /// Done items overall.
    pub done: usize,
    /// Items overall.
    pub total: usize,
    /// Overdue items overall.
    pub overdue: usize,
}

impl Summary {
    /// Computes the figures in one pass over the runbook, so a 500-item runbook stays cheap
    /// to draw. A required item is overdue once its stage's deadline has passed and it is
    /// not ticked; optional items and untimed stages never are.
    pub fn new(state: &State, now: Timestamp) -> Self {
        let rb = &state.runbook;
        let stages: Vec<StageInfo> = rb
            .stages
            .iter()
            .enumerate()
            .map(|(si, s)| {
                let deadline = checklist::stage_deadline(rb, si, state.t0);
                let late = deadline.is_some_and(|d| now >= d);
                let (mut done, mut overdue) = (0, 0);
                for it in &s.items {
                    if state.is_done(&s.id, &it.id) {
                        done += 1;
                    } else if late && it.required {
                        overdue += 1;
                    }
                }
                StageInfo {
                    start: checklist::stage_start(s, state.t0),
                    deadline,
                    done,
                    total: s.items.len(),
                    overdue,
                }
            })
            .collect();
        Self {
            current: checklist::current_stage(state, now),
            done: stages.iter().map(|s| s.done).sum(),
            total: stages.iter().map(|s| s.total).sum(),
            overdue: stages.iter().map(|s| s.overdue).sum(),
            stages,
        }
    }

    /// Whether an item is overdue (its stage is past its deadline, it is required and open).
    pub fn item_overdue(&self, state: &State, si: usize, ii: usize, now: Timestamp) -> bool {
        let (Some(info), Some(stage)) = (self.stages.get(si), state.runbook.stages.get(si)) else {
            return false;
        };
        let Some(item) = stage.items.get(ii) else {
            return false;
        };
        item.required
            && info.deadline.is_some_and(|d| now >= d)
            && !state.is_done(&stage.id, &item.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::reduce::reduce;
    use crate::reduce::tests::{env, started, ts};

    fn tick(stage: &str, item: &str) -> Event {
        Event::ItemTicked {
            stage: stage.into(),
            item: item.into(),
        }
    }

    fn item_index(s: &State, si: usize, id: &str) -> usize {
        s.runbook.stages[si]
            .items
            .iter()
            .position(|i| i.id == id)
            .expect("item")
    }

    #[test]
    fn progress_counts_ticks_per_stage_and_overall() {
        let mut s = started("2026-11-17T15:00:00Z");
        let sum = Summary::new(&s, s.now);
        assert_eq!((sum.done, sum.total), (0, 7));
        reduce(
            &mut s,
            &env(2, "2026-11-17T15:05:00Z", tick("t-7d", "review")),
        );
        let sum = Summary::new(&s, s.now);
        assert_eq!((sum.stages[0].done, sum.stages[0].total), (1, 2));
        assert_eq!((sum.done, sum.total), (1, 7));
        assert_eq!(sum.current, checklist::current_stage(&s, s.now));
    }

    #[test]
    fn required_items_become_overdue_when_the_next_stage_starts() {
        let mut s = started("2026-11-10T00:00:00Z");
        let before = ts("2026-11-23T14:59:59Z");
        let after = ts("2026-11-23T15:00:00Z");
        let (review, perf) = (item_index(&s, 0, "review"), item_index(&s, 0, "perf"));
        assert!(!Summary::new(&s, before).item_overdue(&s, 0, review, before));
        let sum = Summary::new(&s, after);
        assert!(sum.item_overdue(&s, 0, review, after));
        // Optional items are never overdue.
        assert!(!sum.item_overdue(&s, 0, perf, after));
        assert_eq!(sum.stages[0].overdue, 1);
        // Ticking clears it.
        reduce(
            &mut s,
            &env(2, "2026-11-23T15:01:00Z", tick("t-7d", "review")),
        );
        let sum = Summary::new(&s, after);
        assert!(!sum.item_overdue(&s, 0, review, after));
        assert_eq!(
            sum.overdue,
            sum.stages.iter().map(|st| st.overdue).sum::<usize>()
        );
        // The last timed stage gets a grace period; untimed stages are never overdue.
        let monitor = item_index(&s, 4, "monitor");
        let grace_end = ts("2026-11-24T17:00:00Z");
        let just_before = ts("2026-11-24T16:59:59Z");
        assert!(!Summary::new(&s, just_before).item_overdue(&s, 4, monitor, just_before));
        assert!(Summary::new(&s, grace_end).item_overdue(&s, 4, monitor, grace_end));
        let late = ts("2027-01-01T00:00:00Z");
        let switch_back = item_index(&s, 5, "switch-back");
        assert!(!Summary::new(&s, late).item_overdue(&s, 5, switch_back, late));
        assert_eq!(Summary::new(&s, late).stages[5].overdue, 0);
    }
}
