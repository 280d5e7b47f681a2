//! When the screen should remind the lead of comms: a progress update is due `progress_every`
//! after the last update that went out (or after the go, when none went out since), while a
//! shift is under way; and the latest update's post failed.

use jiff::{SignedDuration, Timestamp};

use crate::config::warroom::WarroomConfig;
use crate::state::State;
use crate::state::release::Phase;

/// What the header says about comms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reminder {
    /// The latest update's post failed: `c` then retry sends the same text.
    Failed {
        /// The update.
        id: String,
    },
    /// A progress update is due, since this time.
    Due {
        /// When it fell due.
        since: Timestamp,
    },
}

/// When the next progress update is due, during a shift (`None` otherwise).
pub fn next_due(state: &State, cfg: &WarroomConfig) -> Option<Timestamp> {
    let r = &state.release;
    if r.phase != Phase::Shifting || r.rollback.is_some() {
        return None;
    }
    let go = r.decisions.iter().rev().find(|d| d.go)?.at;
    let last = state.comms.last_out().map(|u| u.at).filter(|at| *at > go);
    let every = SignedDuration::try_from(cfg.comms.progress_every.0).ok()?;
    last.unwrap_or(go).checked_add(every).ok()
}

/// The reminder to show at `now`, if any: a failed post first (its text waits), else a due
/// progress update.
pub fn reminder(state: &State, cfg: &WarroomConfig, now: Timestamp) -> Option<Reminder> {
    if let Some(u) = state.comms.failed() {
        return Some(Reminder::Failed { id: u.id.clone() });
    }
    let due = next_due(state, cfg)?;
    (now >= due).then_some(Reminder::Due { since: due })
}
