//! Pure conversions from Kubernetes objects to the rows the panes show: `PodRow`,
//! `WorkloadRow`, a Service's selector and an HTTPRoute's backend weights with the field
//! manager of their last change (from `managedFields`), and the deployment lock's Lease.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::DynamicObject;
use serde_json::Value;

use crate::event::{LeaseRow, PodRow, WorkloadRow};

/// The annotation a Deployment controller writes with the current revision.
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";

/// Waiting reasons that are a normal step of starting, not a problem: the pods pane sorts any
/// reason first, and the phase (Pending) already says the pod is starting.
const STARTING: &[&str] = &["ContainerCreating", "PodInitializing"];

/// A pod as the pods pane shows it; `version_label` names the label that tells versions apart.
pub fn pod_row(pod: &Pod, version_label: &str) -> PodRow {
    let meta = &pod.metadata;
    let status = pod.status.as_ref();
    let statuses: &[ContainerStatus] = status
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or_default();
    let declared = pod.spec.as_ref().map_or(0, |s| s.containers.len());
    let all = statuses.len().max(declared);
    let ready = statuses.iter().filter(|c| c.ready).count();
    let restarts = statuses
        .iter()
        .map(|c| u32::try_from(c.restart_count).unwrap_or(0))
        .fold(0u32, u32::saturating_add);
    let init: &[ContainerStatus] = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or_default();
    let reason = statuses
        .iter()
        .find_map(container_reason)
        .or_else(|| {
            init.iter()
                .find_map(container_reason)
                .map(|r| format!("Init:{r}"))
        })
        .or_else(|| {
            status
                .and_then(|s| s.reason.clone())
                .filter(|r| !r.is_empty())
        });
    PodRow {
        name: meta.name.clone().unwrap_or_default(),
        version: meta
            .labels
            .as_ref()
            .and_then(|l| l.get(version_label))
            .cloned()
            .unwrap_or_default(),
        phase: status
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Pending".to_string()),
        ready: (count(ready), count(all)),
        restarts,
        reason,
        created: meta.creation_timestamp.as_ref().map(|t| t.0),
        terminating: meta.deletion_timestamp.is_some(),
        image_id: main_image_id(pod, statuses),
    }
}

/// The image ID of the first declared container (the workload's own, by the convention the
/// rollout pane follows too), else of the first status; `None` while it is empty (not
/// pulled yet).
fn main_image_id(pod: &Pod, statuses: &[ContainerStatus]) -> Option<String> {
    let main = pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .map(|c| c.name.as_str());
    statuses
        .iter()
        .find(|c| Some(c.name.as_str()) == main)
        .or_else(|| statuses.first())
        .map(|c| c.image_id.clone())
        .filter(|id| !id.is_empty())
}

/// Why a container is not running, if it is in trouble: the waiting reason
/// (CrashLoopBackOff, ImagePullBackOff…) or the reason it terminated (OOMKilled, Error). A
/// clean exit (code 0) is not trouble.
fn container_reason(c: &ContainerStatus) -> Option<String> {
    let state = c.state.as_ref()?;
    if let Some(w) = &state.waiting {
        return w
            .reason
            .clone()
            .filter(|r| !r.is_empty() && !STARTING.contains(&r.as_str()));
    }
    let t = state.terminated.as_ref()?;
    if t.exit_code == 0 {
        return None;
    }
    Some(
        t.reason
            .clone()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| format!("exit code {}", t.exit_code)),
    )
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn non_negative(n: Option<i32>) -> u32 {
    n.and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
}

/// A Deployment as the rollout pane shows it.
pub fn workload_row(d: &Deployment) -> WorkloadRow {
    let spec = &d.spec;
    let status = d.status.as_ref();
    WorkloadRow {
        name: d.metadata.name.clone().unwrap_or_default(),
        // The API server defaults an unset replicas to 1.
        desired: non_negative(spec.replicas.or(Some(1))),
        updated: non_negative(status.and_then(|s| s.updated_replicas)),
        ready: non_negative(status.and_then(|s| s.ready_replicas)),
        available: non_negative(status.and_then(|s| s.available_replicas)),
        revision: d
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(REVISION_ANNOTATION))
            .cloned(),
        image: spec
            .template
            .spec
            .as_ref()
            .and_then(|p| p.containers.first())
            .and_then(|c| c.image.clone()),
        paused: spec.paused.unwrap_or(false),
    }
}

/// A Service's selector (empty when it has none).
pub fn service_selector(s: &Service) -> BTreeMap<String, String> {
    s.spec
        .as_ref()
        .and_then(|s| s.selector.clone())
        .unwrap_or_default()
}

/// An HTTPRoute's backends and weights from its first rule (`spec.rules[0].backendRefs`);
/// a backend without a weight has weight 1, as the Gateway API defines. Malformed entries
/// (no name, a weight that is not a non-negative integer) are skipped.
pub fn route_weights(route: &DynamicObject) -> Vec<(String, u32)> {
    let refs = &route.data["spec"]["rules"][0]["backendRefs"];
    let Some(refs) = refs.as_array() else {
        return Vec::new();
    };
    refs.iter()
        .filter_map(|r| {
            let name = r["name"].as_str().filter(|n| !n.is_empty())?;
            let weight = match &r["weight"] {
                Value::Null => 1,
                w => u32::try_from(w.as_u64()?).ok()?,
            };
            Some((name.to_string(), weight))
        })
        .collect()
}

/// The field manager of the newest `managedFields` entry that owns a field at or under
/// `path` (`["spec", "selector"]`); entries with the same time count in list order, the API
/// server's own order.
pub fn manager_of(meta: &ObjectMeta, path: &[&str]) -> Option<String> {
    let entries = meta.managed_fields.as_deref()?;
    entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.fields_v1.as_ref().is_some_and(|f| touches(&f.0, path)))
        .max_by_key(|(i, e)| (e.time.as_ref().map(|t| t.0), *i))
        .and_then(|(_, e)| e.manager.clone())
}

/// Whether a FieldsV1 set owns `path` or something under it.
fn touches(set: &Value, path: &[&str]) -> bool {
    match path.split_first() {
        None => true,
        Some((first, rest)) => set
            .get(format!("f:{first}"))
            .is_some_and(|sub| touches(sub, rest)),
    }
}

/// Who last changed a Service's routing: the owner of the version key of its selector, else
/// the newest manager of any selector key.
pub fn selector_manager(s: &Service, version_label: &str) -> Option<String> {
    manager_of(&s.metadata, &["spec", "selector", version_label])
        .or_else(|| manager_of(&s.metadata, &["spec", "selector"]))
}

/// Who last changed an HTTPRoute's rules (backend weights live in them).
pub fn route_manager(r: &DynamicObject) -> Option<String> {
    manager_of(&r.metadata, &["spec", "rules"])
}

/// The holder identity this war room writes into the lock: `operator@host session`.
pub fn holder_identity(operator: &str, host: &str, session: &str) -> String {
    format!("{operator}@{host} {session}")
}

/// Whether a holder identity is this session's (its last word is the session id).
pub fn is_ours(holder: &str, session: &str) -> bool {
    !session.is_empty() && holder.rsplit(' ').next() == Some(session)
}

/// The deployment lock as the war room shows it; an empty holder means free.
pub fn lease_row(lease: &Lease, session: Option<&str>) -> LeaseRow {
    let spec = lease.spec.as_ref();
    let holder = spec
        .and_then(|s| s.holder_identity.clone())
        .filter(|h| !h.is_empty());
    LeaseRow {
        name: lease.metadata.name.clone().unwrap_or_default(),
        ours: holder
            .as_deref()
            .zip(session)
            .is_some_and(|(h, s)| is_ours(h, s)),
        holder,
        renewed: spec.and_then(|s| s.renew_time.as_ref()).map(|t| t.0),
        duration_s: spec
            .and_then(|s| s.lease_duration_seconds)
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(v: Value) -> Pod {
        serde_json::from_value(v).expect("pod")
    }

    #[test]
    fn crash_looping_pod() {
        let p = pod(json!({
            "metadata": {"name": "app-green-1", "labels": {"version": "green"},
                         "creationTimestamp": "2026-11-24T15:00:00Z"},
            "spec": {"containers": [{"name": "app"}, {"name": "sidecar"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "sidecar", "ready": true, "restartCount": 0, "image": "s", "imageID": "",
                 "state": {"running": {}}},
                {"name": "app", "ready": false, "restartCount": 4, "image": "a", "imageID": "",
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}
            ]}
        }));
        let row = pod_row(&p, "version");
        assert_eq!(row.name, "app-green-1");
        assert_eq!(row.version, "green");
        assert_eq!(row.phase, "Running");
        assert_eq!(row.ready, (1, 2));
        assert_eq!(row.restarts, 4);
        assert_eq!(row.reason.as_deref(), Some("CrashLoopBackOff"));
        assert_eq!(
            row.created.map(|t| t.to_string()).as_deref(),
            Some("2026-11-24T15:00:00Z")
        );
        assert!(!row.terminating);
    }

    #[test]
    fn the_main_containers_image_id_is_kept() {
        let p = pod(json!({
            "metadata": {"name": "app-green-1"},
            "spec": {"containers": [{"name": "app"}, {"name": "proxy"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "proxy", "ready": true, "restartCount": 0, "image": "envoy:1",
                 "imageID": "docker.io/envoy@sha256:1111", "state": {"running": {}}},
                {"name": "app", "ready": true, "restartCount": 0, "image": "app@sha256:2222",
                 "imageID": "registry.example.com/app@sha256:2222", "state": {"running": {}}}
            ]}
        }));
        assert_eq!(
            pod_row(&p, "version").image_id.as_deref(),
            Some("registry.example.com/app@sha256:2222")
        );
        // Not pulled yet: the kubelet reports an empty image ID.
        let pulling = pod(json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"containerStatuses": [
                {"name": "app", "ready": false, "restartCount": 0, "image": "app", "imageID": "",
                 "state": {"waiting": {"reason": "ContainerCreating"}}}]}
        }));
        assert_eq!(pod_row(&pulling, "version").image_id, None);
    }

    #[test]
    fn reasons_in_order_of_precedence() {
        let terminated = pod(json!({
            "metadata": {"name": "p"},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "a", "ready": false, "restartCount": 1, "image": "", "imageID": "",
                 "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}
        }));
        assert_eq!(
            pod_row(&terminated, "version").reason.as_deref(),
            Some("OOMKilled")
        );
        let no_reason = pod(json!({
            "metadata": {"name": "p"},
            "status": {"containerStatuses": [
                {"name": "a", "ready": false, "restartCount": 0, "image": "", "imageID": "",
                 "state": {"terminated": {"exitCode": 2}}}]}
        }));
        assert_eq!(
            pod_row(&no_reason, "version").reason.as_deref(),
            Some("exit code 2")
        );
        let evicted = pod(json!({
            "metadata": {"name": "p"},
            "status": {"phase": "Failed", "reason": "Evicted"}
        }));
        let row = pod_row(&evicted, "version");
        assert_eq!(row.reason.as_deref(), Some("Evicted"));
        assert_eq!(row.phase, "Failed");
        let init = pod(json!({
            "metadata": {"name": "p"},
            "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "migrate", "ready": false, "restartCount": 3, "image": "", "imageID": "",
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
        }));
        assert_eq!(
            pod_row(&init, "version").reason.as_deref(),
            Some("Init:CrashLoopBackOff")
        );
    }

    #[test]
    fn starting_and_finished_pods_have_no_reason() {
        let creating = pod(json!({
            "metadata": {"name": "p", "deletionTimestamp": "2026-11-24T15:00:00Z"},
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Pending", "containerStatuses": [
                {"name": "a", "ready": false, "restartCount": 0, "image": "", "imageID": "",
                 "state": {"waiting": {"reason": "ContainerCreating"}}}]}
        }));
        let row = pod_row(&creating, "version");
        assert_eq!(row.reason, None);
        assert_eq!(row.ready, (0, 1));
        assert!(row.terminating);
        assert_eq!(row.version, "");
        let done = pod(json!({
            "metadata": {"name": "p"},
            "status": {"phase": "Succeeded", "containerStatuses": [
                {"name": "a", "ready": false, "restartCount": 0, "image": "", "imageID": "",
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
        }));
        assert_eq!(pod_row(&done, "version").reason, None);
        // No status at all yet: Pending, containers counted from the spec.
        let fresh = pod(json!({"metadata": {"name": "p"},
                               "spec": {"containers": [{"name": "a"}, {"name": "b"}]}}));
        let row = pod_row(&fresh, "version");
        assert_eq!((row.phase.as_str(), row.ready), ("Pending", (0, 2)));
    }

    #[test]
    fn negative_restart_counts_do_not_wrap() {
        let p = pod(json!({
            "metadata": {"name": "p"},
            "status": {"containerStatuses": [
                {"name": "a", "ready": true, "restartCount": -5, "image": "", "imageID": ""},
                {"name": "b", "ready": true, "restartCount": 2, "image": "", "imageID": ""}]}
        }));
        assert_eq!(pod_row(&p, "version").restarts, 2);
    }

    #[test]
    fn deployment_row() {
        let d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "app-green",
                         "annotations": {"deployment.kubernetes.io/revision": "3"}},
            "spec": {"replicas": 3, "paused": true, "selector": {},
                     "template": {"spec": {"containers": [
                         {"name": "app", "image": "registry.example/app:1.2.3"},
                         {"name": "sidecar", "image": "proxy:1"}]}}},
            "status": {"updatedReplicas": 2, "readyReplicas": 1, "availableReplicas": 1}
        }))
        .expect("deployment");
        let row = workload_row(&d);
        assert_eq!(
            row,
            WorkloadRow {
                name: "app-green".into(),
                desired: 3,
                updated: 2,
                ready: 1,
                available: 1,
                revision: Some("3".into()),
                image: Some("registry.example/app:1.2.3".into()),
                paused: true,
            }
        );
        let bare: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "d"},
            "spec": {"selector": {}, "template": {}}
        }))
        .expect("deployment");
        let row = workload_row(&bare);
        assert_eq!((row.desired, row.ready, row.image), (1, 0, None));
    }

    #[test]
    fn selector_and_weights() {
        let s: Service = serde_json::from_value(json!({
            "metadata": {"name": "app"},
            "spec": {"selector": {"app": "app", "version": "blue"}}
        }))
        .expect("service");
        let sel = service_selector(&s);
        assert_eq!(sel.get("version").map(String::as_str), Some("blue"));
        assert_eq!(sel.len(), 2);

        let route: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "app"},
            "spec": {"rules": [
                {"backendRefs": [
                    {"name": "app-blue", "port": 80, "weight": 90},
                    {"name": "app-green", "port": 80, "weight": 10},
                    {"name": "default-weight", "port": 80},
                    {"name": "bad", "weight": -1},
                    {"weight": 5}]},
                {"backendRefs": [{"name": "ignored", "weight": 1}]}]}
        }))
        .expect("route");
        assert_eq!(
            route_weights(&route),
            vec![
                ("app-blue".to_string(), 90),
                ("app-green".to_string(), 10),
                ("default-weight".to_string(), 1),
            ]
        );
        let empty: DynamicObject =
            serde_json::from_value(json!({"metadata": {"name": "r"}, "spec": {}})).expect("route");
        assert!(route_weights(&empty).is_empty());
    }

    #[test]
    fn managers_of_routing_fields() {
        let s: Service = serde_json::from_value(json!({
            "metadata": {"name": "app", "managedFields": [
                {"manager": "kubectl-client-side-apply", "operation": "Update",
                 "time": "2026-11-24T15:00:00Z", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:spec": {"f:selector": {"f:app": {}}, "f:ports": {}}}},
                {"manager": "argocd", "operation": "Update", "time": "2026-11-24T15:02:00Z",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {}}}},
                {"manager": "warroom", "operation": "Update", "time": "2026-11-24T15:01:00Z",
                 "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:spec": {"f:selector": {"f:version": {}}}}}]},
            "spec": {"selector": {"app": "app", "version": "green"}}
        }))
        .expect("service");
        // argocd's later write touched labels only: the selector's version is warroom's.
        assert_eq!(selector_manager(&s, "version").as_deref(), Some("warroom"));
        assert_eq!(
            manager_of(&s.metadata, &["spec", "selector"]).as_deref(),
            Some("warroom")
        );
        assert_eq!(
            selector_manager(&s, "color").as_deref(),
            Some("warroom"),
            "newest entry touching the selector"
        );
        assert_eq!(manager_of(&s.metadata, &["spec", "type"]), None);

        let r: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "app", "managedFields": [
                {"manager": "warroom", "operation": "Update", "time": "2026-11-24T15:00:00Z",
                 "fieldsV1": {"f:spec": {"f:rules": {}}}},
                {"manager": "argocd", "operation": "Update", "time": "2026-11-24T15:00:00Z",
                 "fieldsV1": {"f:spec": {"f:rules": {}}}}]},
            "spec": {}
        }))
        .expect("route");
        assert_eq!(
            route_manager(&r).as_deref(),
            Some("argocd"),
            "same second: list order"
        );
        let bare: DynamicObject =
            serde_json::from_value(json!({"metadata": {"name": "r"}})).expect("route");
        assert_eq!(route_manager(&bare), None);
    }

    #[test]
    fn leases_and_holders() {
        let id = holder_identity("alice", "laptop", "demo-20261124T150102Z");
        assert_eq!(id, "alice@laptop demo-20261124T150102Z");
        assert!(is_ours(&id, "demo-20261124T150102Z"));
        assert!(!is_ours(&id, "demo-2"));
        assert!(!is_ours("alice@laptop", ""));
        let l: Lease = serde_json::from_value(json!({
            "metadata": {"name": "warroom-app"},
            "spec": {"holderIdentity": id, "leaseDurationSeconds": 30,
                     "renewTime": "2026-11-24T15:01:02.000000Z"}
        }))
        .expect("lease");
        let row = lease_row(&l, Some("demo-20261124T150102Z"));
        assert_eq!(row.name, "warroom-app");
        assert!(row.ours);
        assert_eq!(row.duration_s, 30);
        assert_eq!(
            row.renewed.map(|t| t.to_string()).as_deref(),
            Some("2026-11-24T15:01:02Z")
        );
        let theirs = lease_row(&l, Some("other"));
        assert!(!theirs.ours);
        assert_eq!(theirs.holder.as_deref(), Some(id.as_str()));
        let free: Lease = serde_json::from_value(json!({
            "metadata": {"name": "warroom-app"}, "spec": {"holderIdentity": ""}
        }))
        .expect("lease");
        assert_eq!(lease_row(&free, None).holder, None);
    }
}
