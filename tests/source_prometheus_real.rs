//! The Prometheus source against a real `prometheus` scraping a loopback `/metrics` every
//! second: while it starts the source fails and then recovers, the error ratio readings per
//! version that arrive are the ones the counters imply, and the request counters recorded for
//! the canary verdict are the exposed ones, summed per version.
//!
//! Needs `prometheus` on PATH (or `PROMETHEUS_BIN`); without it the test prints a skip message
//! (and fails under CI).

mod fakes;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use fakes::events::{Running, sample};
use fakes::prom_process::{PromProcess, find_prometheus};
use fakes::{Fake, Reply};
use reqwest::Url;
use warroom::event::{CounterRow, Event, Signal};
use warroom::sources::{PrometheusSpec, prometheus};

/// Per-scrape increments: 1 % errors for blue, 8 % for green.
const REQUESTS: [(&str, &str, u64); 4] = [
    ("blue", "200", 99),
    ("blue", "500", 1),
    ("green", "200", 92),
    ("green", "500", 8),
];

fn exposition(n: u64) -> String {
    let mut out = String::from("# TYPE http_requests_total counter\n");
    for (version, code, inc) in REQUESTS {
        out += &format!(
            "http_requests_total{{code=\"{code}\",version=\"{version}\"}} {}\n",
            inc * (n + 1)
        );
    }
    out += "# TYPE http_request_duration_seconds histogram\n";
    for version in ["blue", "green"] {
        for (le, inc) in [("0.1", 60), ("0.5", 95), ("1", 100), ("+Inf", 100)] {
            out += &format!(
                "http_request_duration_seconds_bucket{{version=\"{version}\",le=\"{le}\"}} {}\n",
                inc * (n + 1)
            );
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_ratios_per_version_arrive_from_a_real_prometheus() {
    let Some(bin) = find_prometheus() else {
        fakes::tool::missing(
            "error_ratios_per_version_arrive_from_a_real_prometheus",
            "no `prometheus` on PATH and PROMETHEUS_BIN unset",
        );
        return;
    };
    let scrapes = Arc::new(AtomicU64::new(0));
    let n = Arc::clone(&scrapes);
    let target =
        Fake::start(move |_| Reply::metrics(exposition(n.fetch_add(1, Ordering::SeqCst)))).await;
    let mut prom = PromProcess::start(&bin, "warroom", &[target.addr], Duration::from_secs(1));

    let mut spec = PrometheusSpec::new(
        Url::parse(&prom.base()).expect("url"),
        vec!["blue".into(), "green".into()],
        Duration::from_secs(1),
        Duration::from_millis(800),
    );
    spec.window = Duration::from_secs(10);
    let mut src = Running::spawn(|sink, cancel| prometheus::run(spec, sink, cancel));

    // Readings become known once Prometheus holds two scrapes in the window.
    let mut known = 0;
    for _ in 0..90 {
        prom.assert_running();
        let samples = src.events.samples().await;
        let blue = sample(&samples, Signal::ErrorRatio, "blue").value;
        let green = sample(&samples, Signal::ErrorRatio, "green").value;
        let (Some(blue), Some(green)) = (blue, green) else {
            continue;
        };
        assert!((blue - 0.01).abs() < 1e-4, "blue error ratio {blue}");
        assert!((green - 0.08).abs() < 1e-4, "green error ratio {green}");
        let p99 = sample(&samples, Signal::LatencyP99, "green").value;
        assert!(p99.is_some_and(|v| v > 0.5 && v <= 1.0), "p99 {p99:?}");
        known += 1;
        if known == 3 {
            break;
        }
    }
    let events = src.stop().await;
    assert_eq!(
        known,
        3,
        "no known error ratios; log:\n{}\nevents:\n{}",
        prom.log(),
        events.dump()
    );
    assert!(
        events
            .seen
            .iter()
            .any(|e| matches!(e, Event::AlertsObserved { alerts, .. } if alerts.is_empty())),
        "the alerts at start are recorded:\n{}",
        events.dump()
    );
    assert!(scrapes.load(Ordering::SeqCst) >= 2);

    // The counters, as Prometheus holds them: the exposition's, each a multiple of one
    // scrape's increments, and growing from poll to poll.
    let counts: Vec<&Vec<CounterRow>> = events
        .seen
        .iter()
        .filter_map(|e| match e {
            Event::CountsObserved { counts, .. } if !counts.is_empty() => Some(counts),
            _ => None,
        })
        .collect();
    assert!(counts.len() >= 2, "counts recorded:\n{}", events.dump());
    for rows in &counts {
        let versions: Vec<&str> = rows.iter().map(|r| r.version.as_str()).collect();
        assert_eq!(versions, ["blue", "green"], "{rows:?}");
        for (r, errors_per_100) in rows.iter().zip([1.0, 8.0]) {
            let scrapes = r.requests / 100.0;
            assert!(scrapes >= 1.0 && scrapes.fract() == 0.0, "{r:?}");
            assert_eq!(r.errors, errors_per_100 * scrapes, "{r:?}");
            assert_eq!(r.le, [0.1, 0.5, 1.0], "{r:?}");
            assert_eq!(
                r.buckets,
                [60.0, 95.0, 100.0, 100.0].map(|b| b * scrapes),
                "{r:?}"
            );
        }
    }
    let first = counts.first().map(|r| r[0].requests);
    let last = counts.last().map(|r| r[0].requests);
    assert!(last > first, "the counters grow: {first:?} then {last:?}");
}
