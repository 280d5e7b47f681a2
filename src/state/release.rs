//! The release part of the state: decisions, approvals, where the traffic plan stands, actions
//! in flight and their outcomes, auto-rollback, the lock and drift. Rebuilt from recorded
//! events only, so replay shows exactly what the lead saw.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::event::{
    Action, ApprovalVia, AutoTrigger, Baseline, DecisionRef, Drift, GateId, GateOverride,
    GateResult, LeaseRow, Outcome, TrafficRow, VerifyCheck,
};

/// Where the release stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Before any go: checklist and gates.
    #[default]
    Preparing,
    /// Go was decided; traffic may move through the plan.
    Shifting,
    /// No-go was decided (a later round may still go).
    NoGo,
    /// The last step is in place and its bake passed.
    Completed,
    /// Traffic went back to the stable version.
    RolledBack,
}

impl Phase {
    /// How the phase reads on screen.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Preparing => "preparing",
            Phase::Shifting => "shifting",
            Phase::NoGo => "no-go",
            Phase::Completed => "completed",
            Phase::RolledBack => "rolled back",
        }
    }
}

/// A recorded go/no-go decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionRecord {
    /// Go or no-go.
    pub go: bool,
    /// What was decided.
    pub decision: DecisionRef,
    /// Who decided (operator name) and their role.
    pub by: String,
    /// Their role.
    pub role: String,
    /// When.
    pub at: Timestamp,
    /// Their reason.
    pub reason: String,
    /// Every gate at that moment.
    pub gates: Vec<GateResult>,
    /// Failing hard gates overridden, if any.
    pub overridden: Option<GateOverride>,
    /// The log line that recorded it.
    pub seq: u64,
}

/// A recorded approval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalRecord {
    /// The approver (operator name; the declared name when one was declared).
    pub by: String,
    /// Their role.
    pub role: String,
    /// The OS user behind it, if known.
    pub os_user: Option<String>,
    /// The declared name, if one was declared.
    pub declared: Option<String>,
    /// The decision it is for.
    pub decision: DecisionRef,
    /// Their reason.
    pub reason: Option<String>,
    /// How it arrived.
    pub via: ApprovalVia,
    /// When.
    pub at: Timestamp,
    /// The log line that recorded it.
    pub seq: u64,
}

/// One action: its intent and, once known, its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRecord {
    /// The action's id.
    pub id: String,
    /// What it changes.
    pub action: Action,
    /// Who asked for it (operator name; the war room's operator for automatic ones).
    pub by: String,
    /// When the intent was recorded.
    pub requested_at: Timestamp,
    /// The latest outcome (None while in flight).
    pub outcome: Option<Outcome>,
    /// The outcome's detail.
    pub detail: String,
    /// When the latest outcome was recorded.
    pub finished_at: Option<Timestamp>,
    /// Traffic before and after, as the executor read them.
    pub before: Option<TrafficRow>,
    /// See `before`.
    pub after: Option<TrafficRow>,
    /// Who changed the object in a conflict, if known.
    pub changed_by: Option<String>,
    /// How many `unknown` outcomes were recorded: the first waits for its read-back, a second
    /// (the read-back failed too) settles the action as unknown, so it never blocks the next
    /// change for good.
    pub unknowns: u32,
}

impl ActionRecord {
    /// Still waiting for a definite outcome: none yet, or unknown with its read-back to come.
    pub fn in_flight(&self) -> bool {
        match self.outcome {
            None => true,
            Some(Outcome::Unknown) => self.unknowns < 2,
            Some(_) => false,
        }
    }
}

/// The war room paused the shift or an operator did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pause {
    /// Why.
    pub reason: String,
    /// Paused by the war room (unknown data) rather than an operator.
    pub auto: bool,
    /// Since when.
    pub since: Timestamp,
}

/// How a rollback is going: traffic moved, then the checks that it worked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollbackProgress {
    /// The rollback action.
    pub id: String,
    /// When it was requested.
    pub requested_at: Timestamp,
    /// When the traffic change was read back as applied.
    pub traffic_at: Option<Timestamp>,
    /// The verification, once recorded.
    pub verified: Option<(bool, Vec<VerifyCheck>)>,
    /// A verification was asked for and not yet recorded (guards against asking twice).
    pub verifying: bool,
}

/// Auto-rollback's state: armed or not, what it is evaluating, and what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct AutoState {
    /// Armed: a breach rolls back with no key press.
    pub armed: bool,
    /// The rule that fired, once it fired (the why panel).
    pub fired: Option<AutoTrigger>,
    /// A planned rollback is recommended (the softer criterion holds).
    pub recommended: Option<AutoTrigger>,
    /// An automatic event was asked for and not yet recorded (so it is asked once).
    pub pending: bool,
    /// The latest evaluation of each rule (for the why panel while nothing fired).
    pub last: Vec<AutoTrigger>,
}

/// The traffic plan's position as the war room last set and verified it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct PlanPosition {
    /// The step reached (0-based), None before the first step.
    pub step: Option<usize>,
    /// The candidate's share the war room set last, in percent.
    pub weight: u32,
    /// When that step's change was read back (its bake started then).
    pub since: Option<Timestamp>,
    /// The traffic as read back after the last change (what drift is compared against).
    pub expected: Option<TrafficRow>,
    /// When traffic first reached the candidate in this round (auto-rollback windows start
    /// there: before it the candidate served nothing).
    pub started: Option<Timestamp>,
}

/// Everything about deciding and acting.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Release {
    /// Where the release stands.
    pub phase: Phase,
    /// Go/no-go decisions, oldest first.
    pub decisions: Vec<DecisionRecord>,
    /// Approvals, oldest first (each for one decision).
    pub approvals: Vec<ApprovalRecord>,
    /// Refused attempts: (who, what, why, when), newest last.
    pub refusals: Vec<Refused>,
    /// Where the plan stands.
    pub plan: PlanPosition,
    /// A pause, if paused.
    pub paused: Option<Pause>,
    /// Actions by id.
    pub actions: BTreeMap<String, ActionRecord>,
    /// Action ids in the order they were requested.
    pub order: Vec<String>,
    /// The baseline captured at go.
    pub baseline: Option<Baseline>,
    /// Auto-rollback.
    pub auto: AutoState,
    /// A rollback under way or done.
    pub rollback: Option<RollbackProgress>,
    /// The deployment lock as last observed.
    pub lease: Option<LeaseRow>,
    /// Drift seen since the last change, if any.
    pub drift: Option<Drift>,
    /// Results of gates that need I/O, as last observed.
    pub observed_gates: BTreeMap<GateId, (GateResult, Timestamp)>,
    /// Markers: (when, who, note).
    pub markers: Vec<Marker>,
    /// Each pod's restart count at go (crash loops count restarts since then).
    pub restarts_at_go: BTreeMap<String, u32>,
    /// A drift event was asked for and not yet recorded.
    pub drift_pending: bool,
}

/// A refused attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    /// Who tried.
    pub by: String,
    /// What.
    pub action: String,
    /// Why it was refused.
    pub reason: String,
    /// When.
    pub at: Timestamp,
}

/// A marker dropped by an operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Marker {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub by: String,
    /// The note.
    pub note: String,
    /// The log line.
    pub seq: u64,
}

impl Release {
    /// The go/no-go round the next decision belongs to (1 for the first).
    pub fn next_round(&self) -> u32 {
        u32::try_from(self.decisions.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1)
    }

    /// The round of the last go, if the release went.
    pub fn go_round(&self) -> Option<u32> {
        self.decisions
            .iter()
            .rev()
            .find(|d| d.go)
            .map(|d| d.decision.round)
    }

    /// The last decision, if any.
    pub fn last_decision(&self) -> Option<&DecisionRecord> {
        self.decisions.last()
    }

    /// The action in flight, if any (one at a time).
    pub fn in_flight(&self) -> Option<&ActionRecord> {
        self.order
            .iter()
            .rev()
            .filter_map(|id| self.actions.get(id))
            .find(|a| a.in_flight())
    }

    /// Approvals that count for `decision`.
    pub fn approvals_for<'a>(
        &'a self,
        decision: &'a DecisionRef,
    ) -> impl Iterator<Item = &'a ApprovalRecord> + 'a {
        self.approvals
            .iter()
            .filter(move |a| &a.decision == decision)
    }

    /// The latest action, if any.
    pub fn last_action(&self) -> Option<&ActionRecord> {
        self.order.last().and_then(|id| self.actions.get(id))
    }
}
