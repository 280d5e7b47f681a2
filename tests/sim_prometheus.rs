//! A real Prometheus scrapes `warroom sim` with the written `prometheus.yml` and computes the
//! scenario's error ratio per version. One Prometheus for this whole test binary.

mod support;

use std::time::Duration;

use support::prometheus::Prometheus;
use support::{SimProcess, eventually, http};

/// Reads the sample value of an instant-vector element.
fn value(sample: &serde_json::Value) -> f64 {
    sample["value"][1]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::NAN)
}

#[test]
fn prometheus_sees_the_bad_canary_error_ratio() {
    let sim = SimProcess::start(&["--scenario", "bad-canary"]);
    // Route to both colours first: the Service selects `app=app` only, so ready pods split it.
    let svc = format!("{}/api/v1/namespaces/demo/services/app", sim.url);
    let r = http::merge_patch(&svc, r#"{"spec":{"selector":{"version":null}}}"#);
    assert_eq!(r.status, 200, "{}", r.body);
    let Some(prom) = Prometheus::start(&sim.file("prometheus.yml")) else {
        return;
    };
    let rates = eventually(
        Duration::from_secs(60),
        "rate(http_requests_total[10s]) to have data",
        || {
            let r = prom.query("rate(http_requests_total[10s])");
            (!r.is_empty()).then_some(r)
        },
    );
    assert!(
        rates.iter().any(|s| s["metric"]["version"] == "green"),
        "{rates:?}"
    );
    let ratio = r#"sum by (version) (rate(http_requests_total{code=~"5.."}[10s])) / sum by (version) (rate(http_requests_total[10s]))"#;
    let (blue, green) = eventually(
        Duration::from_secs(60),
        "an error ratio per version",
        || {
            let r = prom.query(ratio);
            let of = |v: &str| r.iter().find(|s| s["metric"]["version"] == v).map(value);
            match (of("blue"), of("green")) {
                (Some(b), Some(g)) if b.is_finite() && g.is_finite() => Some((b, g)),
                _ => None,
            }
        },
    );
    assert!((0.06..=0.10).contains(&green), "green error ratio {green}");
    assert!(blue < 0.01, "blue error ratio {blue}");
    let p99 = prom.query(r#"histogram_quantile(0.99, sum by (le, version) (rate(http_request_duration_seconds_bucket[10s])))"#);
    assert!(
        p99.iter().any(|s| value(s) > 0.0 && value(s) < 1.0),
        "{p99:?}"
    );
}
