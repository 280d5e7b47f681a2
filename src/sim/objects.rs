//! The objects a simulator starts with: namespace `demo`, Deployments `app-blue` (stable) and
//! `app-green` (candidate), Services `app`, `app-blue`, `app-green` and HTTPRoute `app`.

use serde_json::{Value, json};

use super::resources::Kind;
use super::rng::{fnv1a, mix};
use super::status::ApiError;
use super::store::{Key, Store};

/// The namespace the demo workloads live in.
pub const NAMESPACE: &str = "demo";
/// The stable colour and release.
pub const STABLE: (&str, &str) = ("blue", "1.2.2");
/// The candidate colour and release.
pub const CANDIDATE: (&str, &str) = ("green", "1.2.3");

/// The field manager the starting workloads, Services and the HTTPRoute were written by, as
/// if an operator had applied them with `kubectl apply`.
pub const SEED_MANAGER: &str = "kubectl-client-side-apply";

/// The image of a release, pinned by a (synthetic, stable) digest.
pub fn image(release: &str) -> String {
    let h = |s: &str| mix(fnv1a(s.as_bytes()));
    format!(
        "registry.example.com/demo/app:{release}@sha256:{:016x}{:016x}{:016x}{:016x}",
        h(release),
        h(&format!("{release}/1")),
        h(&format!("{release}/2")),
        h(&format!("{release}/3"))
    )
}

fn deployment(colour: &str, release: &str, replicas: u32) -> Value {
    json!({
        "metadata": {"labels": {"app": "app", "version": colour}, "annotations": {}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "app", "version": colour}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            "template": {
                "metadata": {"labels": {"app": "app", "version": colour, "app.kubernetes.io/version": release}},
                "spec": {
                    "containers": [{
                        "name": "app",
                        "image": image(release),
                        "imagePullPolicy": "IfNotPresent",
                        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                        "env": [{"name": "RELEASE", "value": release}],
                        "readinessProbe": {"httpGet": {"path": "/health/ready", "port": 8080, "scheme": "HTTP"},
                            "periodSeconds": 5, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
                        "resources": {},
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                    }],
                    "restartPolicy": "Always",
                    "terminationGracePeriodSeconds": 30,
                    "dnsPolicy": "ClusterFirst",
                    "schedulerName": "default-scheduler",
                    "securityContext": {},
                },
            },
        },
    })
}

fn service(selector: Value, ip: &str) -> Value {
    json!({
        "metadata": {"labels": {"app": "app"}},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": ip,
            "clusterIPs": [ip],
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "sessionAffinity": "None",
            "internalTrafficPolicy": "Cluster",
            "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
            "selector": selector,
        },
        "status": {"loadBalancer": {}},
    })
}

fn route() -> Value {
    json!({
        "metadata": {"labels": {"app": "app"}},
        "spec": {
            "parentRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "public"}],
            "hostnames": ["app.demo.example"],
            "rules": [{
                "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                "backendRefs": [
                    {"group": "", "kind": "Service", "name": "app-blue", "port": 80, "weight": 100},
                    {"group": "", "kind": "Service", "name": "app-green", "port": 80, "weight": 0},
                ],
            }],
        },
        "status": {"parents": []},
    })
}

/// Creates the starting objects; the controller then makes ReplicaSets and pods.
pub fn seed(store: &mut Store, replicas: u32, candidate_replicas: u32) -> Result<(), ApiError> {
    for ns in ["default", "kube-system", NAMESPACE] {
        let obj = json!({"metadata": {"labels": {"kubernetes.io/metadata.name": ns}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}});
        store.create(Key::new(Kind::Namespace, "", ns), obj)?;
    }
    let (sc, sr) = STABLE;
    let (cc, cr) = CANDIDATE;
    let svc = |name: &str, sel: Value, ip: &str| {
        (Key::new(Kind::Service, NAMESPACE, name), service(sel, ip))
    };
    for (key, obj) in [
        svc("app", json!({"app": "app", "version": sc}), "10.96.0.10"),
        svc(
            "app-blue",
            json!({"app": "app", "version": sc}),
            "10.96.0.11",
        ),
        svc(
            "app-green",
            json!({"app": "app", "version": cc}),
            "10.96.0.12",
        ),
        (Key::new(Kind::HttpRoute, NAMESPACE, "app"), route()),
        (
            Key::new(Kind::Deployment, NAMESPACE, "app-blue"),
            deployment(sc, sr, replicas),
        ),
        (
            Key::new(Kind::Deployment, NAMESPACE, "app-green"),
            deployment(cc, cr, candidate_replicas),
        ),
    ] {
        let mut obj = obj;
        obj["apiVersion"] = json!(key.kind.api_version());
        let writer = super::managed::Writer {
            manager: SEED_MANAGER,
            operation: "Update",
            subresource: None,
            now: store.now,
        };
        super::managed::record(None, &mut obj, &writer);
        store.create(key, obj)?;
    }
    Ok(())
}
