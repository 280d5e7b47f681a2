//! Moving traffic with a Service selector (blue-green) or HTTPRoute backend weights (canary):
//! read the object and the pods fresh, refuse what would send traffic to no ready pod or leave
//! the stable version unable to take it back, write one checked change, and report what the
//! object reads before and after. A rollback is this with all traffic on stable: one change,
//! never a walk back through the steps.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Service;
use kube::api::DynamicObject;
use serde_json::{Value, json};

use super::kube::{Res, newest_manager, rv};
use super::preflight::{PodSet, needed};
use super::write::{Body, Write, Written, checked};
use super::{Ctx, Move, Report};
use crate::event::{Outcome, TrafficRow};
use crate::sources::kube::convert;

/// A Service's selector as a map.
fn selector_of(svc: &Value) -> BTreeMap<String, String> {
    serde_json::from_value(svc["spec"]["selector"].clone()).unwrap_or_default()
}

/// The selector and who set it last.
pub fn selector_row(svc: &Value, label: &str) -> TrafficRow {
    let manager = serde_json::from_value::<Service>(svc.clone())
        .ok()
        .and_then(|s| convert::selector_manager(&s, label));
    TrafficRow {
        selector: selector_of(svc),
        weights: Vec::new(),
        manager,
    }
}

/// The weights of the first rule (as the traffic pane reads them) and who set them last.
pub fn weights_row(route: &Value) -> TrafficRow {
    let dynamic = serde_json::from_value::<DynamicObject>(route.clone()).ok();
    TrafficRow {
        selector: BTreeMap::new(),
        weights: dynamic
            .as_ref()
            .map(convert::route_weights)
            .unwrap_or_default(),
        manager: dynamic.as_ref().and_then(convert::route_manager),
    }
}

fn show_selector(s: &BTreeMap<String, String>) -> String {
    if s.is_empty() {
        return "(none)".to_string();
    }
    s.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn show_weights(w: &[(String, u32)]) -> String {
    w.iter()
        .map(|(b, w)| format!("{b} {w}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Every rule's backend weights, the whole of what a route change must read back as.
fn all_weights(route: &Value) -> Vec<Vec<(String, u64)>> {
    route["spec"]["rules"]
        .as_array()
        .map(|rules| {
            rules
                .iter()
                .map(|r| {
                    r["backendRefs"]
                        .as_array()
                        .map(|b| {
                            b.iter()
                                .map(|b| {
                                    (
                                        b["name"].as_str().unwrap_or_default().to_string(),
                                        b["weight"].as_u64().unwrap_or(1),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Turns a write's end into the outcome to report.
pub struct Settle<'a> {
    /// `service/app`.
    pub object: String,
    /// What was done, for the detail ("shifted to 10 %").
    pub done: &'a str,
    /// Routing as read before.
    pub before: Option<TrafficRow>,
    /// The resourceVersion planned against.
    pub rv: String,
    /// The object's routing as a row.
    pub row: &'a (dyn Fn(&Value) -> TrafficRow + Sync),
    /// The object's routing in words.
    pub show: &'a (dyn Fn(&Value) -> String + Sync),
    /// The object as read before the write.
    pub read: &'a Value,
    /// The field manager of the object's routing fields.
    pub changer: &'a (dyn Fn(&Value) -> Option<String> + Sync),
}

impl Settle<'_> {
    /// The report for a write's end.
    pub fn report(&self, w: Written) -> Report {
        let o = &self.object;
        let versions = |obj: &Value| vec![self.rv.clone(), rv(obj)];
        match w {
            Written::Applied { obj, read_back } => {
                let how = match read_back {
                    None => String::new(),
                    Some(true) => "read back: applied; ".to_string(),
                    Some(false) => format!(
                        "read back: the object shows the intended state, last written by {}; ",
                        newest_manager(&obj).unwrap_or_else(|| "someone else".into())
                    ),
                };
                Report {
                    outcome: Outcome::Applied,
                    detail: format!(
                        "{how}{}: {} ({o}, resourceVersion {} → {})",
                        self.done,
                        (self.show)(&obj),
                        self.rv,
                        rv(&obj)
                    ),
                    before: self.before.clone(),
                    after: Some((self.row)(&obj)),
                    versions: versions(&obj),
                    changed_by: None,
                }
            }
            Written::Differs { obj } => Report {
                outcome: Outcome::Failed,
                detail: format!(
                    "{o} was written but reads {} instead of the intended state; check it (kubectl get {o} -o yaml)",
                    (self.show)(&obj)
                ),
                before: self.before.clone(),
                after: Some((self.row)(&obj)),
                versions: versions(&obj),
                changed_by: None,
            },
            Written::Conflict { now: Some(now) } => {
                // Whoever changed the routing fields, if they changed; else whoever wrote
                // last (managedFields times have one-second granularity).
                let by = if (self.show)(&now) == (self.show)(self.read) {
                    newest_manager(&now)
                } else {
                    (self.changer)(&now).or_else(|| newest_manager(&now))
                };
                Report {
                    outcome: Outcome::Conflict,
                    detail: format!(
                        "{o} changed since it was read (resourceVersion {} → {}): {} now{}; nothing was changed; look and ask again",
                        self.rv,
                        rv(&now),
                        (self.show)(&now),
                        by.as_deref()
                            .map(|m| format!(", changed by {m}"))
                            .unwrap_or_default()
                    ),
                    before: self.before.clone(),
                    after: Some((self.row)(&now)),
                    versions: versions(&now),
                    changed_by: by,
                }
            }
            Written::Conflict { now: None } => Report {
                outcome: Outcome::Conflict,
                detail: format!(
                    "{o} changed since it was read (409) and could not be read again; nothing was changed; look and ask again"
                ),
                before: self.before.clone(),
                versions: vec![self.rv.clone()],
                ..Report::default()
            },
            Written::Failed(e) => Report {
                outcome: Outcome::Failed,
                detail: format!("PATCH {o}: {}; nothing was changed", e.describe()),
                before: self.before.clone(),
                versions: vec![self.rv.clone()],
                ..Report::default()
            },
            Written::NotApplied { error, now } => Report {
                outcome: Outcome::Failed,
                detail: format!(
                    "read back: not applied ({o} still reads {}) after PATCH {}",
                    (self.show)(&now),
                    error.describe()
                ),
                before: self.before.clone(),
                after: Some((self.row)(&now)),
                versions: versions(&now),
                changed_by: None,
            },
            Written::Unknown { error, read_back } => Report {
                outcome: Outcome::Unknown,
                detail: format!(
                    "read back failed too ({}, still after retrying) after PATCH {}: the outcome is unknown; check kubectl get {o}",
                    read_back.describe(),
                    error.describe()
                ),
                before: self.before.clone(),
                versions: vec![self.rv.clone()],
                ..Report::default()
            },
        }
    }
}

/// The version labels of both sides, or why they are not known.
fn versions(ctx: &Ctx<'_>) -> Result<(String, String), &'static str> {
    let s = ctx.sides();
    match (s.stable, s.candidate) {
        (Some(st), Some(c)) => Ok((st, c)),
        _ => Err(
            "the stable and candidate version label values are not known; set [versions] (or [deployment] stable and release)",
        ),
    }
}

/// Blue-green: switch the Service selector's version key, and only that key.
pub async fn selector(ctx: &Ctx<'_>, mv: Move) -> Report {
    let Some(name) = ctx
        .k8s()
        .and_then(|k| k.service.as_ref())
        .map(|s| s.0.clone())
    else {
        return Report::refused(
            "[kubernetes] service is not set: the service-selector strategy switches that Service's selector",
        );
    };
    let (stable, cand) = match versions(ctx) {
        Ok(v) => v,
        Err(why) => return Report::refused(why),
    };
    let label = ctx.sides().label;
    let (target, other) = match mv.weight {
        0 => (&stable, &cand),
        100 => (&cand, &stable),
        w => {
            return Report::refused(format!(
                "service-selector moves all traffic at once; a {w} % step needs httproute-weights or replica-ratio"
            ));
        }
    };
    let k = ctx.kube;
    let values = [stable.as_str(), cand.as_str()];
    let (svc, pods) = tokio::join!(k.get(Res::Service, &name), PodSet::read(k, &label, &values));
    let object = Res::Service.object(&name);
    let svc = match svc {
        Ok(s) => s,
        Err(e) => {
            return Report::failed(format!(
                "cannot read {object}: {}; nothing was sent",
                e.describe()
            ));
        }
    };
    let pods = match pods {
        Ok(p) => p,
        Err(e) => {
            return Report::failed(format!(
                "cannot read the pods: {}; nothing was sent",
                e.describe()
            ));
        }
    };
    let before = selector_row(&svc, &label);
    let sel = before.selector.clone();
    if sel.is_empty() {
        return Report::refused(format!(
            "preflight: {object} has no selector; the war room never creates or empties one"
        ))
        .with_before(before);
    }
    let mut new_sel = sel.clone();
    new_sel.insert(label.clone(), target.clone());
    let mut other_sel = sel.clone();
    other_sel.insert(label.clone(), other.clone());
    let gaining = pods.count(&new_sel);
    let losing = pods.count(&other_sel);
    let to_stable = target == &stable;
    let mut refusal = None;
    if gaining.ready == 0 {
        refusal = Some(format!(
            "the new selector {} matches {}: switching would send traffic to no ready pod",
            show_selector(&new_sel),
            gaining.describe()
        ));
    } else if !to_stable && gaining.ready < needed(100, losing.ready) {
        refusal = Some(format!(
            "{cand} has {} but needs {} ready for all traffic (stable serves with {})",
            gaining.describe(),
            needed(100, losing.ready),
            losing.ready
        ));
    } else if !to_stable && losing.ready == 0 {
        refusal = Some(format!(
            "the stable version {stable} has {}: traffic could not go back at once",
            losing.describe()
        ));
    } else if pods.versions(&new_sel, &label).len() > 1 {
        refusal = Some(format!(
            "the new selector {} matches ready pods of more than one version",
            show_selector(&new_sel)
        ));
    }
    if let Some(why) = refusal {
        return Report::refused(format!("preflight: {why}; nothing was sent")).with_before(before);
    }
    let show = |o: &Value| format!("selector {}", show_selector(&selector_of(o)));
    let row = |o: &Value| selector_row(o, &label);
    let holds = |o: &Value| selector_of(o) == new_sel;
    let w = Write {
        res: Res::Service,
        name: &name,
        rv: rv(&svc),
        body: Body::Merge(json!({"spec": {"selector": {label.as_str(): target}}})),
        holds: &holds,
        before: Some(before.clone()),
    };
    let written = checked(k, &ctx.tag(), &w, &ctx.out).await;
    let done = mv.done(&format!(
        "{} of {} ready behind it",
        gaining.ready, gaining.total
    ));
    let changer = |o: &Value| selector_row(o, &label).manager;
    Settle {
        object,
        done: &done,
        before: Some(before),
        rv: w.rv.clone(),
        row: &row,
        show: &show,
        read: &svc,
        changer: &changer,
    }
    .report(written)
}

/// Canary: set the candidate backend's weight to the step's share and the stable's to the
/// rest, in every rule, with one merge patch of the rules (a merge patch replaces lists whole;
/// the resourceVersion makes that safe).
pub async fn weights(ctx: &Ctx<'_>, mv: Move) -> Report {
    let Some(name) = ctx
        .k8s()
        .and_then(|k| k.route.as_ref())
        .map(|s| s.0.clone())
    else {
        return Report::refused(
            "[kubernetes] route is not set: the httproute-weights strategy sets that HTTPRoute's backend weights",
        );
    };
    let (stable, cand) = match versions(ctx) {
        Ok(v) => v,
        Err(why) => return Report::refused(why),
    };
    let sides = ctx.sides();
    let label = sides.label.clone();
    let k = ctx.kube;
    let object = Res::HttpRoute.object(&name);
    let values = [stable.as_str(), cand.as_str()];
    // Every read at once — the route, the pods and the Services its backends name — so the
    // change is one round of reads and one write.
    let (route, pods, services) = tokio::join!(
        k.get(Res::HttpRoute, &name),
        PodSet::read(k, &label, &values),
        k.list(Res::Service, "")
    );
    let services: BTreeMap<String, Value> = match services {
        Ok(list) => list
            .into_iter()
            .filter_map(|s| Some((s["metadata"]["name"].as_str()?.to_string(), s)))
            .collect(),
        Err(e) => {
            return Report::failed(format!(
                "cannot read the backend Services: {}; nothing was sent",
                e.describe()
            ));
        }
    };
    let route = match route {
        Ok(r) => r,
        Err(e) => {
            return Report::failed(format!(
                "cannot read {object}: {}; nothing was sent",
                e.describe()
            ));
        }
    };
    let pods = match pods {
        Ok(p) => p,
        Err(e) => {
            return Report::failed(format!(
                "cannot read the pods: {}; nothing was sent",
                e.describe()
            ));
        }
    };
    let before = weights_row(&route);
    let mut rules = route["spec"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let (mut cand_backends, mut stable_backends) = (Vec::new(), Vec::new());
    let cand_weight = mv.weight.min(100);
    for (i, rule) in rules.iter_mut().enumerate() {
        let Some(refs) = rule["backendRefs"].as_array_mut() else {
            continue;
        };
        let names: Vec<String> = refs
            .iter()
            .map(|b| b["name"].as_str().unwrap_or_default().to_string())
            .collect();
        let (mut has_c, mut has_s) = (false, false);
        for b in refs.iter_mut() {
            let n = b["name"].as_str().unwrap_or_default().to_string();
            let (c, s) = (sides.is_candidate_backend(&n), sides.is_stable_backend(&n));
            if c && !s {
                b["weight"] = json!(cand_weight);
                has_c = true;
                cand_backends.push(n);
            } else if s && !c {
                b["weight"] = json!(100 - cand_weight);
                has_s = true;
                stable_backends.push(n);
            } else if b["weight"].as_u64() != Some(0) {
                return Report::refused(format!(
                    "preflight: rule {} of {object} sends traffic to {n}, which is neither the stable ({stable}) nor the candidate ({cand}) backend; nothing was sent",
                    i + 1
                ))
                .with_before(before);
            }
        }
        if !(has_c && has_s) {
            return Report::refused(format!(
                "preflight: rule {} of {object} needs a backend for the stable ({stable}) and the candidate ({cand}); it has {}; nothing was sent",
                i + 1,
                names.join(", ")
            ))
            .with_before(before);
        }
    }
    if cand_backends.is_empty() {
        return Report::refused(format!(
            "preflight: {object} has no backendRefs; nothing was sent"
        ))
        .with_before(before);
    }
    cand_backends.dedup();
    stable_backends.dedup();
    let count = |backends: &[String]| {
        let mut total = super::preflight::Count::default();
        for b in backends {
            let svc = services.get(b).ok_or_else(|| {
                format!("preflight: the backend service/{b} of {object} does not exist")
            })?;
            let c = pods.count(&selector_of(svc));
            total.ready += c.ready;
            total.total += c.total;
            total.trouble.extend(c.trouble);
        }
        Ok::<_, String>(total)
    };
    let (cand_ready, stable_ready) = match (count(&cand_backends), count(&stable_backends)) {
        (Ok(c), Ok(s)) => (c, s),
        (Err(e), _) | (_, Err(e)) => {
            return Report::refused(format!("{e}; nothing was sent")).with_before(before);
        }
    };
    let shifting = matches!(mv.kind, super::MoveKind::Shift);
    let mut refusal = None;
    if stable_ready.ready == 0 {
        refusal = Some(format!(
            "the stable backend {} has {}: {}",
            stable_backends.join(", "),
            stable_ready.describe(),
            if shifting {
                "traffic could not go back at once"
            } else {
                "moving traffic there would send it to pods that are not ready"
            }
        ));
    } else if shifting
        && cand_weight > 0
        && cand_ready.ready < needed(cand_weight, stable_ready.ready)
    {
        refusal = Some(format!(
            "the candidate backend {} has {} but needs {} ready for {cand_weight} % of traffic",
            cand_backends.join(", "),
            cand_ready.describe(),
            needed(cand_weight, stable_ready.ready)
        ));
    }
    if let Some(why) = refusal {
        return Report::refused(format!("preflight: {why}; nothing was sent")).with_before(before);
    }
    let expected = all_weights(&json!({"spec": {"rules": rules}}));
    let holds = |o: &Value| all_weights(o) == expected;
    let show = |o: &Value| format!("weights {}", show_weights(&weights_row(o).weights));
    let w = Write {
        res: Res::HttpRoute,
        name: &name,
        rv: rv(&route),
        body: Body::Merge(json!({"spec": {"rules": rules}})),
        holds: &holds,
        before: Some(before.clone()),
    };
    let written = checked(k, &ctx.tag(), &w, &ctx.out).await;
    let done = mv.done(&format!(
        "candidate {} ready, stable {} ready",
        cand_ready.ready, stable_ready.ready
    ));
    let changer = |o: &Value| weights_row(o).manager;
    Settle {
        object,
        done: &done,
        before: Some(before),
        rv: w.rv.clone(),
        row: &weights_row,
        show: &show,
        read: &route,
        changer: &changer,
    }
    .report(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_like_the_source() {
        let route = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "app", "managedFields": [{"manager": "warroom",
                "time": "2026-11-24T15:00:00Z", "fieldsV1": {"f:spec": {"f:rules": {}}}}]},
            "spec": {"rules": [{"backendRefs": [{"name": "app-blue", "weight": 90},
                {"name": "app-green", "weight": 10}]}, {"backendRefs": [{"name": "x"}]}]}});
        let row = weights_row(&route);
        assert_eq!(
            row.weights,
            [("app-blue".to_string(), 90), ("app-green".to_string(), 10)]
        );
        assert_eq!(row.manager.as_deref(), Some("warroom"));
        assert_eq!(show_weights(&row.weights), "app-blue 90 / app-green 10");
        assert_eq!(
            all_weights(&route),
            vec![
                vec![("app-blue".to_string(), 90), ("app-green".to_string(), 10)],
                vec![("x".to_string(), 1)]
            ]
        );
        let svc = json!({"metadata": {"name": "app"}, "spec": {"selector": {"app": "app", "version": "blue"}}});
        let row = selector_row(&svc, "version");
        assert_eq!(show_selector(&row.selector), "app=app,version=blue");
        assert_eq!(row.manager, None);
    }
}
