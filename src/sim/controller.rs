//! The deployment and replicaset controllers: a template change makes (or revives) a
//! ReplicaSet with the next `deployment.kubernetes.io/revision`, rolling updates move pods
//! over with 25 % surge / 25 % unavailable, and statuses are kept exact so that
//! `kubectl rollout status` finishes.

use serde_json::{Value, json};

use super::pods::{Counts, NewPod};
use super::resources::Kind;
use super::rng::fnv1a;
use super::rollout_status::{deployment_status, rs_status};
use super::store::Key;
use super::world::World;

/// The revision annotation kubectl reads for `rollout history` and `undo`.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
const HASH_LABEL: &str = "pod-template-hash";

pub(super) fn int(v: &Value, default: i64) -> i64 {
    v.as_i64().unwrap_or(default)
}

/// Drops `null` fields, which clients add when they round-trip typed objects
/// (`creationTimestamp: null`) and which mean the same as absent.
pub(super) fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// The template without the pod-template-hash label, for comparing and hashing.
pub(super) fn bare_template(t: &Value) -> Value {
    let mut t = t.clone();
    drop_nulls(&mut t);
    if let Some(l) = t
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        l.remove(HASH_LABEL);
    }
    t
}

/// A pod-template-hash the way Kubernetes spells it: the decimal digits of a 32-bit hash,
/// each mapped through the "safe" alphabet (so it reads like `5d59d67564`).
pub fn template_hash(template: &Value) -> String {
    const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let bytes = serde_json::to_vec(&bare_template(template)).unwrap_or_default();
    let h = (fnv1a(&bytes) & 0xffff_ffff).to_string();
    h.bytes()
        .map(|b| char::from(SAFE[usize::from(b) % SAFE.len()]))
        .collect()
}

fn revision(rs: &Value) -> i64 {
    rs["metadata"]["annotations"][REVISION]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

pub(super) fn owned_by(obj: &Value, uid: &str) -> bool {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r["uid"] == uid && r["controller"] == true)
        })
}

/// Runs every controller once.
pub fn reconcile(w: &mut World) {
    let deployments: Vec<Key> = w
        .store
        .list(Kind::Deployment, None)
        .map(|(k, _)| k.clone())
        .collect();
    for key in &deployments {
        roll(w, key);
    }
    let counts = w.pods.counts();
    let sets: Vec<Key> = w
        .store
        .list(Kind::ReplicaSet, None)
        .map(|(k, _)| k.clone())
        .collect();
    for key in &sets {
        replicate(
            w,
            key,
            counts.get(&(key.ns.clone(), key.name.clone())).copied(),
        );
    }
    let counts = w.pods.counts();
    for key in &sets {
        rs_status(
            w,
            key,
            counts
                .get(&(key.ns.clone(), key.name.clone()))
                .copied()
                .unwrap_or_default(),
        );
    }
    for key in &deployments {
        deployment_status(w, key, &counts);
    }
}

/// Ensures the new ReplicaSet exists with the newest revision and scales new and old sets.
fn roll(w: &mut World, key: &Key) {
    let Some(d) = w.store.get(key).cloned() else {
        return;
    };
    if d["metadata"]["deletionTimestamp"].is_string() {
        return;
    }
    let uid = d["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let template = d["spec"]["template"].clone();
    let desired = int(&d["spec"]["replicas"], 1).max(0);
    let owned: Vec<(Key, Value)> = w
        .store
        .list(Kind::ReplicaSet, Some(&key.ns))
        .filter(|(_, rs)| owned_by(rs, &uid))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let max_rev = owned.iter().map(|(_, rs)| revision(rs)).max().unwrap_or(0);
    let bare = bare_template(&template);
    let current = owned
        .iter()
        .find(|(_, rs)| bare_template(&rs["spec"]["template"]) == bare)
        .cloned();
    let counts = w.pods.counts();
    let count = |k: &Key| {
        counts
            .get(&(k.ns.clone(), k.name.clone()))
            .copied()
            .unwrap_or_default()
    };
    let (new_key, mut new_rs) = match current {
        Some((k, rs)) => (k, rs),
        None => {
            let hash = template_hash(&template);
            let name = format!("{}-{hash}", key.name);
            let mut t = template.clone();
            t["metadata"]["labels"][HASH_LABEL] = json!(hash);
            let mut selector = d["spec"]["selector"].clone();
            selector["matchLabels"][HASH_LABEL] = json!(hash);
            let rs = json!({
                "metadata": {
                    "labels": t["metadata"]["labels"],
                    "annotations": {REVISION: (max_rev + 1).to_string()},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                        "name": key.name, "uid": uid, "controller": true, "blockOwnerDeletion": true}],
                },
                "spec": {"replicas": 0, "selector": selector, "template": t},
            });
            let k = Key::new(Kind::ReplicaSet, &key.ns, &name);
            match w.store.create(k.clone(), rs) {
                Ok(rs) => (k, rs),
                Err(_) => return,
            }
        }
    };
    // A revived old template becomes the newest revision, as after `rollout undo`.
    let rev = revision(&new_rs);
    let mut annotations = new_rs["metadata"]["annotations"].clone();
    if rev < max_rev || rev == 0 {
        annotations[REVISION] = json!((max_rev + 1).to_string());
    }
    if let Some(cause) = d["metadata"]["annotations"]["kubernetes.io/change-cause"].as_str() {
        annotations["kubernetes.io/change-cause"] = json!(cause);
    }
    annotations["deployment.kubernetes.io/desired-replicas"] = json!(desired.to_string());
    let max_surge = (desired + 3) / 4;
    let max_unavailable = if max_surge == 0 { 0 } else { desired / 4 };
    annotations["deployment.kubernetes.io/max-replicas"] = json!((desired + max_surge).to_string());
    new_rs["metadata"]["annotations"] = annotations;
    let new_rev = new_rs["metadata"]["annotations"][REVISION].clone();

    let paused = d["spec"]["paused"].as_bool().unwrap_or(false);
    let olds: Vec<(Key, Value)> = owned.into_iter().filter(|(k, _)| *k != new_key).collect();
    let mut new_replicas = int(&new_rs["spec"]["replicas"], 0);
    let active_olds: Vec<&(Key, Value)> = olds
        .iter()
        .filter(|(_, rs)| int(&rs["spec"]["replicas"], 0) > 0)
        .collect();
    let mut old_targets: Vec<(Key, i64)> = Vec::new();
    if !paused {
        if active_olds.is_empty() {
            new_replicas = desired;
        } else {
            let all: i64 = olds
                .iter()
                .map(|(_, rs)| int(&rs["spec"]["replicas"], 0))
                .sum::<i64>()
                + new_replicas;
            let room = desired + max_surge - all;
            if room > 0 {
                new_replicas += room.min(desired - new_replicas).max(0);
            }
            if new_replicas > desired {
                new_replicas = desired;
            }
            let new_c = count(&new_key);
            let live_all: i64 = olds.iter().map(|(k, _)| count(k).live).sum::<i64>() + new_c.live;
            let min_available = desired - max_unavailable;
            let new_unavailable = (new_replicas - new_c.ready).max(0);
            let mut budget = live_all - min_available - new_unavailable;
            // First drop old pods that are not ready anyway, then ready ones while enough
            // stay available.
            let mut available: i64 =
                olds.iter().map(|(k, _)| count(k).ready).sum::<i64>() + new_c.ready;
            for (k, rs) in &olds {
                let mut want = int(&rs["spec"]["replicas"], 0);
                let c = count(k);
                let unhealthy = (want - c.ready).max(0).min(budget.max(0));
                want -= unhealthy;
                budget -= unhealthy;
                let spare = (available - min_available).max(0).min(want);
                want -= spare;
                available -= spare;
                old_targets.push((k.clone(), want));
            }
        }
    }
    new_rs["spec"]["replicas"] = json!(new_replicas);
    set_rs(w, &new_key, new_rs);
    for (k, want) in old_targets {
        if let Some(mut rs) = w.store.get(&k).cloned() {
            rs["spec"]["replicas"] = json!(want);
            set_rs(w, &k, rs);
        }
    }
    // The deployment carries the revision of its newest ReplicaSet.
    if d["metadata"]["annotations"][REVISION] != new_rev {
        let mut d2 = d.clone();
        d2["metadata"]["annotations"][REVISION] = new_rev;
        let _ = w.store.update(key, d2);
    }
}

/// Writes a ReplicaSet, bumping its generation when the spec changed.
fn set_rs(w: &mut World, key: &Key, mut rs: Value) {
    if let Some(old) = w.store.get(key)
        && old["spec"] != rs["spec"]
    {
        rs["metadata"]["generation"] = json!(int(&old["metadata"]["generation"], 1) + 1);
    }
    let _ = w.store.update(key, rs);
}

/// Creates or removes pods until the ReplicaSet has as many live pods as it wants.
fn replicate(w: &mut World, key: &Key, counts: Option<Counts>) {
    let Some(rs) = w.store.get(key).cloned() else {
        return;
    };
    let want = int(&rs["spec"]["replicas"], 1).max(0);
    let live = counts.map_or(0, |c| c.live);
    if live < want {
        let uid = rs["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let instant = w.bootstrapping;
        for _ in live..want {
            let new = NewPod {
                ns: &key.ns,
                name: None,
                owner: (&key.name, &uid),
                template: &rs["spec"]["template"],
                instant,
            };
            if w.pods
                .create(&mut w.store, &mut w.rng, &new, w.now_ms, w.timing)
                .is_err()
            {
                break;
            }
        }
    } else if live > want {
        let victims = w.pods.removal_order(&key.ns, &key.name);
        for name in victims.into_iter().take((live - want) as usize) {
            w.pods
                .terminate(&mut w.store, &key.ns, &name, w.now_ms, w.timing);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_ignores_its_own_label_and_reads_like_kubernetes() {
        let t = json!({"metadata": {"labels": {"app": "a"}}, "spec": {}});
        let mut u = t.clone();
        u["metadata"]["labels"][HASH_LABEL] = json!("x");
        assert_eq!(template_hash(&t), template_hash(&u));
        assert!(
            template_hash(&t)
                .chars()
                .all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c))
        );
    }
}
