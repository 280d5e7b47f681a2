//! What went wrong with a watch, in words an operator can act on: RBAC denials name the verb
//! and resource to grant, expired credentials say to re-authenticate, and transport errors
//! name the resource and the cause. No message ever carries a credential.

use std::time::Duration;

use kube::core::Status;

/// The part for pods (the source `kubernetes/pods`).
pub const PODS: &str = "pods";
/// The part for the followed Deployments.
pub const DEPLOYMENTS: &str = "deployments";
/// The part for the Service whose selector routes traffic.
pub const SERVICE: &str = "service";
/// The part for the HTTPRoute whose weights split traffic.
pub const HTTPROUTE: &str = "httproute";
/// The part that watches the deployment lock.
pub const LEASE: &str = "lease";

/// What a watch is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// Building the client from the kubeconfig (before any watch).
    Client,
    /// Every pod in the namespace.
    Pods,
    /// One Deployment.
    Deployment(String),
    /// The Service whose selector routes traffic.
    Service(String),
    /// The HTTPRoute whose weights split traffic.
    Route(String),
    /// The deployment lock (a Lease).
    Lease(String),
}

impl Target {
    /// The resource (plural) RBAC rules name.
    pub fn resource(&self) -> &'static str {
        match self {
            Target::Client => "kubeconfig",
            Target::Pods => "pods",
            Target::Deployment(_) => "deployments",
            Target::Service(_) => "services",
            Target::Route(_) => "httproutes",
            Target::Lease(_) => "leases",
        }
    }

    /// The API group RBAC rules name ("" for the core group).
    pub fn group(&self) -> &'static str {
        match self {
            Target::Deployment(_) => "apps",
            Target::Route(_) => "gateway.networking.k8s.io",
            Target::Lease(_) => "coordination.k8s.io",
            _ => "",
        }
    }

    /// The object's name, for watches of one object.
    pub fn name(&self) -> Option<&str> {
        match self {
            Target::Deployment(n) | Target::Service(n) | Target::Route(n) | Target::Lease(n) => {
                Some(n)
            }
            Target::Client | Target::Pods => None,
        }
    }

    /// The part of the source its data and failures are recorded under (`pods`,
    /// `deployments`, `service`, `httproute`); `None` for the client, which is the source
    /// itself.
    pub fn part(&self) -> Option<&'static str> {
        match self {
            Target::Client => None,
            Target::Pods => Some(PODS),
            Target::Deployment(_) => Some(DEPLOYMENTS),
            Target::Service(_) => Some(SERVICE),
            Target::Route(_) => Some(HTTPROUTE),
            Target::Lease(_) => Some(LEASE),
        }
    }

    /// How messages name it: "pods", "deployment app-blue", "httproute app".
    pub fn describe(&self) -> String {
        match self {
            Target::Client => "kubeconfig".to_string(),
            Target::Pods => "pods".to_string(),
            Target::Deployment(n) => format!("deployment {n}"),
            Target::Service(n) => format!("service {n}"),
            Target::Route(n) => format!("httproute {n}"),
            Target::Lease(n) => format!("lease {n}"),
        }
    }
}

/// The request that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// The (re)list.
    List,
    /// Starting or following the watch.
    Watch,
}

impl Verb {
    fn as_str(self) -> &'static str {
        match self {
            Verb::List => "list",
            Verb::Watch => "watch",
        }
    }
}

/// How a failure is retried and reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Network, server errors, timeouts: retried with backoff, every attempt recorded.
    Transient,
    /// The watch delivered nothing for too long: restarted at once.
    Silent,
    /// 403: retried slowly, reported once.
    Forbidden,
    /// 401: the client is rebuilt from the kubeconfig after a long wait, reported once.
    Unauthorized,
    /// The API server has no such resource type (404 on the collection): retried slowly,
    /// reported once.
    NoSuchResource,
    /// The kubeconfig cannot be used (missing file, unknown context…): retried, reported
    /// once.
    Config,
}

impl FailureKind {
    /// Whether repeating the same message every retry would only be noise.
    pub fn reported_once(self) -> bool {
        matches!(
            self,
            FailureKind::Forbidden
                | FailureKind::Unauthorized
                | FailureKind::NoSuchResource
                | FailureKind::Config
        )
    }
}

/// Retry delay after a 403 or an unknown resource type: someone has to change the cluster.
pub const DENIED_RETRY: Duration = Duration::from_secs(60);
/// Wait before rebuilding the client after a 401: a person has to log in again, and a retry
/// storm of bad credentials can get an account locked.
pub const UNAUTHORIZED_RETRY: Duration = Duration::from_secs(300);

/// One failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// How it is handled.
    pub kind: FailureKind,
    /// What the operator reads.
    pub message: String,
}

/// Where a failed request went: the watch's target, its namespace and the API server (its
/// URL, so a message says which cluster refused; empty when unknown).
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// What is watched.
    pub target: &'a Target,
    /// The namespace.
    pub namespace: &'a str,
    /// The API server's URL.
    pub server: &'a str,
}

impl Scope<'_> {
    /// ` (API server https://…)`, or nothing when the server is unknown.
    fn server_note(&self) -> String {
        let server = self.server.trim_end_matches('/');
        if server.is_empty() {
            String::new()
        } else {
            format!(" (API server {})", clean(server))
        }
    }
}

impl Failure {
    fn new(kind: FailureKind, message: String) -> Self {
        Self { kind, message }
    }

    /// A watch that went silent.
    pub fn silent(at: Scope<'_>, after: Duration) -> Self {
        Self::new(
            FailureKind::Silent,
            format!(
                "watch {} in {} went silent for {}; restarting{}",
                at.target.describe(),
                at.namespace,
                human(after),
                at.server_note()
            ),
        )
    }

    /// A request that got no answer in time.
    pub fn timed_out(at: Scope<'_>, verb: Verb, after: Duration) -> Self {
        Self::new(
            FailureKind::Transient,
            format!(
                "{} {} in {}: no answer within {}{}",
                verb.as_str(),
                at.target.describe(),
                at.namespace,
                human(after),
                at.server_note()
            ),
        )
    }

    /// A client error from a list or watch request.
    pub fn from_error(at: Scope<'_>, verb: Verb, err: &kube::Error) -> Self {
        match err {
            kube::Error::Api(status) => Self::from_status(at, verb, status),
            kube::Error::Auth(e) => Self::new(
                FailureKind::Unauthorized,
                format!(
                    "cannot get credentials from the kubeconfig: {}; re-authenticate{}",
                    clean(&e.to_string()),
                    at.server_note()
                ),
            ),
            other => Self::new(
                FailureKind::Transient,
                format!(
                    "{} {} in {}: {}{}",
                    verb.as_str(),
                    at.target.describe(),
                    at.namespace,
                    transport_cause(other),
                    at.server_note()
                ),
            ),
        }
    }

    /// A `Status` from the API server (an HTTP error, or an ERROR event in a watch).
    pub fn from_status(at: Scope<'_>, verb: Verb, s: &Status) -> Self {
        let (target, ns, server) = (at.target, at.namespace, at.server_note());
        let resource = target.resource();
        let group = match target.group() {
            "" => String::new(),
            g => format!(" (API group {g})"),
        };
        match s.code {
            401 => Self::new(
                FailureKind::Unauthorized,
                format!("unauthorized: credentials expired or invalid; re-authenticate{server}"),
            ),
            403 => Self::new(
                FailureKind::Forbidden,
                format!(
                    "forbidden: cannot {} {resource} in namespace {ns} (RBAC); grant get/list/watch on {resource}{group}{server}",
                    verb.as_str()
                ),
            ),
            // Lists and watches address collections, which exist even when empty (and in a
            // namespace that does not exist): a 404 means the API has no such type.
            404 => Self::new(
                FailureKind::NoSuchResource,
                match target {
                    Target::Route(_) => format!(
                        "the API server has no {resource}{group}; is the Gateway API installed?{server}"
                    ),
                    _ => format!("the API server has no {resource}{group}{server}"),
                },
            ),
            code => Self::new(
                FailureKind::Transient,
                format!(
                    "{} {} in {ns}: {}{server}",
                    verb.as_str(),
                    target.describe(),
                    status_words(code, &s.reason, &s.message)
                ),
            ),
        }
    }
}

/// "429 TooManyRequests: …", "503 ServiceUnavailable: …".
fn status_words(code: u16, reason: &str, message: &str) -> String {
    let mut out = code.to_string();
    if !reason.is_empty() {
        out.push(' ');
        out.push_str(reason);
    }
    let message = clean(message);
    if !message.is_empty() {
        out.push_str(": ");
        out.push_str(&message);
    }
    out
}

/// The cause of a transport-level failure, short: "connection refused", "connection reset",
/// "timed out", or the innermost error's text.
fn transport_cause(err: &kube::Error) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut innermost = err.to_string();
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            let plain = match io.kind() {
                K::ConnectionRefused => Some("connection refused"),
                K::ConnectionReset => Some("connection reset"),
                K::ConnectionAborted => Some("connection aborted"),
                K::TimedOut => Some("timed out"),
                K::UnexpectedEof => Some("connection closed"),
                _ => None,
            };
            if let Some(p) = plain {
                return p.to_string();
            }
        }
        innermost = e.to_string();
        source = e.source();
    }
    let text = clean(&innermost);
    if text.is_empty() {
        "request failed".to_string()
    } else {
        text
    }
}

/// One line, secrets redacted, at most 200 characters: server and library messages are
/// quoted into the session log.
fn clean(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let redacted = crate::session::redact::text(&one_line);
    match redacted.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &redacted[..i]),
        None => redacted,
    }
}

/// "2s", "5m", "1m30s", "250ms": the config's duration format, so a message can be pasted
/// back into `warroom.toml`.
pub fn human(d: Duration) -> String {
    crate::config::warroom::Duration(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: &str = "https://10.0.0.1:6443/";

    fn at(target: &Target) -> Scope<'_> {
        Scope {
            target,
            namespace: "demo",
            server: SERVER,
        }
    }

    fn status(code: u16, reason: &str, message: &str) -> Status {
        let mut s = Status::failure(message, reason);
        s.code = code;
        s
    }

    #[test]
    fn forbidden_names_verb_resource_and_grant() {
        let f = Failure::from_status(
            at(&Target::Pods),
            Verb::Watch,
            &status(
                403,
                "Forbidden",
                "pods is forbidden: User \"x\" cannot watch",
            ),
        );
        assert_eq!(f.kind, FailureKind::Forbidden);
        assert_eq!(
            f.message,
            "forbidden: cannot watch pods in namespace demo (RBAC); grant get/list/watch on pods (API server https://10.0.0.1:6443)"
        );
        let f = Failure::from_status(
            at(&Target::Deployment("app-blue".into())),
            Verb::List,
            &status(403, "Forbidden", ""),
        );
        assert_eq!(
            f.message,
            "forbidden: cannot list deployments in namespace demo (RBAC); grant get/list/watch on deployments (API group apps) (API server https://10.0.0.1:6443)"
        );
        assert!(f.kind.reported_once());
    }

    #[test]
    fn unauthorized_and_missing_api() {
        let f = Failure::from_status(
            at(&Target::Pods),
            Verb::List,
            &status(401, "Unauthorized", "Unauthorized"),
        );
        assert_eq!(f.kind, FailureKind::Unauthorized);
        assert_eq!(
            f.message,
            "unauthorized: credentials expired or invalid; re-authenticate (API server https://10.0.0.1:6443)"
        );
        let f = Failure::from_status(
            at(&Target::Route("app".into())),
            Verb::List,
            &status(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ),
        );
        assert_eq!(f.kind, FailureKind::NoSuchResource);
        assert!(f.message.contains("Gateway API"), "{}", f.message);
    }

    #[test]
    fn server_errors_are_transient_and_quoted() {
        let f = Failure::from_status(
            at(&Target::Service("app".into())),
            Verb::Watch,
            &status(503, "ServiceUnavailable", "etcd\nleader changed"),
        );
        assert_eq!(f.kind, FailureKind::Transient);
        assert_eq!(
            f.message,
            "watch service app in demo: 503 ServiceUnavailable: etcd leader changed (API server https://10.0.0.1:6443)"
        );
        let long = "x".repeat(500);
        let f = Failure::from_status(at(&Target::Pods), Verb::List, &status(500, "", &long));
        assert!(f.message.chars().count() < 300, "{}", f.message);
    }

    #[test]
    fn silence_and_timeouts() {
        assert_eq!(
            Failure::silent(at(&Target::Pods), Duration::from_secs(300)).message,
            "watch pods in demo went silent for 5m; restarting (API server https://10.0.0.1:6443)"
        );
        let unknown = Scope {
            server: "",
            ..at(&Target::Pods)
        };
        assert_eq!(
            Failure::timed_out(unknown, Verb::List, Duration::from_secs(30)).message,
            "list pods in demo: no answer within 30s"
        );
        assert_eq!(human(Duration::from_millis(1500)), "1s500ms");
        assert_eq!(human(Duration::from_secs(90)), "1m30s");
    }

    #[test]
    fn transport_errors_name_the_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = kube::Error::Service(Box::new(io));
        let f = Failure::from_error(at(&Target::Pods), Verb::Watch, &err);
        assert_eq!(f.kind, FailureKind::Transient);
        assert_eq!(
            f.message,
            "watch pods in demo: connection refused (API server https://10.0.0.1:6443)"
        );
    }
}
