//! Applying one line of a file to the state, the one way replay and follow both do it: a line
//! the chain vouches for goes through the reducer; one this version cannot read is shown
//! verbatim; one after the damage is applied (or shown) marked unverified.
//!
//! Every effect the reducer returns is dropped here, by design: nothing a replayed or followed
//! line asks for (start sources, run an action, record a decision) can reach production.

use jiff::Timestamp;

use super::index::Class;
use crate::event::{Actor, Envelope, Event};
use crate::reduce::reduce;
use crate::reduce::review::{NOT_KNOWN, reduce_unverified, show_unapplied};
use crate::session::schema::Decoded;
use crate::session::stream::{Unverified, decode_verified, read_unverified};
use crate::state::State;

/// Where a line goes on the timeline, and what it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// Its `at`, when it has one.
    pub at: Option<Timestamp>,
    /// Its class in the index.
    pub class: Class,
    /// Who opened the session here, for a `SessionStarted` or `SessionResumed` line.
    pub opener: Option<Actor>,
}

/// Applies a line that verified, given what the check decoded (`None`: a type this version
/// does not know or cannot read).
pub fn verified(
    state: &mut State,
    line_no: u64,
    bytes: &[u8],
    envelope: Option<&Envelope>,
) -> Placed {
    match envelope {
        Some(env) => envelope_line(state, env, true),
        None => {
            let why = match decode_verified(bytes) {
                Decoded::Unreadable(e) => format!("cannot be read by this version: {e}"),
                _ => NOT_KNOWN.to_string(),
            };
            unapplied(state, line_no, bytes, true, &why)
        }
    }
}

/// Applies a line read after the chain broke.
pub fn unverified(state: &mut State, line_no: u64, bytes: &[u8]) -> Placed {
    unverified_read(state, line_no, read_unverified(bytes), bytes)
}

/// Applies a line read after the chain broke, given what `read_unverified` made of it.
pub fn unverified_read(state: &mut State, line_no: u64, read: Unverified, bytes: &[u8]) -> Placed {
    match read {
        Unverified::Envelope(env) => envelope_line(state, &env, false),
        Unverified::Unknown { .. } | Unverified::Garbage => {
            unapplied(state, line_no, bytes, false, NOT_KNOWN)
        }
    }
}

/// Applies a line read again from the file (a seek), exactly as the first pass did.
pub fn again(state: &mut State, line_no: u64, bytes: &[u8], was_verified: bool) -> Placed {
    if !was_verified {
        return unverified(state, line_no, bytes);
    }
    match decode_verified(bytes) {
        Decoded::Exact(env) | Decoded::Lenient(env, _) => envelope_line(state, &env, true),
        Decoded::Unknown | Decoded::Unreadable(_) => verified(state, line_no, bytes, None),
    }
}

fn envelope_line(state: &mut State, env: &Envelope, verified: bool) -> Placed {
    // Dropped: replay and follow run no effects.
    let _effects = if verified {
        reduce(state, env)
    } else {
        reduce_unverified(state, env)
    };
    let opener = matches!(
        env.event,
        Event::SessionStarted { .. } | Event::SessionResumed { .. }
    )
    .then(|| env.actor.clone());
    Placed {
        at: Some(env.at),
        class: Class::of(env, verified),
        opener,
    }
}

fn unapplied(state: &mut State, line_no: u64, bytes: &[u8], verified: bool, why: &str) -> Placed {
    show_unapplied(state, line_no, bytes, verified, why);
    // Its own `at` when it has one, else the state's clock (the index never goes back).
    let at = state.log_tail.back().map(|l| l.at);
    // A reviewer wants to see what this version could not read: skip idle stops at it.
    Placed {
        at,
        class: Class::new(None, true, verified),
        opener: None,
    }
}
