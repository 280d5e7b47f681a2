//! The Kubernetes source against the in-process simulator: the first list, a pod that starts
//! crash-looping, scaling, a Service selector switch, and a 410 Gone mid-watch that relists
//! without duplicate or phantom rows.

mod source_kube_common;

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;
use source_kube_common::{
    Recorder, any_port, client, demo_spec, fault, kubeconfig, real_pods, replay, start_sim,
};
use warroom::event::{Event, SourceKind};

async fn scale(client: &kube::Client, name: &str, replicas: u32) {
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "demo");
    deployments
        .patch(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": replicas}})),
        )
        .await
        .expect("scale");
}

fn listed(e: &Event) -> bool {
    matches!(e, Event::PodsListed { .. })
}

#[tokio::test]
async fn first_list_then_a_crash_loop() {
    let sim = start_sim(any_port()).await;
    let dir = tempfile::tempdir().expect("tmp");
    let mut rec = Recorder::start(demo_spec(kubeconfig(&dir, &sim.url())));

    rec.wait_for("SourceStarted", 0, |e| {
        matches!(e, Event::SourceStarted { .. })
    })
    .await;
    assert!(matches!(
        &rec.events[0],
        Event::SourceStarted { source, kind: SourceKind::Kubernetes, target, interval_ms: 0 }
            if source == "kubernetes" && target == "warroom-sim/demo"
    ));

    let i = rec.wait_for("PodsListed", 0, listed).await;
    let Event::PodsListed { pods, .. } = &rec.events[i] else {
        unreachable!()
    };
    let mut versions: BTreeMap<&str, usize> = BTreeMap::new();
    for p in pods {
        *versions.entry(p.version.as_str()).or_default() += 1;
        assert_eq!(p.phase, "Running", "{p:?}");
        assert_eq!(p.ready, (1, 1), "{p:?}");
    }
    assert_eq!(versions, BTreeMap::from([("blue", 3), ("green", 3)]));

    for name in ["app-blue", "app-green"] {
        rec.wait_for(name, 0, |e| {
            matches!(e, Event::WorkloadObserved { workload, .. }
                if workload.name == name && workload.desired == 3 && workload.image.is_some())
        })
        .await;
    }
    rec.wait_for("traffic with selector and weights", 0, |e| {
        matches!(e, Event::TrafficObserved { traffic, .. }
            if traffic.selector.get("version").map(String::as_str) == Some("blue")
                && traffic.weights == [("app-blue".to_string(), 100), ("app-green".to_string(), 0)])
    })
    .await;
    assert!(
        rec.count(0, |e| matches!(e, Event::SourceFailed { .. })) == 0,
        "{}",
        rec.dump()
    );

    let before = rec.events.len();
    fault(
        &sim.url(),
        json!({"version": "green", "fault": "crashloop"}),
    )
    .await;
    rec.wait_for("a green pod in CrashLoopBackOff", before, |e| {
        matches!(e, Event::PodChanged { pod, .. }
            if pod.version == "green" && pod.reason.as_deref() == Some("CrashLoopBackOff"))
    })
    .await;
    // Only changes are recorded: no two consecutive identical rows for a pod.
    let mut last: BTreeMap<String, &warroom::event::PodRow> = BTreeMap::new();
    for e in &rec.events {
        if let Event::PodChanged { pod, .. } = e {
            assert_ne!(
                last.get(&pod.name),
                Some(&pod),
                "repeated row:\n{}",
                rec.dump()
            );
            last.insert(pod.name.clone(), pod);
        }
    }
    rec.stop().await;
    sim.stop().await;
}

#[tokio::test]
async fn scaling_and_a_selector_switch() {
    let sim = start_sim(any_port()).await;
    let dir = tempfile::tempdir().expect("tmp");
    let kube = client(&sim.url());
    let mut rec = Recorder::start(demo_spec(kubeconfig(&dir, &sim.url())));
    rec.wait_for("PodsListed", 0, listed).await;
    let start = rec
        .wait_for("traffic", 0, |e| matches!(e, Event::TrafficObserved { .. }))
        .await;
    let listed_names: BTreeSet<String> = real_pods(&kube).await;

    scale(&kube, "app-blue", 4).await;
    rec.wait_for("a new blue pod", start, |e| {
        matches!(e, Event::PodChanged { pod, .. }
            if pod.version == "blue" && !listed_names.contains(&pod.name))
    })
    .await;
    rec.wait_for("app-blue wants 4", start, |e| {
        matches!(e, Event::WorkloadObserved { workload, .. }
            if workload.name == "app-blue" && workload.desired == 4)
    })
    .await;

    let before = rec.events.len();
    scale(&kube, "app-green", 1).await;
    let mut from = before;
    for n in 1..=2 {
        from = 1 + rec
            .wait_for(&format!("pod deletion {n}"), from, |e| {
                matches!(e, Event::PodDeleted { .. })
            })
            .await;
    }

    let services: Api<Service> = Api::namespaced(kube.clone(), "demo");
    services
        .patch(
            "app",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"selector": {"version": "green"}}})),
        )
        .await
        .expect("switch");
    rec.wait_for("selector version=green", before, |e| {
        matches!(e, Event::TrafficObserved { traffic, .. }
            if traffic.selector.get("version").map(String::as_str) == Some("green"))
    })
    .await;

    // Replaying what was recorded ends with exactly the pods that exist (4 blue, 1 green).
    settle_on_real_pods(&mut rec, &kube, 5).await;
    rec.stop().await;
    sim.stop().await;
}

/// Waits until the cluster has `expected` pods and the replayed pod table shows exactly them.
async fn settle_on_real_pods(rec: &mut Recorder, kube: &kube::Client, expected: usize) {
    let deadline = tokio::time::Instant::now() + source_kube_common::DEADLINE;
    loop {
        let real = real_pods(kube).await;
        let state = replay(&rec.events);
        let shown: BTreeSet<String> = state.live.pods.keys().cloned().collect();
        if shown == real && real.len() == expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "replayed pods {shown:?} never matched the cluster's {real:?}:\n{}",
            rec.dump()
        );
        rec.collect_for(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn gone_relists_without_duplicates_or_phantoms() {
    let sim = start_sim(any_port()).await;
    let dir = tempfile::tempdir().expect("tmp");
    let kube = client(&sim.url());
    let mut rec = Recorder::start(demo_spec(kubeconfig(&dir, &sim.url())));
    rec.wait_for("PodsListed", 0, listed).await;
    rec.wait_for("traffic", 0, |e| matches!(e, Event::TrafficObserved { .. }))
        .await;

    // Pods go away while the history is compacted under the watch.
    scale(&kube, "app-blue", 1).await;
    let before = rec.events.len();
    fault(&sim.url(), json!({"fault": "compact"})).await;
    let relist = rec.wait_for("the relist", before, listed).await;
    assert_eq!(
        rec.count(0, listed),
        2,
        "one list at start, one relist:\n{}",
        rec.dump()
    );
    assert_eq!(
        rec.count(0, |e| matches!(e, Event::SourceFailed { .. })),
        0,
        "a 410 is not a failure:\n{}",
        rec.dump()
    );
    let Event::PodsListed { pods, .. } = &rec.events[relist] else {
        unreachable!()
    };
    let names: BTreeSet<&str> = pods.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.len(), pods.len(), "duplicate rows in the relist");

    // 1 blue and 3 green once the scale-down is done.
    settle_on_real_pods(&mut rec, &kube, 4).await;
    assert_eq!(
        rec.count(0, listed),
        2,
        "no further relist:\n{}",
        rec.dump()
    );
    rec.stop().await;
    sim.stop().await;
}
