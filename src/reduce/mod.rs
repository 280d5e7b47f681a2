//! The one pure reducer: `reduce(&mut State, &Envelope) -> Vec<Effect>`.
//!
//! No I/O, no clock: time comes from the envelope (or an explicit clock tick), so live, replay
//! and follow rebuild exactly the same state from the same events.

pub mod checklist;

use jiff::Timestamp;

use crate::effect::Effect;
use crate::event::{Envelope, Event};
use crate::state::{EVENTS_TAIL, ItemKey, LogLine, NoteEntry, Stamp, State};

/// Applies one recorded envelope to the state and returns the effects it asks for.
pub fn reduce(state: &mut State, env: &Envelope) -> Vec<Effect> {
    advance_clock(state, env.at);
    state.last_seq = Some(env.seq);
    state.last_hash = Some(env.hash.clone());
    let mut effects = Vec::new();
    let stamp = || Stamp {
        by: env.actor.clone(),
        at: env.at,
    };
    match &env.event {
        Event::SessionStarted {
            runbook,
            runbook_sha256,
            t0,
            deployment,
            ..
        } => {
            state.session = Some(env.session.clone());
            state.runbook = runbook.clone();
            state.runbook_sha256 = runbook_sha256.clone();
            state.t0 = *t0;
            state.deployment = deployment.clone();
            state.ended = None;
        }
        Event::SessionResumed { .. } => {
            state.ended = None;
        }
        Event::ItemTicked { stage, item } => {
            let p = state.items.entry(ItemKey::new(stage, item)).or_default();
            p.ticked = Some(stamp());
        }
        Event::ItemUnticked { stage, item } => {
            if let Some(p) = state.items.get_mut(&ItemKey::new(stage, item)) {
                p.ticked = None;
            }
        }
        Event::NoteAdded { stage, item, text } => {
            let p = state.items.entry(ItemKey::new(stage, item)).or_default();
            p.notes.push(NoteEntry {
                stamp: stamp(),
                text: text.clone(),
            });
        }
        Event::ConfigWarned { message } => state.warnings.push(message.clone()),
        Event::SessionEnded { reason } => {
            state.ended = Some(reason.clone());
            effects.push(Effect::Shutdown);
        }
    }
    push_log_line(state, env);
    effects
}

/// Moves the reducer's notion of "now" forward (never back: the log is ordered by `seq`, and a
/// wall clock that steps backwards must not make finished stages current again).
pub fn advance_clock(state: &mut State, at: Timestamp) {
    if at > state.now {
        state.now = at;
    }
}

fn push_log_line(state: &mut State, env: &Envelope) {
    if state.log_tail.len() == EVENTS_TAIL {
        state.log_tail.pop_front();
    }
    state.log_tail.push_back(LogLine {
        seq: env.seq,
        at: env.at,
        actor: env.actor.name.clone(),
        kind: env.event.kind(),
        summary: summarize(state, &env.event),
    });
}

/// A one-line description of an event for the events pane.
pub fn summarize(state: &State, event: &Event) -> String {
    let item_text = |stage: &str, item: &str| {
        state
            .runbook
            .item(stage, item)
            .map(|i| i.text.clone())
            .unwrap_or_else(|| format!("{stage}/{item}"))
    };
    match event {
        Event::SessionStarted { runbook, .. } => format!(
            "session started: {} ({} stages, {} items)",
            runbook.title,
            runbook.stages.len(),
            runbook.item_count()
        ),
        Event::SessionResumed {
            previous_clean_close,
            torn_bytes,
            ..
        } => {
            let mut s = String::from("session resumed");
            if !previous_clean_close {
                s.push_str(" after an unclean end");
            }
            if *torn_bytes > 0 {
                s.push_str(&format!(" ({torn_bytes} torn bytes moved aside)"));
            }
            s
        }
        Event::ItemTicked { stage, item } => format!("ticked {}", item_text(stage, item)),
        Event::ItemUnticked { stage, item } => format!("unticked {}", item_text(stage, item)),
        Event::NoteAdded { stage, item, text } => {
            format!("note on {}: {}", item_text(stage, item), first_line(text))
        }
        Event::ConfigWarned { message } => format!("warning: {message}"),
        Event::SessionEnded { reason } => format!("session ended ({reason})"),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

#[cfg(test)]
pub(crate) mod tests;
