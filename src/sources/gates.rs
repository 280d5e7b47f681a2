//! The gates source (`gates`): every `[gates] interval` it asks the staging verification URL
//! (status 200 and the `expect_json` fields), reads when staging got the release from the same
//! answer (`deployed_at_field`, for the soak), and reads the vulnerability report (size-capped).
//! Each result is judged by `release::gates::observed` and recorded as `GateObserved` only when
//! its status or why changes (for the soak: its status or the deployed-at time, since the gates
//! count the soak on from that time themselves), not on every poll.
//!
//! A failed check is a result, not a failed source: an unreachable URL or an unreadable file is
//! an Unknown gate with the reason, so the gates pane says why go is blocked.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use reqwest::Url;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::Sink;
use super::http::{cause, display_url, ensure_tls_provider, read_capped};
use super::poll::{self, AttemptError, PollSpec};
use crate::config::warroom::WarroomConfig;
use crate::event::{Event, GateId, GateResult, GateStatus};
use crate::release::gates::{self, observed};

/// Cap on the staging verification answer.
pub const STAGING_MAX_BODY_BYTES: u64 = 1024 * 1024;
/// Cap on the vulnerability report (a Trivy report of a large image is a few MB).
pub const REPORT_MAX_BYTES: u64 = 32 * 1024 * 1024;
/// Redirects followed before the staging check fails with "too many redirects".
pub const MAX_REDIRECTS: usize = 5;

/// The staging verification endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct StagingSpec {
    /// The URL asked.
    pub url: Url,
    /// Fields the JSON answer must have (dotted paths allowed).
    pub expect_json: BTreeMap<String, Value>,
    /// The field holding when staging got the release.
    pub deployed_at_field: Option<String>,
    /// The minimum soak, when the soak gate is configured.
    pub soak: Option<Duration>,
}

/// The vulnerability report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSpec {
    /// The file (resolved against the config file's directory).
    pub path: PathBuf,
    /// Most critical findings allowed.
    pub max_critical: u32,
}

/// What the gates source checks and how often.
#[derive(Debug, Clone, PartialEq)]
pub struct GatesSpec {
    /// Source name in events (`gates`).
    pub source: String,
    /// Time between checks.
    pub interval: Duration,
    /// Limit for one staging request.
    pub timeout: Duration,
    /// The staging check, if configured.
    pub staging: Option<StagingSpec>,
    /// The report, if configured.
    pub report: Option<ReportSpec>,
    /// Gates that only warn (recorded results say so).
    pub advisory: Vec<GateId>,
    /// Cap on the staging answer.
    pub max_body_bytes: u64,
    /// Cap on the report file.
    pub max_report_bytes: u64,
}

impl GatesSpec {
    /// The spec for a checked config; `None` when no gate needs observing.
    pub fn from_config(cfg: &WarroomConfig) -> Option<Self> {
        let g = &cfg.gates;
        let staging = g.staging_verified.as_ref().map(|s| StagingSpec {
            url: s.http.0.clone(),
            expect_json: s.expect_json.clone(),
            deployed_at_field: s.deployed_at_field.clone(),
            soak: g.staging_soak.map(|d| d.0),
        });
        let report = g.vulnerabilities.as_ref().map(|v| ReportSpec {
            path: v.report.clone(),
            max_critical: v.max_critical,
        });
        if staging.is_none() && report.is_none() {
            return None;
        }
        Some(Self {
            source: "gates".into(),
            interval: g.interval.0,
            timeout: g.timeout.0,
            staging,
            report,
            advisory: GateId::ALL
                .into_iter()
                .filter(|id| !gates::is_hard(cfg, *id))
                .collect(),
            max_body_bytes: STAGING_MAX_BODY_BYTES,
            max_report_bytes: REPORT_MAX_BYTES,
        })
    }

    /// The poll loop's settings: a check may run past the request timeout (the report is read
    /// too), but never into the next interval.
    pub fn poll(&self) -> PollSpec {
        let mut p = PollSpec::new(&self.source, self.interval);
        if self.timeout < self.interval {
            p.timeout = self.timeout + (self.interval - self.timeout) / 2;
        }
        p
    }
}

/// Runs the checks until `cancel` fires or the sink closes.
pub async fn run(spec: GatesSpec, sink: Sink, cancel: CancellationToken) {
    let client = spec.staging.as_ref().map(|_| {
        ensure_tls_provider();
        reqwest::Client::builder()
            .timeout(spec.timeout)
            .connect_timeout(spec.timeout)
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))
    });
    let checker = Arc::new(Checker {
        poll: spec.poll(),
        spec,
        client,
        last: Mutex::new(HashMap::new()),
    });
    let poll_spec = checker.poll.clone();
    poll::run(poll_spec, sink, cancel, move || {
        let c = Arc::clone(&checker);
        async move { Ok::<_, AttemptError>(c.attempt().await) }
    })
    .await;
}

/// What a recorded result is compared by, to record only changes.
type Key = (GateStatus, String);

struct Checker {
    spec: GatesSpec,
    poll: PollSpec,
    client: Option<Result<reqwest::Client, String>>,
    /// The last result recorded per gate.
    last: Mutex<HashMap<GateId, Key>>,
}

impl Checker {
    async fn attempt(&self) -> Vec<Event> {
        let mut results = Vec::new();
        if let Some(s) = &self.spec.staging {
            let answer = self.ask(s).await;
            results.push(self.result(
                GateId::StagingVerified,
                observed::judge_staging(&answer, &s.expect_json),
            ));
            if let Some(min) = s.soak {
                let deployed = match s.deployed_at_field.as_deref() {
                    Some(f) => observed::deployed_at(&answer, f),
                    None => Err("no deployed_at_field in [gates.staging_verified]".to_string()),
                };
                let soak = observed::judge_soak(deployed, min, Timestamp::now());
                results.push(self.result(GateId::StagingSoak, soak));
            }
        }
        if let Some(r) = &self.spec.report {
            let path = r.path.clone();
            let cap = self.spec.max_report_bytes;
            let read = tokio::task::spawn_blocking(move || read_report(&path, cap))
                .await
                .unwrap_or_else(|e| Err(format!("the read stopped: {e}")));
            let name = file_name(&r.path);
            results.push(self.result(
                GateId::Vulnerabilities,
                observed::judge_report(read, &name, r.max_critical),
            ));
        }
        self.changed(results)
    }

    fn result(&self, gate: GateId, (status, why, evidence): gates::Eval) -> GateResult {
        GateResult {
            gate,
            status,
            hard: !self.spec.advisory.contains(&gate),
            why,
            evidence,
        }
    }

    /// The results that differ from the last recorded ones, as events; remembers them.
    fn changed(&self, results: Vec<GateResult>) -> Vec<Event> {
        // Attempts run one at a time; the lock is never held across an await.
        let mut last = match self.last.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        results
            .into_iter()
            .filter(|r| {
                let key = key(r);
                if last.get(&r.gate) == Some(&key) {
                    return false;
                }
                last.insert(r.gate, key);
                true
            })
            .map(|result| Event::GateObserved { result })
            .collect()
    }

    /// Asks the staging URL, within the timeout.
    async fn ask(&self, s: &StagingSpec) -> observed::StagingAnswer {
        use observed::StagingAnswer::{Answered, Unreadable};
        let client = match &self.client {
            Some(Ok(c)) => c,
            Some(Err(e)) => return Unreadable(e.clone()),
            None => return Unreadable("no HTTP client".to_string()),
        };
        let timeout = self.spec.timeout;
        let ask = async {
            let mut resp = client
                .get(s.url.clone())
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await
                .map_err(|e| format!("{} ({})", cause(&e, timeout), display_url(&s.url)))?;
            let status = resp.status().as_u16();
            let body = read_capped(&mut resp, self.spec.max_body_bytes, timeout)
                .await
                .map_err(|e| format!("answer unreadable: {e}"))?;
            let json = serde_json::from_slice::<Value>(&body).map_err(|e| e.to_string());
            Ok::<_, String>(Answered { status, json })
        };
        match tokio::time::timeout(timeout, ask).await {
            Ok(Ok(a)) => a,
            Ok(Err(why)) => Unreadable(why),
            Err(_) => Unreadable(format!(
                "no answer within {} ms ({})",
                timeout.as_millis(),
                display_url(&s.url)
            )),
        }
    }
}

/// The soak is counted on by the gates from its deployed-at time, so its why changes every
/// minute without news: only its status and that time are compared.
fn key(r: &GateResult) -> Key {
    let what = match (
        r.gate,
        r.evidence.get("deployed_at").and_then(Value::as_str),
    ) {
        (GateId::StagingSoak, Some(at)) => at.to_string(),
        _ => r.why.clone(),
    };
    (r.status, what)
}

/// How a why line names the report: its file name.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Reads at most `cap` bytes of the report; a larger file is refused before it is read, and one
/// that grows past the cap while being read is cut off there.
fn read_report(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| io_reason(&e))?;
    let len = file.metadata().map_err(|e| io_reason(&e))?.len();
    let over = |n: u64| format!("{n} bytes is over the {cap}-byte cap; not read");
    if len > cap {
        return Err(over(len));
    }
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_reason(&e))?;
    if bytes.len() as u64 > cap {
        return Err(over(bytes.len() as u64));
    }
    Ok(bytes)
}

/// An I/O error without the "(os error 2)" tail.
fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "no such file".to_string(),
        PermissionDenied => "permission denied".to_string(),
        IsADirectory => "it is a directory".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_soak_is_compared_by_status_and_deployed_at_time() {
        let r = |why: &str| GateResult {
            gate: GateId::StagingSoak,
            status: GateStatus::Fail,
            hard: true,
            why: why.into(),
            evidence: json!({ "deployed_at": "2026-11-23T08:00:00Z" }),
        };
        assert_eq!(
            key(&r("in staging for 30m of 1h")),
            key(&r("in staging for 31m of 1h"))
        );
        let mut other = r("x");
        other.gate = GateId::Vulnerabilities;
        assert_ne!(key(&other), key(&r("y")));
    }

    #[test]
    fn the_spec_follows_the_config() {
        use crate::config::warroom::parse_str;
        let text = r#"
[deployment]
name = "app"
[gates]
staging_soak = "1h"
staging_verified = { http = "https://ci.example.com/verify", expect_json = { status = "PASSED" }, deployed_at_field = "deployedAt" }
vulnerabilities = { report = "trivy.json", max_critical = 2 }
advisory = ["vulnerabilities"]
interval = "1m"
timeout = "10s"
"#;
        let cfg = parse_str(text, crate::runbook::Format::Toml, "w.toml").expect("valid");
        let s = GatesSpec::from_config(&cfg).expect("gates to observe");
        let staging = s.staging.as_ref().expect("staging");
        assert_eq!(staging.url.as_str(), "https://ci.example.com/verify");
        assert_eq!(staging.soak, Some(Duration::from_secs(3600)));
        assert_eq!(staging.deployed_at_field.as_deref(), Some("deployedAt"));
        assert_eq!(s.report.as_ref().map(|r| r.max_critical), Some(2));
        assert_eq!(s.advisory, [GateId::Vulnerabilities]);
        assert_eq!(s.poll().timeout, Duration::from_secs(35));
        let bare = parse_str(
            "[deployment]\nname = \"app\"",
            crate::runbook::Format::Toml,
            "w.toml",
        )
        .expect("valid");
        assert_eq!(GatesSpec::from_config(&bare), None);
    }

    #[test]
    fn reports_over_the_cap_are_not_read() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("trivy.json");
        std::fs::write(&p, vec![b' '; 2048]).expect("write");
        assert_eq!(
            read_report(&p, 1024),
            Err("2048 bytes is over the 1024-byte cap; not read".to_string())
        );
        assert_eq!(read_report(&p, 4096).map(|b| b.len()), Ok(2048));
        assert_eq!(
            read_report(&dir.path().join("missing.json"), 1024),
            Err("no such file".to_string())
        );
    }
}
