//! Parser tests on every captured Prometheus 2.42 response in `tests/fixtures/prometheus/` and
//! every hand-made one in `tests/fixtures/prometheus-extra/`: each file is parsed with the HTTP
//! status and content type its `INDEX.md` records, and must come out as the expected kind. A
//! fixture added without an expectation here fails the test.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use warroom::prom::{ApiResponse, Data, ErrorType, QueryError, QueryResult, Retry, parse_response};

/// What a fixture must parse to.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Vector(usize),
    Matrix(usize),
    Scalar,
    Str,
    Alerts { firing: usize, pending: usize },
    Rules(usize),
    Targets(usize),
    BuildInfo,
    LabelValues(usize),
    Series(usize),
    Metadata(usize),
    Api(ErrorType, Retry),
    Http(u16, Retry),
    Malformed,
}

/// One row of an INDEX.md table.
struct Row {
    status: u16,
    content_type: String,
}

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Reads `| file | method | request | status | Content-Type | what |` rows.
fn index(dir: &Path) -> BTreeMap<String, Row> {
    let text = fs::read_to_string(dir.join("INDEX.md")).expect("INDEX.md");
    let mut rows = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with('|')) {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        let (file, status, content_type) = (cols[1], cols[4], cols[5]);
        let Ok(status) = status.parse::<u16>() else {
            continue; // header and separator rows
        };
        rows.insert(
            file.to_owned(),
            Row {
                status,
                content_type: content_type.to_owned(),
            },
        );
    }
    rows
}

fn kind_of(result: &Result<ApiResponse, QueryError>) -> Kind {
    let resp = match result {
        Ok(r) => r,
        Err(e @ QueryError::Api { error_type, .. }) => {
            return Kind::Api(error_type.clone(), e.retry());
        }
        Err(e @ QueryError::Http { status, .. }) => return Kind::Http(*status, e.retry()),
        Err(QueryError::Malformed(_)) => return Kind::Malformed,
        Err(other) => panic!("unexpected error {other}"),
    };
    match resp.data.as_ref().expect("data") {
        Data::Query(QueryResult::Vector(v)) => Kind::Vector(v.len()),
        Data::Query(QueryResult::Matrix(m)) => Kind::Matrix(m.len()),
        Data::Query(QueryResult::Scalar(_)) => Kind::Scalar,
        Data::Query(QueryResult::String(_)) => Kind::Str,
        Data::Alerts(a) => Kind::Alerts {
            firing: a.alerts.iter().filter(|a| a.is_firing()).count(),
            pending: a.alerts.iter().filter(|a| a.state == "pending").count(),
        },
        Data::Rules(r) => Kind::Rules(r.groups.iter().map(|g| g.rules.len()).sum()),
        Data::Targets(t) => Kind::Targets(t.active.len()),
        Data::BuildInfo(_) => Kind::BuildInfo,
        Data::LabelValues(v) => Kind::LabelValues(v.len()),
        Data::Series(s) => Kind::Series(s.len()),
        Data::Metadata(m) => Kind::Metadata(m.len()),
        Data::Other(v) => panic!("unclassified data {v}"),
    }
}

fn expected_captures() -> BTreeMap<&'static str, Kind> {
    use Kind::*;
    let bad = || Api(ErrorType::BadData, Retry::Never);
    BTreeMap::from([
        (
            "alerts.json",
            Alerts {
                firing: 1,
                pending: 0,
            },
        ),
        (
            "alerts_firing_and_pending.json",
            Alerts {
                firing: 1,
                pending: 1,
            },
        ),
        ("buildinfo.json", BuildInfo),
        ("error_bad_promql.json", bad()),
        ("error_bad_promql_2.json", bad()),
        ("error_bad_time.json", bad()),
        ("error_bad_timeout_param.json", bad()),
        (
            "error_execution_many_to_many.json",
            Api(ErrorType::Execution, Retry::Backoff),
        ),
        ("error_missing_query.json", bad()),
        ("error_not_found_endpoint.txt", Http(404, Retry::Never)),
        ("error_range_bad_step.json", bad()),
        ("error_range_end_before_start.json", bad()),
        ("error_range_too_many_points.json", bad()),
        ("error_range_vector_in_range_query.json", bad()),
        (
            "error_timeout.json",
            Api(ErrorType::Timeout, Retry::Backoff),
        ),
        // Health endpoints answer text: not an API response.
        ("healthy.txt", Malformed),
        ("ready.txt", Malformed),
        ("label_values_version.json", LabelValues(2)),
        ("metadata.json", Metadata(1)),
        ("query_alerts_metric.json", Vector(1)),
        ("query_matrix_instant.json", Matrix(1)),
        ("query_range_empty.json", Matrix(0)),
        ("query_range_matrix.json", Matrix(5)),
        ("query_range_matrix_ratio.json", Matrix(2)),
        ("query_scalar.json", Scalar),
        ("query_scalar_inf.json", Scalar),
        ("query_scalar_nan.json", Scalar),
        ("query_scalar_neginf.json", Scalar),
        ("query_string.json", Str),
        ("query_up.json", Vector(2)),
        ("query_vector_empty.json", Vector(0)),
        ("query_vector_histogram_quantile.json", Vector(2)),
        ("query_vector_nan_ratio.json", Vector(1)),
        ("query_vector_rate.json", Vector(5)),
        ("query_vector_rate_post.json", Vector(2)),
        ("query_vector_special_floats.json", Vector(3)),
        ("rules.json", Rules(3)),
        ("rules_alert_only.json", Rules(2)),
        ("rules_with_error.json", Rules(5)),
        ("series.json", Series(5)),
        ("targets.json", Targets(2)),
        ("targets_active.json", Targets(2)),
    ])
}

fn expected_extras() -> BTreeMap<&'static str, Kind> {
    use Kind::*;
    BTreeMap::from([
        ("warnings_vector.json", Vector(1)),
        ("warnings_empty.json", Vector(0)),
        ("infos_vector.json", Vector(1)),
        (
            "error_canceled.json",
            Api(ErrorType::Canceled, Retry::Backoff),
        ),
        (
            "error_internal.json",
            Api(ErrorType::Internal, Retry::Backoff),
        ),
        (
            "error_unavailable.json",
            Api(ErrorType::Unavailable, Retry::Backoff),
        ),
        (
            "error_not_found.json",
            Api(ErrorType::NotFound, Retry::Never),
        ),
        (
            "error_not_acceptable.json",
            Api(ErrorType::NotAcceptable, Retry::Never),
        ),
        (
            "error_unknown_type.json",
            Api(ErrorType::Other("quota_exceeded".into()), Retry::Backoff),
        ),
        ("truncated_vector.json", Malformed),
        ("html_bad_gateway.html", Http(502, Retry::Backoff)),
        ("not_prometheus_200.txt", Malformed),
        ("malformed_value.json", Malformed),
        ("malformed_shape.json", Malformed),
        ("stale_vector.json", Vector(1)),
    ])
}

/// Parses every file of `name` and checks it against `expected`; both the directory and the
/// index must list exactly the expected files.
fn check_dir(name: &str, expected: &BTreeMap<&'static str, Kind>) {
    let dir = dir(name);
    let index = index(&dir);
    let mut files: Vec<String> = fs::read_dir(&dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|f| f != "INDEX.md")
        .collect();
    files.sort();
    let want: Vec<&str> = expected.keys().copied().collect();
    assert_eq!(files, want, "{name}: fixture files and expectations differ");
    assert_eq!(
        index.keys().map(String::as_str).collect::<Vec<_>>(),
        want,
        "{name}: INDEX.md and expectations differ"
    );
    for (file, want) in expected {
        let row = &index[*file];
        let body = fs::read(dir.join(file)).expect("read fixture");
        let parsed = parse_response(row.status, Some(&row.content_type), &body);
        assert_eq!(&kind_of(&parsed), want, "{name}/{file}: {parsed:?}");
    }
}

#[test]
fn every_captured_fixture_parses_to_its_kind() {
    check_dir("prometheus", &expected_captures());
}

#[test]
fn every_extra_fixture_parses_to_its_kind() {
    check_dir("prometheus-extra", &expected_extras());
}

/// The simulator serves these types back: every JSON envelope must re-encode to the same JSON,
/// and query results byte for byte.
#[test]
fn json_fixtures_round_trip() {
    let mut checked = 0;
    for name in ["prometheus", "prometheus-extra"] {
        for entry in fs::read_dir(dir(name)).expect("fixture dir") {
            let path = entry.expect("entry").path();
            let file = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            if !file.ends_with(".json")
                || file.starts_with("malformed")
                || file.starts_with("truncated")
            {
                continue;
            }
            let body = fs::read(&path).expect("read");
            let resp: ApiResponse = serde_json::from_slice(&body).expect(&file);
            let again = serde_json::to_vec(&resp).expect("serialize");
            let back: ApiResponse = serde_json::from_slice(&again).expect("parse again");
            assert_eq!(back, resp, "{name}/{file} changed value on a round trip");
            let original: serde_json::Value = serde_json::from_slice(&body).expect("json");
            let reencoded: serde_json::Value = serde_json::from_slice(&again).expect("json");
            assert_eq!(
                original, reencoded,
                "{name}/{file} changed shape on a round trip"
            );
            if file.starts_with("query_") || file.starts_with("error_") {
                assert_eq!(
                    String::from_utf8_lossy(&body),
                    String::from_utf8_lossy(&again),
                    "{name}/{file} is not byte-identical after a round trip"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} JSON fixtures found");
}

#[test]
fn error_details_are_kept() {
    let body = fs::read(dir("prometheus").join("error_bad_promql.json")).expect("read");
    let err = parse_response(400, Some("application/json"), &body).expect_err("error");
    let QueryError::Api {
        http_status,
        error_type,
        message,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*http_status, error_type), (400, &ErrorType::BadData));
    assert!(message.contains("unclosed left parenthesis"), "{message}");
    assert!(err.to_string().contains("bad_data"), "{err}");

    let body = fs::read(dir("prometheus").join("error_not_found_endpoint.txt")).expect("read");
    let err = parse_response(404, Some("text/plain; charset=utf-8"), &body).expect_err("error");
    assert!(err.to_string().contains("404 page not found"), "{err}");

    let body = fs::read(dir("prometheus-extra").join("html_bad_gateway.html")).expect("read");
    let err = parse_response(502, Some("text/html"), &body).expect_err("error");
    assert!(err.to_string().contains("502 Bad Gateway"), "{err}");
    assert!(
        !err.to_string().contains('\n'),
        "control characters must be escaped: {err}"
    );

    let body = fs::read(dir("prometheus-extra").join("truncated_vector.json")).expect("read");
    let err = parse_response(200, Some("application/json"), &body).expect_err("error");
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn alerts_keep_names_states_and_raw_values() {
    let body = fs::read(dir("prometheus").join("alerts_firing_and_pending.json")).expect("read");
    let resp = parse_response(200, Some("application/json"), &body).expect("alerts");
    let alerts = &resp.alerts().expect("alerts data").alerts;
    assert_eq!(alerts[0].name(), "HighErrorRatio");
    assert!(alerts[0].is_firing());
    assert_eq!(alerts[0].value.raw(), "1.0714285714285714e-01");
    assert!((alerts[0].value.value() - 0.10714285714285714).abs() < 1e-15);
    assert_eq!(alerts[1].state, "pending");
    assert_eq!(
        alerts[1].active_at.expect("activeAt").to_string(),
        "2026-11-23T16:09:29.102586365Z"
    );
}

#[test]
fn rules_and_targets_expose_health() {
    let body = fs::read(dir("prometheus").join("rules_with_error.json")).expect("read");
    let resp = parse_response(200, Some("application/json"), &body).expect("rules");
    let Some(Data::Rules(rules)) = &resp.data else {
        panic!("{resp:?}")
    };
    let broken = rules.groups[0]
        .rules
        .iter()
        .find(|r| r.name == "BrokenRule")
        .expect("BrokenRule");
    assert_eq!(broken.health, "err");
    assert!(
        broken
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("many-to-many")
    );

    let body = fs::read(dir("prometheus").join("targets.json")).expect("read");
    let resp = parse_response(200, Some("application/json"), &body).expect("targets");
    let Some(Data::Targets(targets)) = &resp.data else {
        panic!("{resp:?}")
    };
    let down: Vec<&str> = targets
        .active
        .iter()
        .filter(|t| t.health == "down")
        .map(|t| t.scrape_url.as_str())
        .collect();
    assert_eq!(down.len(), 1);
    assert!(
        targets
            .active
            .iter()
            .any(|t| t.last_error.contains("connection refused"))
    );
}
