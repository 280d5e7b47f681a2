//! The `scale` subresource of Deployments and ReplicaSets (`autoscaling/v1` Scale), which
//! `kubectl scale` reads and writes, with the same resourceVersion precondition as the object.

use serde_json::{Value, json};

use super::crud::{Req, Target, store_update};
use super::resources::Kind;
use super::selector::LabelSelector;
use super::status::ApiError;
use super::store::Key;
use super::world::World;

/// The Scale view of a Deployment or ReplicaSet.
pub fn scale_of(obj: &Value) -> Value {
    let m = &obj["metadata"];
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": m["name"], "namespace": m["namespace"], "uid": m["uid"],
            "resourceVersion": m["resourceVersion"], "creationTimestamp": m["creationTimestamp"]},
        "spec": {"replicas": obj["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0),
            "selector": LabelSelector::render_map(&obj["spec"]["selector"]["matchLabels"])},
    })
}

/// Writes `spec.replicas` from a Scale (PUT or patched), checking its resourceVersion.
pub fn set_scale(
    w: &mut World,
    r: &Req<'_>,
    key: &Key,
    old: &Value,
    scale: &Value,
) -> Result<Value, ApiError> {
    if !matches!(key.kind, Kind::Deployment | Kind::ReplicaSet) {
        return Err(ApiError::NoRoute);
    }
    let replicas = scale["spec"]["replicas"]
        .as_i64()
        .ok_or_else(|| ApiError::Invalid {
            kind: key.kind,
            name: key.name.clone(),
            detail: "spec.replicas: Required value".into(),
        })?;
    let mut new = old.clone();
    new["spec"]["replicas"] = json!(replicas);
    new["metadata"]["resourceVersion"] = scale["metadata"]["resourceVersion"].clone();
    if new["metadata"]["resourceVersion"].is_null() {
        new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"].clone();
    }
    let stored = store_update(
        w,
        &Req {
            target: &Target {
                sub: None,
                ..r.target.clone()
            },
            ..*r
        },
        key,
        old,
        new,
    )?;
    Ok(scale_of(&stored))
}
