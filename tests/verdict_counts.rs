//! The scrape source records what the canary verdict counts: after each poll's samples, every
//! version's cumulative request, 5xx and histogram counters (summed over its series and
//! targets), and none while a target fails, since a sum missing a target would read as a
//! reset and then a jump.

mod fakes;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use fakes::events::Running;
use fakes::{Fake, Reply};
use reqwest::Url;
use warroom::event::{CounterRow, Event};
use warroom::sources::{ScrapeSpec, scrape};

/// The n-th scrape: blue serves 100 requests a scrape (1 a 500), green 50 (5 a 503).
fn exposition(n: u64) -> String {
    let k = (n + 1) as f64;
    format!(
        "# TYPE http_requests_total counter\n\
         http_requests_total{{version=\"blue\",code=\"200\"}} {}\n\
         http_requests_total{{version=\"blue\",code=\"500\"}} {}\n\
         http_requests_total{{version=\"green\",code=\"200\"}} {}\n\
         http_requests_total{{version=\"green\",code=\"503\"}} {}\n\
         # TYPE http_request_duration_seconds histogram\n\
         http_request_duration_seconds_bucket{{version=\"blue\",le=\"0.1\"}} {}\n\
         http_request_duration_seconds_bucket{{version=\"blue\",le=\"+Inf\"}} {}\n",
        99.0 * k,
        1.0 * k,
        45.0 * k,
        5.0 * k,
        90.0 * k,
        100.0 * k
    )
}

async fn metrics_fake() -> Fake {
    let n = Arc::new(AtomicU64::new(0));
    Fake::start(move |_| Reply::metrics(exposition(n.fetch_add(1, Ordering::SeqCst)))).await
}

fn spec(targets: Vec<Url>) -> ScrapeSpec {
    ScrapeSpec::new(
        targets,
        vec!["blue".into(), "green".into()],
        Duration::from_millis(200),
    )
}

fn counts(e: &Event) -> Option<&[CounterRow]> {
    match e {
        Event::CountsObserved { counts, .. } => Some(counts),
        _ => None,
    }
}

#[tokio::test]
async fn counters_follow_each_polls_samples() {
    let fake = metrics_fake().await;
    let mut src =
        Running::spawn(|sink, cancel| scrape::run(spec(vec![fake.url("/metrics")]), sink, cancel));
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let e = src
            .events
            .wait_for("CountsObserved", |e| counts(e).is_some())
            .await;
        seen.push(counts(&e).expect("counts").to_vec());
    }
    let events = src.stop().await;
    // Each CountsObserved comes right after its poll's SamplesObserved.
    for (i, e) in events.seen.iter().enumerate() {
        if counts(e).is_some() {
            assert!(
                matches!(
                    events.seen.get(i.wrapping_sub(1)),
                    Some(Event::SamplesObserved { .. })
                ),
                "{}",
                events.dump()
            );
        }
    }
    for rows in &seen {
        let blue = rows.iter().find(|r| r.version == "blue").expect("blue");
        let green = rows.iter().find(|r| r.version == "green").expect("green");
        let k = blue.requests / 100.0;
        assert!(k >= 1.0 && k.fract() == 0.0, "{blue:?}");
        assert_eq!(blue.errors, k);
        assert_eq!(
            (blue.le.clone(), blue.buckets.clone()),
            (vec![0.1], vec![90.0 * k, 100.0 * k])
        );
        // green has no histogram: its counts still go, its buckets do not.
        assert_eq!(green.errors * 10.0, green.requests);
        assert!(green.le.is_empty() && green.buckets.is_empty());
    }
    // Counters only grow between polls.
    assert!(seen.windows(2).all(|w| w[0][0].requests < w[1][0].requests));
}

#[tokio::test]
async fn no_counters_while_a_target_fails() {
    let fake = metrics_fake().await;
    let down = Arc::new(AtomicBool::new(true));
    let is_down = Arc::clone(&down);
    let flaky = Fake::start(move |_| {
        if is_down.load(Ordering::SeqCst) {
            Reply::text(503, "overloaded")
        } else {
            Reply::metrics("# nothing here\n")
        }
    })
    .await;
    let s = spec(vec![fake.url("/metrics"), flaky.url("/metrics")]);
    let mut src = Running::spawn(|sink, cancel| scrape::run(s, sink, cancel));
    for _ in 0..3 {
        src.events
            .wait_for("SamplesObserved", |e| {
                matches!(e, Event::SamplesObserved { .. })
            })
            .await;
    }
    down.store(false, Ordering::SeqCst);
    src.events
        .wait_for("CountsObserved", |e| counts(e).is_some())
        .await;
    let events = src.stop().await;
    let first_counts = events
        .seen
        .iter()
        .position(|e| counts(e).is_some())
        .expect("counts once both answer");
    let recovered = events
        .seen
        .iter()
        .position(|e| matches!(e, Event::SourceRecovered { .. }))
        .expect("recovered");
    assert!(recovered < first_counts, "{}", events.dump());
}
