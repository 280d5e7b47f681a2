//! Seeking in a generated 24-hour, 1,000,000-line session: 100 targets, each reached from
//! somewhere else in the file (from a snapshot, never by replaying from the start), land on
//! exactly the state that playing every line from the start gives.

mod replay_common;

use std::sync::mpsc;

use warroom::event::{Event, ProbeRow};
use warroom::reduce::reduce;
use warroom::runtime::replay::Replay;
use warroom::session::reader::LineReader;
use warroom::session::stream::Chain;
use warroom::state::State;

const LINES: u64 = 1_000_000;

/// A fixed pseudo-random sequence (the same targets every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

#[test]
fn the_generated_probe_lines_are_what_the_writer_writes() {
    let e = Event::HealthProbed {
        source: "health:e3".into(),
        probe: ProbeRow {
            endpoint: "e3".into(),
            ok: true,
            status: Some(200),
            latency_ms: Some(7),
            version: Some("1.2.2".into()),
            error: None,
            failures: 0,
        },
    };
    assert_eq!(
        serde_json::to_string(&e).expect("json"),
        replay_common::probe_json(3, 7, "1.2.2")
    );
}

#[test]
fn a_hundred_seeks_in_a_million_line_day_land_where_playing_does() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("day.jsonl");
    let day = replay_common::day(&path, LINES);
    assert_eq!(day.lines, LINES);

    let mut replay = Replay::open(&path).expect("open");
    assert_eq!(replay.lines() as u64, LINES);
    let v = replay.verification();
    assert!(v.damage.is_none(), "{:?}", v.damage);
    assert!(v.report.clean_close);
    assert_eq!(replay.span(), (day.start, day.end));
    assert!(replay.stats().snapshots >= 100, "{:?}", replay.stats());

    let mut rng = Lcg(0x5eed);
    let mut targets: Vec<u64> = (0..100).map(|_| 1 + rng.next(LINES)).collect();
    // The first and last lines, and lines on either side of the first snapshots, too.
    targets.extend([1, LINES, 8192, 8193, 8191]);
    targets.sort_unstable();
    targets.dedup();

    // Playing every line from the start, the way live mode applies them (verified, then
    // reduced), on a thread of its own; the state at each target comes over, one at a time.
    let (tx, states) = mpsc::sync_channel::<(u64, State)>(1);
    let reference = {
        let path = path.clone();
        let targets = targets.clone();
        std::thread::spawn(move || {
            let mut lines = LineReader::new(std::fs::File::open(&path).expect("open"));
            let mut chain = Chain::new();
            let mut state = State::default();
            let mut played = 0u64;
            for target in targets {
                while played < target {
                    let l = lines.next_line().expect("read").expect("a line");
                    let c = chain.check(l.bytes).expect("verifies");
                    let env = c.envelope.expect("a known event");
                    let _effects = reduce(&mut state, &env);
                    played += 1;
                }
                if tx.send((target, state.clone())).is_err() {
                    return;
                }
            }
        })
    };

    let mut checked = 0;
    for (target, state) in states {
        // Reach the target from far away: the end, the start or anywhere else, in turn.
        let from = match checked % 3 {
            0 => replay.lines(),
            1 => 1,
            _ => 1 + rng.next(LINES) as usize,
        };
        replay.go_to(from).expect("seek away");
        replay.go_to(target as usize).expect("seek");
        assert_eq!(replay.applied() as u64, target);
        assert!(
            replay.state() == &state,
            "after seeking to line {target} (from line {from}) the state differs from playing"
        );
        checked += 1;
    }
    reference.join().expect("the reference played every line");
    assert_eq!(checked, targets.len());
    assert!(checked >= 100);
}
