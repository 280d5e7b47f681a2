//! Each version's request counters as they stand in one scrape of every target, summed over
//! series (`sum by (version)`): the cumulative counts the canary verdict differences poll by
//! poll. Unlike the signals, nothing here is a rate: the verdict's tests count requests.

use std::collections::BTreeMap;

use super::exposition::Exposition;
use super::signal::SignalConfig;
use crate::event::CounterRow;

#[derive(Default)]
struct Acc {
    requests: f64,
    errors: f64,
    /// `le` (by its bits, so equal bounds add up) → (bound, cumulative count).
    buckets: BTreeMap<u64, (f64, f64)>,
    broken: bool,
}

fn is_5xx(code: &str) -> bool {
    code.len() == 3 && code.starts_with('5')
}

/// The counters of every version seen in `scrapes` (one exposition per target, all read in
/// the same attempt). A version whose counters hold a NaN, an infinity or a negative value is
/// left out: it has no usable reading this time. Series without the version label are left
/// out too (they cannot be told apart). The histogram is kept only when it has a `+Inf`
/// bucket; its finite bounds go to `le`.
pub fn counter_rows<'a>(
    scrapes: impl IntoIterator<Item = &'a Exposition>,
    cfg: &SignalConfig,
) -> Vec<CounterRow> {
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    for e in scrapes {
        for s in &e.samples {
            let is_requests = s.name == cfg.requests_metric;
            let is_bucket = s.name == cfg.duration_buckets_metric;
            if !is_requests && !is_bucket {
                continue;
            }
            let Some(version) = s.labels.get(&cfg.version_label).filter(|v| !v.is_empty()) else {
                continue;
            };
            let a = acc.entry(version.clone()).or_default();
            if !(s.value.is_finite() && s.value >= 0.0) {
                a.broken = true;
                continue;
            }
            if is_requests {
                a.requests += s.value;
                if s.labels.get(&cfg.code_label).is_some_and(|c| is_5xx(c)) {
                    a.errors += s.value;
                }
            } else if let Some(le) = s.labels.get("le").and_then(|le| le.parse::<f64>().ok()) {
                let b = a.buckets.entry(le.to_bits()).or_insert((le, 0.0));
                b.1 += s.value;
            }
        }
    }
    acc.into_iter()
        .filter(|(_, a)| !a.broken)
        .map(|(version, a)| {
            let mut buckets: Vec<(f64, f64)> = a.buckets.into_values().collect();
            buckets.sort_by(|x, y| x.0.total_cmp(&y.0));
            let has_inf = buckets.last().is_some_and(|b| b.0 == f64::INFINITY);
            let (le, counts) = if has_inf && buckets.iter().all(|b| !b.0.is_nan()) {
                (
                    buckets[..buckets.len() - 1].iter().map(|b| b.0).collect(),
                    buckets.iter().map(|b| b.1).collect(),
                )
            } else {
                (Vec::new(), Vec::new())
            };
            CounterRow {
                version,
                requests: a.requests,
                errors: a.errors,
                le,
                buckets: counts,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::parse_exposition;

    #[test]
    fn sums_by_version_across_targets() {
        let a = parse_exposition(
            b"http_requests_total{version=\"blue\",code=\"200\"} 90\n\
              http_requests_total{version=\"blue\",code=\"500\"} 10\n\
              http_requests_total{version=\"green\",code=\"503\"} 2\n\
              http_request_duration_seconds_bucket{version=\"blue\",le=\"0.1\"} 60\n\
              http_request_duration_seconds_bucket{version=\"blue\",le=\"+Inf\"} 100\n\
              http_requests_total{code=\"200\"} 7\n",
        );
        let b = parse_exposition(
            b"http_requests_total{version=\"blue\",code=\"200\"} 5\n\
              http_request_duration_seconds_bucket{version=\"blue\",le=\"0.1\"} 5\n\
              http_request_duration_seconds_bucket{version=\"blue\",le=\"+Inf\"} 5\n",
        );
        let rows = counter_rows([&a, &b], &SignalConfig::default());
        assert_eq!(
            rows,
            vec![
                CounterRow {
                    version: "blue".into(),
                    requests: 105.0,
                    errors: 10.0,
                    le: vec![0.1],
                    buckets: vec![65.0, 105.0],
                },
                CounterRow {
                    version: "green".into(),
                    requests: 2.0,
                    errors: 2.0,
                    le: vec![],
                    buckets: vec![],
                },
            ]
        );
    }

    #[test]
    fn unusable_counters_leave_the_version_out() {
        let e = parse_exposition(
            b"http_requests_total{version=\"blue\",code=\"200\"} NaN\n\
              http_requests_total{version=\"green\",code=\"200\"} 4\n\
              http_request_duration_seconds_bucket{version=\"green\",le=\"0.1\"} 4\n",
        );
        let rows = counter_rows([&e], &SignalConfig::default());
        // blue's counter is NaN; green's histogram has no +Inf bucket, so it is dropped.
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].version, "green");
        assert!(rows[0].buckets.is_empty() && rows[0].le.is_empty());
    }
}
