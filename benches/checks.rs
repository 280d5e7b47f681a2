//! Check evaluation cost per poll, for docs/benchmarks.md:
//! 1. deciding which checks run: `checks::plan_keys`, which the loop does after every applied
//!    batch and clock tick, and `checks::plan` (parsing each check), only when those change; a
//!    500-item runbook whose current stage holds 20 checks;
//! 2. one round of the checks source: 8 PromQL checks against a loopback Prometheus fake,
//!    8 HTTP checks against a loopback health fake, 3 Kubernetes checks against the
//!    in-process simulator and 1 command (`true`), evaluated together as the source does, and
//!    the recording decision for each.
//!
//! `cargo bench --bench checks`.

#[path = "../tests/fakes/mod.rs"]
mod fakes;

use std::net::SocketAddr;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use fakes::prom::{reply, time_ms, vector};
use fakes::{Fake, Reply};
use futures::future::join_all;
use jiff::Timestamp;
use warroom::checks::{ChecksSpec, Evaluator, Memory, plan, plan_keys};
use warroom::event::{Actor, Envelope, Event, LOG_VERSION};
use warroom::reduce::reduce;
use warroom::runbook::check::Spec;
use warroom::runbook::{Format, Runbook, parse_str};
use warroom::sim::{self, SimOptions, config_writer};
use warroom::sources::PrometheusSpec;
use warroom::sources::kube::KubeSpec;
use warroom::state::State;

/// A runbook of 25 stages of 20 items; the first stage's items all carry checks.
fn runbook() -> Runbook {
    let mut text = String::from("title = \"bench\"\n");
    for s in 0..25 {
        text += &format!(
            "\n[[stage]]\nid = \"s{s}\"\ntitle = \"Stage {s}\"\noffset = \"-{}h\"\n",
            25 - s
        );
        for i in 0..20 {
            text += &format!("\n[[stage.item]]\nid = \"s{s}-i{i}\"\ntext = \"item {i}\"\n");
            if s == 0 {
                text += &format!(
                    "check = {{ promql = 'sum(rate(http_requests_total{{code=~\"5..\",n=\"{i}\"}}[5m])) < 0.01 for 10m' }}\n"
                );
            }
        }
    }
    parse_str(&text, Format::Toml, "bench.toml").expect("runbook")
}

fn started(rb: Runbook) -> (State, Timestamp) {
    let t0: Timestamp = "2026-11-24T15:00:00Z".parse().expect("ts");
    let mut s = State::default();
    let env = Envelope {
        v: LOG_VERSION,
        seq: 1,
        at: t0,
        session: "b".into(),
        actor: Actor::default(),
        event: Event::SessionStarted {
            app_version: "bench".into(),
            runbook_path: "bench.toml".into(),
            runbook_sha256: "00".into(),
            runbook: rb,
            t0: Some(t0),
            deployment: None,
            config: None,
        },
        prev: String::new(),
        hash: "h".into(),
    };
    reduce(&mut s, &env);
    // The first stage (T-25h) is current a minute after it started.
    (
        s,
        t0 - jiff::SignedDuration::from_hours(25) + jiff::SignedDuration::from_mins(1),
    )
}

fn spec_of(check: &str) -> Spec {
    let text = format!(
        "title = \"r\"\n[[stage]]\nid = \"s\"\ntitle = \"S\"\n[[stage.item]]\nid = \"i\"\ntext = \"t\"\ncheck = {check}\n"
    );
    let rb = parse_str(&text, Format::Toml, "rb.toml").expect("check");
    rb.stages[0].items[0]
        .check
        .clone()
        .expect("check")
        .spec()
        .expect("valid")
}

fn bench(c: &mut Criterion) {
    let (state, now) = started(runbook());
    assert_eq!(plan(&state, now).len(), 20);
    c.bench_function(
        "plan keys (every loop turn): 500 items, 20 checks current",
        |b| {
            b.iter(|| plan_keys(&state, now));
        },
    );
    c.bench_function("plan (when the keys change): 20 checks parsed", |b| {
        b.iter(|| plan(&state, now));
    });

    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (prom, app, sim, dir) = rt.block_on(async {
        let prom = Fake::start(|req| match req.path.as_str() {
            "/api/v1/query" => reply(200, &vector("0.004", time_ms(req))),
            _ => Reply::text(404, "not found"),
        })
        .await;
        let app =
            Fake::start(|_| Reply::json(200, r#"{"status":"healthy","version":"1.2.3"}"#)).await;
        let opts = SimOptions {
            pod_step: Duration::from_millis(40),
            tick: Duration::from_millis(20),
            ..SimOptions::default()
        };
        let sim = sim::start(&opts, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("sim");
        let dir = tempfile::tempdir().expect("dir");
        (prom, app, sim, dir)
    });
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, config_writer::kubeconfig(&sim.url())).expect("kubeconfig");
    let mut checks = ChecksSpec::from_config(None);
    checks.prometheus = Some(PrometheusSpec::new(
        prom.url("/"),
        Vec::new(),
        Duration::from_secs(10),
        Duration::from_secs(5),
    ));
    checks.kube = Some(KubeSpec {
        kubeconfig: Some(kubeconfig),
        context: Some(config_writer::CONTEXT.to_string()),
        ..KubeSpec::new("demo")
    });
    let mut specs: Vec<Spec> = Vec::new();
    for i in 0..8 {
        specs.push(spec_of(&format!(
            "{{ promql = 'sum(rate(http_requests_total{{n=\"{i}\"}}[5m])) < 0.01 for 10m' }}"
        )));
        specs.push(spec_of(&format!(
            r#"{{ http = "{}", json = ['status == "healthy"'] }}"#,
            app.url(&format!("/health/{i}"))
        )));
    }
    specs.push(spec_of(r#"{ kube = "deployment/app-blue" }"#));
    specs.push(spec_of(r#"{ kube = "deployment/app-green", ready = 3 }"#));
    specs.push(spec_of(
        r#"{ kube = "pods", selector = "app=app,version=green" }"#,
    ));
    specs.push(spec_of(r#"{ command = ["true"] }"#));
    let evaluator = Evaluator::new(&checks);
    let mut memory = vec![Memory::default(); specs.len()];
    // Warm the clients (the Kubernetes client is built on first use) and wait for the pods.
    rt.block_on(async {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let at = Timestamp::now();
            let round = join_all(specs.iter().map(|s| evaluator.evaluate(s, at))).await;
            if round
                .iter()
                .all(|o| o.result == warroom::event::CheckResult::Pass)
            {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{round:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    c.bench_function("round: 8 promql + 8 http + 3 kube + 1 command", |b| {
        b.iter(|| {
            rt.block_on(async {
                let at = Timestamp::now();
                let round = join_all(specs.iter().map(|s| evaluator.evaluate(s, at))).await;
                let mut recorded = 0;
                for ((o, m), s) in round.iter().zip(memory.iter_mut()).zip(&specs) {
                    recorded += usize::from(m.note(o, at, s.hold));
                }
                recorded
            })
        });
    });
    rt.block_on(sim.stop());
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(10));
    targets = bench
}
criterion_main!(benches);
