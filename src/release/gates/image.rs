//! The immutable-image gate: `[deployment] image` has no mutable tag (`latest`, `prod`, or
//! none, which means `latest`), is pinned by a sha256 digest, and, once the cluster runs the
//! candidate, every candidate pod's container runs exactly that digest.

use serde_json::json;

use super::{Eval, not_configured};
use crate::config::warroom::WarroomConfig;
use crate::event::GateStatus;
use crate::release::plan::Sides;
use crate::state::State;

/// Tags that move: a release pinned to one may change under the war room's feet.
const MUTABLE_TAGS: [&str; 2] = ["latest", "prod"];

/// The sha256 digest in an image reference or a kubelet image ID (`repo@sha256:…`,
/// `docker-pullable://repo@sha256:…`), if it holds a well-formed one.
pub fn digest_of(reference: &str) -> Option<&str> {
    let (_, d) = reference.rsplit_once('@')?;
    well_formed(d).then_some(d)
}

fn well_formed(d: &str) -> bool {
    d.strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `sha256:4f1c9d0a7be2…` for a why line (the full digest is in the evidence).
fn short(d: &str) -> String {
    let n = "sha256:".len() + 12;
    if d.len() > n && d.is_char_boundary(n) {
        format!("{}…", &d[..n])
    } else {
        d.to_string()
    }
}

/// The image gate for the configured image and the candidate pods observed.
pub fn image(state: &State, cfg: &WarroomConfig) -> Eval {
    let Some(image) = cfg.deployment.image.as_deref() else {
        return not_configured("no [deployment] image to check");
    };
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    // The tag follows the last ':' after the last '/' (a registry's port is not a tag).
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, t)| t);
    let mut evidence = json!({ "image": image, "tag": tag, "digest": digest });
    if let Some(t) = tag.filter(|t| MUTABLE_TAGS.contains(t)) {
        return (
            GateStatus::Fail,
            format!("mutable tag '{t}' is not allowed for production"),
            evidence,
        );
    }
    let pinned = match digest {
        Some(d) if well_formed(d) => d,
        Some(d) => {
            let d: String = d.chars().take(40).collect();
            return (
                GateStatus::Fail,
                format!("'{d}' is not a sha256 digest (sha256: and 64 hex digits)"),
                evidence,
            );
        }
        None if tag.is_none() => {
            return (
                GateStatus::Fail,
                "no tag and no digest means 'latest'; pin it (image@sha256:…)".to_string(),
                evidence,
            );
        }
        None => {
            return (
                GateStatus::Fail,
                "not pinned by digest (write image@sha256:…)".to_string(),
                evidence,
            );
        }
    };
    let Some(candidate) = Sides::of(cfg).candidate else {
        return (
            GateStatus::Pass,
            format!("pinned by digest {}", short(pinned)),
            evidence,
        );
    };
    // Pods of the candidate whose main container started: what the cluster runs.
    let running: Vec<(&str, &str)> = state
        .live
        .pods
        .values()
        .filter(|p| p.version == candidate && !p.terminating)
        .filter_map(|p| Some((p.name.as_str(), p.image_id.as_deref()?)))
        .collect();
    if running.is_empty() {
        return (
            GateStatus::Pass,
            format!("pinned by digest {}; not running yet", short(pinned)),
            evidence,
        );
    }
    let unreadable: Vec<&str> = running
        .iter()
        .filter(|(_, id)| digest_of(id).is_none())
        .map(|(n, _)| *n)
        .collect();
    let differ: Vec<(&str, &str)> = running
        .iter()
        .filter_map(|(n, id)| digest_of(id).filter(|d| *d != pinned).map(|d| (*n, d)))
        .collect();
    evidence["pods"] = json!(running.len());
    evidence["differ"] = json!(
        differ
            .iter()
            .map(|(n, d)| json!({ "pod": n, "digest": d }))
            .collect::<Vec<_>>()
    );
    evidence["unreadable"] = json!(unreadable);
    if let Some((pod, d)) = differ.first() {
        let more = if differ.len() > 1 {
            format!(" ({} of {} pods differ)", differ.len(), running.len())
        } else {
            String::new()
        };
        return (
            GateStatus::Fail,
            format!(
                "pod {pod} runs {}, not the pinned {}{more}",
                short(d),
                short(pinned)
            ),
            evidence,
        );
    }
    if let Some(pod) = unreadable.first() {
        return (
            GateStatus::Unknown,
            format!("pod {pod} reports an image ID without a digest; cannot compare"),
            evidence,
        );
    }
    (
        GateStatus::Pass,
        format!(
            "pinned by digest {}; {} candidate {} it",
            short(pinned),
            running.len(),
            if running.len() == 1 {
                "pod runs"
            } else {
                "pods run"
            }
        ),
        evidence,
    )
}
