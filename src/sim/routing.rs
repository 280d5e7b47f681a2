//! Where requests go: by the Service selector (blue-green), the HTTPRoute backend weights
//! (canary) or the ready replica ratio, computed from the live objects so that a traffic
//! shift made through the API moves the numbers.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::pods::{PodState, PodTable};
use super::resources::Kind;
use super::selector::LabelSelector;
use super::store::{Key, Store};

/// How the simulated gateway picks a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoutingMode {
    /// Ready pods selected by Service `app` (both colours selected: split by ready pods).
    #[default]
    ServiceSelector,
    /// HTTPRoute `app` backend weights, each backend Service split by its ready pods.
    HttprouteWeights,
    /// Every ready pod labelled `app=app`, so the ratio of replicas decides.
    ReplicaRatio,
}

impl RoutingMode {
    /// The name used on the command line and as the war room's `[traffic] strategy`.
    pub fn name(self) -> &'static str {
        match self {
            RoutingMode::ServiceSelector => "service-selector",
            RoutingMode::HttprouteWeights => "httproute-weights",
            RoutingMode::ReplicaRatio => "replica-ratio",
        }
    }
}

impl fmt::Display for RoutingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RoutingMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            RoutingMode::ServiceSelector,
            RoutingMode::HttprouteWeights,
            RoutingMode::ReplicaRatio,
        ]
        .into_iter()
        .find(|m| m.name() == s)
        .ok_or_else(|| {
            format!(
                "unknown routing '{s}'; expected service-selector, httproute-weights or replica-ratio"
            )
        })
    }
}

/// The current split.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Split {
    /// (colour, share) with shares summing to 1; empty when no ready pod serves.
    pub weights: Vec<(String, f64)>,
    /// The release (`app.kubernetes.io/version`) each colour's ready pods report.
    pub releases: BTreeMap<String, String>,
    /// Ready pods per colour (all of them, routed or not).
    pub ready: BTreeMap<String, u64>,
}

impl Split {
    /// The colour serving the bulk of traffic, if any serves.
    pub fn bulk(&self) -> Option<&str> {
        self.weights
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(c, _)| c.as_str())
    }
}

/// Ready pods per colour in `ns` matching `sel`.
fn ready_by_colour(
    store: &Store,
    pods: &PodTable,
    ns: &str,
    sel: &LabelSelector,
) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for (k, obj) in store.list(Kind::Pod, Some(ns)) {
        let labels = &obj["metadata"]["labels"];
        if !sel.matches(labels)
            || pods
                .get(ns, &k.name)
                .is_none_or(|p| p.state != PodState::Ready)
        {
            continue;
        }
        let colour = labels["version"].as_str().unwrap_or("unknown").to_string();
        *out.entry(colour).or_insert(0.0) += 1.0;
    }
    out
}

fn service_selector(store: &Store, ns: &str, name: &str) -> Option<LabelSelector> {
    let svc = store.get(&Key::new(Kind::Service, ns, name))?;
    let sel = &svc["spec"]["selector"];
    // A Service without a selector has no endpoints.
    sel.as_object().filter(|m| !m.is_empty())?;
    Some(LabelSelector::from_map(sel))
}

fn normalise(raw: BTreeMap<String, f64>) -> Vec<(String, f64)> {
    let total: f64 = raw.values().sum();
    if total <= 0.0 {
        return Vec::new();
    }
    raw.into_iter()
        .filter(|(_, w)| *w > 0.0)
        .map(|(c, w)| (c, w / total))
        .collect()
}

/// Computes the split for the `app` service/route in `ns`.
pub fn split(store: &Store, pods: &PodTable, ns: &str, mode: RoutingMode) -> Split {
    let mut raw: BTreeMap<String, f64> = BTreeMap::new();
    match mode {
        RoutingMode::ServiceSelector => {
            if let Some(sel) = service_selector(store, ns, "app") {
                raw = ready_by_colour(store, pods, ns, &sel);
            }
        }
        RoutingMode::ReplicaRatio => {
            let sel = LabelSelector::from_map(&serde_json::json!({"app": "app"}));
            raw = ready_by_colour(store, pods, ns, &sel);
        }
        RoutingMode::HttprouteWeights => {
            let route = store.get(&Key::new(Kind::HttpRoute, ns, "app"));
            let refs = route
                .and_then(|r| r["spec"]["rules"].as_array())
                .map(|rules| {
                    rules
                        .iter()
                        .flat_map(|r| r["backendRefs"].as_array().cloned().unwrap_or_default())
                        .collect::<Vec<Value>>()
                })
                .unwrap_or_default();
            for b in refs {
                let weight = b["weight"].as_f64().unwrap_or(1.0);
                let Some(sel) = b["name"]
                    .as_str()
                    .and_then(|n| service_selector(store, ns, n))
                else {
                    continue;
                };
                let backend = ready_by_colour(store, pods, ns, &sel);
                let n: f64 = backend.values().sum();
                if weight <= 0.0 || n <= 0.0 {
                    continue;
                }
                for (c, k) in backend {
                    *raw.entry(c).or_insert(0.0) += weight * k / n;
                }
            }
        }
    }
    let all = LabelSelector::default();
    let mut releases = BTreeMap::new();
    let mut ready = BTreeMap::new();
    for (k, obj) in store.list(Kind::Pod, Some(ns)) {
        if pods
            .get(ns, &k.name)
            .is_none_or(|p| p.state != PodState::Ready)
            || !all.matches(&obj["metadata"]["labels"])
        {
            continue;
        }
        let labels = &obj["metadata"]["labels"];
        let colour = labels["version"].as_str().unwrap_or("unknown").to_string();
        *ready.entry(colour.clone()).or_insert(0) += 1;
        if let Some(rel) = labels["app.kubernetes.io/version"].as_str() {
            releases.entry(colour).or_insert_with(|| rel.to_string());
        }
    }
    Split {
        weights: normalise(raw),
        releases,
        ready,
    }
}
