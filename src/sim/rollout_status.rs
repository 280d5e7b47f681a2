//! Status writers for ReplicaSets and Deployments: replica counts, observedGeneration and the
//! Available/Progressing conditions that `kubectl rollout status` reads.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::controller::{bare_template, int, owned_by};
use super::pods::Counts;
use super::resources::Kind;
use super::store::{Key, stamp};
use super::world::World;

/// Writes a ReplicaSet's status from its live and ready pods.
pub fn rs_status(w: &mut World, key: &Key, c: Counts) {
    let Some(mut rs) = w.store.get(key).cloned() else {
        return;
    };
    let st = json!({
        "replicas": c.live, "fullyLabeledReplicas": c.live, "readyReplicas": c.ready,
        "availableReplicas": c.ready, "observedGeneration": rs["metadata"]["generation"],
    });
    if rs["status"] != st {
        rs["status"] = st;
        let _ = w.store.update(key, rs);
    }
}

fn condition(kind: &str, ok: bool, reason: &str, message: String, at: &str) -> Value {
    json!({"type": kind, "status": if ok { "True" } else { "False" }, "lastUpdateTime": at,
        "lastTransitionTime": at, "reason": reason, "message": message})
}

/// Writes a Deployment's status from its ReplicaSets' pods.
pub fn deployment_status(w: &mut World, key: &Key, counts: &HashMap<(String, String), Counts>) {
    let Some(mut d) = w.store.get(key).cloned() else {
        return;
    };
    let uid = d["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let bare = bare_template(&d["spec"]["template"]);
    let (mut total, mut ready, mut updated, mut new_name) = (0, 0, 0, String::new());
    for (k, rs) in w
        .store
        .list(Kind::ReplicaSet, Some(&key.ns))
        .filter(|(_, rs)| owned_by(rs, &uid))
    {
        let c = counts
            .get(&(k.ns.clone(), k.name.clone()))
            .copied()
            .unwrap_or_default();
        total += c.live;
        ready += c.ready;
        if bare_template(&rs["spec"]["template"]) == bare {
            updated = c.live;
            new_name.clone_from(&k.name);
        }
    }
    let desired = int(&d["spec"]["replicas"], 1).max(0);
    let min_available = desired - if desired >= 4 { desired / 4 } else { 0 };
    let complete = updated == desired && total == desired && ready == desired;
    let at = stamp(w.store.now);
    // Keep transition times stable while a condition's status and reason hold.
    let keep = |c: Value, old: &Value| -> Value {
        let prev = old["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|p| p["type"] == c["type"]));
        match prev {
            Some(p) if p["status"] == c["status"] && p["reason"] == c["reason"] => p.clone(),
            _ => c,
        }
    };
    let available = condition(
        "Available",
        ready >= min_available,
        if ready >= min_available {
            "MinimumReplicasAvailable"
        } else {
            "MinimumReplicasUnavailable"
        },
        if ready >= min_available {
            "Deployment has minimum availability.".into()
        } else {
            "Deployment does not have minimum availability.".into()
        },
        &at,
    );
    // Progress is any change in updated, ready or total pods; none for the deadline (and not
    // paused) times the rollout out, as the deployment controller does.
    let signature = (updated, ready, total);
    let since = match w.progress.get(key) {
        Some((s, t)) if *s == signature => *t,
        _ => {
            w.progress.insert(key.clone(), (signature, w.now_ms));
            w.now_ms
        }
    };
    let deadline_ms = int(&d["spec"]["progressDeadlineSeconds"], 600).max(0) as u64 * 1000;
    let paused = d["spec"]["paused"].as_bool().unwrap_or(false);
    let timed_out = !complete && !paused && w.now_ms.saturating_sub(since) > deadline_ms;
    let progressing = if complete {
        condition(
            "Progressing",
            true,
            "NewReplicaSetAvailable",
            format!("ReplicaSet \"{new_name}\" has successfully progressed."),
            &at,
        )
    } else if timed_out {
        condition(
            "Progressing",
            false,
            "ProgressDeadlineExceeded",
            format!("ReplicaSet \"{new_name}\" has timed out progressing."),
            &at,
        )
    } else {
        condition(
            "Progressing",
            true,
            "ReplicaSetUpdated",
            format!("ReplicaSet \"{new_name}\" is progressing."),
            &at,
        )
    };
    let old = d["status"].clone();
    let mut st = json!({
        "observedGeneration": d["metadata"]["generation"],
        "replicas": total, "updatedReplicas": updated, "readyReplicas": ready,
        "availableReplicas": ready,
        "conditions": [keep(available, &old), keep(progressing, &old)],
    });
    if desired - ready > 0 {
        st["unavailableReplicas"] = json!(desired - ready);
    }
    if old != st {
        d["status"] = st;
        let _ = w.store.update(key, d);
    }
}
