//! The source's task: build the client (retrying), start one watch per target, and pass
//! their reports through the tracker to the sink until shutdown; after a 401, tear the
//! watches down and rebuild the client from the kubeconfig, which a re-login rewrites.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::watcher::DefaultBackoff;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::failure::{self, Failure, FailureKind, Target, UNAUTHORIZED_RETRY};
use super::tracker::Tracker;
use super::watch::{self, WatchSpec};
use super::{KubeSpec, Observed, Report, Row, SOURCE, client, convert};
use crate::event::Event;
use crate::sources::Sink;

/// Reports the watches may queue before they wait for the loop (one per object change).
const REPORTS: usize = 64;

/// Runs the source until `cancel` or until the sink closes: `SourceStarted`, then the
/// watches' events. A 401 tears the watches down and, after a long wait, rebuilds the client
/// from the kubeconfig (which a re-login rewrites).
pub async fn run(spec: KubeSpec, sink: Sink, cancel: CancellationToken) {
    let mut tracker = Tracker::new(SOURCE, spec.namespace.clone());
    let preview = client::preview(&spec);
    let context = preview.context.unwrap_or_else(|| "in-cluster".to_string());
    // The shared source first (kubeconfig, credentials), then one per kind of object, so
    // each pane can say whether its own watch works.
    if !send_all(&sink, tracker.started(&spec.targets(), &context)).await {
        return;
    }
    if let Some(message) = preview.plugin
        && sink.send(Event::ConfigWarned { message }).await.is_err()
    {
        return;
    }
    loop {
        let Some(built) = connect(&spec, &mut tracker, &sink, &cancel).await else {
            return;
        };
        let mut resolved = Vec::new();
        tracker.resolved(&Target::Client, &mut resolved);
        if !send_all(&sink, resolved).await {
            return;
        }
        let (tx, rx) = mpsc::channel(REPORTS);
        let watches = cancel.child_token();
        let mut tasks = JoinSet::new();
        spawn_watches(
            &spec,
            built.client,
            &built.server,
            &tx,
            &watches,
            &mut tasks,
        );
        drop(tx);
        let reauth = follow(rx, &mut tracker, &sink, &cancel).await;
        watches.cancel();
        while tasks.join_next().await.is_some() {}
        if !reauth {
            return;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(UNAUTHORIZED_RETRY) => {}
        }
    }
}

/// Builds the client, reporting each failure and retrying with backoff; `None` on shutdown.
async fn connect(
    spec: &KubeSpec,
    tracker: &mut Tracker,
    sink: &Sink,
    cancel: &CancellationToken,
) -> Option<client::Built> {
    let mut backoff = DefaultBackoff::default();
    loop {
        let attempt = tokio::select! {
            () = cancel.cancelled() => return None,
            r = client::build(spec) => r,
        };
        let error = match attempt {
            Ok(built) => return Some(built),
            Err(e) => e,
        };
        let report = Report {
            target: Target::Client,
            what: Observed::Failed(Failure {
                kind: FailureKind::Config,
                message: error.to_string(),
            }),
        };
        if !send_all(sink, tracker.observe(report)).await {
            return None;
        }
        // A file that is missing now may be written in a moment; a wrong context is not
        // going to fix itself quickly.
        let wait = match error {
            client::ClientError::Read { .. } | client::ClientError::NotFound => {
                backoff.next().unwrap_or(failure::DENIED_RETRY)
            }
            _ => failure::DENIED_RETRY,
        };
        tokio::select! {
            () = cancel.cancelled() => return None,
            () = tokio::time::sleep(wait) => {}
        }
    }
}

fn spawn_watches(
    spec: &KubeSpec,
    client: kube::Client,
    server: &str,
    tx: &mpsc::Sender<Report>,
    cancel: &CancellationToken,
    tasks: &mut JoinSet<()>,
) {
    let ns = spec.namespace.as_str();
    let watch_spec = |target: Target| WatchSpec {
        target,
        namespace: spec.namespace.clone(),
        server: server.to_string(),
        silence: spec.silence,
        request_timeout: spec.request_timeout,
    };
    for target in spec.targets() {
        let (tx, cancel) = (tx.clone(), cancel.clone());
        let ws = watch_spec(target.clone());
        match target {
            Target::Pods => {
                let api: Api<Pod> = Api::namespaced(client.clone(), ns);
                let label = spec.version_label.clone();
                let convert = move |p: &Pod| Row::Pod(convert::pod_row(p, &label));
                tasks.spawn(watch::run(api, ws, convert, tx, cancel));
            }
            Target::Deployment(_) => {
                let api: Api<Deployment> = Api::namespaced(client.clone(), ns);
                let convert = |d: &Deployment| Row::Workload(convert::workload_row(d));
                tasks.spawn(watch::run(api, ws, convert, tx, cancel));
            }
            Target::Service(_) => {
                let api: Api<Service> = Api::namespaced(client.clone(), ns);
                let label = spec.version_label.clone();
                let convert = move |s: &Service| {
                    Row::Selector(
                        convert::service_selector(s),
                        convert::selector_manager(s, &label),
                    )
                };
                tasks.spawn(watch::run(api, ws, convert, tx, cancel));
            }
            Target::Route(_) => {
                let api: Api<DynamicObject> =
                    Api::namespaced_with(client.clone(), ns, &httproute_resource());
                let convert = |r: &DynamicObject| {
                    Row::Weights(convert::route_weights(r), convert::route_manager(r))
                };
                tasks.spawn(watch::run(api, ws, convert, tx, cancel));
            }
            Target::Lease(_) => {
                let api: Api<Lease> = Api::namespaced(client.clone(), ns);
                let session = spec.session.clone();
                let convert =
                    move |l: &Lease| Row::Lease(convert::lease_row(l, session.as_deref()));
                tasks.spawn(watch::run(api, ws, convert, tx, cancel));
            }
            Target::Client => {}
        }
    }
}

/// The Gateway API HTTPRoute, which k8s-openapi has no type for.
pub fn httproute_resource() -> ApiResource {
    let gvk = GroupVersionKind::gvk("gateway.networking.k8s.io", "v1", "HTTPRoute");
    ApiResource::from_gvk_with_plural(&gvk, "httproutes")
}

/// Passes the watches' reports on as events until shutdown (false) or a 401 (true: the
/// client must be rebuilt).
async fn follow(
    mut rx: mpsc::Receiver<Report>,
    tracker: &mut Tracker,
    sink: &Sink,
    cancel: &CancellationToken,
) -> bool {
    loop {
        let report = tokio::select! {
            () = cancel.cancelled() => return false,
            r = rx.recv() => match r {
                Some(r) => r,
                None => return false,
            },
        };
        let unauthorized = matches!(
            &report.what,
            Observed::Failed(f) if f.kind == FailureKind::Unauthorized
        );
        if !send_all(sink, tracker.observe(report)).await {
            return false;
        }
        if unauthorized {
            return true;
        }
    }
}

async fn send_all(sink: &Sink, events: Vec<Event>) -> bool {
    for e in events {
        if sink.send(e).await.is_err() {
            return false;
        }
    }
    true
}
