//! The traffic executors against the simulator, checked through kubectl and the simulator's
//! own traffic: each strategy's shift and rollback moves traffic, every write carries the
//! field manager, the session and sequence annotations and a resourceVersion, a rollback is
//! one write, and preflight refuses to send traffic to pods that are not ready.

mod actions_common;
mod support;

use actions_common::{Rig, SESSION, kubectls, weight};
use serde_json::json;
use warroom::config::warroom::Strategy;
use warroom::event::{Action, Event, Outcome};
use warroom::sim::{RoutingMode, Scenario};

fn shift(step: usize, weight: u32, from: u32, strategy: Strategy) -> Action {
    Action::Shift {
        step,
        weight,
        from,
        strategy,
        override_bake: None,
    }
}

fn rollback(from: u32, strategy: Strategy) -> Action {
    Action::Rollback {
        reason: "errors".into(),
        ticket: None,
        undo: false,
        from,
        strategy,
        auto: None,
    }
}

fn outcome_event(seen: &[actions_common::Seen]) -> &Event {
    &seen.last().expect("an outcome").event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn httproute_weights_shift_and_roll_back_in_one_write() {
    let mut rig = Rig::start(RoutingMode::HttprouteWeights, Scenario::Healthy).await;
    let seen = rig
        .run("a1", shift(0, 10, 0, Strategy::HttprouteWeights))
        .await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].outcome, Outcome::Applied, "{}", seen[0].detail);
    let Event::ActionOutcome {
        before,
        after,
        versions,
        ..
    } = outcome_event(&seen)
    else {
        panic!("not an outcome");
    };
    let before = before.as_ref().expect("before");
    let after = after.as_ref().expect("after");
    assert_eq!(
        before.weights,
        [("app-blue".to_string(), 100), ("app-green".to_string(), 0)]
    );
    assert_eq!(before.manager.as_deref(), Some("kubectl-client-side-apply"));
    assert_eq!(
        after.weights,
        [("app-blue".to_string(), 90), ("app-green".to_string(), 10)]
    );
    assert_eq!(after.manager.as_deref(), Some("warroom"));
    assert_eq!(versions.len(), 2);
    assert_ne!(versions[0], versions[1]);
    let shift_seq = rig.last_seq().to_string();

    // The simulator routes by the new weights.
    rig.until("10 % on green", "/sim/state", |s| {
        s["split"]["weights"].as_array().is_some_and(|w| {
            w.iter()
                .any(|p| p[0] == "green" && (p[1].as_f64().unwrap_or(0.0) - 0.1).abs() < 1e-6)
        })
    })
    .await;
    let m = rig.metrics().await;
    assert!(
        (weight(&m, "green").unwrap_or(0.0) - 0.1).abs() < 1e-6,
        "{m}"
    );

    for k in kubectls() {
        let w = rig
            .kubectl(
                &k,
                &[
                    "get",
                    "httproute",
                    "app",
                    "-o",
                    "jsonpath={.spec.rules[0].backendRefs[*].weight}",
                ],
            )
            .await;
        assert_eq!(w.trim(), "90 10", "[{}]", k.label);
        let ann = rig
            .kubectl(
                &k,
                &[
                    "get",
                    "httproute",
                    "app",
                    "-o",
                    "jsonpath={.metadata.annotations}",
                ],
            )
            .await;
        let ann: serde_json::Value = serde_json::from_str(&ann).expect("annotations json");
        assert_eq!(ann["warroom.io/session"], SESSION);
        assert_eq!(ann["warroom.io/seq"], shift_seq.as_str());
        assert_eq!(ann["warroom.io/action"], "a1");
    }
    if let Some(k) = kubectls().into_iter().find(|k| k.label == "system") {
        let managed = rig
            .kubectl(
                &k,
                &[
                    "get",
                    "httproute",
                    "app",
                    "--show-managed-fields",
                    "-o",
                    "jsonpath={.metadata.managedFields[*].manager}",
                ],
            )
            .await;
        assert!(
            managed.split_whitespace().any(|m| m == "warroom"),
            "{managed}"
        );
    }

    let writes = rig.writes("a1").await;
    assert_eq!(writes.len(), 1, "a1: {writes:?}");
    assert_eq!(writes[0]["field_manager"], "warroom");
    reqwest::Client::new()
        .delete(format!("{}/sim/requests", rig.url()))
        .send()
        .await
        .expect("clear the request log");
    let seen = rig
        .run("a2", rollback(10, Strategy::HttprouteWeights))
        .await;
    assert_eq!(
        seen.last().map(|s| s.outcome),
        Some(Outcome::Applied),
        "{seen:?}"
    );
    assert!(
        seen[0].detail.contains("in one change"),
        "{}",
        seen[0].detail
    );
    // One round of reads (the route, the pods, the backend Services) and one write.
    let log = rig.get_json("/sim/requests").await;
    assert_eq!(log["reads"], 3, "{log}");
    for k in kubectls() {
        let w = rig
            .kubectl(
                &k,
                &[
                    "get",
                    "httproute",
                    "app",
                    "-o",
                    "jsonpath={.spec.rules[0].backendRefs[*].weight}",
                ],
            )
            .await;
        assert_eq!(w.trim(), "100 0", "[{}]", k.label);
    }
    rig.until("all on blue", "/sim/state", |s| {
        s["split"]["weights"] == json!([["blue", 1.0]])
    })
    .await;

    // One write per traffic action, each with the field manager.
    for id in ["a2"] {
        let writes = rig.writes(id).await;
        assert_eq!(writes.len(), 1, "{id}: {writes:?}");
        assert_eq!(writes[0]["method"], "PATCH");
        assert_eq!(writes[0]["field_manager"], "warroom");
        assert_eq!(writes[0]["code"], 200);
        assert!(
            writes[0]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/httproutes/app")),
            "{writes:?}"
        );
    }
    let (events, _sim, _dir) = rig.stop().await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::LeaseObserved { lease } if lease.ours)),
        "the lock was taken and reported"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_selector_switches_only_the_version_key() {
    let mut rig = Rig::start(RoutingMode::ServiceSelector, Scenario::Healthy).await;
    let seen = rig
        .run("a1", shift(0, 100, 0, Strategy::ServiceSelector))
        .await;
    assert_eq!(
        seen.last().map(|s| s.outcome),
        Some(Outcome::Applied),
        "{seen:?}"
    );
    let Event::ActionOutcome { before, after, .. } = outcome_event(&seen) else {
        panic!("not an outcome");
    };
    let (before, after) = (
        before.as_ref().expect("before"),
        after.as_ref().expect("after"),
    );
    assert_eq!(
        before.selector.get("version").map(String::as_str),
        Some("blue")
    );
    assert_eq!(
        after.selector.get("version").map(String::as_str),
        Some("green")
    );
    assert_eq!(
        after.selector.get("app").map(String::as_str),
        Some("app"),
        "other keys kept"
    );
    assert_eq!(after.manager.as_deref(), Some("warroom"));
    rig.until("health reports the candidate", "/health", |h| {
        h["version"] == "1.2.3"
    })
    .await;
    for k in kubectls() {
        let sel = rig
            .kubectl(
                &k,
                &["get", "service", "app", "-o", "jsonpath={.spec.selector}"],
            )
            .await;
        let sel: serde_json::Value = serde_json::from_str(&sel).expect("selector json");
        assert_eq!(
            sel,
            json!({"app": "app", "version": "green"}),
            "[{}]",
            k.label
        );
    }

    let seen = rig
        .run("a2", rollback(100, Strategy::ServiceSelector))
        .await;
    assert_eq!(
        seen.last().map(|s| s.outcome),
        Some(Outcome::Applied),
        "{seen:?}"
    );
    rig.until("health reports stable", "/health", |h| {
        h["version"] == "1.2.2"
    })
    .await;
    for k in kubectls() {
        let v = rig
            .kubectl(
                &k,
                &[
                    "get",
                    "service",
                    "app",
                    "-o",
                    "jsonpath={.spec.selector.version}",
                ],
            )
            .await;
        assert_eq!(v.trim(), "blue", "[{}]", k.label);
    }
    assert_eq!(rig.writes("a2").await.len(), 1);

    // A step between 0 and 100 % cannot be a selector switch: refused, nothing sent.
    let seen = rig
        .run("a3", shift(0, 25, 0, Strategy::ServiceSelector))
        .await;
    assert_eq!(seen[0].outcome, Outcome::Refused);
    assert!(
        seen[0].detail.contains("moves all traffic at once"),
        "{}",
        seen[0].detail
    );
    assert!(rig.writes("a3").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selector_is_never_emptied_or_switched_to_no_ready_pod() {
    let mut rig = Rig::start(RoutingMode::ServiceSelector, Scenario::Crashloop).await;
    let seen = rig
        .run("a1", shift(0, 100, 0, Strategy::ServiceSelector))
        .await;
    assert_eq!(seen[0].outcome, Outcome::Refused, "{seen:?}");
    assert!(
        seen[0].detail.starts_with("preflight: "),
        "{}",
        seen[0].detail
    );
    assert!(
        seen[0]
            .detail
            .contains("version=green matches 0 of 3 ready"),
        "{}",
        seen[0].detail
    );
    assert!(
        seen[0].detail.contains("nothing was sent"),
        "{}",
        seen[0].detail
    );
    assert!(rig.writes("a1").await.is_empty(), "nothing sent");

    // A Service with no selector is not the war room's to fill in.
    let services: kube::Api<k8s_openapi::api::core::v1::Service> =
        kube::Api::namespaced(rig.client(), "demo");
    services
        .patch(
            "app",
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(json!({"spec": {"selector": null}})),
        )
        .await
        .expect("clear the selector");
    let seen = rig.run("a2", rollback(0, Strategy::ServiceSelector)).await;
    assert_eq!(seen[0].outcome, Outcome::Refused, "{seen:?}");
    assert!(
        seen[0].detail.contains("has no selector"),
        "{}",
        seen[0].detail
    );
    assert!(rig.writes("a2").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_refuses_a_crash_looping_canary() {
    let mut rig = Rig::start(RoutingMode::HttprouteWeights, Scenario::Crashloop).await;
    let seen = rig
        .run("a1", shift(0, 10, 0, Strategy::HttprouteWeights))
        .await;
    assert_eq!(seen[0].outcome, Outcome::Refused, "{seen:?}");
    let d = &seen[0].detail;
    assert!(
        d.contains("candidate backend app-green has 0 of 3 ready"),
        "{d}"
    );
    assert!(d.contains("needs 1 ready for 10 %"), "{d}");
    assert!(rig.writes("a1").await.is_empty());
    // Rolling back to the healthy stable is fine.
    let seen = rig.run("a2", rollback(0, Strategy::HttprouteWeights)).await;
    assert_eq!(seen[0].outcome, Outcome::Applied, "{seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replica_ratio_adds_candidate_pods_and_keeps_the_stable() {
    let mut rig = Rig::start(RoutingMode::ReplicaRatio, Scenario::Healthy).await;
    let seen = rig.run("a1", shift(0, 25, 0, Strategy::ReplicaRatio)).await;
    assert_eq!(
        seen.last().map(|s| s.outcome),
        Some(Outcome::Applied),
        "{seen:?}"
    );
    assert!(
        seen[0]
            .detail
            .contains("deployment/app-green 0 → 1 replicas"),
        "{}",
        seen[0].detail
    );
    rig.until("a quarter on green", "/sim/state", |s| {
        s["split"]["weights"].as_array().is_some_and(|w| {
            w.iter()
                .any(|p| p[0] == "green" && (p[1].as_f64().unwrap_or(0.0) - 0.25).abs() < 1e-6)
        })
    })
    .await;
    let seen = rig
        .run("a2", shift(1, 100, 25, Strategy::ReplicaRatio))
        .await;
    assert_eq!(
        seen.last().map(|s| s.outcome),
        Some(Outcome::Applied),
        "{seen:?}"
    );
    let d = &seen[0].detail;
    assert!(
        d.contains("deployment/app-green 1 → 3 replicas, deployment/app-blue 3 → 0 replicas"),
        "{d}"
    );
    for k in kubectls() {
        let r = rig
            .kubectl(&k, &["get", "deployment", "app-blue", "-o", "jsonpath={.spec.replicas} {.metadata.annotations.warroom\\.io/stable-replicas}"])
            .await;
        assert_eq!(r.trim(), "0 3", "[{}]", k.label);
    }
    rig.until("all on green", "/sim/state", |s| {
        s["split"]["weights"] == json!([["green", 1.0]])
    })
    .await;

    // Rolling back from 100 %: the stable comes back first, the candidate goes once the
    // stable has ready pods.
    let seen = rig.run("a3", rollback(100, Strategy::ReplicaRatio)).await;
    assert_eq!(
        seen.last().map(|s| s.outcome),
        Some(Outcome::Applied),
        "{seen:?}"
    );
    let d = &seen[0].detail;
    assert!(
        d.contains("deployment/app-blue 0 → 3 replicas, deployment/app-green 3 → 0 replicas"),
        "{d}"
    );
    for k in kubectls() {
        let r = rig
            .kubectl(
                &k,
                &[
                    "get",
                    "deployments",
                    "-o",
                    "jsonpath={range .items[*]}{.metadata.name}={.spec.replicas} {end}",
                ],
            )
            .await;
        assert_eq!(r.trim(), "app-blue=3 app-green=0", "[{}]", k.label);
    }
    rig.until("all on blue", "/sim/state", |s| {
        s["split"]["weights"] == json!([["blue", 1.0]])
    })
    .await;
    let writes = rig.writes("a3").await;
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert!(
        writes
            .iter()
            .all(|w| w["code"] == 200 && w["field_manager"] == "warroom")
    );
}
