//! The live part of the state: signal history per version, pods, workloads, traffic, health,
//! alerts, and how each source is doing. Rebuilt from observed events only.

use std::collections::{BTreeMap, VecDeque};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::event::{AlertRow, PodRow, ProbeRow, Signal, SourceKind, TrafficRow, WorkloadRow};

/// How much signal history is kept in memory (a full release day).
pub const HISTORY: SignedDuration = SignedDuration::from_hours(25);

/// How many probe latencies are kept per health endpoint (for its sparkline).
pub const PROBE_HISTORY: usize = 120;

/// A source is stale once its last success is this many intervals old.
pub const STALE_INTERVALS: i64 = 3;

/// One point of a signal: when it was evaluated and its value (None = unknown).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SignalPoint {
    /// Evaluation time.
    pub at: Timestamp,
    /// The value, or None when it was unknown.
    pub value: Option<f64>,
}

/// The history of one signal for one version.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SignalSeries {
    /// Points in time order, at most `HISTORY` old.
    pub points: VecDeque<SignalPoint>,
    /// Why the latest reading is unknown, if it is.
    pub unknown: Option<String>,
}

impl SignalSeries {
    /// The latest point.
    pub fn latest(&self) -> Option<&SignalPoint> {
        self.points.back()
    }

    /// Inserts a point keeping time order (backfilled points may arrive after live ones) and
    /// drops what is older than `HISTORY` before `now`.
    pub fn push(&mut self, point: SignalPoint, now: Timestamp) {
        match self.points.back() {
            Some(last) if last.at > point.at => {
                let i = self.points.partition_point(|p| p.at < point.at);
                if self.points.get(i).is_some_and(|p| p.at == point.at) {
                    self.points[i] = point;
                } else {
                    self.points.insert(i, point);
                }
            }
            Some(last) if last.at == point.at => {
                if let Some(l) = self.points.back_mut() {
                    *l = point;
                }
            }
            _ => self.points.push_back(point),
        }
        if let Ok(cutoff) = now.checked_sub(HISTORY) {
            while self.points.front().is_some_and(|p| p.at < cutoff) {
                self.points.pop_front();
            }
        }
    }
}

/// A health endpoint's latest probe and recent latencies.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HealthState {
    /// The latest probe.
    pub last: ProbeRow,
    /// When it was recorded.
    pub at: Option<Timestamp>,
    /// Recent latencies (None for failed probes), oldest first.
    pub latencies: VecDeque<Option<u64>>,
}

/// How a source is doing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceStatus {
    /// What kind of source.
    pub kind: SourceKind,
    /// What it talks to.
    pub target: String,
    /// Poll interval in milliseconds (0 for watches).
    pub interval_ms: u64,
    /// Last time it delivered data.
    pub last_ok: Option<Timestamp>,
    /// The current failure: since when, and the error.
    pub failing: Option<(Timestamp, String)>,
}

/// How fresh a pane's data is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// No source feeds it in this session.
    Absent,
    /// Started, nothing received yet.
    Waiting,
    /// Data is current; its age.
    Fresh(SignedDuration),
    /// Data is older than it should be; its age.
    Stale(SignedDuration),
    /// The source is failing: since when and why (data, if any, is older).
    Down {
        /// Age of the last good data, if there was any.
        age: Option<SignedDuration>,
        /// The error.
        error: String,
    },
}

impl SourceStatus {
    /// How fresh this source's data is at `now`.
    pub fn freshness(&self, now: Timestamp) -> Freshness {
        let age = self.last_ok.map(|t| now.duration_since(t));
        if let Some((_, error)) = &self.failing {
            return Freshness::Down {
                age,
                error: error.clone(),
            };
        }
        match age {
            None => Freshness::Waiting,
            // Watches have no interval: they are fresh until they fail (the watchdog reports a
            // silent watch as a failure).
            Some(a) if self.interval_ms == 0 => Freshness::Fresh(a),
            Some(a) => {
                let limit = SignedDuration::from_millis(self.interval_ms as i64 * STALE_INTERVALS);
                if a > limit {
                    Freshness::Stale(a)
                } else {
                    Freshness::Fresh(a)
                }
            }
        }
    }
}

/// Everything observed from live sources.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Live {
    /// Signal history: signal → version → series.
    pub signals: BTreeMap<Signal, BTreeMap<String, SignalSeries>>,
    /// Pods by name.
    pub pods: BTreeMap<String, PodRow>,
    /// Workloads by name.
    pub workloads: BTreeMap<String, WorkloadRow>,
    /// Where traffic goes, as last observed.
    pub traffic: Option<TrafficRow>,
    /// Health endpoints by name.
    pub health: BTreeMap<String, HealthState>,
    /// Active alerts.
    pub alerts: Vec<AlertRow>,
    /// Sources by name.
    pub sources: BTreeMap<String, SourceStatus>,
}

impl Live {
    /// The series of a signal for a version, if any.
    pub fn series(&self, signal: Signal, version: &str) -> Option<&SignalSeries> {
        self.signals.get(&signal)?.get(version)
    }

    /// The freshest status among sources of a kind (for panes fed by any of them).
    pub fn freshness_of(&self, kind: SourceKind, now: Timestamp) -> Freshness {
        let mut best: Option<Freshness> = None;
        for s in self.sources.values().filter(|s| s.kind == kind) {
            let f = s.freshness(now);
            best = Some(match (best, f) {
                (None, f) => f,
                (Some(Freshness::Fresh(a)), _) => Freshness::Fresh(a),
                (_, Freshness::Fresh(b)) => Freshness::Fresh(b),
                (Some(b), _) => b,
            });
        }
        best.unwrap_or(Freshness::Absent)
    }

    /// Pods in the order the pods pane shows them: problems first, then by version and name.
    /// The map is already in name order, so grouping by (concern, version) keeps names sorted
    /// within each group: one linear pass, where sorting 10,000 rows every frame would not be.
    pub fn pods_by_concern(&self) -> Vec<&PodRow> {
        let mut groups: BTreeMap<(u8, &str), Vec<&PodRow>> = BTreeMap::new();
        for p in self.pods.values() {
            groups
                .entry((pod_concern(p), p.version.as_str()))
                .or_default()
                .push(p);
        }
        groups.into_values().flatten().collect()
    }
}

/// Lower is more worrying: crash-looping or failing pods, then not ready, then healthy.
pub fn pod_concern(p: &PodRow) -> u8 {
    if p.reason.is_some() || p.phase == "Failed" || p.phase == "Unknown" {
        0
    } else if p.ready.0 < p.ready.1 || p.phase == "Pending" || p.terminating {
        1
    } else {
        2
    }
}
