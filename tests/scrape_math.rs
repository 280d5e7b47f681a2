//! Direct-scrape math against hand-checked cases. Every expected value was worked out by hand
//! from Prometheus 2.42's `extrapolatedRate` and `bucketQuantile`, and confirmed with
//! `promtool test rules` (2.42) on the same series.

use std::time::Duration;

use warroom::metrics::{
    Bucket, History, Labels, Point, Reading, SeriesKey, SignalConfig, Unknown, bucket_quantile,
    delta, derive_signals, histogram_quantile, increase, parse_exposition, rate, select_range,
    sum_by,
};

/// Samples at whole seconds: `(second, value)`.
fn pts(samples: &[(i64, f64)]) -> Vec<Point> {
    samples
        .iter()
        .map(|&(s, value)| Point {
            t_ms: s * 1000,
            value,
        })
        .collect()
}

/// `values` at seconds `from, from+1, …`.
fn every_second(from: i64, values: &[f64]) -> Vec<Point> {
    pts(&values
        .iter()
        .enumerate()
        .map(|(i, v)| (from + i as i64, *v))
        .collect::<Vec<_>>())
}

const W10: Duration = Duration::from_secs(10);

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[track_caller]
fn assert_close(got: Option<f64>, want: f64) {
    let got = got.expect("a value");
    assert!(close(got, want), "got {got}, want {want}");
}

#[test]
fn rate_of_a_steady_counter() {
    // a = 0+10x10 at 0..10 s; rate(a[10s]) @ 10 s = 10 (zero point caps the start at 0).
    let a = every_second(0, &[0., 10., 20., 30., 40., 50., 60., 70., 80., 90., 100.]);
    assert_close(rate(&a, 10_000, W10), 10.0);
}

#[test]
fn extrapolation_to_the_window_edges() {
    // Samples at 1..9 s, 1 s apart: both gaps (1 s) are under 1.1 × 1 s, so extrapolate fully:
    // 80 × 10/8 = 100.
    let b = every_second(1, &[110., 120., 130., 140., 150., 160., 170., 180., 190.]);
    assert_close(increase(&b, 10_000, W10), 100.0);
    // Samples at 3..9 s: the 3 s gap at the start is over the threshold, so only half an
    // interval is added there: 60 × (6 + 0.5 + 1)/6 = 75.
    let c = every_second(3, &[130., 140., 150., 160., 170., 180., 190.]);
    assert_close(increase(&c, 10_000, W10), 75.0);
    // Zero point: 8,18,…,48 at 5..9 s @ 9.5 s. The counter would be 0 at 4.2 s, 0.8 s before
    // the first sample; in 2.42 that shorter gap replaces 5.5 s *before* the 1.1× test, so it
    // extrapolates 0.8 s: 40 × (4 + 0.8 + 0.5)/4 = 53.
    let z = every_second(5, &[8., 18., 28., 38., 48.]);
    assert_close(increase(&z, 9_500, W10), 53.0);
    assert_close(rate(&z, 9_500, W10), 5.3);
}

#[test]
fn counter_resets_add_the_value_before_the_drop() {
    // 0..40, reset to 5, up to 55: 55 - 0 + 40 = 95.
    let d = every_second(0, &[0., 10., 20., 30., 40., 5., 15., 25., 35., 45., 55.]);
    assert_close(increase(&d, 10_000, W10), 95.0);
    assert_close(rate(&d, 10_000, W10), 9.5);
    // Same with edge gaps: 45 - 10 + 40 = 75; zero point 8 × 10/75 s > 1 s gap; 75 × 10/8.
    let e = every_second(1, &[10., 20., 30., 40., 5., 15., 25., 35., 45.]);
    assert_close(increase(&e, 10_000, W10), 93.75);
    // Two resets: -20 + 50 + 45 = 75, extrapolated 1 s each side over 3 s: 125. As a gauge
    // (`delta`), no reset handling and no zero cap: -20 × 5/3.
    let g = every_second(1, &[50., 40., 45., 30.]);
    assert_close(increase(&g, 5_000, Duration::from_secs(5)), 125.0);
    assert_close(
        delta(&g, 5_000, Duration::from_secs(5)),
        -33.333333333333336,
    );
}

#[test]
fn windows_are_closed_and_need_two_samples() {
    let a = every_second(0, &[0., 10., 20., 30.]);
    // [1 s, 3 s] includes both ends (Prometheus 2.x).
    assert_eq!(select_range(&a, 1_000, 3_000).len(), 3);
    assert_eq!(select_range(&a, 3_001, 9_000).len(), 0);
    assert_eq!(rate(&a, 30_000, W10), None, "no sample in the window");
    assert_eq!(rate(&a[..1], 1_000, W10), None, "one sample is not a rate");
    assert_eq!(rate(&[], 1_000, W10), None);
    // Equal timestamps never reach the math (the history refuses them), but are not a panic.
    let dup = pts(&[(1, 1.0), (1, 2.0)]);
    assert_eq!(rate(&dup, 2_000, W10), None);
}

#[test]
fn sum_by_groups_on_the_named_labels() {
    let l = |v: &str, c: &str| -> Labels {
        [("version", v), ("code", c)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    };
    let (a, b, c) = (l("blue", "200"), l("blue", "500"), l("green", "200"));
    let sums = sum_by([(&a, 1.0), (&b, 2.0), (&c, 4.0)], &["version"]);
    let blue: Labels = [("version".to_owned(), "blue".to_owned())].into();
    assert_eq!(sums[&blue], 3.0);
    assert_eq!(
        sum_by([(&a, 1.0), (&c, 4.0)], &[])
            .values()
            .copied()
            .collect::<Vec<_>>(),
        vec![5.0]
    );
}

fn buckets(pairs: &[(f64, f64)]) -> Vec<Bucket> {
    pairs
        .iter()
        .map(|&(upper_bound, count)| Bucket { upper_bound, count })
        .collect()
}

#[test]
fn quantile_interpolates_inside_buckets() {
    let h = buckets(&[
        (1.0, 90.0),
        (f64::INFINITY, 100.0),
        (0.1, 10.0),
        (0.5, 50.0),
    ]);
    assert!(
        close(bucket_quantile(0.5, h.clone()), 0.5),
        "unsorted input is sorted first"
    );
    // Rank 5 falls in the first bucket, interpolated from 0: 0.1 × 5/10.
    assert!(close(bucket_quantile(0.05, h.clone()), 0.05));
    // Rank 95 falls in the +Inf bucket: the second-highest bound.
    assert_eq!(bucket_quantile(0.95, h.clone()), 1.0);
    assert_eq!(bucket_quantile(1.0, h.clone()), 1.0);
    assert_eq!(bucket_quantile(-0.1, h.clone()), f64::NEG_INFINITY);
    assert_eq!(bucket_quantile(1.1, h.clone()), f64::INFINITY);
    assert!(bucket_quantile(f64::NAN, h).is_nan());
}

#[test]
fn quantile_special_buckets() {
    // A first bucket with a bound ≤ 0 returns that bound.
    let n = buckets(&[(-1.0, 10.0), (0.0, 10.0), (f64::INFINITY, 20.0)]);
    assert_eq!(bucket_quantile(0.25, n.clone()), -1.0);
    assert_eq!(bucket_quantile(0.75, n), 0.0);
    // Non-monotonic counts are raised to the envelope [10, 10, 15, 20]: rank 10 is reached in
    // the first bucket.
    let m = buckets(&[(0.1, 10.0), (0.5, 8.0), (1.0, 15.0), (f64::INFINITY, 20.0)]);
    assert!(close(bucket_quantile(0.5, m), 0.1));
    // Empty lower buckets: rank 5 lands in (0.5, 1]: 0.5 + 0.5 × 5/10.
    let z = buckets(&[(0.1, 0.0), (0.5, 0.0), (1.0, 10.0), (f64::INFINITY, 10.0)]);
    assert!(close(bucket_quantile(0.5, z), 0.75));
    // Equal bounds are merged: (1, 10), (+Inf, 20).
    let dup = buckets(&[(1.0, 5.0), (1.0, 5.0), (f64::INFINITY, 20.0)]);
    assert!(close(bucket_quantile(0.5, dup), 1.0));
    // NaN: zero observations, fewer than two buckets, no +Inf bucket, nothing at all.
    assert!(bucket_quantile(0.5, buckets(&[(0.1, 0.0), (f64::INFINITY, 0.0)])).is_nan());
    assert!(bucket_quantile(0.5, buckets(&[(f64::INFINITY, 10.0)])).is_nan());
    assert!(bucket_quantile(0.5, buckets(&[(0.1, 5.0), (1.0, 10.0)])).is_nan());
    assert!(bucket_quantile(0.5, Vec::new()).is_nan());
}

#[test]
fn histogram_quantile_groups_without_le_and_name() {
    let series: Vec<Labels> = ["0.1", "0.5", "1", "+Inf", "junk"]
        .iter()
        .map(|le| {
            [("__name__", "d_bucket"), ("le", le), ("version", "blue")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .collect();
    let counts = [10.0, 50.0, 90.0, 100.0, 1e9];
    let out = histogram_quantile(0.5, series.iter().zip(counts));
    let blue: Labels = [("version".to_owned(), "blue".to_owned())].into();
    assert_eq!(out.len(), 1);
    assert!(
        close(out[&blue], 0.5),
        "an unparsable le is ignored: {out:?}"
    );
}

/// Fifteen scrapes, 1 s apart: blue serves 10 req/s with 1 error/s and a latency histogram;
/// green's counters exist but stand still (no traffic); grey appears only in the last scrape.
fn scrapes() -> History {
    let mut h = History::new(Duration::from_secs(120));
    let target: Labels = [("instance".to_owned(), "pod-1".to_owned())].into();
    for i in 0..15_i64 {
        let n = i as f64;
        let grey = if i == 14 {
            "http_requests_total{code=\"200\",version=\"grey\"} 5\n"
        } else {
            ""
        };
        let body = format!(
            "# TYPE http_requests_total counter\n\
             http_requests_total{{code=\"200\",version=\"blue\"}} {ok}\n\
             http_requests_total{{code=\"500\",version=\"blue\"}} {n}\n\
             http_requests_total{{code=\"200\",version=\"green\"}} 100\n{grey}\
             # TYPE http_request_duration_seconds histogram\n\
             http_request_duration_seconds_bucket{{version=\"blue\",le=\"0.1\"}} {b1}\n\
             http_request_duration_seconds_bucket{{version=\"blue\",le=\"0.5\"}} {b2}\n\
             http_request_duration_seconds_bucket{{version=\"blue\",le=\"+Inf\"}} {b3}\n\
             http_request_duration_seconds_bucket{{version=\"green\",le=\"0.1\"}} 4\n\
             http_request_duration_seconds_bucket{{version=\"green\",le=\"+Inf\"}} 4\n",
            ok = 9.0 * n,
            b1 = 5.0 * n,
            b2 = 9.8 * n,
            b3 = 10.0 * n,
        );
        let e = parse_exposition(body.as_bytes());
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        let stats = h.ingest(&e, &target, 1_000_000 + i * 1000);
        assert_eq!(stats.out_of_order, 0);
    }
    h
}

#[test]
fn signals_per_version() {
    let h = scrapes();
    let cfg = SignalConfig {
        window: Duration::from_secs(10),
        ..SignalConfig::default()
    };
    let s = derive_signals(&h, &cfg, 1_014_000);
    let blue = &s["blue"];
    assert_eq!(blue.error_ratio, Reading::Value(0.1));
    assert!(close(blue.throughput.value().expect("throughput"), 10.0));
    // 50 % of requests are ≤ 0.1 s: p50 = 0.1; p95 in (0.1, 0.5]: 0.1 + 0.4 × (9.5-5)/(9.8-5).
    assert!(close(blue.latency_p50.value().expect("p50"), 0.1));
    assert!(close(blue.latency_p95.value().expect("p95"), 0.475));
    // p99 in the +Inf bucket: the second-highest bound.
    assert_eq!(blue.latency_p99, Reading::Value(0.5));

    let green = &s["green"];
    assert_eq!(
        green.error_ratio,
        Reading::Unknown(Unknown::NoTraffic { raw: "0/0".into() })
    );
    assert_eq!(green.throughput, Reading::Value(0.0));
    assert!(matches!(
        green.latency_p99,
        Reading::Unknown(Unknown::NoTraffic { .. })
    ));

    let grey = &s["grey"];
    assert_eq!(
        grey.error_ratio,
        Reading::Unknown(Unknown::NoData),
        "one sample is not a rate"
    );
    assert_eq!(grey.latency_p50, Reading::Unknown(Unknown::NoData));
}

#[test]
fn history_refuses_out_of_order_and_bounds_memory() {
    let mut h = History::with_max_series(Duration::from_secs(10), 2);
    let key = |n: &str| SeriesKey {
        name: n.to_owned(),
        labels: Labels::new(),
    };
    let p = |t_ms, value| Point { t_ms, value };
    h.push(key("a"), p(1_000, 1.0));
    assert_eq!(
        h.push(key("a"), p(1_000, 2.0)),
        warroom::metrics::history::Pushed::OutOfOrder
    );
    assert_eq!(
        h.push(key("a"), p(500, 2.0)),
        warroom::metrics::history::Pushed::OutOfOrder
    );
    h.push(key("b"), p(1_000, 1.0));
    assert_eq!(
        h.push(key("c"), p(1_000, 1.0)),
        warroom::metrics::history::Pushed::OverLimit
    );
    h.push(key("a"), p(20_000, 3.0));
    h.prune(20_000);
    assert_eq!(h.len(), 1, "b aged out entirely");
    assert_eq!(h.select("a").next().expect("a").1.len(), 1);
    // A target label that clashes with an exposed one keeps the exposed as exported_<name>.
    let mut h = History::new(Duration::from_secs(60));
    let e = parse_exposition(b"m{instance=\"inner\"} 1\n");
    h.ingest(
        &e,
        &[("instance".to_owned(), "pod".to_owned())].into(),
        1_000,
    );
    let (k, _) = h.iter().next().expect("series");
    assert_eq!(
        (
            k.labels["instance"].as_str(),
            k.labels["exported_instance"].as_str()
        ),
        ("pod", "inner")
    );
}
