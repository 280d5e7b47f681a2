//! Observed facts recorded in the session log: metric samples, Kubernetes objects, probes,
//! alerts and source failures. Compact on purpose (a 24-hour session stays well under 200 MB),
//! and complete enough that replay rebuilds every live pane exactly.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A metric signal the war room follows per version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// 5xx responses / all responses.
    ErrorRatio,
    /// Median latency, seconds.
    LatencyP50,
    /// 95th percentile latency, seconds.
    LatencyP95,
    /// 99th percentile latency, seconds.
    LatencyP99,
    /// Requests per second.
    Throughput,
}

impl Signal {
    /// Every signal, in display order.
    pub const ALL: [Signal; 5] = [
        Signal::ErrorRatio,
        Signal::LatencyP50,
        Signal::LatencyP95,
        Signal::LatencyP99,
        Signal::Throughput,
    ];

    /// The wire and config name (`error_ratio`, `latency_p99`, …).
    pub fn name(self) -> &'static str {
        match self {
            Signal::ErrorRatio => "error_ratio",
            Signal::LatencyP50 => "latency_p50",
            Signal::LatencyP95 => "latency_p95",
            Signal::LatencyP99 => "latency_p99",
            Signal::Throughput => "throughput",
        }
    }
}

/// One reading of a signal for one version: a number, or Unknown with the reason. Missing,
/// NaN, infinite, stale or partial data is never a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Which signal.
    pub signal: Signal,
    /// Which version (the colour or release label value).
    pub version: String,
    /// The value when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Why the value is unknown ("no traffic", "no data", "NaN", "stale 35s", "query error: …").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
    /// The source's raw value when it was not a usable number (e.g. `"NaN"`, `"+Inf"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

impl Sample {
    /// A known value.
    pub fn known(signal: Signal, version: impl Into<String>, value: f64) -> Self {
        Self {
            signal,
            version: version.into(),
            value: Some(value),
            unknown: None,
            raw: None,
        }
    }

    /// An unknown value with its reason.
    pub fn unknown(signal: Signal, version: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            signal,
            version: version.into(),
            value: None,
            unknown: Some(reason.into()),
            raw: None,
        }
    }
}

/// One point of a backfilled series: (unix milliseconds, value or null when unknown).
pub type Point = (i64, Option<f64>);

/// A series loaded at start (the last 30 minutes) so charts open with history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Which signal.
    pub signal: Signal,
    /// Which version.
    pub version: String,
    /// Points in time order.
    pub points: Vec<Point>,
}

/// A pod as the pods pane shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PodRow {
    /// Pod name.
    pub name: String,
    /// Value of the configured version label (e.g. blue/green).
    pub version: String,
    /// Phase (Pending, Running, Succeeded, Failed, Unknown).
    pub phase: String,
    /// Ready containers / all containers.
    pub ready: (u32, u32),
    /// Restarts summed over containers.
    pub restarts: u32,
    /// Why a container is not running (CrashLoopBackOff, ImagePullBackOff, OOMKilled, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the pod was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    /// Being deleted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub terminating: bool,
    /// The image the pod's main container (the first declared) runs, as the kubelet reports it
    /// (`status.containerStatuses[].imageID`, e.g. `registry/app@sha256:…`); none until it
    /// started. The immutable-image gate compares its digest with the configured one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
}

/// A workload (Deployment) as the rollout pane shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct WorkloadRow {
    /// Deployment name.
    pub name: String,
    /// spec.replicas.
    pub desired: u32,
    /// status.updatedReplicas.
    pub updated: u32,
    /// status.readyReplicas.
    pub ready: u32,
    /// status.availableReplicas.
    pub available: u32,
    /// The `deployment.kubernetes.io/revision` annotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The first container's image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// spec.paused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paused: bool,
}

/// Where traffic goes right now, as read from the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TrafficRow {
    /// The Service's selector.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selector: BTreeMap<String, String>,
    /// HTTPRoute backend weights: (backend name, weight).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weights: Vec<(String, u32)>,
    /// The field manager of the latest change to the routing fields (`managedFields`), so
    /// drift can say who made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
}

/// One health probe's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ProbeRow {
    /// Endpoint name from the config.
    pub endpoint: String,
    /// Whether it met the endpoint's expectations.
    pub ok: bool,
    /// HTTP status, if a response arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Round-trip time in milliseconds, if a response arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// The version field of the JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What went wrong (timeout, connection refused, TLS, unexpected status, redirect loop…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Consecutive failures including this one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failures: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Where an alert is in Prometheus's lifecycle (the wire strings are Prometheus's own).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    /// The condition held for the rule's `for` duration: the alert is sent.
    Firing,
    /// The condition holds, not yet for the rule's `for` duration.
    #[default]
    Pending,
    /// The condition does not hold (rules list these; active alerts never are).
    Inactive,
}

impl AlertState {
    /// Reads Prometheus's `state` string. Anything else is kept as pending: active, but not
    /// known to be firing.
    pub fn from_prometheus(s: &str) -> Self {
        match s {
            "firing" => AlertState::Firing,
            "inactive" => AlertState::Inactive,
            _ => AlertState::Pending,
        }
    }

    /// The wire string: `firing`, `pending`, `inactive`.
    pub fn name(self) -> &'static str {
        match self {
            AlertState::Firing => "firing",
            AlertState::Pending => "pending",
            AlertState::Inactive => "inactive",
        }
    }
}

/// A Prometheus alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AlertRow {
    /// `alertname` label.
    pub name: String,
    /// Firing or pending.
    pub state: AlertState,
    /// `severity` label, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// `summary` annotation, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// When it became active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_at: Option<Timestamp>,
}

/// Which kind of source a name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Prometheus HTTP API.
    Prometheus,
    /// Direct scrape of `/metrics`.
    Scrape,
    /// Kubernetes watch.
    Kubernetes,
    /// HTTP health endpoint.
    Health,
}

/// One version's request counters as read at one poll, cumulative (as the counters stand, not
/// their rate), summed over the version's series: what the canary verdict's tests count. Only
/// finite readings are recorded; a version whose counters could not be read is left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CounterRow {
    /// Which version (the version label's value).
    pub version: String,
    /// `sum(http_requests_total{version=…})`: requests answered, every status code.
    pub requests: f64,
    /// The same counter for 5xx codes only.
    pub errors: f64,
    /// The latency histogram's finite `le` bounds, increasing (the `+Inf` bucket follows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub le: Vec<f64>,
    /// `http_request_duration_seconds_bucket` per bound, cumulative as exposed, with the
    /// `+Inf` bucket last (one more than `le`); empty without a histogram.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_states_keep_their_wire_strings() {
        // Lines written when the state was a plain string read back the same.
        let row: AlertRow =
            serde_json::from_str(r#"{"name":"HighErrors","state":"firing"}"#).expect("old line");
        assert_eq!(row.state, AlertState::Firing);
        for s in [
            AlertState::Firing,
            AlertState::Pending,
            AlertState::Inactive,
        ] {
            let json = serde_json::to_string(&s).expect("json");
            assert_eq!(json, format!("\"{}\"", s.name()));
            assert_eq!(AlertState::from_prometheus(s.name()), s);
        }
        assert_eq!(AlertState::from_prometheus("odd"), AlertState::Pending);
        assert!(serde_json::from_str::<AlertState>("\"FIRING\"").is_err());
    }
}
