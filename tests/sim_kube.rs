//! The war room's own client, kube-rs, against the simulator: list, watch, merge patch,
//! 409 on a stale resourceVersion, 410 for a too-old watch, 404 and 422 Status errors.

use std::net::SocketAddr;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::runtime::watcher;
use kube::{Client, Config};
use serde_json::json;
use warroom::sim::{self, SimOptions};

const LIMIT: Duration = Duration::from_secs(10);

async fn start() -> (sim::Running, Client) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let opts = SimOptions {
        pod_step: Duration::from_millis(40),
        tick: Duration::from_millis(20),
        ..SimOptions::default()
    };
    let running = sim::start(&opts, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("simulator starts");
    let url = running.url().parse().expect("url");
    let client = Client::try_from(Config::new(url)).expect("client");
    (running, client)
}

fn api_code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

#[tokio::test]
async fn list_and_merge_patch() {
    let (running, client) = start().await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "demo");
    let list = pods
        .list(&ListParams::default().labels("app=app"))
        .await
        .expect("list");
    assert_eq!(list.items.len(), 6);
    assert!(
        list.metadata
            .resource_version
            .is_some_and(|rv| !rv.is_empty())
    );
    let green = pods
        .list(&ListParams::default().labels("version=green"))
        .await
        .expect("list");
    assert_eq!(green.items.len(), 3);
    assert!(green.items.iter().all(|p| {
        p.metadata
            .owner_references
            .as_ref()
            .is_some_and(|o| o[0].kind == "ReplicaSet")
    }));

    let services: Api<Service> = Api::namespaced(client.clone(), "demo");
    let patched = services
        .patch(
            "app",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"selector": {"version": "green"}}})),
        )
        .await
        .expect("merge patch");
    let selector = patched.spec.and_then(|s| s.selector).unwrap_or_default();
    assert_eq!(selector.get("version").map(String::as_str), Some("green"));
    assert_eq!(selector.get("app").map(String::as_str), Some("app"));

    let missing = services.get("nope").await.expect_err("404");
    assert_eq!(api_code(&missing), Some(404));
    let deployments: Api<Deployment> = Api::namespaced(client, "demo");
    let invalid = deployments
        .patch(
            "app-blue",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": -2}})),
        )
        .await
        .expect_err("422");
    assert_eq!(api_code(&invalid), Some(422));
    running.stop().await;
}

#[tokio::test]
async fn stale_resource_version_conflicts() {
    let (running, client) = start().await;
    let leases: Api<Lease> = Api::namespaced(client, "demo");
    let lease: Lease = serde_json::from_value(json!({
        "metadata": {"name": "warroom-lock"},
        "spec": {"holderIdentity": "lead-a", "leaseDurationSeconds": 15}
    }))
    .expect("lease");
    let created = leases
        .create(&PostParams::default(), &lease)
        .await
        .expect("create");
    let again = leases
        .create(&PostParams::default(), &lease)
        .await
        .expect_err("exists");
    assert_eq!(api_code(&again), Some(409));
    let mut mine = created.clone();
    mine.spec.get_or_insert_default().holder_identity = Some("lead-b".into());
    let updated = leases
        .replace("warroom-lock", &PostParams::default(), &mine)
        .await
        .expect("replace");
    assert_ne!(
        updated.metadata.resource_version,
        created.metadata.resource_version
    );
    // `mine` still carries the first resourceVersion.
    let stale = leases
        .replace("warroom-lock", &PostParams::default(), &mine)
        .await
        .expect_err("stale");
    assert_eq!(api_code(&stale), Some(409));
    // A merge patch with a stale resourceVersion conflicts too.
    let rv = created
        .metadata
        .resource_version
        .clone()
        .unwrap_or_default();
    let patch = json!({"metadata": {"resourceVersion": rv}, "spec": {"holderIdentity": "lead-c"}});
    let stale = leases
        .patch(
            "warroom-lock",
            &PatchParams::default(),
            &Patch::Merge(patch),
        )
        .await
        .expect_err("stale");
    assert_eq!(api_code(&stale), Some(409));
    leases
        .delete("warroom-lock", &Default::default())
        .await
        .expect("delete");
    running.stop().await;
}

#[tokio::test]
async fn watcher_sees_a_pod_change() {
    let (running, client) = start().await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "demo");
    let mut events = watcher(pods.clone(), watcher::Config::default()).boxed();
    let init_done = tokio::time::timeout(LIMIT, async {
        while let Some(ev) = events.try_next().await.expect("watch") {
            if matches!(ev, watcher::Event::InitDone) {
                return true;
            }
        }
        false
    })
    .await
    .expect("initial list within the limit");
    assert!(init_done);
    let victim = pods
        .list(&ListParams::default().labels("version=blue"))
        .await
        .expect("list")
        .items[0]
        .metadata
        .name
        .clone()
        .unwrap_or_default();
    pods.delete(&victim, &Default::default())
        .await
        .expect("delete pod");
    let seen = tokio::time::timeout(LIMIT, async {
        while let Some(ev) = events.try_next().await.expect("watch") {
            match ev {
                watcher::Event::Apply(p) | watcher::Event::Delete(p)
                    if p.metadata.name.as_deref() == Some(&victim) =>
                {
                    return true;
                }
                _ => {}
            }
        }
        false
    })
    .await
    .expect("an event for the deleted pod within the limit");
    assert!(seen);
    running.stop().await;
}

#[tokio::test]
async fn too_old_watch_is_gone() {
    let (running, client) = start().await;
    let pods: Api<Pod> = Api::namespaced(client, "demo");
    // Churn past the history the simulator keeps.
    let deployments: Api<Deployment> = Api::namespaced(pods.clone().into_client(), "demo");
    for i in 0..3 {
        let image = format!("registry.example.com/demo/app:churn-{i}");
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}});
        deployments
            .patch(
                "app-blue",
                &PatchParams::default(),
                &Patch::Strategic(patch),
            )
            .await
            .expect("patch");
    }
    {
        let w = running.world.clone();
        let mut world = w.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for _ in 0..sim::store::HISTORY {
            world.store.now = jiff::Timestamp::now();
            let key = sim::store::Key::new(sim::resources::Kind::Lease, "demo", "churn");
            let _ = world.store.create(key.clone(), json!({"metadata": {}}));
            let _ = world.store.delete(&key);
        }
    }
    let mut stream = pods
        .watch(&WatchParams::default(), "1001")
        .await
        .expect("watch call")
        .boxed();
    let first = tokio::time::timeout(LIMIT, stream.try_next())
        .await
        .expect("an event")
        .expect("decodes");
    match first {
        Some(WatchEvent::Error(e)) => assert_eq!(e.code, 410),
        other => panic!("expected a 410 ERROR event, got {other:?}"),
    }
    running.stop().await;
}
