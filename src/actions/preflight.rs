//! Preflight: the pods read fresh from the API before a change, counted ready behind each
//! side's selector, so traffic is never sent to pods that are not ready and a selector that
//! matches nothing is refused (the blackouts other controllers caused when a crash-looping
//! colour was switched to).

use std::collections::BTreeMap;

use super::kube::{CallError, Kube, Res};
use crate::event::PodRow;
use crate::sources::kube::convert;

/// Names of pods in trouble quoted in a refusal.
const QUOTED: usize = 3;

/// The pods of the two versions, as read for one action.
#[derive(Debug, Clone, Default)]
pub struct PodSet {
    pods: Vec<(BTreeMap<String, String>, PodRow)>,
}

/// Ready pods behind one selector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Count {
    /// Pods that are ready (every container ready, running, not terminating).
    pub ready: usize,
    /// Pods the selector matches.
    pub total: usize,
    /// Pods in trouble (`app-green-x CrashLoopBackOff`), a few.
    pub trouble: Vec<String>,
}

impl Count {
    /// "2 of 3 ready", with the trouble named.
    pub fn describe(&self) -> String {
        let mut s = format!("{} of {} ready", self.ready, self.total);
        if !self.trouble.is_empty() {
            s.push_str(&format!(" ({})", self.trouble.join(", ")));
        }
        s
    }
}

/// Whether a pod takes traffic: running, every container ready, not going away.
pub fn is_ready(p: &PodRow) -> bool {
    p.phase == "Running" && !p.terminating && p.ready.1 > 0 && p.ready.0 == p.ready.1
}

impl PodSet {
    /// Lists the pods whose `label` is one of `values`.
    pub async fn read(k: &Kube, label: &str, values: &[&str]) -> Result<Self, CallError> {
        let selector = format!("{label} in ({})", values.join(","));
        let items = k.list(Res::Pod, &selector).await?;
        let pods = items
            .into_iter()
            .filter_map(|v| {
                let labels: BTreeMap<String, String> =
                    serde_json::from_value(v["metadata"]["labels"].clone()).unwrap_or_default();
                let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(v).ok()?;
                Some((labels, convert::pod_row(&pod, label)))
            })
            .collect();
        Ok(Self { pods })
    }

    /// Counts the pods a selector matches. An empty selector matches nothing here: a
    /// Service without one has no endpoints.
    pub fn count(&self, selector: &BTreeMap<String, String>) -> Count {
        let mut c = Count::default();
        if selector.is_empty() {
            return c;
        }
        for (labels, row) in &self.pods {
            if !selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
                continue;
            }
            c.total += 1;
            if is_ready(row) {
                c.ready += 1;
            } else if c.trouble.len() < QUOTED {
                let why = row.reason.clone().unwrap_or_else(|| {
                    if row.terminating {
                        "terminating".to_string()
                    } else {
                        format!("{} not ready", row.phase)
                    }
                });
                c.trouble.push(format!("{} {why}", row.name));
            }
        }
        c
    }

    /// Ready pods per version-label value among those a selector matches, to catch a
    /// selector that would send traffic to both versions.
    pub fn versions(&self, selector: &BTreeMap<String, String>, label: &str) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for (labels, row) in &self.pods {
            if selector.iter().all(|(k, v)| labels.get(k) == Some(v))
                && is_ready(row)
                && let Some(v) = labels.get(label)
                && !seen.contains(v)
            {
                seen.push(v.clone());
            }
        }
        seen
    }
}

/// Ready pods a side needs to take `weight` % of the traffic that `serving` ready pods carry
/// now (at least one): the share it will get, in pods.
pub fn needed(weight: u32, serving: usize) -> usize {
    let w = usize::try_from(weight.min(100)).unwrap_or(100);
    (serving * w).div_ceil(100).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(
        name: &str,
        version: &str,
        ready: bool,
        reason: Option<&str>,
    ) -> (BTreeMap<String, String>, PodRow) {
        let labels = BTreeMap::from([
            ("app".to_string(), "app".to_string()),
            ("version".to_string(), version.to_string()),
        ]);
        let row = PodRow {
            name: name.into(),
            version: version.into(),
            phase: "Running".into(),
            ready: (u32::from(ready), 1),
            reason: reason.map(str::to_string),
            ..PodRow::default()
        };
        (labels, row)
    }

    #[test]
    fn counts_ready_pods_behind_a_selector() {
        let set = PodSet {
            pods: vec![
                pod("blue-1", "blue", true, None),
                pod("blue-2", "blue", true, None),
                pod("green-1", "green", false, Some("CrashLoopBackOff")),
                pod("green-2", "green", false, None),
            ],
        };
        let sel = |v: &str| {
            BTreeMap::from([
                ("app".to_string(), "app".to_string()),
                ("version".to_string(), v.to_string()),
            ])
        };
        assert_eq!(set.count(&sel("blue")).describe(), "2 of 2 ready");
        let green = set.count(&sel("green"));
        assert_eq!(green.ready, 0);
        assert_eq!(
            green.describe(),
            "0 of 2 ready (green-1 CrashLoopBackOff, green-2 Running not ready)"
        );
        assert_eq!(
            set.count(&BTreeMap::new()).total,
            0,
            "an empty selector matches nothing"
        );
        let both = BTreeMap::from([("app".to_string(), "app".to_string())]);
        assert_eq!(set.versions(&both, "version"), ["blue"]);
    }

    #[test]
    fn pods_needed_for_a_share() {
        assert_eq!(needed(10, 3), 1);
        assert_eq!(needed(50, 3), 2);
        assert_eq!(needed(100, 3), 3);
        assert_eq!(needed(100, 0), 1);
        assert_eq!(needed(25, 8), 2);
    }
}
