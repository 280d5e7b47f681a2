//! Side by side against the simulator: the war room's direct scrape and a real Prometheus
//! (queried through the war room's Prometheus source) watch the same bad canary, and must agree
//! within 1 percentage point on error ratio and 10 % on p95/p99. One Prometheus for this test
//! binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use support::prometheus::Prometheus;
use support::{SimProcess, eventually, http};
use tokio_util::sync::CancellationToken;
use warroom::event::{Event, Signal};
use warroom::sources::{self, PrometheusSpec, ScrapeSpec};

/// Mean of the known values per (source, signal, version).
type Means = BTreeMap<(String, Signal, String), f64>;

fn means(events: &[Event]) -> Means {
    let mut sums: BTreeMap<(String, Signal, String), (f64, usize)> = BTreeMap::new();
    for e in events {
        if let Event::SamplesObserved {
            source, samples, ..
        } = e
        {
            for s in samples {
                if let Some(v) = s.value {
                    let k = (source.clone(), s.signal, s.version.clone());
                    let e = sums.entry(k).or_insert((0.0, 0));
                    e.0 += v;
                    e.1 += 1;
                }
            }
        }
    }
    sums.into_iter()
        .map(|(k, (sum, n))| (k, sum / n as f64))
        .collect()
}

#[test]
fn direct_scrape_and_prometheus_agree_on_the_simulator() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = SimProcess::start(&["--scenario", "bad-canary"]);
    // Both colours serve: the Service selects app=app only, ready pods split the traffic.
    let svc = format!("{}/api/v1/namespaces/demo/services/app", sim.url);
    let r = http::merge_patch(&svc, r#"{"spec":{"selector":{"version":null}}}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    let Some(prom) = Prometheus::start(&sim.file("prometheus.yml")) else {
        return;
    };
    eventually(
        Duration::from_secs(60),
        "Prometheus to have 10 s rates for green",
        || {
            let r = prom.query(r#"rate(http_requests_total{version="green"}[10s])"#);
            (!r.is_empty()).then_some(())
        },
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let versions = vec!["blue".to_string(), "green".to_string()];
    let window = Duration::from_secs(10);
    let mut scrape = ScrapeSpec::new(
        vec![format!("{}/metrics", sim.url).parse().unwrap()],
        versions.clone(),
        Duration::from_secs(1),
    );
    scrape.signals.window = window;
    let mut promspec = PrometheusSpec::new(
        prom.url.parse().unwrap(),
        versions,
        Duration::from_secs(1),
        Duration::from_millis(800),
    );
    promspec.window = window;
    let events = rt.block_on(async move {
        let (sink, mut rx) = sources::channel();
        let cancel = CancellationToken::new();
        let tasks = sources::start(
            sources::Specs {
                prometheus: Some(promspec),
                scrape: None,
                health: Vec::new(),
                kube: None,
                gates: None,
            },
            sink.clone(),
            cancel.clone(),
        );
        let tasks2 = sources::start(
            sources::Specs {
                prometheus: None,
                scrape: Some(scrape),
                health: Vec::new(),
                kube: None,
                gates: None,
            },
            sink,
            cancel.clone(),
        );
        // Let the scrape's rate window fill, then collect 15 s of both.
        let warm = Instant::now() + Duration::from_secs(12);
        let end = warm + Duration::from_secs(15);
        let mut kept = Vec::new();
        while Instant::now() < end {
            if let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await
                && Instant::now() > warm
            {
                kept.push(e);
            }
        }
        cancel.cancel();
        drop((tasks, tasks2));
        kept
    });

    let m = means(&events);
    let get = |src: &str, sig: Signal, v: &str| {
        *m.get(&(src.to_string(), sig, v.to_string()))
            .unwrap_or_else(|| panic!("no {src} {sig:?} for {v}: {m:?}"))
    };
    for v in ["blue", "green"] {
        let (a, b) = (
            get("scrape", Signal::ErrorRatio, v),
            get("prometheus", Signal::ErrorRatio, v),
        );
        eprintln!("{v} error ratio: scrape {a:.4}, prometheus {b:.4}");
        assert!(
            (a - b).abs() <= 0.01,
            "{v} error ratio: scrape {a}, prometheus {b}"
        );
        for sig in [Signal::LatencyP95, Signal::LatencyP99] {
            let (a, b) = (get("scrape", sig, v), get("prometheus", sig, v));
            eprintln!("{v} {sig:?}: scrape {a:.4}, prometheus {b:.4}");
            assert!(
                (a - b).abs() <= 0.10 * b.abs().max(a.abs()),
                "{v} {sig:?}: scrape {a}, prometheus {b}"
            );
        }
    }
    // The bad canary is visible to both.
    assert!(get("scrape", Signal::ErrorRatio, "green") > 0.05);
    assert!(get("prometheus", Signal::ErrorRatio, "green") > 0.05);
}
