//! The worker that posts status updates to the webhook, off the render loop: one task, posts in
//! order, each bounded by `[comms] timeout`, its outcome sent back as `CommsSent` for the loop
//! to record. The body is Slack's incoming-webhook JSON, `{"text": …}`. The URL is read from
//! the environment at each post and never appears in an event, an error or a log line.

use std::time::Duration;

use reqwest::Url;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::webhook;
use crate::effect::PostSpec;
use crate::event::Event;
use crate::sources::http::{cause, ensure_tls_provider, read_capped};

/// Posts waiting for the worker; more are answered at once as failed (retry later).
pub const QUEUE: usize = 16;

/// How much of the webhook's answer is kept for the detail.
const ANSWER_LIMIT: u64 = 4096;

/// The handle to the posting worker.
#[derive(Debug)]
pub struct Poster {
    tx: mpsc::Sender<PostSpec>,
}

impl Poster {
    /// Starts the worker; outcomes go to `outcomes`, and it stops when `cancel` fires.
    pub fn start(
        outcomes: mpsc::Sender<Event>,
        cancel: CancellationToken,
        tasks: &mut JoinSet<()>,
    ) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tasks.spawn(run(rx, outcomes, cancel));
        Self { tx }
    }

    /// Queues a post. When the queue is full (or the worker is gone) the outcome to record is
    /// returned instead: failed, with the text kept for a retry.
    pub fn submit(&self, spec: PostSpec) -> Result<(), Box<Event>> {
        self.tx.try_send(spec).map_err(|e| {
            let spec = e.into_inner();
            Box::new(failed(
                &spec,
                format!("{QUEUE} posts are already waiting; nothing was sent, retry later"),
            ))
        })
    }
}

async fn run(
    mut rx: mpsc::Receiver<PostSpec>,
    outcomes: mpsc::Sender<Event>,
    cancel: CancellationToken,
) {
    ensure_tls_provider();
    // No redirects: a webhook that answers with one has not taken the update, and following
    // it would send the text somewhere the URL did not name.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build();
    loop {
        let spec = tokio::select! {
            () = cancel.cancelled() => return,
            s = rx.recv() => match s {
                Some(s) => s,
                None => return,
            },
        };
        let event = match &client {
            Ok(c) => tokio::select! {
                () = cancel.cancelled() => return,
                e = send(c, &spec) => e,
            },
            Err(e) => failed(
                &spec,
                format!("cannot set up the HTTP client: {}", cause(e, spec.timeout)),
            ),
        };
        if outcomes.send(event).await.is_err() {
            return;
        }
    }
}

/// Posts one update and says what came of it.
pub async fn send(client: &reqwest::Client, spec: &PostSpec) -> Event {
    let var = &spec.url_env;
    let Some(url) = webhook::read(var) else {
        return failed(
            spec,
            format!("${var} is not set in the war room's environment; nothing was sent"),
        );
    };
    let parsed = match Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        // Never quote it: a mangled URL is still a secret.
        _ => {
            return failed(
                spec,
                format!("${var} does not hold an http(s) URL; nothing was sent"),
            );
        }
    };
    let body = serde_json::json!({ "text": spec.text });
    // The whole exchange is bounded, whatever the server does.
    let attempt = client.post(parsed).timeout(spec.timeout).json(&body).send();
    let grace = spec.timeout + Duration::from_secs(1);
    let result = match tokio::time::timeout(grace, attempt).await {
        Ok(r) => r,
        Err(_) => return failed(spec, timed_out(spec.timeout)),
    };
    let detail = match result {
        Err(e) => {
            let e = e.without_url();
            let why = if e.is_timeout() {
                timed_out(spec.timeout)
            } else {
                cause(&e, spec.timeout)
            };
            return failed(spec, webhook::mask_url(&why, &url));
        }
        Ok(mut resp) => {
            let status = resp.status();
            let answer = match tokio::time::timeout(
                grace,
                read_capped(&mut resp, ANSWER_LIMIT, spec.timeout),
            )
            .await
            {
                Ok(Ok(b)) => one_line(&String::from_utf8_lossy(&b)),
                _ => String::new(),
            };
            let mut d = format!("HTTP {}", status.as_u16());
            if let Some(reason) = status.canonical_reason() {
                d.push(' ');
                d.push_str(reason);
            }
            if !answer.is_empty() {
                d.push_str(": ");
                d.push_str(&answer);
            }
            let d = webhook::mask_url(&d, &url);
            if !status.is_success() {
                return failed(spec, d);
            }
            d
        }
    };
    Event::CommsSent {
        id: spec.id.clone(),
        ok: true,
        detail,
        attempt: spec.attempt,
    }
}

fn timed_out(timeout: Duration) -> String {
    let within = if timeout < Duration::from_secs(1) {
        format!("{} ms", timeout.as_millis())
    } else {
        crate::ui::timefmt::span(i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX))
    };
    format!("no answer within {within}; the webhook may or may not have taken it")
}

/// The first line of an answer, at most 200 characters.
fn one_line(s: &str) -> String {
    let line = s
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut out: String = line.chars().filter(|c| !c.is_control()).take(200).collect();
    if line.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// The outcome of a post that did not go through.
pub fn failed(spec: &PostSpec, detail: String) -> Event {
    Event::CommsSent {
        id: spec.id.clone(),
        ok: false,
        detail,
        attempt: spec.attempt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_cut_to_one_printable_line() {
        assert_eq!(one_line("\n ok \nmore"), "ok");
        assert_eq!(one_line("a\u{1b}[31mb"), "a[31mb");
        let long = "x".repeat(300);
        assert_eq!(one_line(&long).chars().count(), 201);
    }
}
