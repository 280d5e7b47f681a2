//! Replay on small files: every seek lands on the state playing from the start gives, with
//! snapshots every few lines; steps, moments, the clock; damage and unknown lines shown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use super::testlog::{marker, started, tick, untick, write};
use super::*;
use crate::event::Event;

/// A session of ticks and unticks with markers in between.
fn session() -> Vec<Result<Event, &'static str>> {
    let mut v = vec![Ok(started())];
    for i in 0..40 {
        v.push(Ok(if i % 3 == 2 { untick(i) } else { tick(i) }));
        if i % 10 == 5 {
            v.push(Ok(marker(&format!("m{i}"))));
        }
    }
    v.push(Ok(Event::SessionEnded {
        reason: "quit".into(),
    }));
    v
}

/// States compare by their derived equality; a failure prints both.
fn state_of(s: &State) -> State {
    s.clone()
}

/// The states after 1, 2, … lines, playing from the start.
fn sequential(path: &Path) -> Vec<State> {
    let bytes = std::fs::read(path).unwrap();
    let mut state = State::default();
    let mut out = Vec::new();
    for (i, line) in bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        apply::again(&mut state, i as u64 + 1, line, true);
        out.push(state_of(&state));
    }
    out
}

#[test]
fn every_seek_lands_on_the_state_playing_gives() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.jsonl");
    write(&p, &session());
    let want = sequential(&p);
    let mut r = Replay::open_every(&p, 5, u64::MAX).unwrap();
    assert!(r.stats().snapshots > 5);
    assert_eq!(r.lines(), want.len());
    assert_eq!(state_of(r.state()), want[0]);
    // Back and forth, far and near.
    let order: Vec<usize> = (1..=want.len())
        .rev()
        .chain([3, 40, 2, 17, 17, 44])
        .collect();
    for n in order {
        r.go_to(n).unwrap();
        assert_eq!(r.applied(), n);
        assert_eq!(state_of(r.state()), want[n - 1], "after {n} lines");
    }
    assert!(r.verification().damage.is_none());
    assert!(r.verification().report.clean_close);
}

#[test]
fn steps_and_moments_move_one_line_or_to_the_next_marker() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.jsonl");
    write(&p, &session());
    let mut r = Replay::open_every(&p, 7, u64::MAX).unwrap();
    assert_eq!(r.moment(true).unwrap(), Some(Moment::Marker));
    let at_marker = r.applied();
    assert_eq!(r.state().log_tail.back().unwrap().kind, "MarkerAdded");
    assert!(!r.clock.playing);
    assert!(r.step(false).unwrap());
    assert_eq!(r.applied(), at_marker - 1);
    assert_eq!(r.now(), r.index.at(at_marker - 2));
    assert!(r.step(true).unwrap());
    assert_eq!(r.moment(true).unwrap(), Some(Moment::Marker));
    assert_eq!(r.moment(false).unwrap(), Some(Moment::Marker));
    assert_eq!(r.applied(), at_marker);
    assert_eq!(
        r.moment(false).unwrap(),
        None,
        "nothing before the first marker"
    );
    r.go_to(1).unwrap();
    assert!(!r.step(false).unwrap(), "nothing before the first line");
}

#[test]
fn playing_applies_what_was_written_by_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.jsonl");
    write(&p, &session());
    let mut r = Replay::open(&p).unwrap();
    let (start, end) = r.span();
    r.clock.speed = Speed::Times(10);
    r.clock.playing = true;
    // 1.05 wall seconds at 10× is 10.5 s: the lines at 0 … 10 s are applied.
    assert!(r.tick(Duration::from_millis(1050)).unwrap());
    assert_eq!(r.applied(), 11);
    assert_eq!(r.now(), start + SignedDuration::from_millis(10_500));
    for _ in 0..10 {
        r.tick(Duration::from_secs(1)).unwrap();
    }
    assert_eq!(r.now(), end);
    assert_eq!(r.applied(), r.lines());
    assert!(!r.clock.playing, "paused at the end");
    r.jump_to_tenth(5).unwrap();
    assert_eq!(r.now(), start + end.duration_since(start) / 2);
    r.nudge(false).unwrap();
    assert_eq!(r.now(), start + end.duration_since(start) / 2 - NUDGE);
}

#[test]
fn skipping_idle_jumps_from_one_human_event_to_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.jsonl");
    let mut events = vec![Ok(started())];
    for _ in 0..30 {
        events.push(Ok(Event::SourceRecovered {
            source: "scrape".into(),
        }));
    }
    events.push(Ok(marker("late")));
    write(&p, &events);
    let mut r = Replay::open(&p).unwrap();
    r.clock.speed = Speed::SkipIdle;
    r.clock.playing = true;
    assert!(
        !r.tick(Duration::from_millis(500)).unwrap(),
        "holds a second"
    );
    assert!(r.tick(Duration::from_millis(600)).unwrap());
    assert_eq!(r.applied(), 32, "over thirty seconds of samples at once");
    assert_eq!(r.current().and_then(Class::moment), Some(Moment::Marker));
}

#[test]
fn a_broken_chain_is_shown_and_what_follows_is_read_unverified() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.jsonl");
    write(&p, &session());
    let text = std::fs::read_to_string(&p).unwrap();
    let edited = text.replacen("\"m5\"", "\"m6\"", 1) + "not a line at all\n";
    std::fs::write(&p, edited).unwrap();
    let mut r = Replay::open_every(&p, 4, u64::MAX).unwrap();
    let v = r.verification();
    let damage = v.damage.clone().expect("damage");
    assert_eq!(damage.line, 8);
    assert!(damage.reason.contains("hash mismatch"), "{}", damage.reason);
    assert_eq!(v.report.lines, 7, "everything before it verifies");
    assert_eq!(v.unverified, r.lines() as u64 - 7);
    r.play_to_end().unwrap();
    let tail: Vec<&str> = r
        .state()
        .log_tail
        .iter()
        .map(|l| l.summary.as_str())
        .collect();
    assert!(
        tail.iter()
            .any(|s| s.starts_with("unverified · marker: m6")),
        "{tail:?}"
    );
    assert!(
        tail.last()
            .unwrap()
            .contains("line 47 is not a session-log line: not a line"),
        "{tail:?}"
    );
    assert!(!r.index.class(9).verified() && r.index.class(3).verified());
    // Seeking among unverified lines gives what reading them in order gave.
    let end = state_of(r.state());
    r.go_to(2).unwrap();
    r.go_to(r.lines()).unwrap();
    assert_eq!(state_of(r.state()), end);
}

#[test]
fn unknown_event_types_are_shown_verbatim_never_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.jsonl");
    let signed = r#"{"type":"HeadSigned","head":"ab","signature":"SSHSIG"}"#;
    write(&p, &[Ok(started()), Err(signed), Ok(marker("after"))]);
    let mut r = Replay::open(&p).unwrap();
    r.play_to_end().unwrap();
    let unknown = r
        .state()
        .log_tail
        .iter()
        .find(|l| l.kind == "Unknown")
        .expect("shown");
    assert!(unknown.summary.contains(signed), "{}", unknown.summary);
    assert!(
        unknown.summary.starts_with("HeadSigned"),
        "{}",
        unknown.summary
    );
    assert_eq!(r.verification().report.notices.len(), 1);
    assert!(r.verification().damage.is_none());
}

#[test]
fn a_torn_tail_is_a_warning_and_the_lines_before_it_stand() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.jsonl");
    write(&p, &session());
    let mut bytes = std::fs::read(&p).unwrap();
    bytes.extend_from_slice(b"{\"v\":1,\"seq\":");
    std::fs::write(&p, bytes).unwrap();
    let r = Replay::open(&p).unwrap();
    let v = r.verification();
    assert!(v.damage.is_none());
    assert_eq!(v.report.torn_tail.as_ref().map(|t| t.bytes), Some(13));
    assert_eq!(r.lines(), session().len());
}

#[test]
fn a_file_cut_short_after_opening_is_refused_not_misread() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.jsonl");
    write(&p, &session());
    let mut r = Replay::open_every(&p, 1000, u64::MAX).unwrap();
    let len = std::fs::metadata(&p).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(len / 2).unwrap();
    let e = r.go_to(r.lines() - 1).unwrap_err();
    assert!(e.to_string().contains("cut short"), "{e}");
}
