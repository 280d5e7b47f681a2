//! The gates source against loopback fakes and temp files: the staging check (status, expected
//! fields, a field that differs, unreachable, hanging), the soak from the answer's deployed-at
//! time, and the vulnerability report (Trivy JSON, a summary, missing, over the cap). Results
//! are recorded when they change, not on every poll.

mod fakes;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fakes::events::Running;
use fakes::{Fake, Reply, closed_port_url};
use jiff::{SignedDuration, Timestamp};
use reqwest::Url;
use serde_json::json;
use warroom::event::{Event, GateId, GateResult, GateStatus};
use warroom::sources::gates::{self, GatesSpec, ReportSpec, StagingSpec};

fn spec(staging: Option<StagingSpec>, report: Option<ReportSpec>) -> GatesSpec {
    GatesSpec {
        source: "gates".into(),
        interval: Duration::from_millis(100),
        timeout: Duration::from_millis(80),
        staging,
        report,
        advisory: vec![GateId::Vulnerabilities],
        max_body_bytes: gates::STAGING_MAX_BODY_BYTES,
        max_report_bytes: gates::REPORT_MAX_BYTES,
    }
}

fn staging(url: Url, soak: Option<Duration>) -> StagingSpec {
    StagingSpec {
        url,
        expect_json: BTreeMap::from([("status".to_string(), json!("PASSED"))]),
        deployed_at_field: Some("deployment.at".into()),
        soak,
    }
}

fn report(path: &Path) -> ReportSpec {
    ReportSpec {
        path: path.to_path_buf(),
        max_critical: 0,
    }
}

fn result(e: &Event, gate: GateId) -> Option<&GateResult> {
    match e {
        Event::GateObserved { result } if result.gate == gate => Some(result),
        _ => None,
    }
}

/// The next result for `gate` matching `pred`.
async fn next(src: &mut Running, gate: GateId, pred: impl Fn(&GateResult) -> bool) -> GateResult {
    let e = src
        .events
        .wait_for("GateObserved", |e| result(e, gate).is_some_and(&pred))
        .await;
    result(&e, gate).cloned().expect("result")
}

/// Waits until `done` holds, within the fakes' deadline.
async fn until(done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + fakes::events::DEADLINE;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn count(events: &[Event], gate: GateId) -> usize {
    events.iter().filter(|e| result(e, gate).is_some()).count()
}

#[tokio::test]
async fn staging_is_recorded_when_it_changes_and_not_on_every_poll() {
    let body = Arc::new(Mutex::new(
        json!({"status": "PASSED", "version": "1.2.3"}).to_string(),
    ));
    let served = Arc::clone(&body);
    let fake = Fake::start(move |_| Reply::json(200, served.lock().expect("body").clone())).await;
    let mut src = Running::spawn(|s, c| {
        gates::run(spec(Some(staging(fake.url("/verify"), None)), None), s, c)
    });
    let r = next(&mut src, GateId::StagingVerified, |_| true).await;
    assert_eq!(
        (r.status, r.why.as_str(), r.hard),
        (
            GateStatus::Pass,
            "staging verified: status = \"PASSED\"",
            true
        )
    );
    // Several more polls with the same answer record nothing new.
    until(|| fake.requests().len() >= 5).await;
    *body.lock().expect("body") = json!({"status": "FAILED"}).to_string();
    let r = next(&mut src, GateId::StagingVerified, |r| {
        r.status == GateStatus::Fail
    })
    .await;
    assert_eq!(r.why, "status is \"FAILED\", expected \"PASSED\"");
    let events = src.stop().await;
    assert_eq!(
        count(&events.seen, GateId::StagingVerified),
        2,
        "one event per change:\n{}",
        events.dump()
    );
    assert!(fake.requests().len() >= 6);
    assert_eq!(fake.requests()[0].headers["accept"], "application/json");
}

#[tokio::test]
async fn the_soak_counts_from_the_deployed_at_time_in_the_answer() {
    let two_hours_ago = Timestamp::now() - SignedDuration::from_hours(2);
    let body = json!({"status": "PASSED", "deployment": {"at": two_hours_ago.to_string()}});
    let fake = Fake::start(move |_| Reply::json(200, body.to_string())).await;
    let s = staging(fake.url("/verify"), Some(Duration::from_secs(3600)));
    let mut src = Running::spawn(|sink, c| gates::run(spec(Some(s), None), sink, c));
    let r = next(&mut src, GateId::StagingSoak, |_| true).await;
    assert_eq!(r.status, GateStatus::Pass, "{r:?}");
    assert!(r.why.starts_with("in staging for 2h"), "{}", r.why);
    assert_eq!(r.evidence["deployed_at"], two_hours_ago.to_string());
    src.stop().await;

    let recent = Timestamp::now() - SignedDuration::from_mins(10);
    let body = json!({"status": "PASSED", "deployment": {"at": recent.as_second()}});
    let fake = Fake::start(move |_| Reply::json(200, body.to_string())).await;
    let s = staging(fake.url("/verify"), Some(Duration::from_secs(3600)));
    let mut src = Running::spawn(|sink, c| gates::run(spec(Some(s), None), sink, c));
    let r = next(&mut src, GateId::StagingSoak, |_| true).await;
    assert_eq!(r.status, GateStatus::Fail, "{r:?}");
    assert!(
        r.why.starts_with("in staging for 10m of 1h; met in "),
        "{}",
        r.why
    );
    src.stop().await;
}

#[tokio::test]
async fn an_unreachable_or_silent_staging_check_is_unknown() {
    let s = staging(closed_port_url("/verify"), Some(Duration::from_secs(60)));
    let mut src = Running::spawn(|sink, c| gates::run(spec(Some(s), None), sink, c));
    let r = next(&mut src, GateId::StagingVerified, |_| true).await;
    assert_eq!(r.status, GateStatus::Unknown);
    assert!(
        r.why
            .starts_with("staging check: connection refused (http://127.0.0.1:"),
        "{}",
        r.why
    );
    let soak = next(&mut src, GateId::StagingSoak, |_| true).await;
    assert_eq!(
        soak.status,
        GateStatus::Unknown,
        "no answer, no deployed-at time"
    );
    src.stop().await;

    let fake = Fake::start(|_| Reply::Hang).await;
    let s = staging(fake.url("/verify"), None);
    let mut src = Running::spawn(|sink, c| gates::run(spec(Some(s), None), sink, c));
    let r = next(&mut src, GateId::StagingVerified, |_| true).await;
    assert_eq!(r.status, GateStatus::Unknown);
    assert!(r.why.contains("no answer within 80 ms"), "{}", r.why);
    src.stop().await;
}

fn write(path: &Path, value: &serde_json::Value) {
    std::fs::write(path, value.to_string()).expect("write report");
}

fn trivy(critical: &[&str]) -> serde_json::Value {
    let vulns: Vec<_> = critical
        .iter()
        .map(|id| json!({"VulnerabilityID": id, "Severity": "CRITICAL"}))
        .chain([json!({"VulnerabilityID": "CVE-2026-9", "Severity": "MEDIUM"})])
        .collect();
    json!({"SchemaVersion": 2, "Results": [{"Target": "app", "Vulnerabilities": vulns}]})
}

#[tokio::test]
async fn the_report_is_read_again_each_interval() {
    let dir = tempfile::tempdir().expect("dir");
    let path: PathBuf = dir.path().join("trivy.json");
    write(&path, &trivy(&["CVE-2026-1"]));
    let mut src = Running::spawn(|s, c| gates::run(spec(None, Some(report(&path))), s, c));
    let r = next(&mut src, GateId::Vulnerabilities, |_| true).await;
    assert_eq!(
        (r.status, r.why.as_str(), r.hard),
        (
            GateStatus::Fail,
            "1 critical (allowed 0) in trivy.json: CVE-2026-1",
            false
        )
    );
    write(&path, &trivy(&[]));
    let r = next(&mut src, GateId::Vulnerabilities, |r| {
        r.status == GateStatus::Pass
    })
    .await;
    assert_eq!(r.why, "0 critical (allowed 0) in trivy.json");
    // Seed 001's summary form.
    write(&path, &json!({"critical": 3}));
    let r = next(&mut src, GateId::Vulnerabilities, |r| {
        r.status == GateStatus::Fail
    })
    .await;
    assert_eq!(r.why, "3 critical (allowed 0) in trivy.json");
    std::fs::remove_file(&path).expect("remove");
    let r = next(&mut src, GateId::Vulnerabilities, |r| {
        r.status == GateStatus::Unknown
    })
    .await;
    assert_eq!(r.why, "cannot read trivy.json: no such file");
    src.stop().await;
}

#[tokio::test]
async fn a_report_over_the_cap_is_unknown_and_not_read() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("huge.json");
    std::fs::write(&path, vec![b' '; 4096]).expect("write");
    let mut s = spec(None, Some(report(&path)));
    s.max_report_bytes = 1024;
    let mut src = Running::spawn(|sink, c| gates::run(s, sink, c));
    let r = next(&mut src, GateId::Vulnerabilities, |_| true).await;
    assert_eq!(r.status, GateStatus::Unknown);
    assert_eq!(
        r.why,
        "cannot read huge.json: 4096 bytes is over the 1024-byte cap; not read"
    );
    src.stop().await;
}
