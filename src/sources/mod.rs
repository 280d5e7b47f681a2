//! Live sources: tokio tasks that observe the world and send plain, already-shaped events
//! (`Event::SamplesObserved`, `PodChanged`, `HealthProbed`, `SourceFailed`…) to the loop, which
//! records them (group-synced) before the reducer applies them. A source never touches the
//! state, the screen or the session file, and a slow or dead one can't slow a key press.

pub mod approvals;
pub mod gates;
pub mod health;
pub mod http;
pub mod kube;
pub mod poll;
pub mod prometheus;
pub mod sample;
pub mod scrape;
pub mod specs;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::event::Event;

pub use specs::{HealthSpec, PrometheusSpec, ScrapeSpec, Specs, specs};

/// Observations waiting for the loop. Sources send a handful of events per interval; when the
/// loop or the writer falls this far behind, sources wait (`send().await`) rather than drop.
pub const SINK_CAPACITY: usize = 256;

/// Where sources send what they observe.
pub type Sink = mpsc::Sender<Event>;

/// A sink and its receiving end, sized `SINK_CAPACITY`.
pub fn channel() -> (Sink, mpsc::Receiver<Event>) {
    mpsc::channel(SINK_CAPACITY)
}

/// Spawns every configured source: Prometheus, or the direct scrape when there is no
/// Prometheus, plus one poller per health endpoint, the Kubernetes watches and the gates
/// source. Each stops when `cancel` fires or the sink closes; await the set on shutdown.
pub fn start(specs: Specs, sink: Sink, cancel: CancellationToken) -> JoinSet<()> {
    let mut set = JoinSet::new();
    spawn(specs, &sink, &cancel, &mut set);
    set
}

/// Like [`start`], adding the tasks to a set the caller already owns (the live runner's).
pub fn spawn(specs: Specs, sink: &Sink, cancel: &CancellationToken, tasks: &mut JoinSet<()>) {
    match (specs.prometheus, specs.scrape) {
        (Some(p), _) => {
            tasks.spawn(prometheus::run(p, sink.clone(), cancel.clone()));
        }
        (None, Some(s)) => {
            tasks.spawn(scrape::run(s, sink.clone(), cancel.clone()));
        }
        (None, None) => {}
    }
    for h in specs.health {
        tasks.spawn(health::run(h, sink.clone(), cancel.clone()));
    }
    if let Some(k) = specs.kube {
        tasks.spawn(kube::run(k, sink.clone(), cancel.clone()));
    }
    if let Some(g) = specs.gates {
        tasks.spawn(gates::run(g, sink.clone(), cancel.clone()));
    }
}

/// The start of every polling source: announce it with `SourceStarted`, then build what it
/// needs; if that fails, say why once with `SourceFailed` and give up (a client that cannot be
/// built will not build on a retry). `None` also when the loop is gone.
pub(crate) async fn announce<T>(
    sink: &Sink,
    source: &str,
    kind: crate::event::SourceKind,
    target: String,
    interval: std::time::Duration,
    build: impl FnOnce() -> Result<T, String>,
) -> Option<T> {
    let started = Event::SourceStarted {
        source: source.to_string(),
        kind,
        target,
        interval_ms: u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
    };
    sink.send(started).await.ok()?;
    match build() {
        Ok(t) => Some(t),
        Err(error) => {
            let failed = Event::SourceFailed {
                source: source.to_string(),
                error,
                attempt: 1,
            };
            let _ = sink.send(failed).await;
            None
        }
    }
}
