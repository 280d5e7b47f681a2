//! Deciding and acting on the release: intents (go/no-go, approvals, shift, back, pause,
//! rollback, arm), the rules that accept or refuse them, the gates, and where the traffic plan
//! stands. Everything here is pure: it reads the state and returns events to record.

pub mod command;
pub mod decide;
pub mod gates;
pub mod intent;
pub mod plan;
pub mod preview;
pub mod rules;
pub mod summary;
#[cfg(test)]
pub mod testkit;

pub use decide::{Decided, Refused, decide, pending_decision};
pub use intent::{Approval, ReleaseIntent};
