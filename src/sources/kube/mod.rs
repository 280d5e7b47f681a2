//! The Kubernetes source: watches (never polls) the namespace's pods, the configured
//! Deployments, the Service and the HTTPRoute, and reports pods, rollout status and traffic
//! as session events, plus the deployment lock (a Lease) so another war room's hold shows
//! before this one acts. A relist replaces the pod table (`PodsListed`), so a 410 Gone or an
//! outage never leaves phantom or duplicate rows; failures name the resource and, for RBAC,
//! the verb to grant; a watch that goes silent is restarted.

pub mod client;
pub mod convert;
pub mod failure;
pub mod plugin;
pub mod source;
pub mod tracker;
pub mod watch;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::warroom::WarroomConfig;
use crate::event::{LeaseRow, PodRow, WorkloadRow};
pub use failure::{Failure, FailureKind, Target};
pub use source::{httproute_resource, run};

/// The source name in events.
pub const SOURCE: &str = "kubernetes";
/// Default time without a word from the API server before a watch is restarted.
pub const DEFAULT_SILENCE: Duration = Duration::from_secs(300);
/// Default limit for one LIST request.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What the source watches, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeSpec {
    /// The kubeconfig file (default: `KUBECONFIG`, `~/.kube/config`, then in-cluster).
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: its current context).
    pub context: Option<String>,
    /// The namespace every watch is in.
    pub namespace: String,
    /// The pod label that tells versions apart.
    pub version_label: String,
    /// Deployment names to follow (stable, candidate).
    pub workloads: Vec<String>,
    /// The Service whose selector routes traffic.
    pub service: Option<String>,
    /// The HTTPRoute whose backend weights split traffic.
    pub route: Option<String>,
    /// The deployment lock's Lease.
    pub lease: Option<String>,
    /// This war room's session id, to tell its own hold of the lock from another's.
    pub session: Option<String>,
    /// Restart a watch after this long without a line from the server (bookmarks count).
    pub silence: Duration,
    /// Limit for one LIST request.
    pub request_timeout: Duration,
    /// Let the client retry 429, 503 and 504 by itself (watches); the executors handle those
    /// answers themselves, since a write must not be re-sent blindly.
    pub retry_transient: bool,
    /// Credential plugins the kubeconfig may run, by full path or bare name on `PATH`.
    pub exec_allowlist: Vec<String>,
}

impl KubeSpec {
    /// A spec for `namespace` with the defaults and nothing but pods to watch.
    pub fn new(namespace: impl Into<String>) -> Self {
        Self {
            kubeconfig: None,
            context: None,
            namespace: namespace.into(),
            version_label: "version".to_string(),
            workloads: Vec::new(),
            service: None,
            route: None,
            lease: None,
            session: None,
            silence: DEFAULT_SILENCE,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry_transient: true,
            exec_allowlist: Vec::new(),
        }
    }

    /// The spec `[kubernetes]` describes, if the config has that table.
    pub fn from_config(cfg: &WarroomConfig) -> Option<KubeSpec> {
        let k = cfg.kubernetes.as_ref()?;
        let mut workloads: Vec<String> = Vec::new();
        for w in [&k.stable, &k.candidate].into_iter().flatten() {
            if !workloads.contains(&w.name) {
                workloads.push(w.name.clone());
            }
        }
        Some(KubeSpec {
            kubeconfig: k.kubeconfig.clone(),
            context: k.context.clone(),
            version_label: k.version_label.clone(),
            workloads,
            service: k.service.as_ref().map(|s| s.0.clone()),
            route: k.route.as_ref().map(|r| r.0.clone()),
            lease: Some(lease_name(&cfg.deployment.name)),
            exec_allowlist: k.exec_allowlist.clone(),
            ..KubeSpec::new(k.namespace.0.clone())
        })
    }

    /// Every watch this spec asks for.
    pub fn targets(&self) -> Vec<Target> {
        let mut t = vec![Target::Pods];
        t.extend(self.workloads.iter().cloned().map(Target::Deployment));
        t.extend(self.service.iter().cloned().map(Target::Service));
        t.extend(self.route.iter().cloned().map(Target::Route));
        t.extend(self.lease.iter().cloned().map(Target::Lease));
        t
    }
}

/// The deployment lock's name: `warroom-<deployment>`, made a valid object name (lowercase
/// letters, digits and `-`, at most 63 characters).
pub fn lease_name(deployment: &str) -> String {
    let mut name: String = format!("warroom-{deployment}")
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() { c } else { '-' }
        })
        .collect();
    name.truncate(63);
    let trimmed = name.trim_end_matches('-');
    if trimmed.is_empty() {
        "warroom".to_string()
    } else {
        trimmed.to_string()
    }
}

/// One converted object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A pod.
    Pod(PodRow),
    /// A Deployment.
    Workload(WorkloadRow),
    /// A Service's selector, and the field manager of its last change.
    Selector(BTreeMap<String, String>, Option<String>),
    /// An HTTPRoute's backend weights, and the field manager of their last change.
    Weights(Vec<(String, u32)>, Option<String>),
    /// The deployment lock.
    Lease(LeaseRow),
}

/// What a watch saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A complete (re)list: replaces everything known about the target.
    Listed(Vec<Row>),
    /// An object was added or changed.
    Applied(Row),
    /// An object was deleted (its name).
    Deleted(String),
}

/// A watch's observation or failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// Data arrived.
    Seen(Seen),
    /// An attempt failed.
    Failed(Failure),
}

/// What one watch sends to the source's loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Which watch.
    pub target: Target,
    /// What happened.
    pub what: Observed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_from_config() {
        let toml = r#"
[deployment]
name = "app"
[kubernetes]
kubeconfig = "kubeconfig"
context = "staging"
namespace = "checkout"
stable = "deployment/checkout-blue"
candidate = "checkout-green"
service = "checkout"
route = "checkout"
version_label = "color"
"#;
        let cfg: WarroomConfig = toml::from_str(toml).expect("config");
        let spec = KubeSpec::from_config(&cfg).expect("spec");
        assert_eq!(spec.kubeconfig, Some(PathBuf::from("kubeconfig")));
        assert_eq!(spec.namespace, "checkout");
        assert_eq!(spec.context.as_deref(), Some("staging"));
        assert_eq!(spec.version_label, "color");
        assert_eq!(spec.workloads, ["checkout-blue", "checkout-green"]);
        assert_eq!(spec.silence, DEFAULT_SILENCE);
        assert_eq!(spec.lease.as_deref(), Some("warroom-app"));
        assert_eq!(
            spec.targets(),
            [
                Target::Pods,
                Target::Deployment("checkout-blue".into()),
                Target::Deployment("checkout-green".into()),
                Target::Service("checkout".into()),
                Target::Route("checkout".into()),
                Target::Lease("warroom-app".into()),
            ]
        );
        assert_eq!(lease_name("Checkout_API"), "warroom-checkout-api");
        assert_eq!(lease_name(&"x".repeat(80)).len(), 63);
        assert!(KubeSpec::from_config(&WarroomConfig::default()).is_none());
    }
}
