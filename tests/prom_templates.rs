//! Query templates: `{version}` and `{window}` filled into PromQL, escaped for where they stand.

use std::time::Duration;

use warroom::prom::{QueryTemplates, TemplateError, promql_duration, render};

#[test]
fn templates_render_and_escape() {
    let t = QueryTemplates::default();
    let q = render(&t.error_ratio, "green", Duration::from_secs(300)).expect("render");
    assert_eq!(
        q,
        r#"(sum(rate(http_requests_total{code=~"5..",version="green"}[5m])) or vector(0)) / sum(rate(http_requests_total{version="green"}[5m]))"#
    );
    let p99 = render(&t.latency_p99, "blue", Duration::from_secs(60)).expect("render");
    assert_eq!(
        p99,
        r#"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{version="blue"}[1m])))"#
    );
    // Hostile values cannot break out of the string.
    let evil = render(
        r#"up{version="{version}"}"#,
        "a\"} or vector(1) #\\\n",
        Duration::from_secs(1),
    )
    .expect("render");
    assert_eq!(evil, r#"up{version="a\"} or vector(1) #\\\n"}"#);
    // Regex matchers escape metacharacters; single quotes escape single quotes.
    let re = render(
        r#"up{version=~"{version}"}"#,
        "1.2.3",
        Duration::from_secs(1),
    )
    .expect("render");
    assert_eq!(re, r#"up{version=~"1\\.2\\.3"}"#);
    let sq = render("up{version='{version}'}", "it's", Duration::from_secs(1)).expect("render");
    assert_eq!(sq, r"up{version='it\'s'}");
    // Outside a string only identifiers may stand; inside backticks no backtick.
    assert!(matches!(
        render("sum by ({version}) (up)", "a b", Duration::from_secs(1)),
        Err(TemplateError::NotAllowedHere { .. })
    ));
    assert!(render("sum by ({version}) (up)", "version", Duration::from_secs(1)).is_ok());
    assert!(render("up{v=`{version}`}", "a`b", Duration::from_secs(1)).is_err());
    assert!(matches!(
        render(r#"up{version="{version}}"#, "x", Duration::from_secs(1)),
        Err(TemplateError::UnterminatedString { offset: 11, .. })
    ));
    // Existing escapes in the template are copied, not re-read as quotes.
    assert_eq!(
        render(r#"up{a="x\"{version}"}"#, "v", Duration::from_secs(1)).expect("render"),
        r#"up{a="x\"v"}"#
    );
    let all = t.render_all("blue", Duration::from_secs(30)).expect("all");
    assert_eq!(all.len(), 5);
    assert!(
        all.iter()
            .all(|(_, q)| q.contains("[30s]") && q.contains(r#"version="blue""#))
    );
}

#[test]
fn windows_render_in_promql_units() {
    assert_eq!(promql_duration(Duration::from_secs(3600)).expect("h"), "1h");
    assert_eq!(promql_duration(Duration::from_secs(300)).expect("m"), "5m");
    assert_eq!(promql_duration(Duration::from_secs(90)).expect("s"), "90s");
    assert_eq!(
        promql_duration(Duration::from_millis(1500)).expect("ms"),
        "1500ms"
    );
    assert!(promql_duration(Duration::ZERO).is_err());
    assert!(promql_duration(Duration::from_nanos(1_500)).is_err());
}
