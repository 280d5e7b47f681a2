//! Wire types of the non-query endpoints the war room reads: alerts, rules, targets, build info
//! and metric metadata.
//!
//! Only the fields the panes need are typed; anything else a Prometheus version adds is kept in
//! `extra`, so the simulator can serve a captured response back unchanged.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::api::SampleValue;
use super::time::{serialize_go_float, serialize_go_float_opt};
use crate::metrics::Labels;

/// Fields this crate does not interpret, kept for round trips.
pub type Extra = BTreeMap<String, serde_json::Value>;

/// `data` of `/api/v1/alerts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsData {
    /// Pending and firing alerts.
    pub alerts: Vec<Alert>,
}

/// One active alert (also embedded in alerting rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Labels, including `alertname`.
    pub labels: Labels,
    /// Annotations (already templated by Prometheus).
    pub annotations: Labels,
    /// `pending` or `firing` (`inactive` only in rule listings).
    pub state: String,
    /// When the alert became active.
    #[serde(rename = "activeAt", default, skip_serializing_if = "Option::is_none")]
    pub active_at: Option<Timestamp>,
    /// The expression's value when last evaluated, as Prometheus formatted it (`%e`).
    pub value: SampleValue,
    /// Fields of newer versions (`keepFiringSince`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

impl Alert {
    /// The alert's name (`alertname` label), or "" if missing.
    pub fn name(&self) -> &str {
        self.labels.get("alertname").map_or("", String::as_str)
    }

    /// Whether the alert is firing (not merely pending).
    pub fn is_firing(&self) -> bool {
        self.state == "firing"
    }
}

/// `data` of `/api/v1/rules`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesData {
    /// Rule groups.
    pub groups: Vec<RuleGroup>,
}

/// A rule group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleGroup {
    /// Group name.
    pub name: String,
    /// Rules file the group came from.
    pub file: String,
    /// Recording and alerting rules.
    pub rules: Vec<Rule>,
    /// Evaluation interval in seconds.
    #[serde(serialize_with = "serialize_go_float")]
    pub interval: f64,
    /// Other fields (`limit`, `evaluationTime`, `lastEvaluation`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A recording or alerting rule (`type` tells which; alerting-only fields are `None` for
/// recording rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// `firing`, `pending` or `inactive` (alerting rules only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Rule name (alert name or recorded series name).
    pub name: String,
    /// The PromQL expression.
    pub query: String,
    /// `for` duration in seconds (alerting rules only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_go_float_opt"
    )]
    pub duration: Option<f64>,
    /// Labels added by the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    /// Annotation templates (alerting rules only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Labels>,
    /// Active alerts of this rule (alerting rules only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<Vec<Alert>>,
    /// `ok`, `err` or `unknown`.
    pub health: String,
    /// Why the last evaluation failed (when `health` is `err`).
    #[serde(rename = "lastError", default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// `recording` or `alerting`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Other fields (`keepFiringFor`, `evaluationTime`, `lastEvaluation`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `data` of `/api/v1/targets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetsData {
    /// Targets being scraped.
    #[serde(rename = "activeTargets", default)]
    pub active: Vec<ActiveTarget>,
    /// Targets dropped by relabelling.
    #[serde(rename = "droppedTargets", default)]
    pub dropped: Vec<DroppedTarget>,
    /// Other fields (`droppedTargetCounts`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A scraped target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveTarget {
    /// Labels before relabelling.
    #[serde(rename = "discoveredLabels")]
    pub discovered_labels: Labels,
    /// Labels after relabelling.
    pub labels: Labels,
    /// Scrape URL.
    #[serde(rename = "scrapeUrl")]
    pub scrape_url: String,
    /// The last scrape's error ("" when it worked).
    #[serde(rename = "lastError")]
    pub last_error: String,
    /// When the last scrape happened.
    #[serde(rename = "lastScrape")]
    pub last_scrape: Timestamp,
    /// `up`, `down` or `unknown`.
    pub health: String,
    /// Other fields (`scrapePool`, `globalUrl`, `lastScrapeDuration`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A target dropped by relabelling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedTarget {
    /// Labels before relabelling.
    #[serde(rename = "discoveredLabels")]
    pub discovered_labels: Labels,
    /// Other fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `data` of `/api/v1/status/buildinfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildInfo {
    /// Prometheus version (`2.42.0`).
    pub version: String,
    /// Source revision.
    pub revision: String,
    /// Other fields (`branch`, `buildUser`, `buildDate`, `goVersion`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of `/api/v1/metadata` (`# TYPE`/`# HELP` of a metric).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricMetadata {
    /// `counter`, `gauge`, `histogram`, `summary`, `unknown`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Help text.
    pub help: String,
    /// Unit ("" when not given).
    pub unit: String,
}
