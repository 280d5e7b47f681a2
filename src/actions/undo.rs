//! `kubectl rollout undo` of the candidate Deployment, done as kubectl does it — the owned
//! ReplicaSet with the previous `deployment.kubernetes.io/revision`, its pod template patched
//! back with a JSON patch, the deployment's annotations rebuilt the same way — but refusing
//! what kubectl guesses past (a missing, duplicate or non-integer revision: the candidates are
//! listed, never picked by age) and sending the patch with a resourceVersion precondition, so
//! an edit made between the read and the write is not overwritten.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use serde_json::{Value, json};

use super::kube::{Res, rv};
use super::traffic::Settle;
use super::write::{Body, Write, Written, checked};
use super::{Ctx, Report};
use crate::event::{Outcome, TrafficRow};
use crate::sources::kube::convert::REVISION_ANNOTATION;

/// The label the Deployment controller adds to each ReplicaSet's template.
const HASH_LABEL: &str = "pod-template-hash";

/// Annotations kubectl keeps from the Deployment instead of copying from the ReplicaSet.
const KEPT_FROM_DEPLOYMENT: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// The template without the hash label, as compared and as written back.
fn bare(t: &PodTemplateSpec) -> PodTemplateSpec {
    let mut t = t.clone();
    if let Some(l) = t.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        l.remove(HASH_LABEL);
        if l.is_empty()
            && let Some(m) = t.metadata.as_mut()
        {
            m.labels = None;
        }
    }
    t
}

/// Which ReplicaSet to go back to, or why none can be told.
#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    /// The previous revision's ReplicaSet (name, revision, template).
    Previous(String, i64, Box<PodTemplateSpec>),
    /// Refused, with the reason and the candidates.
    Refused(String),
}

/// Picks the previous revision among the ReplicaSets a Deployment owns.
pub fn pick(deployment: &str, uid: &str, sets: &[ReplicaSet], history_limit: Option<i32>) -> Pick {
    let owned: Vec<&ReplicaSet> = sets
        .iter()
        .filter(|rs| {
            rs.metadata
                .owner_references
                .as_ref()
                .is_some_and(|o| o.iter().any(|r| r.uid == uid && r.controller == Some(true)))
        })
        .collect();
    let mut by_rev: BTreeMap<i64, Vec<&ReplicaSet>> = BTreeMap::new();
    let mut bad = Vec::new();
    for rs in &owned {
        let name = rs.metadata.name.clone().unwrap_or_default();
        let raw = rs
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(REVISION_ANNOTATION));
        match raw.map(|r| r.trim().parse::<i64>()) {
            Some(Ok(n)) if n > 0 => by_rev.entry(n).or_default().push(rs),
            Some(_) => bad.push(format!(
                "{name} (revision {:?} is not a positive integer)",
                raw.cloned().unwrap_or_default()
            )),
            None => bad.push(format!("{name} (no revision annotation)")),
        }
    }
    let candidates = || {
        owned
            .iter()
            .map(|rs| {
                let n = rs.metadata.name.clone().unwrap_or_default();
                let r = rs
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(REVISION_ANNOTATION))
                    .map_or_else(|| "none".to_string(), Clone::clone);
                format!("{n} (revision {r})")
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !bad.is_empty() {
        return Pick::Refused(format!(
            "the rollout history of deployment/{deployment} is ambiguous: {}; candidates: {}; the target is never guessed by age, pick one with kubectl rollout undo --to-revision",
            bad.join(", "),
            candidates()
        ));
    }
    if let Some((rev, dup)) = by_rev.iter().find(|(_, v)| v.len() > 1) {
        let names: BTreeSet<String> = dup
            .iter()
            .map(|rs| rs.metadata.name.clone().unwrap_or_default())
            .collect();
        return Pick::Refused(format!(
            "the rollout history of deployment/{deployment} is ambiguous: revision {rev} is claimed by {}; candidates: {}",
            names.into_iter().collect::<Vec<_>>().join(" and "),
            candidates()
        ));
    }
    if by_rev.len() < 2 {
        return Pick::Refused(format!(
            "no rollout history for deployment/{deployment}: {} owned ReplicaSet{}{}; nothing to go back to — a person has to decide",
            by_rev.len(),
            if by_rev.len() == 1 { "" } else { "s" },
            match history_limit {
                Some(n) => format!(" (revisionHistoryLimit {n})"),
                None => String::new(),
            }
        ));
    }
    let Some((&rev, sets)) = by_rev.iter().rev().nth(1) else {
        return Pick::Refused(format!("no previous revision of deployment/{deployment}"));
    };
    let rs = sets[0];
    match rs.spec.template.clone() {
        Some(t) => Pick::Previous(
            rs.metadata.name.clone().unwrap_or_default(),
            rev,
            Box::new(bare(&t)),
        ),
        None => Pick::Refused(format!(
            "replicaset {} (revision {rev}) has no pod template",
            rs.metadata.name.clone().unwrap_or_default()
        )),
    }
}

/// Rolls the Deployment back to its previous revision.
pub async fn run(ctx: &Ctx<'_>, workload: &str) -> Report {
    let k = ctx.kube;
    let object = Res::Deployment.object(workload);
    let raw = match k.get(Res::Deployment, workload).await {
        Ok(d) => d,
        Err(e) => {
            return Report::failed(format!(
                "cannot read {object}: {}; nothing was sent",
                e.describe()
            ));
        }
    };
    let d: Deployment = match serde_json::from_value(raw.clone()) {
        Ok(d) => d,
        Err(e) => return Report::failed(format!("{object} does not read as a Deployment: {e}")),
    };
    let spec = d.spec.clone();
    if spec.paused == Some(true) {
        return Report::refused(format!(
            "{object} is paused; a paused Deployment is not rolled back (as kubectl refuses): resume it first with kubectl rollout resume {object}"
        ));
    }
    let selector = spec
        .selector
        .match_labels
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let sets = match k.list(Res::ReplicaSet, &selector).await {
        Ok(items) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value::<ReplicaSet>(v).ok())
            .collect::<Vec<_>>(),
        Err(e) => {
            return Report::failed(format!(
                "cannot list the ReplicaSets of {object}: {}; nothing was sent",
                e.describe()
            ));
        }
    };
    let uid = d.metadata.uid.clone().unwrap_or_default();
    let (rs_name, rev, template) = match pick(workload, &uid, &sets, spec.revision_history_limit) {
        Pick::Previous(n, r, t) => (n, r, *t),
        Pick::Refused(why) => return Report::refused(why),
    };
    if bare(&spec.template) == template {
        return Report {
            outcome: Outcome::Skipped,
            detail: format!(
                "{object} already runs the template of revision {rev} ({rs_name}); nothing was sent"
            ),
            versions: vec![rv(&raw)],
            ..Report::default()
        };
    }
    let mut annotations: BTreeMap<String, String> = BTreeMap::new();
    let current = d.metadata.annotations.clone().unwrap_or_default();
    for key in KEPT_FROM_DEPLOYMENT {
        if let Some(v) = current.get(*key) {
            annotations.insert((*key).to_string(), v.clone());
        }
    }
    let from_rs = sets
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some(rs_name.as_str()))
        .and_then(|s| s.metadata.annotations.clone())
        .unwrap_or_default();
    for (key, v) in from_rs {
        if !KEPT_FROM_DEPLOYMENT.contains(&key.as_str()) {
            annotations.insert(key, v);
        }
    }
    let tag = ctx.tag();
    if let Value::Object(m) = tag.annotations() {
        for (key, v) in m {
            annotations.insert(key, v.as_str().unwrap_or_default().to_string());
        }
    }
    let template_json = serde_json::to_value(&template).unwrap_or(Value::Null);
    let ops = json!([
        {"op": "replace", "path": "/metadata/resourceVersion", "value": rv(&raw)},
        {"op": "add", "path": "/spec/template", "value": template_json},
        {"op": "add", "path": "/metadata/annotations", "value": annotations},
    ]);
    let holds = |o: &Value| {
        serde_json::from_value::<Deployment>(o.clone())
            .ok()
            .is_some_and(|d| bare(&d.spec.template) == template)
    };
    let w = Write {
        res: Res::Deployment,
        name: workload,
        rv: rv(&raw),
        body: Body::JsonPatch(ops),
        holds: &holds,
        before: None,
    };
    let written = checked(k, &tag, &w, &ctx.out).await;
    let image = |t: &PodTemplateSpec| {
        t.spec
            .as_ref()
            .and_then(|s| s.containers.first())
            .and_then(|c| c.image.clone())
            .unwrap_or_else(|| "(no image)".to_string())
    };
    let show = |o: &Value| {
        serde_json::from_value::<Deployment>(o.clone())
            .ok()
            .map_or_else(
                || "(unreadable)".to_string(),
                |d| format!("image {}", image(&d.spec.template)),
            )
    };
    let row = |_: &Value| TrafficRow::default();
    let done = format!("rolled {object} back to revision {rev} ({rs_name})");
    let changer = |o: &Value| super::ratio::field_manager(o, &["spec", "template"]);
    let mut r = Settle {
        object,
        done: &done,
        before: None,
        rv: w.rv.clone(),
        row: &row,
        show: &show,
        read: &raw,
        changer: &changer,
    }
    .report(written.clone());
    r.after = None;
    if let Written::Applied { .. } = written {
        r.detail
            .push_str(&format!("; was image {}", image(&bare(&spec.template))));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(name: &str, rev: Option<&str>, owner: &str, image: &str) -> ReplicaSet {
        let mut ann = serde_json::Map::new();
        if let Some(r) = rev {
            ann.insert(REVISION_ANNOTATION.into(), json!(r));
        }
        serde_json::from_value(json!({
            "metadata": {"name": name, "annotations": ann,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "app-green",
                    "uid": owner, "controller": true}]},
            "spec": {"selector": {}, "template": {
                "metadata": {"labels": {"app": "app", HASH_LABEL: name}},
                "spec": {"containers": [{"name": "app", "image": image}]}}}
        }))
        .expect("replicaset")
    }

    #[test]
    fn the_previous_revision_or_a_reason() {
        let sets = vec![
            rs("g-1", Some("1"), "u", "app:1.2.2"),
            rs("g-3", Some("3"), "u", "app:1.2.4"),
            rs("g-2", Some("2"), "u", "app:1.2.3"),
            rs("other", Some("9"), "someone-else", "x"),
        ];
        match pick("app-green", "u", &sets, Some(10)) {
            Pick::Previous(n, r, t) => {
                assert_eq!((n.as_str(), r), ("g-2", 2));
                let labels = t.metadata.and_then(|m| m.labels).expect("labels");
                assert!(!labels.contains_key(HASH_LABEL), "hash label dropped");
            }
            p => panic!("{p:?}"),
        }
        let only = vec![rs("g-1", Some("1"), "u", "a")];
        assert!(matches!(pick("app-green", "u", &only, Some(0)),
            Pick::Refused(why) if why.starts_with("no rollout history for deployment/app-green")
                && why.contains("revisionHistoryLimit 0")));
        let dup = vec![
            rs("g-1", Some("1"), "u", "a"),
            rs("g-2", Some("2"), "u", "b"),
            rs("g-2b", Some("2"), "u", "c"),
        ];
        assert!(matches!(pick("app-green", "u", &dup, None),
            Pick::Refused(why) if why.contains("revision 2 is claimed by g-2 and g-2b")
                && why.contains("candidates: g-1 (revision 1)")));
        let bad = vec![
            rs("g-1", Some("1"), "u", "a"),
            rs("g-x", Some("two"), "u", "b"),
            rs("g-n", None, "u", "c"),
        ];
        assert!(matches!(pick("app-green", "u", &bad, None),
            Pick::Refused(why) if why.contains("g-x (revision \"two\" is not a positive integer)")
                && why.contains("g-n (no revision annotation)")
                && why.contains("never guessed by age")));
    }
}
