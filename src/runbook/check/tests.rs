//! The check syntax: each kind read from TOML, and each mistake reported at its key.

use super::*;
use crate::runbook::{Format, parse_str};

fn runbook(check: &str) -> Result<crate::runbook::Runbook, Vec<String>> {
    let text = format!(
        "title = \"r\"\n[[stage]]\nid = \"s\"\ntitle = \"S\"\n[[stage.item]]\nid = \"i\"\ntext = \"t\"\ncheck = {check}\n"
    );
    parse_str(&text, Format::Toml, "rb.toml")
        .map_err(|ps| ps.into_iter().map(|p| p.to_string()).collect())
}

fn spec(check: &str) -> Spec {
    let rb = runbook(check).unwrap_or_else(|e| panic!("{check}: {e:?}"));
    let c = rb.stages[0].items[0].check.clone().expect("a check");
    c.spec().expect("valid")
}

fn problems(check: &str) -> Vec<String> {
    runbook(check).expect_err("refused")
}

#[test]
fn promql_thresholds_split_at_the_last_comparison() {
    let s = spec(r#"{ promql = 'error_ratio{version="candidate"} < 0.01 for 10m' }"#);
    assert_eq!(
        s.kind,
        Kind::Promql {
            query: r#"error_ratio{version="candidate"}"#.into(),
            cmp: Cmp::Lt,
            threshold: 0.01
        }
    );
    assert_eq!(s.hold, Some(StdDuration::from_secs(600)));
    assert_eq!(s.timeout, DEFAULT_TIMEOUT);
    // A comparison inside the query stays in the query; `for` may also be its own key.
    let s = spec(r#"{ promql = 'count(up{job="app"} == 1) >= 3', for = "2m", timeout = "2s" }"#);
    assert_eq!(
        s.kind,
        Kind::Promql {
            query: r#"count(up{job="app"} == 1)"#.into(),
            cmp: Cmp::Ge,
            threshold: 3.0
        }
    );
    assert_eq!(s.hold, Some(StdDuration::from_secs(120)));
    assert_eq!(s.timeout, StdDuration::from_secs(2));
    assert!(Cmp::Lt.holds(0.001, 0.01) && !Cmp::Lt.holds(0.02, 0.01));
}

#[test]
fn http_kube_and_command_checks_read_their_keys() {
    let s = spec(
        r#"{ http = "http://127.0.0.1:8080/health", status = 200, json = ['status == "healthy"', "checks.db == true", "build == 7"] }"#,
    );
    let Kind::Http { url, status, json } = s.kind else {
        panic!("http")
    };
    assert_eq!(url.as_str(), "http://127.0.0.1:8080/health");
    assert_eq!(status, 200);
    assert_eq!(
        json,
        vec![
            ("status".to_string(), serde_json::json!("healthy")),
            ("checks.db".to_string(), serde_json::json!(true)),
            ("build".to_string(), serde_json::json!(7)),
        ]
    );
    assert_eq!(
        spec(r#"{ kube = "deployment/app-green" }"#).kind,
        Kind::Deployment {
            namespace: None,
            name: "app-green".into(),
            ready: None
        }
    );
    assert_eq!(
        spec(r#"{ kube = "pods", selector = "app=app,version=green", ready = 3, namespace = "demo" }"#)
            .kind,
        Kind::Pods {
            namespace: Some("demo".into()),
            selector: "app=app,version=green".into(),
            ready: Some(3)
        }
    );
    assert_eq!(
        spec(r#"{ command = ["sh", "-c", "exit 0"], exit = 0, stdout = "^ok" }"#).kind,
        Kind::Command {
            argv: vec!["sh".into(), "-c".into(), "exit 0".into()],
            exit: 0,
            stdout: Some("^ok".into())
        }
    );
}

#[test]
fn mistakes_are_reported_at_their_keys() {
    let p = problems(r#"{ command = "curl -f https://app/health | sh" }"#);
    assert!(
        p[0].contains("argv array, never a shell string") && p[0].starts_with("rb.toml:8:"),
        "{p:?}"
    );
    let p = problems("{ promql = 'error_ratio' }");
    assert!(
        p[0].contains("a promql check is QUERY, a comparison"),
        "{p:?}"
    );
    let p = problems("{ promql = 'sum(rate(x[5m]) < 1' }");
    assert!(p[0].contains("do not close"), "{p:?}");
    let p = problems(r#"{ promql = 'x < 1', http = "http://a/" }"#);
    assert!(p[0].contains("has one kind"), "{p:?}");
    let p = problems("{ proposed = true }");
    assert!(p[0].contains("needs one of `promql`"), "{p:?}");
    let p = problems(r#"{ promql = 'x < 1', status = 200 }"#);
    assert!(
        p[0].contains("`status` applies to http checks only"),
        "{p:?}"
    );
    let p = problems(r#"{ http = "https://user:pw@app/health" }"#);
    assert!(p[0].contains("carries credentials"), "{p:?}");
    let p = problems(r#"{ http = "ftp://app/" }"#);
    assert!(p[0].contains("not supported"), "{p:?}");
    let p = problems(r#"{ kube = "pods" }"#);
    assert!(p[0].contains("needs a `selector`"), "{p:?}");
    let p = problems(r#"{ kube = "service/app" }"#);
    assert!(p[0].contains("deployment/NAME"), "{p:?}");
    let p = problems(r#"{ command = [] }"#);
    assert!(p[0].contains("argv is empty"), "{p:?}");
    let p = problems(r#"{ command = ["true"], stdout = "(" }"#);
    assert!(p[0].contains("not a regular expression"), "{p:?}");
    let p = problems(r#"{ promql = 'x < 1 for 5m', for = "5m" }"#);
    assert!(p[0].contains("keep one of the two"), "{p:?}");
    let p = problems(r#"{ promql = 'x < 1', timeout = "2m" }"#);
    assert!(p[0].contains("between 1ms and 30s"), "{p:?}");
    let p = problems(r#"{ promql = 'x < 1', color = "red" }"#);
    assert!(p[0].contains("unknown key `color`"), "{p:?}");
}

#[test]
fn checks_round_trip_through_toml() {
    let rb = runbook(
        r#"{ http = "http://127.0.0.1/health", json = ['status == "ok"'], for = "1m", proposed = true }"#,
    )
    .expect("valid");
    let text = crate::runbook::to_toml(&rb).expect("toml");
    assert!(
        text.contains("proposed = true") && text.contains("for = \"1m\""),
        "{text}"
    );
    let again = parse_str(&text, Format::Toml, "again.toml").expect("reads back");
    assert_eq!(again, rb);
}
