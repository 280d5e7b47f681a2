//! Reading what a source sent, with generous deadlines: tests wait for an event to show up and
//! never assert how long it took.

use std::time::Duration;

use tokio::sync::mpsc::Receiver;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use warroom::event::{Event, Sample, Signal};
use warroom::sources::{Sink, channel};

/// How long a test waits for an expected event before failing.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// The events of one source under test.
pub struct Events {
    rx: Receiver<Event>,
    /// Everything received so far, in order.
    pub seen: Vec<Event>,
}

impl Events {
    /// Wraps a receiver.
    pub fn new(rx: Receiver<Event>) -> Self {
        Self {
            rx,
            seen: Vec::new(),
        }
    }

    /// The next event, or `None` at the deadline or when the source is gone.
    pub async fn next(&mut self, deadline: Instant) -> Option<Event> {
        let e = tokio::time::timeout_at(deadline, self.rx.recv())
            .await
            .ok()
            .flatten()?;
        self.seen.push(e.clone());
        Some(e)
    }

    /// The first event (from now on) matching `pred`; panics with what was seen after
    /// [`DEADLINE`].
    #[track_caller]
    pub fn wait_for<'a>(
        &'a mut self,
        what: &'a str,
        pred: impl Fn(&Event) -> bool + 'a,
    ) -> impl std::future::Future<Output = Event> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let deadline = Instant::now() + DEADLINE;
            loop {
                match self.next(deadline).await {
                    Some(e) if pred(&e) => return e,
                    Some(_) => {}
                    None => panic!(
                        "{caller}: no {what} within {DEADLINE:?}; seen:\n{}",
                        self.dump()
                    ),
                }
            }
        }
    }

    /// The next `SamplesObserved`'s samples.
    pub async fn samples(&mut self) -> Vec<Sample> {
        match self
            .wait_for("SamplesObserved", |e| {
                matches!(e, Event::SamplesObserved { .. })
            })
            .await
        {
            Event::SamplesObserved { samples, .. } => samples,
            _ => unreachable!(),
        }
    }

    /// Everything seen, one event per line.
    pub fn dump(&self) -> String {
        self.seen
            .iter()
            .map(|e| serde_json::to_string(e).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The sample of a signal and version.
#[track_caller]
pub fn sample<'a>(samples: &'a [Sample], signal: Signal, version: &str) -> &'a Sample {
    samples
        .iter()
        .find(|s| s.signal == signal && s.version == version)
        .unwrap_or_else(|| panic!("no {signal:?} sample for {version}: {samples:?}"))
}

/// Whether a failure text is a timeout. Tests about other faults skip these: on a loaded
/// machine a loopback answer can miss a 150 ms timeout now and then, and that is not what
/// they are about.
pub fn is_timeout(error: &str) -> bool {
    error.contains("no answer within")
}

/// A `SourceFailed` that is not a timeout: its text and attempt count.
pub fn failed_not_timeout(e: &Event) -> Option<(&str, u32)> {
    failed(e).filter(|(error, _)| !is_timeout(error))
}

/// The message of a `ConfigWarned`, if it is one.
pub fn warned(e: &Event) -> Option<&str> {
    match e {
        Event::ConfigWarned { message } => Some(message.as_str()),
        _ => None,
    }
}

/// The failure text of a `SourceFailed`, if it is one.
pub fn failed(e: &Event) -> Option<(&str, u32)> {
    match e {
        Event::SourceFailed { error, attempt, .. } => Some((error.as_str(), *attempt)),
        _ => None,
    }
}

/// A source task under test.
pub struct Running {
    /// What it sent.
    pub events: Events,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl Running {
    /// Spawns `run(sink, cancel)` (e.g. `|s, c| prometheus::run(spec, s, c)`), with the ring
    /// TLS provider installed as `main` does.
    pub fn spawn<Fut>(run: impl FnOnce(Sink, CancellationToken) -> Fut) -> Self
    where
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (sink, rx) = channel();
        let cancel = CancellationToken::new();
        let task = tokio::spawn(run(sink, cancel.clone()));
        Self {
            events: Events::new(rx),
            cancel,
            task,
        }
    }

    /// Cancels the task and waits for it to end; panics if it does not within [`DEADLINE`].
    pub async fn stop(mut self) -> Events {
        self.cancel.cancel();
        let deadline = Instant::now() + DEADLINE;
        // Keep draining: a source blocked on a full sink must still see the cancel.
        let mut task = self.task;
        loop {
            tokio::select! {
                r = &mut task => {
                    r.expect("the source did not panic");
                    return self.events;
                }
                e = self.events.rx.recv() => {
                    if let Some(e) = e {
                        self.events.seen.push(e);
                    }
                }
                () = tokio::time::sleep_until(deadline) => panic!("the source did not stop on cancel"),
            }
        }
    }
}
