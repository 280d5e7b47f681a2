//! The canary verdict's part of the state: the counters last recorded per version and the
//! current bake window's evidence. Written only by `reduce::verdict` from `CountsObserved`
//! events, so replaying the log rebuilds the same verdict the lead saw.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::event::CounterRow;
use crate::verdict::monitor::Monitor;

/// Which bake window the evidence belongs to: a go round and the step's start (the time its
/// traffic change was read back). A new go, a new step or a step back starts a new window; a
/// rollback does not (its window is the reason for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct WindowKey {
    /// The round of the last go, if the release went.
    pub round: Option<u32>,
    /// When the plan's current position was read back.
    pub since: Option<Timestamp>,
}

/// The verdict of the current window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The window.
    pub window: WindowKey,
    /// The candidate's traffic share (percent) the war room set for this window.
    pub weight: u32,
    /// The first poll counted in this window.
    pub first_poll: Option<Timestamp>,
    /// The latest poll counted.
    pub last_poll: Option<Timestamp>,
    /// Each version's counters as last recorded (kept across windows: the next poll's
    /// increase starts from them).
    pub last: BTreeMap<String, CounterRow>,
    /// Whether any counters were recorded in this session (without them: no verdict, and the
    /// screen says what is missing).
    pub counted: bool,
    /// The evidence, reset at each window.
    pub monitor: Monitor,
}

impl Default for Verdict {
    fn default() -> Self {
        Self {
            window: WindowKey::default(),
            weight: 0,
            first_poll: None,
            last_poll: None,
            last: BTreeMap::new(),
            counted: false,
            monitor: Monitor::new(crate::verdict::SequentialConfig::default().alpha),
        }
    }
}
