//! Traffic, metrics, health and faults of `warroom sim`: the same seed gives the same counts,
//! scenarios and `POST /sim/faults` change what /metrics and /health report, path faults slow
//! or fail any path, and `--write-config` writes what it promises.

mod support;

use std::time::{Duration, Instant};

use support::{SimProcess, eventually, http};

const LIMIT: Duration = Duration::from_secs(15);

fn advanced(seed: &str) -> String {
    let sim = SimProcess::start(&["--manual-clock", "--seed", seed]);
    let r = http::post_json(&format!("{}/sim/advance", sim.url), r#"{"ms": 10000}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    // Only the counters: they must be identical; timestamps are not part of the comparison.
    sim.metrics()
        .lines()
        .filter(|l| l.starts_with("http_request"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn same_seed_same_request_counts() {
    let a = advanced("42");
    let b = advanced("42");
    assert_eq!(a, b);
    assert_eq!(http::metric_sum(&a, "http_requests_total", &[]), 2000.0);
    let c = advanced("43");
    assert_ne!(a, c, "a different seed should give different latencies");
}

#[test]
fn bad_canary_errors_follow_the_route() {
    let sim = SimProcess::start(&["--scenario", "bad-canary", "--manual-clock"]);
    let url = &sim.url;
    let svc = format!("{url}/api/v1/namespaces/demo/services/app");
    let r = http::merge_patch(&svc, r#"{"spec":{"selector":{"version":null}}}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    http::post_json(&format!("{url}/sim/advance"), r#"{"ms": 20000}"#);
    let m = sim.metrics();
    let ratio = |v: &str| {
        let all = http::metric_sum(&m, "http_requests_total", &[("version", v)]);
        let bad = http::metric_sum(
            &m,
            "http_requests_total",
            &[("version", v), ("code", "500")],
        ) + http::metric_sum(
            &m,
            "http_requests_total",
            &[("version", v), ("code", "503")],
        );
        bad / all
    };
    assert!(
        (0.07..=0.09).contains(&ratio("green")),
        "green {}",
        ratio("green")
    );
    assert!(ratio("blue") < 0.001, "blue {}", ratio("blue"));
    // Switch the fault off at run time, by release number.
    let r = http::post_json(
        &format!("{url}/sim/faults"),
        r#"{"version":"1.2.3","fault":"none"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let before = http::metric_sum(
        &sim.metrics(),
        "http_requests_total",
        &[("version", "green"), ("code", "500")],
    );
    http::post_json(&format!("{url}/sim/advance"), r#"{"ms": 10000}"#);
    let after = http::metric_sum(
        &sim.metrics(),
        "http_requests_total",
        &[("version", "green"), ("code", "500")],
    );
    assert_eq!(before, after);
    let bad = http::post_json(&format!("{url}/sim/faults"), r#"{"fault":"errors"}"#);
    assert_eq!(bad.status, 400, "errors without a version must be refused");
}

#[test]
fn health_names_the_serving_release_and_fails_without_pods() {
    let sim = SimProcess::start(&["--pod-step-ms", "40", "--tick-ms", "20"]);
    let live = http::get(&format!("{}/health/live", sim.url));
    assert_eq!(live.status, 200);
    assert!(
        live.body.contains(r#""status":"healthy""#) && live.body.contains(r#""version":"1.2.2""#),
        "{}",
        live.body
    );
    let svc = format!("{}/api/v1/namespaces/demo/services/app", sim.url);
    http::merge_patch(&svc, r#"{"spec":{"selector":{"version":"none"}}}"#);
    let down = http::get(&format!("{}/health/ready", sim.url));
    assert_eq!(down.status, 503, "{}", down.body);
    // No one serves, so requests stop counting.
    let before = http::metric_sum(&sim.metrics(), "http_requests_total", &[]);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        before,
        http::metric_sum(&sim.metrics(), "http_requests_total", &[])
    );
    http::merge_patch(&svc, r#"{"spec":{"selector":{"version":"green"}}}"#);
    let up = http::get(&format!("{}/health/ready", sim.url));
    assert!(up.body.contains(r#""version":"1.2.3""#), "{}", up.body);
}

#[test]
fn crashloop_scenario_shows_in_pod_status() {
    let sim = SimProcess::start(&[
        "--scenario",
        "crashloop",
        "--pod-step-ms",
        "40",
        "--tick-ms",
        "20",
    ]);
    let pods = format!(
        "{}/api/v1/namespaces/demo/pods?labelSelector=version%3Dgreen",
        sim.url
    );
    eventually(
        LIMIT,
        "green pods in CrashLoopBackOff with restarts",
        || {
            let list: serde_json::Value = serde_json::from_str(&http::get(&pods).body).ok()?;
            let items = list["items"].as_array()?;
            items
                .iter()
                .all(|p| {
                    let c = &p["status"]["containerStatuses"][0];
                    c["restartCount"].as_u64().unwrap_or(0) >= 2
                        && c["lastState"]["terminated"]["reason"] == "Error"
                        && p["status"]["phase"] == "Running"
                })
                .then_some(())
        },
    );
    let list: serde_json::Value = serde_json::from_str(&http::get(&pods).body).expect("json");
    let waiting = list["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|p| {
                    p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
                        == "CrashLoopBackOff"
                })
                .count()
        })
        .unwrap_or(0);
    assert!(waiting >= 1, "{list}");
    // No progress for progressDeadlineSeconds: the rollout times out, as on a real cluster.
    let deploy = format!(
        "{}/apis/apps/v1/namespaces/demo/deployments/app-green",
        sim.url
    );
    let r = http::merge_patch(&deploy, r#"{"spec":{"progressDeadlineSeconds":1}}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    eventually(LIMIT, "Progressing=False ProgressDeadlineExceeded", || {
        let d: serde_json::Value = serde_json::from_str(&http::get(&deploy).body).ok()?;
        let conds = d["status"]["conditions"].as_array()?.clone();
        conds
            .iter()
            .any(|c| {
                c["type"] == "Progressing"
                    && c["status"] == "False"
                    && c["reason"] == "ProgressDeadlineExceeded"
            })
            .then_some(())
    });
}

#[test]
fn path_faults_slow_or_fail_any_path() {
    let sim = SimProcess::start(&[]);
    let faults = format!("{}/sim/faults", sim.url);
    let r = http::post_json(
        &faults,
        r#"{"path_prefix":"/api/v1/namespaces/demo/pods","status":500,"count":1}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let pods = format!("{}/api/v1/namespaces/demo/pods", sim.url);
    let failed = http::get(&pods);
    assert_eq!(failed.status, 500);
    assert!(
        failed.body.contains(r#""kind":"Status""#),
        "{}",
        failed.body
    );
    assert_eq!(
        http::get(&pods).status,
        200,
        "count 1 affects one request only"
    );
    http::post_json(&faults, r#"{"path_prefix":"/metrics","delay_ms":400}"#);
    let t = Instant::now();
    assert_eq!(http::get(&format!("{}/metrics", sim.url)).status, 200);
    assert!(t.elapsed() >= Duration::from_millis(400));
    let cleared = http::request("DELETE", &faults, "application/json", "").expect("delete");
    assert!(cleared.body.contains(r#""paths":[]"#), "{}", cleared.body);
}

#[test]
fn write_config_writes_three_files() {
    let sim = SimProcess::start(&["--routing", "httproute-weights"]);
    let toml_text = std::fs::read_to_string(sim.file("warroom.toml")).expect("warroom.toml");
    let cfg: toml::Value = toml::from_str(&toml_text).expect("valid TOML");
    assert_eq!(cfg["kubernetes"]["namespace"].as_str(), Some("demo"));
    assert_eq!(
        cfg["kubernetes"]["candidate"].as_str(),
        Some("deployment/app-green")
    );
    assert_eq!(
        cfg["traffic"]["strategy"].as_str(),
        Some("httproute-weights")
    );
    let target = format!("{}/metrics", sim.url);
    assert_eq!(cfg["scrape"]["targets"][0].as_str(), Some(target.as_str()));
    let kubeconfig = std::fs::read_to_string(sim.kubeconfig()).expect("kubeconfig");
    assert!(
        kubeconfig.contains(&format!("server: {}", sim.url))
            && kubeconfig.contains("namespace: demo")
    );
    let prom = std::fs::read_to_string(sim.file("prometheus.yml")).expect("prometheus.yml");
    assert!(
        prom.contains("scrape_interval: 1s")
            && prom.contains(sim.url.trim_start_matches("http://"))
    );
    // The weights route traffic: 100/0 sends everything to blue.
    let route = format!(
        "{}/apis/gateway.networking.k8s.io/v1/namespaces/demo/httproutes/app",
        sim.url
    );
    let r = http::merge_patch(
        &route,
        r#"{"spec":{"rules":[{"backendRefs":[{"name":"app-blue","port":80,"weight":0},{"name":"app-green","port":80,"weight":100}]}]}}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    eventually(LIMIT, "traffic on green only", || {
        let (b0, g0) = (sim.requests("blue"), sim.requests("green"));
        std::thread::sleep(Duration::from_millis(300));
        (sim.requests("blue") == b0 && sim.requests("green") > g0).then_some(())
    });
}
