//! The Prometheus HTTP client: instant and range queries and `/api/v1/alerts`, each under the
//! spec's timeout and body cap, with the bearer token from a file (read at start, re-read once
//! after a 401) that never leaves this module.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::{Url, redirect};

use crate::prom::{ApiResponse, Limits, PromTime, QueryError, RangeParams, parse_response_with};
use crate::sources::http::{BodyError, describe, ensure_tls_provider, read_capped};
use crate::sources::specs::PrometheusSpec;

/// Redirects followed within the same host (a path prefix moved); never to another host,
/// where the token must not go.
const MAX_REDIRECTS: usize = 3;

/// Talks to one Prometheus.
pub(crate) struct Client {
    http: reqwest::Client,
    base: Url,
    timeout: Duration,
    limits: Limits,
    token_file: Option<PathBuf>,
    token: Mutex<Option<String>>,
}

impl Client {
    /// A client for `spec`; `Err` only if the TLS stack cannot be set up.
    pub(crate) fn new(spec: &PrometheusSpec) -> Result<Self, String> {
        let policy = redirect::Policy::custom(|attempt| {
            let same_host = attempt
                .previous()
                .first()
                .is_some_and(|first| first.host_str() == attempt.url().host_str());
            if !same_host {
                attempt.stop()
            } else if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else {
                attempt.follow()
            }
        });
        ensure_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(spec.timeout)
            .connect_timeout(spec.timeout)
            .redirect(policy)
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        Ok(Self {
            http,
            base: spec.url.clone(),
            timeout: spec.timeout,
            limits: Limits {
                max_body_bytes: spec.max_body_bytes,
            },
            token_file: spec.bearer_token_file.clone(),
            token: Mutex::new(None),
        })
    }

    /// Whether a token file is configured but no token has been read yet.
    pub(crate) fn needs_token(&self) -> bool {
        self.token_file.is_some() && self.current_token().is_none()
    }

    /// (Re)reads the token file.
    pub(crate) async fn load_token(&self) -> Result<(), String> {
        let Some(path) = &self.token_file else {
            return Ok(());
        };
        let text = tokio::fs::read_to_string(path).await.map_err(|e| {
            format!(
                "cannot read [prometheus] bearer_token_file {}: {e}",
                path.display()
            )
        })?;
        let token = text.trim().to_string();
        if token.is_empty() {
            return Err(format!(
                "[prometheus] bearer_token_file {} is empty",
                path.display()
            ));
        }
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = Some(token);
        Ok(())
    }

    fn current_token(&self) -> Option<String> {
        self.token.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// `text` with the token (should a server ever echo it) replaced.
    pub(crate) fn scrub(&self, text: &str) -> String {
        match self.current_token() {
            Some(t) if text.contains(&t) => text.replace(&t, "[redacted]"),
            _ => text.to_string(),
        }
    }

    /// An instant query evaluated at `time`.
    pub(crate) async fn query(
        &self,
        promql: &str,
        time: PromTime,
    ) -> Result<ApiResponse, QueryError> {
        let params = [
            ("query", promql.to_string()),
            ("time", time.to_param()),
            // Let Prometheus give up when we do, rather than evaluate for nobody.
            ("timeout", format!("{}ms", self.timeout.as_millis())),
        ];
        self.get("api/v1/query", &params).await
    }

    /// A range query.
    pub(crate) async fn query_range(
        &self,
        promql: &str,
        range: RangeParams,
    ) -> Result<ApiResponse, QueryError> {
        let params = [
            ("query", promql.to_string()),
            ("start", range.start.to_param()),
            ("end", range.end.to_param()),
            ("step", format!("{}", range.step.as_secs_f64())),
            ("timeout", format!("{}ms", self.timeout.as_millis())),
        ];
        self.get("api/v1/query_range", &params).await
    }

    /// The active alerts.
    pub(crate) async fn alerts(&self) -> Result<ApiResponse, QueryError> {
        self.get("api/v1/alerts", &[]).await
    }

    /// `base` + `path`, keeping a path prefix such as `/prometheus`.
    fn endpoint(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let prefix = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{prefix}/{path}"));
        url.set_query(None);
        url
    }

    async fn get(&self, path: &str, params: &[(&str, String)]) -> Result<ApiResponse, QueryError> {
        let url = self.endpoint(path);
        let used = self.current_token();
        let mut resp = self.send(&url, params, used.as_deref()).await?;
        if resp.status() == reqwest::StatusCode::UNAUTHORIZED && self.token_file.is_some() {
            // The token may have been rotated under us: re-read it, and retry once if it is
            // not the one just refused (a concurrent query may have re-read it already).
            let _ = self.load_token().await;
            let now = self.current_token();
            if now.is_some() && now != used {
                resp = self.send(&url, params, now.as_deref()).await?;
            }
        }
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_capped(&mut resp, self.limits.max_body_bytes, self.timeout)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge { len, limit } => QueryError::TooLarge { len, limit },
                BodyError::Transport(m) => QueryError::Transport(m),
            })?;
        parse_response_with(&self.limits, status, content_type.as_deref(), &body)
    }

    async fn send(
        &self,
        url: &Url,
        params: &[(&str, String)],
        token: Option<&str>,
    ) -> Result<reqwest::Response, QueryError> {
        let mut req = self
            .http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .query(params);
        if let Some(token) = token {
            // bearer_auth marks the header sensitive, so it is never printed in Debug output.
            req = req.bearer_auth(token);
        }
        req.send()
            .await
            .map_err(|e| QueryError::Transport(describe(&e, self.timeout)))
    }
}
