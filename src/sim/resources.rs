//! The resource kinds the simulated API server knows, and the discovery documents built from
//! them (legacy format: kubectl falls back to it when aggregated discovery is not offered).

use serde_json::{Value, json};

/// A resource type served by the simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `v1` namespaces (cluster-scoped).
    Namespace,
    /// `v1` pods.
    Pod,
    /// `v1` services.
    Service,
    /// `apps/v1` deployments.
    Deployment,
    /// `apps/v1` replicasets.
    ReplicaSet,
    /// `gateway.networking.k8s.io/v1` httproutes.
    HttpRoute,
    /// `coordination.k8s.io/v1` leases.
    Lease,
    /// `v1` configmaps (signed approvals and the war room's pending decision travel in them).
    ConfigMap,
}

/// Static facts about a kind, as discovery reports them.
#[derive(Debug, Clone, Copy)]
pub struct Def {
    /// API group ("" for core).
    pub group: &'static str,
    /// Version within the group.
    pub version: &'static str,
    /// Plural resource name used in URLs.
    pub plural: &'static str,
    /// Singular name.
    pub singular: &'static str,
    /// `kind` of one object.
    pub kind: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Short names (`po`, `deploy`, …).
    pub short: &'static [&'static str],
    /// Subresources served (`status`, `scale`).
    pub subresources: &'static [&'static str],
    /// Whether `metadata.generation` is bumped on spec changes.
    pub generation: bool,
}

const VERBS: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

impl Kind {
    /// Every kind, in discovery order.
    pub const ALL: [Kind; 8] = [
        Kind::Namespace,
        Kind::Pod,
        Kind::Service,
        Kind::Deployment,
        Kind::ReplicaSet,
        Kind::HttpRoute,
        Kind::Lease,
        Kind::ConfigMap,
    ];

    /// The kind's static facts.
    pub const fn def(self) -> Def {
        match self {
            Kind::Namespace => Def {
                group: "",
                version: "v1",
                plural: "namespaces",
                singular: "namespace",
                kind: "Namespace",
                namespaced: false,
                short: &["ns"],
                subresources: &["status"],
                generation: false,
            },
            Kind::Pod => Def {
                group: "",
                version: "v1",
                plural: "pods",
                singular: "pod",
                kind: "Pod",
                namespaced: true,
                short: &["po"],
                subresources: &["status"],
                generation: false,
            },
            Kind::Service => Def {
                group: "",
                version: "v1",
                plural: "services",
                singular: "service",
                kind: "Service",
                namespaced: true,
                short: &["svc"],
                subresources: &["status"],
                generation: false,
            },
            Kind::Deployment => Def {
                group: "apps",
                version: "v1",
                plural: "deployments",
                singular: "deployment",
                kind: "Deployment",
                namespaced: true,
                short: &["deploy"],
                subresources: &["scale", "status"],
                generation: true,
            },
            Kind::ReplicaSet => Def {
                group: "apps",
                version: "v1",
                plural: "replicasets",
                singular: "replicaset",
                kind: "ReplicaSet",
                namespaced: true,
                short: &["rs"],
                subresources: &["scale", "status"],
                generation: true,
            },
            Kind::HttpRoute => Def {
                group: "gateway.networking.k8s.io",
                version: "v1",
                plural: "httproutes",
                singular: "httproute",
                kind: "HTTPRoute",
                namespaced: true,
                short: &[],
                subresources: &["status"],
                generation: true,
            },
            Kind::Lease => Def {
                group: "coordination.k8s.io",
                version: "v1",
                plural: "leases",
                singular: "lease",
                kind: "Lease",
                namespaced: true,
                short: &[],
                subresources: &[],
                generation: false,
            },
            Kind::ConfigMap => Def {
                group: "",
                version: "v1",
                plural: "configmaps",
                singular: "configmap",
                kind: "ConfigMap",
                namespaced: true,
                short: &["cm"],
                subresources: &[],
                generation: false,
            },
        }
    }

    /// Finds a kind by group, version and plural.
    pub fn lookup(group: &str, version: &str, plural: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| {
            let d = k.def();
            d.group == group && d.version == version && d.plural == plural
        })
    }

    /// `apiVersion` of one object (`v1`, `apps/v1`).
    pub fn api_version(self) -> String {
        let d = self.def();
        if d.group.is_empty() {
            d.version.to_string()
        } else {
            format!("{}/{}", d.group, d.version)
        }
    }

    /// How the API server names the resource in messages: `pods`, `deployments.apps`.
    pub fn qualified(self) -> String {
        let d = self.def();
        if d.group.is_empty() {
            d.plural.to_string()
        } else {
            format!("{}.{}", d.plural, d.group)
        }
    }

    /// How the API server names the kind in validation messages: `Pod`, `Deployment.apps`.
    pub fn qualified_kind(self) -> String {
        let d = self.def();
        if d.group.is_empty() {
            d.kind.to_string()
        } else {
            format!("{}.{}", d.kind, d.group)
        }
    }
}

/// The group/versions served outside the core group.
const GROUPS: [(&str, &str); 3] = [
    ("apps", "v1"),
    ("gateway.networking.k8s.io", "v1"),
    ("coordination.k8s.io", "v1"),
];

/// `GET /api`.
pub fn api_versions(server: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server}],
    })
}

fn group_doc(name: &str, version: &str) -> Value {
    let gv = json!({"groupVersion": format!("{name}/{version}"), "version": version});
    json!({"name": name, "versions": [gv.clone()], "preferredVersion": gv})
}

/// `GET /apis`.
pub fn api_group_list() -> Value {
    let groups: Vec<Value> = GROUPS.iter().map(|(g, v)| group_doc(g, v)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `GET /apis/{group}`, if the group is served.
pub fn api_group(group: &str) -> Option<Value> {
    GROUPS.iter().find(|(g, _)| *g == group).map(|(g, v)| {
        let mut doc = group_doc(g, v);
        doc["kind"] = json!("APIGroup");
        doc["apiVersion"] = json!("v1");
        doc
    })
}

/// `GET /api/v1` or `GET /apis/{group}/{version}`, if served.
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let kinds: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| k.def().group == group && k.def().version == version)
        .collect();
    if kinds.is_empty() {
        return None;
    }
    let mut resources = Vec::new();
    for k in kinds {
        let d = k.def();
        let mut r = json!({
            "name": d.plural,
            "singularName": d.singular,
            "namespaced": d.namespaced,
            "kind": d.kind,
            "verbs": VERBS,
        });
        if !d.short.is_empty() {
            r["shortNames"] = json!(d.short);
        }
        if matches!(
            k,
            Kind::Pod | Kind::Service | Kind::Deployment | Kind::ReplicaSet
        ) {
            r["categories"] = json!(["all"]);
        }
        resources.push(r);
        for sub in d.subresources {
            let (kind, group, version) = if *sub == "scale" {
                ("Scale", "autoscaling", "v1")
            } else {
                (d.kind, d.group, d.version)
            };
            let mut s = json!({
                "name": format!("{}/{sub}", d.plural),
                "singularName": "",
                "namespaced": d.namespaced,
                "kind": kind,
                "verbs": ["get", "patch", "update"],
            });
            if *sub == "scale" {
                s["group"] = json!(group);
                s["version"] = json!(version);
            }
            resources.push(s);
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    }))
}

/// `GET /version`: kubectl compares its own version with this one.
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "32",
        "gitVersion": "v1.32.0-warroom-sim",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.23.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_and_names() {
        assert_eq!(
            Kind::lookup("apps", "v1", "deployments"),
            Some(Kind::Deployment)
        );
        assert_eq!(Kind::lookup("", "v1", "deployments"), None);
        assert_eq!(Kind::Deployment.qualified(), "deployments.apps");
        assert_eq!(Kind::Pod.api_version(), "v1");
        let apps = resource_list("apps", "v1").expect("apps");
        let names: Vec<&str> = apps["resources"]
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert!(names.contains(&"deployments/scale"));
    }
}
