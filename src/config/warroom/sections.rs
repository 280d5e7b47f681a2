//! The tables of `warroom.toml` as serde structs, with defaults taken from the seed documents
//! (SLOs and traffic plan from the staged checklist, auto-rollback and gates from the
//! production-readiness policy).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::prom::QueryTemplates;

use super::values::{
    CalendarDate, ClockTime, Day, Duration, EnvVar, HttpUrl, K8sName, T0, Workload, Zone,
};

/// `[deployment]`: what is being released, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// Name of the deployment (required).
    #[serde(default)]
    pub name: String,
    /// `production` turns on the red frame and typed confirmations.
    #[serde(default = "production")]
    pub environment: String,
    /// The candidate version.
    #[serde(default)]
    pub release: Option<String>,
    /// The version to roll back to.
    #[serde(default)]
    pub stable: Option<String>,
    /// The candidate's image reference; the immutability gate wants a digest.
    #[serde(default)]
    pub image: Option<String>,
    /// T-0 of the runbook's stages.
    #[serde(default)]
    pub t0: Option<T0>,
    /// The zone windows and a local T-0 are read in.
    #[serde(default)]
    pub timezone: Option<Zone>,
}

fn production() -> String {
    "production".to_string()
}

impl Default for Deployment {
    fn default() -> Self {
        Self {
            name: String::new(),
            environment: production(),
            release: None,
            stable: None,
            image: None,
            t0: None,
            timezone: None,
        }
    }
}

/// `[runbook]`: the checklist to walk through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RunbookRef {
    /// A runbook (TOML/YAML) or a Markdown checklist; relative to the config file.
    #[serde(default)]
    pub path: Option<PathBuf>,
}

/// `[prometheus]`: where metrics come from (leave it out to scrape `/metrics` directly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prometheus {
    /// Base URL of the Prometheus HTTP API.
    pub url: HttpUrl,
    /// A file holding a bearer token (relative to the config file).
    #[serde(default)]
    pub bearer_token_file: Option<PathBuf>,
    /// How often to query.
    #[serde(default = "five_seconds")]
    pub interval: Duration,
    /// Per-query timeout; shorter than `interval`.
    #[serde(default = "three_seconds")]
    pub timeout: Duration,
    /// The range filled into `{window}`.
    #[serde(default = "one_minute")]
    pub window: Duration,
    /// Query templates.
    #[serde(default)]
    pub queries: Queries,
}

/// `[prometheus.queries]`: PromQL with `{version}` and `{window}` filled in per series. The
/// defaults are [`QueryTemplates::default`], so the config and the query code share one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Queries {
    /// Ratio of 5xx responses.
    pub error_ratio: String,
    /// Median latency in seconds.
    pub latency_p50: String,
    /// p95 latency in seconds.
    pub latency_p95: String,
    /// p99 latency in seconds.
    pub latency_p99: String,
    /// Requests per second.
    pub throughput: String,
    /// Cumulative requests (the canary verdict's counts; no `{window}`).
    pub requests: String,
    /// Cumulative 5xx responses.
    pub errors: String,
    /// Cumulative latency histogram buckets, by `le`.
    pub latency_buckets: String,
}

impl Default for Queries {
    fn default() -> Self {
        let t = QueryTemplates::default();
        Self {
            error_ratio: t.error_ratio,
            latency_p50: t.latency_p50,
            latency_p95: t.latency_p95,
            latency_p99: t.latency_p99,
            throughput: t.throughput,
            requests: t.requests,
            errors: t.errors,
            latency_buckets: t.latency_buckets,
        }
    }
}

impl Queries {
    /// The templates with their key names, for checks.
    pub fn named(&self) -> [(&'static str, &str); 5] {
        [
            ("error_ratio", &self.error_ratio),
            ("latency_p50", &self.latency_p50),
            ("latency_p95", &self.latency_p95),
            ("latency_p99", &self.latency_p99),
            ("throughput", &self.throughput),
        ]
    }

    /// The counter templates with their key names: cumulative, so without `{window}`.
    pub fn named_counters(&self) -> [(&'static str, &str); 3] {
        [
            ("requests", &self.requests),
            ("errors", &self.errors),
            ("latency_buckets", &self.latency_buckets),
        ]
    }

    /// The templates as the query code takes them.
    pub fn templates(&self) -> QueryTemplates {
        QueryTemplates {
            error_ratio: self.error_ratio.clone(),
            latency_p50: self.latency_p50.clone(),
            latency_p95: self.latency_p95.clone(),
            latency_p99: self.latency_p99.clone(),
            throughput: self.throughput.clone(),
            requests: self.requests.clone(),
            errors: self.errors.clone(),
            latency_buckets: self.latency_buckets.clone(),
        }
    }
}

/// `[scrape]`: read `/metrics` directly when there is no Prometheus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scrape {
    /// `/metrics` URLs.
    pub targets: Vec<HttpUrl>,
    /// How often to scrape.
    #[serde(default = "two_seconds")]
    pub interval: Duration,
    /// The rate window; at least two scrapes long. Default: five scrapes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Duration>,
}

impl Scrape {
    /// How many scrapes the default window spans: rates need two points, and five leave room
    /// for a failed or late scrape, like the usual advice of a window of 4+ scrape intervals.
    pub const DEFAULT_WINDOW_SCRAPES: u32 = 5;

    /// The rate window: `window`, or five scrape intervals (10s at the default 2s).
    pub fn window(&self) -> std::time::Duration {
        self.window
            .map_or(self.interval.0 * Self::DEFAULT_WINDOW_SCRAPES, |w| w.0)
    }
}

/// `[versions]`: the values of the metrics' `version` label (and of the pods' version label)
/// for the two versions side by side, e.g. `stable = "blue"`, `candidate = "green"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Versions {
    /// The stable version's label value (default: `[deployment] stable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stable: Option<String>,
    /// The candidate version's label value (default: `[deployment] release`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate: Option<String>,
}

impl Versions {
    /// The label values in effect: this table's, else `[deployment] stable` / `release`.
    pub fn resolve(&self, deployment: &Deployment) -> (Option<String>, Option<String>) {
        (
            self.stable.clone().or_else(|| deployment.stable.clone()),
            self.candidate
                .clone()
                .or_else(|| deployment.release.clone()),
        )
    }
}

/// `[kubernetes]`: where the workloads live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kubernetes {
    /// The kubeconfig file, relative to the config file (default: KUBECONFIG, else
    /// ~/.kube/config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context (default: the current one; KUBECONFIG is honoured).
    #[serde(default)]
    pub context: Option<String>,
    /// Namespace of the workloads.
    pub namespace: K8sName,
    /// The stable workload (`deployment/NAME`).
    #[serde(default)]
    pub stable: Option<Workload>,
    /// The candidate workload.
    #[serde(default)]
    pub candidate: Option<Workload>,
    /// The Service whose selector switches (blue-green).
    #[serde(default)]
    pub service: Option<K8sName>,
    /// The HTTPRoute whose backend weights shift (canary).
    #[serde(default)]
    pub route: Option<K8sName>,
    /// The pod label that tells versions apart.
    #[serde(default = "version_label")]
    pub version_label: String,
    /// Credential plugins (kubeconfig `users[].exec.command`) allowed to run, by full path or
    /// by a bare name found on `PATH`; any other plugin is refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exec_allowlist: Vec<String>,
}

fn version_label() -> String {
    "version".to_string()
}

/// One `[[health]]` endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Health {
    /// Short name shown in the health pane (unique).
    pub name: String,
    /// The endpoint.
    pub url: HttpUrl,
    /// Expected HTTP status.
    #[serde(default = "ok_status")]
    pub expect_status: u32,
    /// JSON field that reports the version served.
    #[serde(default)]
    pub version_field: Option<String>,
    /// Fields the JSON body must hold for the endpoint to be healthy, by name or dotted path
    /// (`{ status = "healthy", "checks.db" = "ok" }`), compared as JSON values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub expect_json: BTreeMap<String, serde_json::Value>,
    /// How often to probe.
    #[serde(default = "five_seconds")]
    pub interval: Duration,
    /// Probe timeout; shorter than `interval`.
    #[serde(default = "two_seconds")]
    pub timeout: Duration,
    /// Accept a certificate that does not verify (logged; for test endpoints only).
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
}

fn ok_status() -> u32 {
    200
}

/// `[slo]`: what healthy means (seed 002: error < 1 %, p95 < 500 ms, p99 < 1000 ms).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Slo {
    /// Highest acceptable error ratio (0.01 = 1 %).
    pub error_ratio: f64,
    /// Highest acceptable p95 latency.
    pub latency_p95: Duration,
    /// Highest acceptable p99 latency.
    pub latency_p99: Duration,
}

impl Default for Slo {
    fn default() -> Self {
        Self {
            error_ratio: 0.01,
            latency_p95: Duration::millis(500),
            latency_p99: Duration::millis(1000),
        }
    }
}

/// What an armed shift does when a metric cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnUnknown {
    /// Hold the shift and say why (the default: missing data is never healthy).
    Pause,
    /// Roll back.
    Rollback,
}

/// `[auto_rollback]` (seed 001: > 5 % errors within 5 min, p99 > 2x baseline, crash loop).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutoRollback {
    /// Armed when a shift starts.
    pub armed: bool,
    /// Error ratio that triggers a rollback when held for `window`.
    pub error_ratio: f64,
    /// How long the error ratio must stay over the limit.
    pub window: Duration,
    /// Roll back when candidate p99 exceeds this multiple of the baseline taken at go.
    pub p99_vs_baseline: f64,
    /// Roll back when candidate pods crash-loop.
    pub crashloop: bool,
    /// What unreadable metrics do.
    pub on_unknown: OnUnknown,
    /// Also roll back when the canary verdict's sequential test finds the candidate worse
    /// than stable (anytime-valid: watching it every poll keeps false alarms at `alpha`).
    pub sequential: bool,
    /// The sequential test's level: the chance that a candidate no worse than stable is ever
    /// called worse during a window.
    pub alpha: f64,
}

impl Default for AutoRollback {
    fn default() -> Self {
        Self {
            armed: true,
            error_ratio: 0.05,
            window: Duration::secs(300),
            p99_vs_baseline: 2.0,
            crashloop: true,
            on_unknown: OnUnknown::Pause,
            sequential: false,
            alpha: 0.01,
        }
    }
}

/// How traffic moves from stable to candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Switch a Service's selector (blue-green, all at once).
    ServiceSelector,
    /// Gateway API HTTPRoute backend weights (canary).
    HttprouteWeights,
    /// Scale the two Deployments to the weight's ratio.
    ReplicaRatio,
}

/// One step of the traffic plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Percentage of traffic on the candidate (1–100).
    pub weight: u32,
    /// How long to watch before the next step is offered.
    pub bake: Duration,
}

/// `[traffic]`: the shift plan (seed 002: 10/25/50/100 % with 15/15/30/30 min bakes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Traffic {
    /// How traffic is moved.
    pub strategy: Strategy,
    /// The steps, weights strictly increasing and ending at 100.
    pub steps: Vec<Step>,
}

impl Default for Traffic {
    fn default() -> Self {
        let step = |weight, minutes: u64| Step {
            weight,
            bake: Duration::secs(minutes * 60),
        };
        Self {
            strategy: Strategy::HttprouteWeights,
            steps: vec![step(10, 15), step(25, 15), step(50, 30), step(100, 30)],
        }
    }
}

/// `[gates] window`: when deployments are allowed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// Allowed days.
    pub days: Vec<Day>,
    /// Start of the window (in `[deployment] timezone`).
    pub from: ClockTime,
    /// End of the window.
    pub to: ClockTime,
}

/// One change freeze.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Freeze {
    /// First frozen day.
    pub from: CalendarDate,
    /// Last frozen day (inclusive).
    pub to: CalendarDate,
    /// Why (shown when go is refused).
    #[serde(default)]
    pub reason: String,
}

/// `[gates] staging_verified`: an HTTP check that staging passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagingVerified {
    /// The verification endpoint.
    pub http: HttpUrl,
    /// Fields the JSON answer must have, with their values; a key may be a dotted path into
    /// nested objects (`checks.smoke = "PASSED"`).
    #[serde(default)]
    pub expect_json: BTreeMap<String, serde_json::Value>,
    /// The field of the JSON answer (dotted path allowed) holding when staging got the release:
    /// an RFC 3339 time or Unix seconds. `staging_soak` is measured from it.
    #[serde(default)]
    pub deployed_at_field: Option<String>,
}

/// `[gates] vulnerabilities`: a scanner report to read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vulnerabilities {
    /// The report file (Trivy JSON), relative to the config file.
    pub report: PathBuf,
    /// Most critical findings allowed.
    #[serde(default)]
    pub max_critical: u32,
}

/// `[gates] approvals`: the two-person rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approvals {
    /// How many approvals go needs.
    #[serde(default = "one")]
    pub required: u32,
    /// Approvers must be different people (and not the one deciding).
    #[serde(default = "yes")]
    pub distinct: bool,
    /// Roles whose approval counts.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Each traffic step needs its own approval too (approvals never carry over).
    #[serde(default)]
    pub steps: bool,
    /// A manual production rollback needs a second person's approval (off by default: speed
    /// matters more).
    #[serde(default)]
    pub rollback: bool,
    /// Outside production, `warroom approve --as NAME` may declare a name (recorded with the OS
    /// user who declared it), so one person can try a two-person flow.
    #[serde(default)]
    pub allow_declared: bool,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// `[gates]`: what must hold before go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Gates {
    /// The deployment window.
    pub window: Option<Window>,
    /// Change freezes.
    pub freeze: Vec<Freeze>,
    /// Minimum time the release ran in staging.
    pub staging_soak: Option<Duration>,
    /// The staging verification check.
    pub staging_verified: Option<StagingVerified>,
    /// The vulnerability report gate.
    pub vulnerabilities: Option<Vulnerabilities>,
    /// Required approvals.
    pub approvals: Option<Approvals>,
    /// Gates that only warn (by name, e.g. `["checklist"]`); every other gate is hard.
    pub advisory: Vec<String>,
    /// How often the staging check is asked and the scan report read.
    pub interval: Duration,
    /// Limit for one staging request; shorter than `interval`.
    pub timeout: Duration,
}

impl Default for Gates {
    fn default() -> Self {
        Self {
            window: None,
            freeze: Vec::new(),
            staging_soak: None,
            staging_verified: None,
            vulnerabilities: None,
            approvals: None,
            advisory: Vec::new(),
            interval: Duration::secs(30),
            timeout: Duration::secs(5),
        }
    }
}

/// What a role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Permission {
    /// Record go/no-go.
    Decide,
    /// Shift traffic to the next step.
    Shift,
    /// Roll back.
    Rollback,
    /// Draft and post status updates.
    Comms,
    /// Approve a go.
    Approve,
    /// Override a failing gate (with an emergency reason).
    Override,
    /// Pause and resume a shift.
    Pause,
}

/// The roles when `[roles]` is left out.
pub fn default_roles() -> BTreeMap<String, Vec<Permission>> {
    use Permission::*;
    [
        (
            "deployment-lead",
            vec![Decide, Shift, Rollback, Comms, Pause],
        ),
        ("platform-lead", vec![Approve, Override, Rollback]),
        ("release-manager", vec![Approve]),
        ("on-call", vec![Rollback, Pause]),
        ("observer", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// `[comms]`: status updates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Comms {
    /// Environment variable holding a Slack-compatible webhook URL (the URL is a secret).
    pub webhook_url_env: Option<EnvVar>,
    /// How often a progress update is due.
    pub progress_every: Duration,
    /// How long a post may take before it counts as failed.
    pub timeout: Duration,
    /// The dashboard's address, for the start update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dashboard: Option<String>,
    /// The war room's channel, for the start update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Templates that replace the built-in ones.
    #[serde(skip_serializing_if = "CommsTemplates::is_empty")]
    pub templates: CommsTemplates,
}

impl Default for Comms {
    fn default() -> Self {
        Self {
            webhook_url_env: None,
            progress_every: Duration::secs(30 * 60),
            timeout: Duration::secs(10),
            dashboard: None,
            channel: None,
            templates: CommsTemplates::default(),
        }
    }
}

/// `[comms.templates]`: a template per kind of update (see docs/comms.md for the placeholders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CommsTemplates {
    /// The deployment started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// Progress during the shift.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    /// The release is complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complete: Option<String>,
    /// The release was rolled back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback: Option<String>,
}

impl CommsTemplates {
    /// The configured template of a kind, if any.
    pub fn get(&self, kind: crate::comms::CommsKind) -> Option<&str> {
        use crate::comms::CommsKind;
        match kind {
            CommsKind::Start => self.start.as_deref(),
            CommsKind::Progress => self.progress.as_deref(),
            CommsKind::Complete => self.complete.as_deref(),
            CommsKind::Rollback => self.rollback.as_deref(),
        }
    }

    /// Whether none is configured.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

fn two_seconds() -> Duration {
    Duration::secs(2)
}

fn three_seconds() -> Duration {
    Duration::secs(3)
}

fn five_seconds() -> Duration {
    Duration::secs(5)
}

fn one_minute() -> Duration {
    Duration::secs(60)
}
