//! DELETE: pods terminate gracefully, Deployments and ReplicaSets take what they own with
//! them (background propagation), and the namespaces the simulator lives in are protected.

use serde_json::Value;

use super::crud::{Req, current};
use super::resources::Kind;
use super::status::{self, ApiError};
use super::store::Key;
use super::world::World;

/// DELETE on an object.
pub fn delete(w: &mut World, r: &Req<'_>) -> Result<Value, ApiError> {
    let key = r.key()?;
    let old = current(w, &key)?;
    if key.kind == Kind::Namespace {
        // The simulator's namespaces hold its whole world; refuse like a protected namespace.
        return Err(ApiError::Injected {
            code: 403,
            message: format!("namespaces \"{}\" is protected by the simulator", key.name),
        });
    }
    if r.dry_run() {
        return Ok(old);
    }
    w.dirty = true;
    let body: Value = serde_json::from_slice(r.body).unwrap_or(Value::Null);
    let grace = body["gracePeriodSeconds"].as_i64().or_else(|| {
        r.query
            .get("gracePeriodSeconds")
            .and_then(|g| g.parse().ok())
    });
    let uid = old["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    match key.kind {
        Kind::Pod if grace != Some(0) => {
            w.pods
                .terminate(&mut w.store, &key.ns, &key.name, w.now_ms, w.timing);
            if w.pods.get(&key.ns, &key.name).is_none() {
                w.store.delete(&key)?;
            }
            current(w, &key).or(Ok(old))
        }
        Kind::Deployment | Kind::ReplicaSet => {
            cascade(w, &key, &uid);
            w.store.delete(&key)?;
            Ok(status::deleted(key.kind, &key.name, &uid))
        }
        _ => {
            w.store.delete(&key)?;
            Ok(status::deleted(key.kind, &key.name, &uid))
        }
    }
}

/// Deletes what a Deployment or ReplicaSet owns (background propagation).
fn cascade(w: &mut World, key: &Key, uid: &str) {
    let owned = |v: &Value| {
        v["metadata"]["ownerReferences"]
            .as_array()
            .is_some_and(|o| o.iter().any(|r| r["uid"] == uid))
    };
    if key.kind == Kind::Deployment {
        let sets: Vec<(Key, String)> = w
            .store
            .list(Kind::ReplicaSet, Some(&key.ns))
            .filter(|(_, v)| owned(v))
            .map(|(k, v)| {
                (
                    k.clone(),
                    v["metadata"]["uid"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect();
        for (k, u) in sets {
            cascade(w, &k, &u);
            let _ = w.store.delete(&k);
        }
        return;
    }
    let pods: Vec<String> = w
        .store
        .list(Kind::Pod, Some(&key.ns))
        .filter(|(_, v)| owned(v))
        .map(|(k, _)| k.name.clone())
        .collect();
    for p in pods {
        w.pods
            .terminate(&mut w.store, &key.ns, &p, w.now_ms, w.timing);
    }
}
