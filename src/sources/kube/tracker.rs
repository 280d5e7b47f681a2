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
mod tests;
