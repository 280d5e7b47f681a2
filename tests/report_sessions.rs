//! Reports on real session files (written through the session writer, decided by the real
//! rules): an auto-rollback, a manual rollback, a no-go, a completed release, a crash, a
//! damaged log, and lines of event types this version does not know.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod report_common;

use report_common::*;
use warroom::report::model::{OutcomeKind, Trigger};
use warroom::report::{self, Format};

#[test]
fn auto_rollback_names_the_rule_the_threshold_and_the_measured_value() {
    let dir = tempfile::tempdir().unwrap();
    let r = report::from_file(&bad_canary(dir.path())).unwrap();
    // The timeline names the auto-rollback with its rule, threshold and measured value.
    let auto = r
        .timeline
        .iter()
        .find(|e| e.kind == "auto-rollback")
        .expect("an auto-rollback entry");
    let rule = auto.rule.as_ref().expect("the rule behind it");
    assert_eq!(rule.rule, "error-ratio");
    assert_eq!(rule.window_s, 30);
    assert!(rule.breaches > 0 && rule.breaches <= rule.samples);
    let m = &rule.measurements[0];
    assert_eq!(
        (m.signal.as_str(), m.version.as_str()),
        ("error_ratio", "green")
    );
    assert_eq!(m.threshold, Some(0.05));
    assert!(m.value.unwrap() > 0.05 && m.over == Some(true));
    // Detection: the first breaching sample, then the request, then traffic on stable.
    let d = &r.detection.rollbacks[0];
    assert_eq!(d.trigger, Trigger::Auto);
    let first = d.first_breach.as_ref().expect("first breach");
    assert_eq!(first.value, 0.081);
    assert_eq!(first.threshold, 0.05);
    assert!(d.breach_to_request_s.unwrap() > 0.0);
    assert!(d.breach_to_stable_s.unwrap() > d.breach_to_request_s.unwrap());
    // Resolution: applied and verified with every check.
    let res = &r.resolution[0];
    assert_eq!(res.outcome.as_deref(), Some("applied"));
    assert_eq!(res.verified, Some(true));
    assert_eq!(res.checks.len(), 3);
    // The marker is on the timeline and on the charts.
    assert!(
        r.timeline
            .iter()
            .any(|e| e.kind == "marker" && e.summary.contains("customer reports of 500s"))
    );
    assert!(r.charts.markers.iter().any(|m| m.kind == "marker"));
    let md = report::render(&r, Format::Md).unwrap();
    for want in [
        "rolled back (automatic)",
        "rule `error-ratio`",
        "green error ratio 5.",
        "(limit 5.00 %: over)",
        "first breaching sample: green error ratio 8.10 % over the auto-rollback limit 5.00 %",
        "marker: customer reports of 500s",
        "signatures: unsigned",
    ] {
        assert!(md.contains(want), "missing {want:?} in\n{md}");
    }
    let html = report::render(&r, Format::Html).unwrap();
    assert!(html.contains("auto-rollback") && html.contains("5.00 %"));
    let json: serde_json::Value =
        serde_json::from_str(&report::render(&r, Format::Json).unwrap()).unwrap();
    assert_eq!(json["summary"]["outcome"], "rolled-back");
    assert_eq!(json["summary"]["rollback"], "auto");
}

#[test]
fn manual_rollback_keeps_the_reason_the_ticket_the_alert_and_the_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let r = report::from_file(&manual_rollback(dir.path())).unwrap();
    assert_eq!(r.summary.outcome, OutcomeKind::RolledBack);
    assert_eq!(r.summary.rollback, Some(Trigger::Manual));
    assert!(
        r.summary
            .detail
            .contains("checkout p95 over the SLO [INC-4711]")
    );
    let res = &r.resolution[0];
    assert_eq!(res.reason, "checkout p95 over the SLO");
    assert_eq!(res.ticket.as_deref(), Some("INC-4711"));
    assert_eq!(res.from_weight, 25);
    let kinds: Vec<&str> = r.timeline.iter().map(|e| e.kind).collect();
    for k in [
        "approval",
        "decision",
        "shift",
        "refusal",
        "alert",
        "rollback",
        "verification",
    ] {
        assert!(kinds.contains(&k), "no {k} in {kinds:?}");
    }
    assert!(
        r.timeline
            .iter()
            .any(|e| e.kind == "alert" && e.summary.contains("resolved: CheckoutLatencyHigh"))
    );
    // The p95 crossing of the SLO is what detection names for a manual rollback.
    let d = &r.detection.rollbacks[0];
    let first = d
        .first_breach
        .as_ref()
        .expect("a crossing before the rollback");
    assert_eq!(first.signal, "latency_p95");
    assert_eq!(first.threshold_of, "slo");
    // The checklist names who ticked what; nothing required was skipped at go.
    let oncall = r
        .checklist
        .items
        .iter()
        .find(|i| i.item == "oncall")
        .unwrap();
    assert_eq!(oncall.ticked.as_ref().unwrap().by.name, "oncall");
    assert!(r.checklist.skipped_at_go.is_empty());
    assert_eq!(
        r.summary.deployments[0]
            .rollback
            .as_ref()
            .unwrap()
            .ticket
            .as_deref(),
        Some("INC-4711")
    );
    // The scrape's outage, from its first failed attempt to its recovery.
    assert_eq!(r.outages.len(), 1);
    let o = &r.outages[0];
    assert_eq!(
        (o.source.as_str(), o.attempts, o.recovered),
        ("scrape", 3, true)
    );
    assert_eq!(o.duration_s, 6.0);
    assert_eq!(o.last_error, "connection refused");
    let md = report::render(&r, Format::Md).unwrap();
    assert!(
        md.contains("rolled back (manual)") && md.contains("INC-4711"),
        "{md}"
    );
    assert!(md.contains("| scrape | 2026-11-24T15:00:"), "{md}");
    assert!(md.contains("refused"), "{md}");
}

#[test]
fn no_go_is_the_outcome_with_its_reason_and_gates() {
    let dir = tempfile::tempdir().unwrap();
    let r = report::from_file(&no_go(dir.path())).unwrap();
    assert_eq!(r.summary.outcome, OutcomeKind::NoGo);
    assert!(r.summary.detail.contains("payments team asks to wait"));
    assert!(r.summary.deployments.is_empty());
    assert_eq!(r.gates.len(), 1);
    assert!(!r.gates[0].go);
    assert!(
        !r.gates[0].gates.is_empty(),
        "the gates at the decision are kept"
    );
    let md = report::render(&r, Format::Md).unwrap();
    assert!(md.contains("**no-go**") && md.contains("NO-GO"), "{md}");
}

#[test]
fn a_completed_release_reports_time_to_deploy() {
    let dir = tempfile::tempdir().unwrap();
    let r = report::from_file(&completed(dir.path())).unwrap();
    assert_eq!(
        r.summary.outcome,
        OutcomeKind::Completed,
        "{}",
        r.summary.detail
    );
    let d = &r.summary.deployments[0];
    assert!(d.live_at.is_some() && d.completed_at.is_some());
    let t = d.time_to_deploy_s.unwrap();
    assert!(t > 60.0 && t < 200.0, "go to the last step took {t} s");
    assert!(r.resolution.is_empty());
    assert_eq!(
        r.charts
            .share
            .iter()
            .filter_map(|s| s.1)
            .fold(0.0, f64::max),
        100.0
    );
}

#[test]
fn a_crashed_session_says_so_and_keeps_what_it_has() {
    let dir = tempfile::tempdir().unwrap();
    let r = report::from_file(&crashed(dir.path())).unwrap();
    assert_eq!(
        r.summary.outcome,
        OutcomeKind::Crashed,
        "{}",
        r.summary.detail
    );
    assert!(
        r.summary.detail.contains("at 10 % (step 1 of 4)"),
        "{}",
        r.summary.detail
    );
    let v = &r.verification;
    assert!(v.intact && !v.clean_close);
    assert!(v.torn_tail.is_some());
    let md = report::render(&r, Format::Md).unwrap();
    assert!(md.contains("ended without a clean close (crash or truncation)"));
    assert!(md.contains("torn final line"));
}

#[test]
fn a_session_that_recorded_its_panic_is_a_crash_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Recorder::start_on(dir.path(), "panicked", config(), 0);
    r.go();
    r.advance(2);
    r.step();
    let path = r.panicked("index out of bounds in the traffic pane");
    let r = report::from_file(&path).unwrap();
    assert_eq!(
        r.summary.outcome,
        OutcomeKind::Crashed,
        "{}",
        r.summary.detail
    );
    assert!(!r.verification.clean_close);
    assert!(r.timeline.iter().any(|e| e.kind == "session-crashed"));
    let md = report::render(&r, Format::Md).unwrap();
    assert!(
        md.contains("index out of bounds in the traffic pane"),
        "{md}"
    );
}

#[test]
fn the_release_is_led_by_who_decided_go_not_who_opened_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Recorder::start(dir.path(), "handover", config());
    r.go_by(&actor("night-lead", "deployment-lead"));
    let path = r.end("quit");
    let r = report::from_file(&path).unwrap();
    assert_eq!(
        r.summary.led_by.as_ref().map(|p| p.name.as_str()),
        Some("night-lead")
    );
}

#[test]
fn charts_start_at_the_first_measurement_of_a_log_opened_days_before() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Recorder::start_quiet(dir.path(), "early", config(), 0, 7 * 24 * 3600);
    let first = r.now.as_millisecond();
    r.go();
    r.advance(2);
    r.step();
    r.run(6, HEALTHY);
    let path = r.end("quit");
    let r = report::from_file(&path).unwrap();
    assert_eq!(r.charts.from_ms, Some(first), "{:?}", r.charts.from_ms);
    assert!(r.summary.duration_s.unwrap_or_default() >= 7.0 * 24.0 * 3600.0);
}

#[test]
fn a_damaged_log_is_named_and_still_shown() {
    let dir = tempfile::tempdir().unwrap();
    let path = bad_canary(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Edit a sample in the middle: its own hash no longer matches.
    let bad = lines
        .iter()
        .position(|l| l.contains("0.081"))
        .expect("a bad sample line");
    lines[bad] = lines[bad].replacen("0.081", "0.001", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let r = report::from_file(&path).unwrap();
    let v = &r.verification;
    assert!(!v.intact);
    assert_eq!(v.first_bad_line, Some(bad as u64 + 1));
    assert!(v.damage.as_deref().unwrap().contains("hash mismatch"));
    assert!(v.unverified_lines > 0);
    // The rest of the session is still there, marked unverified.
    let auto = r
        .timeline
        .iter()
        .find(|e| e.kind == "auto-rollback")
        .unwrap();
    assert!(!auto.verified);
    assert!(
        r.timeline
            .iter()
            .find(|e| e.kind == "decision")
            .unwrap()
            .verified
    );
    let md = report::render(&r, Format::Md).unwrap();
    assert!(
        md.contains(&format!("The log is damaged at line {}", bad + 1)),
        "{md}"
    );
    assert!(md.contains("*unverified*"));
    // The report's reading of the chain agrees with `verify`.
    let damage = warroom::session::verify_file(&path).unwrap().unwrap_err();
    assert_eq!(Some(damage.line), v.first_bad_line);
    assert_eq!(Some(damage.reason), v.damage.clone());
}

#[test]
fn unknown_event_types_are_shown_as_comms_and_signers() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Recorder::start(dir.path(), "foreign", config());
    r.run(4, &[("blue", 0.002, 0.150)]);
    r.apply(
        &lead(),
        warroom::event::Event::CommsDrafted {
            id: "c1".into(),
            kind: warroom::comms::CommsKind::Start,
            text: "Starting the 1.2.3 rollout\nsecond line".into(),
            post: true,
        },
    );
    r.apply(
        &lead(),
        warroom::event::Event::CommsSent {
            id: "c1".into(),
            ok: true,
            detail: "200 OK".into(),
            attempt: 1,
        },
    );
    let path = r.crash();
    let lead = lead();
    append_foreign(
        &path,
        "2026-11-24T15:00:05.000Z",
        &lead,
        serde_json::json!({"type": "PagerPaged", "kind": "start", "channel": "#releases",
            "text": "Paging the database on-call"}),
    );
    append_foreign(
        &path,
        "2026-11-24T15:00:06.000Z",
        &lead,
        serde_json::json!({"type": "HeadSigned", "head": {"seq": 6, "hash": "ab", "principal":
            "lead@example.com", "fingerprint": "SHA256:abc", "key_type": "ssh-ed25519",
            "namespace": "warroom-head@warroom", "signature": "-----BEGIN SSH SIGNATURE-----"}}),
    );
    append_foreign(
        &path,
        "2026-11-24T15:00:07.000Z",
        &lead,
        serde_json::json!({"type": "SessionEnded", "reason": "quit"}),
    );
    let rep = report::from_file(&path).unwrap();
    assert!(rep.verification.intact, "{:?}", rep.verification.damage);
    assert!(rep.verification.clean_close);
    // The recorded update and its post, then nothing from the unknown type.
    assert_eq!(rep.comms.len(), 2, "{:?}", rep.comms);
    assert!(
        rep.comms[0].summary.contains("Starting the 1.2.3 rollout"),
        "{}",
        rep.comms[0].summary
    );
    assert_eq!(rep.comms[1].kind, "CommsSent");
    assert!(rep.timeline.iter().any(|e| e.kind == "comms"));
    assert!(rep.verification.signed);
    let s = &rep.verification.signers[0];
    assert_eq!(s.principal.as_deref(), Some("lead@example.com"));
    assert_eq!(s.signed_seq, Some(6));
    let md = report::render(&rep, Format::Md).unwrap();
    assert!(
        md.contains("signed by lead@example.com with ssh-ed25519 key SHA256:abc"),
        "{md}"
    );
    assert!(md.contains("event type `PagerPaged`"), "{md}");
}

#[test]
fn a_long_session_is_charted_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let r = report::from_file(&long_session(dir.path(), 2)).unwrap();
    assert_eq!(
        r.summary.outcome,
        OutcomeKind::Completed,
        "{}",
        r.summary.detail
    );
    // 3,600 scrapes per series, cut to at most two points per bucket.
    for s in &r.charts.series {
        assert!(
            s.points.len() <= 2 * warroom::report::charts::BUCKETS,
            "{}",
            s.points.len()
        );
    }
    assert_eq!(r.timeline.iter().filter(|e| e.kind == "marker").count(), 2);
    assert_eq!(
        r.impact.budget.samples + r.impact.budget.unknown_samples,
        2 * 3_600 + 2
    );
}
