//! The Prometheus source against a misbehaving loopback Prometheus (RELIABILITY.md rows 1–3,
//! 8): refused, hanging, 500, malformed and truncated answers, every `errorType`, a bad query,
//! and recovery. Each fault fails the attempt with a message that says what happened, except
//! `bad_data`, which is a config error reported once while the other signals keep flowing.

mod fakes;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fakes::events::{Running, failed, failed_not_timeout, sample, warned};
use fakes::prom::{self, error_reply, healthy, vector};
use fakes::{Fake, Reply, closed_port_url};
use reqwest::Url;
use warroom::event::{Event, Signal, SourceKind};
use warroom::prom::ErrorType;
use warroom::sources::{PrometheusSpec, prometheus};

fn spec(url: Url) -> PrometheusSpec {
    PrometheusSpec::new(
        url,
        vec!["blue".into(), "green".into()],
        Duration::from_millis(200),
        Duration::from_millis(150),
    )
}

fn start(url: Url) -> Running {
    let spec = spec(url);
    Running::spawn(|sink, cancel| prometheus::run(spec, sink, cancel))
}

#[tokio::test]
async fn refused_connections_fail_each_attempt_with_its_count() {
    let url = closed_port_url("");
    let mut src = start(url.clone());
    let first = src.events.wait_for("SourceStarted", |_| true).await;
    assert!(
        matches!(&first, Event::SourceStarted { source, kind: SourceKind::Prometheus, target, interval_ms: 200 }
            if source == "prometheus" && target == url.as_str()),
        "{first:?}"
    );
    for n in 1..=3 {
        let e = src
            .events
            .wait_for("SourceFailed", |e| failed(e).is_some())
            .await;
        let (error, attempt) = failed(&e).expect("failed");
        assert_eq!(attempt, n);
        assert!(error.starts_with("connection refused ("), "{error}");
        assert!(error.contains(&format!("{}api/v1/query)", url)), "{error}");
    }
    src.stop().await;
}

#[tokio::test]
async fn a_prometheus_that_never_answers_times_out_and_the_source_still_stops() {
    let fake = Fake::start(|_| Reply::Hang).await;
    let mut src = start(fake.url(""));
    let e = src
        .events
        .wait_for("SourceFailed", |e| failed(e).is_some())
        .await;
    let (error, attempt) = failed(&e).expect("failed");
    assert_eq!(attempt, 1);
    assert!(error.starts_with("no answer within 150 ms"), "{error}");
    // The next attempt is hanging right now; cancel must still end the task.
    src.stop().await;
}

/// The first `SourceFailed` of a source against a fake answering every request with `reply`.
async fn first_failure(reply: impl Fn() -> Reply + Send + Sync + 'static) -> String {
    let fake = Fake::start(move |_| reply()).await;
    let mut src = start(fake.url(""));
    let e = src
        .events
        .wait_for("SourceFailed", |e| failed_not_timeout(e).is_some())
        .await;
    src.stop().await;
    failed(&e).expect("failed").0.to_string()
}

#[tokio::test]
async fn a_500_page_fails_the_attempt_naming_the_status() {
    let error = first_failure(|| Reply::text(500, "upstream exploded")).await;
    assert_eq!(
        error,
        "prometheus: HTTP 500: upstream exploded (error_ratio for blue)"
    );
}

#[tokio::test]
async fn malformed_and_truncated_bodies_fail_the_attempt() {
    let error = first_failure(|| Reply::json(200, "this is not json{")).await;
    assert!(
        error.starts_with("prometheus: malformed response: "),
        "{error}"
    );

    let whole = serde_json::to_string(&vector("0.01", 1_795_450_159_000)).expect("json");
    let cut = whole[..whole.len() / 2].to_string();
    let error = first_failure(move || Reply::json(200, cut.clone())).await;
    assert!(
        error.starts_with("prometheus: malformed response: truncated body"),
        "{error}"
    );

    // Headers promise more than arrives before the connection closes.
    let error = first_failure(move || Reply::Truncated {
        status: 200,
        declared: whole.len() + 100,
        body: whole.as_bytes().to_vec(),
    })
    .await;
    assert!(
        error.contains("cut off") || error.contains("closed"),
        "{error}"
    );
}

#[tokio::test]
async fn every_error_type_is_named_in_the_failure() {
    let types = [
        ErrorType::Execution,
        ErrorType::Timeout,
        ErrorType::Canceled,
        ErrorType::Internal,
        ErrorType::Unavailable,
        ErrorType::NotFound,
        ErrorType::NotAcceptable,
        ErrorType::Other("brand_new".into()),
    ];
    for t in types {
        let message = format!("{t} happened");
        let answer = (t.clone(), message.clone());
        let error = first_failure(move || error_reply(answer.0.clone(), &answer.1)).await;
        assert_eq!(
            error,
            format!("prometheus: {t}: {message} (error_ratio for blue)")
        );
    }
    // The example of the brief, as Prometheus words it.
    let error = first_failure(|| {
        error_reply(
            ErrorType::Execution,
            "many-to-many matching not allowed: matching labels must be unique on one side",
        )
    })
    .await;
    assert!(
        error.starts_with("prometheus: execution: many-to-many matching not allowed"),
        "{error}"
    );
}

#[tokio::test]
async fn a_bad_query_is_reported_once_and_the_other_signals_keep_flowing() {
    let fake = prom::fake(|signal, version, req| {
        if signal == "error_ratio" {
            error_reply(
                ErrorType::BadData,
                "invalid parameter \"query\": 1:10: parse error: unexpected \"}\"",
            )
        } else {
            healthy(signal, version, req)
        }
    })
    .await;
    let mut src = start(fake.url(""));
    let e = src
        .events
        .wait_for("the config error", |e| {
            warned(e).is_some_and(|m| m.starts_with("bad query"))
        })
        .await;
    let error = warned(&e).expect("warned");
    assert_eq!(
        error,
        "bad query for error_ratio: invalid parameter \"query\": 1:10: parse error: unexpected \"}\"; fix [prometheus.queries] in warroom.toml"
    );
    let asked = |f: &Fake| {
        f.requests()
            .iter()
            .filter(|r| r.path == "/api/v1/query" && r.param("query").contains("code=~"))
            .count()
    };
    let bad_queries = asked(&fake);
    for _ in 0..3 {
        let samples = src.events.samples().await;
        let ratio = sample(&samples, Signal::ErrorRatio, "green");
        assert_eq!(ratio.value, None);
        assert!(
            ratio
                .unknown
                .as_deref()
                .is_some_and(|u| u.starts_with("bad query for error_ratio")),
            "{ratio:?}"
        );
        assert_eq!(
            sample(&samples, Signal::LatencyP99, "green").value,
            Some(0.25)
        );
        assert_eq!(
            sample(&samples, Signal::Throughput, "blue").value,
            Some(10.0)
        );
    }
    assert_eq!(asked(&fake), bad_queries, "a bad query is not sent again");
    let events = src.stop().await;
    let reports = events
        .seen
        .iter()
        .filter(|e| warned(e).is_some_and(|m| m.starts_with("bad query")))
        .count();
    assert_eq!(reports, 1, "reported once:\n{}", events.dump());
}

#[tokio::test]
async fn a_source_that_comes_back_is_recorded_as_recovered() {
    let down = Arc::new(AtomicBool::new(true));
    let is_down = Arc::clone(&down);
    let fake = prom::fake(move |signal, version, req| {
        if is_down.load(Ordering::SeqCst) {
            Reply::text(503, "warming up")
        } else {
            healthy(signal, version, req)
        }
    })
    .await;
    let mut src = start(fake.url(""));
    src.events
        .wait_for("SourceFailed", |e| {
            failed(e)
                .is_some_and(|(error, _)| error.starts_with("prometheus: HTTP 503: warming up"))
        })
        .await;
    down.store(false, Ordering::SeqCst);
    src.events
        .wait_for(
            "SourceRecovered",
            |e| matches!(e, Event::SourceRecovered { source } if source == "prometheus"),
        )
        .await;
    let samples = src.events.samples().await;
    assert_eq!(
        sample(&samples, Signal::ErrorRatio, "blue").value,
        Some(0.01)
    );
    src.stop().await;
}

#[tokio::test]
async fn an_oversized_answer_is_refused_by_its_length() {
    let big = format!(
        "{{\"status\":\"success\",\"pad\":\"{}\"}}",
        "x".repeat(4096)
    );
    let fake = Fake::start(move |_| Reply::json(200, big.clone())).await;
    let mut s = spec(fake.url(""));
    s.max_body_bytes = 1024;
    let mut src = Running::spawn(|sink, cancel| prometheus::run(s, sink, cancel));
    let e = src
        .events
        .wait_for("SourceFailed", |e| failed_not_timeout(e).is_some())
        .await;
    let (error, _) = failed(&e).expect("failed");
    assert!(error.contains("over the 1024-byte cap"), "{error}");
    src.stop().await;
}

#[tokio::test]
async fn a_refused_counter_query_is_reported_once_stops_the_counts_and_not_the_signals() {
    // The counter queries are the ones without a rate.
    let fake = Fake::start(|req| match req.path.as_str() {
        "/api/v1/query" if !req.param("query").contains("rate(") => {
            error_reply(ErrorType::BadData, "unknown function \"sum_of\"")
        }
        "/api/v1/query" => {
            let q = req.param("query");
            healthy(prom::signal_of(q), &prom::version_of(q), req)
        }
        "/api/v1/alerts" => Reply::json(200, r#"{"status":"success","data":{"alerts":[]}}"#),
        _ => Reply::json(
            200,
            r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#,
        ),
    })
    .await;
    let mut src = start(fake.url(""));
    let e = src
        .events
        .wait_for("the config error", |e| {
            warned(e).is_some_and(|m| m.starts_with("bad counter query"))
        })
        .await;
    let message = warned(&e).expect("warned");
    assert!(message.contains("unknown function"), "{message}");
    assert!(message.contains("latency_buckets"), "{message}");
    let counters = |f: &Fake| {
        f.requests()
            .iter()
            .filter(|r| r.path == "/api/v1/query" && !r.param("query").contains("rate("))
            .count()
    };
    let sent = counters(&fake);
    for _ in 0..3 {
        let samples = src.events.samples().await;
        assert_eq!(
            sample(&samples, Signal::Throughput, "blue").value,
            Some(10.0)
        );
    }
    assert_eq!(
        counters(&fake),
        sent,
        "a refused counter query is not sent again"
    );
    let events = src.stop().await;
    let reports = events
        .seen
        .iter()
        .filter(|e| warned(e).is_some_and(|m| m.starts_with("bad counter query")))
        .count();
    assert_eq!(reports, 1, "reported once:\n{}", events.dump());
    assert!(
        !events
            .seen
            .iter()
            .any(|e| matches!(e, Event::CountsObserved { .. })),
        "no counts recorded:\n{}",
        events.dump()
    );
}
