//! The post-mortem report as data: what `--format json` prints (documented in docs/report.md,
//! checked against docs/report.schema.json) and what the Markdown and HTML views draw.
//! Times are RFC 3339 UTC strings, durations seconds, ratios fractions (0.05 = 5 %).
//! Fields are added, never renamed; `report_version` changes if a meaning ever does.

use serde::Serialize;

mod sections;

/// The version of this structure, in every report's `report_version`.
pub const REPORT_VERSION: u32 = 1;

/// One session's post-mortem report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `session-report`.
    pub kind: &'static str,
    /// [`REPORT_VERSION`].
    pub report_version: u32,
    /// The warroom version that wrote the report.
    pub generator: String,
    /// The session file as given.
    pub file: String,
    /// What the session was.
    pub session: SessionInfo,
    /// Release, outcome, duration, who led.
    pub summary: Summary,
    /// Error budget spent and the worst signals per version.
    pub impact: Impact,
    /// Every decision, approval, shift, rollback, alert, refusal and marker, in order.
    pub timeline: Vec<Entry>,
    /// What crossed which threshold, and how long until the rollback.
    pub detection: Detection,
    /// Each rollback: its outcome and verification.
    pub resolution: Vec<Resolution>,
    /// Every go/no-go decision with its gate evidence.
    pub gates: Vec<GoDecision>,
    /// Who ticked what and when.
    pub checklist: Checklist,
    /// Status updates sent (events of the `Comms…` family).
    pub comms: Vec<Comm>,
    /// Periods when a source failed.
    pub outages: Vec<Outage>,
    /// The chain, the close and the signers.
    pub verification: Verification,
    /// Downsampled series for the charts.
    pub charts: Charts,
}

/// An operator.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Person {
    /// Operator name.
    pub name: String,
    /// Their role.
    pub role: String,
}

/// What the session was about, from its first line and config.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SessionInfo {
    /// Session id.
    pub id: Option<String>,
    /// Deployment name.
    pub deployment: Option<String>,
    /// `production`, `staging`, …
    pub environment: Option<String>,
    /// The candidate release.
    pub release: Option<String>,
    /// The version rolled back to.
    pub stable: Option<String>,
    /// The stable version's metric label value.
    pub stable_label: Option<String>,
    /// The candidate's metric label value.
    pub candidate_label: Option<String>,
    /// The warroom version that wrote the session.
    pub app_version: Option<String>,
    /// The runbook's title.
    pub runbook: Option<String>,
    /// T-0 of the release.
    pub t0: Option<String>,
    /// The first line's time.
    pub started_at: Option<String>,
    /// The last line's time.
    pub ended_at: Option<String>,
    /// Everyone who appears as an actor, in order of appearance.
    pub operators: Vec<Person>,
}

/// How the session ended for the release.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeKind {
    /// The plan's last step held through its bake.
    Completed,
    /// Traffic went back to the stable version.
    RolledBack,
    /// No-go was decided and nothing went.
    NoGo,
    /// The session closed cleanly with the release neither done nor rolled back.
    Abandoned,
    /// The session ended without a clean close (crash, kill, truncation) mid-release.
    Crashed,
}

impl OutcomeKind {
    /// How the outcome reads.
    pub fn label(self) -> &'static str {
        match self {
            OutcomeKind::Completed => "completed",
            OutcomeKind::RolledBack => "rolled back",
            OutcomeKind::NoGo => "no-go",
            OutcomeKind::Abandoned => "abandoned",
            OutcomeKind::Crashed => "crashed",
        }
    }
}

/// Who started a rollback.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// The war room, by an armed auto-rollback rule.
    Auto,
    /// An operator.
    Manual,
}

/// The report's first section.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The candidate release.
    pub release: Option<String>,
    /// The outcome.
    pub outcome: OutcomeKind,
    /// For a rollback: automatic or manual.
    pub rollback: Option<Trigger>,
    /// The outcome in a sentence.
    pub detail: String,
    /// First to last line, in seconds.
    pub duration_s: Option<f64>,
    /// The war room's operator (who opened the session).
    pub led_by: Option<Person>,
    /// Every go of the session and what became of it.
    pub deployments: Vec<Deployment>,
}

/// One go and what became of it (a session can go again after a rollback).
#[derive(Debug, Clone, Serialize)]
pub struct Deployment {
    /// The go/no-go round.
    pub round: u32,
    /// When go was decided.
    pub go_at: String,
    /// Who decided it.
    pub go_by: Person,
    /// When the plan's last step was read back as applied (production live).
    pub live_at: Option<String>,
    /// Go to live, in seconds.
    pub time_to_deploy_s: Option<f64>,
    /// When the release was recorded complete.
    pub completed_at: Option<String>,
    /// The rollback of this round, if any.
    pub rollback: Option<RollbackRef>,
    /// How the round ended.
    pub outcome: OutcomeKind,
}

/// A rollback as the deployment metrics need it.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackRef {
    /// The action id.
    pub id: String,
    /// Automatic or manual.
    pub trigger: Trigger,
    /// The incident ticket, if one was given.
    pub ticket: Option<String>,
    /// When it was requested.
    pub requested_at: String,
    /// When the failure began: the first sample over a threshold, else the request.
    pub failure_at: String,
    /// When traffic was read back on stable.
    pub on_stable_at: Option<String>,
    /// Failure to traffic on stable, in seconds.
    pub recovery_s: Option<f64>,
}

/// What the release cost the users.
#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    /// `[slo] error_ratio`: the error budget.
    pub slo_error_ratio: Option<f64>,
    /// Across every version, weighted by throughput.
    pub budget: Budget,
    /// Per version.
    pub versions: Vec<VersionImpact>,
}

/// Requests and errors estimated from throughput × time between samples.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Budget {
    /// Estimated requests.
    pub requests: f64,
    /// Estimated failed requests.
    pub errors: f64,
    /// errors / requests (None without traffic).
    pub error_ratio: Option<f64>,
    /// error_ratio / the SLO's error ratio: 1.0 means the whole budget.
    pub spent: Option<f64>,
    /// Samples counted.
    pub samples: u64,
    /// Samples left out because the error ratio or the throughput was unknown.
    pub unknown_samples: u64,
}

/// One version's share of the impact.
#[derive(Debug, Clone, Serialize)]
pub struct VersionImpact {
    /// The metric label value.
    pub version: String,
    /// `stable`, `candidate` or `other`.
    pub side: &'static str,
    /// Its requests and errors.
    pub budget: Budget,
    /// The highest error ratio sampled, and when.
    pub worst_error_ratio: Option<Peak>,
    /// The highest p95 latency (seconds), and when.
    pub worst_latency_p95: Option<Peak>,
    /// The highest p99 latency (seconds), and when.
    pub worst_latency_p99: Option<Peak>,
}

/// A worst value and when it was measured.
#[derive(Debug, Clone, Serialize)]
pub struct Peak {
    /// The value.
    pub value: f64,
    /// When it was evaluated.
    pub at: String,
}

/// A value against its limit.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    /// `error_ratio`, `latency_p99`, `restarts_since_go`, …
    pub signal: String,
    /// The version (or pod) measured.
    pub version: String,
    /// The value; None when unknown.
    pub value: Option<f64>,
    /// The limit it was compared with.
    pub threshold: Option<f64>,
    /// Whether the value is over the limit.
    pub over: Option<bool>,
    /// Why it is unknown.
    pub unknown: Option<String>,
    /// When it was evaluated.
    pub at: Option<String>,
}

/// What an automatic rule looked at.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// `error-ratio`, `p99-vs-baseline`, `crashloop`, `unknown-data`, `recommend-…`.
    pub rule: String,
    /// The rule's own sentence.
    pub summary: String,
    /// Window in seconds.
    pub window_s: u64,
    /// Samples over the limit in the window.
    pub breaches: u32,
    /// Known samples in the window.
    pub samples: u32,
    /// Unknown samples in the window.
    pub unknown_samples: u32,
    /// What unknown data does: `pause` or `rollback`.
    pub on_unknown: String,
    /// Every measurement against its threshold.
    pub measurements: Vec<Measured>,
}

/// One timeline entry.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The log line's seq.
    pub seq: u64,
    /// When it was recorded.
    pub at: String,
    /// What kind of moment (see docs/report.md).
    pub kind: &'static str,
    /// Who.
    pub actor: Person,
    /// In words.
    pub summary: String,
    /// The candidate's and stable's signals at that moment, against the SLO.
    pub measurements: Vec<Measured>,
    /// For an auto-rollback or a recommendation: the rule.
    pub rule: Option<Rule>,
    /// False for lines after the chain's first damage.
    pub verified: bool,
}

pub use sections::*;
