//! Pure conversions for the Prometheus source: query answers → samples, series and alert rows,
//! and errors → the messages recorded in `SourceFailed`.

use std::time::Duration;

use jiff::Timestamp;

use crate::event::{AlertRow, AlertState, Sample, Series, Signal};
use crate::metrics::Unknown;
use crate::prom::{
    AlertsData, ApiResponse, ErrorType, Expect, QueryError, QueryTemplates, to_reading, to_series,
};
use crate::sources::sample::{round_significant, to_sample};

/// How a signal's value is read: NaN in the error ratio is 0/0, no traffic.
pub fn expect_of(signal: Signal) -> Expect {
    match signal {
        Signal::ErrorRatio => Expect::Ratio,
        _ => Expect::Value,
    }
}

/// The template of a signal.
pub fn template_of(t: &QueryTemplates, signal: Signal) -> &str {
    match signal {
        Signal::ErrorRatio => &t.error_ratio,
        Signal::LatencyP50 => &t.latency_p50,
        Signal::LatencyP95 => &t.latency_p95,
        Signal::LatencyP99 => &t.latency_p99,
        Signal::Throughput => &t.throughput,
    }
}

/// The sample of an instant query evaluated at `at`: a value, or Unknown with the reason and
/// the raw string (NaN, ±Inf, empty, stale, warnings never become a number).
pub fn sample_of(
    signal: Signal,
    version: &str,
    resp: &ApiResponse,
    at: Timestamp,
    max_age: Duration,
) -> Sample {
    let obs = to_reading(resp, expect_of(signal), at, max_age);
    let raw = obs.reading.unknown().and(obs.raw.as_deref());
    to_sample(signal, version, &obs.reading, raw)
}

/// The sample of a signal whose query is a configuration error: Unknown, with the message.
pub fn bad_query_sample(signal: Signal, version: &str, message: &str) -> Sample {
    Sample::unknown(signal, version, message)
}

/// The backfill series of a range query. Unknown points are `None`; a result with warnings
/// may have holes nobody can see, so all its points are `None` too (RELIABILITY.md rule 1).
pub fn series_of(signal: Signal, version: &str, resp: &ApiResponse) -> Result<Series, Unknown> {
    let range = to_series(resp, expect_of(signal))?;
    let trusted = range.warnings.is_empty();
    let points = match range.series.as_slice() {
        [] => Vec::new(),
        [one] => one
            .points
            .iter()
            .map(|p| {
                let v = p.reading.value().filter(|_| trusted);
                (p.at.as_millis(), v.map(round_significant))
            })
            .collect(),
        many => {
            return Err(Unknown::Malformed(format!(
                "expected one series, got {}; aggregate the query (e.g. sum(...))",
                many.len()
            )));
        }
    };
    Ok(Series {
        signal,
        version: version.to_string(),
        points,
    })
}

/// The alerts of `/api/v1/alerts` as rows, in a stable order so a changed set is a real change.
pub fn alert_rows(data: &AlertsData) -> Vec<AlertRow> {
    let mut rows: Vec<AlertRow> = data
        .alerts
        .iter()
        .map(|a| AlertRow {
            name: a.name().to_string(),
            state: AlertState::from_prometheus(&a.state),
            severity: a.labels.get("severity").cloned(),
            summary: a.annotations.get("summary").cloned(),
            active_at: a.active_at,
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.name, &a.state, &a.severity, &a.summary, a.active_at).cmp(&(
            &b.name,
            &b.state,
            &b.severity,
            &b.summary,
            b.active_at,
        ))
    });
    rows
}

/// Whether an error means the query itself is wrong (`bad_data`, HTTP 400): retrying cannot
/// help, only a config change can.
pub fn is_bad_query(e: &QueryError) -> bool {
    match e {
        QueryError::Api { error_type, .. } => *error_type == ErrorType::BadData,
        QueryError::Http { status, .. } => *status == 400,
        _ => false,
    }
}

/// The message for a query that Prometheus refused as bad.
pub fn bad_query_message(signal: Signal, e: &QueryError) -> String {
    let detail = match e {
        QueryError::Api { message, .. } => message.clone(),
        QueryError::Http { snippet, .. } => snippet.clone(),
        other => other.to_string(),
    };
    format!(
        "bad query for {}: {detail}; fix [prometheus.queries] in warroom.toml",
        signal.name()
    )
}

/// The message of a failed request, naming the errorType and error text
/// ("prometheus: execution: many-to-many matching not allowed"), the HTTP status, or the
/// transport problem ("connection refused (http://127.0.0.1:9/api/v1/query)").
pub fn failure_message(e: &QueryError) -> String {
    match e {
        QueryError::Api {
            error_type,
            message,
            ..
        } => format!("prometheus: {error_type}: {message}"),
        QueryError::Http {
            status: 401,
            snippet,
            ..
        } => format!(
            "prometheus: HTTP 401 unauthorized (check [prometheus] bearer_token_file): {snippet}"
        ),
        QueryError::Http {
            status, snippet, ..
        } => format!("prometheus: HTTP {status}: {snippet}"),
        QueryError::Malformed(m) => format!("prometheus: malformed response: {m}"),
        QueryError::TooLarge { len, limit } => {
            format!("prometheus: response of {len} bytes is over the {limit}-byte cap")
        }
        QueryError::Transport(m) => m.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_error_type() {
        let e = QueryError::Api {
            http_status: 422,
            error_type: ErrorType::Execution,
            message: "many-to-many matching not allowed".into(),
        };
        assert_eq!(
            failure_message(&e),
            "prometheus: execution: many-to-many matching not allowed"
        );
        let bad = QueryError::Api {
            http_status: 400,
            error_type: ErrorType::BadData,
            message: "parse error".into(),
        };
        assert!(is_bad_query(&bad) && !is_bad_query(&e));
        assert_eq!(
            bad_query_message(Signal::ErrorRatio, &bad),
            "bad query for error_ratio: parse error; fix [prometheus.queries] in warroom.toml"
        );
    }
}
