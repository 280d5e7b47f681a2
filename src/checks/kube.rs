//! Kubernetes checks, read through the Kubernetes source's client: a Deployment rolled out (or
//! with N ready replicas), or the pods matching a selector ready. API failures are Unknown
//! with the same words the watches use (RBAC names the verb to grant).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};

use super::Outcome;
use crate::sources::kube::KubeSpec;
use crate::sources::kube::client::{Built, build};
use crate::sources::kube::convert::{pod_row, workload_row};
use crate::sources::kube::failure::{Failure, Scope, Target, Verb};

/// The cluster the kube checks read, with its client built on first use (and again after a
/// failure to build it, on the next evaluation).
pub struct KubeChecks {
    spec: KubeSpec,
    built: tokio::sync::Mutex<Option<Built>>,
}

impl KubeChecks {
    /// Reads the cluster `spec` describes.
    pub fn new(spec: KubeSpec) -> Self {
        Self {
            spec,
            built: tokio::sync::Mutex::new(None),
        }
    }

    async fn client(&self) -> Result<(kube::Client, String), String> {
        let mut built = self.built.lock().await;
        if built.is_none() {
            *built = Some(
                build(&self.spec)
                    .await
                    .map_err(|e| format!("kubernetes: {e}"))?,
            );
        }
        built
            .as_ref()
            .map(|b| (b.client.clone(), b.server.clone()))
            .ok_or_else(|| "kubernetes: no client".to_string())
    }

    /// A Deployment is rolled out (every replica updated and available, as `kubectl rollout
    /// status` waits for), or has at least `ready` ready replicas.
    pub async fn deployment(&self, ns: Option<&str>, name: &str, ready: Option<u32>) -> Outcome {
        let (client, server) = match self.client().await {
            Ok(c) => c,
            Err(e) => return Outcome::unknown(e),
        };
        let ns = ns.unwrap_or(&self.spec.namespace);
        let api: Api<Deployment> = Api::namespaced(client, ns);
        // A list by name needs the same `list` the watches have, and reads like them on error.
        let params = ListParams::default().fields(&format!("metadata.name={name}"));
        let target = Target::Deployment(name.to_string());
        let list = match api.list(&params).await {
            Ok(l) => l,
            Err(e) => return Outcome::unknown(failure(&target, ns, &server, &e)),
        };
        let Some(d) = list
            .items
            .iter()
            .find(|d| d.metadata.name.as_deref() == Some(name))
        else {
            return Outcome::fail(None, format!("deployment {name} not found in {ns}"));
        };
        judge_deployment(d, ready)
    }

    /// The pods matching `selector` are ready: at least `ready` of them, or (without it) every
    /// one and at least one.
    pub async fn pods(&self, ns: Option<&str>, selector: &str, ready: Option<u32>) -> Outcome {
        let (client, server) = match self.client().await {
            Ok(c) => c,
            Err(e) => return Outcome::unknown(e),
        };
        let ns = ns.unwrap_or(&self.spec.namespace);
        let api: Api<Pod> = Api::namespaced(client, ns);
        let list = match api.list(&ListParams::default().labels(selector)).await {
            Ok(l) => l,
            Err(e) => return Outcome::unknown(failure(&Target::Pods, ns, &server, &e)),
        };
        judge_pods(&list.items, &self.spec.version_label, selector, ns, ready)
    }
}

fn failure(target: &Target, ns: &str, server: &str, e: &kube::Error) -> String {
    let scope = Scope {
        target,
        namespace: ns,
        server,
    };
    Failure::from_error(scope, Verb::List, e).message
}

/// Whether a Deployment is rolled out, or has `ready` ready replicas.
pub fn judge_deployment(d: &Deployment, ready: Option<u32>) -> Outcome {
    let w = workload_row(d);
    let name = &w.name;
    if let Some(n) = ready {
        let value = format!("{}/{} ready", w.ready, w.desired);
        return if w.ready >= n {
            Outcome::pass(value)
        } else {
            Outcome::fail(Some(value), format!("{name}: {} ready, needs {n}", w.ready))
        };
    }
    let status = d.status.as_ref();
    let seen = status.and_then(|s| s.observed_generation).unwrap_or(0);
    let generation = d.metadata.generation.unwrap_or(0);
    let total = status
        .and_then(|s| s.replicas)
        .and_then(|r| u32::try_from(r).ok())
        .unwrap_or(0);
    let value = format!("{}/{} available", w.available, w.desired);
    if seen < generation {
        return Outcome::fail(
            Some(value),
            format!("{name}: the controller has not seen generation {generation} yet"),
        );
    }
    if w.updated < w.desired || w.available < w.desired || total > w.updated {
        return Outcome::fail(
            Some(value),
            format!(
                "{name}: rollout not finished: {} of {} updated, {} available{}",
                w.updated,
                w.desired,
                w.available,
                if total > w.updated {
                    format!(", {} old replicas left", total - w.updated)
                } else {
                    String::new()
                }
            ),
        );
    }
    Outcome::pass(value)
}

/// Whether the pods are ready: every non-terminating pod, or at least `ready` of them.
pub fn judge_pods(
    pods: &[Pod],
    version_label: &str,
    selector: &str,
    ns: &str,
    ready: Option<u32>,
) -> Outcome {
    let rows: Vec<_> = pods
        .iter()
        .map(|p| pod_row(p, version_label))
        .filter(|r| !r.terminating)
        .collect();
    let is_ready =
        |r: &crate::event::PodRow| r.phase == "Running" && r.ready.1 > 0 && r.ready.0 == r.ready.1;
    let up = u32::try_from(rows.iter().filter(|r| is_ready(r)).count()).unwrap_or(u32::MAX);
    let total = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let value = format!("{up}/{total} ready");
    if total == 0 {
        return Outcome::fail(Some(value), format!("no pods match {selector} in {ns}"));
    }
    let enough = match ready {
        Some(n) => up >= n,
        None => up == total,
    };
    if enough {
        return Outcome::pass(value);
    }
    let waiting: Vec<String> = rows
        .iter()
        .filter(|r| !is_ready(r))
        .take(2)
        .map(|r| match &r.reason {
            Some(why) => format!("{} {why}", r.name),
            None => format!("{} {}", r.name, r.phase),
        })
        .collect();
    let need = ready.map_or_else(|| "all".to_string(), |n| n.to_string());
    Outcome::fail(
        Some(value),
        format!(
            "{up} of {total} ready, needs {need}; not ready: {}",
            waiting.join(", ")
        ),
    )
}
