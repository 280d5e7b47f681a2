//! The direct-scrape source against loopback `/metrics` fakes: counters that grow (and reset
//! once) give the expected error ratio and p99 per version from the second scrape on; a failing
//! target is named while the others still count.

mod fakes;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use fakes::events::{Running, failed, failed_not_timeout, sample};
use fakes::{Fake, Reply, closed_port_url};
use reqwest::Url;
use warroom::event::{Event, Signal, SourceKind};
use warroom::sources::{ScrapeSpec, scrape};

/// Scrape index at which every counter restarts (a new process).
const RESET_AT: u64 = 4;

/// Per-scrape increments: (version, code, requests).
const REQUESTS: [(&str, &str, f64); 4] = [
    ("blue", "200", 99.0),
    ("blue", "500", 1.0),
    ("green", "200", 90.0),
    ("green", "503", 10.0),
];

/// Per-scrape cumulative bucket increments per version.
const BUCKETS: [(&str, &[(&str, f64)]); 2] = [
    (
        "blue",
        &[
            ("0.1", 50.0),
            ("0.25", 90.0),
            ("0.5", 99.0),
            ("1", 100.0),
            ("+Inf", 100.0),
        ],
    ),
    (
        "green",
        &[
            ("0.1", 20.0),
            ("0.25", 50.0),
            ("0.5", 80.0),
            ("1", 95.0),
            ("2.5", 100.0),
            ("+Inf", 100.0),
        ],
    ),
];

/// The n-th scrape: every series grows by its increment; at `RESET_AT` all restart, already
/// one increment in, so each step adds the same amount and the ratios stay exact.
fn exposition(n: u64) -> String {
    let steps = (if n < RESET_AT {
        n + 1
    } else {
        n - RESET_AT + 1
    }) as f64;
    let mut out = String::from("# TYPE http_requests_total counter\n");
    for (version, code, inc) in REQUESTS {
        out += &format!(
            "http_requests_total{{code=\"{code}\",version=\"{version}\"}} {}\n",
            inc * steps
        );
    }
    out += "# TYPE http_request_duration_seconds histogram\n";
    for (version, buckets) in BUCKETS {
        for (le, inc) in buckets {
            out += &format!(
                "http_request_duration_seconds_bucket{{version=\"{version}\",le=\"{le}\"}} {}\n",
                inc * steps
            );
        }
    }
    out
}

async fn metrics_fake() -> (Fake, Arc<AtomicU64>) {
    let scrapes = Arc::new(AtomicU64::new(0));
    let n = Arc::clone(&scrapes);
    let fake = Fake::start(move |req| {
        assert_eq!(
            req.headers.get("accept").map(String::as_str),
            Some("text/plain;version=0.0.4")
        );
        Reply::metrics(exposition(n.fetch_add(1, Ordering::SeqCst)))
    })
    .await;
    (fake, scrapes)
}

fn spec(targets: Vec<Url>) -> ScrapeSpec {
    ScrapeSpec::new(
        targets,
        vec!["blue".into(), "green".into(), "purple".into()],
        Duration::from_millis(200),
    )
}

#[track_caller]
fn close(actual: Option<f64>, expected: f64) {
    let v = actual.unwrap_or_else(|| panic!("expected {expected}, got Unknown"));
    assert!(
        (v - expected).abs() <= expected * 1e-5,
        "expected {expected}, got {v}"
    );
}

#[tokio::test]
async fn growing_and_resetting_counters_give_the_ratio_and_p99_per_version() {
    let (fake, scrapes) = metrics_fake().await;
    let s = spec(vec![fake.url("/metrics")]);
    let mut src = Running::spawn(|sink, cancel| scrape::run(s, sink, cancel));
    let started = src.events.wait_for("SourceStarted", |_| true).await;
    assert!(matches!(
        started,
        Event::SourceStarted {
            kind: SourceKind::Scrape,
            interval_ms: 200,
            ..
        }
    ));

    // One scrape is one point: no rate yet.
    let first = src.events.samples().await;
    assert_eq!(first.len(), 15, "5 signals × 3 versions");
    assert!(
        first
            .iter()
            .all(|s| s.unknown.as_deref() == Some("no data")),
        "{first:?}"
    );

    // From the second scrape on, through the reset, the values are exact.
    while scrapes.load(Ordering::SeqCst) < RESET_AT + 8 {
        let samples = src.events.samples().await;
        close(sample(&samples, Signal::ErrorRatio, "blue").value, 0.01);
        close(sample(&samples, Signal::ErrorRatio, "green").value, 0.1);
        close(sample(&samples, Signal::LatencyP99, "blue").value, 0.5);
        close(sample(&samples, Signal::LatencyP99, "green").value, 2.2);
        close(sample(&samples, Signal::LatencyP50, "blue").value, 0.1);
        assert!(
            sample(&samples, Signal::Throughput, "green")
                .value
                .is_some_and(|v| v > 0.0)
        );
        let purple = sample(&samples, Signal::ErrorRatio, "purple");
        assert_eq!(
            purple.unknown.as_deref(),
            Some("no data"),
            "configured but never seen"
        );
    }
    let events = src.stop().await;
    assert!(
        !events.seen.iter().any(|e| failed_not_timeout(e).is_some()),
        "{}",
        events.dump()
    );
}

#[tokio::test]
async fn a_failing_target_is_named_while_the_others_still_count() {
    let (fake, _) = metrics_fake().await;
    let down = Arc::new(AtomicBool::new(true));
    let is_down = Arc::clone(&down);
    let flaky = Fake::start(move |_| {
        if is_down.load(Ordering::SeqCst) {
            Reply::text(503, "overloaded")
        } else {
            Reply::metrics("# nothing here yet\n")
        }
    })
    .await;
    let s = spec(vec![fake.url("/metrics"), flaky.url("/metrics")]);
    let mut src = Running::spawn(|sink, cancel| scrape::run(s, sink, cancel));

    let e = src
        .events
        .wait_for("SourceFailed", |e| {
            failed(e).is_some_and(|(error, _)| error.starts_with("partial data: 1 of 2"))
        })
        .await;
    let (error, attempt) = failed(&e).expect("failed");
    assert!(attempt >= 1);
    assert_eq!(
        error,
        format!(
            "partial data: 1 of 2 targets failed: {}: HTTP 503",
            flaky.url("/metrics")
        )
    );
    assert!(
        matches!(
            src.events.seen.iter().rev().nth(1),
            Some(Event::SamplesObserved { .. })
        ),
        "the samples of the healthy target come first:\n{}",
        src.events.dump()
    );
    // The healthy target's values still arrive.
    let samples = loop {
        let s = src.events.samples().await;
        if sample(&s, Signal::ErrorRatio, "blue").value.is_some() {
            break s;
        }
    };
    close(sample(&samples, Signal::ErrorRatio, "green").value, 0.1);

    down.store(false, Ordering::SeqCst);
    src.events
        .wait_for("SourceRecovered", |e| {
            matches!(e, Event::SourceRecovered { .. })
        })
        .await;
    src.stop().await;
}

#[tokio::test]
async fn when_every_target_fails_the_attempt_fails() {
    let a = closed_port_url("/metrics");
    let b = closed_port_url("/metrics");
    let s = spec(vec![a.clone(), b.clone()]);
    let mut src = Running::spawn(|sink, cancel| scrape::run(s, sink, cancel));
    for n in 1..=2 {
        let e = src
            .events
            .wait_for("SourceFailed", |e| failed(e).is_some())
            .await;
        let (error, attempt) = failed(&e).expect("failed");
        assert_eq!(attempt, n);
        assert_eq!(
            error,
            format!("scrape failed: {a}: connection refused; {b}: connection refused")
        );
    }
    src.stop().await;
}
