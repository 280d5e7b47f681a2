//! Live fixtures: the four states the live panes are snapshotted in (healthy, degraded,
//! stale, source-down) and the benchmark's big state (10,000 pods, 24 h of samples), all
//! built by feeding observed events through the reducer.

use jiff::{SignedDuration, Timestamp};
use warroom::config::warroom::{WarroomConfig, parse_str};
use warroom::event::{
    AlertRow, AlertState, Event, PodRow, ProbeRow, Series, Signal, SourceKind, TrafficRow,
    WorkloadRow,
};
use warroom::runbook::Format;
use warroom::state::State;

use super::{Feed, runbook, ts};

/// The live fixtures' clock: 40 minutes after T-0, a quarter of traffic on the candidate.
pub const LIVE_NOW: &str = "2026-11-24T15:40:00Z";

pub fn live_now() -> Timestamp {
    ts(LIVE_NOW)
}

/// Seconds after `LIVE_NOW` (negative: before), as a timestamp string.
fn at(secs: i64) -> String {
    (live_now() + SignedDuration::from_secs(secs)).to_string()
}

/// The recorded config: versions blue (stable, 2.3.1) and green (the 2.4.0 candidate), the
/// seed thresholds (SLO 1 %, rollback 5 %, p99 2× baseline) and the 10/25/50/100 plan.
pub fn config() -> WarroomConfig {
    let text = r#"
[deployment]
name = "checkout"
release = "2.4.0"
stable = "2.3.1"

[kubernetes]
namespace = "shop"
stable = "deployment/checkout-blue"
candidate = "deployment/checkout-green"
route = "checkout"

[[health]]
name = "api"
url = "https://api.example.com/health"
version_field = "version"

[[health]]
name = "api-internal"
url = "http://checkout.shop.svc/health"
version_field = "version"
"#;
    parse_str(text, Format::Toml, "warroom.toml").expect("fixture config")
}

/// How a fixture's candidate behaves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Healthy,
    Degraded,
}

/// A smooth, deterministic wobble for point `i`.
fn wobble(i: usize, period: f64, phase: f64) -> f64 {
    ((i as f64) / period + phase).sin()
}

/// One signal's points for one version over `minutes` before `end`, every `step_s` seconds.
fn series(
    signal: Signal,
    version: &str,
    end: Timestamp,
    minutes: i64,
    step_s: i64,
    scenario: Scenario,
) -> Series {
    let n = (minutes * 60 / step_s) as usize;
    let green = version == "green";
    let points = (0..n)
        .map(|i| {
            let t = end - SignedDuration::from_secs(step_s * (n - 1 - i) as i64);
            let mins_ago = (n - 1 - i) as f64 * step_s as f64 / 60.0;
            let bad = scenario == Scenario::Degraded && green && mins_ago < 8.0;
            let v = match signal {
                Signal::ErrorRatio if bad => 0.08 + 0.006 * wobble(i, 5.0, 0.0),
                Signal::ErrorRatio if green => 0.003 + 0.0015 * wobble(i, 7.0, 1.0),
                Signal::ErrorRatio => 0.002 + 0.001 * wobble(i, 9.0, 0.0),
                Signal::LatencyP50 => 0.040 + 0.004 * wobble(i, 11.0, f64::from(u8::from(green))),
                Signal::LatencyP95 if bad => 0.38 + 0.02 * wobble(i, 6.0, 0.0),
                Signal::LatencyP95 => 0.120 + 0.01 * wobble(i, 13.0, 0.5),
                Signal::LatencyP99 if bad => 0.55 + 0.03 * wobble(i, 6.0, 0.0),
                Signal::LatencyP99 => 0.210 + 0.015 * wobble(i, 17.0, f64::from(u8::from(green))),
                Signal::Throughput if green => 60.0 + 6.0 * wobble(i, 10.0, 0.0),
                Signal::Throughput => 180.0 + 15.0 * wobble(i, 10.0, 2.0),
            };
            // The candidate's throughput was unknown for a minute (a scrape gap): a gap.
            let gap = green && signal == Signal::Throughput && (11.0..12.0).contains(&mins_ago);
            (t.as_millisecond(), (!gap).then_some(v))
        })
        .collect();
    Series {
        signal,
        version: version.into(),
        points,
    }
}

fn pod(name: &str, version: &str, created_mins_ago: i64) -> PodRow {
    PodRow {
        name: name.into(),
        version: version.into(),
        phase: "Running".into(),
        ready: (1, 1),
        restarts: 0,
        reason: None,
        created: Some(live_now() - SignedDuration::from_mins(created_mins_ago)),
        terminating: false,
        image_id: None,
    }
}

fn pods(scenario: Scenario) -> Vec<PodRow> {
    let mut out: Vec<PodRow> = (0..6)
        .map(|i| {
            pod(
                &format!("checkout-blue-7d9f8c-{i}x4kq"),
                "blue",
                3 * 24 * 60 + i,
            )
        })
        .collect();
    out.extend((0..3).map(|i| pod(&format!("checkout-green-5b6c1a-{i}p9zt"), "green", 52 + i)));
    if scenario == Scenario::Degraded {
        let p = &mut out[7];
        p.phase = "Running".into();
        p.ready = (0, 1);
        p.restarts = 7;
        p.reason = Some("CrashLoopBackOff".into());
    }
    out
}

fn workloads(scenario: Scenario) -> Vec<WorkloadRow> {
    let degraded = scenario == Scenario::Degraded;
    vec![
        WorkloadRow {
            name: "checkout-blue".into(),
            desired: 6,
            updated: 6,
            ready: 6,
            available: 6,
            revision: Some("12".into()),
            image: Some("registry.example.com/shop/checkout:2.3.1".into()),
            paused: false,
        },
        WorkloadRow {
            name: "checkout-green".into(),
            desired: 3,
            updated: 3,
            ready: if degraded { 2 } else { 3 },
            available: if degraded { 2 } else { 3 },
            revision: Some("3".into()),
            image: Some(
                "registry.example.com/shop/checkout@sha256:4f1c9d0a7be2e3c1d6f0a8b9c2d3e4f5a6b7c8d9"
                    .into(),
            ),
            paused: false,
        },
    ]
}

/// Probes every 5 s for the last 100 s, ending 3 s before `LIVE_NOW` (+ `shift`).
fn probe_endpoints(f: &mut Feed, scenario: Scenario, shift: i64) {
    for k in 0..20i64 {
        let when = at(shift - 3 - 5 * (19 - k));
        let wob = (k % 5) as u64;
        let api_fails = scenario == Scenario::Degraded && k >= 16;
        let api = if api_fails {
            ProbeRow {
                endpoint: "api".into(),
                ok: false,
                status: Some(503),
                latency_ms: Some(1_200),
                version: Some("2.4.0".into()),
                error: Some("unexpected status 503 (want 200)".into()),
                failures: u32::try_from(k - 15).unwrap_or(0),
            }
        } else {
            ProbeRow {
                endpoint: "api".into(),
                ok: true,
                status: Some(200),
                latency_ms: Some(38 + 3 * wob),
                version: Some("2.4.0".into()),
                error: None,
                failures: 0,
            }
        };
        f.push(
            &when,
            "warroom",
            Event::HealthProbed {
                source: "health:api".into(),
                probe: api,
            },
        );
        f.push(
            &when,
            "warroom",
            Event::HealthProbed {
                source: "health:api-internal".into(),
                probe: ProbeRow {
                    endpoint: "api-internal".into(),
                    ok: true,
                    status: Some(200),
                    latency_ms: Some(11 + wob),
                    version: Some("2.3.1".into()),
                    error: None,
                    failures: 0,
                },
            },
        );
    }
}

fn start_sources(f: &mut Feed) {
    let started = at(-31 * 60);
    for (source, kind, target, interval_ms) in [
        (
            "prometheus",
            SourceKind::Prometheus,
            "http://prometheus.monitoring:9090",
            5_000,
        ),
        ("kubernetes", SourceKind::Kubernetes, "prod-east/shop", 0),
        (
            "health:api",
            SourceKind::Health,
            "https://api.example.com/health",
            5_000,
        ),
        (
            "health:api-internal",
            SourceKind::Health,
            "http://checkout.shop.svc/health",
            5_000,
        ),
    ] {
        f.push(
            &started,
            "warroom",
            Event::SourceStarted {
                source: source.into(),
                kind,
                target: target.into(),
                interval_ms,
            },
        );
    }
}

/// Both versions flowing (`Healthy`), or the candidate failing (`Degraded`: ~8 % errors over
/// the rollback threshold, p99 over 2× baseline, a crash-looping pod, a failing health
/// endpoint, a firing and a pending alert). Every source last delivered a few seconds before
/// `LIVE_NOW`.
pub fn state(scenario: Scenario) -> State {
    let mut f = Feed::with_config(runbook(), "2026-11-24T14:00:00Z", Some(config()));
    start_sources(&mut f);
    let k8s_at = at(-30 * 60);
    f.push(
        &k8s_at,
        "warroom",
        Event::PodsListed {
            source: "kubernetes".into(),
            pods: pods(scenario),
        },
    );
    for w in workloads(scenario) {
        f.push(
            &k8s_at,
            "warroom",
            Event::WorkloadObserved {
                source: "kubernetes".into(),
                workload: w,
            },
        );
    }
    f.push(
        &at(-20 * 60),
        "warroom",
        Event::TrafficObserved {
            source: "kubernetes".into(),
            traffic: TrafficRow {
                selector: Default::default(),
                weights: vec![("checkout-blue".into(), 75), ("checkout-green".into(), 25)],
                manager: None,
            },
        },
    );
    let end = live_now() - SignedDuration::from_secs(2);
    let series: Vec<Series> = ["blue", "green"]
        .iter()
        .flat_map(|v| Signal::ALL.map(|s| series(s, v, end, 30, 5, scenario)))
        .collect();
    f.push(
        &at(-2),
        "warroom",
        Event::SeriesBackfilled {
            source: "prometheus".into(),
            series,
        },
    );
    let alerts = if scenario == Scenario::Degraded {
        vec![
            AlertRow {
                name: "CheckoutHighErrorRate".into(),
                state: AlertState::Firing,
                severity: Some("critical".into()),
                summary: Some("checkout-green 5xx above 5% for 5m".into()),
                active_at: Some(live_now() - SignedDuration::from_mins(6)),
            },
            AlertRow {
                name: "CheckoutLatencyP99High".into(),
                state: AlertState::Pending,
                severity: Some("warning".into()),
                summary: Some("p99 above 500ms".into()),
                active_at: Some(live_now() - SignedDuration::from_mins(2)),
            },
        ]
    } else {
        Vec::new()
    };
    f.push(
        &at(-2),
        "warroom",
        Event::AlertsObserved {
            source: "prometheus".into(),
            alerts,
        },
    );
    probe_endpoints(&mut f, scenario, 0);
    // A pod change just now keeps the watch's age short.
    let mut p = pods(scenario)[0].clone();
    p.restarts = 0;
    f.push(
        &at(-1),
        "warroom",
        Event::PodChanged {
            source: "kubernetes".into(),
            pod: p,
        },
    );
    f.state
}

/// The stale fixture is the healthy state seen two minutes later: the polled sources'
/// last success is over two minutes old.
pub fn stale_now() -> Timestamp {
    live_now() + SignedDuration::from_mins(2)
}

/// The healthy state after Prometheus started refusing connections and the Kubernetes API
/// went away; health probes still arrive. Draw it at `down_now()`.
pub fn source_down() -> State {
    let mut f = Feed {
        state: state(Scenario::Healthy),
        seq: 1_000,
    };
    f.push(
        &at(10),
        "warroom",
        Event::SourceFailed {
            source: "prometheus".into(),
            error: "connection refused".into(),
            attempt: 1,
        },
    );
    f.push(
        &at(12),
        "warroom",
        Event::SourceFailed {
            source: "kubernetes".into(),
            error: "API server unreachable: connection refused".into(),
            attempt: 1,
        },
    );
    probe_endpoints(&mut f, Scenario::Healthy, 20);
    f.state
}

/// When the source-down fixture is drawn.
pub fn down_now() -> Timestamp {
    live_now() + SignedDuration::from_secs(25)
}

/// The healthy state, except that the candidate's latest error ratio is unknown (no traffic).
pub fn unknown_candidate() -> State {
    let mut f = Feed {
        state: state(Scenario::Healthy),
        seq: 1_000,
    };
    f.push(
        &at(-1),
        "warroom",
        Event::SamplesObserved {
            source: "prometheus".into(),
            at: live_now() - SignedDuration::from_secs(1),
            samples: vec![warroom::event::Sample::unknown(
                Signal::ErrorRatio,
                "green",
                "no traffic",
            )],
        },
    );
    f.state
}

/// The benchmark's state: `pods` pods (a few hundred crash-looping or pending) and 24 h of
/// samples every 5 s for blue and green, all five signals.
pub fn big_live(pods: usize) -> State {
    let mut f = Feed::with_config(runbook(), "2026-11-23T15:00:00Z", Some(config()));
    start_sources(&mut f);
    let list: Vec<PodRow> = (0..pods)
        .map(|i| {
            let version = if i % 4 == 0 { "green" } else { "blue" };
            let mut p = pod(&format!("checkout-{version}-{i:05}"), version, 600);
            match i % 97 {
                0 => {
                    p.reason = Some("CrashLoopBackOff".into());
                    p.ready = (0, 1);
                    p.restarts = 9;
                }
                1 => {
                    p.phase = "Pending".into();
                    p.ready = (0, 1);
                }
                _ => {}
            }
            p
        })
        .collect();
    f.push(
        &at(-60),
        "warroom",
        Event::PodsListed {
            source: "kubernetes".into(),
            pods: list,
        },
    );
    for w in workloads(Scenario::Healthy) {
        f.push(
            &at(-60),
            "warroom",
            Event::WorkloadObserved {
                source: "kubernetes".into(),
                workload: w,
            },
        );
    }
    let end = live_now() - SignedDuration::from_secs(2);
    for v in ["blue", "green"] {
        let series: Vec<Series> = Signal::ALL
            .map(|s| series(s, v, end, 24 * 60, 5, Scenario::Healthy))
            .into();
        f.push(
            &at(-2),
            "warroom",
            Event::SeriesBackfilled {
                source: "prometheus".into(),
                series,
            },
        );
    }
    probe_endpoints(&mut f, Scenario::Healthy, 0);
    f.state
}
