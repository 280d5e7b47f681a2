//! The Prometheus source: every interval, one instant query per signal and version, all
//! evaluated at the same `time=T` (RELIABILITY.md row 11), plus `/api/v1/alerts` and each
//! version's request counters for the canary verdict (`counts`); at start, a range query per
//! series so charts open with the last 30 minutes.
//!
//! What fails what:
//! - refused, timed out, 5xx, `status:"error"`, malformed or oversized answers fail the attempt
//!   (`SourceFailed` with the attempt count, backoff, `SourceRecovered` later);
//! - a usable answer whose value is NaN, ±Inf, empty, stale or came with warnings is a
//!   successful attempt with Unknown samples: the data is unknown, the source is fine;
//! - `bad_data` (400) is a config error: reported once as `ConfigWarned` naming the signal and
//!   the fix, that signal is not queried again (it cannot heal without a config change) and reads
//!   Unknown("bad query: …"), and the other signals keep flowing;
//! - a counter query that fails records no counts for that poll (the verdict counts the gap
//!   as one longer poll later), and a refused one (`bad_data`) is reported once and stops the
//!   counts: neither fails the attempt, since the signals are fine.

pub(crate) mod client;
pub(crate) mod convert;
pub(crate) mod counts;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::join_all;
use jiff::Timestamp;
use tokio_util::sync::CancellationToken;

use self::client::Client;
use self::convert::{
    alert_rows, bad_query_message, bad_query_sample, failure_message, is_bad_query, sample_of,
    series_of, template_of,
};
use self::counts::VersionQueries;
use super::Sink;
use super::http::display_url;
use super::poll::{self, AttemptError};
use super::specs::PrometheusSpec;
use crate::event::{AlertRow, Event, Signal, SourceKind};
use crate::prom::{PromTime, QueryError, Retry, range_for, render};

/// Attempts (that otherwise succeeded) in which a failed backfill query is retried.
const BACKFILL_TRIES: u32 = 3;

/// The config problem of a counter query that cannot be sent or that Prometheus refused.
fn bad_counters(why: &str) -> String {
    format!(
        "bad counter query: {why}; fix [prometheus.queries] requests, errors and \
         latency_buckets in warroom.toml (the verdict reads NODATA without them)"
    )
}

/// Runs the Prometheus source until `cancel` fires or the sink closes.
pub async fn run(spec: PrometheusSpec, sink: Sink, cancel: CancellationToken) {
    let target = display_url(&spec.url);
    let Some(client) = super::announce(
        &sink,
        &spec.source,
        SourceKind::Prometheus,
        target,
        spec.interval,
        || Client::new(&spec),
    )
    .await
    else {
        return;
    };
    // A missing token file is retried by every attempt until it appears.
    let _ = client.load_token().await;
    let poller = Arc::new(Poller::new(spec, client));
    let poll_spec = poller.spec.poll();
    poll::run(poll_spec, sink, cancel, move || {
        let p = Arc::clone(&poller);
        async move { p.attempt().await }
    })
    .await;
}

/// One query to run each attempt.
struct Query {
    signal: Signal,
    version: String,
    promql: String,
}

/// What the source remembers between attempts.
#[derive(Default)]
struct State {
    /// Signals whose query is a config error, with the message and whether it was reported.
    broken: BTreeMap<Signal, (String, bool)>,
    /// Indices of queries whose backfill is still to do.
    backfill: BTreeSet<usize>,
    /// Attempts that tried the backfill.
    backfill_tries: u32,
    /// The alerts last recorded; `None` before the first.
    alerts: Option<Vec<AlertRow>>,
    /// Whether alerts are fetched (off after a permanent error such as a 404).
    alerts_enabled: bool,
    /// Config problems to report once, with the next successful attempt (unusable
    /// versions, an alerts endpoint that is not there).
    problems: Vec<String>,
    /// Whether the counters are still asked for (off after Prometheus refused a query).
    counting: bool,
}

struct Poller {
    spec: PrometheusSpec,
    client: Client,
    queries: Vec<Query>,
    counters: Vec<VersionQueries>,
    state: Mutex<State>,
}

/// What the queries of one attempt returned.
struct Answers {
    at: Timestamp,
    instant: Vec<Result<crate::prom::ApiResponse, QueryError>>,
    backfill: Vec<(usize, Result<crate::prom::ApiResponse, QueryError>)>,
    alerts: Option<Result<crate::prom::ApiResponse, QueryError>>,
    /// Three answers per version of `counters`, in order; empty when not counting.
    counts: Vec<Result<crate::prom::ApiResponse, QueryError>>,
}

impl Poller {
    /// Renders every query once: versions and window do not change during a run, and a
    /// template that cannot be filled in is a config error known before any request.
    fn new(spec: PrometheusSpec, client: Client) -> Self {
        let mut state = State {
            alerts_enabled: true,
            counting: true,
            ..State::default()
        };
        if spec.versions.is_empty() {
            state.problems.push(
                "no versions to query; set [versions] stable and candidate (or [deployment] stable and release) in warroom.toml".into(),
            );
        }
        let mut queries = Vec::new();
        for signal in Signal::ALL {
            let template = template_of(&spec.queries, signal);
            for version in &spec.versions {
                match render(template, version, spec.window) {
                    Ok(promql) => queries.push(Query {
                        signal,
                        version: version.clone(),
                        promql,
                    }),
                    Err(e) => {
                        let message = format!(
                            "bad query for {}: {e}; fix [prometheus.queries] in warroom.toml",
                            signal.name()
                        );
                        state.broken.entry(signal).or_insert((message, false));
                    }
                }
            }
        }
        // A signal with any unrenderable version is dropped for all, like a bad_data answer.
        queries.retain(|q| !state.broken.contains_key(&q.signal));
        state.backfill = (0..queries.len()).collect();
        let t = &spec.queries;
        let mut counters = Vec::new();
        for version in &spec.versions {
            let rendered = [&t.requests, &t.errors, &t.latency_buckets]
                .map(|template| render(template, version, spec.window));
            match rendered {
                [Ok(a), Ok(b), Ok(c)] => counters.push(VersionQueries {
                    version: version.clone(),
                    promql: [a, b, c],
                }),
                [a, b, c] => {
                    let e = [a, b, c].into_iter().find_map(Result::err);
                    state
                        .problems
                        .push(bad_counters(&e.map_or_else(String::new, |e| e.to_string())));
                    state.counting = false;
                }
            }
        }
        Self {
            spec,
            client,
            queries,
            counters,
            state: Mutex::new(state),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One attempt: query, then turn the answers into events (or the attempt's failure).
    async fn attempt(&self) -> Result<Vec<Event>, AttemptError> {
        if self.client.needs_token() {
            self.client
                .load_token()
                .await
                .map_err(|e| AttemptError(self.client.scrub(&e)))?;
        }
        let answers = self.ask().await;
        let mut state = self.state();
        self.digest(&mut state, answers)
            .map_err(|e| AttemptError(self.client.scrub(&e)))
    }

    /// Sends every query of an attempt concurrently.
    async fn ask(&self) -> Answers {
        let now = Timestamp::now();
        let t = PromTime::from_timestamp(now);
        let at = t.to_timestamp().unwrap_or(now);
        let (active, backfill, alerts, counting) = {
            let s = self.state();
            let active: Vec<usize> = (0..self.queries.len())
                .filter(|&i| !s.broken.contains_key(&self.queries[i].signal))
                .collect();
            let backfill: Vec<usize> = s.backfill.iter().copied().collect();
            (active, backfill, s.alerts_enabled, s.counting)
        };
        let step = self.spec.interval.max(Duration::from_secs(1));
        let range = range_for(at, self.spec.backfill, step);
        let instant = join_all(
            active
                .iter()
                .map(|&i| async move { (i, self.client.query(&self.queries[i].promql, t).await) }),
        );
        let ranged = join_all(backfill.iter().map(|&i| async move {
            (
                i,
                self.client
                    .query_range(&self.queries[i].promql, range)
                    .await,
            )
        }));
        let alerting = async {
            if alerts {
                Some(self.client.alerts().await)
            } else {
                None
            }
        };
        let counting = join_all(
            self.counters
                .iter()
                .filter(|_| counting)
                .flat_map(|v| v.promql.iter())
                .map(|promql| self.client.query(promql, t)),
        );
        let (instant, backfill, alerts, counts) = tokio::join!(instant, ranged, alerting, counting);
        // Broken signals keep their place in the sample list with the reason.
        let mut by_index: BTreeMap<usize, _> = instant.into_iter().collect();
        let instant = (0..self.queries.len())
            .map(|i| {
                by_index
                    .remove(&i)
                    .unwrap_or(Err(QueryError::Malformed(String::new())))
            })
            .collect();
        Answers {
            at,
            instant,
            backfill,
            alerts,
            counts,
        }
    }

    /// Turns an attempt's answers into events, updating what is remembered.
    fn digest(&self, s: &mut State, a: Answers) -> Result<Vec<Event>, String> {
        let source = &self.spec.source;
        // Bad queries are recorded even when the attempt fails for another reason, so they
        // are not sent again.
        let mut failure = None;
        for (q, r) in self.queries.iter().zip(&a.instant) {
            match r {
                Err(e) if is_bad_query(e) => {
                    let message = bad_query_message(q.signal, e);
                    s.broken.entry(q.signal).or_insert((message, false));
                }
                Err(e) if !s.broken.contains_key(&q.signal) && failure.is_none() => {
                    failure = Some(match e {
                        // Every query shares the cause; no need to name one.
                        QueryError::Transport(_) => failure_message(e),
                        _ => format!(
                            "{} ({} for {})",
                            failure_message(e),
                            q.signal.name(),
                            q.version
                        ),
                    });
                }
                _ => {}
            }
        }
        let mut alert_events = Vec::new();
        match &a.alerts {
            Some(Ok(resp)) => match resp.alerts() {
                Some(data) => {
                    let rows = alert_rows(data);
                    if s.alerts.as_ref() != Some(&rows) {
                        s.alerts = Some(rows.clone());
                        alert_events.push(Event::AlertsObserved {
                            source: source.clone(),
                            alerts: rows,
                        });
                    }
                }
                None => {
                    s.alerts_enabled = false;
                    s.problems.push(
                        "alerts unavailable: /api/v1/alerts answered without alerts; the alerts pane stays empty".into(),
                    );
                }
            },
            Some(Err(e)) if e.retry() == Retry::Never => {
                s.alerts_enabled = false;
                s.problems.push(format!(
                    "alerts unavailable: {}; the alerts pane stays empty",
                    failure_message(e)
                ));
            }
            Some(Err(e)) => {
                failure.get_or_insert_with(|| format!("{} (alerts)", failure_message(e)));
            }
            None => {}
        }
        if let Some(f) = failure {
            return Err(f);
        }

        let mut events = Vec::new();
        let mut series = Vec::new();
        for (i, r) in &a.backfill {
            let q = &self.queries[*i];
            match r {
                Ok(resp) => match series_of(q.signal, &q.version, resp) {
                    // Nothing recorded yet for this series: nothing worth a log line.
                    Ok(s) if s.points.is_empty() => {}
                    Ok(s) => series.push(s),
                    Err(u) => tracing::warn!(signal = q.signal.name(), "backfill unusable: {u}"),
                },
                Err(e) if e.retry() == Retry::Backoff => continue,
                Err(e) => tracing::warn!(signal = q.signal.name(), "backfill refused: {e}"),
            }
            s.backfill.remove(i);
        }
        if !a.backfill.is_empty() {
            s.backfill_tries += 1;
            if s.backfill_tries >= BACKFILL_TRIES && !s.backfill.is_empty() {
                tracing::warn!("backfill gave up on {} series", s.backfill.len());
                s.backfill.clear();
            }
        }
        if !series.is_empty() {
            events.push(Event::SeriesBackfilled {
                source: source.clone(),
                series,
            });
        }

        let samples = self
            .queries
            .iter()
            .zip(&a.instant)
            .map(|(q, r)| match (s.broken.get(&q.signal), r) {
                (Some((message, _)), _) => bad_query_sample(q.signal, &q.version, message),
                (None, Ok(resp)) => {
                    sample_of(q.signal, &q.version, resp, a.at, self.spec.max_sample_age)
                }
                // Unreachable: a failed query failed the attempt above.
                (None, Err(e)) => bad_query_sample(q.signal, &q.version, &failure_message(e)),
            })
            // Signals broken from the start have no query; they still get their samples.
            .chain(s.broken.iter().flat_map(|(signal, (message, _))| {
                let queried = self.queries.iter().any(|q| q.signal == *signal);
                let versions = if queried {
                    &[][..]
                } else {
                    &self.spec.versions[..]
                };
                versions
                    .iter()
                    .map(|v| bad_query_sample(*signal, v, message))
            }))
            .collect();
        events.push(Event::SamplesObserved {
            source: source.clone(),
            at: a.at,
            samples,
        });
        events.extend(alert_events);
        events.extend(self.counts(s, &a));
        // Config problems (a bad query, no alerts endpoint) are warnings, not an outage: the
        // other signals keep flowing, and the affected samples carry the same message.
        let mut problems: Vec<String> = std::mem::take(&mut s.problems);
        for (message, reported) in s.broken.values_mut() {
            if !*reported {
                *reported = true;
                problems.push(message.clone());
            }
        }
        events.extend(
            problems
                .into_iter()
                .map(|message| Event::ConfigWarned { message }),
        );
        Ok(events)
    }

    /// The poll's `CountsObserved`: only when every counter query answered, since a version
    /// missing from one poll and back in the next would read as a jump.
    fn counts(&self, s: &mut State, a: &Answers) -> Option<Event> {
        if a.counts.is_empty() {
            return None;
        }
        if let Some(e) = a.counts.iter().find_map(|r| r.as_ref().err()) {
            if is_bad_query(e) {
                s.counting = false;
                s.problems.push(bad_counters(&failure_message(e)));
            } else {
                tracing::debug!("counters not read this poll: {}", failure_message(e));
            }
            return None;
        }
        let answers: Vec<&crate::prom::ApiResponse> =
            a.counts.iter().filter_map(|r| r.as_ref().ok()).collect();
        let counts = self
            .counters
            .iter()
            .zip(answers.chunks_exact(3))
            .filter_map(|(v, r)| counts::row(&v.version, [r[0], r[1], r[2]]))
            .collect();
        Some(Event::CountsObserved {
            source: self.spec.source.clone(),
            at: a.at,
            counts,
        })
    }
}
