//! Server-side printing: the `meta.k8s.io/v1` Table that kubectl asks for
//! (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), with the usual columns.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::resources::Kind;
use super::selector::LabelSelector;

/// What each row's `object` carries (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Include {
    /// Nothing.
    None,
    /// `PartialObjectMetadata` (the default).
    Metadata,
    /// The whole object.
    Object,
}

impl Include {
    /// Reads the `includeObject` query parameter.
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("None") => Include::None,
            Some("Object") => Include::Object,
            _ => Include::Metadata,
        }
    }
}

/// Whether the Accept header asks for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.contains("as=Table"))
}

/// Kubernetes' `HumanDuration`: `45s`, `3m20s`, `25m`, `5h10m`, `3d`.
pub fn human(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    let s = secs.max(0);
    if s < 120 {
        return format!("{s}s");
    }
    let m = s / 60;
    if m < 10 {
        return if s % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", s % 60)
        };
    }
    if m < 180 {
        return format!("{m}m");
    }
    let h = m / 60;
    if h < 8 {
        return if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        };
    }
    if h < 48 {
        return format!("{h}h");
    }
    if h < 24 * 8 {
        return if h % 24 == 0 {
            format!("{}d", h / 24)
        } else {
            format!("{}d{}h", h / 24, h % 24)
        };
    }
    format!("{}d", h / 24)
}

fn age(ts: &Value, now: Timestamp) -> String {
    ts.as_str()
        .and_then(|s| s.parse::<Timestamp>().ok())
        .map_or_else(
            || "<unknown>".into(),
            |t| human(now.as_second() - t.as_second()),
        )
}

fn col(name: &str, kind: &str, priority: u8) -> Value {
    let format = if name == "Name" { "name" } else { "" };
    json!({"name": name, "type": kind, "format": format, "description": "", "priority": priority})
}

/// The column definitions for a kind.
pub fn columns(kind: Kind) -> Vec<Value> {
    let s = |n: &str| col(n, "string", 0);
    let i = |n: &str| col(n, "integer", 0);
    let wide = |n: &str| col(n, "string", 1);
    match kind {
        Kind::Pod => vec![
            s("Name"),
            s("Ready"),
            s("Status"),
            s("Restarts"),
            s("Age"),
            wide("IP"),
            wide("Node"),
            wide("Nominated Node"),
            wide("Readiness Gates"),
        ],
        Kind::Deployment => vec![
            s("Name"),
            s("Ready"),
            i("Up-to-date"),
            i("Available"),
            s("Age"),
            wide("Containers"),
            wide("Images"),
            wide("Selector"),
        ],
        Kind::ReplicaSet => vec![
            s("Name"),
            i("Desired"),
            i("Current"),
            i("Ready"),
            s("Age"),
            wide("Containers"),
            wide("Images"),
            wide("Selector"),
        ],
        Kind::Service => vec![
            s("Name"),
            s("Type"),
            s("Cluster-IP"),
            s("External-IP"),
            s("Port(s)"),
            s("Age"),
            wide("Selector"),
        ],
        Kind::Namespace => vec![s("Name"), s("Status"), s("Age")],
        Kind::HttpRoute => vec![s("Name"), s("Hostnames"), s("Age")],
        Kind::Lease => vec![s("Name"), s("Holder"), s("Age")],
        Kind::ConfigMap => vec![s("Name"), i("Data"), s("Age")],
    }
}

fn containers(obj: &Value, pointer: &str) -> (String, String) {
    let cs = obj
        .pointer(pointer)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = cs.iter().filter_map(|c| c["name"].as_str()).collect();
    let images: Vec<&str> = cs.iter().filter_map(|c| c["image"].as_str()).collect();
    (names.join(","), images.join(","))
}

fn pod_status(o: &Value) -> String {
    if o["metadata"]["deletionTimestamp"].is_string() {
        return "Terminating".into();
    }
    let statuses = o["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for c in &statuses {
        if let Some(r) = c["state"]["waiting"]["reason"].as_str() {
            return r.into();
        }
        if let Some(r) = c["state"]["terminated"]["reason"].as_str() {
            return r.into();
        }
    }
    o["status"]["phase"].as_str().unwrap_or("Unknown").into()
}

fn pod_cells(o: &Value, now: Timestamp) -> Vec<Value> {
    let statuses = o["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let total = o["spec"]["containers"].as_array().map_or(0, Vec::len);
    let ready = statuses.iter().filter(|c| c["ready"] == true).count();
    let restarts: i64 = statuses
        .iter()
        .filter_map(|c| c["restartCount"].as_i64())
        .sum();
    let last = statuses
        .iter()
        .filter_map(|c| c["lastState"]["terminated"]["finishedAt"].as_str())
        .max()
        .map(|t| age(&json!(t), now));
    let restarts = match last {
        Some(a) if restarts > 0 => format!("{restarts} ({a} ago)"),
        _ => restarts.to_string(),
    };
    let none = || json!("<none>");
    vec![
        json!(format!("{ready}/{total}")),
        json!(pod_status(o)),
        json!(restarts),
        json!(age(&o["metadata"]["creationTimestamp"], now)),
        o["status"]["podIP"]
            .as_str()
            .map_or_else(none, |s| json!(s)),
        o["spec"]["nodeName"]
            .as_str()
            .map_or_else(none, |s| json!(s)),
        none(),
        none(),
    ]
}

fn cells(kind: Kind, o: &Value, now: Timestamp) -> Vec<Value> {
    let name = o["metadata"]["name"].clone();
    let created = age(&o["metadata"]["creationTimestamp"], now);
    let n = |v: &Value| json!(v.as_i64().unwrap_or(0));
    let mut row = vec![name];
    match kind {
        Kind::Pod => row.extend(pod_cells(o, now)),
        Kind::Deployment => {
            let (c, i) = containers(o, "/spec/template/spec/containers");
            let ready = o["status"]["readyReplicas"].as_i64().unwrap_or(0);
            let want = o["spec"]["replicas"].as_i64().unwrap_or(1);
            row.extend([
                json!(format!("{ready}/{want}")),
                n(&o["status"]["updatedReplicas"]),
                n(&o["status"]["availableReplicas"]),
                json!(created),
                json!(c),
                json!(i),
                json!(LabelSelector::render_map(
                    &o["spec"]["selector"]["matchLabels"]
                )),
            ]);
        }
        Kind::ReplicaSet => {
            let (c, i) = containers(o, "/spec/template/spec/containers");
            row.extend([
                n(&o["spec"]["replicas"]),
                n(&o["status"]["replicas"]),
                n(&o["status"]["readyReplicas"]),
                json!(created),
                json!(c),
                json!(i),
                json!(LabelSelector::render_map(
                    &o["spec"]["selector"]["matchLabels"]
                )),
            ]);
        }
        Kind::Service => {
            let ports: Vec<String> = o["spec"]["ports"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|p| format!("{}/{}", p["port"], p["protocol"].as_str().unwrap_or("TCP")))
                .collect();
            let sel = LabelSelector::render_map(&o["spec"]["selector"]);
            row.extend([
                o["spec"]["type"].clone(),
                json!(o["spec"]["clusterIP"].as_str().unwrap_or("<none>")),
                json!("<none>"),
                json!(if ports.is_empty() {
                    "<none>".into()
                } else {
                    ports.join(",")
                }),
                json!(created),
                json!(if sel.is_empty() { "<none>".into() } else { sel }),
            ]);
        }
        Kind::Namespace => row.extend([
            json!(o["status"]["phase"].as_str().unwrap_or("Active")),
            json!(created),
        ]),
        Kind::HttpRoute => row.extend([json!(o["spec"]["hostnames"].to_string()), json!(created)]),
        Kind::Lease => row.extend([
            json!(o["spec"]["holderIdentity"].as_str().unwrap_or("")),
            json!(created),
        ]),
        Kind::ConfigMap => {
            let count = |k: &str| o[k].as_object().map_or(0, serde_json::Map::len);
            row.extend([json!(count("data") + count("binaryData")), json!(created)]);
        }
    }
    row
}

fn row(kind: Kind, obj: &Value, include: Include, now: Timestamp) -> Value {
    let mut r = json!({"cells": cells(kind, obj, now)});
    match include {
        Include::None => {}
        Include::Metadata => {
            r["object"] = json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                "metadata": obj["metadata"]});
        }
        Include::Object => r["object"] = obj.clone(),
    }
    r
}

/// A Table of objects with the list's resourceVersion.
pub fn table<'a>(
    kind: Kind,
    objs: impl Iterator<Item = &'a Value>,
    rv: &str,
    include: Include,
    now: Timestamp,
) -> Value {
    let rows: Vec<Value> = objs.map(|o| row(kind, o, include, now)).collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv},
        "columnDefinitions": columns(kind),
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(human(5), "5s");
        assert_eq!(human(200), "3m20s");
        assert_eq!(human(1500), "25m");
        assert_eq!(human(5 * 3600 + 600), "5h10m");
        assert_eq!(human(3 * 86400), "3d");
        assert!(wants_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        ));
        assert!(!wants_table("application/json"));
    }
}
