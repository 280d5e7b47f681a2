//! The direct-scrape source, used when there is no Prometheus: every interval it GETs each
//! target's `/metrics`, keeps the counter history, and derives the per-version signals the way
//! the default PromQL queries would (`metrics::derive_signals`).
//!
//! Rates need at least two points in the window, so the first samples arrive with the second
//! scrape; until then every signal reads Unknown("no data"). Counter resets and missed scrapes
//! are handled by the rate math. After each complete scrape (every target answered) it also
//! records each version's cumulative request counters (`CountsObserved`) for the canary
//! verdict.
//!
//! Failures: when every target fails, the attempt fails (`SourceFailed`, backoff). When only
//! some fail, the samples from the others are still recorded, followed by a `SourceFailed`
//! naming the failing targets (so the pane says the data is partial), and a
//! `SourceRecovered` once they all answer again.

use std::sync::{Arc, Mutex};

use futures::future::join_all;
use jiff::Timestamp;
use reqwest::Url;
use tokio_util::sync::CancellationToken;

use super::Sink;
use super::http::{cause, display_url, ensure_tls_provider, read_capped};
use super::poll::{self, AttemptError};
use super::sample::{unknown_sample, version_samples};
use super::specs::ScrapeSpec;
use crate::event::{Event, Sample, Signal, SourceKind};
use crate::metrics::counters::counter_rows;
use crate::metrics::{History, Labels, Unknown, derive_signals, parse_exposition};

/// The content type asked for: the text format the parser reads.
const ACCEPT: &str = "text/plain;version=0.0.4";

/// Runs the scrape source until `cancel` fires or the sink closes.
pub async fn run(spec: ScrapeSpec, sink: Sink, cancel: CancellationToken) {
    let target = spec
        .targets
        .iter()
        .map(display_url)
        .collect::<Vec<_>>()
        .join(", ");
    let Some(client) = super::announce(
        &sink,
        &spec.source,
        SourceKind::Scrape,
        target,
        spec.interval,
        || {
            ensure_tls_provider();
            reqwest::Client::builder()
                .timeout(spec.timeout)
                .connect_timeout(spec.timeout)
                .redirect(reqwest::redirect::Policy::limited(3))
                .build()
                .map_err(|e| format!("cannot set up the HTTP client: {e}"))
        },
    )
    .await
    else {
        return;
    };
    // Keep the window plus a few scrapes, so a late scrape never shortens a rate.
    let retention = spec.signals.window + spec.interval * 3;
    let scraper = Arc::new(Scraper {
        state: Mutex::new(ScrapeState {
            history: History::new(retention),
            partial_failures: 0,
        }),
        client,
        spec,
    });
    let poll_spec = scraper.spec.poll();
    poll::run(poll_spec, sink, cancel, move || {
        let s = Arc::clone(&scraper);
        async move { s.attempt().await }
    })
    .await;
}

struct ScrapeState {
    history: History,
    /// Consecutive attempts in which some (not all) targets failed.
    partial_failures: u32,
}

struct Scraper {
    spec: ScrapeSpec,
    client: reqwest::Client,
    state: Mutex<ScrapeState>,
}

impl Scraper {
    async fn attempt(&self) -> Result<Vec<Event>, AttemptError> {
        let scraped_at = Timestamp::now();
        let t_ms = scraped_at.as_millisecond();
        let bodies = join_all(self.spec.targets.iter().map(|u| self.scrape(u))).await;

        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut failed = Vec::new();
        let mut read = Vec::new();
        for (url, body) in self.spec.targets.iter().zip(bodies) {
            let expo = body.map(|b| parse_exposition(&b)).and_then(|e| {
                match (e.samples.is_empty(), e.errors.first()) {
                    (true, Some(first)) => Err(format!(
                        "not a metrics page (line {}: {})",
                        first.line, first.message
                    )),
                    _ => Ok(e),
                }
            });
            match expo {
                Ok(e) => {
                    state.history.ingest(&e, &instance_labels(url), t_ms);
                    read.push(e);
                }
                Err(e) => failed.push(format!("{}: {e}", display_url(url))),
            }
        }
        if !self.spec.targets.is_empty() && failed.len() == self.spec.targets.len() {
            return Err(AttemptError(format!(
                "scrape failed: {}",
                failed.join("; ")
            )));
        }

        let samples = self.samples(&state.history, t_ms);
        let mut events = Vec::new();
        if failed.is_empty() && state.partial_failures > 0 {
            state.partial_failures = 0;
            events.push(Event::SourceRecovered {
                source: self.spec.source.clone(),
            });
        }
        let at = Timestamp::from_millisecond(t_ms).unwrap_or(scraped_at);
        events.push(Event::SamplesObserved {
            source: self.spec.source.clone(),
            at,
            samples,
        });
        // The verdict counts requests: a sum missing a target would read as a counter reset
        // now and a jump when it answers again, so counters go only with complete scrapes.
        if failed.is_empty() {
            events.push(Event::CountsObserved {
                source: self.spec.source.clone(),
                at,
                counts: counter_rows(&read, &self.spec.signals),
            });
        }
        if !failed.is_empty() {
            state.partial_failures = state.partial_failures.saturating_add(1);
            events.push(Event::SourceFailed {
                source: self.spec.source.clone(),
                error: format!(
                    "partial data: {} of {} targets failed: {}",
                    failed.len(),
                    self.spec.targets.len(),
                    failed.join("; ")
                ),
                attempt: state.partial_failures,
            });
        }
        Ok(events)
    }

    /// Samples for the configured versions (always, Unknown until seen) and every other
    /// version label value seen.
    fn samples(&self, history: &History, t_ms: i64) -> Vec<Sample> {
        let signals = derive_signals(history, &self.spec.signals, t_ms);
        let mut versions = self.spec.versions.clone();
        // Series without the version label ("") cannot be told apart; leave them out.
        for v in signals.keys() {
            if !v.is_empty() && !versions.contains(v) {
                versions.push(v.clone());
            }
        }
        versions
            .iter()
            .flat_map(|v| match signals.get(v) {
                Some(s) => version_samples(v, s),
                None => Signal::ALL
                    .iter()
                    .map(|&signal| unknown_sample(signal, v, &Unknown::NoData, None))
                    .collect(),
            })
            .collect()
    }

    /// One target's body, or why there is none.
    async fn scrape(&self, url: &Url) -> Result<Vec<u8>, String> {
        let mut resp = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, ACCEPT)
            .send()
            .await
            .map_err(|e| cause(&e, self.spec.timeout))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("HTTP {}", status.as_u16()));
        }
        read_capped(&mut resp, self.spec.max_body_bytes, self.spec.timeout)
            .await
            .map_err(|e| e.to_string())
    }
}

/// The `instance` label Prometheus would attach (`host:port`), which keeps the same series
/// from two targets apart until `sum` adds them up.
fn instance_labels(url: &Url) -> Labels {
    let host = url.host_str().unwrap_or("");
    let instance = match url.port_or_known_default() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    Labels::from([("instance".to_string(), instance)])
}
