//! The health source: one poller per endpoint (`health:<name>`). Each probe is a GET under the
//! endpoint's timeout with redirects capped at five and TLS verified unless the endpoint is
//! explicitly marked insecure (then `SourceStarted` says so).
//!
//! A probe that fails (timeout, refused, TLS, unexpected status, bad JSON) is still a successful
//! *attempt*: it is recorded as `HealthProbed { ok: false, error, failures }`, so the pane shows
//! the endpoint down while the source itself is fine.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::Sink;
use super::http::{BodyError, cause, display_url, ensure_tls_provider, read_capped};
use super::poll::{self, AttemptError};
use super::specs::HealthSpec;
use crate::event::{Event, ProbeRow, SourceKind};

/// Redirects followed before a probe fails with "too many redirects".
pub const MAX_REDIRECTS: usize = 5;

/// Runs one endpoint's poller until `cancel` fires or the sink closes.
pub async fn run(spec: HealthSpec, sink: Sink, cancel: CancellationToken) {
    let mut target = display_url(&spec.url);
    if spec.insecure_skip_tls_verify {
        target.push_str(" (TLS not verified)");
    }
    let Some(client) = super::announce(
        &sink,
        &spec.source,
        SourceKind::Health,
        target,
        spec.interval,
        || {
            ensure_tls_provider();
            reqwest::Client::builder()
                .timeout(spec.timeout)
                .connect_timeout(spec.timeout)
                .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
                .tls_danger_accept_invalid_certs(spec.insecure_skip_tls_verify)
                .tls_danger_accept_invalid_hostnames(spec.insecure_skip_tls_verify)
                .build()
                .map_err(|e| format!("cannot set up the HTTP client: {e}"))
        },
    )
    .await
    else {
        return;
    };
    let prober = Arc::new(Prober {
        client,
        failures: AtomicU32::new(0),
        spec,
    });
    let poll_spec = prober.spec.poll();
    poll::run(poll_spec, sink, cancel, move || {
        let p = Arc::clone(&prober);
        async move { p.attempt().await }
    })
    .await;
}

struct Prober {
    spec: HealthSpec,
    client: reqwest::Client,
    /// Consecutive failed probes.
    failures: AtomicU32,
}

impl Prober {
    async fn attempt(&self) -> Result<Vec<Event>, AttemptError> {
        let mut probe = self.probe().await;
        // Attempts run one at a time, so load-then-store cannot race.
        let failures = if probe.ok {
            0
        } else {
            self.failures.load(Ordering::Relaxed).saturating_add(1)
        };
        self.failures.store(failures, Ordering::Relaxed);
        probe.failures = failures;
        Ok(vec![Event::HealthProbed {
            source: self.spec.source.clone(),
            probe,
        }])
    }

    async fn probe(&self) -> ProbeRow {
        let started = Instant::now();
        let timeout = self.spec.timeout;
        let answer = tokio::time::timeout(timeout, self.fetch()).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut row = ProbeRow {
            endpoint: self.spec.name.clone(),
            ..ProbeRow::default()
        };
        match answer {
            Err(_) => row.error = Some(format!("no answer within {} ms", timeout.as_millis())),
            Ok(Err(error)) => row.error = Some(error),
            Ok(Ok((status, body))) => {
                let verdict = judge(
                    self.spec.expect_status,
                    self.spec.version_field.as_deref(),
                    status,
                    body.as_ref(),
                );
                row.ok = verdict.error.is_none();
                row.status = Some(status);
                row.latency_ms = Some(latency_ms);
                row.version = verdict.version;
                row.error = verdict.error;
            }
        }
        row
    }

    /// Status and, when a version is expected, the (capped) body.
    async fn fetch(&self) -> Result<(u16, Option<Result<Vec<u8>, BodyError>>), String> {
        let mut resp = self
            .client
            .get(self.spec.url.clone())
            .header(reqwest::header::ACCEPT, "application/json, */*;q=0.5")
            .send()
            .await
            .map_err(|e| cause(&e, self.spec.timeout))?;
        let status = resp.status().as_u16();
        let body = match self.spec.version_field {
            Some(_) => {
                Some(read_capped(&mut resp, self.spec.max_body_bytes, self.spec.timeout).await)
            }
            None => None,
        };
        Ok((status, body))
    }
}

/// What a probe's answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The version the body reports.
    pub version: Option<String>,
    /// Why the endpoint is not healthy; `None` when it is.
    pub error: Option<String>,
}

/// Judges an answer: healthy when the status is the expected one and, if a version field is
/// configured, the body is JSON holding it. The version is read even from an unhealthy answer
/// when it can be.
pub fn judge(
    expect_status: u16,
    version_field: Option<&str>,
    status: u16,
    body: Option<&Result<Vec<u8>, BodyError>>,
) -> Verdict {
    let version = match (version_field, body) {
        (Some(field), Some(Ok(bytes))) => read_version(bytes, field),
        (Some(_), Some(Err(e))) => Err(format!("body: {e}")),
        _ => Err(String::new()),
    };
    if status != expect_status {
        return Verdict {
            version: version.ok(),
            error: Some(format!("status {status}, expected {expect_status}")),
        };
    }
    match (version_field, version) {
        (None, _) => Verdict {
            version: None,
            error: None,
        },
        (Some(_), Ok(v)) => Verdict {
            version: Some(v),
            error: None,
        },
        (Some(_), Err(e)) => Verdict {
            version: None,
            error: Some(e),
        },
    }
}

/// The version at `field` (dots walk into objects: `build.version`) of a JSON body.
fn read_version(body: &[u8], field: &str) -> Result<String, String> {
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let mut at = &json;
    for part in field.split('.') {
        at = at
            .get(part)
            .ok_or_else(|| format!("no \"{field}\" field in the JSON body"))?;
    }
    match at {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(format!(
            "\"{field}\" in the JSON body is not a string or number: {other}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(s: &str) -> Result<Vec<u8>, BodyError> {
        Ok(s.as_bytes().to_vec())
    }

    #[test]
    fn verdicts() {
        let ok = judge(
            200,
            Some("version"),
            200,
            Some(&body(r#"{"version":"1.2.3"}"#)),
        );
        assert_eq!(ok.error, None);
        assert_eq!(ok.version.as_deref(), Some("1.2.3"));

        let nested = judge(
            200,
            Some("build.version"),
            200,
            Some(&body(r#"{"build":{"version":7}}"#)),
        );
        assert_eq!(nested.version.as_deref(), Some("7"));

        let down = judge(200, None, 503, None);
        assert_eq!(down.error.as_deref(), Some("status 503, expected 200"));

        let html = judge(200, Some("version"), 200, Some(&body("<html>ok</html>")));
        assert!(
            html.error
                .as_deref()
                .is_some_and(|e| e.starts_with("body is not JSON"))
        );

        let missing = judge(200, Some("version"), 200, Some(&body(r#"{"status":"ok"}"#)));
        assert_eq!(
            missing.error.as_deref(),
            Some("no \"version\" field in the JSON body")
        );

        let plain = judge(204, None, 204, None);
        assert_eq!(plain.error, None);
    }
}
