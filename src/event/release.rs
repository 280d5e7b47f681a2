//! Recorded facts about deciding and acting: gates and their evidence, go/no-go, approvals,
//! traffic actions with their intent and verified outcome, auto-rollback and why it fired, the
//! deployment lock, drift, and markers. Wire types: fields are added, never renamed.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::observed::TrafficRow;
use crate::config::warroom::Strategy;

/// A gate the release must pass before go (seed 001's mandatory checks, and more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GateId {
    /// Staging verification passed (a configured HTTP/JSON check).
    StagingVerified,
    /// The release ran in staging for the minimum soak time.
    StagingSoak,
    /// No critical vulnerabilities (a scan report or a configured check).
    Vulnerabilities,
    /// The image is pinned by digest, not a mutable tag, and the running pods match it.
    ImageImmutable,
    /// Inside the deployment window.
    Window,
    /// Not inside a change freeze.
    Freeze,
    /// The stable workload exists and is ready to take traffic back.
    RollbackTarget,
    /// No Prometheus alert is firing.
    NoFiringAlerts,
    /// The SLOs hold now (unknown is not healthy).
    SloHealthy,
    /// Required checklist items are done.
    Checklist,
    /// Required approvals are present for this decision.
    Approvals,
}

impl GateId {
    /// Every gate, in the order the gates pane shows them.
    pub const ALL: [GateId; 11] = [
        GateId::StagingVerified,
        GateId::StagingSoak,
        GateId::Vulnerabilities,
        GateId::ImageImmutable,
        GateId::Window,
        GateId::Freeze,
        GateId::RollbackTarget,
        GateId::NoFiringAlerts,
        GateId::SloHealthy,
        GateId::Checklist,
        GateId::Approvals,
    ];

    /// The wire and config name (`staging-verified`, …).
    pub fn name(self) -> &'static str {
        match self {
            GateId::StagingVerified => "staging-verified",
            GateId::StagingSoak => "staging-soak",
            GateId::Vulnerabilities => "vulnerabilities",
            GateId::ImageImmutable => "image-immutable",
            GateId::Window => "window",
            GateId::Freeze => "freeze",
            GateId::RollbackTarget => "rollback-target",
            GateId::NoFiringAlerts => "no-firing-alerts",
            GateId::SloHealthy => "slo-healthy",
            GateId::Checklist => "checklist",
            GateId::Approvals => "approvals",
        }
    }

    /// What the gate checks, in a few words for the gates pane.
    pub fn label(self) -> &'static str {
        match self {
            GateId::StagingVerified => "staging verified",
            GateId::StagingSoak => "staging soak time",
            GateId::Vulnerabilities => "no critical vulnerabilities",
            GateId::ImageImmutable => "immutable image",
            GateId::Window => "deployment window",
            GateId::Freeze => "no change freeze",
            GateId::RollbackTarget => "rollback target ready",
            GateId::NoFiringAlerts => "no firing alerts",
            GateId::SloHealthy => "SLOs healthy",
            GateId::Checklist => "required checklist items",
            GateId::Approvals => "required approvals",
        }
    }

    /// Finds a gate by its wire name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.name() == name)
    }
}

/// A check's three outcomes (RELIABILITY rule 1): unknown is never a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GateStatus {
    /// Holds.
    Pass,
    /// Does not hold.
    Fail,
    /// Cannot be told (no data, source down, not observed yet).
    Unknown,
    /// Not configured, so not checked.
    NotConfigured,
}

impl GateStatus {
    /// Whether the gate lets the release through.
    pub fn passes(self) -> bool {
        matches!(self, GateStatus::Pass | GateStatus::NotConfigured)
    }
}

/// One gate's evaluation at a moment: status, a one-line why, and the evidence behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    /// Which gate.
    pub gate: GateId,
    /// Its status.
    pub status: GateStatus,
    /// A hard gate blocks go; an advisory one only warns.
    pub hard: bool,
    /// One line saying why, in words ("window Tue–Thu 10:00–14:00 America/New_York closes in
    /// 1h12m").
    pub why: String,
    /// The measurements and values behind the status (free-form JSON, redacted).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub evidence: serde_json::Value,
}

impl GateResult {
    /// Whether this gate blocks go: a hard gate that does not pass.
    pub fn blocks(&self) -> bool {
        self.hard && !self.status.passes()
    }
}

/// What a decision or an approval is about. An approval counts only for the decision it names,
/// so it never carries over to the next step or the next round.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DecisionRef {
    /// `go`, `step` or `rollback`.
    pub kind: DecisionKind,
    /// The release version decided on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// Which go/no-go round of the session (1 for the first decision).
    pub round: u32,
    /// For `step`: the plan step (0-based) the approval lets through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
}

impl std::fmt::Display for DecisionRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let release = self.release.as_deref().unwrap_or("the release");
        match (self.kind, self.step) {
            (DecisionKind::Step, Some(s)) => {
                write!(f, "step {} of {release} (round {})", s + 1, self.round)
            }
            (DecisionKind::Rollback, _) => {
                write!(f, "a rollback of {release} (round {})", self.round)
            }
            _ => write!(f, "the go of {release} (round {})", self.round),
        }
    }
}

/// The kinds of decision an approval can be for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecisionKind {
    /// The go of a release.
    Go,
    /// One traffic step.
    Step,
    /// A manual production rollback (when policy asks for a second approver).
    Rollback,
}

/// A gate overridden at go: the emergency reason and who with override power approved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateOverride {
    /// The emergency reason given.
    pub reason: String,
    /// The approver with override power (operator name).
    pub approver: String,
    /// Their role.
    pub role: String,
    /// The hard gates that failed and were overridden.
    pub gates: Vec<GateId>,
}

/// The stable version's signals captured at go, the baseline the p99 rule compares against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Baseline {
    /// Which version the baseline is (the stable's label value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Stable p99 latency in seconds, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_p99: Option<f64>,
    /// Stable p95 latency in seconds, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_p95: Option<f64>,
    /// Stable error ratio, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_ratio: Option<f64>,
    /// When the samples were evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
}

/// A change to production the war room makes. Recorded in `ActionRequested` before the
/// request is sent; its outcome follows in `ActionOutcome`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    /// Move traffic to the plan's next step.
    Shift {
        /// The plan step (0-based).
        step: usize,
        /// The candidate's share after the change, in percent.
        weight: u32,
        /// The candidate's share before it.
        from: u32,
        /// How traffic is moved.
        strategy: Strategy,
        /// Why the bake was cut short, if it was (an explicit override).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_bake: Option<String>,
    },
    /// Move back one rung of the plan and hold there.
    Back {
        /// The plan step landed on (None: before the first step, 0 %).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<usize>,
        /// The candidate's share after the change.
        weight: u32,
        /// The candidate's share before it.
        from: u32,
        /// How traffic is moved.
        strategy: Strategy,
    },
    /// All traffic back on the stable version in one change.
    Rollback {
        /// Why (the operator's reason, or the auto-rollback rule's summary).
        reason: String,
        /// An incident ticket, if one was given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket: Option<String>,
        /// Also `rollout undo` the candidate workload afterwards.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        undo: bool,
        /// The candidate's share before it.
        from: u32,
        /// How traffic is moved.
        strategy: Strategy,
        /// Set when the war room rolled back by itself: what fired and the measurements.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        auto: Option<Box<AutoTrigger>>,
    },
    /// `kubectl rollout undo` of the candidate Deployment (after a rollback moved traffic).
    Undo {
        /// The Deployment (`name`).
        workload: String,
        /// The rollback action this follows.
        after: String,
    },
}

impl Action {
    /// A short name for refusals and the events pane (`shift`, `back`, `rollback`, `undo`).
    pub fn name(&self) -> &'static str {
        match self {
            Action::Shift { .. } => "shift",
            Action::Back { .. } => "back",
            Action::Rollback { .. } => "rollback",
            Action::Undo { .. } => "undo",
        }
    }

    /// The candidate's share this action sets, when it moves traffic.
    pub fn target_weight(&self) -> Option<u32> {
        match self {
            Action::Shift { weight, .. } | Action::Back { weight, .. } => Some(*weight),
            Action::Rollback { .. } => Some(0),
            Action::Undo { .. } => None,
        }
    }
}

/// How an action ended, as far as the war room can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The change is in place, read back from the API.
    Applied,
    /// Skipped because the target state was already in place (e.g. undo to the same template).
    Skipped,
    /// Refused before anything was sent (preflight: no ready pods, empty selector, lock held…).
    Refused,
    /// Someone changed the object since it was read (409): nothing was changed, ask again.
    Conflict,
    /// The API answered with an error that means nothing was changed (4xx other than 409).
    Failed,
    /// The request timed out or got a 5xx: the outcome is unknown until a read-back shows it.
    Unknown,
}

/// One measurement behind a decision: a signal's value against its threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// The signal (`error_ratio`, `latency_p99`, `restarts`, `ready_pods`…).
    pub signal: String,
    /// The version measured.
    pub version: String,
    /// The value, or None when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The limit it was compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// When it was evaluated.
    pub at: Timestamp,
    /// Why it is unknown, if it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

/// Why the war room acted by itself (or recommends a rollback): the rule, every measurement
/// against its threshold, the window, the count of breaches and how missing data was treated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoTrigger {
    /// `error-ratio`, `p99-vs-baseline`, `crashloop`, `unknown-data`, `recommend-error-ratio`,
    /// `recommend-latency`, `sequential-test`.
    pub rule: String,
    /// One line in words ("candidate error ratio 8.1 % over 5 % for the 5m window").
    pub summary: String,
    /// The measurements the rule looked at.
    pub measurements: Vec<Measurement>,
    /// The rule's window in seconds.
    pub window_s: u64,
    /// Samples in the window that breached the limit.
    pub breaches: u32,
    /// Known samples in the window.
    pub samples: u32,
    /// Unknown samples in the window, and what the policy did with them.
    pub unknown_samples: u32,
    /// `pause` or `rollback`: what unknown data does under the configured policy.
    pub on_unknown: String,
}

/// One check of a rollback's verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyCheck {
    /// What was checked (`traffic-on-stable`, `health-reports-stable`, `errors-recovered`).
    pub name: String,
    /// Whether it held.
    pub ok: bool,
    /// What was seen.
    pub detail: String,
}

/// Where an approval came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalVia {
    /// `warroom approve SESSION` over the control socket on this machine.
    Socket,
    /// A signed approval object delivered through the cluster.
    Cluster,
    /// Typed into this war room (tests and headless pipelines).
    Local,
}

/// What the deployment lock (a Lease in the namespace) looks like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LeaseRow {
    /// The Lease's name.
    pub name: String,
    /// Who holds it (`operator@host session`), if anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// When the holder last renewed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewed: Option<Timestamp>,
    /// How long a renewal keeps it, in seconds.
    pub duration_s: u32,
    /// Whether this war room is the holder.
    #[serde(default)]
    pub ours: bool,
}

/// The traffic the cluster shows differs from what the war room last set, and nobody in this
/// war room changed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    /// The object (`service/app`, `httproute/app`, `deployment/app-green`).
    pub object: String,
    /// What the war room set last.
    pub expected: TrafficRow,
    /// What the cluster shows now.
    pub actual: TrafficRow,
    /// The field manager of the change, from `managedFields`, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
}
