//! `[[health]] expect_json`: a 200 whose body says the service is not healthy is a failed
//! probe naming the field, against a loopback endpoint configured through `warroom.toml`.

mod fakes;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use fakes::events::{Running, is_timeout};
use fakes::{Fake, Reply};
use warroom::config::warroom::parse_str;
use warroom::event::{Event, ProbeRow};
use warroom::runbook::Format;
use warroom::sources::{HealthSpec, health, specs};

/// The `[[health]]` spec a config gives for `url`, probing every 200 ms.
fn spec_from_config(url: &str) -> HealthSpec {
    let text = format!(
        "[deployment]\nname = \"app\"\n\n[[health]]\nname = \"api\"\nurl = \"{url}\"\n\
         version_field = \"version\"\nexpect_json = {{ status = \"healthy\", \"checks.db\" = \"ok\" }}\n\
         interval = \"200ms\"\ntimeout = \"150ms\"\n"
    );
    let cfg = parse_str(&text, Format::Toml, "warroom.toml").expect("a valid config");
    specs(&cfg).health.remove(0)
}

fn probe(e: &Event) -> Option<&ProbeRow> {
    match e {
        Event::HealthProbed { probe, .. } => Some(probe),
        _ => None,
    }
}

#[tokio::test]
async fn a_200_with_an_unhealthy_body_is_a_failed_probe_naming_the_field() {
    // The endpoint answers 200 throughout; its body says "error" until it recovers.
    let healthy = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&healthy);
    let fake = Fake::start(move |_| {
        let status = if flag.load(Ordering::SeqCst) {
            "healthy"
        } else {
            "error"
        };
        Reply::json(
            200,
            format!(r#"{{"status":"{status}","version":"1.2.3","checks":{{"db":"ok"}}}}"#),
        )
    })
    .await;
    let spec = spec_from_config(fake.url("/health").as_str());
    let mut src = Running::spawn(|sink, cancel| health::run(spec, sink, cancel));

    let e = src
        .events
        .wait_for("an unhealthy probe", |e| {
            // A loaded machine may miss the 150 ms timeout now and then; that is not this test.
            probe(e).is_some_and(|p| p.error.as_deref().is_some_and(|m| !is_timeout(m)))
        })
        .await;
    let p = probe(&e).expect("probe");
    assert!(!p.ok, "{p:?}");
    assert_eq!(p.status, Some(200));
    assert_eq!(
        p.error.as_deref(),
        Some(r#"status is "error", expected "healthy""#)
    );
    assert_eq!(
        p.version.as_deref(),
        Some("1.2.3"),
        "read even when unhealthy"
    );

    healthy.store(true, Ordering::SeqCst);
    let e = src
        .events
        .wait_for("a healthy probe", |e| probe(e).is_some_and(|p| p.ok))
        .await;
    let p = probe(&e).expect("probe");
    assert_eq!((p.error.as_deref(), p.failures), (None, 0));
    src.stop().await;
}

#[tokio::test]
async fn a_body_that_lacks_a_field_or_is_not_json_fails_the_probe() {
    let fake = Fake::start(|req| {
        if req.path == "/text" {
            Reply::text(200, "OK")
        } else {
            Reply::json(200, r#"{"status":"healthy","version":"1.2.3"}"#)
        }
    })
    .await;
    for (path, want) in [
        (
            "/health",
            r#"no "checks.db" field in the JSON body, expected "ok""#,
        ),
        ("/text", "body is not JSON"),
    ] {
        let spec = spec_from_config(fake.url(path).as_str());
        let mut src = Running::spawn(|sink, cancel| health::run(spec, sink, cancel));
        let e = src
            .events
            .wait_for("a failed probe", |e| {
                probe(e).is_some_and(|p| p.error.as_deref().is_some_and(|m| m.starts_with(want)))
            })
            .await;
        assert!(!probe(&e).expect("probe").ok);
        src.stop().await;
    }
}
