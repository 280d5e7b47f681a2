//! Replica ratio: traffic follows the ready pods of the two Deployments, so a step scales
//! them to its share. The rule that keeps "traffic can go back at once" true:
//!
//! - below 100 % the stable Deployment is never scaled down: the candidate is scaled up beside
//!   it to `round(S × w / (100 − w))` replicas (at least 1), S being the stable's replicas;
//! - at 100 % the stable is scaled to 0 — the one step that removes it — and its replica count
//!   is kept in the annotation `warroom.io/stable-replicas`, so a step back or a rollback
//!   restores exactly that;
//! - growing comes before shrinking: the side that gains is scaled first, and the side that
//!   loses is scaled down only once the gaining side has ready pods (waiting up to two
//!   minutes), so traffic is never left with no ready pod to go to.
//!
//! A rollback from below 100 % is therefore one write: the candidate to 0.

use std::time::Duration;

use serde_json::{Value, json};

use super::kube::{Res, rv};
use super::preflight::PodSet;
use super::traffic::Settle;
use super::write::{Body, Write, Written, checked};
use super::{Ctx, Move, MoveKind, Report};
use crate::event::{Outcome, TrafficRow};

/// Where the stable's replica count is kept while a 100 % step has it at 0.
pub const STABLE_REPLICAS: &str = "warroom.io/stable-replicas";
/// How long a shrink waits for the gaining side's pods to be ready.
pub const READY_WAIT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(500);

/// Replicas (stable, candidate) for a candidate share of `weight` %, given the stable's own
/// count `stable` and the candidate's current one.
pub fn plan(stable: u32, candidate_now: u32, weight: u32) -> (u32, u32) {
    match weight {
        0 => (stable, 0),
        w if w >= 100 => (0, stable.max(candidate_now).max(1)),
        w => {
            let c = (f64::from(stable) * f64::from(w) / f64::from(100 - w)).round();
            (stable, (c as u32).max(1))
        }
    }
}

fn replicas(d: &Value) -> u32 {
    d["spec"]["replicas"]
        .as_u64()
        .and_then(|r| u32::try_from(r).ok())
        .unwrap_or(1)
}

fn ready(d: &Value) -> u32 {
    d["status"]["readyReplicas"]
        .as_u64()
        .and_then(|r| u32::try_from(r).ok())
        .unwrap_or(0)
}

fn selector(d: &Value) -> std::collections::BTreeMap<String, String> {
    serde_json::from_value(d["spec"]["selector"]["matchLabels"].clone()).unwrap_or_default()
}

/// Scales the two Deployments to the step's ratio.
pub async fn run(ctx: &Ctx<'_>, mv: Move) -> Report {
    let k8s = ctx.k8s();
    let (Some(sn), Some(cn)) = (
        k8s.and_then(|k| k.stable.as_ref()).map(|w| w.name.clone()),
        k8s.and_then(|k| k.candidate.as_ref())
            .map(|w| w.name.clone()),
    ) else {
        return Report::refused(
            "[kubernetes] stable and candidate must both name a Deployment for the replica-ratio strategy",
        );
    };
    let sides = ctx.sides();
    let values: Vec<String> = [sides.stable.clone(), sides.candidate.clone()]
        .into_iter()
        .flatten()
        .collect();
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    let k = ctx.kube;
    let (st, ca, pods) = tokio::join!(
        k.get_opt(Res::Deployment, &sn),
        k.get_opt(Res::Deployment, &cn),
        PodSet::read(k, &sides.label, &values)
    );
    let (st, ca, pods) = match (st, ca, pods) {
        (Ok(Some(s)), Ok(Some(c)), Ok(p)) => (s, c, p),
        (Ok(None), _, _) => {
            return Report::refused(format!(
                "preflight: deployment/{sn} (the stable) does not exist: traffic could not go back; nothing was sent"
            ));
        }
        (_, Ok(None), _) => {
            return Report::refused(format!(
                "preflight: deployment/{cn} (the candidate) does not exist; nothing was sent"
            ));
        }
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return Report::failed(format!(
                "cannot read the Deployments and their pods: {}; nothing was sent",
                e.describe()
            ));
        }
    };
    let s_now = replicas(&st);
    let c_now = replicas(&ca);
    let kept = st["metadata"]["annotations"][STABLE_REPLICAS]
        .as_str()
        .and_then(|v| v.parse::<u32>().ok());
    let s_orig = if s_now > 0 { s_now } else { kept.unwrap_or(0) };
    if s_orig == 0 {
        return Report::refused(format!(
            "preflight: deployment/{sn} is scaled to 0 and the war room has no record of its replicas; scale it up first (kubectl scale deployment/{sn} --replicas=N); nothing was sent"
        ));
    }
    let (s_target, c_target) = plan(s_orig, c_now, mv.weight);
    let s_ready = pods.count(&selector(&st));
    let c_ready = pods.count(&selector(&ca));
    if matches!(mv.kind, MoveKind::Shift) {
        if s_now > 0 && s_ready.ready == 0 {
            return Report::refused(format!(
                "preflight: the stable deployment/{sn} has {}: traffic could not go back at once; nothing was sent",
                s_ready.describe()
            ));
        }
        if c_now > 0 && c_ready.ready == 0 {
            return Report::refused(format!(
                "preflight: the candidate deployment/{cn} has {}; scaling it up would add more pods that are not ready; nothing was sent",
                c_ready.describe()
            ));
        }
    }
    // Growing first, shrinking once the grown side is ready.
    let mut steps: Vec<(&str, &Value, u32, u32)> = Vec::new();
    if c_target > c_now {
        steps.push((cn.as_str(), &ca, c_now, c_target));
    }
    if s_target > s_now {
        steps.push((sn.as_str(), &st, s_now, s_target));
    }
    if c_target < c_now {
        steps.push((cn.as_str(), &ca, c_now, c_target));
    }
    if s_target < s_now {
        steps.push((sn.as_str(), &st, s_now, s_target));
    }
    if steps.is_empty() {
        // Nothing to scale; write the tags anyway so the audit log shows the decision.
        steps.push((cn.as_str(), &ca, c_now, c_target));
    }
    let mut done = Vec::new();
    let mut versions = Vec::new();
    for (name, read, from, to) in steps {
        let mut obj = read.clone();
        if to < from {
            let (gainer, need) = if name == cn {
                (sn.as_str(), 1)
            } else {
                (cn.as_str(), c_target.max(1))
            };
            let waited = wait_ready(ctx, gainer, need).await;
            // Status updates move a Deployment's resourceVersion while pods get ready: plan
            // the shrink against the object as it is now, and only if nobody rescaled it.
            let fresh =
                match waited {
                    Ok(()) => ctx.kube.get(Res::Deployment, name).await.map_err(|e| {
                        format!("cannot read deployment/{name} again: {}", e.describe())
                    }),
                    Err(why) => Err(why),
                };
            match fresh {
                Ok(f) if replicas(&f) == from => obj = f,
                Ok(f) => {
                    let by = field_manager(&f, &["spec", "replicas"])
                        .or_else(|| super::kube::newest_manager(&f));
                    return Report {
                        outcome: Outcome::Conflict,
                        detail: format!(
                            "{}deployment/{name} was rescaled meanwhile ({from} → {} replicas, by {}); nothing more was changed; look and ask again",
                            prefix(&done),
                            replicas(&f),
                            by.clone().unwrap_or_else(|| "someone".into())
                        ),
                        changed_by: by,
                        versions: vec![rv(read), rv(&f)],
                        ..Report::default()
                    };
                }
                Err(why) => {
                    return Report {
                        outcome: Outcome::Failed,
                        detail: format!(
                            "{}{why}; deployment/{name} was left at {from} replicas so traffic keeps a ready pod",
                            prefix(&done)
                        ),
                        versions,
                        ..Report::default()
                    };
                }
            }
        }
        let mut patch = json!({"spec": {"replicas": to}});
        if name == sn.as_str() {
            patch["metadata"] = json!({"annotations": {
                STABLE_REPLICAS: if to == 0 { json!(s_orig.to_string()) } else { Value::Null }
            }});
        }
        let holds = move |o: &Value| replicas(o) == to;
        let w = Write {
            res: Res::Deployment,
            name,
            rv: rv(&obj),
            body: Body::Merge(patch),
            holds: &holds,
            before: None,
        };
        let written = checked(ctx.kube, &ctx.tag(), &w, &ctx.out).await;
        let applied = matches!(written, Written::Applied { .. });
        let what = format!("deployment/{name} {from} → {to} replicas");
        let show = |o: &Value| format!("replicas {}", replicas(o));
        let row = |_: &Value| TrafficRow::default();
        let step_done = mv.done(&what);
        let changer = |o: &Value| field_manager(o, &["spec", "replicas"]);
        let mut r = Settle {
            object: Res::Deployment.object(name),
            done: &step_done,
            before: None,
            rv: w.rv.clone(),
            row: &row,
            show: &show,
            read: &obj,
            changer: &changer,
        }
        .report(written);
        r.after = None;
        versions.extend(r.versions.iter().cloned());
        if !applied {
            r.detail = format!("{}{}", prefix(&done), r.detail);
            r.versions = versions;
            return r;
        }
        done.push(what);
    }
    Report {
        outcome: Outcome::Applied,
        detail: mv.done(&done.join(", ")),
        versions,
        ..Report::default()
    }
}

/// The field manager of a Deployment field, from its managedFields.
pub fn field_manager(d: &Value, path: &[&str]) -> Option<String> {
    let meta: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta =
        serde_json::from_value(d["metadata"].clone()).ok()?;
    crate::sources::kube::convert::manager_of(&meta, path)
}

fn prefix(done: &[String]) -> String {
    if done.is_empty() {
        String::new()
    } else {
        format!("{} done, then: ", done.join(", "))
    }
}

/// Waits until a Deployment reports `need` ready replicas (all of them once, at least
/// `need` at the deadline).
async fn wait_ready(ctx: &Ctx<'_>, name: &str, need: u32) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + ctx.ready_wait;
    loop {
        let d = ctx.kube.get(Res::Deployment, name).await;
        if let Ok(d) = &d
            && ready(d) >= need.min(replicas(d)).max(1)
        {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(match d {
                Ok(d) => format!(
                    "deployment/{name} had {} of {} replicas ready after {} s",
                    ready(&d),
                    replicas(&d),
                    ctx.ready_wait.as_secs()
                ),
                Err(e) => format!("cannot read deployment/{name}: {}", e.describe()),
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stable_stays_until_the_last_step() {
        assert_eq!(plan(3, 0, 10), (3, 1));
        assert_eq!(plan(3, 1, 25), (3, 1));
        assert_eq!(plan(3, 1, 50), (3, 3));
        assert_eq!(plan(3, 3, 100), (0, 3));
        assert_eq!(plan(4, 0, 25), (4, 1));
        assert_eq!(plan(4, 0, 75), (4, 12));
        // Back and rollback: the stable's count again, the candidate gone.
        assert_eq!(plan(3, 3, 0), (3, 0));
    }
}
