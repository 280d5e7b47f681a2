//! The immutable-image gate: tags, digests, and the digest the candidate pods run.

use super::*;
use crate::event::PodRow;

const DIGEST: &str = "sha256:4f1c9d0a7be2e3c1d6f0a8b9c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1";
const OTHER: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000001";

fn with_image(image: &str) -> WarroomConfig {
    cfg(
        &format!("image = \"{image}\"\nrelease = \"1.2.3\"\nstable = \"1.2.2\""),
        "[versions]\nstable = \"blue\"\ncandidate = \"green\"",
    )
}

fn judge(image: &str) -> Eval {
    let c = with_image(image);
    super::image(&state(&c), &c)
}

fn pod(name: &str, version: &str, image_id: Option<&str>) -> PodRow {
    PodRow {
        name: name.into(),
        version: version.into(),
        phase: "Running".into(),
        ready: (1, 1),
        image_id: image_id.map(str::to_string),
        ..PodRow::default()
    }
}

#[test]
fn mutable_or_missing_tags_and_bad_digests_fail() {
    let (s, why, _) = judge("registry.example.com/app:latest");
    assert_eq!(
        (s, why.as_str()),
        (
            GateStatus::Fail,
            "mutable tag 'latest' is not allowed for production"
        )
    );
    let (s, why, _) = judge(&format!("registry.example.com/app:prod@{DIGEST}"));
    assert_eq!(
        s,
        GateStatus::Fail,
        "a digest does not excuse a mutable tag"
    );
    assert!(why.contains("'prod'"), "{why}");
    let (s, why, _) = judge("registry.example.com/app");
    assert_eq!(s, GateStatus::Fail);
    assert_eq!(
        why,
        "no tag and no digest means 'latest'; pin it (image@sha256:…)"
    );
    let (s, why, _) = judge("registry.example.com/app:1.2.3");
    assert_eq!(s, GateStatus::Fail);
    assert_eq!(why, "not pinned by digest (write image@sha256:…)");
    let (s, why, _) = judge("registry.example.com/app:1.2.3@sha256:abc");
    assert_eq!(s, GateStatus::Fail);
    assert_eq!(
        why,
        "'sha256:abc' is not a sha256 digest (sha256: and 64 hex digits)"
    );
    // Multi-byte text where a digest should be never panics.
    let (s, _, _) = judge(&format!("app@sha256:{}", "é".repeat(32)));
    assert_eq!(s, GateStatus::Fail);
}

#[test]
fn a_pinned_image_passes_and_a_registry_port_is_not_a_tag() {
    let (s, why, evidence) = judge(&format!("registry.example.com:5000/shop/app@{DIGEST}"));
    assert_eq!(s, GateStatus::Pass);
    assert_eq!(
        why,
        "pinned by digest sha256:4f1c9d0a7be2…; not running yet"
    );
    assert_eq!(evidence["tag"], serde_json::Value::Null);
    assert_eq!(evidence["digest"], DIGEST);
    let (s, _, evidence) = judge(&format!("registry.example.com/app:1.2.3@{DIGEST}"));
    assert_eq!(s, GateStatus::Pass);
    assert_eq!(evidence["tag"], "1.2.3");
}

#[test]
fn no_image_is_not_configured() {
    let c = cfg("", "");
    assert_eq!(super::image(&state(&c), &c).0, GateStatus::NotConfigured);
}

#[test]
fn the_candidate_pods_must_run_the_pinned_digest() {
    let c = with_image(&format!("registry.example.com/app:1.2.3@{DIGEST}"));
    let mut s = state(&c);
    let running = format!("registry.example.com/app@{DIGEST}");
    for p in [
        pod("app-green-a", "green", Some(&running)),
        pod(
            "app-green-b",
            "green",
            Some(&format!("docker-pullable://{running}")),
        ),
        // Not started yet, and the stable version's pods: neither is compared.
        pod("app-green-c", "green", None),
        pod(
            "app-blue-a",
            "blue",
            Some(&format!("registry.example.com/app@{OTHER}")),
        ),
    ] {
        s.live.pods.insert(p.name.clone(), p);
    }
    let (status, why, evidence) = super::image(&s, &c);
    assert_eq!(status, GateStatus::Pass);
    assert_eq!(
        why,
        "pinned by digest sha256:4f1c9d0a7be2…; 2 candidate pods run it"
    );
    assert_eq!(evidence["pods"], 2);

    let odd = pod(
        "app-green-d",
        "green",
        Some(&format!("registry.example.com/app@{OTHER}")),
    );
    s.live.pods.insert(odd.name.clone(), odd);
    let (status, why, evidence) = super::image(&s, &c);
    assert_eq!(status, GateStatus::Fail);
    assert_eq!(
        why,
        "pod app-green-d runs sha256:000000000000…, not the pinned sha256:4f1c9d0a7be2…"
    );
    assert_eq!(evidence["differ"][0]["digest"], OTHER);
}

#[test]
fn an_image_id_without_a_digest_cannot_be_compared() {
    let c = with_image(&format!("registry.example.com/app@{DIGEST}"));
    let mut s = state(&c);
    let p = pod("app-green-a", "green", Some("docker://sha256:1234"));
    s.live.pods.insert(p.name.clone(), p);
    let (status, why, _) = super::image(&s, &c);
    assert_eq!(status, GateStatus::Unknown);
    assert_eq!(
        why,
        "pod app-green-a reports an image ID without a digest; cannot compare"
    );
}

#[test]
fn digests_are_read_from_references_and_image_ids() {
    let id = format!("docker-pullable://registry.example.com/app@{DIGEST}");
    assert_eq!(digest_of(&id), Some(DIGEST));
    assert_eq!(digest_of("registry.example.com/app:1.2.3"), None);
    assert_eq!(digest_of("app@sha256:12"), None);
}
