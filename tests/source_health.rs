//! The health source against loopback endpoints (RELIABILITY.md rows 26, 27): version from the
//! JSON body, wrong status, a hang, a redirect loop, a body that is not JSON, refused
//! connections and TLS. A failed probe is a `HealthProbed { ok: false }`, never a failed source.

mod fakes;

use std::time::Duration;

use fakes::events::{Running, failed_not_timeout, is_timeout};
use fakes::{Fake, Reply, closed_port_url, tls};
use reqwest::Url;
use warroom::event::{Event, ProbeRow, SourceKind};
use warroom::sources::{HealthSpec, health};

fn spec(url: Url) -> HealthSpec {
    HealthSpec::new(
        "api",
        url,
        Duration::from_millis(200),
        Duration::from_millis(150),
    )
}

fn probe(e: &Event) -> Option<&ProbeRow> {
    match e {
        Event::HealthProbed { source, probe } if source == "health:api" => Some(probe),
        _ => None,
    }
}

/// The first `n` probes of `spec` that did not time out, and every event seen.
async fn probes(spec: HealthSpec, n: usize) -> (Vec<ProbeRow>, Vec<Event>) {
    collect(spec, n, false).await
}

/// The first `n` probes of `spec` (timeouts skipped unless `keep_timeouts`: a loaded machine
/// may miss a 150 ms timeout now and then, and most tests are not about that).
async fn collect(spec: HealthSpec, n: usize, keep_timeouts: bool) -> (Vec<ProbeRow>, Vec<Event>) {
    let mut src = Running::spawn(|sink, cancel| health::run(spec, sink, cancel));
    let mut rows = Vec::new();
    while rows.len() < n {
        let e = src
            .events
            .wait_for("HealthProbed", |e| probe(e).is_some())
            .await;
        let row = probe(&e).cloned().expect("probe");
        if keep_timeouts || !row.error.as_deref().is_some_and(is_timeout) {
            rows.push(row);
        }
    }
    let events = src.stop().await;
    assert!(
        !events.seen.iter().any(|e| failed_not_timeout(e).is_some()),
        "an unhealthy endpoint is not a failed source:\n{}",
        events.dump()
    );
    (rows, events.seen)
}

#[tokio::test]
async fn a_healthy_endpoint_reports_its_version_and_latency() {
    let fake = Fake::start(|_| Reply::json(200, r#"{"status":"ok","version":"1.2.3"}"#)).await;
    let mut s = spec(fake.url("/health"));
    s.version_field = Some("version".into());
    let (rows, seen) = probes(s, 2).await;
    assert!(
        matches!(&seen[0], Event::SourceStarted { source, kind: SourceKind::Health, target, .. }
        if source == "health:api" && *target == fake.url("/health").to_string())
    );
    for r in rows {
        assert!(r.ok, "{r:?}");
        assert_eq!(
            (r.status, r.version.as_deref(), r.failures),
            (Some(200), Some("1.2.3"), 0)
        );
        assert!(r.latency_ms.is_some() && r.error.is_none(), "{r:?}");
    }
}

#[tokio::test]
async fn a_503_is_a_failed_probe_counting_consecutive_failures() {
    let fake = Fake::start(|_| Reply::json(503, r#"{"version":"1.2.3"}"#)).await;
    let mut s = spec(fake.url("/health"));
    s.version_field = Some("version".into());
    let (rows, _) = probes(s, 3).await;
    let mut previous = 0;
    for r in &rows {
        assert!(!r.ok);
        assert_eq!(r.status, Some(503));
        assert_eq!(r.error.as_deref(), Some("status 503, expected 200"));
        assert!(
            r.failures > previous,
            "consecutive failures count up: {rows:?}"
        );
        previous = r.failures;
        assert_eq!(
            r.version.as_deref(),
            Some("1.2.3"),
            "read even from a failing answer"
        );
    }
}

#[tokio::test]
async fn a_hanging_endpoint_times_out_and_the_source_still_stops() {
    let fake = Fake::start(|_| Reply::Hang).await;
    let (rows, _) = collect(spec(fake.url("/health")), 2, true).await;
    for r in rows {
        assert!(!r.ok);
        assert_eq!(r.error.as_deref(), Some("no answer within 150 ms"));
        assert_eq!((r.status, r.latency_ms), (None, None));
    }
}

#[tokio::test]
async fn a_redirect_loop_stops_at_the_cap() {
    let fake = Fake::start(|_| Reply::redirect("/loop")).await;
    let (rows, _) = probes(spec(fake.url("/loop")), 1).await;
    assert_eq!(rows[0].error.as_deref(), Some("too many redirects"));
    // The first request and five redirects.
    assert_eq!(fake.requests().len(), 6);
}

#[tokio::test]
async fn a_200_that_is_not_json_fails_when_a_version_is_expected() {
    let fake = Fake::start(|_| Reply::text(200, "<html>all good</html>")).await;
    let mut s = spec(fake.url("/health"));
    s.version_field = Some("version".into());
    let (rows, _) = probes(s, 1).await;
    let r = &rows[0];
    assert!(!r.ok);
    assert_eq!(r.status, Some(200));
    assert!(
        r.error
            .as_deref()
            .is_some_and(|e| e.starts_with("body is not JSON")),
        "{r:?}"
    );

    // Without a version field, the status alone decides.
    let (rows, _) = probes(spec(fake.url("/health")), 1).await;
    assert!(rows[0].ok, "{:?}", rows[0]);
}

#[tokio::test]
async fn a_refused_connection_is_a_failed_probe() {
    let (rows, _) = probes(spec(closed_port_url("/health")), 2).await;
    assert_eq!(rows[0].error.as_deref(), Some("connection refused"));
    assert!(rows[1].failures > rows[0].failures);
}

#[tokio::test]
async fn tls_is_verified_unless_the_endpoint_is_marked_insecure() {
    // TLS spoken to a plain-HTTP port: a TLS error, whatever the flag.
    let plain = Fake::start(|_| Reply::json(200, r#"{"version":"1"}"#)).await;
    let https = Url::parse(&format!("https://{}/health", plain.addr)).expect("url");
    let (rows, _) = probes(spec(https.clone()), 1).await;
    assert!(
        rows[0]
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("TLS: ")),
        "{:?}",
        rows[0]
    );

    let mut insecure = spec(https);
    insecure.insecure_skip_tls_verify = true;
    let (_, seen) = probes(insecure, 1).await;
    assert!(
        matches!(&seen[0], Event::SourceStarted { target, .. } if target.ends_with(" (TLS not verified)")),
        "{:?}",
        seen[0]
    );

    // A self-signed certificate, when one can be made here.
    let dir = tempfile::tempdir().expect("tmp");
    let Some((cert, key)) = tls::self_signed(dir.path()) else {
        fakes::tool::missing(
            "self-signed TLS probe",
            "no `openssl` command to make a certificate",
        );
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let addr = tls::serve(&cert, &key, r#"{"version":"9.9.9"}"#);
    let url = Url::parse(&format!("https://127.0.0.1:{}/health", addr.port())).expect("url");
    let mut verified = spec(url.clone());
    verified.version_field = Some("version".into());
    let (rows, _) = probes(verified.clone(), 1).await;
    let error = rows[0].error.as_deref().unwrap_or("");
    assert!(
        error.starts_with("TLS: invalid peer certificate"),
        "{:?}",
        rows[0]
    );

    verified.insecure_skip_tls_verify = true;
    let (rows, _) = probes(verified, 1).await;
    assert!(rows[0].ok, "{:?}", rows[0]);
    assert_eq!(rows[0].version.as_deref(), Some("9.9.9"));
}
