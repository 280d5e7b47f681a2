//! No panic on any input: arbitrary bytes through both parsers, arbitrary samples and buckets
//! through the math, arbitrary values through the templates.

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
    fn exposition_parser_never_panics(body in text()) {
        let e = parse_exposition(&body);
        prop_assert!(e.errors.iter().all(|err| err.line >= 1));
    }

    #[test]
    fn api_parser_and_readings_never_panic(status in 100u16..600, body in text()) {
        let now = PromTime::from_millis(1_795_450_160_000).to_timestamp().expect("in range");
        if let Ok(resp) = parse_response(status, Some("application/json"), &body) {
            let _ = to_readings(&resp, Expect::Ratio, now, Duration::from_secs(30));
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
    fn quantile_never_panics(q in float(), pairs in prop::collection::vec((float(), float()), 0..12)) {
        let buckets = pairs.into_iter().map(|(upper_bound, count)| Bucket { upper_bound, count }).collect();
        let _ = bucket_quantile(q, buckets);
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
}
