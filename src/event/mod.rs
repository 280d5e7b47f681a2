//! Recorded facts: the `Envelope` written to the session log and the `Event`s it carries.
//!
//! Wire names are frozen: add variants, never rename them (old recordings must keep replaying).

pub mod checks;
pub mod decode;
pub mod observed;
pub mod release;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use checks::CheckResult;
pub use observed::{
    AlertRow, AlertState, CounterRow, PodRow, ProbeRow, Sample, Series, Signal, SourceKind,
    TrafficRow, WorkloadRow,
};
pub use release::{
    Action, ApprovalVia, AutoTrigger, Baseline, DecisionKind, DecisionRef, Drift, GateId,
    GateOverride, GateResult, GateStatus, LeaseRow, Measurement, Outcome, VerifyCheck,
};

use crate::config::warroom::WarroomConfig;
use crate::runbook::Runbook;

/// The session-log format version written in every line's `v`.
pub const LOG_VERSION: u32 = 1;

/// Who did something, and from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Actor {
    /// Operator name (`--operator`, `WARROOM_OPERATOR`, or the login name).
    pub name: String,
    /// Operator role (`--role`, `WARROOM_ROLE`, or the config's role for that operator).
    pub role: String,
    /// Host the war room runs on.
    pub host: String,
}

/// One line of the session log: an event stamped with its place in the hash chain.
///
/// Field order is the order on the wire; `hash` must stay last (see docs/session-log.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Log format version.
    pub v: u32,
    /// Position in the session, from 0 (or 1 for the first line; see writer).
    pub seq: u64,
    /// Wall-clock time the line was written (UTC, millisecond precision).
    #[serde(with = "crate::event::at_format")]
    pub at: Timestamp,
    /// Session id (random, shared by every line of one file).
    pub session: String,
    /// Who caused the event (the war room itself for observed samples).
    pub actor: Actor,
    /// The fact.
    pub event: Event,
    /// Hash of the previous line, or 64 zeros for the first.
    pub prev: String,
    /// SHA-256 of `prev` and this line (see docs/session-log.md).
    pub hash: String,
}

/// A recorded fact, in the past tense.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    /// The first line of a session: the (redacted) runbook itself and the digest of the file it
    /// came from, so a replay never needs the original file.
    SessionStarted {
        /// warroom version that wrote the session.
        app_version: String,
        /// Path of the runbook as given (informational).
        runbook_path: String,
        /// SHA-256 of the original runbook file's bytes.
        runbook_sha256: String,
        /// The runbook as loaded (after redaction).
        runbook: Runbook,
        /// T-0 of the release, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        t0: Option<Timestamp>,
        /// Deployment name from the config, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deployment: Option<String>,
        /// The war-room config in force (redacted), so replay draws the same thresholds and
        /// a resumed session restarts the same sources.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        config: Option<Box<WarroomConfig>>,
    },
    /// A later `run --resume` continued this file's chain.
    SessionResumed {
        /// warroom version that resumed.
        app_version: String,
        /// Whether the part before the resume ended with a clean close.
        previous_clean_close: bool,
        /// Bytes of a torn final line that were moved aside to `<file>.torn` (0 if none).
        torn_bytes: u64,
    },
    /// An operator ticked a checklist item.
    ItemTicked {
        /// Stage id.
        stage: String,
        /// Item id.
        item: String,
    },
    /// An operator took a tick back.
    ItemUnticked {
        /// Stage id.
        stage: String,
        /// Item id.
        item: String,
    },
    /// An operator added a note to an item.
    NoteAdded {
        /// Stage id.
        stage: String,
        /// Item id.
        item: String,
        /// The note (redacted).
        text: String,
    },
    /// A configuration or runbook problem that did not stop the session.
    ConfigWarned {
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A live source started, with its target and interval, so panes can tell fresh data from
    /// stale.
    SourceStarted {
        /// Source name (`prometheus`, `scrape`, `kubernetes`, `health:<endpoint>`).
        source: String,
        /// What kind of source it is.
        kind: SourceKind,
        /// What it talks to (URL, context/namespace), redacted.
        target: String,
        /// How often it polls; 0 for watches.
        interval_ms: u64,
    },
    /// Metric samples evaluated at `at` (the query's evaluation time).
    SamplesObserved {
        /// Source name.
        source: String,
        /// Evaluation time of the samples.
        at: Timestamp,
        /// One sample per signal and version.
        samples: Vec<Sample>,
    },
    /// History loaded when a source started (the last 30 minutes), so charts open with data.
    SeriesBackfilled {
        /// Source name.
        source: String,
        /// One series per signal and version.
        series: Vec<Series>,
    },
    /// The firing and pending alerts, recorded when the set changes.
    AlertsObserved {
        /// Source name.
        source: String,
        /// Every active alert.
        alerts: Vec<AlertRow>,
    },
    /// A full list of pods (at start and after every relist): it replaces what was known.
    PodsListed {
        /// Source name.
        source: String,
        /// Every pod in the namespace.
        pods: Vec<PodRow>,
    },
    /// A pod was added or changed.
    PodChanged {
        /// Source name.
        source: String,
        /// The pod as it is now.
        pod: PodRow,
    },
    /// A pod disappeared.
    PodDeleted {
        /// Source name.
        source: String,
        /// Pod name.
        name: String,
    },
    /// A workload's rollout status changed.
    WorkloadObserved {
        /// Source name.
        source: String,
        /// The workload as it is now.
        workload: WorkloadRow,
    },
    /// The Service selector or HTTPRoute weights changed.
    TrafficObserved {
        /// Source name.
        source: String,
        /// Where traffic goes now.
        traffic: TrafficRow,
    },
    /// A health endpoint was probed.
    HealthProbed {
        /// Source name.
        source: String,
        /// The result.
        probe: ProbeRow,
    },
    /// A source attempt failed (refused, timed out, bad response, permission denied…);
    /// recorded for every failed attempt.
    SourceFailed {
        /// Source name.
        source: String,
        /// What went wrong, plainly.
        error: String,
        /// Consecutive failed attempts, this one included.
        #[serde(default)]
        attempt: u32,
    },
    /// A failed source works again.
    SourceRecovered {
        /// Source name.
        source: String,
    },
    /// A gate that needs I/O (staging verification, a scan report) was checked.
    GateObserved {
        /// The check's result, with its evidence.
        result: GateResult,
    },
    /// Go or no-go was decided, with every gate's evidence at that moment.
    GoNoGoDecided {
        /// True for go, false for no-go.
        go: bool,
        /// What was decided on: the release version, the round.
        decision: DecisionRef,
        /// The operator's reason.
        reason: String,
        /// Every gate as evaluated when the decision was taken.
        gates: Vec<GateResult>,
        /// Approvals counted for this decision (operator names).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        approvals: Vec<String>,
        /// Failing hard gates overridden with an emergency reason.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        overridden: Option<GateOverride>,
        /// The stable version's signals at go, for the p99 rule.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        baseline: Option<Baseline>,
    },
    /// Someone approved a decision. The envelope's actor is the approver.
    ApprovalRecorded {
        /// The decision approved (never carries over to another).
        decision: DecisionRef,
        /// Why, if they said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// How it arrived.
        via: ApprovalVia,
        /// The OS user behind the approval (the socket peer), if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        os_user: Option<String>,
        /// A name the OS user declared (`--as NAME`, allowed outside production only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        declared: Option<String>,
        /// The request id the approver's tool sent, so it can tell its answer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<String>,
    },
    /// An attempt to decide, approve or act was refused; the envelope's actor made it.
    ActionRefused {
        /// What was attempted (`go`, `approve`, `shift`, `rollback`, …).
        action: String,
        /// Why it was refused, in words.
        reason: String,
        /// The request id of a remote attempt, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<String>,
    },
    /// The intent of a change to production, durable before the request is sent.
    ActionRequested {
        /// The action's id (unique in the session).
        id: String,
        /// What will be changed.
        action: Action,
    },
    /// What came of an action (after a timeout, a later outcome for the same id reports the
    /// read-back).
    ActionOutcome {
        /// The action's id.
        id: String,
        /// How it ended.
        outcome: Outcome,
        /// In words: what was sent, what the API said, what the read-back showed.
        detail: String,
        /// Traffic as read before the change, if read.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<TrafficRow>,
        /// Traffic as read back after it, if read.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<TrafficRow>,
        /// The object's resourceVersion before and after (as the API reported them).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        versions: Vec<String>,
        /// For a conflict: who changed the object meanwhile (field manager), if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        changed_by: Option<String>,
    },
    /// The shift was paused: no next step until it is resumed.
    ShiftPaused {
        /// Why.
        reason: String,
        /// Paused by the war room itself (unknown data), not by an operator.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        auto: bool,
    },
    /// A paused shift was resumed.
    ShiftResumed {
        /// Why, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Auto-rollback was armed or disarmed.
    AutoRollbackArmed {
        /// The new state.
        armed: bool,
        /// Why, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A softer criterion holds: a planned rollback is recommended (nothing is changed).
    RollbackRecommended {
        /// What holds, with the measurements.
        why: AutoTrigger,
    },
    /// A rollback's verification finished (or gave up).
    RollbackVerified {
        /// The action verified.
        id: String,
        /// Whether every check held.
        ok: bool,
        /// Each check.
        checks: Vec<VerifyCheck>,
    },
    /// Traffic changed without this war room: drift (e.g. GitOps reverting the weights).
    DriftObserved {
        /// What changed and who changed it.
        drift: Drift,
    },
    /// The deployment lock (a Lease) as observed.
    LeaseObserved {
        /// The lease.
        lease: LeaseRow,
    },
    /// The release is complete: the plan's last step held through its bake with healthy
    /// signals.
    ReleaseCompleted {
        /// The last step (0-based).
        step: usize,
        /// The candidate's share, in percent.
        weight: u32,
    },
    /// An operator dropped a marker with a note.
    MarkerAdded {
        /// The note.
        note: String,
    },
    /// A status update was recorded (the envelope's actor wrote it); when `post`, it is posted
    /// to the webhook next.
    CommsDrafted {
        /// The update's id (`c1`, `c2`, …).
        id: String,
        /// Which template it came from.
        kind: crate::comms::CommsKind,
        /// The text as sent (redacted).
        text: String,
        /// A post to the webhook follows.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        post: bool,
    },
    /// An operator asked for a failed post to be sent again, with the same text.
    CommsRetried {
        /// The update.
        id: String,
    },
    /// What came of posting an update to the webhook (never the URL).
    CommsSent {
        /// The update.
        id: String,
        /// Whether the webhook took it (a 2xx answer).
        ok: bool,
        /// What the webhook answered, or why the post failed.
        detail: String,
        /// Which attempt (1 for the first post).
        attempt: u32,
    },
    /// The session closed cleanly; always the last line of a clean file.
    SessionEnded {
        /// Why: "quit", "SIGTERM", "SIGINT", "SIGHUP", "stdin closed", "duration elapsed".
        reason: String,
    },
    /// The war room crashed (a panic); the last line of a file whose session did not close.
    SessionCrashed {
        /// What went wrong (the panic message, redacted).
        reason: String,
    },
    /// Request counters per version read at one poll (recorded after that poll's samples), so
    /// the canary verdict's tests count the same requests in replay as live.
    CountsObserved {
        /// Source name.
        source: String,
        /// When the counters were read.
        at: Timestamp,
        /// One row per version whose counters were read completely.
        counts: Vec<CounterRow>,
    },
    /// The chain head was signed with the operator's SSH key, after a human decision and at
    /// the close (docs/session-log.md, "Signed heads").
    HeadSigned {
        /// The line signed (`seq`, `hash`), the key and the armored SSHSIG.
        head: crate::sign::HeadSignature,
    },
    /// Signing the head failed; what was decided stands, unsigned until a later signature
    /// covers it.
    HeadSignFailed {
        /// The `seq` of the line that was to be signed.
        seq: u64,
        /// That line's `hash`.
        hash: String,
        /// It was the close's signature.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        close: bool,
        /// What went wrong, and the fix.
        error: String,
    },
    /// An approval object arrived through the cluster (`warroom approve --cluster`), as it
    /// was delivered; the decision on it follows as `ApprovalRecorded` or `ActionRefused`
    /// whose `request` is `object`.
    ApprovalDelivered {
        /// The ConfigMap's name.
        object: String,
        /// The signed text (redacted like any text; see docs/approvals.md).
        approval: String,
        /// The approver's armored SSHSIG over it.
        signature: String,
    },
    /// A checklist item's check was evaluated. Recorded when the result or its reason changes,
    /// when a check with `for` has passed for that long, and at least once a minute while the
    /// check is evaluated, so the log shows it kept passing.
    CheckEvaluated {
        /// Stage id.
        stage: String,
        /// Item id.
        item: String,
        /// Pass, fail or unknown.
        result: CheckResult,
        /// What was measured, as shown (`0.0042`, `status 200`, `3/3 ready`, `exit 0`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        /// Why it failed or is unknown (redacted).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// When it was evaluated.
        at: Timestamp,
    },
    /// An operator trusted an item's check: a proposed check may run, and for a command check
    /// the exact argv that was shown and allowed.
    CheckTrusted {
        /// Stage id.
        stage: String,
        /// Item id.
        item: String,
        /// The command's argv as shown (empty for other kinds).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        argv: Vec<String>,
    },
    /// The war room runs with `--trust-runbook`: command checks may run, each once an operator
    /// trusted its argv.
    RunbookTrusted {},
}

impl Event {
    /// Every variant's wire name, in declaration order (a test holds it to the enum and to
    /// docs/session-log.md).
    pub const KINDS: &'static [&'static str] = &[
        "SessionStarted",
        "SessionResumed",
        "ItemTicked",
        "ItemUnticked",
        "NoteAdded",
        "ConfigWarned",
        "SourceStarted",
        "SamplesObserved",
        "SeriesBackfilled",
        "AlertsObserved",
        "PodsListed",
        "PodChanged",
        "PodDeleted",
        "WorkloadObserved",
        "TrafficObserved",
        "HealthProbed",
        "SourceFailed",
        "SourceRecovered",
        "GateObserved",
        "GoNoGoDecided",
        "ApprovalRecorded",
        "ActionRefused",
        "ActionRequested",
        "ActionOutcome",
        "ShiftPaused",
        "ShiftResumed",
        "AutoRollbackArmed",
        "RollbackRecommended",
        "RollbackVerified",
        "DriftObserved",
        "LeaseObserved",
        "ReleaseCompleted",
        "MarkerAdded",
        "CommsDrafted",
        "CommsRetried",
        "CommsSent",
        "SessionEnded",
        "SessionCrashed",
        "CountsObserved",
        "HeadSigned",
        "HeadSignFailed",
        "ApprovalDelivered",
        "CheckEvaluated",
        "CheckTrusted",
        "RunbookTrusted",
    ];

    /// The wire name of the variant (the `type` field).
    pub fn kind(&self) -> &'static str {
        match self {
            Event::SessionStarted { .. } => "SessionStarted",
            Event::SessionResumed { .. } => "SessionResumed",
            Event::ItemTicked { .. } => "ItemTicked",
            Event::ItemUnticked { .. } => "ItemUnticked",
            Event::NoteAdded { .. } => "NoteAdded",
            Event::ConfigWarned { .. } => "ConfigWarned",
            Event::SourceStarted { .. } => "SourceStarted",
            Event::SamplesObserved { .. } => "SamplesObserved",
            Event::SeriesBackfilled { .. } => "SeriesBackfilled",
            Event::AlertsObserved { .. } => "AlertsObserved",
            Event::PodsListed { .. } => "PodsListed",
            Event::PodChanged { .. } => "PodChanged",
            Event::PodDeleted { .. } => "PodDeleted",
            Event::WorkloadObserved { .. } => "WorkloadObserved",
            Event::TrafficObserved { .. } => "TrafficObserved",
            Event::HealthProbed { .. } => "HealthProbed",
            Event::SourceFailed { .. } => "SourceFailed",
            Event::SourceRecovered { .. } => "SourceRecovered",
            Event::GateObserved { .. } => "GateObserved",
            Event::GoNoGoDecided { .. } => "GoNoGoDecided",
            Event::ApprovalRecorded { .. } => "ApprovalRecorded",
            Event::ActionRefused { .. } => "ActionRefused",
            Event::ActionRequested { .. } => "ActionRequested",
            Event::ActionOutcome { .. } => "ActionOutcome",
            Event::ShiftPaused { .. } => "ShiftPaused",
            Event::ShiftResumed { .. } => "ShiftResumed",
            Event::AutoRollbackArmed { .. } => "AutoRollbackArmed",
            Event::RollbackRecommended { .. } => "RollbackRecommended",
            Event::RollbackVerified { .. } => "RollbackVerified",
            Event::DriftObserved { .. } => "DriftObserved",
            Event::LeaseObserved { .. } => "LeaseObserved",
            Event::ReleaseCompleted { .. } => "ReleaseCompleted",
            Event::MarkerAdded { .. } => "MarkerAdded",
            Event::CommsDrafted { .. } => "CommsDrafted",
            Event::CommsRetried { .. } => "CommsRetried",
            Event::CommsSent { .. } => "CommsSent",
            Event::SessionEnded { .. } => "SessionEnded",
            Event::SessionCrashed { .. } => "SessionCrashed",
            Event::CountsObserved { .. } => "CountsObserved",
            Event::HeadSigned { .. } => "HeadSigned",
            Event::HeadSignFailed { .. } => "HeadSignFailed",
            Event::ApprovalDelivered { .. } => "ApprovalDelivered",
            Event::CheckEvaluated { .. } => "CheckEvaluated",
            Event::CheckTrusted { .. } => "CheckTrusted",
            Event::RunbookTrusted {} => "RunbookTrusted",
        }
    }

    /// Whether the event is an observation from a source (group-synced, never gating an
    /// operator's intent) rather than something a human or the war room decided.
    pub fn is_observed(&self) -> bool {
        matches!(
            self,
            Event::SourceStarted { .. }
                | Event::SamplesObserved { .. }
                | Event::SeriesBackfilled { .. }
                | Event::AlertsObserved { .. }
                | Event::PodsListed { .. }
                | Event::PodChanged { .. }
                | Event::PodDeleted { .. }
                | Event::WorkloadObserved { .. }
                | Event::TrafficObserved { .. }
                | Event::HealthProbed { .. }
                | Event::SourceFailed { .. }
                | Event::SourceRecovered { .. }
                | Event::GateObserved { .. }
                | Event::LeaseObserved { .. }
                | Event::CountsObserved { .. }
                | Event::CheckEvaluated { .. }
        )
    }
}

/// Serde for `at`: RFC 3339 UTC with exactly three fractional digits (`…T15:01:02.123Z`).
pub mod at_format {
    use jiff::Timestamp;
    use serde::{Deserializer, Serializer};

    /// Formats a timestamp the way the log writes it.
    pub fn to_string(t: &Timestamp) -> String {
        t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }

    /// Serializes `at`.
    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_string(t))
    }

    /// Deserializes any RFC 3339 timestamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        // Read in place: every line has one, and a copy of each was a million allocations a day.
        struct Rfc3339;
        impl serde::de::Visitor<'_> for Rfc3339 {
            type Value = Timestamp;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Timestamp, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Rfc3339)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_has_millisecond_precision() {
        let t: Timestamp = "2026-11-24T15:01:02.123456Z".parse().expect("ts");
        assert_eq!(at_format::to_string(&t), "2026-11-24T15:01:02.123Z");
        let t: Timestamp = "2026-11-24T15:01:02Z".parse().expect("ts");
        assert_eq!(at_format::to_string(&t), "2026-11-24T15:01:02.000Z");
    }

    #[test]
    fn event_wire_names_are_the_variant_names() {
        let e = Event::ItemTicked {
            stage: "s".into(),
            item: "i".into(),
        };
        let j = serde_json::to_value(&e).expect("json");
        assert_eq!(j["type"], e.kind());
    }
}
