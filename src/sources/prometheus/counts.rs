//! The request counters the canary verdict counts, read from Prometheus at each poll: per
//! version the cumulative requests, the 5xx among them and the latency histogram's buckets,
//! evaluated at the poll's time like its signals. They become the same `CountsObserved` row
//! the scrape source records (`metrics::counter_rows`), so the verdict reads either alike.

use std::collections::BTreeMap;

use crate::event::CounterRow;
use crate::prom::{ApiResponse, QueryResult};

/// The three counter queries of one version, in the order `row` takes their answers.
#[derive(Debug, Clone)]
pub struct VersionQueries {
    /// The version label's value.
    pub version: String,
    /// `requests`, `errors` and `latency_buckets`, rendered for it.
    pub promql: [String; 3],
}

/// The answers' values, or why the version has no row this poll.
fn values(resp: &ApiResponse) -> Result<Vec<(Option<&str>, f64)>, &'static str> {
    let Some(QueryResult::Vector(v)) = resp.query() else {
        return Err("not an instant vector");
    };
    v.iter()
        .map(|s| {
            let value = s
                .value
                .as_ref()
                .map(|x| x.value.value())
                .ok_or("no float value")?;
            // A counter is finite and never negative; anything else is not a count.
            if !(value.is_finite() && value >= 0.0) {
                return Err("not a count");
            }
            Ok((s.metric.get("le").map(String::as_str), value))
        })
        .collect()
}

/// One version's row from its three answers, or `None` when it cannot be counted this poll:
/// no request series at all (the version is not serving, or not yet scraped), a value that is
/// not a count, or a result that is not an instant vector. No 5xx series means no 5xx served;
/// no bucket series means no histogram (the latency test then has nothing to judge).
pub fn row(version: &str, answers: [&ApiResponse; 3]) -> Option<CounterRow> {
    let [requests, errors, buckets] = answers;
    let requests = values(requests).ok()?;
    if requests.is_empty() {
        return None;
    }
    let errors = values(errors).ok()?;
    let mut by_le: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for (le, n) in values(buckets).ok()? {
        let le: f64 = le?.parse().ok()?;
        if le.is_nan() {
            return None;
        }
        by_le.entry(le.to_bits()).or_insert((le, 0.0)).1 += n;
    }
    let mut bounds: Vec<(f64, f64)> = by_le.into_values().collect();
    bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
    // The histogram counts only with its `+Inf` bucket, as it is exposed.
    let (le, buckets) = if bounds.last().is_some_and(|b| b.0 == f64::INFINITY) {
        (
            bounds[..bounds.len() - 1].iter().map(|b| b.0).collect(),
            bounds.iter().map(|b| b.1).collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Some(CounterRow {
        version: version.to_string(),
        requests: requests.iter().map(|r| r.1).sum(),
        errors: errors.iter().map(|r| r.1).sum(),
        le,
        buckets,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn vector(rows: &[(&str, &str)]) -> ApiResponse {
        let result: Vec<serde_json::Value> = rows
            .iter()
            .map(|(le, v)| {
                let metric = if le.is_empty() {
                    serde_json::json!({})
                } else {
                    serde_json::json!({ "le": le })
                };
                serde_json::json!({ "metric": metric, "value": [1_764_000_000.0, v] })
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "status": "success",
            "data": { "resultType": "vector", "result": result }
        }))
        .expect("an answer")
    }

    #[test]
    fn a_version_with_requests_errors_and_a_histogram() {
        let r = row(
            "green",
            [
                &vector(&[("", "1000")]),
                &vector(&[("", "80")]),
                &vector(&[("+Inf", "1000"), ("0.1", "600"), ("0.5", "950")]),
            ],
        )
        .expect("a row");
        assert_eq!(r.requests, 1000.0);
        assert_eq!(r.errors, 80.0);
        assert_eq!(r.le, vec![0.1, 0.5]);
        assert_eq!(r.buckets, vec![600.0, 950.0, 1000.0]);
    }

    #[test]
    fn no_errors_served_is_zero_and_no_requests_is_no_row() {
        let r = row("blue", [&vector(&[("", "5")]), &vector(&[]), &vector(&[])]).expect("a row");
        assert_eq!((r.requests, r.errors), (5.0, 0.0));
        assert!(r.le.is_empty() && r.buckets.is_empty());
        assert!(row("blue", [&vector(&[]), &vector(&[]), &vector(&[])]).is_none());
    }

    #[test]
    fn what_is_not_a_count_leaves_the_version_out() {
        let ok = vector(&[("", "5")]);
        for bad in ["NaN", "+Inf", "-1"] {
            assert!(
                row("v", [&vector(&[("", bad)]), &ok, &ok]).is_none(),
                "{bad}"
            );
            assert!(
                row("v", [&ok, &vector(&[("", bad)]), &ok]).is_none(),
                "{bad}"
            );
        }
        // A bucket without a bound, or with one that is not a number.
        assert!(row("v", [&ok, &ok, &vector(&[("", "5")])]).is_none());
        assert!(row("v", [&ok, &ok, &vector(&[("fast", "5")])]).is_none());
        // No `+Inf` bucket: requests still count, latency does not.
        let r = row("v", [&ok, &ok, &vector(&[("0.1", "5")])]).expect("a row");
        assert!(r.le.is_empty());
    }
}
