//! Checklist rules derived from the state: stage times (start, deadline), the current stage,
//! and turning an operator's intent into an event. Progress and overdue counts are drawn from
//! these by `ui::Summary`.

use jiff::{SignedDuration, Timestamp};

use crate::event::Event;
use crate::runbook::{Runbook, Stage};
use crate::state::State;

/// How long the last timed stage stays current before its open required items count as overdue
/// (earlier stages are overdue once the next later stage starts).
pub const LAST_STAGE_GRACE: SignedDuration = SignedDuration::from_hours(1);

/// When a stage starts: T-0 plus its offset. `None` for untimed stages or without a T-0.
pub fn stage_start(stage: &Stage, t0: Option<Timestamp>) -> Option<Timestamp> {
    let t0 = t0?;
    let off = stage.offset?;
    t0.checked_add(off.as_duration()).ok()
}

/// When a stage's required items become overdue: the start of the next stage with a later
/// offset, or `LAST_STAGE_GRACE` after the last timed stage starts.
pub fn stage_deadline(runbook: &Runbook, index: usize, t0: Option<Timestamp>) -> Option<Timestamp> {
    let stage = runbook.stages.get(index)?;
    let start = stage_start(stage, t0)?;
    let off = stage.offset?;
    let next = runbook
        .stages
        .iter()
        .filter_map(|s| s.offset)
        .filter(|o| *o > off)
        .min();
    match next {
        Some(n) => t0?.checked_add(n.as_duration()).ok(),
        None => start.checked_add(LAST_STAGE_GRACE).ok(),
    }
}

/// The stage the clock says the team is in: the last timed stage that has started, or the first
/// timed stage before any has. Without a T-0, the first stage with open required items.
pub fn current_stage(state: &State, now: Timestamp) -> Option<usize> {
    let rb = &state.runbook;
    if state.t0.is_some() {
        let mut best: Option<(usize, Timestamp)> = None;
        let mut first_timed = None;
        for (i, s) in rb.stages.iter().enumerate() {
            let Some(start) = stage_start(s, state.t0) else {
                continue;
            };
            first_timed.get_or_insert(i);
            // `>=` keeps the later of two stages with the same offset (T-0 day, then T+0).
            if start <= now && best.is_none_or(|(_, b)| start >= b) {
                best = Some((i, start));
            }
        }
        if let Some((i, _)) = best {
            return Some(i);
        }
        if first_timed.is_some() {
            return first_timed;
        }
    }
    rb.stages
        .iter()
        .position(|s| open_required(state, s) > 0)
        .or(if rb.stages.is_empty() { None } else { Some(0) })
}

fn open_required(state: &State, stage: &Stage) -> usize {
    stage
        .items
        .iter()
        .filter(|i| i.required && !state.is_ticked(&stage.id, &i.id))
        .count()
}

/// The most a note may hold, in bytes of UTF-8: one human event stays small enough that a
/// resumed session never rebuilds slowly because of it.
pub const NOTE_LIMIT: usize = 64 * 1024;

/// An operator's intent on the checklist, before it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// Tick the item, or take the tick back if it is ticked (the `space` key).
    Toggle {
        /// Stage id.
        stage: String,
        /// Item id.
        item: String,
    },
    /// Tick the item; refused if already ticked (the headless `tick` command).
    Tick {
        /// Stage id.
        stage: String,
        /// Item id.
        item: String,
    },
    /// Take a tick back; refused if the item is open (the headless `untick` command).
    Untick {
        /// Stage id.
        stage: String,
        /// Item id.
        item: String,
    },
    /// Add a note.
    Note {
        /// Stage id.
        stage: String,
        /// Item id.
        item: String,
        /// The note text.
        text: String,
    },
}

/// Why an intent was refused; shown to the operator, nothing is recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The stage/item does not exist in the runbook.
    #[error(
        "no item '{stage}/{item}' in this runbook; ids look like STAGE/ITEM, see the item detail pane"
    )]
    UnknownItem {
        /// Stage id given.
        stage: String,
        /// Item id given.
        item: String,
    },
    /// Already ticked.
    #[error("'{stage}/{item}' is already ticked")]
    AlreadyTicked {
        /// Stage id.
        stage: String,
        /// Item id.
        item: String,
    },
    /// Not ticked, so nothing to take back.
    #[error("'{stage}/{item}' is not ticked")]
    NotTicked {
        /// Stage id.
        stage: String,
        /// Item id.
        item: String,
    },
    /// An empty note.
    #[error("a note needs some text")]
    EmptyNote,
    /// A note over `NOTE_LIMIT`.
    #[error(
        "a note holds at most 64 KiB ({NOTE_LIMIT} bytes) and this one has {bytes} bytes; \
         shorten it, or note where the full text lives"
    )]
    NoteTooLarge {
        /// The note's size in bytes.
        bytes: usize,
    },
    /// The session has ended.
    #[error("the session has ended")]
    Ended,
}

/// Checks an intent against the state and turns it into the event to record.
pub fn decide(state: &State, intent: Intent) -> Result<Event, Refusal> {
    if state.ended.is_some() {
        return Err(Refusal::Ended);
    }
    let known = |stage: &str, item: &str| state.runbook.item(stage, item).is_some();
    match intent {
        Intent::Toggle { stage, item }
        | Intent::Tick { stage, item }
        | Intent::Untick { stage, item }
            if !known(&stage, &item) =>
        {
            Err(Refusal::UnknownItem { stage, item })
        }
        Intent::Toggle { stage, item } => Ok(if state.is_ticked(&stage, &item) {
            Event::ItemUnticked { stage, item }
        } else {
            Event::ItemTicked { stage, item }
        }),
        Intent::Tick { stage, item } => {
            if state.is_ticked(&stage, &item) {
                Err(Refusal::AlreadyTicked { stage, item })
            } else {
                Ok(Event::ItemTicked { stage, item })
            }
        }
        Intent::Untick { stage, item } => {
            if state.is_ticked(&stage, &item) {
                Ok(Event::ItemUnticked { stage, item })
            } else {
                Err(Refusal::NotTicked { stage, item })
            }
        }
        Intent::Note { stage, item, .. } if !known(&stage, &item) => {
            Err(Refusal::UnknownItem { stage, item })
        }
        Intent::Note { text, .. } if text.trim().is_empty() => Err(Refusal::EmptyNote),
        Intent::Note { text, .. } if text.len() > NOTE_LIMIT => {
            Err(Refusal::NoteTooLarge { bytes: text.len() })
        }
        Intent::Note { stage, item, text } => Ok(Event::NoteAdded { stage, item, text }),
    }
}
