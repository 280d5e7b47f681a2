//! `/metrics` in the Prometheus text exposition format (version 0.0.4) and the JSON that
//! `/health/live` and `/health/ready` answer.

use std::fmt::Write;

use serde_json::{Value, json};

use super::routing::Split;
use super::traffic::{BUCKETS, Traffic};

/// The exposition content type Prometheus expects.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

fn float(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

/// Renders every series.
pub fn render(traffic: &Traffic, split: &Split) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str("# HELP http_requests_total Requests served, by version and status code.\n");
    out.push_str("# TYPE http_requests_total counter\n");
    for (v, s) in &traffic.series {
        for (code, n) in &s.codes {
            let _ = writeln!(
                out,
                "http_requests_total{{version=\"{v}\",code=\"{code}\"}} {n}"
            );
        }
    }
    out.push_str("# HELP http_request_duration_seconds Request latency, by version.\n");
    out.push_str("# TYPE http_request_duration_seconds histogram\n");
    for (v, s) in &traffic.series {
        let mut cumulative = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            cumulative += s.buckets[i];
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{version=\"{v}\",le=\"{}\"}} {cumulative}",
                float(*b)
            );
        }
        let _ = writeln!(
            out,
            "http_request_duration_seconds_bucket{{version=\"{v}\",le=\"+Inf\"}} {}",
            s.count
        );
        let _ = writeln!(
            out,
            "http_request_duration_seconds_sum{{version=\"{v}\"}} {}",
            float(s.sum)
        );
        let _ = writeln!(
            out,
            "http_request_duration_seconds_count{{version=\"{v}\"}} {}",
            s.count
        );
    }
    out.push_str("# HELP sim_ready_pods Ready pods, by version.\n");
    out.push_str("# TYPE sim_ready_pods gauge\n");
    for (v, n) in &split.ready {
        let _ = writeln!(out, "sim_ready_pods{{version=\"{v}\"}} {n}");
    }
    out.push_str("# HELP sim_traffic_weight Share of requests routed to each version.\n");
    out.push_str("# TYPE sim_traffic_weight gauge\n");
    for (v, w) in &split.weights {
        let _ = writeln!(out, "sim_traffic_weight{{version=\"{v}\"}} {}", float(*w));
    }
    out
}

/// The health answer: 200 naming the release serving the bulk of traffic, or 503.
pub fn health(split: &Split) -> (u16, Value) {
    match split.bulk() {
        Some(colour) => {
            let release = split.releases.get(colour).cloned().unwrap_or_default();
            (
                200,
                json!({"status": "healthy", "version": release, "color": colour}),
            )
        }
        None => (
            503,
            json!({"status": "unavailable", "version": null, "reason": "no ready pod serves"}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::faults::Faults;

    #[test]
    fn exposition_has_counters_and_cumulative_buckets() {
        let mut t = Traffic::new(1, &["blue", "green"]);
        t.step(1000, &[("blue".into(), 1.0)], &Faults::new(100.0));
        let text = render(&t, &Split::default());
        assert!(text.contains("http_requests_total{version=\"blue\",code=\"200\"} 100\n"));
        assert!(text.contains("http_requests_total{version=\"green\",code=\"500\"} 0\n"));
        assert!(
            text.contains(
                "http_request_duration_seconds_bucket{version=\"blue\",le=\"+Inf\"} 100\n"
            )
        );
        assert!(text.contains("http_request_duration_seconds_count{version=\"blue\"} 100\n"));
        let (code, body) = health(&Split::default());
        assert_eq!(code, 503);
        assert_eq!(body["status"], "unavailable");
    }
}
