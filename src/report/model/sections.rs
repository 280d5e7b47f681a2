//! The report's later sections as data: detection, resolution, gate evidence, checklist
//! sign-off, comms, outages, verification and the charts' series.

use serde::Serialize;

use super::{Person, Rule, Trigger};

/// Detection: thresholds crossed and how quickly each rollback followed.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Detection {
    /// The first sample over each threshold in each round after go.
    pub crossings: Vec<Crossing>,
    /// Per rollback: from the first breach to the request and to traffic on stable.
    pub rollbacks: Vec<RollbackDetection>,
}

/// The first sample of a round over a threshold.
#[derive(Debug, Clone, Serialize)]
pub struct Crossing {
    /// The go/no-go round.
    pub round: u32,
    /// `error_ratio`, `latency_p95`, `latency_p99`, `crashloop`.
    pub signal: String,
    /// The version.
    pub version: String,
    /// Which threshold: `slo` or `auto-rollback`.
    pub threshold_of: &'static str,
    /// The limit.
    pub threshold: f64,
    /// The value that crossed it.
    pub value: f64,
    /// When.
    pub at: String,
}

/// How a rollback was detected and how long it took.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackDetection {
    /// The rollback action.
    pub id: String,
    /// The round it ended.
    pub round: Option<u32>,
    /// Automatic or manual.
    pub trigger: Trigger,
    /// For an auto-rollback: the rule that fired, its measurements and thresholds.
    pub rule: Option<Rule>,
    /// The first sample over the threshold that led to it, if one was seen.
    pub first_breach: Option<Crossing>,
    /// When the rollback was requested.
    pub requested_at: String,
    /// When traffic was read back on stable.
    pub on_stable_at: Option<String>,
    /// First breach → request, seconds.
    pub breach_to_request_s: Option<f64>,
    /// First breach → traffic on stable, seconds.
    pub breach_to_stable_s: Option<f64>,
    /// Request → traffic on stable, seconds.
    pub request_to_stable_s: Option<f64>,
}

/// One rollback from request to verification.
#[derive(Debug, Clone, Serialize)]
pub struct Resolution {
    /// The action id.
    pub id: String,
    /// Who asked (the war room's operator for an automatic one).
    pub by: Person,
    /// Automatic or manual.
    pub trigger: Trigger,
    /// The reason recorded.
    pub reason: String,
    /// The incident ticket.
    pub ticket: Option<String>,
    /// The candidate's share before, in percent.
    pub from_weight: u32,
    /// When requested.
    pub requested_at: String,
    /// The latest outcome (`applied`, `failed`, `unknown`, …); None if none was recorded.
    pub outcome: Option<String>,
    /// What the executor said.
    pub detail: String,
    /// When the latest outcome was recorded.
    pub finished_at: Option<String>,
    /// Traffic read before and after.
    pub traffic_before: Option<String>,
    /// See `traffic_before`.
    pub traffic_after: Option<String>,
    /// The `rollout undo` that followed, if any.
    pub undo: Option<UndoResult>,
    /// Whether every verification check held; None if not verified.
    pub verified: Option<bool>,
    /// When the verification was recorded.
    pub verified_at: Option<String>,
    /// Each check.
    pub checks: Vec<Check>,
}

/// A `rollout undo` after a rollback.
#[derive(Debug, Clone, Serialize)]
pub struct UndoResult {
    /// Its action id.
    pub id: String,
    /// Its outcome, if recorded.
    pub outcome: Option<String>,
    /// What the executor said.
    pub detail: String,
}

/// One verification check.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// `traffic-on-stable`, `health-reports-stable`, `errors-recovered`.
    pub name: String,
    /// Whether it held.
    pub ok: bool,
    /// What was seen.
    pub detail: String,
}

/// A go/no-go decision with everything it was decided on.
#[derive(Debug, Clone, Serialize)]
pub struct GoDecision {
    /// The round.
    pub round: u32,
    /// Go or no-go.
    pub go: bool,
    /// When.
    pub at: String,
    /// Who decided.
    pub by: Person,
    /// Their reason.
    pub reason: String,
    /// The release decided on.
    pub release: Option<String>,
    /// Every gate as evaluated then.
    pub gates: Vec<Gate>,
    /// Approvals recorded for this decision.
    pub approvals: Vec<Approval>,
    /// Failing hard gates overridden.
    #[serde(rename = "override")]
    pub overridden: Option<Override>,
    /// The stable signals captured as the baseline.
    pub baseline: Option<Baseline>,
    /// Required checklist items open when it was decided.
    pub open_required_items: Vec<String>,
}

/// One gate's evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Gate {
    /// Wire name (`window`, `slo-healthy`, …).
    pub gate: String,
    /// In words.
    pub label: String,
    /// `pass`, `fail`, `unknown`, `not-configured`.
    pub status: String,
    /// Hard gates block go.
    pub hard: bool,
    /// This gate blocked go (hard and not passing).
    pub blocks: bool,
    /// Why, in a line.
    pub why: String,
    /// The evidence recorded.
    pub evidence: serde_json::Value,
}

/// An approval.
#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    /// The approver.
    pub by: Person,
    /// When.
    pub at: String,
    /// `socket`, `cluster`, `local`.
    pub via: String,
    /// Their reason.
    pub reason: Option<String>,
    /// The OS user behind it.
    pub os_user: Option<String>,
    /// A declared name.
    pub declared: Option<String>,
    /// Whether the decision counted it.
    pub counted: bool,
}

/// An override of failing hard gates.
#[derive(Debug, Clone, Serialize)]
pub struct Override {
    /// The emergency reason.
    pub reason: String,
    /// The approver with override power.
    pub approver: String,
    /// Their role.
    pub role: String,
    /// The gates overridden.
    pub gates: Vec<String>,
}

/// The baseline captured at go.
#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    /// Version.
    pub version: Option<String>,
    /// p99 seconds.
    pub latency_p99: Option<f64>,
    /// p95 seconds.
    pub latency_p95: Option<f64>,
    /// Error ratio.
    pub error_ratio: Option<f64>,
}

/// Checklist sign-off.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Checklist {
    /// Items in the runbook.
    pub total: u32,
    /// Items ticked at the end.
    pub ticked: u32,
    /// Required items still open at the end (`stage/item`).
    pub required_open: Vec<String>,
    /// Required items open at a go decision (skipped at go).
    pub skipped_at_go: Vec<String>,
    /// Every item.
    pub items: Vec<ChecklistItem>,
}

/// One checklist item.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistItem {
    /// Stage id.
    pub stage: String,
    /// Stage title.
    pub stage_title: String,
    /// Item id.
    pub item: String,
    /// What it says.
    pub text: String,
    /// Required or optional.
    pub required: bool,
    /// Ticked at the end: by whom and when.
    pub ticked: Option<Stamp>,
    /// Every tick and untick.
    pub history: Vec<Tick>,
    /// Notes.
    pub notes: Vec<Note>,
}

/// Who and when.
#[derive(Debug, Clone, Serialize)]
pub struct Stamp {
    /// Who.
    pub by: Person,
    /// When.
    pub at: String,
}

/// A tick or untick.
#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    /// `ticked` or `unticked`.
    pub action: &'static str,
    /// Who.
    pub by: Person,
    /// When.
    pub at: String,
}

/// A note on an item.
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    /// Who.
    pub by: Person,
    /// When.
    pub at: String,
    /// The text.
    pub text: String,
}

/// A status update recorded by the war room.
#[derive(Debug, Clone, Serialize)]
pub struct Comm {
    /// The log line.
    pub seq: u64,
    /// When.
    pub at: Option<String>,
    /// Who.
    pub actor: Person,
    /// The event type (`CommsSent`, …).
    pub kind: String,
    /// In words, from the fields this version recognises.
    pub summary: String,
    /// The event as recorded.
    pub fields: serde_json::Value,
}

/// A source failing, from its first failed attempt to its recovery.
#[derive(Debug, Clone, Serialize)]
pub struct Outage {
    /// Source name.
    pub source: String,
    /// The first failed attempt.
    pub from: String,
    /// The recovery (None: still failing when the log ends).
    pub to: Option<String>,
    /// Seconds (to the end of the log if it never recovered).
    pub duration_s: f64,
    /// Failed attempts.
    pub attempts: u32,
    /// The last error.
    pub last_error: String,
    /// Whether it recovered.
    pub recovered: bool,
}

/// What the log proves about itself.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Verification {
    /// The whole chain verified.
    pub intact: bool,
    /// Lines that verified.
    pub lines: u64,
    /// The first bad line.
    pub first_bad_line: Option<u64>,
    /// What is wrong with it.
    pub damage: Option<String>,
    /// Lines after the damage (shown, not verified).
    pub unverified_lines: u64,
    /// Lines that are not session-log lines.
    pub unreadable_lines: u64,
    /// An unterminated final line: its number and size.
    pub torn_tail: Option<TornTail>,
    /// The head: the last verified line's hash.
    pub final_hash: Option<String>,
    /// The log ends with a `SessionEnded` marker.
    pub clean_close: bool,
    /// Why it ended, as recorded.
    pub end_reason: Option<String>,
    /// `run --resume` continued the file this many times.
    pub resumed: u32,
    /// Whether any head signature is recorded.
    pub signed: bool,
    /// The recorded head signatures (claimed; `warroom verify --allowed-signers` checks them).
    pub signers: Vec<Signer>,
    /// Event types this version does not know, with counts.
    pub unknown_events: Vec<UnknownKind>,
}

/// A torn final line.
#[derive(Debug, Clone, Serialize)]
pub struct TornTail {
    /// Its line number.
    pub line: u64,
    /// Its size in bytes.
    pub bytes: u64,
}

/// A recorded head signature.
#[derive(Debug, Clone, Serialize)]
pub struct Signer {
    /// The line recording it.
    pub seq: u64,
    /// When it was recorded.
    pub at: Option<String>,
    /// The line whose hash was signed.
    pub signed_seq: Option<u64>,
    /// The principal claimed.
    pub principal: Option<String>,
    /// The key's fingerprint.
    pub fingerprint: Option<String>,
    /// The key's type.
    pub key_type: Option<String>,
}

/// An event type this version does not know.
#[derive(Debug, Clone, Serialize)]
pub struct UnknownKind {
    /// `event.type`.
    pub kind: String,
    /// How many lines.
    pub count: u64,
}

/// The charts' data.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Charts {
    /// The time axis' start, unix milliseconds.
    pub from_ms: Option<i64>,
    /// Its end.
    pub to_ms: Option<i64>,
    /// Signal series per version, downsampled (min and max of each bucket kept).
    pub series: Vec<ChartSeries>,
    /// The candidate's observed traffic share in percent: `[ms, percent or null]`.
    pub share: Vec<(i64, Option<f64>)>,
    /// Decisions, shifts and rollbacks on the time axis.
    pub markers: Vec<ChartMarker>,
    /// Thresholds drawn as horizontal lines.
    pub limits: Vec<ChartLimit>,
}

/// A threshold on a chart.
#[derive(Debug, Clone, Serialize)]
pub struct ChartLimit {
    /// The signal it applies to.
    pub signal: String,
    /// `SLO p99`, `auto-rollback`, …
    pub label: String,
    /// The value.
    pub value: f64,
}

/// One series.
#[derive(Debug, Clone, Serialize)]
pub struct ChartSeries {
    /// `error_ratio`, `latency_p95`, `latency_p99`.
    pub signal: String,
    /// The version.
    pub version: String,
    /// `[ms, value or null]`.
    pub points: Vec<(i64, Option<f64>)>,
}

/// A moment drawn on the time axis.
#[derive(Debug, Clone, Serialize)]
pub struct ChartMarker {
    /// Unix milliseconds.
    pub t_ms: i64,
    /// `decision`, `shift`, `rollback`, `auto-rollback`, `marker`, …
    pub kind: &'static str,
    /// A short label.
    pub label: String,
}
