//! One resource's LIST-then-WATCH loop: list (in pages), watch from the list's
//! resourceVersion with bookmarks, follow bookmarks to resume after the server ends a watch,
//! relist after 410 Gone, and restart a watch that goes silent.
//!
//! This is the state machine of kube-rs's `watcher()`, written out because `watcher()`
//! swallows bookmarks and its own reconnects: a watchdog fed only by its events cannot tell
//! a quiet namespace from a dead connection, and would relist every few minutes in a calm
//! cluster. Here every line from the server (bookmarks included) and every re-established
//! watch counts as life, and the server is asked to end each watch well before the watchdog
//! fires, so only a stalled connection trips it.

use std::fmt::Debug;
use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, ListParams, WatchEvent, WatchParams};
use kube::runtime::watcher::DefaultBackoff;
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;

use super::failure::{DENIED_RETRY, Failure, FailureKind, Scope, Target, UNAUTHORIZED_RETRY, Verb};
use super::{Observed, Report, Row, Seen};

/// Objects per LIST page.
const PAGE_SIZE: u32 = 500;
/// A watch the server ended sooner than this is not restarted at once (no hot loop against a
/// server that closes every watch immediately).
const MIN_WATCH_SPAN: Duration = Duration::from_secs(1);

/// How one watch runs.
#[derive(Debug, Clone)]
pub struct WatchSpec {
    /// What is watched.
    pub target: Target,
    /// The namespace.
    pub namespace: String,
    /// The API server's URL, named in failures.
    pub server: String,
    /// Restart the watch after this long with nothing from the server.
    pub silence: Duration,
    /// Limit for one LIST page.
    pub request_timeout: Duration,
}

impl WatchSpec {
    /// The server-side watch timeout: half the silence allowance (1 s to 290 s), so a healthy
    /// server always ends a quiet watch, and the watch is re-established, before the watchdog
    /// would fire, even if it sends no bookmarks.
    fn server_timeout_secs(&self) -> u32 {
        let half = self.silence.as_secs() / 2;
        u32::try_from(half.clamp(1, 290)).unwrap_or(290)
    }

    /// Where this watch's requests go, for failure messages.
    fn scope(&self) -> Scope<'_> {
        Scope {
            target: &self.target,
            namespace: &self.namespace,
            server: &self.server,
        }
    }

    fn field_selector(&self) -> Option<String> {
        self.target.name().map(|n| format!("metadata.name={n}"))
    }
}

/// How one LIST+WATCH cycle ended.
enum End {
    /// The sink is gone: stop.
    Stop,
    /// 410 Gone: list again now.
    Relist,
    /// A failure to report before retrying.
    Failed(Failure),
}

/// Runs the loop for one resource until `cancel` or until the receiver is dropped, sending
/// what it sees, converted by `convert`, and every failure.
pub async fn run<K, F>(
    api: Api<K>,
    spec: WatchSpec,
    convert: F,
    tx: mpsc::Sender<Report>,
    cancel: CancellationToken,
) where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    F: Fn(&K) -> Row,
{
    tokio::select! {
        () = cancel.cancelled() => {}
        () = keep_watching(&api, &spec, &convert, &tx) => {}
    }
}

async fn keep_watching<K, F>(api: &Api<K>, spec: &WatchSpec, convert: &F, tx: &mpsc::Sender<Report>)
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    F: Fn(&K) -> Row,
{
    // Grows while failing; resets itself after two minutes without a failure, so a watch
    // that lists fine but breaks at once still backs off.
    let mut backoff = DefaultBackoff::default();
    let mut quick_relists = 0u32;
    loop {
        let started = Instant::now();
        let wait = match cycle(api, spec, convert, tx).await {
            End::Stop => return,
            End::Relist => {
                // A 410 now and then is normal; one right after another means the server
                // keeps expiring what it just listed, so slow down.
                quick_relists = if started.elapsed() < MIN_WATCH_SPAN {
                    quick_relists + 1
                } else {
                    0
                };
                if quick_relists > 1 {
                    backoff.next().unwrap_or(MIN_WATCH_SPAN)
                } else {
                    Duration::ZERO
                }
            }
            End::Failed(failure) => {
                let wait = match failure.kind {
                    FailureKind::Silent => Duration::ZERO,
                    FailureKind::Transient => backoff.next().unwrap_or(DENIED_RETRY),
                    // The source rebuilds the client after a 401; until then, stay quiet.
                    FailureKind::Unauthorized => UNAUTHORIZED_RETRY,
                    FailureKind::Forbidden | FailureKind::NoSuchResource | FailureKind::Config => {
                        DENIED_RETRY
                    }
                };
                if !send(tx, &spec.target, Observed::Failed(failure)).await {
                    return;
                }
                wait
            }
        };
        if !wait.is_zero() {
            sleep(wait).await;
        }
    }
}

async fn send(tx: &mpsc::Sender<Report>, target: &Target, what: Observed) -> bool {
    tx.send(Report {
        target: target.clone(),
        what,
    })
    .await
    .is_ok()
}

/// Lists every object (page by page); returns the objects and the list's resourceVersion.
async fn list_all<K>(api: &Api<K>, spec: &WatchSpec) -> Result<(Vec<K>, String), Failure>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut lp = ListParams::default().limit(PAGE_SIZE);
        if let Some(f) = spec.field_selector() {
            lp = lp.fields(&f);
        }
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let page = match timeout(spec.request_timeout, api.list(&lp)).await {
            Err(_) => {
                return Err(Failure::timed_out(
                    spec.scope(),
                    Verb::List,
                    spec.request_timeout,
                ));
            }
            Ok(Err(e)) => {
                return Err(Failure::from_error(spec.scope(), Verb::List, &e));
            }
            Ok(Ok(page)) => page,
        };
        items.extend(page.items);
        token = page.metadata.continue_.filter(|t| !t.is_empty());
        if token.is_none() {
            let rv = page.metadata.resource_version.unwrap_or_default();
            return Ok((items, rv));
        }
    }
}

/// One LIST followed by watches resumed from the last resourceVersion seen, until a 410, a
/// failure, or silence.
async fn cycle<K, F>(api: &Api<K>, spec: &WatchSpec, convert: &F, tx: &mpsc::Sender<Report>) -> End
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    F: Fn(&K) -> Row,
{
    let (items, rv) = match list_all(api, spec).await {
        Ok(listed) => listed,
        Err(f) => return End::Failed(f),
    };
    let rows = items.iter().map(convert).collect();
    if !send(tx, &spec.target, Observed::Seen(Seen::Listed(rows))).await {
        return End::Stop;
    }
    follow(api, spec, convert, tx, rv).await
}

/// Watches from `rv`, resuming each time the server ends a watch, until a 410, a failure or
/// silence.
async fn follow<K, F>(
    api: &Api<K>,
    spec: &WatchSpec,
    convert: &F,
    tx: &mpsc::Sender<Report>,
    mut rv: String,
) -> End
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    F: Fn(&K) -> Row,
{
    let target = &spec.target;
    let at = spec.scope();
    let mut wp = WatchParams::default().timeout(spec.server_timeout_secs());
    if let Some(f) = spec.field_selector() {
        wp = wp.fields(&f);
    }
    loop {
        let opened = Instant::now();
        let stream = match timeout(spec.silence, api.watch(&wp, &rv)).await {
            Err(_) => return End::Failed(Failure::silent(at, spec.silence)),
            // Some servers refuse a too-old resourceVersion outright instead of in the stream.
            Ok(Err(kube::Error::Api(s))) if s.code == 410 => return End::Relist,
            Ok(Err(e)) => return End::Failed(Failure::from_error(at, Verb::Watch, &e)),
            Ok(Ok(s)) => s,
        };
        let mut stream = std::pin::pin!(stream);
        loop {
            let item = match timeout(spec.silence, stream.next()).await {
                Err(_) => return End::Failed(Failure::silent(at, spec.silence)),
                // The server ended the watch (its timeout): resume from `rv`.
                Ok(None) => break,
                Ok(Some(Err(e))) => {
                    return End::Failed(Failure::from_error(at, Verb::Watch, &e));
                }
                Ok(Some(Ok(ev))) => ev,
            };
            let seen = match item {
                WatchEvent::Added(obj) | WatchEvent::Modified(obj) => {
                    rv = obj.resource_version().unwrap_or(rv);
                    Seen::Applied(convert(&obj))
                }
                WatchEvent::Deleted(obj) => {
                    rv = obj.resource_version().unwrap_or(rv);
                    Seen::Deleted(obj.name_any())
                }
                WatchEvent::Bookmark(b) => {
                    rv = b.metadata.resource_version;
                    continue;
                }
                WatchEvent::Error(status) if status.code == 410 => return End::Relist,
                WatchEvent::Error(status) => {
                    return End::Failed(Failure::from_status(at, Verb::Watch, &status));
                }
            };
            if !send(tx, target, Observed::Seen(seen)).await {
                return End::Stop;
            }
        }
        if let Some(rest) = MIN_WATCH_SPAN.checked_sub(opened.elapsed()) {
            sleep(rest).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(silence: Duration) -> WatchSpec {
        WatchSpec {
            target: Target::Deployment("app-blue".into()),
            namespace: "demo".into(),
            server: String::new(),
            silence,
            request_timeout: Duration::from_secs(30),
        }
    }

    #[test]
    fn server_ends_quiet_watches_before_the_watchdog() {
        assert_eq!(spec(Duration::from_secs(300)).server_timeout_secs(), 150);
        assert_eq!(spec(Duration::from_secs(2)).server_timeout_secs(), 1);
        assert_eq!(spec(Duration::from_millis(500)).server_timeout_secs(), 1);
        assert_eq!(spec(Duration::from_secs(3600)).server_timeout_secs(), 290);
        assert_eq!(
            spec(Duration::from_secs(2)).field_selector().as_deref(),
            Some("metadata.name=app-blue")
        );
    }
}
