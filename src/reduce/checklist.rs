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
        .filter(|i| i.required && !state.is_done(&stage.id, &i.id))
        .count()
}

/// The most a note may hold, in bytes of UTF-8: one human event stays small enough that a
/// resumed session never rebuilds slowly because of it.
pub const NOTE_LIMIT: usize = 64 * 1024;

/// An operator's intent on the checklist, before it is recorded.
///
/// `stage` may be empty: the item is then named by its id alone and [`decide`] finds the one
/// stage that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// Tick the item, or take the tick back if it is ticked (the `space` key).
    Toggle {
        /// Stage id (empty: find it from the item id).
        stage: String,
        /// Item id.
        item: String,
    },
    /// Tick the item; refused if already ticked (the headless `tick` command).
    Tick {
        /// Stage id (empty: find it from the item id).
        stage: String,
        /// Item id.
        item: String,
    },
    /// Take a tick back; refused if the item is open (the headless `untick` command).
    Untick {
        /// Stage id (empty: find it from the item id).
        stage: String,
        /// Item id.
        item: String,
    },
    /// Trust the item's check: accept a proposed check, or allow a command check's argv (the
    /// `T` key, the headless `trust` command).
    Trust {
        /// Stage id (empty: find it from the item id).
        stage: String,
        /// Item id.
        item: String,
    },
    /// Add a note.
    Note {
        /// Stage id (empty: find it from the item id).
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
    #[error("no item '{}' in this runbook; {hint}", target(stage, item))]
    UnknownItem {
        /// Stage id given (empty if only the item id was).
        stage: String,
        /// Item id given.
        item: String,
        /// Close ids, or how items are named.
        hint: String,
    },
    /// An item id alone that more than one stage uses.
    #[error(
        "item '{item}' is in {} stages ({}); name it as STAGE/ITEM, e.g. {}/{item}",
        stages.len(),
        stages.join(", "),
        stages.first().map_or("", String::as_str)
    )]
    AmbiguousItem {
        /// Item id given.
        item: String,
        /// The stages that have it, in runbook order.
        stages: Vec<String>,
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
    /// A check cannot be trusted (none, already trusted, commands without --trust-runbook).
    #[error("{reason}")]
    Check {
        /// Why.
        reason: String,
    },
}

/// How a target was written: `ITEM` or `STAGE/ITEM`.
fn target(stage: &str, item: &str) -> String {
    if stage.is_empty() {
        item.to_string()
    } else {
        format!("{stage}/{item}")
    }
}

/// The stage of the item an intent names: `stage` itself when it holds `item`; with `stage`
/// empty, the one stage that has an item `item`. Refused (with close ids) otherwise.
pub fn resolve(runbook: &Runbook, stage: &str, item: &str) -> Result<String, Refusal> {
    if !stage.is_empty() {
        if runbook.item(stage, item).is_some() {
            return Ok(stage.to_string());
        }
    } else {
        let holders: Vec<&str> = runbook
            .stages
            .iter()
            .filter(|s| s.items.iter().any(|i| i.id == item))
            .map(|s| s.id.as_str())
            .collect();
        match holders.as_slice() {
            [one] => return Ok((*one).to_string()),
            [] => {}
            many => {
                return Err(Refusal::AmbiguousItem {
                    item: item.to_string(),
                    stages: many.iter().map(|s| (*s).to_string()).collect(),
                });
            }
        }
    }
    Err(Refusal::UnknownItem {
        stage: stage.to_string(),
        item: item.to_string(),
        hint: suggest(runbook, stage, item),
    })
}

/// "did you mean …" with up to three close names, or how items are named.
fn suggest(runbook: &Runbook, stage: &str, item: &str) -> String {
    // How many stages use each item id: a unique id is suggested alone, others with a stage.
    let mut uses: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for s in &runbook.stages {
        for i in &s.items {
            *uses.entry(i.id.as_str()).or_default() += 1;
        }
    }
    let mut close: Vec<(usize, String)> = Vec::new();
    for s in &runbook.stages {
        for i in &s.items {
            let d = distance(&i.id, item);
            // A wrong stage with the right item id shows as distance 0 under its real stage.
            let near = d <= (item.chars().count() / 3).max(2)
                || (item.len() >= 3 && i.id.contains(item))
                || (i.id.len() >= 3 && item.contains(i.id.as_str()));
            if near {
                // Written as it was asked for: an id alone stays alone where that is unique.
                let name = if stage.is_empty() && uses.get(i.id.as_str()) == Some(&1) {
                    i.id.clone()
                } else {
                    format!("{}/{}", s.id, i.id)
                };
                close.push((d, name));
            }
        }
    }
    close.sort();
    close.dedup_by(|a, b| a.1 == b.1);
    if close.is_empty() {
        return "name an item by its id (e.g. backup-verified) or as STAGE/ITEM; ids are shown in the item detail pane".to_string();
    }
    let names: Vec<String> = close
        .into_iter()
        .take(3)
        .map(|(_, n)| format!("'{n}'"))
        .collect();
    format!("did you mean {}?", names.join(" or "))
}

/// Levenshtein distance between two ids (short strings; only used to word a refusal).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != *cb)).min(up + 1).min(row[j] + 1);
            diag = up;
        }
    }
    row[b.len()]
}

/// Checks an intent against the state and turns it into the event to record. An item named
/// by its id alone is recorded with the stage that holds it.
pub fn decide(state: &State, intent: Intent) -> Result<Event, Refusal> {
    if state.ended.is_some() {
        return Err(Refusal::Ended);
    }
    let rb = &state.runbook;
    match intent {
        Intent::Toggle { stage, item } => {
            let stage = resolve(rb, &stage, &item)?;
            Ok(if state.is_ticked(&stage, &item) {
                Event::ItemUnticked { stage, item }
            } else {
                Event::ItemTicked { stage, item }
            })
        }
        Intent::Tick { stage, item } => {
            let stage = resolve(rb, &stage, &item)?;
            if state.is_ticked(&stage, &item) {
                Err(Refusal::AlreadyTicked { stage, item })
            } else {
                Ok(Event::ItemTicked { stage, item })
            }
        }
        Intent::Untick { stage, item } => {
            let stage = resolve(rb, &stage, &item)?;
            if state.is_ticked(&stage, &item) {
                Ok(Event::ItemUnticked { stage, item })
            } else {
                Err(Refusal::NotTicked { stage, item })
            }
        }
        Intent::Trust { stage, item } => super::checks::decide_trust(state, &stage, &item),
        Intent::Note { stage, item, text } => {
            let stage = resolve(rb, &stage, &item)?;
            if text.trim().is_empty() {
                return Err(Refusal::EmptyNote);
            }
            if text.len() > NOTE_LIMIT {
                return Err(Refusal::NoteTooLarge { bytes: text.len() });
            }
            Ok(Event::NoteAdded { stage, item, text })
        }
    }
}
