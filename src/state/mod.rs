//! The war room's state: plain data, written only by `reduce`.

pub mod checks;
pub mod live;
pub mod release;
pub mod verdict;

use std::collections::{BTreeMap, VecDeque};

use jiff::Timestamp;
use serde::Serialize;

use crate::config::warroom::WarroomConfig;
use crate::event::Actor;
use crate::runbook::Runbook;

/// How many log lines the events pane keeps.
pub const EVENTS_TAIL: usize = 500;

/// Everything the screen shows, rebuilt from the session log's events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct State {
    /// Session id, once `SessionStarted` was seen.
    pub session: Option<String>,
    /// The runbook as recorded at session start.
    pub runbook: Runbook,
    /// Digest of the original runbook file.
    pub runbook_sha256: String,
    /// T-0 of the release, if set.
    pub t0: Option<Timestamp>,
    /// Deployment name, if a config gave one.
    pub deployment: Option<String>,
    /// The latest time known to the reducer: the newest envelope's `at` or clock tick.
    pub now: Timestamp,
    /// Per-item progress, keyed by (stage id, item id).
    pub items: BTreeMap<ItemKey, ItemProgress>,
    /// Tail of the session log for the events pane, newest last.
    pub log_tail: VecDeque<LogLine>,
    /// Sequence number of the last applied envelope.
    pub last_seq: Option<u64>,
    /// Hash of the last applied envelope.
    pub last_hash: Option<String>,
    /// Set once the session ended, with the reason.
    pub ended: Option<String>,
    /// Configuration warnings recorded during the session.
    pub warnings: Vec<String>,
    /// What live sources observed.
    pub live: live::Live,
    /// The war-room config recorded at session start, if one was used.
    pub config: Option<Box<WarroomConfig>>,
    /// Decisions, approvals and actions.
    pub release: release::Release,
    /// The canary verdict of the current bake window.
    pub verdict: verdict::Verdict,
    /// Status updates and how their posts went.
    pub comms: crate::comms::CommsState,
    /// What the checklist's checks showed.
    pub checks: checks::Checks,
}

impl Default for State {
    fn default() -> Self {
        Self {
            session: None,
            runbook: Runbook::default(),
            runbook_sha256: String::new(),
            t0: None,
            deployment: None,
            now: Timestamp::UNIX_EPOCH,
            items: BTreeMap::new(),
            log_tail: VecDeque::new(),
            last_seq: None,
            last_hash: None,
            ended: None,
            warnings: Vec::new(),
            live: live::Live::default(),
            config: None,
            release: release::Release::default(),
            verdict: verdict::Verdict::default(),
            comms: crate::comms::CommsState::default(),
            checks: checks::Checks::default(),
        }
    }
}

/// Identifies an item: (stage id, item id).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ItemKey {
    /// Stage id.
    pub stage: String,
    /// Item id.
    pub item: String,
}

impl ItemKey {
    /// Builds a key.
    pub fn new(stage: impl Into<String>, item: impl Into<String>) -> Self {
        Self {
            stage: stage.into(),
            item: item.into(),
        }
    }
}

/// What happened to one item.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ItemProgress {
    /// Who ticked it and when; `None` while open.
    pub ticked: Option<Stamp>,
    /// Notes, oldest first.
    pub notes: Vec<NoteEntry>,
}

/// Who did something and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stamp {
    /// The operator.
    pub by: Actor,
    /// When it was recorded.
    pub at: Timestamp,
}

/// A note on an item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoteEntry {
    /// Who wrote it and when.
    pub stamp: Stamp,
    /// The text (already redacted).
    pub text: String,
}

/// One line of the events pane.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogLine {
    /// Sequence number in the log.
    pub seq: u64,
    /// When it was written.
    pub at: Timestamp,
    /// Operator name.
    pub actor: String,
    /// Event type.
    pub kind: &'static str,
    /// One-line summary.
    pub summary: String,
}

impl State {
    /// Progress of an item (default: open, no notes).
    pub fn progress(&self, stage: &str, item: &str) -> Option<&ItemProgress> {
        self.items.get(&ItemKey::new(stage, item))
    }

    /// Whether the item is ticked.
    pub fn is_ticked(&self, stage: &str, item: &str) -> bool {
        self.progress(stage, item)
            .is_some_and(|p| p.ticked.is_some())
    }

    /// Whether the item is done: ticked by someone, or proven by a recorded pass of its check.
    pub fn is_done(&self, stage: &str, item: &str) -> bool {
        self.is_ticked(stage, item) || self.checks.is_proven(stage, item)
    }
}
