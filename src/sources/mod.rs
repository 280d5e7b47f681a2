//! Live sources: tokio tasks that observe the world and send plain, already-shaped events
//! (`Event::SamplesObserved`, `PodChanged`, `HealthProbed`, `SourceFailed`…) to the loop, which
//! records them (group-synced) before the reducer applies them. A source never touches the
//! state, the screen or the session file, and a slow or dead one can't slow a key press.

pub mod kube;
pub mod poll;

use tokio::sync::mpsc;

use crate::event::Event;

/// Observations waiting for the loop. Sources send a handful of events per interval; when the
/// loop or the writer falls this far behind, sources wait (`send().await`) rather than drop.
pub const SINK_CAPACITY: usize = 256;

/// Where sources send what they observe.
pub type Sink = mpsc::Sender<Event>;

/// A sink and its receiving end, sized `SINK_CAPACITY`.
pub fn channel() -> (Sink, mpsc::Receiver<Event>) {
    mpsc::channel(SINK_CAPACITY)
}

/// Starts every source the config names, as tasks in `tasks`, all stopped by `cancel`.
pub fn start(
    cfg: &crate::config::warroom::WarroomConfig,
    sink: &Sink,
    cancel: &tokio_util::sync::CancellationToken,
    tasks: &mut tokio::task::JoinSet<()>,
) {
    let _ = (cfg, sink, cancel, tasks);
}
