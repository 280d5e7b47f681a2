//! Watch streams: newline-delimited `{"type","object"}` events. A watch starts from a
//! resourceVersion (history replayed; 410 Gone as an ERROR event if it is too old) or from
//! now (current objects as ADDED), then follows the store's broadcast until its timeout.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;

use super::crud::{Req, selectors};
use super::resources::Kind;
use super::selector::{FieldSelector, LabelSelector};
use super::status::ApiError;
use super::store::WatchEvent;
use super::table::{self, Include};
use super::world::World;

/// How long a watch lasts without `timeoutSeconds` (the API server picks 30–60 min).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
/// How often a bookmark is sent when `allowWatchBookmarks` is set.
const BOOKMARK_EVERY: Duration = Duration::from_secs(5);

/// Which events a watch passes.
#[derive(Debug, Clone)]
struct Filter {
    kind: Kind,
    ns: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Filter {
    /// Whether a recorded change passes, parsing the object only for non-metadata fields.
    fn passes(&self, ev: &WatchEvent) -> bool {
        if ev.key.kind != self.kind
            || self.ns.as_deref().is_some_and(|n| n != ev.key.ns)
            || !self.labels.matches(&ev.labels)
        {
            return false;
        }
        if self.fields.metadata_only() {
            let meta = json!({"metadata": {"name": ev.key.name, "namespace": ev.key.ns}});
            return self.fields.matches(&meta);
        }
        self.fields.matches(&ev.object())
    }

    fn matches(&self, kind: Kind, ns: &str, obj: &Value) -> bool {
        kind == self.kind
            && self.ns.as_deref().is_none_or(|n| n == ns)
            && self.labels.matches(&obj["metadata"]["labels"])
            && self.fields.matches(obj)
    }
}

/// A watch prepared under the world lock, streamed without it.
#[derive(Debug)]
pub struct Plan {
    queue: VecDeque<Bytes>,
    rx: Option<broadcast::Receiver<Arc<WatchEvent>>>,
    filter: Filter,
    table: Option<Include>,
    last_rv: u64,
    timeout: Duration,
    bookmarks: bool,
}

#[derive(Serialize)]
struct Line<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    object: &'a Value,
}

fn line(kind: &str, object: &Value) -> Bytes {
    let mut v = serde_json::to_vec(&Line { kind, object }).unwrap_or_default();
    v.push(b'\n');
    Bytes::from(v)
}

/// A recorded change as a watch line: plain watches reuse the serialized object.
fn recorded_line(ev: &WatchEvent, table: Option<Include>) -> Bytes {
    if table.is_some() {
        return event_line(ev.key.kind, ev.change.wire(), &ev.object(), table);
    }
    let mut v = Vec::with_capacity(ev.json.len() + 40);
    v.extend_from_slice(b"{\"type\":\"");
    v.extend_from_slice(ev.change.wire().as_bytes());
    v.extend_from_slice(b"\",\"object\":");
    v.extend_from_slice(&ev.json);
    v.extend_from_slice(b"}\n");
    Bytes::from(v)
}

fn event_line(kind: Kind, change: &str, obj: &Value, table: Option<Include>) -> Bytes {
    match table {
        Some(inc) => {
            let rv = obj["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or_default();
            let t = table::table(kind, std::iter::once(obj), rv, inc, Timestamp::now());
            line(change, &t)
        }
        None => line(change, obj),
    }
}

fn bookmark(kind: Kind, rv: u64, initial_end: bool) -> Bytes {
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    let obj = json!({"kind": kind.def().kind, "apiVersion": kind.api_version(), "metadata": meta});
    line("BOOKMARK", &obj)
}

/// Builds the watch for a request: what to send first, and the live feed.
pub fn plan(w: &World, r: &Req<'_>) -> Result<Plan, ApiError> {
    let q = r.query;
    let (labels, mut fields) = selectors(q)?;
    if let Some(name) = &r.target.name {
        fields =
            FieldSelector::parse(&format!("metadata.name={name}")).map_err(ApiError::BadRequest)?;
    }
    let filter = Filter {
        kind: r.target.kind,
        ns: r.target.ns.clone(),
        labels,
        fields,
    };
    let table = r
        .table
        .then(|| Include::parse(q.get("includeObject").map(String::as_str)));
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
    let bookmarks = q
        .get("allowWatchBookmarks")
        .is_some_and(|v| v == "true" || v == "1");
    let send_initial = q.get("sendInitialEvents").is_some_and(|v| v == "true");
    let rv_param = q.get("resourceVersion").map(String::as_str).unwrap_or("");
    let mut queue = VecDeque::new();
    let store = &w.store;
    if rv_param.is_empty() || rv_param == "0" || send_initial {
        for (k, obj) in store.list(filter.kind, filter.ns.as_deref()) {
            if filter.matches(k.kind, &k.ns, obj) {
                queue.push_back(event_line(k.kind, "ADDED", obj, table));
            }
        }
        if send_initial {
            queue.push_back(bookmark(filter.kind, store.rv(), true));
        }
    } else {
        let asked: u64 = rv_param
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("invalid resource version {rv_param:?}")))?;
        if asked < store.oldest_resumable() {
            let gone = ApiError::Gone {
                asked,
                oldest: store.oldest_resumable() + 1,
            };
            queue.push_back(line("ERROR", &gone.status()));
            return Ok(Plan {
                queue,
                rx: None,
                filter,
                table,
                last_rv: asked,
                timeout,
                bookmarks,
            });
        }
        for ev in store.since(asked) {
            if filter.passes(ev) {
                queue.push_back(recorded_line(ev, table));
            }
        }
    }
    Ok(Plan {
        queue,
        rx: Some(store.subscribe()),
        filter,
        table,
        last_rv: store.rv(),
        timeout,
        bookmarks,
    })
}

struct Streaming {
    plan: Plan,
    deadline: tokio::time::Instant,
    ticker: tokio::time::Interval,
    cancel: CancellationToken,
}

/// The response body streaming a planned watch.
pub fn body(plan: Plan, cancel: CancellationToken) -> Body {
    let deadline = tokio::time::Instant::now() + plan.timeout;
    let mut ticker =
        tokio::time::interval_at(tokio::time::Instant::now() + BOOKMARK_EVERY, BOOKMARK_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let st = Streaming {
        plan,
        deadline,
        ticker,
        cancel,
    };
    let stream = futures::stream::unfold(st, |mut st| async move {
        loop {
            if let Some(b) = st.plan.queue.pop_front() {
                return Some((Ok::<Bytes, Infallible>(b), st));
            }
            let rx = st.plan.rx.as_mut()?;
            tokio::select! {
                () = st.cancel.cancelled() => return None,
                () = tokio::time::sleep_until(st.deadline) => return None,
                _ = st.ticker.tick(), if st.plan.bookmarks => {
                    st.plan.queue.push_back(bookmark(st.plan.filter.kind, st.plan.last_rv, false));
                }
                got = rx.recv() => match got {
                    Ok(ev) => {
                        if ev.rv <= st.plan.last_rv {
                            continue;
                        }
                        st.plan.last_rv = ev.rv;
                        if st.plan.filter.passes(&ev) {
                            let line = recorded_line(&ev, st.plan.table);
                            st.plan.queue.push_back(line);
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        // Too slow a reader lost events: tell it to relist, like a compacted etcd.
                        let gone = ApiError::Gone { asked: st.plan.last_rv, oldest: st.plan.last_rv + 1 };
                        st.plan.queue.push_back(line("ERROR", &gone.status()));
                        st.plan.rx = None;
                    }
                    Err(RecvError::Closed) => {
                        // The store was compacted: what this watch would resume from is gone.
                        let gone = ApiError::Gone { asked: st.plan.last_rv, oldest: st.plan.last_rv + 1 };
                        st.plan.queue.push_back(line("ERROR", &gone.status()));
                        st.plan.rx = None;
                    }
                },
            }
        }
    });
    Body::from_stream(stream)
}
