//! Turns what the watches report into session events, without repeating itself: one
//! `PodsListed` per (re)list, `PodChanged` only when a row changed, workloads and traffic only
//! on change (traffic naming the field manager of the change), the lock when its holder
//! changes (or another holder renews it), each failed attempt with its count (RBAC and
//! credential denials once), and `SourceRecovered` when the last failing watch of a part works
//! again. Pure: no I/O, no clock.
//!
//! Each kind of object is its own source in the events (`kubernetes/pods`,
//! `kubernetes/deployments`, `kubernetes/service`, `kubernetes/httproute`,
//! `kubernetes/lease`), so a failing Service watch never marks the pods as down; the
//! kubeconfig and the credentials, which every watch shares, are the source `kubernetes`
//! itself.

use std::collections::{BTreeMap, BTreeSet};

use crate::event::{Event, LeaseRow, PodRow, SourceKind, TrafficRow, WorkloadRow};

use super::failure::{Failure, FailureKind, Target};
use super::{Observed, Report, Row, Seen};

/// A watch that is failing: consecutive attempts, the message last recorded, and the source
/// it was recorded under.
#[derive(Debug, Default)]
struct Failing {
    attempts: u32,
    reported: Option<String>,
    source: String,
}

/// Everything the source has told the loop, to report only what changed.
#[derive(Debug)]
pub struct Tracker {
    source: String,
    namespace: String,
    pods: BTreeMap<String, PodRow>,
    workloads: BTreeMap<String, WorkloadRow>,
    selector: Option<BTreeMap<String, String>>,
    weights: Option<Vec<(String, u32)>>,
    /// The field manager of the latest change to the selector or the weights.
    manager: Option<String>,
    traffic: Option<TrafficRow>,
    /// The lock as last reported.
    lease: Option<LeaseRow>,
    failing: BTreeMap<Target, Failing>,
    /// Configured objects reported missing (warned once until they appear).
    missing: BTreeSet<Target>,
    /// Whether the lock's watch was said to be denied (said once, as a warning).
    lease_denied: bool,
}

impl Tracker {
    /// A tracker for the source named `source` watching `namespace`.
    pub fn new(source: impl Into<String>, namespace: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            namespace: namespace.into(),
            pods: BTreeMap::new(),
            workloads: BTreeMap::new(),
            selector: None,
            weights: None,
            manager: None,
            traffic: None,
            lease: None,
            failing: BTreeMap::new(),
            missing: BTreeSet::new(),
            lease_denied: false,
        }
    }

    /// The source name for what `target` delivers and for its failures.
    pub fn source_for(&self, target: &Target) -> String {
        match target.part() {
            Some(part) => format!("{}/{part}", self.source),
            None => self.source.clone(),
        }
    }

    /// `SourceStarted` for the shared source and for each part the targets need, in order.
    pub fn started(&self, targets: &[Target], context: &str) -> Vec<Event> {
        let mut out = vec![Event::SourceStarted {
            source: self.source.clone(),
            kind: SourceKind::Kubernetes,
            target: format!("{context}/{}", self.namespace),
            interval_ms: 0,
        }];
        for t in targets {
            let Some(part) = t.part() else { continue };
            let source = self.source_for(t);
            if out
                .iter()
                .any(|e| matches!(e, Event::SourceStarted { source: s, .. } if *s == source))
            {
                continue;
            }
            out.push(Event::SourceStarted {
                source,
                kind: SourceKind::Kubernetes,
                target: format!("{context}/{} {part}", self.namespace),
                interval_ms: 0,
            });
        }
        out
    }

    /// The events one report adds to the session.
    pub fn observe(&mut self, report: Report) -> Vec<Event> {
        let mut out = Vec::new();
        match report.what {
            Observed::Failed(f) => self.failed(report.target, f, &mut out),
            Observed::Seen(seen) => {
                self.resolved(&report.target, &mut out);
                match report.target {
                    Target::Pods => self.pods(seen, &mut out),
                    Target::Deployment(_) | Target::Service(_) | Target::Route(_) => {
                        self.object(&report.target, seen, &mut out);
                    }
                    Target::Lease(ref name) => self.lease(name, seen, &mut out),
                    Target::Client => {}
                }
            }
        }
        out
    }

    /// A target works again (data arrived, or the client was built).
    pub fn resolved(&mut self, target: &Target, out: &mut Vec<Event>) {
        let Some(gone) = self.failing.remove(target) else {
            return;
        };
        // Only what was recorded as failing recovers, once nothing else fails under its name.
        if gone.reported.is_some() && !self.failing.values().any(|f| f.source == gone.source) {
            out.push(Event::SourceRecovered {
                source: gone.source,
            });
        }
    }

    fn failed(&mut self, target: Target, f: Failure, out: &mut Vec<Event>) {
        // Watching the lock is a convenience (the executors check it before acting): a role
        // without list/watch on leases gets a warning, not a source in trouble.
        if matches!(target, Target::Lease(_))
            && matches!(f.kind, FailureKind::Forbidden | FailureKind::NoSuchResource)
        {
            if !self.lease_denied {
                self.lease_denied = true;
                out.push(Event::ConfigWarned {
                    message: format!(
                        "kubernetes: {}; another war room's hold on the deployment lock shows only when this one acts",
                        f.message
                    ),
                });
            }
            return;
        }
        // Credentials and the kubeconfig are shared by every watch: their failures belong to
        // the shared source; anything else to the part that failed.
        let source = if f.kind == FailureKind::Unauthorized {
            self.source.clone()
        } else {
            self.source_for(&target)
        };
        // A 401 is about the credentials, not a resource: every watch gets it at once.
        let said_elsewhere = f.kind == FailureKind::Unauthorized
            && self
                .failing
                .iter()
                .any(|(t, s)| *t != target && s.reported.as_deref() == Some(f.message.as_str()));
        let entry = self.failing.entry(target.clone()).or_default();
        entry.attempts = entry.attempts.saturating_add(1);
        let moved = (entry.source != source).then(|| {
            // The same watch failing differently (a 401 after a refused connection): its
            // failure now belongs to the other name.
            entry.reported = None;
            std::mem::replace(&mut entry.source, source.clone())
        });
        if let Some(old) = moved.filter(|o| !o.is_empty())
            && !self
                .failing
                .iter()
                .any(|(t, f)| *t != target && f.source == old)
        {
            out.push(Event::SourceRecovered { source: old });
        }
        let Some(entry) = self.failing.get_mut(&target) else {
            return;
        };
        let repeat = entry.reported.as_deref() == Some(f.message.as_str());
        if f.kind.reported_once() && (repeat || said_elsewhere) {
            if said_elsewhere && entry.reported.is_none() {
                entry.reported = Some(f.message);
            }
            return;
        }
        entry.reported = Some(f.message.clone());
        out.push(Event::SourceFailed {
            source,
            error: f.message,
            attempt: entry.attempts,
        });
    }

    fn pods(&mut self, seen: Seen, out: &mut Vec<Event>) {
        match seen {
            Seen::Listed(rows) => {
                self.pods = rows
                    .into_iter()
                    .filter_map(|r| match r {
                        Row::Pod(p) => Some((p.name.clone(), p)),
                        _ => None,
                    })
                    .collect();
                out.push(Event::PodsListed {
                    source: self.source_for(&Target::Pods),
                    pods: self.pods.values().cloned().collect(),
                });
            }
            Seen::Applied(Row::Pod(p)) => {
                if self.pods.get(&p.name) != Some(&p) {
                    self.pods.insert(p.name.clone(), p.clone());
                    out.push(Event::PodChanged {
                        source: self.source_for(&Target::Pods),
                        pod: p,
                    });
                }
            }
            Seen::Applied(_) => {}
            Seen::Deleted(name) => {
                if self.pods.remove(&name).is_some() {
                    out.push(Event::PodDeleted {
                        source: self.source_for(&Target::Pods),
                        name,
                    });
                }
            }
        }
    }

    /// A watch of one named object: a list holds it or not; apply and delete change it.
    fn object(&mut self, target: &Target, seen: Seen, out: &mut Vec<Event>) {
        let row = match seen {
            Seen::Listed(rows) => rows.into_iter().next(),
            Seen::Applied(row) => Some(row),
            Seen::Deleted(_) => None,
        };
        match row {
            Some(row) => {
                self.missing.remove(target);
                self.apply(target, row, out);
            }
            None => {
                let source = self.source_for(target);
                match target {
                    Target::Deployment(n) => {
                        self.workloads.remove(n);
                    }
                    Target::Service(_) => {
                        self.set_traffic(source, Some((BTreeMap::new(), None)), None, out);
                    }
                    Target::Route(_) => {
                        self.set_traffic(source, None, Some((Vec::new(), None)), out);
                    }
                    _ => {}
                }
                if self.missing.insert(target.clone()) {
                    out.push(Event::ConfigWarned {
                        message: format!(
                            "kubernetes: {} not found in namespace {}; check [kubernetes] in the config",
                            target.describe(),
                            self.namespace
                        ),
                    });
                }
            }
        }
    }

    fn apply(&mut self, target: &Target, row: Row, out: &mut Vec<Event>) {
        let source = self.source_for(target);
        match row {
            Row::Workload(w) => {
                if self.workloads.get(&w.name) != Some(&w) {
                    self.workloads.insert(w.name.clone(), w.clone());
                    out.push(Event::WorkloadObserved {
                        source,
                        workload: w,
                    });
                }
            }
            Row::Selector(s, m) => self.set_traffic(source, Some((s, m)), None, out),
            Row::Weights(w, m) => self.set_traffic(source, None, Some((w, m)), out),
            Row::Pod(_) | Row::Lease(_) => {}
        }
    }

    /// The lock: reported when its holder (or whether it is ours, or its duration) changes,
    /// and on each renewal by another holder, whose hold lasts only as long as it renews. A
    /// lock that does not exist is free, not a configuration problem.
    fn lease(&mut self, name: &str, seen: Seen, out: &mut Vec<Event>) {
        let row = match seen {
            Seen::Listed(rows) => rows.into_iter().find_map(|r| match r {
                Row::Lease(l) => Some(l),
                _ => None,
            }),
            Seen::Applied(Row::Lease(l)) => Some(l),
            Seen::Applied(_) => return,
            Seen::Deleted(_) => None,
        };
        let row = match row {
            Some(l) => l,
            // Never seen and still absent: nothing to say.
            None if self.lease.is_none() => return,
            None => LeaseRow {
                name: name.to_string(),
                ..LeaseRow::default()
            },
        };
        let news = match &self.lease {
            None => true,
            Some(old) => {
                old.holder != row.holder
                    || old.ours != row.ours
                    || old.duration_s != row.duration_s
                    || (!row.ours && row.holder.is_some() && old.renewed != row.renewed)
            }
        };
        if news {
            self.lease = Some(row.clone());
            out.push(Event::LeaseObserved { lease: row });
        }
    }

    /// Updates one half of the traffic row and reports the whole row if it changed, naming
    /// the field manager of the half that changed, under the source of the watch that changed
    /// it.
    #[allow(clippy::type_complexity)]
    fn set_traffic(
        &mut self,
        source: String,
        selector: Option<(BTreeMap<String, String>, Option<String>)>,
        weights: Option<(Vec<(String, u32)>, Option<String>)>,
        out: &mut Vec<Event>,
    ) {
        if let Some((s, m)) = selector {
            if self.selector.as_ref() != Some(&s) {
                self.manager = m;
            }
            self.selector = Some(s);
        }
        if let Some((w, m)) = weights {
            if self.weights.as_ref() != Some(&w) {
                self.manager = m;
            }
            self.weights = Some(w);
        }
        let row = TrafficRow {
            selector: self.selector.clone().unwrap_or_default(),
            weights: self.weights.clone().unwrap_or_default(),
            manager: self.manager.clone(),
        };
        let first_empty = self.traffic.is_none() && row == TrafficRow::default();
        if self.traffic.as_ref() != Some(&row) && !first_empty {
            self.traffic = Some(row.clone());
            out.push(Event::TrafficObserved {
                source,
                traffic: row,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, reason: Option<&str>) -> Row {
        Row::Pod(PodRow {
            name: name.into(),
            version: "green".into(),
            phase: "Running".into(),
            ready: (1, 1),
            reason: reason.map(str::to_string),
            ..PodRow::default()
        })
    }

    fn seen(target: Target, s: Seen) -> Report {
        Report {
            target,
            what: Observed::Seen(s),
        }
    }

    fn failed(target: Target, kind: FailureKind, message: &str) -> Report {
        Report {
            target,
            what: Observed::Failed(Failure {
                kind,
                message: message.into(),
            }),
        }
    }

    fn kinds(events: &[Event]) -> Vec<&'static str> {
        events.iter().map(Event::kind).collect()
    }

    #[test]
    fn pods_are_listed_then_changed_only_on_change() {
        let mut t = Tracker::new("kubernetes", "demo");
        let ev = t.observe(seen(
            Target::Pods,
            Seen::Listed(vec![pod("a", None), pod("b", None)]),
        ));
        assert!(matches!(&ev[..], [Event::PodsListed { pods, .. }] if pods.len() == 2));
        assert!(
            t.observe(seen(Target::Pods, Seen::Applied(pod("a", None))))
                .is_empty()
        );
        let ev = t.observe(seen(
            Target::Pods,
            Seen::Applied(pod("a", Some("CrashLoopBackOff"))),
        ));
        assert!(matches!(&ev[..], [Event::PodChanged { pod, .. }] if pod.reason.is_some()));
        let ev = t.observe(seen(Target::Pods, Seen::Deleted("b".into())));
        assert_eq!(kinds(&ev), ["PodDeleted"]);
        assert!(
            t.observe(seen(Target::Pods, Seen::Deleted("b".into())))
                .is_empty()
        );
        // A relist always reports the whole set, even when nothing changed.
        let ev = t.observe(seen(Target::Pods, Seen::Listed(vec![pod("c", None)])));
        assert!(matches!(&ev[..], [Event::PodsListed { pods, .. }] if pods.len() == 1));
    }

    #[test]
    fn failures_count_attempts_and_denials_are_said_once() {
        let mut t = Tracker::new("kubernetes", "demo");
        let refused = "list pods in demo: connection refused";
        let ev = t.observe(failed(Target::Pods, FailureKind::Transient, refused));
        assert!(matches!(&ev[..], [Event::SourceFailed { attempt: 1, .. }]));
        let ev = t.observe(failed(Target::Pods, FailureKind::Transient, refused));
        assert!(matches!(&ev[..], [Event::SourceFailed { attempt: 2, .. }]));
        let denied =
            "forbidden: cannot list pods in namespace demo (RBAC); grant get/list/watch on pods";
        let ev = t.observe(failed(Target::Pods, FailureKind::Forbidden, denied));
        assert!(
            matches!(&ev[..], [Event::SourceFailed { attempt: 3, error, .. }] if error == denied)
        );
        assert!(
            t.observe(failed(Target::Pods, FailureKind::Forbidden, denied))
                .is_empty()
        );
        // Two watches fail; each part recovers when its own watch works.
        t.observe(failed(
            Target::Service("app".into()),
            FailureKind::Transient,
            "x",
        ));
        let ev = t.observe(seen(Target::Pods, Seen::Listed(vec![])));
        assert!(
            matches!(&ev[..], [Event::SourceRecovered { source }, Event::PodsListed { .. }]
            if source == "kubernetes/pods")
        );
        let ev = t.observe(seen(
            Target::Service("app".into()),
            Seen::Listed(vec![Row::Selector(
                BTreeMap::from([("v".into(), "b".into())]),
                None,
            )]),
        ));
        assert!(
            matches!(&ev[..], [Event::SourceRecovered { source }, Event::TrafficObserved { .. }]
            if source == "kubernetes/service")
        );
        // After recovery, the same denial is news again.
        let ev = t.observe(failed(Target::Pods, FailureKind::Forbidden, denied));
        assert!(matches!(&ev[..], [Event::SourceFailed { attempt: 1, .. }]));
    }

    fn sources(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::SourceStarted { source, .. }
                | Event::SourceFailed { source, .. }
                | Event::SourceRecovered { source }
                | Event::PodsListed { source, .. }
                | Event::WorkloadObserved { source, .. }
                | Event::TrafficObserved { source, .. } => Some(source.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn each_kind_of_object_is_its_own_source() {
        let mut t = Tracker::new("kubernetes", "demo");
        let blue = Target::Deployment("app-blue".into());
        let green = Target::Deployment("app-green".into());
        let targets = [
            Target::Pods,
            blue.clone(),
            green.clone(),
            Target::Service("app".into()),
            Target::Route("app".into()),
        ];
        assert_eq!(
            sources(&t.started(&targets, "ctx")),
            [
                "kubernetes",
                "kubernetes/pods",
                "kubernetes/deployments",
                "kubernetes/service",
                "kubernetes/httproute"
            ]
        );
        // A failing Service watch is the service's failure, never the pods'.
        let ev = t.observe(failed(
            Target::Service("app".into()),
            FailureKind::Forbidden,
            "forbidden: cannot watch services",
        ));
        assert_eq!(sources(&ev), ["kubernetes/service"]);
        let ev = t.observe(seen(Target::Pods, Seen::Listed(vec![pod("a", None)])));
        assert_eq!(sources(&ev), ["kubernetes/pods"]);
        let w = |name: &str| {
            Row::Workload(WorkloadRow {
                name: name.into(),
                ..WorkloadRow::default()
            })
        };
        let ev = t.observe(seen(blue.clone(), Seen::Listed(vec![w("app-blue")])));
        assert_eq!(sources(&ev), ["kubernetes/deployments"]);
        // Both Deployments share a part: it recovers once neither fails.
        t.observe(failed(blue.clone(), FailureKind::Transient, "b"));
        t.observe(failed(green.clone(), FailureKind::Transient, "g"));
        let ev = t.observe(seen(blue, Seen::Applied(w("app-blue"))));
        assert!(sources(&ev).is_empty(), "{ev:?}");
        let ev = t.observe(seen(green, Seen::Listed(vec![w("app-green")])));
        assert_eq!(
            sources(&ev),
            ["kubernetes/deployments", "kubernetes/deployments"]
        );
        assert_eq!(kinds(&ev), ["SourceRecovered", "WorkloadObserved"]);
        // Expired credentials are every watch's problem: the shared source's.
        let ev = t.observe(failed(
            Target::Pods,
            FailureKind::Unauthorized,
            "unauthorized",
        ));
        assert_eq!(sources(&ev), ["kubernetes"]);
        let ev = t.observe(seen(Target::Pods, Seen::Listed(vec![])));
        assert_eq!(sources(&ev), ["kubernetes", "kubernetes/pods"]);
        assert_eq!(kinds(&ev), ["SourceRecovered", "PodsListed"]);
    }

    #[test]
    fn unauthorized_is_said_once_across_watches() {
        let mut t = Tracker::new("kubernetes", "demo");
        let msg = "unauthorized: credentials expired or invalid; re-authenticate";
        assert_eq!(
            kinds(&t.observe(failed(Target::Pods, FailureKind::Unauthorized, msg))),
            ["SourceFailed"]
        );
        assert!(
            t.observe(failed(
                Target::Service("app".into()),
                FailureKind::Unauthorized,
                msg
            ))
            .is_empty()
        );
        // Recovered once every watch that got it works again.
        assert!(
            t.observe(seen(Target::Pods, Seen::Listed(vec![])))
                .iter()
                .all(|e| !matches!(e, Event::SourceRecovered { .. }))
        );
        let ev = t.observe(seen(
            Target::Service("app".into()),
            Seen::Listed(vec![Row::Selector(BTreeMap::new(), None)]),
        ));
        assert!(
            matches!(&ev[0], Event::SourceRecovered { source } if source == "kubernetes"),
            "{ev:?}"
        );
    }

    #[test]
    fn workloads_and_traffic_on_change_only() {
        let mut t = Tracker::new("kubernetes", "demo");
        let blue = Target::Deployment("app-blue".into());
        let w = WorkloadRow {
            name: "app-blue".into(),
            desired: 3,
            ..WorkloadRow::default()
        };
        let ev = t.observe(seen(
            blue.clone(),
            Seen::Listed(vec![Row::Workload(w.clone())]),
        ));
        assert_eq!(kinds(&ev), ["WorkloadObserved"]);
        assert!(
            t.observe(seen(blue.clone(), Seen::Applied(Row::Workload(w.clone()))))
                .is_empty()
        );
        let ev = t.observe(seen(
            blue.clone(),
            Seen::Applied(Row::Workload(WorkloadRow { ready: 3, ..w })),
        ));
        assert_eq!(kinds(&ev), ["WorkloadObserved"]);

        let route = Target::Route("app".into());
        let weights = vec![("app-blue".to_string(), 100), ("app-green".to_string(), 0)];
        let apply = Some("kubectl-client-side-apply".to_string());
        let ev = t.observe(seen(
            route.clone(),
            Seen::Listed(vec![Row::Weights(weights.clone(), apply.clone())]),
        ));
        assert!(matches!(&ev[..], [Event::TrafficObserved { traffic, .. }]
            if traffic.weights == weights && traffic.selector.is_empty()
                && traffic.manager == apply));
        let svc = Target::Service("app".into());
        let sel = BTreeMap::from([("version".to_string(), "blue".to_string())]);
        let ev = t.observe(seen(
            svc.clone(),
            Seen::Applied(Row::Selector(sel.clone(), apply.clone())),
        ));
        assert!(matches!(&ev[..], [Event::TrafficObserved { traffic, .. }]
            if traffic.weights == weights && traffic.selector == sel));
        assert!(
            t.observe(seen(
                svc.clone(),
                Seen::Applied(Row::Selector(sel.clone(), apply.clone()))
            ))
            .is_empty()
        );
        // Someone else moves the weights: the row names them.
        let moved = vec![("app-blue".to_string(), 0), ("app-green".to_string(), 100)];
        let ev = t.observe(seen(
            route.clone(),
            Seen::Applied(Row::Weights(moved.clone(), Some("argocd".into()))),
        ));
        assert!(matches!(&ev[..], [Event::TrafficObserved { traffic, .. }]
            if traffic.weights == moved && traffic.manager.as_deref() == Some("argocd")));
        // The selector's half, unchanged, does not take the name back.
        assert!(
            t.observe(seen(svc, Seen::Applied(Row::Selector(sel, apply))))
                .is_empty()
        );
    }

    #[test]
    fn the_lock_is_reported_when_its_holder_changes() {
        let mut t = Tracker::new("kubernetes", "demo");
        let target = Target::Lease("warroom-app".into());
        // No lock at all: free, and nothing to say (no warning either).
        assert!(
            t.observe(seen(target.clone(), Seen::Listed(vec![])))
                .is_empty()
        );
        let at = |s: i64| jiff::Timestamp::from_second(1_800_000_000 + s).ok();
        let theirs = LeaseRow {
            name: "warroom-app".into(),
            holder: Some("bob@ops s-2".into()),
            renewed: at(0),
            duration_s: 30,
            ours: false,
        };
        let ev = t.observe(seen(
            target.clone(),
            Seen::Applied(Row::Lease(theirs.clone())),
        ));
        assert!(matches!(&ev[..], [Event::LeaseObserved { lease }] if *lease == theirs));
        // Their renewals keep their hold alive in the state: each is reported.
        let renewed = LeaseRow {
            renewed: at(5),
            ..theirs.clone()
        };
        assert_eq!(
            kinds(&t.observe(seen(target.clone(), Seen::Applied(Row::Lease(renewed))))),
            ["LeaseObserved"]
        );
        // Ours: reported once, our own renewals are not news.
        let ours = LeaseRow {
            holder: Some("alice@laptop s-1".into()),
            ours: true,
            ..theirs
        };
        assert_eq!(
            kinds(&t.observe(seen(
                target.clone(),
                Seen::Applied(Row::Lease(ours.clone()))
            ))),
            ["LeaseObserved"]
        );
        let ours_later = LeaseRow {
            renewed: at(10),
            ..ours
        };
        assert!(
            t.observe(seen(target.clone(), Seen::Applied(Row::Lease(ours_later))))
                .is_empty()
        );
        let ev = t.observe(seen(target.clone(), Seen::Deleted("warroom-app".into())));
        assert!(matches!(&ev[..], [Event::LeaseObserved { lease }]
            if lease.holder.is_none() && !lease.ours));
        // No list/watch on leases: one warning, and the source is not failing for it.
        let denied = "forbidden: cannot list leases in namespace demo (RBAC)";
        let ev = t.observe(failed(target.clone(), FailureKind::Forbidden, denied));
        assert!(matches!(&ev[..], [Event::ConfigWarned { message }] if message.contains(denied)));
        assert!(
            t.observe(failed(target, FailureKind::Forbidden, denied))
                .is_empty()
        );
        let ev = t.observe(failed(Target::Pods, FailureKind::Transient, "x"));
        assert_eq!(kinds(&ev), ["SourceFailed"]);
        let ev = t.observe(seen(Target::Pods, Seen::Listed(vec![])));
        assert_eq!(
            kinds(&ev),
            ["SourceRecovered", "PodsListed"],
            "the lock is not failing"
        );
    }

    #[test]
    fn missing_objects_are_warned_once() {
        let mut t = Tracker::new("kubernetes", "demo");
        let green = Target::Deployment("app-green".into());
        let ev = t.observe(seen(green.clone(), Seen::Listed(vec![])));
        assert!(matches!(&ev[..], [Event::ConfigWarned { message }]
            if message.contains("deployment app-green not found in namespace demo")));
        assert!(
            t.observe(seen(green.clone(), Seen::Listed(vec![])))
                .is_empty()
        );
        // A missing service at start reports no empty traffic row, only the warning.
        let ev = t.observe(seen(Target::Service("app".into()), Seen::Listed(vec![])));
        assert_eq!(kinds(&ev), ["ConfigWarned"]);
    }
}
