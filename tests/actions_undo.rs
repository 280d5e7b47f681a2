//! `rollout undo` of the candidate against the simulator (its clock stepped by hand, so the
//! controller runs only when a test says): the previous revision is rolled back to, as
//! `kubectl rollout history` shows; missing, ambiguous or paused history is refused as the
//! RELIABILITY rows 19–21 ask; a template that already matches is skipped; and, unlike
//! kubectl, an edit made between the read and the write is not overwritten.

mod actions_common;
mod support;

use actions_common::{Rig, SESSION, kubectls, options, settings};
use serde_json::{Value, json};
use warroom::event::{Action, Outcome};
use warroom::sim::{RoutingMode, Scenario};

const NEW_IMAGE: &str = "registry.example.com/demo/app:1.2.4";

async fn start() -> Rig {
    let opts = warroom::sim::SimOptions {
        manual_clock: true,
        ..options(RoutingMode::HttprouteWeights, Scenario::Healthy)
    };
    Rig::start_with(opts, settings()).await
}

fn undo(workload: &str) -> Action {
    Action::Undo {
        workload: workload.into(),
        after: "a1".into(),
    }
}

async fn advance(rig: &Rig, ms: u64) {
    let r = reqwest::Client::new()
        .post(format!("{}/sim/advance", rig.url()))
        .json(&json!({"ms": ms}))
        .send()
        .await
        .expect("advance");
    assert!(r.status().is_success());
}

/// Rolls app-green out to a second revision.
async fn revision_two(rig: &Rig) {
    let api: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
        kube::Api::namespaced(rig.client(), "demo");
    api.patch(
        "app-green",
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": NEW_IMAGE}]}}}})),
    )
    .await
    .expect("set image");
    advance(rig, 3000).await;
}

/// (name, revision) of app-green's ReplicaSets.
async fn sets(rig: &Rig) -> Vec<(String, String)> {
    let list = rig
        .get_json("/apis/apps/v1/namespaces/demo/replicasets?labelSelector=version%3Dgreen")
        .await;
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|rs| {
                    (
                        rs["metadata"]["name"].as_str().unwrap_or("").to_string(),
                        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                            .as_str()
                            .unwrap_or("")
                            .to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn deployment(rig: &Rig) -> Value {
    rig.get_json("/apis/apps/v1/namespaces/demo/deployments/app-green")
        .await
}

fn image(d: &Value) -> String {
    d["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

async fn annotate(rig: &Rig, rs: &str, revision: &str) {
    let api: kube::Api<k8s_openapi::api::apps::v1::ReplicaSet> =
        kube::Api::namespaced(rig.client(), "demo");
    api.patch(
        rs,
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(json!({"metadata": {"annotations": {
            "deployment.kubernetes.io/revision": revision}}})),
    )
    .await
    .expect("annotate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_goes_back_to_the_previous_revision() {
    let mut rig = start().await;
    let original = image(&deployment(&rig).await);
    revision_two(&rig).await;
    assert_eq!(image(&deployment(&rig).await), NEW_IMAGE);
    let before = sets(&rig).await;
    let rev1 = before
        .iter()
        .find(|(_, r)| r == "1")
        .map(|(n, _)| n.clone())
        .expect("revision 1");
    let seen = rig.run("a1-undo", undo("app-green")).await;
    assert_eq!(seen[0].outcome, Outcome::Applied, "{seen:?}");
    assert!(
        seen[0].detail.starts_with(&format!(
            "rolled deployment/app-green back to revision 1 ({rev1}): image {original}"
        )),
        "{}",
        seen[0].detail
    );
    assert!(
        seen[0].detail.ends_with(&format!("was image {NEW_IMAGE}")),
        "{}",
        seen[0].detail
    );
    let d = deployment(&rig).await;
    assert_eq!(image(&d), original);
    assert_eq!(d["metadata"]["annotations"]["warroom.io/action"], "a1-undo");
    assert_eq!(d["metadata"]["annotations"]["warroom.io/session"], SESSION);
    let writes = rig.writes("a1-undo").await;
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0]["field_manager"], "warroom");
    advance(&rig, 3000).await;
    for k in kubectls() {
        let h = rig
            .kubectl(&k, &["rollout", "history", "deployment/app-green"])
            .await;
        let revs: Vec<&str> = h
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
            .collect();
        assert_eq!(
            revs,
            ["2", "3"],
            "[{}] revision 1 revived as 3:\n{h}",
            k.label
        );
    }
    assert!(
        sets(&rig).await.contains(&(rev1, "3".to_string())),
        "the old ReplicaSet is the newest revision now"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ambiguous_or_missing_history_is_refused() {
    let mut rig = start().await;
    let seen = rig.run("b1-undo", undo("app-blue")).await;
    assert_eq!(seen[0].outcome, Outcome::Refused, "{seen:?}");
    assert!(
        seen[0].detail.starts_with(
            "no rollout history for deployment/app-blue: 1 owned ReplicaSet (revisionHistoryLimit 10)"
        ),
        "{}",
        seen[0].detail
    );

    revision_two(&rig).await;
    let two = sets(&rig).await;
    let rev1 = two.iter().find(|(_, r)| r == "1").expect("rev 1").0.clone();
    let rev2 = two.iter().find(|(_, r)| r == "2").expect("rev 2").0.clone();
    annotate(&rig, &rev1, "first").await;
    let seen = rig.run("c1-undo", undo("app-green")).await;
    assert_eq!(seen[0].outcome, Outcome::Refused, "{seen:?}");
    let d = &seen[0].detail;
    assert!(d.contains("ambiguous"), "{d}");
    assert!(
        d.contains(&format!(
            "{rev1} (revision \"first\" is not a positive integer)"
        )),
        "{d}"
    );
    assert!(
        d.contains(&format!("{rev2} (revision 2)")),
        "candidates listed: {d}"
    );
    annotate(&rig, &rev1, "2").await;
    let seen = rig.run("d1-undo", undo("app-green")).await;
    assert_eq!(seen[0].outcome, Outcome::Refused, "{seen:?}");
    assert!(
        seen[0].detail.contains("revision 2 is claimed by"),
        "{}",
        seen[0].detail
    );
    for id in ["b1-undo", "c1-undo", "d1-undo"] {
        assert!(rig.writes(id).await.is_empty(), "{id} sent nothing");
    }
    assert_eq!(image(&deployment(&rig).await), NEW_IMAGE, "untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_is_refused_and_a_matching_template_is_skipped() {
    let mut rig = start().await;
    revision_two(&rig).await;
    let api: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
        kube::Api::namespaced(rig.client(), "demo");
    let pause = |p: bool| json!({"spec": {"paused": p}});
    api.patch(
        "app-green",
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(pause(true)),
    )
    .await
    .expect("pause");
    let seen = rig.run("a1-undo", undo("app-green")).await;
    assert_eq!(seen[0].outcome, Outcome::Refused, "{seen:?}");
    assert!(seen[0].detail.contains("is paused"), "{}", seen[0].detail);
    assert!(
        seen[0]
            .detail
            .contains("kubectl rollout resume deployment/app-green"),
        "{}",
        seen[0].detail
    );
    api.patch(
        "app-green",
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(pause(false)),
    )
    .await
    .expect("resume");

    // The old ReplicaSet claims the newest revision: the "previous" one is the template
    // running now, so there is nothing to undo.
    let rev1 = sets(&rig)
        .await
        .into_iter()
        .find(|(_, r)| r == "1")
        .expect("rev 1")
        .0;
    annotate(&rig, &rev1, "3").await;
    let seen = rig.run("a2-undo", undo("app-green")).await;
    assert_eq!(seen[0].outcome, Outcome::Skipped, "{seen:?}");
    assert!(
        seen[0]
            .detail
            .contains("already runs the template of revision 2"),
        "{}",
        seen[0].detail
    );
    assert!(rig.writes("a2-undo").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_between_read_and_write_is_not_overwritten() {
    let mut rig = start().await;
    revision_two(&rig).await;
    rig.fault(json!({
        "path_prefix": "/apis/apps/v1/namespaces/demo/deployments/app-green",
        "on_write": "conflict", "field_manager": "argocd",
        "patch": {"spec": {"template": {"metadata": {"annotations": {"gitops/sync": "42"}}}}}
    }))
    .await;
    let seen = rig.run("a1-undo", undo("app-green")).await;
    assert_eq!(seen[0].outcome, Outcome::Conflict, "{seen:?}");
    let warroom::event::Event::ActionOutcome {
        changed_by,
        versions,
        ..
    } = &seen[0].event
    else {
        panic!("not an outcome");
    };
    assert_eq!(changed_by.as_deref(), Some("argocd"));
    assert_eq!(versions.len(), 2);
    let d = deployment(&rig).await;
    assert_eq!(image(&d), NEW_IMAGE, "the undo did not go through");
    assert_eq!(
        d["spec"]["template"]["metadata"]["annotations"]["gitops/sync"], "42",
        "argocd's edit stands"
    );
}
