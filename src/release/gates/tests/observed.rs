//! The staging check, the soak and the vulnerability report, judged; and the recorded results
//! read back by `evaluate`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::event::GateStatus::{Fail, NotConfigured, Pass, Unknown};
use crate::release::gates::observed::{
    StagingAnswer, deployed_at, judge_report, judge_soak, judge_staging,
};

fn answer(status: u16, body: Value) -> StagingAnswer {
    StagingAnswer::Answered {
        status,
        json: Ok(body),
    }
}

fn expect(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

#[test]
fn staging_passes_when_every_expected_field_is_equal() {
    let want = expect(&[("status", json!("PASSED")), ("checks.smoke", json!(true))]);
    let body = json!({"status": "PASSED", "checks": {"smoke": true}, "extra": 1});
    let (s, why, evidence) = judge_staging(&answer(200, body), &want);
    assert_eq!(s, Pass);
    assert_eq!(
        why,
        "staging verified: checks.smoke = true, status = \"PASSED\""
    );
    assert_eq!(evidence["fields"]["status"], "PASSED");
    // Numbers compare by value.
    let (s, _, _) = judge_staging(
        &answer(200, json!({"passed": 12.0})),
        &expect(&[("passed", json!(12))]),
    );
    assert_eq!(s, Pass);
}

#[test]
fn a_staging_failure_names_the_field_and_both_values() {
    let want = expect(&[("status", json!("PASSED")), ("version", json!("1.2.3"))]);
    let (s, why, _) = judge_staging(
        &answer(200, json!({"status": "FAILED", "version": "1.2.3"})),
        &want,
    );
    assert_eq!(
        (s, why.as_str()),
        (Fail, "status is \"FAILED\", expected \"PASSED\"")
    );
    let (s, why, _) = judge_staging(&answer(200, json!({"status": "PASSED"})), &want);
    assert_eq!(
        (s, why.as_str()),
        (Fail, "no field version in the answer (expected \"1.2.3\")")
    );
    let (s, why, _) = judge_staging(&answer(404, json!({})), &want);
    assert_eq!(
        (s, why.as_str()),
        (Fail, "staging check answered 404, expected 200")
    );
}

#[test]
fn an_unreadable_staging_answer_is_unknown() {
    let want = expect(&[("status", json!("PASSED"))]);
    let (s, why, _) = judge_staging(&answer(503, json!({})), &want);
    assert_eq!(
        (s, why.as_str()),
        (
            Unknown,
            "staging check answered 503; the result is not known"
        )
    );
    let down = StagingAnswer::Unreadable("connection refused (http://127.0.0.1:9/)".into());
    let (s, why, _) = judge_staging(&down, &want);
    assert_eq!(
        (s, why.as_str()),
        (
            Unknown,
            "staging check: connection refused (http://127.0.0.1:9/)"
        )
    );
    let html = StagingAnswer::Answered {
        status: 200,
        json: Err("expected value at line 1 column 1".into()),
    };
    let (s, why, _) = judge_staging(&html, &want);
    assert_eq!(
        (s, why.as_str()),
        (
            Unknown,
            "staging answer is not JSON: expected value at line 1 column 1"
        )
    );
}

#[test]
fn the_deployed_at_time_is_read_as_rfc3339_or_unix_time() {
    let a = answer(
        200,
        json!({"deployedAt": "2026-11-23T09:00:00+01:00", "s": 1_795_424_400, "ms": 1_795_424_400_000_i64,
               "nested": {"at": "2026-11-23T08:00:00Z"}, "bad": "yesterday"}),
    );
    assert_eq!(
        deployed_at(&a, "deployedAt"),
        Ok(ts("2026-11-23T08:00:00Z"))
    );
    assert_eq!(deployed_at(&a, "nested.at"), Ok(ts("2026-11-23T08:00:00Z")));
    assert_eq!(deployed_at(&a, "s"), Ok(ts("2026-11-23T09:00:00Z")));
    assert_eq!(deployed_at(&a, "ms"), Ok(ts("2026-11-23T09:00:00Z")));
    assert_eq!(
        deployed_at(&a, "bad"),
        Err("bad is \"yesterday\", not a time (RFC 3339 or Unix seconds)".into())
    );
    assert_eq!(
        deployed_at(&a, "missing"),
        Err("no field missing in the staging answer".into())
    );
}

#[test]
fn the_soak_passes_once_the_time_is_met() {
    let at = ts("2026-11-23T08:00:00Z");
    let hour = Duration::from_secs(3600);
    let (s, why, evidence) = judge_soak(Ok(at), hour, ts("2026-11-23T08:42:00Z"));
    assert_eq!(
        (s, why.as_str()),
        (Fail, "in staging for 42m of 1h; met in 18m")
    );
    assert_eq!(evidence["deployed_at"], "2026-11-23T08:00:00Z");
    let (s, why, _) = judge_soak(Ok(at), hour, ts("2026-11-23T10:05:00Z"));
    assert_eq!((s, why.as_str()), (Pass, "in staging for 2h 5m (needs 1h)"));
    let (s, why, _) = judge_soak(Ok(at), hour, ts("2026-11-23T07:00:00Z"));
    assert_eq!(s, Unknown);
    assert_eq!(
        why,
        "staging deployed-at 2026-11-23T08:00:00Z is 1h ahead of the clock"
    );
    let (s, why, _) = judge_soak(
        Err("no field deployedAt in the staging answer".into()),
        hour,
        at,
    );
    assert_eq!(
        (s, why.as_str()),
        (Unknown, "no field deployedAt in the staging answer")
    );
}

fn trivy(severities: &[(&str, &str)]) -> Vec<u8> {
    let vulns: Vec<Value> = severities
        .iter()
        .map(|(id, s)| json!({"VulnerabilityID": id, "Severity": s}))
        .collect();
    json!({
        "SchemaVersion": 2,
        "ArtifactName": "registry.example.com/app:1.2.3",
        "Results": [
            {"Target": "app (debian 12)", "Vulnerabilities": vulns},
            {"Target": "usr/bin/app"}
        ]
    })
    .to_string()
    .into_bytes()
}

#[test]
fn trivy_reports_count_critical_findings() {
    let clean = trivy(&[("CVE-2026-1", "HIGH"), ("CVE-2026-2", "LOW")]);
    let (s, why, evidence) = judge_report(Ok(clean), "trivy.json", 0);
    assert_eq!(
        (s, why.as_str()),
        (Pass, "0 critical (allowed 0) in trivy.json")
    );
    assert_eq!(evidence["artifact"], "registry.example.com/app:1.2.3");
    let bad = trivy(&[
        ("CVE-2026-1", "CRITICAL"),
        ("CVE-2026-2", "HIGH"),
        ("CVE-2026-3", "critical"),
        ("CVE-2026-4", "CRITICAL"),
        ("CVE-2026-5", "CRITICAL"),
    ]);
    let (s, why, evidence) = judge_report(Ok(bad.clone()), "trivy.json", 0);
    assert_eq!(
        (s, why.as_str()),
        (
            Fail,
            "4 critical (allowed 0) in trivy.json: CVE-2026-1, CVE-2026-3, CVE-2026-4, …"
        )
    );
    assert_eq!(evidence["critical"], 4);
    assert_eq!(judge_report(Ok(bad), "trivy.json", 4).0, Pass);
    // Nothing scanned: Trivy leaves Results out.
    let empty = br#"{"SchemaVersion": 2, "ArtifactName": "x"}"#.to_vec();
    assert_eq!(judge_report(Ok(empty), "trivy.json", 0).0, Pass);
}

#[test]
fn a_critical_summary_is_read_as_seed_001_does() {
    let (s, why, _) = judge_report(
        Ok(br#"{"critical": 2, "high": 5}"#.to_vec()),
        "scan.json",
        0,
    );
    assert_eq!(
        (s, why.as_str()),
        (Fail, "2 critical (allowed 0) in scan.json")
    );
    assert_eq!(
        judge_report(Ok(br#"{"critical": 0}"#.to_vec()), "scan.json", 0).0,
        Pass
    );
    let (s, why, _) = judge_report(Ok(br#"{"critical": "none"}"#.to_vec()), "scan.json", 0);
    assert_eq!(
        (s, why.as_str()),
        (Unknown, "scan.json: \"critical\" is \"none\", not a count")
    );
}

#[test]
fn an_unreadable_report_is_unknown_with_the_reason() {
    let (s, why, _) = judge_report(Err("No such file or directory".into()), "trivy.json", 0);
    assert_eq!(
        (s, why.as_str()),
        (Unknown, "cannot read trivy.json: No such file or directory")
    );
    let (s, why, _) = judge_report(Ok(b"{\"Results\": [".to_vec()), "trivy.json", 0);
    assert_eq!(s, Unknown);
    assert!(why.starts_with("trivy.json is not JSON: "), "{why}");
    let (s, why, _) = judge_report(Ok(br#"{"findings": []}"#.to_vec()), "trivy.json", 0);
    assert_eq!(
        (s, why.as_str()),
        (
            Unknown,
            "trivy.json: neither a Trivy report (Results) nor a summary ({\"critical\": N})"
        )
    );
}

fn observed_cfg() -> WarroomConfig {
    cfg(
        "",
        r#"[gates]
staging_soak = "1h"
staging_verified = { http = "http://127.0.0.1:9/verify", expect_json = { status = "PASSED" }, deployed_at_field = "deployedAt" }
vulnerabilities = { report = "trivy.json" }
"#,
    )
}

#[test]
fn recorded_results_are_read_back_and_the_soak_is_judged_at_now() {
    let c = observed_cfg();
    let mut s = state(&c);
    let now = ts("2026-11-23T08:30:00Z");
    for g in [
        GateId::StagingVerified,
        GateId::StagingSoak,
        GateId::Vulnerabilities,
    ] {
        let r = one(&s, now, g);
        assert_eq!(
            (r.status, r.why.as_str()),
            (Unknown, "not checked yet"),
            "{g:?}"
        );
        assert!(r.blocks());
    }
    let (status, why, evidence) = judge_soak(
        Ok(ts("2026-11-23T08:00:00Z")),
        Duration::from_secs(3600),
        now,
    );
    record(
        &mut s,
        "warroom",
        "",
        "2026-11-23T08:30:00Z",
        Event::GateObserved {
            result: GateResult {
                gate: GateId::StagingSoak,
                status,
                hard: true,
                why,
                evidence,
            },
        },
    );
    let r = one(&s, now, GateId::StagingSoak);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Fail, "in staging for 30m of 1h; met in 30m")
    );
    // No new observation is needed for the soak to be met.
    let r = one(&s, ts("2026-11-23T09:00:00Z"), GateId::StagingSoak);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Pass, "in staging for 1h (needs 1h)")
    );
}

#[test]
fn observed_gates_that_are_not_configured_let_the_release_through() {
    let c = cfg("", "");
    let s = state(&c);
    let now = ts("2026-11-23T08:30:00Z");
    let r = one(&s, now, GateId::Vulnerabilities);
    assert_eq!(
        (r.status, r.why.as_str()),
        (
            NotConfigured,
            "not configured ([gates] has no vulnerabilities)"
        )
    );
    assert!(!r.blocks());
}
