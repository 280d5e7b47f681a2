//! What an operator (or an approver's tool) asks of the release, before it is decided: the
//! keys `g`, `s`, `b`, `p`, `r`, `a`, `m`, the headless commands, and approvals from the
//! control socket.

use crate::event::{Actor, ApprovalVia, DecisionRef};

/// A release intent, decided against the state by [`super::decide::decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseIntent {
    /// Go. Refused while a hard gate fails, unless `override_reason` is given and an approver
    /// with override power approved this round.
    Go {
        /// Why go (optional).
        reason: String,
        /// The emergency reason for going past failing hard gates.
        override_reason: Option<String>,
    },
    /// No-go, with a reason.
    NoGo {
        /// Why not.
        reason: String,
    },
    /// An approval, from someone other than the operator of this war room.
    Approve(Approval),
    /// The plan's next step (or completing the release after the last step's bake).
    Shift {
        /// Why the bake or an unhealthy signal may be overridden, if it is.
        override_reason: Option<String>,
    },
    /// One rung back, and hold.
    Back {
        /// Why, if given.
        reason: Option<String>,
    },
    /// Hold the shift.
    Pause {
        /// Why, if given.
        reason: Option<String>,
    },
    /// Let the shift go on.
    Resume {
        /// Why, if given.
        reason: Option<String>,
    },
    /// All traffic back on stable.
    Rollback {
        /// Why (required).
        reason: String,
        /// An incident ticket.
        ticket: Option<String>,
        /// Also `rollout undo` the candidate.
        undo: bool,
    },
    /// Arm or disarm auto-rollback.
    Arm {
        /// The new state.
        armed: bool,
        /// Why.
        reason: Option<String>,
    },
    /// A marker with a note.
    Marker {
        /// The note.
        note: String,
    },
    /// Record a status update and, when `post`, post it to the webhook.
    Comms {
        /// Which update.
        kind: crate::comms::CommsKind,
        /// The text as edited; `None` records the draft of the moment.
        text: Option<String>,
        /// Post it to the configured webhook.
        post: bool,
    },
    /// Post a recorded update again after its post failed (the latest update when `None`).
    CommsRetry {
        /// The update's id.
        id: Option<String>,
    },
}

impl ReleaseIntent {
    /// The name refusals are logged under.
    pub fn name(&self) -> &'static str {
        match self {
            ReleaseIntent::Go { .. } => "go",
            ReleaseIntent::NoGo { .. } => "no-go",
            ReleaseIntent::Approve(_) => "approve",
            ReleaseIntent::Shift { .. } => "shift",
            ReleaseIntent::Back { .. } => "back",
            ReleaseIntent::Pause { .. } => "pause",
            ReleaseIntent::Resume { .. } => "resume",
            ReleaseIntent::Rollback { .. } => "rollback",
            ReleaseIntent::Arm { armed: true, .. } => "arm",
            ReleaseIntent::Arm { armed: false, .. } => "disarm",
            ReleaseIntent::Marker { .. } => "marker",
            ReleaseIntent::Comms { .. } => "comms",
            ReleaseIntent::CommsRetry { .. } => "comms retry",
        }
    }
}

/// An approval as it arrives: who (already resolved from the OS user or a signature), for
/// what, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The approver as recorded (name and role from `[operators]`, or the declared name).
    pub approver: Actor,
    /// The OS user behind it, if known.
    pub os_user: Option<String>,
    /// A declared name (`--as`), if any.
    pub declared: Option<String>,
    /// How it arrived.
    pub via: ApprovalVia,
    /// Why.
    pub reason: Option<String>,
    /// The decision the approver meant; `None` means "the one pending now".
    pub decision: Option<DecisionRef>,
    /// The request id the approver's tool sent.
    pub request: Option<String>,
    /// The approval comes from the OS user running this war room (the socket peer's uid is
    /// ours): the same person, whatever name they give, unless they declared one where that
    /// is allowed.
    pub same_os_user: bool,
}
