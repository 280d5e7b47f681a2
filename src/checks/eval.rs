//! Evaluating one check: PromQL thresholds through the Prometheus source's client, HTTP
//! expectations judged like health probes, Kubernetes conditions and commands (their own
//! files), each under the check's timeout. Unreachable, empty, NaN, stale or partial data is
//! Unknown with the reason, never a pass.

use std::time::Duration;

use jiff::Timestamp;

use super::kube::KubeChecks;
use super::{ChecksSpec, MAX_BODY_BYTES, Outcome, command};
use crate::metrics::{Labels, Reading};
use crate::prom::{Expect, Observation, PromTime, to_readings};
use crate::runbook::check::{Cmp, Kind, Spec};
use crate::sources::HealthSpec;
use crate::sources::health::{MAX_REDIRECTS, judge};
use crate::sources::http::{BodyError, cause, display_url, ensure_tls_provider, read_capped};
use crate::sources::prometheus::client::Client as PromClient;
use crate::sources::prometheus::convert::failure_message;
use crate::sources::sample::round_significant;

/// Evaluates checks; one per checks source, reusing its clients across rounds.
pub struct Evaluator {
    http: Result<reqwest::Client, String>,
    prometheus: Option<(Result<PromClient, String>, Duration)>,
    kube: Option<KubeChecks>,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator").finish_non_exhaustive()
    }
}

impl Evaluator {
    /// Builds the clients the spec allows (the Kubernetes client is built on first use).
    pub fn new(spec: &ChecksSpec) -> Self {
        ensure_tls_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"));
        let prometheus = spec
            .prometheus
            .as_ref()
            .map(|p| (PromClient::new(p), p.max_sample_age));
        Self {
            http,
            prometheus,
            kube: spec.kube.clone().map(KubeChecks::new),
        }
    }

    /// Evaluates `spec` as of `at`, within its timeout.
    pub async fn evaluate(&self, spec: &Spec, at: Timestamp) -> Outcome {
        match tokio::time::timeout(spec.timeout, self.inner(spec, at)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::unknown(format!("no answer within {} ms", spec.timeout.as_millis())),
        }
    }

    async fn inner(&self, spec: &Spec, at: Timestamp) -> Outcome {
        match &spec.kind {
            Kind::Promql {
                query,
                cmp,
                threshold,
            } => self.promql(query, *cmp, *threshold, at).await,
            Kind::Http { url, status, json } => self.http(url, *status, json, spec.timeout).await,
            Kind::Deployment {
                namespace,
                name,
                ready,
            } => match &self.kube {
                Some(k) => k.deployment(namespace.as_deref(), name, *ready).await,
                None => no_cluster(),
            },
            Kind::Pods {
                namespace,
                selector,
                ready,
            } => match &self.kube {
                Some(k) => k.pods(namespace.as_deref(), selector, *ready).await,
                None => no_cluster(),
            },
            Kind::Command { argv, exit, stdout } => {
                command::run(argv, *exit, stdout.as_deref()).await
            }
        }
    }

    async fn promql(&self, query: &str, cmp: Cmp, threshold: f64, at: Timestamp) -> Outcome {
        let Some((client, max_age)) = &self.prometheus else {
            return Outcome::unknown(
                "no [prometheus] in warroom.toml: a promql check has nothing to query",
            );
        };
        let client = match client {
            Ok(c) => c,
            Err(e) => return Outcome::unknown(e.clone()),
        };
        if client.needs_token()
            && let Err(e) = client.load_token().await
        {
            return Outcome::unknown(client.scrub(&e));
        }
        let t = PromTime::from_timestamp(at);
        let resp = match client.query(query, t).await {
            Ok(r) => r,
            Err(e) => return Outcome::unknown(client.scrub(&failure_message(&e))),
        };
        let eval_at = t.to_timestamp().unwrap_or(at);
        match to_readings(&resp, Expect::Value, eval_at, *max_age) {
            Err(u) => Outcome::unknown(u.to_string()),
            Ok(series) => judge_series(&series, cmp, threshold),
        }
    }

    async fn http(
        &self,
        url: &reqwest::Url,
        status: u16,
        json: &[(String, serde_json::Value)],
        timeout: Duration,
    ) -> Outcome {
        let client = match &self.http {
            Ok(c) => c,
            Err(e) => return Outcome::unknown(e.clone()),
        };
        let sent = client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json, */*;q=0.5")
            .timeout(timeout)
            .send()
            .await;
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) => {
                return Outcome::unknown(format!("{} ({})", cause(&e, timeout), display_url(url)));
            }
        };
        let got = resp.status().as_u16();
        let body = if json.is_empty() {
            None
        } else {
            match read_capped(&mut resp, MAX_BODY_BYTES, timeout).await {
                Ok(b) => Some(Ok(b)),
                // A body that did not arrive whole says nothing about the service's answer.
                Err(e @ (BodyError::Transport(_) | BodyError::TooLarge { .. })) => {
                    return Outcome::unknown(format!("body: {e} ({})", display_url(url)));
                }
            }
        };
        let expect = HealthSpec {
            expect_status: status,
            expect_json: json.to_vec(),
            ..HealthSpec::new("check", url.clone(), timeout, timeout)
        };
        let value = format!("status {got}");
        match judge(&expect, got, body.as_ref()).error {
            None => Outcome::pass(value),
            Some(e) => Outcome::fail(Some(value), e),
        }
    }
}

fn no_cluster() -> Outcome {
    Outcome::unknown("no [kubernetes] in warroom.toml: a kube check has no cluster to read")
}

/// Every series must satisfy the comparison; one Unknown series makes the check Unknown.
pub fn judge_series(series: &[Observation], cmp: Cmp, threshold: f64) -> Outcome {
    let many = series.len() > 1;
    let mut values = Vec::with_capacity(series.len());
    for o in series {
        match &o.reading {
            Reading::Unknown(u) => {
                let which = if many {
                    labels(&o.labels)
                } else {
                    String::new()
                };
                // A stale sample's age changes every round; the reason should not, or every
                // round would be recorded as news.
                let why = match u {
                    crate::metrics::Unknown::Stale { .. } => "stale: no recent sample".to_string(),
                    other => other.to_string(),
                };
                return Outcome::unknown(format!("{why}{which}"));
            }
            Reading::Value(v) => values.push((&o.labels, *v)),
        }
    }
    let failing: Vec<&(&Labels, f64)> = values
        .iter()
        .filter(|(_, v)| !cmp.holds(*v, threshold))
        .collect();
    let shown = |v: f64| round_significant(v).to_string();
    match (failing.first(), values.as_slice()) {
        (None, [(_, v)]) => Outcome::pass(shown(*v)),
        (None, all) => Outcome::pass(format!("{} series, all {cmp} {threshold}", all.len())),
        (Some((l, v)), _) => {
            // The value travels on its own: a reason that repeated it would make every round
            // news while a check keeps failing.
            let mut reason = format!("not {cmp} {threshold}");
            if many {
                reason.push_str(&labels(l));
                if failing.len() > 1 {
                    reason.push_str(&format!(" ({} of {} series)", failing.len(), values.len()));
                }
            }
            Outcome::fail(Some(shown(*v)), reason)
        }
    }
}

/// ` for {a="b", c="d"}`, or nothing for a series without labels.
fn labels(l: &Labels) -> String {
    if l.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = l.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!(" for {{{}}}", inner.join(", "))
}
