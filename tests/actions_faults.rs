//! The executors under API faults (RELIABILITY rows 12, 14, 15, 25): a 409 mid-shift is
//! reported with who changed what and never retried; a write that was applied and then
//! answered with a 500 or cut off is reported unknown first and then settled by reading it
//! back, never guessed; a 429 is waited out; a denial fails at once.

mod actions_common;
mod support;

use actions_common::{Rig, kubectls};
use serde_json::json;
use warroom::config::warroom::Strategy;
use warroom::event::{Action, Event, Outcome};
use warroom::sim::{RoutingMode, Scenario};

const ROUTE: &str = "/apis/gateway.networking.k8s.io/v1/namespaces/demo/httproutes/app";

fn shift(step: usize, weight: u32, from: u32) -> Action {
    Action::Shift {
        step,
        weight,
        from,
        strategy: Strategy::HttprouteWeights,
        override_bake: None,
    }
}

async fn weights(rig: &Rig) -> String {
    let k = kubectls().into_iter().next();
    match k {
        Some(k) => rig
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
            .await
            .trim()
            .to_string(),
        None => {
            let r = rig
                .get_json("/apis/gateway.networking.k8s.io/v1/namespaces/demo/httproutes/app")
                .await;
            let w: Vec<String> = r["spec"]["rules"][0]["backendRefs"]
                .as_array()
                .map(|b| b.iter().map(|b| b["weight"].to_string()).collect())
                .unwrap_or_default();
            w.join(" ")
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_mid_shift_names_the_change_and_is_not_retried() {
    let mut rig = Rig::start(RoutingMode::HttprouteWeights, Scenario::Healthy).await;
    let seen = rig.run("a1", shift(0, 10, 0)).await;
    assert_eq!(seen[0].outcome, Outcome::Applied, "{seen:?}");
    // GitOps puts the weights back between the war room's read and its write.
    rig.fault(json!({
        "path_prefix": ROUTE, "on_write": "conflict", "field_manager": "argocd",
        "patch": {"spec": {"rules": [{"backendRefs": [
            {"group": "", "kind": "Service", "name": "app-blue", "port": 80, "weight": 100},
            {"group": "", "kind": "Service", "name": "app-green", "port": 80, "weight": 0}]}]}}
    }))
    .await;
    let seen = rig.run("a2", shift(1, 25, 10)).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].outcome, Outcome::Conflict);
    let Event::ActionOutcome {
        detail,
        versions,
        changed_by,
        after,
        ..
    } = &seen[0].event
    else {
        panic!("not an outcome");
    };
    assert_eq!(changed_by.as_deref(), Some("argocd"));
    assert_eq!(versions.len(), 2);
    assert_ne!(versions[0], versions[1], "both resourceVersions");
    assert!(
        detail.contains("weights app-blue 100 / app-green 0 now, changed by argocd"),
        "{detail}"
    );
    assert!(detail.contains("nothing was changed"), "{detail}");
    assert_eq!(
        after.as_ref().map(|a| a.weights.clone()),
        Some(vec![
            ("app-blue".to_string(), 100),
            ("app-green".to_string(), 0)
        ])
    );
    // Exactly one write of the war room's for the action: the refused one. No blind retry.
    let writes = rig.writes("a2").await;
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0]["code"], 409);
    assert_eq!(weights(&rig).await, "100 0", "argocd's change stands");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applied_then_500_is_unknown_then_read_back() {
    let mut rig = Rig::start(RoutingMode::HttprouteWeights, Scenario::Healthy).await;
    rig.fault(json!({"path_prefix": ROUTE, "on_write": "apply-then-500"}))
        .await;
    let seen = rig.run("a1", shift(0, 10, 0)).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].outcome, Outcome::Unknown);
    assert!(
        seen[0].detail.contains("answered 500"),
        "{}",
        seen[0].detail
    );
    assert!(
        seen[0].detail.ends_with("reading back"),
        "{}",
        seen[0].detail
    );
    assert_eq!(seen[1].outcome, Outcome::Applied);
    assert!(
        seen[1].detail.starts_with("read back: applied"),
        "{}",
        seen[1].detail
    );
    assert_eq!(weights(&rig).await, "90 10");
    let writes = rig.writes("a1").await;
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0]["code"], 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applied_then_cut_off_is_unknown_then_read_back() {
    let mut rig = Rig::start(RoutingMode::HttprouteWeights, Scenario::Healthy).await;
    rig.fault(json!({"path_prefix": ROUTE, "on_write": "apply-then-drop"}))
        .await;
    let seen = rig.run("a1", shift(0, 10, 0)).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].outcome, Outcome::Unknown);
    assert!(
        seen[0].detail.contains("the connection failed")
            || seen[0].detail.contains("not the object"),
        "{}",
        seen[0].detail
    );
    assert_eq!(seen[1].outcome, Outcome::Applied, "{}", seen[1].detail);
    assert_eq!(weights(&rig).await, "90 10");
    assert_eq!(rig.writes("a1").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_that_was_not_applied_reads_back_as_failed() {
    let mut rig = Rig::start(RoutingMode::HttprouteWeights, Scenario::Healthy).await;
    rig.fault(json!({"path_prefix": ROUTE, "on_write": "500"}))
        .await;
    let seen = rig.run("a1", shift(0, 10, 0)).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].outcome, Outcome::Unknown);
    assert_eq!(seen[1].outcome, Outcome::Failed);
    assert!(
        seen[1].detail.starts_with(
            "read back: not applied (httproute/app still reads weights app-blue 100 / app-green 0)"
        ),
        "{}",
        seen[1].detail
    );
    assert_eq!(weights(&rig).await, "100 0");
    assert_eq!(rig.writes("a1").await.len(), 1, "no retry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_is_waited_out_and_denials_fail_at_once() {
    let mut rig = Rig::start(RoutingMode::HttprouteWeights, Scenario::Healthy).await;
    rig.fault(json!({"path_prefix": ROUTE, "status": 429, "count": 1}))
        .await;
    let started = std::time::Instant::now();
    let seen = rig.run("a1", shift(0, 10, 0)).await;
    assert_eq!(seen[0].outcome, Outcome::Applied, "{seen:?}");
    assert!(
        seen[0]
            .detail
            .contains("throttled (429): waited 1 s as Retry-After asked"),
        "{}",
        seen[0].detail
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "waited at least Retry-After"
    );

    rig.fault(json!({"path_prefix": ROUTE, "clear": true}))
        .await;
    rig.fault(json!({"path_prefix": ROUTE, "status": 403, "count": 1}))
        .await;
    let seen = rig.run("a2", shift(1, 25, 10)).await;
    assert_eq!(seen[0].outcome, Outcome::Failed, "{seen:?}");
    assert!(
        seen[0].detail.contains("403 Forbidden"),
        "{}",
        seen[0].detail
    );
    assert!(
        seen[0].detail.contains("nothing was sent"),
        "{}",
        seen[0].detail
    );
    assert!(rig.writes("a2").await.is_empty());

    rig.fault(json!({"path_prefix": ROUTE, "status": 401, "count": 1}))
        .await;
    let seen = rig.run("a3", shift(1, 25, 10)).await;
    assert_eq!(seen[0].outcome, Outcome::Failed, "{seen:?}");
    assert!(
        seen[0].detail.contains("log in again"),
        "{}",
        seen[0].detail
    );
    assert_eq!(weights(&rig).await, "90 10");
}
