//! The deployment lock against the simulator: taken before the first change with the holder
//! named, renewed, released when the war room stops; another session's live hold refuses the
//! action naming the holder; an expired hold is taken over; two war rooms racing get one
//! winner; and the Kubernetes source reports the lock with whether it is this session's.

mod actions_common;
mod support;

use std::time::Duration;

use actions_common::{DEADLINE, HOST, OPERATOR, Rig, SESSION, kubectls, settings};
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, PostParams};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use warroom::actions::Executor;
use warroom::config::warroom::Strategy;
use warroom::event::{Action, Event, Outcome};
use warroom::sim::{RoutingMode, Scenario};

const LOCK: &str = "warroom-app";

fn shift() -> Action {
    Action::Shift {
        step: 0,
        weight: 10,
        from: 0,
        strategy: Strategy::HttprouteWeights,
        override_bake: None,
    }
}

fn micro(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

async fn hold(rig: &Rig, holder: &str, renewed: jiff::Timestamp) {
    let leases: Api<Lease> = Api::namespaced(rig.client(), "demo");
    let lease: Lease = serde_json::from_value(json!({
        "metadata": {"name": LOCK},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": 30,
                 "acquireTime": micro(renewed), "renewTime": micro(renewed), "leaseTransitions": 0}
    }))
    .expect("lease");
    leases
        .create(&PostParams::default(), &lease)
        .await
        .expect("create the other war room's lease");
}

async fn lease_spec(rig: &Rig) -> serde_json::Value {
    rig.get_json(&format!(
        "/apis/coordination.k8s.io/v1/namespaces/demo/leases/{LOCK}"
    ))
    .await["spec"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_sessions_hold_refuses_naming_the_holder() {
    let mut rig = Rig::start(RoutingMode::HttprouteWeights, Scenario::Healthy).await;
    hold(&rig, "bob@ops-2 other-session", jiff::Timestamp::now()).await;
    let seen = rig.run("a1", shift()).await;
    assert_eq!(seen[0].outcome, Outcome::Refused, "{seen:?}");
    assert!(
        seen[0]
            .detail
            .contains("the deployment lock lease/warroom-app is held by bob@ops-2 other-session"),
        "{}",
        seen[0].detail
    );
    assert!(
        rig.events
            .iter()
            .any(|e| matches!(e, Event::LeaseObserved { lease }
        if lease.holder.as_deref() == Some("bob@ops-2 other-session") && !lease.ours))
    );
    let writes = rig.all_writes().await;
    assert!(
        writes
            .iter()
            .all(|w| !w["path"].as_str().unwrap_or("").contains("httproutes")),
        "no traffic write: {writes:?}"
    );
    assert_eq!(
        lease_spec(&rig).await["holderIdentity"],
        "bob@ops-2 other-session"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taken_renewed_and_released() {
    let mut rig = Rig::start(RoutingMode::HttprouteWeights, Scenario::Healthy).await;
    let seen = rig.run("a1", shift()).await;
    assert_eq!(seen[0].outcome, Outcome::Applied, "{seen:?}");
    let me = format!("{OPERATOR}@{HOST} {SESSION}");
    for k in kubectls() {
        let h = rig
            .kubectl(
                &k,
                &[
                    "get",
                    "lease",
                    LOCK,
                    "-o",
                    "jsonpath={.spec.holderIdentity} {.spec.leaseDurationSeconds}",
                ],
            )
            .await;
        assert_eq!(h.trim(), format!("{me} 30"), "[{}]", k.label);
        let a = rig
            .kubectl(
                &k,
                &[
                    "get",
                    "lease",
                    LOCK,
                    "-o",
                    "jsonpath={.metadata.annotations.warroom\\.io/session}",
                ],
            )
            .await;
        assert_eq!(
            a.trim(),
            SESSION,
            "[{}] the lock names its session",
            k.label
        );
    }
    let first = lease_spec(&rig).await["renewTime"].clone();
    // Renewed while the war room runs (every 500 ms in these settings).
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while lease_spec(&rig).await["renewTime"] == first {
        assert!(tokio::time::Instant::now() < deadline, "never renewed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, sim, dir) = rig.stop().await;
    let lease = reqwest::get(format!(
        "{}/apis/coordination.k8s.io/v1/namespaces/demo/leases/{LOCK}",
        sim.url()
    ))
    .await
    .expect("get")
    .json::<serde_json::Value>()
    .await
    .expect("json");
    assert!(
        lease["spec"]["holderIdentity"].is_null(),
        "released on stop: {lease}"
    );
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_hold_is_taken_over() {
    let mut rig = Rig::start(RoutingMode::HttprouteWeights, Scenario::Healthy).await;
    let long_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(120);
    hold(&rig, "bob@ops-2 crashed-session", long_ago).await;
    let seen = rig.run("a1", shift()).await;
    assert_eq!(seen[0].outcome, Outcome::Applied, "{seen:?}");
    let spec = lease_spec(&rig).await;
    assert_eq!(
        spec["holderIdentity"],
        format!("{OPERATOR}@{HOST} {SESSION}")
    );
    assert_eq!(spec["leaseTransitions"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_war_rooms_one_lock() {
    let mut rig = Rig::start(RoutingMode::HttprouteWeights, Scenario::Healthy).await;
    // The second war room, another session on the same deployment.
    let (tx, mut rx) = mpsc::channel(64);
    let cancel = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let other = Executor::start_with(tx, cancel.clone(), &mut tasks, settings());
    let first = rig.run("a1", shift()).await;
    assert_eq!(first[0].outcome, Outcome::Applied, "{first:?}");
    let spec = rig.spec_in("session-two", "a1", shift());
    other.submit(spec).expect("queued");
    let refused = tokio::time::timeout(DEADLINE, async {
        loop {
            match rx.recv().await {
                Some(Event::ActionOutcome {
                    outcome, detail, ..
                }) => return (outcome, detail),
                Some(_) => {}
                None => panic!("the second executor stopped"),
            }
        }
    })
    .await
    .expect("an outcome");
    assert_eq!(refused.0, Outcome::Refused, "{}", refused.1);
    assert!(
        refused
            .1
            .contains(&format!("held by {OPERATOR}@{HOST} {SESSION}")),
        "{}",
        refused.1
    );
    cancel.cancel();
    while tasks.join_next().await.is_some() {}
}

async fn wait_lease(events: &mut mpsc::Receiver<Event>, ours: bool) -> warroom::event::LeaseRow {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(Event::LeaseObserved { lease })) if lease.ours == ours => return lease,
            Ok(Some(_)) => {}
            other => panic!("no LeaseObserved(ours: {ours}): {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_source_tells_our_lock_from_anothers() {
    let mut rig = Rig::start(RoutingMode::HttprouteWeights, Scenario::Healthy).await;
    let mut spec = warroom::sources::kube::KubeSpec::from_config(&rig.cfg).expect("kubernetes");
    spec.session = Some(SESSION.to_string());
    let (sink, mut events) = warroom::sources::channel();
    let cancel = CancellationToken::new();
    let task = tokio::spawn(warroom::sources::kube::run(spec, sink, cancel.clone()));
    let seen = rig.run("a1", shift()).await;
    assert_eq!(seen[0].outcome, Outcome::Applied, "{seen:?}");
    let ours = wait_lease(&mut events, true).await;
    assert_eq!(ours.name, LOCK);
    assert_eq!(ours.duration_s, 30);
    // The war room stops: the source sees the lock released; then another takes it, and
    // the source says it is not ours.
    let (_, sim, dir) = rig.stop().await;
    let free = wait_lease(&mut events, false).await;
    assert_eq!(free.holder, None, "{free:?}");
    let client =
        kube::Client::try_from(kube::Config::new(sim.url().parse().expect("url"))).expect("client");
    let leases: Api<Lease> = Api::namespaced(client, "demo");
    leases
        .patch(
            LOCK,
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(json!({"spec": {"holderIdentity": "bob@ops-2 s-2",
                "leaseDurationSeconds": 30, "renewTime": micro(jiff::Timestamp::now())}})),
        )
        .await
        .expect("another holder");
    let theirs = wait_lease(&mut events, false).await;
    assert_eq!(theirs.holder.as_deref(), Some("bob@ops-2 s-2"));
    cancel.cancel();
    let _ = task.await;
    drop(dir);
}
