//! The health source: one poller per endpoint (`health:<name>`). Each probe is a GET under the
//! endpoint's timeout with redirects capped at five and TLS verified unless the endpoint is
//! explicitly marked insecure (then `SourceStarted` says so).
//!
//! A probe that fails (timeout, refused, TLS, unexpected status, bad JSON, a body that does not
//! hold the fields `expect_json` names) is still a successful *attempt*: it is recorded as
//! `HealthProbed { ok: false, error, failures }`, so the pane shows the endpoint down while the
//! source itself is fine.

use std::collections::BTreeMap;

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
                let verdict = judge(&self.spec, status, body.as_ref());
                row.ok = verdict.error.is_none();
                row.status = Some(status);
                row.latency_ms = Some(latency_ms);
                row.version = verdict.version;
                row.error = verdict.error;
            }
        }
        row
    }

    /// Status and, when a version or body fields are expected, the (capped) body.
    async fn fetch(&self) -> Result<(u16, Option<Result<Vec<u8>, BodyError>>), String> {
        let mut resp = self
            .client
            .get(self.spec.url.clone())
            .header(reqwest::header::ACCEPT, "application/json, */*;q=0.5")
            .send()
            .await
            .map_err(|e| cause(&e, self.spec.timeout))?;
        let status = resp.status().as_u16();
        let body = if self.spec.version_field.is_some() || !self.spec.expect_json.is_empty() {
            Some(read_capped(&mut resp, self.spec.max_body_bytes, self.spec.timeout).await)
        } else {
            None
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

/// Judges an answer: healthy when the status is the expected one and, if a version field or
/// body fields are configured, the body is JSON holding them. The version is read even from an
/// unhealthy answer when it can be.
pub fn judge(spec: &HealthSpec, status: u16, body: Option<&Result<Vec<u8>, BodyError>>) -> Verdict {
    let json = match body {
        Some(Ok(bytes)) => Some(
            serde_json::from_slice::<serde_json::Value>(bytes)
                .map_err(|e| format!("body is not JSON: {e}")),
        ),
        Some(Err(e)) => Some(Err(format!("body: {e}"))),
        None => None,
    };
    let version = match (spec.version_field.as_deref(), &json) {
        (Some(field), Some(Ok(v))) => read_version(v, field),
        (Some(_), Some(Err(e))) => Err(e.clone()),
        _ => Err(String::new()),
    };
    if status != spec.expect_status {
        return Verdict {
            version: version.ok(),
            error: Some(format!("status {status}, expected {}", spec.expect_status)),
        };
    }
    let fields = match (&json, spec.expect_json.is_empty()) {
        (_, true) => Ok(()),
        (Some(Ok(v)), false) => mismatches(v, &spec.expect_json),
        (Some(Err(e)), false) => Err(e.clone()),
        (None, false) => Err("no body was read".to_string()),
    };
    match (spec.version_field.as_ref(), version, fields) {
        (_, v, Err(e)) => Verdict {
            version: v.ok(),
            error: Some(e),
        },
        (None, _, Ok(())) => Verdict {
            version: None,
            error: None,
        },
        (Some(_), Ok(v), Ok(())) => Verdict {
            version: Some(v),
            error: None,
        },
        (Some(_), Err(e), Ok(())) => Verdict {
            version: None,
            error: Some(e),
        },
    }
}

/// `expect_json` as (dotted path, value) pairs: a table's fields are paths below its key, so
/// `{ checks = { db = "ok" } }` and `{ "checks.db" = "ok" }` mean the same.
pub fn expectations(
    expect: &BTreeMap<String, serde_json::Value>,
) -> Vec<(String, serde_json::Value)> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
        match v {
            serde_json::Value::Object(o) if !o.is_empty() => {
                for (k, v) in o {
                    walk(&format!("{prefix}.{k}"), v, out);
                }
            }
            _ => out.push((prefix.to_string(), v.clone())),
        }
    }
    let mut out = Vec::new();
    for (k, v) in expect {
        walk(k, v, &mut out);
    }
    out
}

/// Every expected field the body lacks or holds another value in, said plainly.
fn mismatches(
    body: &serde_json::Value,
    expect: &[(String, serde_json::Value)],
) -> Result<(), String> {
    let problems: Vec<String> = expect
        .iter()
        .filter_map(|(path, want)| match at_path(body, path) {
            None => Some(format!(
                "no \"{path}\" field in the JSON body, expected {}",
                shown(want)
            )),
            Some(got) if !same(got, want) => Some(format!(
                "{path} is {}, expected {}",
                shown(got),
                shown(want)
            )),
            Some(_) => None,
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// The value at a dotted path (`checks.db`): dots walk into objects.
fn at_path<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(v, |at, part| at.get(part))
}

/// JSON equality, with numbers equal by value (`1` and `1.0` are the same).
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a, b) {
        (serde_json::Value::Number(x), serde_json::Value::Number(y)) => {
            x == y || x.as_f64().zip(y.as_f64()).is_some_and(|(x, y)| x == y)
        }
        _ => a == b,
    }
}

/// A value as JSON, cut short so a large body does not fill the pane.
fn shown(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// The version at `field` (dots walk into objects: `build.version`) of a JSON body.
fn read_version(json: &serde_json::Value, field: &str) -> Result<String, String> {
    match at_path(json, field) {
        None => Err(format!("no \"{field}\" field in the JSON body")),
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
        Some(other) => Err(format!(
            "\"{field}\" in the JSON body is not a string or number: {other}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn body(s: &str) -> Result<Vec<u8>, BodyError> {
        Ok(s.as_bytes().to_vec())
    }

    fn spec(expect_status: u16, version_field: Option<&str>, expect: &str) -> HealthSpec {
        let url = reqwest::Url::parse("http://127.0.0.1:1/health").expect("url");
        let table: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(expect).expect("expectations");
        HealthSpec {
            expect_status,
            version_field: version_field.map(str::to_string),
            expect_json: expectations(&table),
            ..HealthSpec::new("api", url, Duration::from_secs(5), Duration::from_secs(2))
        }
    }

    #[test]
    fn verdicts() {
        let version = spec(200, Some("version"), "{}");
        let ok = judge(&version, 200, Some(&body(r#"{"version":"1.2.3"}"#)));
        assert_eq!(ok.error, None);
        assert_eq!(ok.version.as_deref(), Some("1.2.3"));

        let nested = judge(
            &spec(200, Some("build.version"), "{}"),
            200,
            Some(&body(r#"{"build":{"version":7}}"#)),
        );
        assert_eq!(nested.version.as_deref(), Some("7"));

        let down = judge(&spec(200, None, "{}"), 503, None);
        assert_eq!(down.error.as_deref(), Some("status 503, expected 200"));

        let html = judge(&version, 200, Some(&body("<html>ok</html>")));
        assert!(
            html.error
                .as_deref()
                .is_some_and(|e| e.starts_with("body is not JSON"))
        );

        let missing = judge(&version, 200, Some(&body(r#"{"status":"ok"}"#)));
        assert_eq!(
            missing.error.as_deref(),
            Some("no \"version\" field in the JSON body")
        );

        let plain = judge(&spec(204, None, "{}"), 204, None);
        assert_eq!(plain.error, None);
    }

    #[test]
    fn body_criteria() {
        let healthy = spec(200, Some("version"), r#"{"status": "healthy"}"#);
        let bad = judge(
            &healthy,
            200,
            Some(&body(r#"{"status":"error","version":"1.2.3"}"#)),
        );
        assert_eq!(
            bad.error.as_deref(),
            Some(r#"status is "error", expected "healthy""#)
        );
        assert_eq!(
            bad.version.as_deref(),
            Some("1.2.3"),
            "read even when unhealthy"
        );
        let good = judge(
            &healthy,
            200,
            Some(&body(r#"{"status":"healthy","version":"1.2.3"}"#)),
        );
        assert_eq!((good.error, good.version.as_deref()), (None, Some("1.2.3")));

        // Nested tables and dotted keys are the same paths; numbers compare by value.
        for expect in [
            r#"{"checks": {"db": "ok"}, "errors": 0}"#,
            r#"{"checks.db": "ok", "errors": 0.0}"#,
        ] {
            let s = spec(200, None, expect);
            let ok = judge(
                &s,
                200,
                Some(&body(r#"{"checks":{"db":"ok","cache":"slow"},"errors":0}"#)),
            );
            assert_eq!(ok.error, None, "{expect}");
            let e = judge(
                &s,
                200,
                Some(&body(r#"{"checks":{"cache":"ok"},"errors":2}"#)),
            );
            let e = e.error.unwrap_or_default();
            assert!(
                e.starts_with(r#"no "checks.db" field in the JSON body, expected "ok"; errors is 2, expected 0"#),
                "{expect}: {e}"
            );
        }

        let s = spec(200, None, r#"{"ready": true}"#);
        let text = judge(&s, 200, Some(&body("OK")));
        assert!(
            text.error
                .as_deref()
                .is_some_and(|e| e.starts_with("body is not JSON"))
        );
        // The status is judged first.
        let down = judge(&s, 503, Some(&body(r#"{"ready": false}"#)));
        assert_eq!(down.error.as_deref(), Some("status 503, expected 200"));
    }
}
