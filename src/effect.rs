//! Effects: what `reduce` asks the runtime to do. Live runs them; replay and follow drop them,
//! so they can never start a source, record anything, or touch production.

use crate::config::warroom::WarroomConfig;
use crate::event::{Action, Event};

/// Something to run outside the reducer.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start the live sources the recorded config names (once per run).
    StartSources(Box<WarroomConfig>),
    /// The session ended: stop sources and leave the loop once the log is flushed.
    Shutdown,
    /// Record this event, decided by the war room itself (an auto-rollback, a pause on unknown
    /// data, a rollback's verification). Replay drops it: the log already holds the event.
    Record(Box<Event>),
    /// Send this change to production. Its intent (`ActionRequested`) is already durable.
    Execute(Box<ActionSpec>),
    /// Post a status update to the webhook. Its record is already durable.
    Post(Box<PostSpec>),
}

/// An action to execute, with everything the executor needs to tag and check it.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionSpec {
    /// The action's id (the `ActionRequested` event's).
    pub id: String,
    /// What to change.
    pub action: Action,
    /// The session id, written on the object so the cluster's audit log points back here.
    pub session: String,
    /// The sequence number of the `ActionRequested` line, written on the object too.
    pub seq: u64,
    /// Who asked (operator name), for the lock's holder identity.
    pub operator: String,
    /// The recorded config: strategy, objects, versions, plan.
    pub config: Box<WarroomConfig>,
}

/// A status update to post to the webhook. Its record (`CommsDrafted`, or `CommsRetried` for a
/// second try) is already durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostSpec {
    /// The update's id.
    pub id: String,
    /// Which attempt this is (1 for the first), so a late answer cannot settle a later try.
    pub attempt: u32,
    /// The text as recorded.
    pub text: String,
    /// The environment variable that holds the webhook's URL (the URL itself never travels
    /// through effects, events or logs).
    pub url_env: String,
    /// How long the post may take before it counts as failed.
    pub timeout: std::time::Duration,
}
