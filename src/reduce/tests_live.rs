//! Reducer tests for observed events: samples, backfill, pods, sources' freshness, probes.

use jiff::{SignedDuration, Timestamp};

use super::reduce;
use super::tests::{env, started, ts};
use crate::event::{Event, PodRow, ProbeRow, Sample, Series, Signal, SourceKind};
use crate::state::State;
use crate::state::live::Freshness;

fn with_source(kind: SourceKind, name: &str, interval_ms: u64) -> State {
    let mut s = started("2026-11-24T15:00:00Z");
    reduce(
        &mut s,
        &env(
            2,
            "2026-11-24T15:00:00Z",
            Event::SourceStarted {
                source: name.into(),
                kind,
                target: "http://127.0.0.1:9090".into(),
                interval_ms,
            },
        ),
    );
    s
}

fn samples(seq: u64, at: &str, samples: Vec<Sample>) -> crate::event::Envelope {
    env(
        seq,
        at,
        Event::SamplesObserved {
            source: "prometheus".into(),
            at: ts(at),
            samples,
        },
    )
}

#[test]
fn samples_build_series_and_unknown_is_never_a_number() {
    let mut s = with_source(SourceKind::Prometheus, "prometheus", 5_000);
    reduce(
        &mut s,
        &samples(
            3,
            "2026-11-24T15:00:05Z",
            vec![
                Sample::known(Signal::ErrorRatio, "green", 0.02),
                Sample::unknown(Signal::ErrorRatio, "blue", "no traffic"),
                Sample {
                    value: Some(f64::NAN),
                    raw: Some("NaN".into()),
                    ..Sample::unknown(Signal::LatencyP99, "green", "NaN")
                },
            ],
        ),
    );
    let g = s.live.series(Signal::ErrorRatio, "green").expect("green");
    assert_eq!(g.latest().expect("point").value, Some(0.02));
    assert!(g.unknown.is_none());
    let b = s.live.series(Signal::ErrorRatio, "blue").expect("blue");
    assert_eq!(b.latest().expect("point").value, None);
    assert_eq!(b.unknown.as_deref(), Some("no traffic"));
    // Even a NaN that slipped into `value` is stored as unknown.
    let p = s.live.series(Signal::LatencyP99, "green").expect("p99");
    assert_eq!(p.latest().expect("point").value, None);
    assert_eq!(p.unknown.as_deref(), Some("NaN"));
    assert_eq!(
        s.live.sources["prometheus"].last_ok,
        Some(ts("2026-11-24T15:00:05Z"))
    );
    // Samples don't flood the events pane.
    assert_eq!(s.log_tail.back().expect("tail").kind, "SourceStarted");
}

#[test]
fn backfill_merges_in_time_order() {
    let mut s = with_source(SourceKind::Prometheus, "prometheus", 5_000);
    reduce(
        &mut s,
        &samples(
            3,
            "2026-11-24T15:00:05Z",
            vec![Sample::known(Signal::Throughput, "blue", 200.0)],
        ),
    );
    let ms = |t: &str| ts(t).as_millisecond();
    reduce(
        &mut s,
        &env(
            4,
            "2026-11-24T15:00:06Z",
            Event::SeriesBackfilled {
                source: "prometheus".into(),
                series: vec![Series {
                    signal: Signal::Throughput,
                    version: "blue".into(),
                    points: vec![
                        (ms("2026-11-24T14:59:00Z"), Some(190.0)),
                        (ms("2026-11-24T14:59:30Z"), None),
                        (ms("2026-11-24T15:00:05Z"), Some(201.0)),
                    ],
                }],
            },
        ),
    );
    let pts: Vec<(Timestamp, Option<f64>)> = s
        .live
        .series(Signal::Throughput, "blue")
        .expect("series")
        .points
        .iter()
        .map(|p| (p.at, p.value))
        .collect();
    assert_eq!(
        pts,
        vec![
            (ts("2026-11-24T14:59:00Z"), Some(190.0)),
            (ts("2026-11-24T14:59:30Z"), None),
            (ts("2026-11-24T15:00:05Z"), Some(201.0)),
        ]
    );
}

fn pod(name: &str, version: &str, reason: Option<&str>) -> PodRow {
    PodRow {
        name: name.into(),
        version: version.into(),
        phase: "Running".into(),
        ready: if reason.is_some() { (0, 1) } else { (1, 1) },
        restarts: u32::from(reason.is_some()) * 4,
        reason: reason.map(str::to_string),
        created: None,
        terminating: false,
        image_id: None,
    }
}

#[test]
fn a_relist_replaces_pods_without_phantoms_and_problems_sort_first() {
    let mut s = with_source(SourceKind::Kubernetes, "kubernetes", 0);
    let list = |seq, pods| {
        env(
            seq,
            "2026-11-24T15:00:01Z",
            Event::PodsListed {
                source: "kubernetes".into(),
                pods,
            },
        )
    };
    reduce(
        &mut s,
        &list(3, vec![pod("a-1", "blue", None), pod("old", "blue", None)]),
    );
    reduce(
        &mut s,
        &env(
            4,
            "2026-11-24T15:00:02Z",
            Event::PodChanged {
                source: "kubernetes".into(),
                pod: pod("g-1", "green", Some("CrashLoopBackOff")),
            },
        ),
    );
    assert_eq!(s.live.pods.len(), 3);
    // After a 410 Gone the source relists: the pod that vanished meanwhile is gone.
    reduce(
        &mut s,
        &list(
            5,
            vec![
                pod("a-1", "blue", None),
                pod("g-1", "green", Some("CrashLoopBackOff")),
            ],
        ),
    );
    let order: Vec<&str> = s
        .live
        .pods_by_concern()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(order, vec!["g-1", "a-1"]);
    reduce(
        &mut s,
        &env(
            6,
            "2026-11-24T15:00:03Z",
            Event::PodDeleted {
                source: "kubernetes".into(),
                name: "g-1".into(),
            },
        ),
    );
    assert_eq!(s.live.pods.keys().collect::<Vec<_>>(), vec!["a-1"]);
}

#[test]
fn freshness_goes_stale_then_down_then_recovers() {
    let mut s = with_source(SourceKind::Prometheus, "prometheus", 5_000);
    let src = |s: &State| s.live.sources["prometheus"].clone();
    assert_eq!(
        src(&s).freshness(ts("2026-11-24T15:00:01Z")),
        Freshness::Waiting
    );
    reduce(
        &mut s,
        &samples(
            3,
            "2026-11-24T15:00:05Z",
            vec![Sample::known(Signal::ErrorRatio, "blue", 0.0)],
        ),
    );
    assert_eq!(
        src(&s).freshness(ts("2026-11-24T15:00:10Z")),
        Freshness::Fresh(SignedDuration::from_secs(5))
    );
    assert_eq!(
        src(&s).freshness(ts("2026-11-24T15:00:35Z")),
        Freshness::Stale(SignedDuration::from_secs(30))
    );
    for attempt in 1..=3 {
        reduce(
            &mut s,
            &env(
                3 + u64::from(attempt),
                "2026-11-24T15:00:40Z",
                Event::SourceFailed {
                    source: "prometheus".into(),
                    error: "connection refused".into(),
                    attempt,
                },
            ),
        );
    }
    match src(&s).freshness(ts("2026-11-24T15:00:45Z")) {
        Freshness::Down { age, error } => {
            assert_eq!(age, Some(SignedDuration::from_secs(40)));
            assert_eq!(error, "connection refused");
        }
        other => panic!("expected down, got {other:?}"),
    }
    // Three identical failures are one line in the events pane, showing the latest attempt.
    let fails: Vec<&str> = s
        .log_tail
        .iter()
        .filter(|l| l.kind == "SourceFailed")
        .map(|l| l.summary.as_str())
        .collect();
    assert_eq!(
        fails,
        vec!["prometheus failed (attempt 3): connection refused"]
    );
    // Data alone does not end the failure (part of a source may still fail)…
    reduce(
        &mut s,
        &samples(
            7,
            "2026-11-24T15:00:48Z",
            vec![Sample::known(Signal::ErrorRatio, "blue", 0.0)],
        ),
    );
    assert!(matches!(
        src(&s).freshness(ts("2026-11-24T15:00:49Z")),
        Freshness::Down { .. }
    ));
    // …the source's recovery does.
    reduce(
        &mut s,
        &env(
            8,
            "2026-11-24T15:00:50Z",
            Event::SourceRecovered {
                source: "prometheus".into(),
            },
        ),
    );
    assert!(matches!(
        src(&s).freshness(ts("2026-11-24T15:00:51Z")),
        Freshness::Fresh(_)
    ));
}

#[test]
fn probes_keep_the_latest_and_a_latency_history() {
    let mut s = with_source(SourceKind::Health, "health:ready", 5_000);
    for (i, ok) in [true, false, true].iter().enumerate() {
        reduce(
            &mut s,
            &env(
                3 + i as u64,
                "2026-11-24T15:00:05Z",
                Event::HealthProbed {
                    source: "health:ready".into(),
                    probe: ProbeRow {
                        endpoint: "ready".into(),
                        ok: *ok,
                        status: Some(if *ok { 200 } else { 503 }),
                        latency_ms: Some(3 + i as u64),
                        version: Some("1.2.2".into()),
                        error: (!ok).then(|| "status 503".into()),
                        failures: u32::from(!ok),
                    },
                },
            ),
        );
    }
    let h = &s.live.health["ready"];
    assert!(h.last.ok);
    assert_eq!(h.latencies, vec![Some(3), None, Some(5)]);
}
