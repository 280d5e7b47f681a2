//! Each kind of check against loopback fakes and the in-process simulator: pass, fail, and
//! unknown when the answer is down, NaN, empty, stale or partial — never a pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fakes;

use std::net::SocketAddr;
use std::time::Duration;

use fakes::prom::{reply, time_ms, vector};
use fakes::{Fake, Reply, closed_port_url};
use jiff::Timestamp;
use warroom::checks::{ChecksSpec, Evaluator, Outcome};
use warroom::event::CheckResult;
use warroom::metrics::Labels;
use warroom::prom::{ApiResponse, Data, InstantSample, PromTime, QueryResult, Sample, SampleValue};
use warroom::runbook::check::Spec;
use warroom::runbook::{Format, parse_str};
use warroom::sim::{self, Scenario, SimOptions, config_writer};
use warroom::sources::PrometheusSpec;
use warroom::sources::kube::KubeSpec;

/// The check of a one-item runbook whose item carries `check` (TOML inline table).
fn spec(check: &str) -> Spec {
    let text = format!(
        "title = \"r\"\n[[stage]]\nid = \"s\"\ntitle = \"S\"\n[[stage.item]]\nid = \"i\"\ntext = \"t\"\ncheck = {check}\n"
    );
    let rb = parse_str(&text, Format::Toml, "rb.toml").unwrap_or_else(|e| panic!("{e:?}"));
    rb.stages[0].items[0]
        .check
        .clone()
        .expect("check")
        .spec()
        .expect("valid")
}

fn bare() -> ChecksSpec {
    ChecksSpec::from_config(None)
}

fn with_prometheus(url: reqwest::Url) -> ChecksSpec {
    let mut s = bare();
    s.prometheus = Some(PrometheusSpec::new(
        url,
        Vec::new(),
        Duration::from_secs(5),
        Duration::from_secs(2),
    ));
    s
}

async fn eval(checks: &ChecksSpec, check: &str) -> Outcome {
    Evaluator::new(checks)
        .evaluate(&spec(check), Timestamp::now())
        .await
}

fn two_series(a: &str, b: &str, at_ms: i64) -> ApiResponse {
    let series = |version: &str, v: &str| InstantSample {
        metric: Labels::from([("version".to_string(), version.to_string())]),
        value: Some(Sample {
            at: PromTime::from_millis(at_ms),
            value: SampleValue::parse(v).expect("number"),
        }),
        histogram: None,
    };
    ApiResponse::success(Data::Query(QueryResult::Vector(vec![
        series("blue", a),
        series("green", b),
    ])))
}

/// A Prometheus whose answer depends on the query's metric name.
async fn prometheus() -> Fake {
    Fake::start(|req| {
        if req.path != "/api/v1/query" {
            return Reply::text(404, "404 page not found\n");
        }
        let q = req.param("query");
        let now = time_ms(req);
        let metric = q.split(['{', '(', ' ']).next().unwrap_or_default();
        match metric {
            "good_ratio" => reply(200, &vector("0.004", now)),
            "bad_ratio" => reply(200, &vector("0.05", now)),
            "no_traffic" => reply(200, &vector("NaN", now)),
            "absent" => reply(200, &fakes::prom::empty_vector()),
            "old" => reply(200, &vector("0.001", now - 3_600_000)),
            "partial" => {
                let mut r = vector("0.001", now);
                r.warnings = vec!["remote read failed for store-2".into()];
                reply(200, &r)
            }
            "per_version" => reply(200, &two_series("0.001", "0.08", now)),
            _ => fakes::prom::error_reply(warroom::prom::ErrorType::BadData, "parse error"),
        }
    })
    .await
}

#[tokio::test]
async fn promql_checks_pass_fail_and_are_unknown_without_a_number() {
    let prom = prometheus().await;
    let checks = with_prometheus(prom.url("/"));
    let o = eval(&checks, "{ promql = 'good_ratio < 0.01' }").await;
    assert_eq!(
        (o.result, o.value.as_deref()),
        (CheckResult::Pass, Some("0.004"))
    );
    let o = eval(&checks, "{ promql = 'bad_ratio < 0.01 for 10m' }").await;
    assert_eq!(o.result, CheckResult::Fail);
    assert_eq!(o.value.as_deref(), Some("0.05"));
    assert_eq!(o.reason.as_deref(), Some("not < 0.01"));
    // Every series must hold; the failing one is named.
    let o = eval(&checks, r#"{ promql = 'per_version < 0.01' }"#).await;
    assert_eq!(o.result, CheckResult::Fail);
    assert_eq!(
        o.reason.as_deref(),
        Some(r#"not < 0.01 for {version="green"}"#)
    );

    for (query, why) in [
        ("no_traffic < 0.01", "not a number"),
        ("absent < 0.01", "no data"),
        ("old < 0.01", "stale"),
        ("partial < 0.01", "partial data: remote read failed"),
        ("unknown_metric > 1", "prometheus: bad_data: parse error"),
    ] {
        let o = eval(&checks, &format!("{{ promql = '{query}' }}")).await;
        assert_eq!(o.result, CheckResult::Unknown, "{query}: {o:?}");
        assert!(
            o.reason.as_deref().unwrap_or_default().contains(why),
            "{query}: {o:?}"
        );
    }

    // Prometheus down, or none configured: unknown, with the reason.
    let down = with_prometheus(closed_port_url("/"));
    let o = eval(&down, "{ promql = 'good_ratio < 0.01' }").await;
    assert_eq!(o.result, CheckResult::Unknown);
    assert!(
        o.reason
            .as_deref()
            .unwrap_or_default()
            .contains("connection refused"),
        "{o:?}"
    );
    let o = eval(&bare(), "{ promql = 'good_ratio < 0.01' }").await;
    assert_eq!(o.result, CheckResult::Unknown);
    assert!(
        o.reason
            .as_deref()
            .unwrap_or_default()
            .contains("no [prometheus]"),
        "{o:?}"
    );
}

#[tokio::test]
async fn a_prometheus_that_never_answers_is_unknown_within_the_timeout() {
    let hang = Fake::start(|_| Reply::Hang).await;
    let o = eval(
        &with_prometheus(hang.url("/")),
        "{ promql = 'good_ratio < 0.01', timeout = \"300ms\" }",
    )
    .await;
    assert_eq!(o.result, CheckResult::Unknown);
    assert_eq!(o.reason.as_deref(), Some("no answer within 300 ms"));
}

#[tokio::test]
async fn http_checks_judge_the_status_and_the_json_body() {
    let app = Fake::start(|req| match req.path.as_str() {
        "/health" => Reply::json(
            200,
            r#"{"status":"healthy","version":"1.2.3","checks":{"db":"up"}}"#,
        ),
        "/degraded" => Reply::json(200, r#"{"status":"degraded","version":"1.2.3"}"#),
        "/down" => Reply::json(503, r#"{"status":"unavailable"}"#),
        "/html" => Reply::text(200, "<html>ok</html>"),
        "/hang" => Reply::Hang,
        _ => Reply::text(404, "not found"),
    })
    .await;
    let url = |p: &str| app.url(p).to_string();
    let checks = bare();
    let o = eval(
        &checks,
        &format!(
            r#"{{ http = "{}", json = ['status == "healthy"', "checks.db == up"] }}"#,
            url("/health")
        ),
    )
    .await;
    assert_eq!(
        (o.result, o.value.as_deref()),
        (CheckResult::Pass, Some("status 200")),
        "{o:?}"
    );

    let o = eval(
        &checks,
        &format!(
            r#"{{ http = "{}", json = ['status == "healthy"'] }}"#,
            url("/degraded")
        ),
    )
    .await;
    assert_eq!(o.result, CheckResult::Fail);
    assert_eq!(
        o.reason.as_deref(),
        Some(r#"status is "degraded", expected "healthy""#)
    );

    let o = eval(&checks, &format!(r#"{{ http = "{}" }}"#, url("/down"))).await;
    assert_eq!(o.result, CheckResult::Fail);
    assert_eq!(o.reason.as_deref(), Some("status 503, expected 200"));

    let o = eval(
        &checks,
        &format!(
            r#"{{ http = "{}", json = ["status == ok"] }}"#,
            url("/html")
        ),
    )
    .await;
    assert_eq!(o.result, CheckResult::Fail);
    assert!(
        o.reason
            .as_deref()
            .unwrap_or_default()
            .starts_with("body is not JSON"),
        "{o:?}"
    );

    // Nothing listening, or no answer: unknown, never a pass.
    let refused = closed_port_url("/health");
    let o = eval(&checks, &format!(r#"{{ http = "{refused}" }}"#)).await;
    assert_eq!(o.result, CheckResult::Unknown);
    assert!(
        o.reason
            .as_deref()
            .unwrap_or_default()
            .starts_with("connection refused ("),
        "{o:?}"
    );
    let o = eval(
        &checks,
        &format!(r#"{{ http = "{}", timeout = "300ms" }}"#, url("/hang")),
    )
    .await;
    assert_eq!(o.result, CheckResult::Unknown, "{o:?}");
}

#[tokio::test]
async fn command_checks_judge_the_exit_code_and_stdout() {
    let checks = bare();
    let o = eval(
        &checks,
        r#"{ command = ["sh", "-c", "echo ready"], stdout = "^ready$" }"#,
    )
    .await;
    assert_eq!(
        (o.result, o.value.as_deref()),
        (CheckResult::Pass, Some("exit 0"))
    );
    let o = eval(
        &checks,
        r#"{ command = ["sh", "-c", "echo 'disk full' >&2; exit 3"] }"#,
    )
    .await;
    assert_eq!(o.result, CheckResult::Fail);
    assert_eq!(o.reason.as_deref(), Some("exit 3, expected 0: disk full"));
    let o = eval(
        &checks,
        r#"{ command = ["sh", "-c", "echo waiting"], stdout = "^ready" }"#,
    )
    .await;
    assert_eq!(o.result, CheckResult::Fail);
    assert_eq!(
        o.reason.as_deref(),
        Some("stdout does not match /^ready/: waiting")
    );
    let o = eval(&checks, r#"{ command = ["sh", "-c", "exit 2"], exit = 2 }"#).await;
    assert_eq!(o.result, CheckResult::Pass);
    // A program that is not there, or does not finish: unknown.
    let o = eval(&checks, r#"{ command = ["/nonexistent/verify"] }"#).await;
    assert_eq!(o.result, CheckResult::Unknown);
    assert!(
        o.reason
            .as_deref()
            .unwrap_or_default()
            .starts_with("cannot start /nonexistent/verify"),
        "{o:?}"
    );
    let o = eval(
        &checks,
        r#"{ command = ["sleep", "30"], timeout = "300ms" }"#,
    )
    .await;
    assert_eq!(o.result, CheckResult::Unknown);
    assert_eq!(o.reason.as_deref(), Some("no answer within 300 ms"));
}

async fn simulator(scenario: Scenario) -> sim::Running {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let opts = SimOptions {
        scenario,
        pod_step: Duration::from_millis(40),
        tick: Duration::from_millis(20),
        ..SimOptions::default()
    };
    sim::start(&opts, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("simulator starts")
}

fn with_cluster(dir: &tempfile::TempDir, url: &str) -> ChecksSpec {
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, config_writer::kubeconfig(url)).expect("kubeconfig");
    let mut s = bare();
    s.kube = Some(KubeSpec {
        kubeconfig: Some(path),
        context: Some(config_writer::CONTEXT.to_string()),
        ..KubeSpec::new("demo")
    });
    s
}

/// Evaluates until `done` holds for the outcome (pods take a moment to start), or panics with
/// the last outcome.
async fn eventually(checks: &ChecksSpec, check: &str, done: impl Fn(&Outcome) -> bool) -> Outcome {
    let evaluator = Evaluator::new(checks);
    let spec = spec(check);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let o = evaluator.evaluate(&spec, Timestamp::now()).await;
        if done(&o) {
            return o;
        }
        assert!(tokio::time::Instant::now() < deadline, "{check}: {o:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn kube_checks_against_the_simulator() {
    let sim = simulator(Scenario::Healthy).await;
    let dir = tempfile::tempdir().expect("tmp");
    let checks = with_cluster(&dir, &sim.url());
    let pass = |o: &Outcome| o.result == CheckResult::Pass;
    let o = eventually(&checks, r#"{ kube = "deployment/app-blue" }"#, pass).await;
    assert_eq!(o.value.as_deref(), Some("3/3 available"));
    let o = eventually(
        &checks,
        r#"{ kube = "pods", selector = "app=app,version=green" }"#,
        pass,
    )
    .await;
    assert_eq!(o.value.as_deref(), Some("3/3 ready"));
    let o = eval(&checks, r#"{ kube = "deployment/app-green", ready = 2 }"#).await;
    assert_eq!(o.result, CheckResult::Pass, "{o:?}");

    let o = eval(&checks, r#"{ kube = "deployment/app-purple" }"#).await;
    assert_eq!(o.result, CheckResult::Fail);
    assert_eq!(
        o.reason.as_deref(),
        Some("deployment app-purple not found in demo")
    );
    let o = eval(&checks, r#"{ kube = "pods", selector = "version=purple" }"#).await;
    assert_eq!(o.result, CheckResult::Fail);
    assert_eq!(
        o.reason.as_deref(),
        Some("no pods match version=purple in demo")
    );
    let o = eval(
        &checks,
        r#"{ kube = "pods", selector = "version=blue", ready = 5 }"#,
    )
    .await;
    assert_eq!(
        (o.result, o.value.as_deref()),
        (CheckResult::Fail, Some("3/3 ready"))
    );

    // The API server gone: unknown, naming what could not be read.
    let gone = tempfile::tempdir().expect("tmp");
    let down = with_cluster(&gone, closed_port_url("").as_str().trim_end_matches('/'));
    let o = eval(&down, r#"{ kube = "deployment/app-blue" }"#).await;
    assert_eq!(o.result, CheckResult::Unknown, "{o:?}");
    assert!(
        o.reason
            .as_deref()
            .unwrap_or_default()
            .contains("deployment app-blue in demo"),
        "{o:?}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn crash_looping_pods_fail_their_check_with_the_reason() {
    let sim = simulator(Scenario::Crashloop).await;
    let dir = tempfile::tempdir().expect("tmp");
    let checks = with_cluster(&dir, &sim.url());
    let o = eventually(
        &checks,
        r#"{ kube = "pods", selector = "version=green" }"#,
        |o| {
            o.result == CheckResult::Fail
                && o.reason
                    .as_deref()
                    .is_some_and(|r| r.contains("CrashLoopBackOff"))
        },
    )
    .await;
    assert!(
        o.reason
            .as_deref()
            .unwrap_or_default()
            .starts_with("0 of 3 ready"),
        "{o:?}"
    );
    let o = eval(&checks, r#"{ kube = "deployment/app-green" }"#).await;
    assert_eq!(o.result, CheckResult::Fail, "{o:?}");
    sim.stop().await;
}
