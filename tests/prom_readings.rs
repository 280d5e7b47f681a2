//! Readings from Prometheus answers (RELIABILITY.md rows 3–10): NaN, ±Inf, empty, stale,
//! warnings and errors are Unknown and never Pass; 0/0 is no traffic; raw strings are kept.
//! Also threshold checks, the size cap and range parameters.

use std::fs;
use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use warroom::metrics::{
    Outcome, Reading, Threshold, Unknown, evaluate, evaluate_vs_baseline, ratio,
};
use warroom::prom::{
    ApiResponse, Expect, Limits, PromTime, QueryError, Retry, check_length, parse_response,
    parse_response_with, range_for, readings_by_label, to_reading, to_readings, to_series,
};

const MAX_AGE: Duration = Duration::from_secs(30);

/// Shortly after the captures were taken (their samples are at 1795450159.8xx).
fn capture_now() -> Timestamp {
    PromTime::from_millis(1_795_450_160_000)
        .to_timestamp()
        .expect("in range")
}

fn load(dir: &str, file: &str) -> ApiResponse {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir)
        .join(file);
    let body = fs::read(path).expect("fixture");
    parse_response(200, Some("application/json"), &body).expect(file)
}

fn capture(file: &str) -> ApiResponse {
    load("prometheus", file)
}

fn unknown(r: &Reading) -> &Unknown {
    r.unknown()
        .unwrap_or_else(|| panic!("expected Unknown, got {r}"))
}

#[test]
fn special_floats_are_three_unknowns_with_raw_strings() {
    let resp = capture("query_vector_special_floats.json");
    let obs = to_readings(&resp, Expect::Value, capture_now(), MAX_AGE).expect("readings");
    let got: Vec<(&str, Option<&str>, &Unknown)> = obs
        .iter()
        .map(|o| {
            (
                o.labels["kind"].as_str(),
                o.raw.as_deref(),
                unknown(&o.reading),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "nan",
                Some("NaN"),
                &Unknown::NotANumber { raw: "NaN".into() }
            ),
            (
                "neginf",
                Some("-Inf"),
                &Unknown::Infinite { raw: "-Inf".into() }
            ),
            (
                "posinf",
                Some("+Inf"),
                &Unknown::Infinite { raw: "+Inf".into() }
            ),
        ]
    );
    for o in &obs {
        assert!(matches!(
            evaluate(&o.reading, Threshold::AtMost(0.01)),
            Outcome::Unknown(_)
        ));
        assert!(matches!(
            evaluate(&o.reading, Threshold::AtLeast(0.95)),
            Outcome::Unknown(_)
        ));
    }
}

#[test]
fn nan_ratio_is_no_traffic() {
    let resp = capture("query_vector_nan_ratio.json");
    let obs = to_reading(&resp, Expect::Ratio, capture_now(), MAX_AGE);
    assert_eq!(
        obs.reading,
        Reading::Unknown(Unknown::NoTraffic { raw: "NaN".into() })
    );
    assert_eq!(obs.raw.as_deref(), Some("NaN"));
    assert_eq!(obs.reading.to_string(), "unknown: no traffic");
    // Read as a plain value, the same NaN is "not a number" — still Unknown.
    let plain = to_reading(&resp, Expect::Value, capture_now(), MAX_AGE);
    assert_eq!(
        plain.reading,
        Reading::Unknown(Unknown::NotANumber { raw: "NaN".into() })
    );
}

#[test]
fn empty_results_are_no_data_never_zero() {
    let obs = to_reading(
        &capture("query_vector_empty.json"),
        Expect::Ratio,
        capture_now(),
        MAX_AGE,
    );
    assert_eq!(obs.reading, Reading::Unknown(Unknown::NoData));
    assert_eq!(
        evaluate(&obs.reading, Threshold::AtMost(0.01)),
        Outcome::Unknown(Unknown::NoData)
    );
    let many = to_readings(
        &capture("query_vector_empty.json"),
        Expect::Value,
        capture_now(),
        MAX_AGE,
    );
    assert_eq!(many, Err(Unknown::NoData));
    let empty_with_warnings = load("prometheus-extra", "warnings_empty.json");
    let obs = to_reading(&empty_with_warnings, Expect::Value, capture_now(), MAX_AGE);
    assert_eq!(obs.reading, Reading::Unknown(Unknown::NoData));
    let range = to_series(&capture("query_range_empty.json"), Expect::Value).expect("matrix");
    assert!(range.series.is_empty());
}

#[test]
fn scalars_read_as_values_or_unknown() {
    let now = capture_now();
    let one = to_reading(&capture("query_scalar.json"), Expect::Value, now, MAX_AGE);
    assert_eq!(one.reading, Reading::Value(1.0));
    assert_eq!(one.at, Some(PromTime::from_millis(1_795_450_159_837)));
    for (file, raw) in [
        ("query_scalar_nan.json", "NaN"),
        ("query_scalar_inf.json", "+Inf"),
        ("query_scalar_neginf.json", "-Inf"),
    ] {
        let obs = to_reading(&capture(file), Expect::Value, now, MAX_AGE);
        assert!(obs.reading.value().is_none(), "{file}: {}", obs.reading);
        assert_eq!(obs.raw.as_deref(), Some(raw));
    }
    let s = to_readings(&capture("query_string.json"), Expect::Value, now, MAX_AGE);
    assert!(matches!(s, Err(Unknown::Malformed(_))), "{s:?}");
}

#[test]
fn per_version_readings_by_label() {
    let now = capture_now();
    let ratio_by_version = readings_by_label(
        &capture("query_vector_rate_post.json"),
        "version",
        Expect::Ratio,
        now,
        MAX_AGE,
    )
    .expect("readings");
    assert_eq!(
        ratio_by_version["blue"].reading,
        Reading::Value(0.10714285714285714)
    );
    assert_eq!(
        ratio_by_version["green"].reading,
        Reading::Value(0.00881057268722467)
    );
    assert_eq!(
        evaluate(&ratio_by_version["blue"].reading, Threshold::AtMost(0.05)),
        Outcome::Fail
    );
    assert_eq!(
        evaluate(&ratio_by_version["green"].reading, Threshold::AtMost(0.05)),
        Outcome::Pass
    );

    let p99 = readings_by_label(
        &capture("query_vector_histogram_quantile.json"),
        "version",
        Expect::Value,
        now,
        MAX_AGE,
    )
    .expect("readings");
    assert_eq!(p99["blue"].reading, Reading::Value(1.015000000000012));
    assert_eq!(p99["green"].reading, Reading::Value(0.9730000000000021));

    // Five series share two versions: a key seen twice is Malformed, never one of them.
    let rate = readings_by_label(
        &capture("query_vector_rate.json"),
        "version",
        Expect::Value,
        now,
        MAX_AGE,
    )
    .expect("readings");
    assert!(matches!(
        unknown(&rate["blue"].reading),
        Unknown::Malformed(_)
    ));
    // And a single-series reading of a many-series answer is refused.
    let one = to_reading(
        &capture("query_vector_rate.json"),
        Expect::Value,
        now,
        MAX_AGE,
    );
    assert!(matches!(unknown(&one.reading), Unknown::Malformed(m) if m.contains("got 5")));
}

#[test]
fn stale_samples_are_unknown() {
    let now = capture_now();
    let stale = to_reading(
        &load("prometheus-extra", "stale_vector.json"),
        Expect::Value,
        now,
        MAX_AGE,
    );
    let Unknown::Stale { sample_at, now: at } = unknown(&stale.reading) else {
        panic!("{}", stale.reading)
    };
    assert_eq!(
        PromTime::from_timestamp(*sample_at),
        PromTime::from_millis(1_795_449_859_833)
    );
    assert_eq!(*at, now);
    assert!(
        stale.reading.to_string().contains("300s old"),
        "{}",
        stale.reading
    );
    // A fresh capture read an hour later is stale too.
    let later = now + jiff::SignedDuration::from_hours(1);
    let obs = to_reading(&capture("query_scalar.json"), Expect::Value, later, MAX_AGE);
    assert!(matches!(unknown(&obs.reading), Unknown::Stale { .. }));
}

#[test]
fn warnings_turn_values_into_partial_and_infos_do_not() {
    let now = capture_now();
    let partial = to_reading(
        &load("prometheus-extra", "warnings_vector.json"),
        Expect::Ratio,
        now,
        MAX_AGE,
    );
    let Unknown::Partial(warnings) = unknown(&partial.reading) else {
        panic!("{}", partial.reading)
    };
    assert!(warnings[0].contains("results may be incomplete"));
    assert_eq!(
        partial.raw.as_deref(),
        Some("0.004"),
        "the value is kept beside the reason"
    );
    // 0.004 would pass a 1 % SLO; with warnings it must not.
    assert!(matches!(
        evaluate(&partial.reading, Threshold::AtMost(0.01)),
        Outcome::Unknown(_)
    ));

    let infos = to_reading(
        &load("prometheus-extra", "infos_vector.json"),
        Expect::Value,
        now,
        MAX_AGE,
    );
    assert_eq!(infos.reading, Reading::Value(12.5));
}

#[test]
fn errors_become_unknown_with_type_and_text() {
    let body =
        br#"{"status":"error","errorType":"timeout","error":"query timed out in query queue"}"#;
    let err = parse_response(503, Some("application/json"), body).expect_err("timeout");
    assert_eq!(err.retry(), Retry::Backoff);
    let u = err.to_unknown();
    assert_eq!(
        u.to_string(),
        "query error (timeout): query timed out in query queue"
    );
    assert_eq!(
        evaluate(&Reading::Unknown(u), Threshold::AtMost(1.0)).to_string(),
        "unknown: query error (timeout): query timed out in query queue"
    );

    let refused = QueryError::Transport("connection refused".into());
    assert_eq!(refused.retry(), Retry::Backoff);
    assert_eq!(
        refused.to_unknown(),
        Unknown::Transport("connection refused".into())
    );

    // A 400 without a JSON body is still a config error.
    let err = parse_response(400, None, b"bad request").expect_err("400");
    assert_eq!(err.retry(), Retry::Never);
    // Success envelope but a 500 status: not trusted.
    let ok_body = br#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#;
    assert!(matches!(
        parse_response(500, None, ok_body),
        Err(QueryError::Http { status: 500, .. })
    ));
    // Empty 200 body.
    assert!(matches!(
        parse_response(200, None, b""),
        Err(QueryError::Malformed(_))
    ));
    // ANSI escapes in a proxy's body are escaped, not passed to the terminal.
    let err =
        parse_response(502, Some("text/plain"), b"\x1b[31mbad gateway\x1b[0m").expect_err("502");
    assert!(!err.to_string().contains('\u{1b}'), "{err}");
}

#[test]
fn bodies_over_the_cap_are_refused_unparsed() {
    let limits = Limits { max_body_bytes: 64 };
    let body = vec![b'{'; 65]; // would be a JSON error if parsed
    let err = parse_response_with(&limits, 200, Some("application/json"), &body).expect_err("cap");
    assert_eq!(err, QueryError::TooLarge { len: 65, limit: 64 });
    assert_eq!(err.to_unknown(), Unknown::TooLarge { len: 65, limit: 64 });
    // The caller checks Content-Length before reading: 200 MB never gets downloaded.
    assert!(check_length(200 * 1024 * 1024, &Limits::default()).is_err());
    assert!(check_length(1024, &Limits::default()).is_ok());
}

#[test]
fn ratio_helper_and_baseline_checks() {
    let v = Reading::Value;
    assert_eq!(
        ratio(&v(0.0), &v(0.0)),
        Reading::Unknown(Unknown::NoTraffic { raw: "0/0".into() })
    );
    assert_eq!(ratio(&v(1.0), &v(4.0)), v(0.25));
    assert!(matches!(
        unknown(&ratio(&v(1.0), &v(0.0))),
        Unknown::Infinite { .. }
    ));
    let no_data = Reading::Unknown(Unknown::NoData);
    assert_eq!(ratio(&no_data, &v(3.0)), no_data);

    // p99 > 2x baseline: a missing or zero baseline is Unknown, never a rollback.
    assert_eq!(evaluate_vs_baseline(&v(0.5), &v(0.3), 2.0), Outcome::Pass);
    assert_eq!(evaluate_vs_baseline(&v(0.7), &v(0.3), 2.0), Outcome::Fail);
    assert!(matches!(
        evaluate_vs_baseline(&v(0.7), &v(0.0), 2.0),
        Outcome::Unknown(Unknown::NoBaseline { .. })
    ));
    assert!(matches!(
        evaluate_vs_baseline(&v(0.7), &no_data, 2.0),
        Outcome::Unknown(Unknown::NoBaseline { .. })
    ));
    // A NaN threshold (config bug) is Unknown too.
    assert!(matches!(
        evaluate(&v(0.1), Threshold::AtMost(f64::NAN)),
        Outcome::Unknown(_)
    ));
    // Readings serialise for the session log and come back equal.
    let r = Reading::Unknown(Unknown::Partial(vec!["w".into()]));
    let json = serde_json::to_string(&r).expect("json");
    assert_eq!(serde_json::from_str::<Reading>(&json).expect("back"), r);
}

#[test]
fn matrices_become_chart_series() {
    let range =
        to_series(&capture("query_range_matrix_ratio.json"), Expect::Ratio).expect("matrix");
    assert_eq!(range.series.len(), 2);
    assert_eq!(range.series[0].labels["version"], "blue");
    assert_eq!(range.series[0].points.len(), 11);
    assert_eq!(
        range.series[0].points[0].at,
        PromTime::from_millis(1_795_450_139_831)
    );
    assert_eq!(
        range.series[0].points[0].reading,
        Reading::Value(0.10714285714285714)
    );
    let not_matrix = to_series(&capture("query_vector_rate.json"), Expect::Value);
    assert!(matches!(not_matrix, Err(Unknown::Malformed(_))));
}

#[test]
fn range_parameters_cover_the_last_half_hour() {
    let now = capture_now();
    let p = range_for(now, Duration::from_secs(1800), Duration::from_secs(5));
    assert_eq!(p.end, PromTime::from_millis(1_795_450_160_000));
    assert_eq!(p.start, PromTime::from_millis(1_795_448_360_000));
    assert_eq!(p.step, Duration::from_secs(5));
    assert_eq!(p.start.to_param(), "1795448360");
    assert_eq!(
        PromTime::from_millis(1_795_450_159_830).to_param(),
        "1795450159.83"
    );
    // 30 days at 1 s would exceed Prometheus' 11,000 points: the step widens.
    let wide = range_for(
        now,
        Duration::from_secs(30 * 86_400),
        Duration::from_secs(1),
    );
    assert_eq!(wide.step, Duration::from_secs(236));
    assert!(30 * 86_400_000 / wide.step.as_millis() <= 11_000);
}
