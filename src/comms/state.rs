//! What the state keeps of status updates: every update recorded, its text (so a failed post
//! can be sent again with the same words), and how its post went. Rebuilt from the log only.

use jiff::Timestamp;
use serde::Serialize;

use super::CommsKind;

/// How an update's post to the webhook stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Post {
    /// Recorded only: no post was asked for (no webhook configured, or the operator sends it
    /// another way). It counts as sent for the reminder.
    NotAsked,
    /// Posting: attempt `attempt` has no answer yet.
    Posting {
        /// The attempt waiting for its answer (1 for the first).
        attempt: u32,
    },
    /// The webhook took it.
    Posted {
        /// The attempt that worked.
        attempt: u32,
        /// When the answer was recorded.
        at: Timestamp,
        /// What the webhook said.
        detail: String,
    },
    /// The post failed (or its answer was never recorded); the text is kept for a retry.
    Failed {
        /// The attempt that failed.
        attempt: u32,
        /// When the failure was recorded.
        at: Timestamp,
        /// Why, in words (never the URL).
        detail: String,
    },
}

/// One recorded update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Update {
    /// Its id (`c1`, `c2`, …).
    pub id: String,
    /// Which template it came from.
    pub kind: CommsKind,
    /// The text as recorded (redacted).
    pub text: String,
    /// Who recorded it.
    pub by: String,
    /// When.
    pub at: Timestamp,
    /// The log line that recorded it.
    pub seq: u64,
    /// How its post stands.
    pub post: Post,
}

impl Update {
    /// Whether the update went out: posted, or recorded without a post.
    pub fn went_out(&self) -> bool {
        matches!(self.post, Post::NotAsked | Post::Posted { .. })
    }

    /// Whether its post failed (and may be retried).
    pub fn failed(&self) -> bool {
        matches!(self.post, Post::Failed { .. })
    }
}

/// Every update of the session, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct CommsState {
    /// The updates.
    pub updates: Vec<Update>,
    /// When the release was recorded complete (for the complete update's time and duration).
    pub completed_at: Option<Timestamp>,
}

impl CommsState {
    /// The id the next update gets.
    pub fn next_id(&self) -> String {
        format!("c{}", self.updates.len() + 1)
    }

    /// An update by id.
    pub fn get(&self, id: &str) -> Option<&Update> {
        self.updates.iter().find(|u| u.id == id)
    }

    /// The latest update that went out, if any.
    pub fn last_out(&self) -> Option<&Update> {
        self.updates.iter().rev().find(|u| u.went_out())
    }

    /// The latest update, when its post failed: what `retry` posts again.
    pub fn failed(&self) -> Option<&Update> {
        self.updates.last().filter(|u| u.failed())
    }

    /// Whether a post is waiting for the webhook's answer.
    pub fn posting(&self) -> bool {
        self.updates
            .iter()
            .any(|u| matches!(u.post, Post::Posting { .. }))
    }
}
