//! What replay and follow show beside the reducer's own work, so nothing in a file is hidden:
//! a line of an event type this version does not know is shown verbatim in the events pane
//! (never applied, never dropped), a line that is not a session-log line at all is shown as
//! unreadable, and a line applied after the chain broke is marked unverified.
//!
//! A live war room never meets these (it writes only what it knows, and refuses to resume a
//! damaged file), so the state it keeps is still the state replay rebuilds from its file.

use jiff::Timestamp;
use serde::Deserialize;

use super::reduce;
use crate::effect::Effect;
use crate::event::Envelope;
use crate::state::{EVENTS_TAIL, LogLine, State};

/// The events pane's kind for a line of an unknown event type.
pub const UNKNOWN_KIND: &str = "Unknown";

/// The events pane's kind for a line that is not a session-log line.
pub const UNREADABLE_KIND: &str = "Unreadable";

/// How a line after the chain broke is marked in the events pane.
pub const UNVERIFIED: &str = "unverified · ";

/// At most this much of an unreadable line is shown (the file keeps it whole).
const SHOWN_BYTES: usize = 2000;

/// Applies an envelope read after the chain broke: the same reducer, and its events-pane line
/// (if it has one) marked unverified.
pub fn reduce_unverified(state: &mut State, env: &Envelope) -> Vec<Effect> {
    let effects = reduce(state, env);
    if let Some(last) = state.log_tail.back_mut()
        && last.seq == env.seq
        && !last.summary.starts_with(UNVERIFIED)
    {
        last.summary.insert_str(0, UNVERIFIED);
    }
    effects
}

/// The few fields of a line that are read to place it, whatever its event.
#[derive(Deserialize)]
struct Lean {
    #[serde(default)]
    seq: Option<u64>,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    actor: Option<LeanActor>,
    #[serde(default)]
    event: Option<LeanEvent>,
}

#[derive(Deserialize)]
struct LeanActor {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct LeanEvent {
    #[serde(rename = "type", default)]
    kind: String,
}

/// Why a known type cannot be applied says so; an unknown type says this.
pub const NOT_KNOWN: &str = "not known to this version, not applied";

/// Shows a line this version does not apply: an event it does not know or cannot read
/// (verbatim, with its type, time and actor, and `why`), or a line that is not a session-log
/// line at all (`line_no` names it). `verified` false marks it as after the damage.
pub fn show_unapplied(state: &mut State, line_no: u64, raw: &[u8], verified: bool, why: &str) {
    let lean: Option<Lean> = serde_json::from_slice(raw).ok();
    let text = String::from_utf8_lossy(raw);
    let mark = if verified { "" } else { UNVERIFIED };
    let (kind, seq, at, actor, summary) = match lean {
        Some(Lean {
            seq,
            at,
            actor,
            event: Some(e),
        }) if !e.kind.is_empty() => (
            UNKNOWN_KIND,
            seq.unwrap_or(0),
            at.and_then(|a| a.parse::<Timestamp>().ok()),
            actor.map(|a| a.name).unwrap_or_default(),
            format!("{mark}{} ({why}), line {line_no}: {text}", e.kind),
        ),
        _ => {
            let mut cut: String = text.chars().take(SHOWN_BYTES).collect();
            if cut.len() < text.len() {
                cut.push('…');
            }
            (
                UNREADABLE_KIND,
                0,
                None,
                String::new(),
                format!("{mark}line {line_no} is not a session-log line: {cut}"),
            )
        }
    };
    if state.log_tail.len() == EVENTS_TAIL {
        state.log_tail.pop_front();
    }
    state.log_tail.push_back(LogLine {
        seq,
        at: at.unwrap_or(state.now),
        actor,
        kind,
        summary,
    });
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::event::{Actor, Event, LOG_VERSION};

    fn env(seq: u64, event: Event) -> Envelope {
        Envelope {
            v: LOG_VERSION,
            seq,
            at: "2026-11-24T15:00:00Z".parse().unwrap(),
            session: "s".into(),
            actor: Actor::default(),
            event,
            prev: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn an_unknown_line_is_shown_verbatim_and_changes_nothing_else() {
        let mut s = State::default();
        let raw = br#"{"v":1,"seq":7,"at":"2026-11-24T15:01:00Z","actor":{"name":"lead"},"event":{"type":"HeadSigned","sig":"x"}}"#;
        show_unapplied(&mut s, 7, raw, true, NOT_KNOWN);
        let l = s.log_tail.back().expect("a line");
        assert_eq!(l.kind, UNKNOWN_KIND);
        assert_eq!((l.seq, l.actor.as_str()), (7, "lead"));
        assert!(
            l.summary.starts_with("HeadSigned (not known"),
            "{}",
            l.summary
        );
        assert!(l.summary.ends_with(std::str::from_utf8(raw).unwrap()));
        assert_eq!(s.last_seq, None, "not applied");
    }

    #[test]
    fn garbage_is_shown_as_unreadable_and_marked_after_damage() {
        let mut s = State::default();
        show_unapplied(&mut s, 12, b"not json at all", false, NOT_KNOWN);
        let l = s.log_tail.back().expect("a line");
        assert_eq!(l.kind, UNREADABLE_KIND);
        assert_eq!(
            l.summary,
            "unverified · line 12 is not a session-log line: not json at all"
        );
    }

    #[test]
    fn lines_after_damage_are_applied_and_marked() {
        let mut s = State::default();
        reduce_unverified(
            &mut s,
            &env(
                3,
                Event::MarkerAdded {
                    note: "after".into(),
                },
            ),
        );
        assert_eq!(s.last_seq, Some(3));
        let l = s.log_tail.back().expect("a line");
        assert!(l.summary.starts_with(UNVERIFIED), "{}", l.summary);
    }
}
