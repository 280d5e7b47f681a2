//! Applying observed events (samples, pods, workloads, traffic, probes, alerts, source health)
//! to the live state.

use jiff::Timestamp;

use crate::event::Event;
use crate::state::State;
use crate::state::live::{PROBE_HISTORY, SignalPoint, SourceStatus};

/// Applies an observed event; returns false if the event is not an observation.
pub fn apply(state: &mut State, at: Timestamp, event: &Event) -> bool {
    let now = state.now;
    let live = &mut state.live;
    match event {
        Event::SourceStarted {
            source,
            kind,
            target,
            interval_ms,
        } => {
            live.sources.insert(
                source.clone(),
                SourceStatus {
                    kind: *kind,
                    target: target.clone(),
                    interval_ms: *interval_ms,
                    last_ok: None,
                    failing: None,
                },
            );
        }
        Event::SamplesObserved {
            source,
            at: eval_at,
            samples,
        } => {
            for s in samples {
                let series = live
                    .signals
                    .entry(s.signal)
                    .or_default()
                    .entry(s.version.clone())
                    .or_default();
                series.push(
                    SignalPoint {
                        at: *eval_at,
                        value: s.value.filter(|v| v.is_finite()),
                    },
                    now,
                );
                series.unknown = if s.value.is_some_and(f64::is_finite) {
                    None
                } else {
                    Some(s.unknown.clone().unwrap_or_else(|| "no data".to_string()))
                };
            }
            mark_ok(state, source, at);
        }
        Event::SeriesBackfilled { source, series } => {
            for s in series {
                let target = live
                    .signals
                    .entry(s.signal)
                    .or_default()
                    .entry(s.version.clone())
                    .or_default();
                for (ms, v) in &s.points {
                    if let Ok(t) = Timestamp::from_millisecond(*ms) {
                        target.push(
                            SignalPoint {
                                at: t,
                                value: v.filter(|x| x.is_finite()),
                            },
                            now,
                        );
                    }
                }
            }
            mark_ok(state, source, at);
        }
        Event::AlertsObserved { source, alerts } => {
            live.alerts.clone_from(alerts);
            mark_ok(state, source, at);
        }
        Event::PodsListed { source, pods } => {
            live.pods = pods.iter().map(|p| (p.name.clone(), p.clone())).collect();
            mark_ok(state, source, at);
        }
        Event::PodChanged { source, pod } => {
            live.pods.insert(pod.name.clone(), pod.clone());
            mark_ok(state, source, at);
        }
        Event::PodDeleted { source, name } => {
            live.pods.remove(name);
            mark_ok(state, source, at);
        }
        Event::WorkloadObserved { source, workload } => {
            live.workloads
                .insert(workload.name.clone(), workload.clone());
            mark_ok(state, source, at);
        }
        Event::TrafficObserved { source, traffic } => {
            live.traffic = Some(traffic.clone());
            mark_ok(state, source, at);
        }
        Event::HealthProbed { source, probe } => {
            let h = live.health.entry(probe.endpoint.clone()).or_default();
            h.last = probe.clone();
            h.at = Some(at);
            if h.latencies.len() == PROBE_HISTORY {
                h.latencies.pop_front();
            }
            h.latencies
                .push_back(if probe.ok { probe.latency_ms } else { None });
            // A probe that ran is the source working, even when the endpoint is unhealthy:
            // the health pane shows the endpoint's state, the title the source's.
            mark_ok(state, source, at);
        }
        Event::SourceFailed { source, error, .. } => {
            if let Some(s) = state.live.sources.get_mut(source) {
                let since = s.failing.as_ref().map_or(at, |(t, _)| *t);
                s.failing = Some((since, error.clone()));
            }
        }
        Event::CountsObserved { source, .. } => mark_ok(state, source, at),
        Event::SourceRecovered { source } => {
            if let Some(s) = state.live.sources.get_mut(source) {
                s.failing = None;
            }
        }
        _ => return false,
    }
    true
}

/// Data arrived. It does not clear a failure: a source made of several streams (the
/// Kubernetes watches, several scrape targets) can deliver some data while another part still
/// fails; only its `SourceRecovered` says all is well again.
fn mark_ok(state: &mut State, source: &str, at: Timestamp) {
    if let Some(s) = state.live.sources.get_mut(source) {
        s.last_ok = Some(at);
    }
}
