//! Approvals from anywhere: watches the deployment's namespace for approval ConfigMaps
//! (`warroom.dev/approval=true`, labelled with this session) that `warroom approve --cluster`
//! delivers, checks each signature against the allowed signers, and hands it to the loop; it
//! also publishes what is pending (and the head to sign) for approvers to read, and writes the
//! war room's answer back on each approval object. The cluster's access control decides who
//! may deliver; the signature decides who approved; the war room's rules decide whether it
//! counts.

pub mod objects;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::Sink;
use super::kube::{KubeSpec, client};
use crate::config::warroom::WarroomConfig;
use crate::event::{Event, SourceKind};
use crate::sign::{AllowedSigners, ApprovalClaim, Verified, verify_approval};
pub use objects::{Answer, Pending, pending_name};

/// The source name in events.
pub const SOURCE: &str = "approvals";
/// The field manager of the war room's writes here.
const MANAGER: &str = "warroom";
/// At most one write of the pending ConfigMap this often: it follows decisions, not samples.
const PUBLISH_EVERY: Duration = Duration::from_millis(500);
/// Deliveries waiting for the loop.
const QUEUE: usize = 64;

/// What the watcher needs.
#[derive(Debug, Clone)]
pub struct ApprovalsSpec {
    /// The cluster and namespace (`[kubernetes]`).
    pub kube: KubeSpec,
    /// git's allowed_signers file (`[signing] allowed_signers`).
    pub allowed_signers: PathBuf,
    /// The pending ConfigMap's name.
    pub pending: String,
    /// This session's id.
    pub session: String,
}

impl ApprovalsSpec {
    /// The spec the config asks for: `[kubernetes]` and `[signing] allowed_signers` both set.
    pub fn from_config(cfg: &WarroomConfig, session: &str) -> Option<Self> {
        let allowed = cfg.signing.as_ref()?.allowed_signers.clone()?;
        let mut kube = KubeSpec::from_config(cfg)?;
        // Writes must not be retried blindly; the watch is re-established by the watcher.
        kube.retry_transient = false;
        Some(Self {
            kube,
            allowed_signers: allowed,
            pending: pending_name(&cfg.deployment.name),
            session: session.to_string(),
        })
    }
}

/// An approval object that arrived, with its signature already checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The object's name (recorded as the approval's request id).
    pub object: String,
    /// The signed text, as delivered.
    pub text: String,
    /// The armored signature, as delivered.
    pub signature: String,
    /// The claim and its signer, or why the object does not count.
    pub checked: Result<(ApprovalClaim, Verified), String>,
    /// The principal the text claims, when it can be read (for the refusal's actor).
    pub claimed: Option<String>,
}

/// The loop's answer for one approval object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// The object's name.
    pub object: String,
    /// The answer to write on it.
    pub answer: Answer,
}

/// The loop's end of the watcher.
#[derive(Debug)]
pub struct Link {
    /// Approvals that arrived.
    pub deliveries: mpsc::Receiver<Delivery>,
    /// What to publish as pending (the latest wins).
    pub publish: watch::Sender<Option<Pending>>,
    /// Answers to write back.
    pub settle: mpsc::UnboundedSender<Settled>,
}

/// Starts the watcher, the publisher and the answerer as one task in `tasks`.
pub fn start(
    spec: ApprovalsSpec,
    sink: &Sink,
    cancel: &CancellationToken,
    tasks: &mut JoinSet<()>,
) -> Link {
    let (tx, deliveries) = mpsc::channel(QUEUE);
    let (publish, published) = watch::channel(None);
    let (settle, settled) = mpsc::unbounded_channel();
    let (sink, cancel) = (sink.clone(), cancel.clone());
    tasks.spawn(async move {
        tokio::select! {
            () = cancel.cancelled() => {}
            () = run(spec, sink, tx, published, settled) => {}
        }
    });
    Link {
        deliveries,
        publish,
        settle,
    }
}

async fn run(
    spec: ApprovalsSpec,
    sink: Sink,
    tx: mpsc::Sender<Delivery>,
    published: watch::Receiver<Option<Pending>>,
    settled: mpsc::UnboundedReceiver<Settled>,
) {
    let target = format!(
        "configmaps -l {}=true,{}={} in {}",
        objects::APPROVAL_LABEL,
        objects::SESSION_LABEL,
        spec.session,
        spec.kube.namespace
    );
    let started = Event::SourceStarted {
        source: SOURCE.to_string(),
        kind: SourceKind::Kubernetes,
        target,
        interval_ms: 0,
    };
    if sink.send(started).await.is_err() {
        return;
    }
    let client = match client::build(&spec.kube).await {
        Ok(b) => b.client,
        Err(e) => {
            failed(&sink, format!("cannot reach the cluster: {e}")).await;
            return;
        }
    };
    let api: Api<ConfigMap> = Api::namespaced(client, &spec.kube.namespace);
    tokio::join!(
        receive(&api, &spec, &sink, &tx),
        publish(&api, &spec, &sink, published),
        answer(&api, &sink, settled),
    );
}

async fn failed(sink: &Sink, error: String) {
    let _ = sink
        .send(Event::SourceFailed {
            source: SOURCE.to_string(),
            error,
            attempt: 1,
        })
        .await;
}

/// Watches for approval objects of this session and hands each unanswered one to the loop,
/// once.
async fn receive(
    api: &Api<ConfigMap>,
    spec: &ApprovalsSpec,
    sink: &Sink,
    tx: &mpsc::Sender<Delivery>,
) {
    let selector = format!(
        "{}=true,{}={}",
        objects::APPROVAL_LABEL,
        objects::SESSION_LABEL,
        spec.session
    );
    let stream = watcher(api.clone(), watcher::Config::default().labels(&selector))
        .default_backoff()
        .applied_objects();
    futures::pin_mut!(stream);
    let mut seen: HashSet<String> = HashSet::new();
    let mut failing = false;
    while let Some(item) = stream.next().await {
        let cm = match item {
            Ok(cm) => cm,
            Err(e) => {
                if !failing {
                    failing = true;
                    failed(sink, format!("watching approvals: {e}")).await;
                }
                continue;
            }
        };
        if failing {
            failing = false;
            let _ = sink
                .send(Event::SourceRecovered {
                    source: SOURCE.to_string(),
                })
                .await;
        }
        let Some(name) = cm.metadata.name.clone() else {
            continue;
        };
        // Answered already (by this run, or by the one before a resume), or seen: once only.
        if objects::read_answer(&cm).is_some() || !seen.insert(name.clone()) {
            continue;
        }
        if tx
            .send(check(&name, &cm, &spec.allowed_signers))
            .await
            .is_err()
        {
            return;
        }
    }
}

/// Reads an approval object and checks its signature (the allowed signers are read each time,
/// so an edit of the file counts at once).
fn check(name: &str, cm: &ConfigMap, allowed: &std::path::Path) -> Delivery {
    let (text, signature) = objects::read_approval(cm).unwrap_or_default();
    let claimed = text
        .lines()
        .find_map(|l| l.strip_prefix("principal "))
        .map(str::to_string);
    let checked = objects::read_approval(cm)
        .map_err(|e| format!("the object is not an approval: {e}"))
        .and_then(|_| {
            AllowedSigners::load(allowed).map_err(|e| {
                format!("the allowed signers cannot be read, so no signature can be checked: {e}")
            })
        })
        .and_then(|a| verify_approval(&text, &signature, &a, Timestamp::now()));
    Delivery {
        object: name.to_string(),
        text,
        signature,
        checked,
        claimed,
    }
}

/// Writes the latest pending decision to the pending ConfigMap, at most every
/// `PUBLISH_EVERY`.
async fn publish(
    api: &Api<ConfigMap>,
    spec: &ApprovalsSpec,
    sink: &Sink,
    mut published: watch::Receiver<Option<Pending>>,
) {
    let mut failing = false;
    while published.changed().await.is_ok() {
        let Some(p) = published.borrow_and_update().clone() else {
            continue;
        };
        let result = write_pending(api, &spec.pending, &p).await;
        match (result, failing) {
            (Err(e), false) => {
                failing = true;
                failed(
                    sink,
                    format!("publishing the pending decision ({}): {e}", spec.pending),
                )
                .await;
            }
            (Ok(()), true) => {
                failing = false;
                let _ = sink
                    .send(Event::SourceRecovered {
                        source: SOURCE.to_string(),
                    })
                    .await;
            }
            _ => {}
        }
        tokio::time::sleep(PUBLISH_EVERY).await;
    }
}

async fn write_pending(api: &Api<ConfigMap>, name: &str, p: &Pending) -> Result<(), kube::Error> {
    let cm = objects::pending_object(name, p);
    let patch =
        serde_json::json!({ "metadata": { "labels": cm.metadata.labels }, "data": cm.data });
    let params = PatchParams {
        field_manager: Some(MANAGER.to_string()),
        ..PatchParams::default()
    };
    match api.patch(name, &params, &Patch::Merge(&patch)).await {
        Err(kube::Error::Api(s)) if s.code == 404 => {
            let post = PostParams {
                field_manager: Some(MANAGER.to_string()),
                ..PostParams::default()
            };
            api.create(&post, &cm).await.map(drop)
        }
        other => other.map(drop),
    }
}

/// Writes each answer on its approval object, so the approver's `warroom approve` can say it.
async fn answer(api: &Api<ConfigMap>, sink: &Sink, mut settled: mpsc::UnboundedReceiver<Settled>) {
    let params = PatchParams {
        field_manager: Some(MANAGER.to_string()),
        ..PatchParams::default()
    };
    while let Some(s) = settled.recv().await {
        let patch = objects::answer_patch(&s.answer);
        if let Err(e) = api.patch(&s.object, &params, &Patch::Merge(&patch)).await {
            failed(
                sink,
                format!(
                    "writing the answer on configmap/{} (it is in the session log): {e}",
                    s.object
                ),
            )
            .await;
        }
    }
}
