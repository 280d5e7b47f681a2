//! The executors' view of the Kubernetes API: one client built from `[kubernetes]` (the same
//! builder the source uses), raw requests so that every answer keeps its status, body and
//! Retry-After, a limit on every call, 429s waited out, and the tags every write carries (field
//! manager `warroom`, the session and sequence annotations) so the cluster's audit log and
//! the session log point at each other.

use std::sync::Mutex;
use std::time::Duration;

use kube::api::{GetParams, ListParams, Patch, PatchParams, PostParams};
use kube::client::Body;
use serde_json::{Value, json};

/// Limit for one API call, answer included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// The field manager of every write, so `managedFields` and the audit log name the war room.
pub const FIELD_MANAGER: &str = "warroom";
/// Annotation: the session whose log holds the intent.
pub const ANN_SESSION: &str = "warroom.io/session";
/// Annotation: the sequence number of the `ActionRequested` line.
pub const ANN_SEQ: &str = "warroom.io/seq";
/// Annotation: the action's id.
pub const ANN_ACTION: &str = "warroom.io/action";
/// How long a read-back keeps trying while the API fails.
pub const READ_BACK_FOR: Duration = Duration::from_secs(30);
/// Attempts of one request while the API answers 429.
const THROTTLED_ATTEMPTS: u32 = 3;
/// A Retry-After longer than this is not waited out: the action fails and says so.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// The kinds the executors read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Res {
    /// Pods (read only).
    Pod,
    /// Services (the blue-green selector, and the backends of a route).
    Service,
    /// Deployments (replica ratio, rollout undo).
    Deployment,
    /// ReplicaSets (rollout history, read only).
    ReplicaSet,
    /// Gateway API HTTPRoutes (canary weights).
    HttpRoute,
    /// The deployment lock.
    Lease,
}

impl Res {
    fn collection(self, ns: &str) -> String {
        match self {
            Res::Pod => format!("/api/v1/namespaces/{ns}/pods"),
            Res::Service => format!("/api/v1/namespaces/{ns}/services"),
            Res::Deployment => format!("/apis/apps/v1/namespaces/{ns}/deployments"),
            Res::ReplicaSet => format!("/apis/apps/v1/namespaces/{ns}/replicasets"),
            Res::HttpRoute => {
                format!("/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/httproutes")
            }
            Res::Lease => format!("/apis/coordination.k8s.io/v1/namespaces/{ns}/leases"),
        }
    }

    /// How messages name an object of this kind: `service/app`.
    pub fn object(self, name: &str) -> String {
        let kind = match self {
            Res::Pod => "pod",
            Res::Service => "service",
            Res::Deployment => "deployment",
            Res::ReplicaSet => "replicaset",
            Res::HttpRoute => "httproute",
            Res::Lease => "lease",
        };
        format!("{kind}/{name}")
    }
}

/// Why a call did not return an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// No complete answer in time: the request may or may not have been applied.
    Timeout(Duration),
    /// The connection failed or broke: the request may or may not have been applied.
    Transport(String),
    /// The API answered with an error status.
    Status {
        /// HTTP status.
        code: u16,
        /// The Status `reason` (`Conflict`, `Forbidden`…).
        reason: String,
        /// The Status `message`.
        message: String,
        /// How long the API asked the client to wait (429, 503).
        retry_after: Option<Duration>,
    },
    /// Still throttled after every attempt, or asked to wait too long.
    Throttled(Duration),
    /// A success status whose body was not the object.
    Decode(String),
}

impl CallError {
    /// Whether the request may have been applied anyway (timeout, broken connection, 5xx,
    /// an unreadable success): only a read-back can tell.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            CallError::Timeout(_) | CallError::Transport(_) | CallError::Decode(_) => true,
            CallError::Status { code, .. } => *code >= 500,
            CallError::Throttled(_) => false,
        }
    }

    /// The HTTP status, if the API answered.
    pub fn code(&self) -> Option<u16> {
        match self {
            CallError::Status { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// What happened, for an outcome's detail ("answered 500 (InternalError: …)").
    pub fn describe(&self) -> String {
        match self {
            CallError::Timeout(d) => format!("no answer within {} s", d.as_secs()),
            CallError::Transport(e) => format!("the connection failed ({e})"),
            CallError::Status {
                code: 401, message, ..
            } => format!(
                "answered 401 Unauthorized ({message}): the credentials expired or are invalid; log in again (not retried)"
            ),
            CallError::Status {
                code: 403, message, ..
            } => format!("answered 403 Forbidden ({message}); not retried"),
            CallError::Status {
                code,
                reason,
                message,
                ..
            } => {
                if reason.is_empty() {
                    format!("answered {code} ({message})")
                } else {
                    format!("answered {code} {reason} ({message})")
                }
            }
            CallError::Throttled(d) => format!(
                "throttled: the API kept answering 429 (Retry-After {} s)",
                d.as_secs()
            ),
            CallError::Decode(e) => {
                format!("answered success with a body that is not the object ({e})")
            }
        }
    }
}

/// Session, sequence and action id, written on every object the war room changes.
#[derive(Debug, Clone, Copy)]
pub struct Tag<'a> {
    /// The session id.
    pub session: &'a str,
    /// The `ActionRequested` line's sequence number.
    pub seq: u64,
    /// The action id.
    pub action: &'a str,
}

impl Tag<'_> {
    /// The annotations, as a JSON map.
    pub fn annotations(&self) -> Value {
        json!({
            ANN_SESSION: self.session,
            ANN_SEQ: self.seq.to_string(),
            ANN_ACTION: self.action,
        })
    }

    /// A merge patch's `metadata`: the resourceVersion precondition and the annotations.
    pub fn metadata(&self, rv: &str) -> Value {
        json!({"resourceVersion": rv, "annotations": self.annotations()})
    }
}

/// The client the executors share.
pub struct Kube {
    client: kube::Client,
    /// The namespace of every object.
    pub ns: String,
    /// Limit for each call.
    pub timeout: Duration,
    /// How long a read-back after an unknown answer keeps trying while the API fails.
    pub read_back_for: Duration,
    throttled: Mutex<Vec<String>>,
}

impl std::fmt::Debug for Kube {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kube")
            .field("ns", &self.ns)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Kube {
    /// Wraps a client for `ns`.
    pub fn new(client: kube::Client, ns: impl Into<String>) -> Self {
        Self {
            client,
            ns: ns.into(),
            timeout: CALL_TIMEOUT,
            read_back_for: READ_BACK_FOR,
            throttled: Mutex::new(Vec::new()),
        }
    }

    /// The 429 waits since the last call of this, in words, for an outcome's detail.
    pub fn take_throttle_notes(&self) -> Vec<String> {
        self.throttled
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }

    fn builder(&self, res: Res) -> kube::core::Request {
        kube::core::Request::new(res.collection(&self.ns))
    }

    fn params() -> PatchParams {
        PatchParams {
            field_manager: Some(FIELD_MANAGER.to_string()),
            ..PatchParams::default()
        }
    }

    fn post_params() -> PostParams {
        PostParams {
            field_manager: Some(FIELD_MANAGER.to_string()),
            ..PostParams::default()
        }
    }

    /// GET one object.
    pub async fn get(&self, res: Res, name: &str) -> Result<Value, CallError> {
        let req = self
            .builder(res)
            .get(name, &GetParams::default())
            .map_err(build)?;
        self.call(req).await
    }

    /// GET one object; `None` when it does not exist.
    pub async fn get_opt(&self, res: Res, name: &str) -> Result<Option<Value>, CallError> {
        match self.get(res, name).await {
            Ok(v) => Ok(Some(v)),
            Err(CallError::Status { code: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// LIST the objects matching a label selector (`a=b,c in (d,e)`).
    pub async fn list(&self, res: Res, labels: &str) -> Result<Vec<Value>, CallError> {
        let lp = ListParams::default().labels(labels);
        let req = self.builder(res).list(&lp).map_err(build)?;
        let list = self.call(req).await?;
        match list.get("items") {
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(Value::Null) | None => Ok(Vec::new()),
            Some(_) => Err(CallError::Decode("items is not a list".into())),
        }
    }

    /// PATCH with a JSON merge patch (RFC 7386): right for custom resources such as the
    /// HTTPRoute, which have no strategic-merge schema, and for the maps and scalars the
    /// executors change on built-in kinds.
    pub async fn merge_patch(
        &self,
        res: Res,
        name: &str,
        patch: &Value,
    ) -> Result<Value, CallError> {
        let req = self
            .builder(res)
            .patch(name, &Self::params(), &Patch::Merge(patch))
            .map_err(build)?;
        self.call(req).await
    }

    /// PATCH with a JSON patch (RFC 6902), as `kubectl rollout undo` sends.
    pub async fn json_patch(&self, res: Res, name: &str, ops: &Value) -> Result<Value, CallError> {
        let mut req = self
            .builder(res)
            .patch(name, &Self::params(), &Patch::Merge(ops))
            .map_err(build)?;
        req.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json-patch+json"),
        );
        self.call(req).await
    }

    /// POST a new object.
    pub async fn create(&self, res: Res, obj: &Value) -> Result<Value, CallError> {
        let body = serde_json::to_vec(obj).map_err(|e| CallError::Decode(e.to_string()))?;
        let req = self
            .builder(res)
            .create(&Self::post_params(), body)
            .map_err(build)?;
        self.call(req).await
    }

    /// PUT an object (its resourceVersion is the precondition).
    pub async fn replace(&self, res: Res, name: &str, obj: &Value) -> Result<Value, CallError> {
        let body = serde_json::to_vec(obj).map_err(|e| CallError::Decode(e.to_string()))?;
        let req = self
            .builder(res)
            .replace(name, &Self::post_params(), body)
            .map_err(build)?;
        self.call(req).await
    }

    /// Sends a request within the time limit, waiting out 429s (at least Retry-After, a few
    /// times at most).
    async fn call(&self, req: http::Request<Vec<u8>>) -> Result<Value, CallError> {
        let (parts, body) = req.into_parts();
        let mut attempt = 1;
        loop {
            let mut again = http::Request::builder()
                .method(parts.method.clone())
                .uri(parts.uri.clone());
            for (k, v) in &parts.headers {
                again = again.header(k, v);
            }
            let req = again
                .body(Body::from(body.clone()))
                .map_err(|e| CallError::Decode(format!("cannot build the request: {e}")))?;
            let answer = tokio::time::timeout(self.timeout, self.once(req))
                .await
                .unwrap_or(Err(CallError::Timeout(self.timeout)));
            match answer {
                Err(CallError::Status {
                    code: 429,
                    retry_after,
                    ..
                }) => {
                    let wait = retry_after
                        .unwrap_or(Duration::from_secs(1))
                        .max(Duration::from_secs(1));
                    if attempt >= THROTTLED_ATTEMPTS || wait > MAX_RETRY_AFTER {
                        return Err(CallError::Throttled(wait));
                    }
                    if let Ok(mut notes) = self.throttled.lock() {
                        notes.push(format!(
                            "throttled (429): waited {} s as Retry-After asked",
                            wait.as_secs()
                        ));
                    }
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn once(&self, req: http::Request<Body>) -> Result<Value, CallError> {
        let resp = self
            .client
            .send(req)
            .await
            .map_err(|e| CallError::Transport(cause(&e)))?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = resp
            .into_body()
            .collect_bytes()
            .await
            .map_err(|e| CallError::Transport(cause(&e)))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| CallError::Decode(e.to_string()));
        }
        let s: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let text = |k: &str| s[k].as_str().unwrap_or_default().to_string();
        let message = match text("message") {
            m if m.is_empty() => String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            m => m,
        };
        Err(CallError::Status {
            code: status.as_u16(),
            reason: text("reason"),
            message: crate::session::redact::text(&message),
            retry_after: retry_after.or_else(|| {
                s["details"]["retryAfterSeconds"]
                    .as_u64()
                    .map(Duration::from_secs)
            }),
        })
    }
}

fn build(e: kube::core::request::Error) -> CallError {
    CallError::Decode(format!("cannot build the request: {e}"))
}

/// An error and its causes, in one line, without credentials.
fn cause(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let m = s.to_string();
        if !parts.iter().any(|p| p.contains(&m)) {
            parts.push(m);
        }
        source = s.source();
    }
    crate::session::redact::text(&parts.join(": "))
}

/// An object's `metadata.resourceVersion`.
pub fn rv(obj: &Value) -> String {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The manager of the newest `managedFields` entry (by time; ties in list order): who changed
/// the object last.
pub fn newest_manager(obj: &Value) -> Option<String> {
    obj["metadata"]["managedFields"]
        .as_array()?
        .iter()
        .enumerate()
        .max_by_key(|(i, e)| {
            let t = e["time"]
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok());
            (t, *i)
        })
        .and_then(|(_, e)| e["manager"].as_str().map(str::to_string))
}

/// Whether the object carries this action's annotation (so a read-back can tell our write
/// from someone else's).
pub fn written_by(obj: &Value, action: &str) -> bool {
    obj["metadata"]["annotations"][ANN_ACTION].as_str() == Some(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_whether_the_outcome_is_unknown() {
        let status = |code| CallError::Status {
            code,
            reason: "X".into(),
            message: "m".into(),
            retry_after: None,
        };
        assert!(status(500).outcome_unknown());
        assert!(status(503).outcome_unknown());
        assert!(!status(409).outcome_unknown());
        assert!(!status(403).outcome_unknown());
        assert!(CallError::Timeout(CALL_TIMEOUT).outcome_unknown());
        assert!(CallError::Transport("reset".into()).outcome_unknown());
        assert!(!CallError::Throttled(Duration::from_secs(60)).outcome_unknown());
        assert_eq!(
            CallError::Timeout(CALL_TIMEOUT).describe(),
            "no answer within 10 s"
        );
        assert!(status(401).describe().contains("log in again"));
        assert_eq!(status(500).describe(), "answered 500 X (m)");
    }

    #[test]
    fn tags_and_managers() {
        let tag = Tag {
            session: "s-1",
            seq: 42,
            action: "a3",
        };
        let m = tag.metadata("77");
        assert_eq!(m["resourceVersion"], "77");
        assert_eq!(m["annotations"][ANN_SEQ], "42");
        assert_eq!(m["annotations"][ANN_SESSION], "s-1");
        let obj = json!({"metadata": {"annotations": m["annotations"], "managedFields": [
            {"manager": "kubectl", "time": "2026-11-24T15:00:05Z"},
            {"manager": "argocd", "time": "2026-11-24T15:00:09Z"},
            {"manager": "warroom", "time": "2026-11-24T15:00:09Z"},
            {"manager": "old", "time": "2026-11-24T14:00:00Z"}]}});
        assert_eq!(newest_manager(&obj).as_deref(), Some("warroom"));
        assert!(written_by(&obj, "a3"));
        assert!(!written_by(&obj, "a4"));
        assert_eq!(Res::HttpRoute.object("app"), "httproute/app");
    }
}
