//! Prometheus answers for the fakes, serialised with the crate's own wire types (the same
//! structs the simulator uses), and a ready-made fake whose values come from a closure.

use std::sync::Arc;

use warroom::metrics::Labels;
use warroom::prom::{
    AlertsData, ApiResponse, Data, ErrorType, InstantSample, PromTime, QueryResult, RangeSeries,
    Sample, SampleValue,
};

use super::{Fake, Reply, Request};

/// The signal a default-template query is for, told apart by its text.
pub fn signal_of(query: &str) -> &'static str {
    if query.contains("code=~") {
        "error_ratio"
    } else if query.contains("histogram_quantile(0.5,") {
        "latency_p50"
    } else if query.contains("histogram_quantile(0.95,") {
        "latency_p95"
    } else if query.contains("histogram_quantile(0.99,") {
        "latency_p99"
    } else {
        "throughput"
    }
}

/// The version a default-template query is for.
pub fn version_of(query: &str) -> String {
    query
        .split("version=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("")
        .to_string()
}

/// The `time` parameter in ms (0 if missing).
pub fn time_ms(req: &Request) -> i64 {
    req.param("time")
        .parse::<f64>()
        .map(|s| (s * 1000.0).round() as i64)
        .unwrap_or(0)
}

fn sample(at_ms: i64, value: &str) -> Sample {
    Sample {
        at: PromTime::from_millis(at_ms),
        value: SampleValue::parse(value).expect("a number"),
    }
}

/// A one-element vector `value` at `at_ms`.
pub fn vector(value: &str, at_ms: i64) -> ApiResponse {
    ApiResponse::success(Data::Query(QueryResult::Vector(vec![InstantSample {
        metric: Labels::new(),
        value: Some(sample(at_ms, value)),
        histogram: None,
    }])))
}

/// An empty vector.
pub fn empty_vector() -> ApiResponse {
    ApiResponse::success(Data::Query(QueryResult::Vector(Vec::new())))
}

/// A one-series matrix.
pub fn matrix(points: &[(i64, &str)]) -> ApiResponse {
    ApiResponse::success(Data::Query(QueryResult::Matrix(vec![RangeSeries {
        metric: Labels::new(),
        values: Some(points.iter().map(|(t, v)| sample(*t, v)).collect()),
        histograms: None,
    }])))
}

/// No active alerts.
pub fn no_alerts() -> ApiResponse {
    alerts_json("[]")
}

/// An alerts answer from the JSON of its `alerts` array.
pub fn alerts_json(alerts: &str) -> ApiResponse {
    let data: AlertsData =
        serde_json::from_str(&format!("{{\"alerts\":{alerts}}}")).expect("alerts json");
    ApiResponse::success(Data::Alerts(data))
}

/// One alert's JSON.
pub fn alert(name: &str, state: &str, severity: &str) -> String {
    format!(
        r#"{{"labels":{{"alertname":"{name}","severity":"{severity}"}},"annotations":{{"summary":"{name} is {state}"}},"state":"{state}","activeAt":"2026-11-24T15:00:00Z","value":"1e+00"}}"#
    )
}

/// The HTTP status Prometheus pairs with an error type.
pub fn status_of(t: &ErrorType) -> u16 {
    match t {
        ErrorType::BadData => 400,
        ErrorType::Execution => 422,
        ErrorType::Timeout | ErrorType::Canceled | ErrorType::Unavailable => 503,
        ErrorType::Internal => 500,
        ErrorType::NotFound => 404,
        ErrorType::NotAcceptable => 406,
        ErrorType::Other(_) => 500,
    }
}

/// An error answer as Prometheus sends it.
pub fn error_reply(t: ErrorType, message: &str) -> Reply {
    let status = status_of(&t);
    reply(status, &ApiResponse::error(t, message))
}

/// A JSON reply of an API response.
pub fn reply(status: u16, resp: &ApiResponse) -> Reply {
    Reply::json(status, serde_json::to_string(resp).expect("json"))
}

/// What an instant query answers: the signal name, version and request → a reply.
pub type Answer = dyn Fn(&str, &str, &Request) -> Reply + Send + Sync;

/// A fake Prometheus: instant queries answered by `answer`, range queries with a short
/// matrix, alerts with none.
pub async fn fake(answer: impl Fn(&str, &str, &Request) -> Reply + Send + Sync + 'static) -> Fake {
    let answer: Arc<Answer> = Arc::new(answer);
    Fake::start(move |req| match req.path.as_str() {
        "/api/v1/query" => {
            let q = req.param("query");
            answer(signal_of(q), &version_of(q), req)
        }
        "/api/v1/query_range" => {
            let end = (req.param("end").parse::<f64>().unwrap_or(0.0) * 1000.0) as i64;
            reply(200, &matrix(&[(end - 10_000, "0.5"), (end, "0.25")]))
        }
        "/api/v1/alerts" => reply(200, &no_alerts()),
        _ => Reply::text(404, "404 page not found\n"),
    })
    .await
}

/// A healthy answer: 1 % errors for blue, 2 % for green, 0.25 s latencies, 10 req/s.
pub fn healthy(signal: &str, version: &str, req: &Request) -> Reply {
    let v = match (signal, version) {
        ("error_ratio", "blue") => "0.01",
        ("error_ratio", _) => "0.02",
        ("throughput", _) => "10",
        _ => "0.25",
    };
    reply(200, &vector(v, time_ms(req)))
}
