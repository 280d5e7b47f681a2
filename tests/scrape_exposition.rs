//! The text exposition format parser (`/metrics`, format 0.0.4): every construct the format
//! allows, and malformed lines reported by number without losing the rest of the scrape.

use warroom::metrics::{Labels, MetricType, parse_exposition};

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const BODY: &str = r#"# HELP http_requests_total Total HTTP requests.\nBy code and version; backslash \\ kept.
# TYPE http_requests_total counter
http_requests_total{code="200",version="blue"} 1027
http_requests_total{code="500",version="blue"} 3 1795450159831

# A plain comment, then a counter declared without _total (OpenMetrics style).
# TYPE jobs counter
jobs_total 7
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{version="blue",le="0.1"} 900
http_request_duration_seconds_bucket{version="blue",le="+Inf",} 1030
http_request_duration_seconds_sum{version="blue"} 53.2
http_request_duration_seconds_count{version="blue"} 1030
# TYPE weird gauge
weird{kind="nan"} NaN
weird{kind="posinf"} +Inf
weird{kind="neginf"} -Inf
weird{kind="exp"} 1.5e-3
	untyped_metric   42  
escaped{path="C:\\dir\\\"x\"\nnext",empty=""} 1
spaced { a = "1" , b="2" } 2
"#;

#[test]
fn parses_every_construct() {
    let e = parse_exposition(BODY.as_bytes());
    assert!(e.errors.is_empty(), "{:?}", e.errors);
    assert_eq!(e.samples.len(), 14);

    let s = &e.samples[1];
    assert_eq!(s.name, "http_requests_total");
    assert_eq!(s.labels, labels(&[("code", "500"), ("version", "blue")]));
    assert_eq!((s.value, s.timestamp_ms), (3.0, Some(1_795_450_159_831)));
    assert_eq!(
        (s.family.as_str(), s.metric_type),
        ("http_requests_total", MetricType::Counter)
    );
    assert_eq!(e.samples[0].timestamp_ms, None);

    let jobs = &e.samples[2];
    assert_eq!(
        (jobs.name.as_str(), jobs.family.as_str()),
        ("jobs_total", "jobs")
    );
    assert_eq!(jobs.metric_type, MetricType::Counter);

    let bucket = &e.samples[4];
    assert_eq!(bucket.labels["le"], "+Inf", "a trailing comma is allowed");
    for s in &e.samples[3..7] {
        assert_eq!(
            (s.family.as_str(), s.metric_type),
            ("http_request_duration_seconds", MetricType::Histogram)
        );
    }

    let weird: Vec<f64> = e.samples[7..11].iter().map(|s| s.value).collect();
    assert!(weird[0].is_nan());
    assert_eq!(&weird[1..], &[f64::INFINITY, f64::NEG_INFINITY, 0.0015]);

    let untyped = &e.samples[11];
    assert_eq!(
        (untyped.name.as_str(), untyped.value, untyped.metric_type),
        ("untyped_metric", 42.0, MetricType::Untyped)
    );

    let escaped = &e.samples[12];
    assert_eq!(
        escaped.labels,
        labels(&[("path", "C:\\dir\\\"x\"\nnext")]),
        "empty label values are dropped"
    );
    assert_eq!(e.samples[13].labels, labels(&[("a", "1"), ("b", "2")]));

    assert_eq!(
        e.help["http_requests_total"],
        "Total HTTP requests.\nBy code and version; backslash \\ kept."
    );
    assert_eq!(e.types["weird"], MetricType::Gauge);
}

#[test]
fn malformed_lines_are_reported_and_the_rest_is_kept() {
    let body = [
        "# TYPE h histogram",       // 1
        "good 1",                   // 2
        "bad{le=\"1\" 3",           // 3: unclosed label set
        "nan_word{a=\"b\"} twelve", // 4: bad value
        "extra 1 2 3",              // 5: trailing text
        "9starts_with_digit 1",     // 6: bad name
        "dup{a=\"x\",a=\"y\"} 1",   // 7: duplicate label
        "# TYPE t blah",            // 8: unknown type
        "# TYPE h histogram",       // 9: second TYPE
        "h_bucket{x=\"1\"} 4",      // 10: bucket without le
        "unterminated{a=\"b} 1",    // 11
        "ts 1 notatimestamp",       // 12
        "also_good{a=\"b\"} 2",     // 13
    ]
    .join("\n");
    let mut bytes = body.into_bytes();
    bytes.extend_from_slice(b"\nbin\xff{a=\"b\"} 1\nlast_good 3\r\n");
    let e = parse_exposition(&bytes);
    let lines: Vec<usize> = e.errors.iter().map(|err| err.line).collect();
    assert_eq!(
        lines,
        vec![3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14],
        "{:#?}",
        e.errors
    );
    let names: Vec<&str> = e.samples.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["good", "also_good", "last_good"]);
    assert!(
        e.errors[1].message.contains("twelve"),
        "{}",
        e.errors[1].message
    );
    assert!(
        e.errors[7].message.contains("no le"),
        "{}",
        e.errors[7].message
    );
}

#[test]
fn empty_and_comment_only_bodies() {
    assert_eq!(parse_exposition(b"").samples.len(), 0);
    let e = parse_exposition(b"\n\n# just a comment\n#\n   \n");
    assert!(e.samples.is_empty() && e.errors.is_empty(), "{e:?}");
}
