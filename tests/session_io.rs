//! The writer's I/O order, seen through its I/O layer (a kill -9 cannot show a missing
//! fdatasync: the page cache survives it): every human event is synced before it is handed back
//! to be applied; observed events are group-synced by a deadline, also under a steady stream;
//! a failed fsync is never retried.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use warroom::event::{Actor, Event};
use warroom::reduce::checklist::Intent;
use warroom::runtime::core::Core;
use warroom::session::task::{Clock, GROUP_SYNC, LogReport, spawn_with_clock};
use warroom::session::{Durability, LogIo, SessionLogError, Writer};
use warroom::state::State;

/// A clock the test moves by hand.
#[derive(Debug, Clone)]
struct FakeClock {
    base: Instant,
    offset: Arc<Mutex<Duration>>,
}

impl FakeClock {
    fn new() -> Self {
        Self {
            base: Instant::now(),
            offset: Arc::new(Mutex::new(Duration::ZERO)),
        }
    }
    fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap() += by;
    }
    fn set(&self, to: Duration) {
        let mut o = self.offset.lock().unwrap();
        *o = (*o).max(to);
    }
    fn elapsed(&self) -> Duration {
        *self.offset.lock().unwrap()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.base + self.elapsed()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Op {
    /// A line reached the file (its seq), at this fake time.
    Write { seq: u64, at: Duration },
    /// An fdatasync returned.
    Sync { at: Duration },
    /// The file was cut back to this length.
    Truncate { len: u64 },
    /// The loop was handed this line to apply.
    Ack { seq: u64, observed: bool },
}

type Ops = Arc<Mutex<Vec<Op>>>;

/// Records every operation, after the real file did it, then passes it on.
#[derive(Debug)]
struct Recorder {
    inner: Box<dyn LogIo>,
    ops: Ops,
    clock: FakeClock,
    /// Make the nth sync (from 1) fail with EIO.
    fail_sync: Option<usize>,
    syncs: usize,
}

impl LogIo for Recorder {
    fn append(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.inner.append(buf)?;
        let v: serde_json::Value = serde_json::from_slice(buf).unwrap();
        self.ops.lock().unwrap().push(Op::Write {
            seq: v["seq"].as_u64().unwrap(),
            at: self.clock.elapsed(),
        });
        Ok(())
    }
    fn sync(&mut self) -> std::io::Result<()> {
        self.syncs += 1;
        if self.fail_sync == Some(self.syncs) {
            return Err(std::io::Error::from_raw_os_error(5));
        }
        self.inner.sync()?;
        self.ops.lock().unwrap().push(Op::Sync {
            at: self.clock.elapsed(),
        });
        Ok(())
    }
    fn truncate(&mut self, len: u64) -> std::io::Result<()> {
        self.inner.truncate(len)?;
        self.ops.lock().unwrap().push(Op::Truncate { len });
        Ok(())
    }
}

fn actor() -> Actor {
    Actor {
        name: "lead".into(),
        role: "deployment-lead".into(),
        host: "test".into(),
    }
}

fn recorded_writer(
    path: &std::path::Path,
    clock: &FakeClock,
    fail_sync: Option<usize>,
) -> (Writer, Ops) {
    let ops: Ops = Arc::default();
    let (o, c) = (Arc::clone(&ops), clock.clone());
    let w = Writer::create(path, &actor())
        .unwrap()
        .with_io(move |inner| {
            Box::new(Recorder {
                inner,
                ops: o,
                clock: c,
                fail_sync,
                syncs: 0,
            })
        });
    (w, ops)
}

fn opening() -> Event {
    let runbook = warroom::runbook::parse_str(
        common::RUNBOOK,
        warroom::runbook::Format::Toml,
        "runbook.toml",
    )
    .unwrap();
    Event::SessionStarted {
        app_version: "test".into(),
        runbook_path: "runbook.toml".into(),
        runbook_sha256: "00".into(),
        runbook,
        t0: None,
        deployment: None,
        config: None,
    }
}

fn observation(i: u32) -> Event {
    Event::SourceFailed {
        source: "prometheus".into(),
        error: format!("connection refused #{i}"),
        attempt: i,
    }
}

/// Takes the next report, notes the hand-back in the op log, and applies it.
fn pump(core: &mut Core, reports: &mut mpsc::Receiver<LogReport>, ops: &Ops) {
    let report = reports.blocking_recv().expect("a report");
    if let LogReport::Recorded(r) = &report {
        ops.lock().unwrap().push(Op::Ack {
            seq: r.envelope.seq,
            observed: r.envelope.event.is_observed(),
        });
    }
    let applied = core.on_report(report);
    assert!(applied.log_failed.is_none(), "{:?}", applied.log_failed);
}

const STEP: Duration = Duration::from_millis(300);

#[test]
fn human_events_are_synced_before_they_are_applied_and_observations_by_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FakeClock::new();
    let (writer, ops) = recorded_writer(&dir.path().join("s.jsonl"), &clock, None);
    let (log, mut reports, join) = spawn_with_clock(writer, clock.clone());
    let mut core = Core::new(State::default(), actor(), log);
    core.record_system(opening()).unwrap();
    pump(&mut core, &mut reports, &ops);

    // A steady stream of observations, one every 300 ms and never a quiet second: the group
    // sync must still come within the second.
    for i in 0..20 {
        core.record_observed(observation(i)).unwrap();
        pump(&mut core, &mut reports, &ops);
        clock.advance(STEP);
    }
    // Observations with human events among them.
    for i in 20..60 {
        core.record_observed(observation(i)).unwrap();
        pump(&mut core, &mut reports, &ops);
        if i % 4 == 0 {
            let intent = match i % 12 {
                0 => Intent::Tick {
                    stage: "t-7d".into(),
                    item: "review".into(),
                },
                4 => Intent::Untick {
                    stage: "t-7d".into(),
                    item: "review".into(),
                },
                _ => Intent::Note {
                    stage: "t-1d".into(),
                    item: "backup".into(),
                    text: format!("checked {i}"),
                },
            };
            core.intent(intent).unwrap();
            pump(&mut core, &mut reports, &ops);
        }
        clock.advance(STEP);
    }
    // One more observation, then quiet: the deadline alone syncs it. Time moves to exactly the
    // deadline of the oldest unsynced line, and nothing else arrives.
    core.record_observed(observation(99)).unwrap();
    pump(&mut core, &mut reports, &ops);
    let oldest_unsynced = {
        let ops = ops.lock().unwrap();
        let after = ops
            .iter()
            .rposition(|o| matches!(o, Op::Sync { .. }))
            .map_or(0, |i| i + 1);
        ops[after..].iter().find_map(|o| match o {
            Op::Write { at, .. } => Some(*at),
            _ => None,
        })
    };
    clock.set(oldest_unsynced.expect("the last observations are unsynced") + GROUP_SYNC);
    let quiet = Instant::now() + Duration::from_secs(10);
    while !matches!(ops.lock().unwrap().last(), Some(Op::Sync { .. })) {
        assert!(Instant::now() < quiet, "no sync after a quiet deadline");
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(core);
    join.join().unwrap();

    let ops = ops.lock().unwrap().clone();
    let human_acks: Vec<u64> = ops
        .iter()
        .filter_map(|o| match o {
            Op::Ack {
                seq,
                observed: false,
            } => Some(*seq),
            _ => None,
        })
        .collect();
    assert_eq!(human_acks.len(), 1 + 10, "the opening and ten intents");
    for seq in human_acks {
        let write = ops
            .iter()
            .position(|o| matches!(o, Op::Write { seq: s, .. } if *s == seq))
            .unwrap();
        let ack = ops
            .iter()
            .position(|o| matches!(o, Op::Ack { seq: s, .. } if *s == seq))
            .unwrap();
        assert!(
            ops[write..ack].iter().any(|o| matches!(o, Op::Sync { .. })),
            "line {seq} was handed back before it was synced: {:?}",
            &ops[write..=ack]
        );
    }
    let mut observed_writes = 0;
    for (i, op) in ops.iter().enumerate() {
        let Op::Write { seq, at } = op else { continue };
        observed_writes += 1;
        let Some(Op::Sync { at: synced }) = ops[i..].iter().find(|o| matches!(o, Op::Sync { .. }))
        else {
            panic!("line {seq} was never synced");
        };
        // The writer wakes for the deadline; in fake time it can only notice it at the next
        // request, which comes at most one step later.
        assert!(
            *synced <= *at + GROUP_SYNC + STEP,
            "line {seq} written at {at:?} was synced only at {synced:?}"
        );
    }
    assert_eq!(observed_writes, 1 + 60 + 10 + 1);
}

#[test]
fn a_failed_fsync_is_not_retried_and_the_line_is_cut_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    let clock = FakeClock::new();
    let (mut w, ops) = recorded_writer(&path, &clock, Some(2));
    w.append(&actor(), opening(), Durability::Sync).unwrap();
    let good = std::fs::metadata(&path).unwrap().len();
    let e = w
        .append(&actor(), observation(1), Durability::Sync)
        .unwrap_err();
    assert!(e.to_string().contains("Input/output error"), "{e}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), good);
    match w.append(&actor(), observation(2), Durability::Sync) {
        Err(SessionLogError::Poisoned { reason, .. }) => {
            assert!(reason.contains("Input/output error"), "{reason}");
        }
        other => panic!("expected Poisoned, got {other:?}"),
    }
    assert!(
        matches!(w.sync(), Err(SessionLogError::Poisoned { .. })),
        "a sync after a failed one is refused, not retried"
    );
    let ops = ops.lock().unwrap().clone();
    assert_eq!(
        ops,
        vec![
            Op::Write {
                seq: 1,
                at: Duration::ZERO
            },
            Op::Sync { at: Duration::ZERO },
            Op::Write {
                seq: 2,
                at: Duration::ZERO
            },
            Op::Truncate { len: good },
        ],
        "one write, one failed sync, the cut back, and nothing after"
    );
}
