//! PromQL checks against a real `prometheus` scraping the in-process simulator's `/metrics`
//! (scenario bad-canary, the Service selecting both versions): the stable version's
//! error ratio passes `< 0.01`, the candidate's 8 % fails it, and a series nobody exports is
//! unknown ("no data"), never a pass.
//!
//! Needs `prometheus` on PATH (or `PROMETHEUS_BIN`); without it the test prints a skip message
//! (and fails under CI).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fakes;

use std::net::SocketAddr;
use std::time::Duration;

use fakes::prom_process::{PromProcess, find_prometheus};
use jiff::Timestamp;
use warroom::checks::{ChecksSpec, Evaluator, Outcome};
use warroom::event::CheckResult;
use warroom::runbook::check::Spec;
use warroom::runbook::{Format, parse_str};
use warroom::sim::{self, RoutingMode, Scenario, SimOptions};
use warroom::sources::PrometheusSpec;

fn spec(promql: &str) -> Spec {
    let text = format!(
        "title = \"r\"\n[[stage]]\nid = \"s\"\ntitle = \"S\"\n[[stage.item]]\nid = \"i\"\ntext = \"t\"\ncheck = {{ promql = '{promql}' }}\n"
    );
    let rb = parse_str(&text, Format::Toml, "rb.toml").unwrap_or_else(|e| panic!("{e:?}"));
    rb.stages[0].items[0]
        .check
        .clone()
        .expect("check")
        .spec()
        .expect("valid")
}

fn ratio(version: &str) -> String {
    format!(
        r#"sum(rate(http_requests_total{{version="{version}",code=~"5.."}}[10s])) / sum(rate(http_requests_total{{version="{version}"}}[10s]))"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promql_checks_against_a_real_prometheus_scraping_the_simulator() {
    let Some(bin) = find_prometheus() else {
        fakes::tool::missing(
            "promql_checks_against_a_real_prometheus_scraping_the_simulator",
            "no `prometheus` on PATH and PROMETHEUS_BIN unset",
        );
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let opts = SimOptions {
        scenario: Scenario::BadCanary,
        routing: RoutingMode::ServiceSelector,
        pod_step: Duration::from_millis(40),
        tick: Duration::from_millis(20),
        ..SimOptions::default()
    };
    let running = sim::start(&opts, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("simulator");
    // Route to both colours: the Service then selects `app=app` only, split by ready pods.
    let client = kube::Client::try_from(kube::Config::new(running.url().parse().expect("url")))
        .expect("client");
    let services: kube::Api<k8s_openapi::api::core::v1::Service> =
        kube::Api::namespaced(client, "demo");
    services
        .patch(
            "app",
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(serde_json::json!({"spec": {"selector": {"version": null}}})),
        )
        .await
        .expect("patch the Service");
    let mut prom = PromProcess::start(&bin, "warroom-sim", &[running.addr], Duration::from_secs(1));
    let mut checks = ChecksSpec::from_config(None);
    checks.prometheus = Some(PrometheusSpec::new(
        reqwest::Url::parse(&prom.base()).expect("url"),
        Vec::new(),
        Duration::from_secs(1),
        Duration::from_secs(2),
    ));
    let evaluator = Evaluator::new(&checks);
    let stable = spec(&format!("{} < 0.01", ratio("blue")));
    let candidate = spec(&format!("{} < 0.01", ratio("green")));
    let absent = spec("sum(rate(no_such_metric_total[10s])) < 1");

    // Prometheus needs a moment to start and two scrapes in the window; until then the checks
    // are unknown, and they must never pass on the way.
    let mut last: (Outcome, Outcome) = (Outcome::unknown("-"), Outcome::unknown("-"));
    for _ in 0..90 {
        prom.assert_running();
        let now = Timestamp::now();
        let b = evaluator.evaluate(&stable, now).await;
        let g = evaluator.evaluate(&candidate, now).await;
        assert_ne!(g.result, CheckResult::Pass, "8 % errors never pass: {g:?}");
        if b.result != CheckResult::Unknown && g.result != CheckResult::Unknown {
            last = (b, g);
            break;
        }
        last = (b, g);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (b, g) = last;
    assert_eq!(b.result, CheckResult::Pass, "stable: {b:?}\n{}", prom.log());
    assert_eq!(g.result, CheckResult::Fail, "candidate: {g:?}");
    let v: f64 = g
        .value
        .as_deref()
        .unwrap_or_default()
        .parse()
        .expect("a number");
    assert!((0.06..=0.10).contains(&v), "candidate error ratio {v}");

    let o = evaluator.evaluate(&absent, Timestamp::now()).await;
    assert_eq!(o.result, CheckResult::Unknown, "{o:?}");
    assert_eq!(o.reason.as_deref(), Some("no data"));
    running.stop().await;
}
