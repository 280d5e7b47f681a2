//! What each live source needs to run, built from a checked `warroom.toml`: plain data, so
//! tests can build specs by hand and point them at loopback fakes.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use super::poll::PollSpec;
use crate::config::warroom::WarroomConfig;
use crate::metrics::SignalConfig;
use crate::prom::{DEFAULT_MAX_BODY_BYTES, QueryTemplates};

/// How far back the Prometheus source backfills charts at start.
pub const BACKFILL_SPAN: Duration = Duration::from_secs(30 * 60);

/// Cap on a health endpoint's body: enough for any health JSON, small enough to never matter.
pub const HEALTH_MAX_BODY_BYTES: u64 = 64 * 1024;

/// Cap on one `/metrics` body.
pub const SCRAPE_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;

/// The Prometheus source.
#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusSpec {
    /// Source name in events (`prometheus`).
    pub source: String,
    /// Base URL of the HTTP API (a path prefix such as `/prometheus` is kept).
    pub url: Url,
    /// File holding the bearer token; read at start and again after a 401.
    pub bearer_token_file: Option<PathBuf>,
    /// Time between attempts.
    pub interval: Duration,
    /// Limit for each query.
    pub timeout: Duration,
    /// The range filled into `{window}`.
    pub window: Duration,
    /// Signal queries.
    pub queries: QueryTemplates,
    /// Version label values to query, stable first.
    pub versions: Vec<String>,
    /// How far back to backfill at start.
    pub backfill: Duration,
    /// A sample older than this at its evaluation time is stale (a caching proxy, a clock
    /// problem): Unknown, never a value.
    pub max_sample_age: Duration,
    /// Cap on a response body.
    pub max_body_bytes: u64,
}

impl PrometheusSpec {
    /// A spec with the defaults for everything but the URL, versions and timing.
    pub fn new(url: Url, versions: Vec<String>, interval: Duration, timeout: Duration) -> Self {
        Self {
            source: "prometheus".into(),
            url,
            bearer_token_file: None,
            interval,
            timeout,
            window: Duration::from_secs(60),
            queries: QueryTemplates::default(),
            versions,
            backfill: BACKFILL_SPAN,
            max_sample_age: interval * 3,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// The poll loop's settings: the attempt may run a little past the query timeout so a
    /// query's own timeout is what gets reported, but never into the next interval.
    pub fn poll(&self) -> PollSpec {
        poll_spec(&self.source, self.interval, self.timeout)
    }
}

/// The direct-scrape source.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeSpec {
    /// Source name in events (`scrape`).
    pub source: String,
    /// `/metrics` URLs.
    pub targets: Vec<Url>,
    /// Time between scrapes.
    pub interval: Duration,
    /// Limit for each scrape.
    pub timeout: Duration,
    /// Metric names, version label and rate window.
    pub signals: SignalConfig,
    /// Versions always reported (even before they serve traffic); others seen are added.
    pub versions: Vec<String>,
    /// Cap on one body.
    pub max_body_bytes: u64,
}

impl ScrapeSpec {
    /// A spec with default metric names, a timeout of 80 % of the interval and a rate window
    /// of five scrapes.
    pub fn new(targets: Vec<Url>, versions: Vec<String>, interval: Duration) -> Self {
        Self {
            source: "scrape".into(),
            targets,
            interval,
            timeout: interval.mul_f64(0.8),
            signals: SignalConfig {
                window: interval * 5,
                ..SignalConfig::default()
            },
            versions,
            max_body_bytes: SCRAPE_MAX_BODY_BYTES,
        }
    }

    /// The poll loop's settings.
    pub fn poll(&self) -> PollSpec {
        poll_spec(&self.source, self.interval, self.timeout)
    }
}

/// One health endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthSpec {
    /// Source name in events (`health:<name>`).
    pub source: String,
    /// Endpoint name in the health pane.
    pub name: String,
    /// The URL probed.
    pub url: Url,
    /// The status that means healthy.
    pub expect_status: u16,
    /// JSON field holding the version served (dots walk into objects: `build.version`).
    pub version_field: Option<String>,
    /// What a healthy body holds: (dotted path, value), in order.
    pub expect_json: Vec<(String, serde_json::Value)>,
    /// Time between probes.
    pub interval: Duration,
    /// Limit for one probe; a probe over it is a failed probe, not a failed source.
    pub timeout: Duration,
    /// Accept certificates that do not verify.
    pub insecure_skip_tls_verify: bool,
    /// Cap on the body read.
    pub max_body_bytes: u64,
}

impl HealthSpec {
    /// A spec expecting 200, with no version field, verifying TLS.
    pub fn new(name: &str, url: Url, interval: Duration, timeout: Duration) -> Self {
        Self {
            source: format!("health:{name}"),
            name: name.into(),
            url,
            expect_status: 200,
            version_field: None,
            expect_json: Vec::new(),
            interval,
            timeout,
            insecure_skip_tls_verify: false,
            max_body_bytes: HEALTH_MAX_BODY_BYTES,
        }
    }

    /// The poll loop's settings: the probe's own timeout makes a failed probe, so the attempt's
    /// limit sits between it and the interval.
    pub fn poll(&self) -> PollSpec {
        poll_spec(&self.source, self.interval, self.timeout)
    }
}

fn poll_spec(source: &str, interval: Duration, timeout: Duration) -> PollSpec {
    let mut p = PollSpec::new(source, interval);
    if timeout < interval {
        p.timeout = timeout + (interval - timeout) / 2;
    }
    p
}

/// Every source a config asks for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Specs {
    /// Metrics through Prometheus.
    pub prometheus: Option<PrometheusSpec>,
    /// Metrics scraped directly (used only when there is no Prometheus).
    pub scrape: Option<ScrapeSpec>,
    /// Health endpoints.
    pub health: Vec<HealthSpec>,
    /// The Kubernetes watches.
    pub kube: Option<super::kube::KubeSpec>,
    /// The staging check and the vulnerability report.
    pub gates: Option<super::gates::GatesSpec>,
}

/// The specs of a checked config. Versions come from `[versions]`, else `[deployment] stable`
/// and `release`.
pub fn specs(cfg: &WarroomConfig) -> Specs {
    let (stable, candidate) = cfg.versions();
    let versions: Vec<String> = [stable, candidate].into_iter().flatten().collect();
    let prometheus = cfg.prometheus.as_ref().map(|p| PrometheusSpec {
        bearer_token_file: p.bearer_token_file.clone(),
        window: p.window.0,
        queries: p.queries.templates(),
        ..PrometheusSpec::new(p.url.0.clone(), versions.clone(), p.interval.0, p.timeout.0)
    });
    let scrape = cfg.scrape.as_ref().map(|s| {
        let mut spec = ScrapeSpec::new(
            s.targets.iter().map(|t| t.0.clone()).collect(),
            versions.clone(),
            s.interval.0,
        );
        spec.signals.window = s.window();
        spec
    });
    let health = cfg
        .health
        .iter()
        .map(|h| HealthSpec {
            expect_status: u16::try_from(h.expect_status).unwrap_or(200),
            version_field: h.version_field.clone(),
            expect_json: super::health::expectations(&h.expect_json),
            insecure_skip_tls_verify: h.insecure_skip_tls_verify,
            ..HealthSpec::new(&h.name, h.url.0.clone(), h.interval.0, h.timeout.0)
        })
        .collect();
    Specs {
        prometheus,
        scrape,
        health,
        kube: super::kube::KubeSpec::from_config(cfg),
        gates: super::gates::GatesSpec::from_config(cfg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::warroom::parse_str;
    use crate::runbook::Format;

    #[test]
    fn specs_follow_the_config() {
        let text = r#"
[deployment]
name = "app"
release = "1.2.3"
stable = "1.2.2"
[versions]
stable = "blue"
[prometheus]
url = "http://127.0.0.1:9090/prom"
interval = "5s"
timeout = "3s"
[[health]]
name = "api"
url = "https://127.0.0.1:8443/health"
version_field = "version"
insecure_skip_tls_verify = true
"#;
        let cfg = parse_str(text, Format::Toml, "w.toml").expect("valid");
        let s = specs(&cfg);
        let p = s.prometheus.expect("prometheus");
        assert_eq!(p.versions, ["blue", "1.2.3"]);
        assert_eq!(p.poll().timeout, Duration::from_secs(4));
        assert!(p.queries.error_ratio.contains("or vector(0)"));
        assert!(s.scrape.is_none());
        assert_eq!(s.health.len(), 1);
        assert_eq!(s.health[0].source, "health:api");
        assert!(s.health[0].insecure_skip_tls_verify);
    }
}
