//! The shared polling loop: an interval with `MissedTickBehavior::Delay`, a timeout per
//! attempt shorter than the interval, exponential backoff while failing, and every failure and
//! recovery reported as an event.

use std::future::Future;
use std::time::Duration;

use tokio::time::{MissedTickBehavior, interval, sleep, timeout};
use tokio_util::sync::CancellationToken;

use super::Sink;
use crate::event::Event;

/// How a poller runs.
#[derive(Debug, Clone)]
pub struct PollSpec {
    /// Source name used in events.
    pub source: String,
    /// Time between attempts while healthy.
    pub interval: Duration,
    /// Limit for one attempt.
    pub timeout: Duration,
    /// Longest wait between attempts while failing.
    pub max_backoff: Duration,
}

impl PollSpec {
    /// A spec whose timeout is 80 % of the interval (never longer, so attempts never pile up)
    /// and whose backoff caps at 8 intervals or 60 s, whichever is shorter.
    pub fn new(source: impl Into<String>, every: Duration) -> Self {
        Self {
            source: source.into(),
            interval: every,
            timeout: every.mul_f64(0.8).max(Duration::from_millis(100)),
            max_backoff: (every * 8).min(Duration::from_secs(60)).max(every),
        }
    }
}

/// Why one attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptError(pub String);

/// Runs `attempt` every interval until cancelled or the sink closes. Each success's events are
/// sent in order; a failure (including a timeout) sends `SourceFailed` with the attempt count,
/// and the first success after failures sends `SourceRecovered` first.
pub async fn run<F, Fut>(spec: PollSpec, sink: Sink, cancel: CancellationToken, mut attempt: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Vec<Event>, AttemptError>>,
{
    let mut ticker = interval(spec.interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut failures: u32 = 0;
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let outcome = tokio::select! {
            () = cancel.cancelled() => return,
            r = timeout(spec.timeout, attempt()) => r,
        };
        let result = match outcome {
            Ok(r) => r,
            Err(_) => Err(AttemptError(format!(
                "no answer within {} ms",
                spec.timeout.as_millis()
            ))),
        };
        match result {
            Ok(events) => {
                if failures > 0 {
                    failures = 0;
                    let recovered = Event::SourceRecovered {
                        source: spec.source.clone(),
                    };
                    if sink.send(recovered).await.is_err() {
                        return;
                    }
                }
                for e in events {
                    if sink.send(e).await.is_err() {
                        return;
                    }
                }
            }
            Err(AttemptError(error)) => {
                failures = failures.saturating_add(1);
                let failed = Event::SourceFailed {
                    source: spec.source.clone(),
                    error,
                    attempt: failures,
                };
                if sink.send(failed).await.is_err() {
                    return;
                }
                // Back off while failing: 1, 2, 4 … intervals, capped.
                let extra = backoff(spec.interval, spec.max_backoff, failures)
                    .saturating_sub(spec.interval);
                tokio::select! {
                    () = cancel.cancelled() => return,
                    () = sleep(extra) => {}
                }
            }
        }
    }
}

/// The wait before the next attempt after `failures` consecutive failures.
pub fn backoff(interval: Duration, max: Duration, failures: u32) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(16);
    interval.saturating_mul(factor).min(max).max(interval)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn backoff_doubles_and_caps() {
        let i = Duration::from_secs(5);
        let m = Duration::from_secs(40);
        assert_eq!(backoff(i, m, 1), i);
        assert_eq!(backoff(i, m, 2), Duration::from_secs(10));
        assert_eq!(backoff(i, m, 4), Duration::from_secs(40));
        assert_eq!(backoff(i, m, 30), Duration::from_secs(40));
    }

    #[tokio::test(start_paused = true)]
    async fn failures_timeouts_and_recovery_are_reported() {
        let (sink, mut rx) = super::super::channel();
        let cancel = CancellationToken::new();
        let n = Arc::new(AtomicU32::new(0));
        let spec = PollSpec::new("prometheus", Duration::from_secs(5));
        let c = cancel.clone();
        let task = tokio::spawn(run(spec, sink, c, move || {
            let n = n.clone();
            async move {
                match n.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(AttemptError("connection refused".into())),
                    // Hangs: the attempt times out.
                    1 => {
                        sleep(Duration::from_secs(3600)).await;
                        Ok(vec![])
                    }
                    _ => Ok(vec![Event::SourceRecovered {
                        source: "marker".into(),
                    }]),
                }
            }
        }));
        let mut got = Vec::new();
        while got.len() < 4 {
            got.push(rx.recv().await.expect("event"));
        }
        cancel.cancel();
        task.await.expect("poller ends on cancel");
        assert!(
            matches!(&got[0], Event::SourceFailed { error, attempt: 1, .. } if error == "connection refused")
        );
        assert!(
            matches!(&got[1], Event::SourceFailed { error, attempt: 2, .. } if error.starts_with("no answer within 4000 ms"))
        );
        assert!(matches!(&got[2], Event::SourceRecovered { source } if source == "prometheus"));
        assert!(matches!(&got[3], Event::SourceRecovered { source } if source == "marker"));
    }
}
