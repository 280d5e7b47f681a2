//! `warroom report --metrics DIR` on a directory of real session files: the policy's
//! deployment metrics and the DORA metrics, and every file that could not be counted listed
//! with its reason. Also the command line of `warroom report` for one session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod report_common;

use std::path::Path;
use std::process::Command;

use report_common::*;

fn warroom(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .current_dir(dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .output()
        .unwrap()
}

/// Six days of releases: a failed canary, its redeploy completing, a manual rollback with a
/// ticket, a crashed session, a no-go; plus a damaged log, an empty one and other files.
fn history(dir: &Path) {
    bad_canary_on(dir, "d0-bad-canary", 0);
    completed_on(dir, "d1-completed", 1);
    manual_rollback_on(dir, "d3-manual", 3);
    crashed_on(dir, "d5-crashed", 5);
    no_go_on(dir, "d6-no-go", 6);
    let damaged = bad_canary_on(dir, "d7-damaged", 7);
    let text = std::fs::read_to_string(&damaged).unwrap();
    std::fs::write(&damaged, text.replacen("\"seq\":3,", "\"seq\":33,", 1)).unwrap();
    std::fs::write(dir.join("empty.jsonl"), "").unwrap();
    std::fs::write(dir.join("README.txt"), "session logs of the app\n").unwrap();
    // The holder file a running war room keeps beside its log.
    std::fs::write(dir.join("d6-no-go.jsonl.lock"), "{\"pid\":1}\n").unwrap();
}

#[test]
fn metrics_across_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("sessions");
    std::fs::create_dir(&d).unwrap();
    history(&d);
    let out = warroom(
        &["report", "--metrics", "sessions", "--format", "json"],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("d7-damaged.jsonl: not counted: damaged at line 3"),
        "{stderr}"
    );

    assert_eq!(m["sessions"].as_array().unwrap().len(), 5);
    assert_eq!(
        m["deployments"].as_array().unwrap().len(),
        4,
        "the no-go did not deploy"
    );
    let p = &m["policy"];
    assert_eq!(p["deployment_success_rate"]["count"], 1);
    assert_eq!(p["deployment_success_rate"]["of"], 4);
    assert_eq!(p["rollback_frequency"]["count"], 2);
    // The auto-rollback and the rollback with an incident ticket caused incidents.
    assert_eq!(p["change_failure_rate"]["count"], 2);
    assert_eq!(p["mean_time_to_deploy"]["count"], 1);
    let mttd = p["mean_time_to_deploy"]["mean_s"].as_f64().unwrap();
    assert!(mttd > 60.0 && mttd < 200.0, "{mttd}");
    let f = &p["deployment_frequency"];
    assert_eq!(f["deployments"], 4);
    let days = f["days"].as_f64().unwrap();
    assert!(
        (days - 5.0).abs() < 0.01,
        "first go to last go: {days} days"
    );
    assert!((f["per_week"].as_f64().unwrap() - 4.0 / days * 7.0).abs() < 1e-9);

    let dora = &m["dora"];
    assert_eq!(
        dora["change_lead_time"]["note"],
        "unknown (no commit time recorded)"
    );
    assert!(dora["change_lead_time"]["mean_s"].is_null());
    assert_eq!(dora["change_fail_rate"]["value"], 0.5);
    // Redeploys right after a rollback: the completed release and the crashed session.
    assert_eq!(dora["deployment_rework_rate"]["count"], 2);
    let rec = &dora["failed_deployment_recovery_time"];
    assert_eq!(rec["count"], 2);
    assert!(rec["mean_s"].as_f64().unwrap() > 0.0);

    let bad: Vec<&str> = m["bad_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["file"].as_str().unwrap())
        .collect();
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(bad.iter().any(|b| b.ends_with("d7-damaged.jsonl")));
    assert!(bad.iter().any(|b| b.ends_with("empty.jsonl")));
    let ignored = m["ignored"].as_array().unwrap();
    assert!(
        ignored
            .iter()
            .any(|i| i.as_str().unwrap().ends_with("README.txt"))
    );
    assert!(
        ignored
            .iter()
            .any(|i| i.as_str().unwrap().ends_with(".lock")),
        "{ignored:?}"
    );

    let out = warroom(&["report", "--metrics", "sessions"], dir.path());
    assert!(out.status.success());
    let md = String::from_utf8(out.stdout).unwrap();
    for want in [
        "## Production deployment metrics",
        "| Deployment success rate (completed, no rollback) | 25.0 % (1 of 4) | > 95 % |",
        "| Rollback frequency | 50.0 % (2 of 4) | < 5 % |",
        "| Change lead time | unknown (no commit time recorded) |",
        "| Deployment rework rate (deployed right after a failed deployment) | 50.0 % (2 of 4) |",
        "d7-damaged.jsonl`: damaged at line 3",
        "empty.jsonl`: holds no complete session-log line",
    ] {
        assert!(md.contains(want), "missing {want:?} in\n{md}");
    }
}

#[test]
fn the_report_command_writes_every_format_and_fails_a_damaged_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = bad_canary(dir.path());
    let name = path.file_name().unwrap().to_str().unwrap();
    let out = warroom(&["report", name], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("# Post-mortem: app 1.2.3"));
    for (format, file, start) in [
        ("html", "r.html", "<!doctype html>"),
        ("json", "r.json", "{"),
        ("md", "r.md", "# Post-mortem"),
    ] {
        let out = warroom(
            &["report", name, "--format", format, "-o", file],
            dir.path(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty());
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(
            text.starts_with(start),
            "{format}: {}",
            &text[..40.min(text.len())]
        );
    }
    // Damage: the report is still written, and the exit code says the log failed to verify.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("\"name\":\"rm\"", "\"name\":\"mallory\"", 1),
    )
    .unwrap();
    let out = warroom(&["report", name, "-o", "damaged.md"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("damaged: hash mismatch"), "{stderr}");
    let md = std::fs::read_to_string(dir.path().join("damaged.md")).unwrap();
    assert!(md.contains("**DAMAGED at line"), "{md}");
    // Bad usage.
    let out = warroom(
        &["report", "--metrics", ".", "--format", "html"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let out = warroom(&["report", "missing.jsonl"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.jsonl: cannot read"));
}
