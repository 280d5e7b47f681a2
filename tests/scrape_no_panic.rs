//! Any input: arbitrary bytes through both parsers, arbitrary samples and buckets through the
//! math, arbitrary values through the templates — no panic, and the results keep their
//! invariants: errors point at lines that exist, a known reading is a finite number, the rate
//! of a counter is never negative and stays within what the samples allow, a quantile lies
//! within its buckets' bounds and grows with q.

use std::time::Duration;

use proptest::prelude::*;
use warroom::metrics::{
    Bucket, Point, Reading, Threshold, bucket_quantile, evaluate, extrapolated_rate,
    parse_exposition, rate,
};
use warroom::prom::{Expect, PromTime, parse_response, render, to_readings, to_series};

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        -1e6..1e6f64,
    ]
}

/// Bytes biased towards the characters both formats use, so parsers get past their first byte.
fn text() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        any::<u8>().prop_map(|b| vec![b]),
        prop::sample::select(vec![
            "{",
            "}",
            "\"",
            "\\",
            ",",
            "=",
            " ",
            "\n",
            "#",
            "# TYPE ",
            "# HELP ",
            "le",
            "NaN",
            "+Inf",
            "1.5",
            "_bucket",
            "[",
            "]",
            ":",
            "\"status\"",
            "\"success\"",
            "\"data\"",
            "\"resultType\"",
            "\"vector\"",
            "\"result\"",
            "\"metric\"",
            "\"value\"",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ];
    prop::collection::vec(piece, 0..64).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn exposition_errors_point_at_lines_that_exist(body in text()) {
        let e = parse_exposition(&body);
        let lines = body.split(|b| *b == b'\n').count();
        prop_assert!(e.errors.iter().all(|err| err.line >= 1 && err.line <= lines), "{:?}", e.errors);
        // Every line is either a sample, a comment, blank, or reported: never silently lost.
        prop_assert!(e.samples.len() + e.errors.len() <= lines);
    }

    #[test]
    fn known_readings_are_finite_numbers(status in 100u16..600, body in text()) {
        let now = PromTime::from_millis(1_795_450_160_000).to_timestamp().expect("in range");
        if let Ok(resp) = parse_response(status, Some("application/json"), &body) {
            if let Ok(obs) = to_readings(&resp, Expect::Ratio, now, Duration::from_secs(30)) {
                for o in obs {
                    if let Reading::Value(v) = o.reading {
                        prop_assert!(v.is_finite(), "{v}");
                    }
                }
            }
            let _ = to_series(&resp, Expect::Value);
        }
    }

    #[test]
    fn rate_never_panics(samples in prop::collection::vec((-5_000i64..5_000, float()), 0..20), eval in -5_000i64..10_000) {
        let mut points: Vec<Point> = samples.into_iter().map(|(t_ms, value)| Point { t_ms, value }).collect();
        points.sort_by_key(|p| p.t_ms);
        let _ = rate(&points, eval, Duration::from_secs(3));
        let _ = extrapolated_rate(&points, -10_000, 10_000, true, true);
    }

    #[test]
    fn a_counters_rate_is_never_negative_and_within_what_the_samples_allow(
        start in 0i64..1_000,
        steps in prop::collection::vec((1i64..2_000, 0.0..1e6f64, any::<bool>()), 2..20),
        before in 0i64..3_000,
        after in 0i64..3_000,
    ) {
        // A counter that only grows, except for resets to a smaller value.
        let mut t = start;
        let mut value = 0.0;
        let mut points = Vec::new();
        for (dt, inc, reset) in steps {
            t += dt;
            value = if reset { inc / 2.0 } else { value + inc };
            points.push(Point { t_ms: t, value });
        }
        let (first, last) = (points[0], points[points.len() - 1]);
        // The raw increase: each step's growth, or after a reset the value it restarted to.
        let raw: f64 = points
            .windows(2)
            .map(|w| if w[1].value >= w[0].value { w[1].value - w[0].value } else { w[1].value })
            .sum();
        let (range_start, range_end) = (first.t_ms - before, last.t_ms + after);
        let window_s = (range_end - range_start) as f64 / 1000.0;
        let sampled_s = (last.t_ms - first.t_ms) as f64 / 1000.0;
        let r = extrapolated_rate(&points, range_start, range_end, true, true).expect("two samples");
        prop_assert!(r.is_finite() && r >= 0.0, "rate {r}");
        let increase = extrapolated_rate(&points, range_start, range_end, true, false).expect("increase");
        prop_assert!((r * window_s - increase).abs() <= 1e-6 * increase.max(1.0), "rate × window = increase");
        // Extrapolation only ever adds, and never past the window's edges.
        let tol = 1e-9 * raw.max(1.0);
        prop_assert!(increase + tol >= raw, "increase {increase} < raw {raw}");
        prop_assert!(increase <= raw * window_s / sampled_s + tol, "increase {increase} beyond the window");
        // The same through the range selector.
        let eval = range_end;
        let window = Duration::from_millis(u64::try_from(range_end - range_start).expect("positive"));
        prop_assert_eq!(rate(&points, eval, window), Some(r));
    }

    #[test]
    fn quantile_never_panics(q in float(), pairs in prop::collection::vec((float(), float()), 0..12)) {
        let buckets = pairs.into_iter().map(|(upper_bound, count)| Bucket { upper_bound, count }).collect();
        let _ = bucket_quantile(q, buckets);
    }

    #[test]
    fn a_quantile_lies_within_the_bucket_bounds_and_grows_with_q(
        bounds in prop::collection::btree_set(-1_000i32..1_000, 1..10),
        counts in prop::collection::vec(0.0..1_000f64, 10),
        inf_extra in 0.0..1_000f64,
        q1 in 0.001..=1.0f64,
        q2 in 0.001..=1.0f64,
    ) {
        // Cumulative buckets with finite ascending bounds, then +Inf.
        let bounds: Vec<f64> = bounds.into_iter().map(|b| f64::from(b) / 10.0).collect();
        let mut cum = 0.0;
        let mut buckets: Vec<Bucket> = bounds
            .iter()
            .zip(&counts)
            .map(|(b, c)| {
                cum += c;
                Bucket { upper_bound: *b, count: cum }
            })
            .collect();
        buckets.push(Bucket { upper_bound: f64::INFINITY, count: cum + inf_extra });
        prop_assume!(cum + inf_extra > 0.0);
        let lowest = bounds[0].min(0.0);
        let highest = bounds[bounds.len() - 1];
        let (lo_q, hi_q) = if q1 <= q2 { (q1, q2) } else { (q2, q1) };
        let a = bucket_quantile(lo_q, buckets.clone());
        let b = bucket_quantile(hi_q, buckets);
        for v in [a, b] {
            prop_assert!(v.is_finite(), "{v}");
            prop_assert!(v >= lowest - 1e-9 && v <= highest + 1e-9, "{v} outside [{lowest}, {highest}]");
        }
        prop_assert!(a <= b + 1e-9, "q {lo_q} → {a} above q {hi_q} → {b}");
    }

    #[test]
    fn non_finite_values_never_pass(v in float(), limit in float()) {
        let reading = Reading::from_f64(v, "raw");
        let outcome = evaluate(&reading, Threshold::AtMost(limit));
        if !v.is_finite() || !limit.is_finite() {
            prop_assert!(matches!(outcome, warroom::metrics::Outcome::Unknown(_)));
        }
    }

    #[test]
    fn templates_never_panic(template in "\\PC{0,40}", version in "\\PC{0,12}") {
        let t = format!("{template}{{version}}{template}");
        let _ = render(&t, &version, Duration::from_secs(60));
    }

    #[test]
    fn templates_fill_the_version_or_refuse(template in "[a-z_(){}=~,\" ]{0,30}", version in "[a-z0-9-]{1,12}") {
        // No `#` here: a PromQL comment keeps what follows it as written.
        let t = format!("{template}{{version}}{template}");
        if let Ok(q) = render(&t, &version, Duration::from_secs(60)) {
            prop_assert!(!q.contains("{version}"), "{q}");
            prop_assert!(q.contains(&version), "{q}");
        }
    }
}
