//! Per-version signals from direct-scrape history, matching the default Prometheus queries:
//! error ratio `sum(rate(5xx)) / sum(rate(all))`, latency `histogram_quantile(q, sum by (le)
//! (rate(bucket)))` for p50/p95/p99, and throughput `sum(rate(all))` in requests per second.

use std::collections::BTreeMap;
use std::time::Duration;

use super::history::History;
use super::quantile::{Bucket, bucket_quantile};
use super::rate::rate;
use super::reading::{Reading, Unknown, ratio};

/// Which metrics and labels the signals come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalConfig {
    /// Request counter (`http_requests_total`).
    pub requests_metric: String,
    /// Status code label on the counter (`code`); values `5..` count as errors.
    pub code_label: String,
    /// Latency histogram buckets (`http_request_duration_seconds_bucket`).
    pub duration_buckets_metric: String,
    /// Label telling versions apart (`version`).
    pub version_label: String,
    /// Rate window.
    pub window: Duration,
}

impl Default for SignalConfig {
    fn default() -> Self {
        Self {
            requests_metric: "http_requests_total".into(),
            code_label: "code".into(),
            duration_buckets_metric: "http_request_duration_seconds_bucket".into(),
            version_label: "version".into(),
            window: Duration::from_secs(60),
        }
    }
}

/// The signals of one version at one evaluation time.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionSignals {
    /// Share of 5xx responses (0..=1).
    pub error_ratio: Reading,
    /// Median latency, seconds.
    pub latency_p50: Reading,
    /// 95th percentile latency, seconds.
    pub latency_p95: Reading,
    /// 99th percentile latency, seconds.
    pub latency_p99: Reading,
    /// Requests per second.
    pub throughput: Reading,
}

fn is_5xx(code: &str) -> bool {
    // The PromQL matcher `code=~"5.."`: anchored, exactly three characters.
    code.len() == 3 && code.starts_with('5')
}

/// Signals per version (keyed by the version label's value, "" for series without it) at
/// `eval_ms`. A version seen in the
/// history with fewer than two samples in the window reads `NoData`; a version with no
/// requests reads `NoTraffic` for the ratio and the quantiles.
pub fn derive_signals(
    history: &History,
    cfg: &SignalConfig,
    eval_ms: i64,
) -> BTreeMap<String, VersionSignals> {
    #[derive(Default)]
    struct Acc {
        total: Option<f64>,
        errors: f64,
        buckets: BTreeMap<u64, Bucket>,
    }
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    let version_of =
        |labels: &super::Labels| labels.get(&cfg.version_label).cloned().unwrap_or_default();

    for (key, points) in history.select(&cfg.requests_metric) {
        let entry = acc.entry(version_of(&key.labels)).or_default();
        if let Some(r) = rate(points, eval_ms, cfg.window) {
            *entry.total.get_or_insert(0.0) += r;
            if key.labels.get(&cfg.code_label).is_some_and(|c| is_5xx(c)) {
                entry.errors += r;
            }
        }
    }
    for (key, points) in history.select(&cfg.duration_buckets_metric) {
        let entry = acc.entry(version_of(&key.labels)).or_default();
        let Some(le) = key.labels.get("le").and_then(|le| le.parse::<f64>().ok()) else {
            continue;
        };
        if let Some(r) = rate(points, eval_ms, cfg.window) {
            // `sum by (le)`: bounds are keyed by their bits so equal bounds add up.
            let b = entry.buckets.entry(le.to_bits()).or_insert(Bucket {
                upper_bound: le,
                count: 0.0,
            });
            b.count += r;
        }
    }

    acc.into_iter()
        .map(|(version, a)| {
            let (error_ratio, throughput) = match a.total {
                None => (no_data(), no_data()),
                Some(total) => (
                    ratio(&Reading::Value(a.errors), &Reading::Value(total)),
                    Reading::Value(total),
                ),
            };
            let buckets: Vec<Bucket> = a.buckets.into_values().collect();
            let q = |q: f64| latency(q, &buckets);
            let signals = VersionSignals {
                error_ratio,
                latency_p50: q(0.5),
                latency_p95: q(0.95),
                latency_p99: q(0.99),
                throughput,
            };
            (version, signals)
        })
        .collect()
}

fn no_data() -> Reading {
    Reading::Unknown(Unknown::NoData)
}

/// A quantile as a reading: NaN from zero observations is no traffic; NaN from a histogram
/// without a +Inf bucket is malformed.
fn latency(q: f64, buckets: &[Bucket]) -> Reading {
    if buckets.is_empty() {
        // No bucket series, or none with two samples in the window yet.
        return no_data();
    }
    let v = bucket_quantile(q, buckets.to_vec());
    if !v.is_nan() {
        return Reading::from_f64(v, &v.to_string());
    }
    match buckets.iter().find(|b| b.upper_bound == f64::INFINITY) {
        None => Reading::Unknown(Unknown::Malformed(
            "histogram has no le=\"+Inf\" bucket".into(),
        )),
        Some(inf) if inf.count == 0.0 => Reading::Unknown(Unknown::NoTraffic { raw: "NaN".into() }),
        Some(_) => Reading::Unknown(Unknown::NotANumber { raw: "NaN".into() }),
    }
}
