//! The immutable-image gate against the simulator: its candidate pods report, as a kubelet
//! does, the digest the written config pins (`imageID`), so the gate passes once they run; a
//! config pinning another digest fails naming a pod.

use std::net::SocketAddr;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kube::{Client, Config};
use warroom::config::warroom::{WarroomConfig, parse_str};
use warroom::event::GateStatus;
use warroom::release::gates;
use warroom::runbook::Format;
use warroom::sim::routing::RoutingMode;
use warroom::sim::{self, SimOptions, config_writer};
use warroom::sources::kube::convert::pod_row;
use warroom::state::State;

/// The candidate's pods as the Kubernetes source would record them, once all three started.
async fn started_pods(client: &Client) -> Vec<warroom::event::PodRow> {
    let api: Api<Pod> = Api::namespaced(client.clone(), "demo");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let list = api
            .list(&ListParams::default().labels("app=app"))
            .await
            .expect("list pods");
        let rows: Vec<_> = list.items.iter().map(|p| pod_row(p, "version")).collect();
        let green = rows.iter().filter(|r| r.version == "green");
        if green.clone().count() == 3 && green.clone().all(|r| r.image_id.is_some()) {
            return rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "candidate pods did not start: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn state_with(cfg: &WarroomConfig, pods: &[warroom::event::PodRow]) -> State {
    let mut s = State {
        config: Some(Box::new(cfg.clone())),
        ..State::default()
    };
    for p in pods {
        s.live.pods.insert(p.name.clone(), p.clone());
    }
    s
}

#[tokio::test]
async fn the_simulators_pods_run_the_pinned_digest() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let opts = SimOptions {
        pod_step: Duration::from_millis(40),
        tick: Duration::from_millis(20),
        ..SimOptions::default()
    };
    let running = sim::start(&opts, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("simulator starts");
    let client =
        Client::try_from(Config::new(running.url().parse().expect("url"))).expect("client");
    let pods = started_pods(&client).await;

    let text = config_writer::warroom_toml(&running.url(), RoutingMode::ServiceSelector);
    let cfg = parse_str(&text, Format::Toml, "warroom.toml").expect("the written config");
    let (status, why, evidence) = gates::image(&state_with(&cfg, &pods), &cfg);
    assert_eq!(status, GateStatus::Pass, "{why} {evidence}");
    assert!(why.ends_with("; 3 candidate pods run it"), "{why}");

    // Pinned to a digest the cluster does not run: the gate names a pod and both digests.
    let other = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
    let image = cfg.deployment.image.clone().expect("image");
    let (name, _) = image.split_once('@').expect("pinned");
    let mut wrong = cfg.clone();
    wrong.deployment.image = Some(format!("{name}@{other}"));
    let (status, why, _) = gates::image(&state_with(&wrong, &pods), &wrong);
    assert_eq!(status, GateStatus::Fail);
    assert!(why.starts_with("pod app-green-"), "{why}");
    assert!(why.contains("not the pinned sha256:000000000000…"), "{why}");
}
