//! The Kubernetes source when things go wrong: the API server going away and coming back on
//! the same port, RBAC denials (403) and expired credentials (401) reported once, a watch
//! that stalls on an open connection, and kubeconfig problems.

mod source_kube_common;

use std::time::Duration;

use serde_json::json;
use source_kube_common::{
    Proxy, Recorder, any_port, demo_spec, failed_with, fault, kubeconfig, start_sim,
};
use warroom::event::Event;
use warroom::sources::kube::KubeSpec;

/// A made-up bearer token.
const TOKEN: &str = "kube-token-not-real-7f3a9c";

fn listed(e: &Event) -> bool {
    matches!(e, Event::PodsListed { .. })
}

#[tokio::test]
async fn api_server_gone_then_back_on_the_same_port() {
    let sim = start_sim(any_port()).await;
    let addr = sim.addr;
    let dir = tempfile::tempdir().expect("tmp");
    let mut rec = Recorder::start(demo_spec(kubeconfig(&dir, &sim.url())));
    rec.wait_for("PodsListed", 0, listed).await;

    sim.stop().await;
    let gone = rec.events.len();
    // The message names the API server, so an operator knows which cluster is unreachable.
    let refused = format!("list pods in demo: connection refused (API server http://{addr})");
    rec.wait_for("a second refused attempt", gone, |e| {
        matches!(e, Event::SourceFailed { source, error, attempt }
            if *attempt >= 2 && *error == refused && source == "kubernetes/pods")
    })
    .await;
    let first = rec
        .wait_for("the first failure", gone, |e| {
            failed_with(e, "pods in demo: ")
        })
        .await;
    assert!(
        matches!(&rec.events[first], Event::SourceFailed { attempt: 1, .. }),
        "{}",
        rec.dump()
    );

    let sim = start_sim(addr).await;
    let back = rec.events.len();
    let recovered = rec
        .wait_for(
            "SourceRecovered",
            back,
            |e| matches!(e, Event::SourceRecovered { source } if source == "kubernetes/pods"),
        )
        .await;
    rec.wait_for("a fresh PodsListed", back, listed).await;
    assert_eq!(
        rec.count(
            recovered + 1,
            |e| matches!(e, Event::SourceFailed { source, .. } if source == "kubernetes/pods")
        ),
        0,
        "{}",
        rec.dump()
    );
    rec.stop().await;
    sim.stop().await;
}

#[tokio::test]
async fn forbidden_is_reported_once_naming_verb_and_resource() {
    let sim = start_sim(any_port()).await;
    fault(
        &sim.url(),
        json!({"path_prefix": "/api/v1/namespaces/demo/pods", "status": 403}),
    )
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    // A kubeconfig with a bearer token: it must never reach an event.
    let path = kubeconfig(&dir, &sim.url());
    let text = std::fs::read_to_string(&path).expect("read kubeconfig");
    assert!(text.contains("user: {}"), "{text}");
    std::fs::write(
        &path,
        text.replace("user: {}", &format!("user: {{token: {TOKEN}}}")),
    )
    .expect("write kubeconfig");
    let mut rec = Recorder::start(demo_spec(path));
    let clear =
        "forbidden: cannot list pods in namespace demo (RBAC); grant get/list/watch on pods";
    rec.wait_for("the RBAC message", 0, |e| failed_with(e, clear))
        .await;
    // The watches that are allowed keep working.
    rec.wait_for("app-blue", 0, |e| {
        matches!(e, Event::WorkloadObserved { .. })
    })
    .await;
    rec.collect_for(Duration::from_secs(2)).await;
    assert_eq!(
        rec.count(0, |e| matches!(e, Event::SourceFailed { .. })),
        1,
        "{}",
        rec.dump()
    );
    assert!(!rec.dump().contains(TOKEN));
    rec.stop().await;
    sim.stop().await;
}

#[tokio::test]
async fn unauthorized_says_reauthenticate_once_without_a_retry_storm() {
    let sim = start_sim(any_port()).await;
    for prefix in ["/api/", "/apis/"] {
        fault(&sim.url(), json!({"path_prefix": prefix, "status": 401})).await;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut rec = Recorder::start(demo_spec(kubeconfig(&dir, &sim.url())));
    rec.wait_for("the 401 message", 0, |e| {
        failed_with(
            e,
            "unauthorized: credentials expired or invalid; re-authenticate",
        )
    })
    .await;
    rec.collect_for(Duration::from_secs(3)).await;
    assert_eq!(
        rec.count(0, |e| matches!(e, Event::SourceFailed { .. })),
        1,
        "{}",
        rec.dump()
    );
    rec.stop().await;
    sim.stop().await;
}

#[tokio::test]
async fn a_stalled_watch_is_restarted() {
    let sim = start_sim(any_port()).await;
    let proxy = Proxy::start(sim.addr).await;
    let dir = tempfile::tempdir().expect("tmp");
    let spec = KubeSpec {
        silence: Duration::from_secs(3),
        request_timeout: Duration::from_secs(3),
        ..demo_spec(kubeconfig(&dir, &proxy.url()))
    };
    let mut rec = Recorder::start(spec);
    rec.wait_for("PodsListed", 0, listed).await;
    // Quiet but healthy: the server ends each watch before the watchdog fires.
    rec.collect_for(Duration::from_secs(4)).await;
    assert_eq!(
        rec.count(0, |e| matches!(e, Event::SourceFailed { .. })),
        0,
        "{}",
        rec.dump()
    );

    proxy.freeze();
    let frozen = rec.events.len();
    rec.wait_for("the watchdog", frozen, |e| {
        failed_with(e, "watch pods in demo went silent for 3s; restarting")
    })
    .await;

    proxy.thaw();
    let thawed = rec.events.len();
    rec.wait_for("SourceRecovered", thawed, |e| {
        matches!(e, Event::SourceRecovered { .. })
    })
    .await;
    rec.wait_for("a fresh PodsListed", thawed, listed).await;
    rec.stop().await;
    sim.stop().await;
}

#[tokio::test]
async fn kubeconfig_problems_are_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    let missing = dir.path().join("missing-kubeconfig");
    let mut rec = Recorder::start(demo_spec(missing));
    rec.wait_for(
        "SourceStarted",
        0,
        |e| matches!(e, Event::SourceStarted { target, .. } if target == "warroom-sim/demo"),
    )
    .await;
    rec.wait_for("the missing file", 0, |e| {
        matches!(e, Event::SourceFailed { error, attempt: 1, .. }
            if error.starts_with("cannot read kubeconfig ") && error.ends_with(": no such file"))
    })
    .await;
    rec.stop().await;

    let path = kubeconfig(&dir, "http://127.0.0.1:9");
    let spec = KubeSpec {
        context: Some("production".into()),
        ..demo_spec(path)
    };
    let mut rec = Recorder::start(spec);
    rec.wait_for("the unknown context", 0, |e| {
        failed_with(
            e,
            "kubeconfig has no context \"production\"; it has: warroom-sim",
        )
    })
    .await;
    rec.stop().await;
}
