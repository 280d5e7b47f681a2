//! What the Prometheus source records from usable answers (RELIABILITY.md rows 4–7, 9, 11):
//! empty, NaN, ±Inf, warnings and stale samples are Unknown with the reason and raw string,
//! never a number; one evaluation time per attempt; the 30-minute backfill; alert changes; and
//! the bearer token, which is sent but never recorded.

mod fakes;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fakes::events::{Running, failed, failed_not_timeout, sample, warned};
use fakes::prom::{self, alert, alerts_json, empty_vector, healthy, no_alerts, reply, time_ms};
use fakes::{Fake, Reply};
use reqwest::Url;
use warroom::event::{Event, Signal};
use warroom::sources::{PrometheusSpec, prometheus};

fn spec(url: Url) -> PrometheusSpec {
    PrometheusSpec::new(
        url,
        vec!["blue".into(), "green".into()],
        Duration::from_millis(200),
        Duration::from_millis(150),
    )
}

fn start(spec: PrometheusSpec) -> Running {
    Running::spawn(|sink, cancel| prometheus::run(spec, sink, cancel))
}

/// The samples of the first attempt against a fake answering instant queries with `answer`.
async fn first_samples(
    answer: impl Fn(&str, &str, &fakes::Request) -> Reply + Send + Sync + 'static,
) -> Vec<warroom::event::Sample> {
    let fake = prom::fake(answer).await;
    let mut src = start(spec(fake.url("")));
    let samples = src.events.samples().await;
    let events = src.stop().await;
    assert!(
        !events.seen.iter().any(|e| failed_not_timeout(e).is_some()),
        "unknown data is not a source failure:\n{}",
        events.dump()
    );
    samples
}

#[tokio::test]
async fn an_empty_result_is_no_data_never_zero() {
    let samples = first_samples(|_, _, _| reply(200, &empty_vector())).await;
    assert_eq!(samples.len(), 10, "5 signals × 2 versions");
    for s in &samples {
        assert_eq!(s.value, None, "{s:?}");
        assert_eq!(s.unknown.as_deref(), Some("no data"), "{s:?}");
    }
}

#[tokio::test]
async fn nan_in_the_ratio_is_no_traffic_and_infinities_are_unknown_with_their_raw_value() {
    let samples = first_samples(|signal, version, req| match (signal, version) {
        ("error_ratio", "green") => reply(200, &prom::vector("NaN", time_ms(req))),
        ("latency_p99", "green") => reply(200, &prom::vector("+Inf", time_ms(req))),
        ("throughput", "green") => reply(200, &prom::vector("-Inf", time_ms(req))),
        _ => healthy(signal, version, req),
    })
    .await;
    let ratio = sample(&samples, Signal::ErrorRatio, "green");
    assert_eq!(ratio.value, None);
    assert!(
        ratio
            .unknown
            .as_deref()
            .is_some_and(|u| u.starts_with("no traffic")),
        "{ratio:?}"
    );
    assert_eq!(ratio.raw.as_deref(), Some("NaN"));
    let p99 = sample(&samples, Signal::LatencyP99, "green");
    assert_eq!((p99.value, p99.raw.as_deref()), (None, Some("+Inf")));
    assert!(
        p99.unknown
            .as_deref()
            .is_some_and(|u| u.starts_with("infinite")),
        "{p99:?}"
    );
    let tput = sample(&samples, Signal::Throughput, "green");
    assert_eq!((tput.value, tput.raw.as_deref()), (None, Some("-Inf")));
    assert_eq!(
        sample(&samples, Signal::ErrorRatio, "blue").value,
        Some(0.01)
    );
}

#[tokio::test]
async fn warnings_make_a_value_partial_and_stale_samples_are_unknown() {
    let samples = first_samples(|signal, version, req| {
        let at = time_ms(req);
        match (signal, version) {
            ("error_ratio", "blue") => {
                let mut r = prom::vector("0.001", at);
                r.warnings = vec!["remote read from store-2 failed".into()];
                reply(200, &r)
            }
            // Ten minutes old at the evaluation time: a cache or a clock problem.
            ("error_ratio", "green") => reply(200, &prom::vector("0.001", at - 600_000)),
            _ => healthy(signal, version, req),
        }
    })
    .await;
    let partial = sample(&samples, Signal::ErrorRatio, "blue");
    assert_eq!(partial.value, None, "a Pass with warnings becomes Unknown");
    assert_eq!(
        partial.unknown.as_deref(),
        Some("partial data: remote read from store-2 failed")
    );
    assert_eq!(partial.raw.as_deref(), Some("0.001"));
    let stale = sample(&samples, Signal::ErrorRatio, "green");
    assert_eq!(stale.value, None);
    assert!(
        stale
            .unknown
            .as_deref()
            .is_some_and(|u| u.starts_with("stale")),
        "{stale:?}"
    );
}

#[tokio::test]
async fn one_attempt_evaluates_every_query_at_one_time_and_rounds_values() {
    let fake = prom::fake(|signal, version, req| match signal {
        "throughput" => reply(200, &prom::vector("10.123456789", time_ms(req))),
        _ => healthy(signal, version, req),
    })
    .await;
    let mut src = start(spec(fake.url("")));
    let e = src
        .events
        .wait_for("SamplesObserved", |e| {
            matches!(e, Event::SamplesObserved { .. })
        })
        .await;
    src.stop().await;
    let Event::SamplesObserved { at, samples, .. } = e else {
        unreachable!()
    };
    assert_eq!(
        sample(&samples, Signal::Throughput, "blue").value,
        Some(10.1235)
    );
    let at_ms = at.as_millisecond();
    let same_time = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/query" && time_ms(r) == at_ms)
        .count();
    // Five signals and three counters for each of the two versions.
    assert_eq!(
        same_time, 16,
        "every query of the attempt carries time={at_ms}"
    );
}

#[tokio::test]
async fn the_backfill_loads_thirty_minutes_per_signal_and_version() {
    let fake = Fake::start(|req| match req.path.as_str() {
        "/api/v1/query_range" => {
            let end = (req.param("end").parse::<f64>().unwrap_or(0.0) * 1000.0) as i64;
            reply(
                200,
                &prom::matrix(&[
                    (end - 2000, "0.5"),
                    (end - 1000, "NaN"),
                    (end, "0.123456789"),
                ]),
            )
        }
        "/api/v1/alerts" => reply(200, &no_alerts()),
        _ => healthy("", "", req),
    })
    .await;
    let mut src = start(spec(fake.url("")));
    let e = src
        .events
        .wait_for("SeriesBackfilled", |e| {
            matches!(e, Event::SeriesBackfilled { .. })
        })
        .await;
    let Event::SeriesBackfilled { series, .. } = e else {
        unreachable!()
    };
    assert_eq!(series.len(), 10);
    for s in &series {
        let values: Vec<Option<f64>> = s.points.iter().map(|p| p.1).collect();
        assert_eq!(values, [Some(0.5), None, Some(0.123457)], "{s:?}");
    }
    for _ in 0..2 {
        src.events.samples().await;
    }
    let events = src.stop().await;
    let backfills = events
        .seen
        .iter()
        .filter(|e| matches!(e, Event::SeriesBackfilled { .. }))
        .count();
    assert_eq!(backfills, 1);
    let range = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/query_range")
        .expect("a range query");
    let span = range.param("end").parse::<f64>().expect("end")
        - range.param("start").parse::<f64>().expect("start");
    assert!((span - 1800.0).abs() < 0.01, "30 minutes, not {span} s");
    assert_eq!(range.param("step"), "1");
}

#[tokio::test]
async fn alerts_are_recorded_at_start_and_when_the_set_changes() {
    let firing = Arc::new(AtomicBool::new(false));
    let now_firing = Arc::clone(&firing);
    let fake = Fake::start(move |req| match req.path.as_str() {
        "/api/v1/alerts" if now_firing.load(Ordering::SeqCst) => reply(
            200,
            &alerts_json(&format!(
                "[{},{}]",
                alert("HighErrorRate", "firing", "page"),
                alert("SlowCanary", "pending", "ticket")
            )),
        ),
        "/api/v1/alerts" => reply(200, &no_alerts()),
        "/api/v1/query_range" => reply(200, &prom::matrix(&[])),
        _ => healthy("", "", req),
    })
    .await;
    let mut src = start(spec(fake.url("")));
    let is_alerts = |e: &Event| matches!(e, Event::AlertsObserved { .. });
    let first = src.events.wait_for("AlertsObserved", is_alerts).await;
    assert!(matches!(&first, Event::AlertsObserved { alerts, .. } if alerts.is_empty()));
    src.events.samples().await;
    firing.store(true, Ordering::SeqCst);
    let changed = src.events.wait_for("AlertsObserved", is_alerts).await;
    let Event::AlertsObserved { alerts, .. } = changed else {
        unreachable!()
    };
    let names: Vec<(&str, &str)> = alerts
        .iter()
        .map(|a| (a.name.as_str(), a.state.name()))
        .collect();
    assert_eq!(
        names,
        [("HighErrorRate", "firing"), ("SlowCanary", "pending")]
    );
    assert_eq!(alerts[0].severity.as_deref(), Some("page"));
    assert_eq!(
        alerts[0].summary.as_deref(),
        Some("HighErrorRate is firing")
    );
    for _ in 0..3 {
        src.events.samples().await;
    }
    let events = src.stop().await;
    assert_eq!(
        events.seen.iter().filter(|e| is_alerts(e)).count(),
        2,
        "{}",
        events.dump()
    );
}

#[tokio::test]
async fn the_bearer_token_is_sent_reread_after_a_401_and_never_recorded() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("token");
    std::fs::write(&file, "tok-one\n").expect("token");
    let wanted = Arc::new(Mutex::new("tok-one".to_string()));
    let expect = Arc::clone(&wanted);
    let fake = prom::fake(move |signal, version, req| {
        let want = format!("Bearer {}", expect.lock().expect("lock"));
        if req.headers.get("authorization") == Some(&want) {
            healthy(signal, version, req)
        } else {
            // A careless server that echoes what it got.
            let got = req
                .headers
                .get("authorization")
                .cloned()
                .unwrap_or_default();
            Reply::text(401, format!("rejected {got}"))
        }
    })
    .await;
    let mut s = spec(fake.url(""));
    s.bearer_token_file = Some(file.clone());
    let mut src = start(s);
    src.events.samples().await;

    // Rotated in the file and on the server: a 401, a re-read, a retry, and data again.
    std::fs::write(&file, "tok-two").expect("token");
    *wanted.lock().expect("lock") = "tok-two".into();
    let mut rotated = false;
    for _ in 0..5 {
        let samples = src.events.samples().await;
        rotated |= sample(&samples, Signal::ErrorRatio, "blue").value == Some(0.01);
    }
    assert!(rotated);
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.headers.get("authorization") == Some(&"Bearer tok-two".to_string()))
    );

    // A token the server does not take: the failure says where to look, without the token.
    std::fs::write(&file, "tok-three").expect("token");
    *wanted.lock().expect("lock") = "tok-four".into();
    let e = src
        .events
        .wait_for("SourceFailed", |e| {
            failed(e).is_some_and(|(error, _)| error.contains("HTTP 401"))
        })
        .await;
    let (error, _) = failed(&e).expect("failed");
    assert!(
        error.contains("HTTP 401 unauthorized (check [prometheus] bearer_token_file)"),
        "{error}"
    );
    let events = src.stop().await;
    let log = events.dump();
    for secret in ["tok-one", "tok-two", "tok-three"] {
        assert!(!log.contains(secret), "{secret} leaked into events:\n{log}");
    }
}

#[tokio::test]
async fn an_unusable_template_and_a_missing_alerts_endpoint_are_reported_once() {
    let fake = Fake::start(|req| match req.path.as_str() {
        "/api/v1/alerts" => Reply::text(404, "404 page not found"),
        "/api/v1/query_range" => reply(200, &prom::matrix(&[])),
        _ => {
            let q = req.param("query");
            healthy(prom::signal_of(q), &prom::version_of(q), req)
        }
    })
    .await;
    let mut s = spec(fake.url(""));
    s.versions = vec!["1.2.2".into(), "1.2.3".into()];
    // A version like 1.2.3 cannot stand outside a string literal.
    s.queries.throughput = "sum(rate(http_requests_total{version={version}}[{window}]))".into();
    let mut src = start(s);
    let mut reports = Vec::new();
    let mut asked = 0;
    for i in 0..4 {
        let samples = src.events.samples().await;
        if i == 0 {
            asked = alerts_asked(&fake);
        }
        let tput = sample(&samples, Signal::Throughput, "1.2.3");
        assert!(
            tput.unknown
                .as_deref()
                .is_some_and(|u| u.starts_with("bad query for throughput")),
            "{tput:?}"
        );
        assert_eq!(
            sample(&samples, Signal::LatencyP99, "1.2.3").value,
            Some(0.25)
        );
    }
    let events = src.stop().await;
    for e in &events.seen {
        if let Some(message) = warned(e) {
            reports.push(message.to_string());
        }
        assert!(
            failed_not_timeout(e).is_none(),
            "config problems are warnings, not source failures: {e:?}"
        );
    }
    reports.sort();
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert_eq!(
        reports[0],
        "alerts unavailable: prometheus: HTTP 404: 404 page not found; the alerts pane stays empty"
    );
    assert!(
        reports[1].starts_with("bad query for throughput: {version} = \"1.2.2\" cannot be placed outside a string literal"),
        "{}",
        reports[1]
    );
    assert!(reports[1].ends_with("; fix [prometheus.queries] in warroom.toml"));
    assert_eq!(
        alerts_asked(&fake),
        asked,
        "the alerts endpoint is not asked again"
    );
}

fn alerts_asked(fake: &Fake) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path == "/api/v1/alerts")
        .count()
}
