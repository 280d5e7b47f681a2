//! Following bytes as they arrive: lines in pieces, damage at once, a resume's cut torn line,
//! `tail -f` sending the whole file again, and how the writer is doing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::event::Event;
use crate::runtime::replay::testlog::{marker, seal, started, tick};

fn events(n: usize) -> Vec<Result<Event, &'static str>> {
    let mut v = vec![Ok(started())];
    for i in 0..n {
        v.push(Ok(if i % 5 == 4 {
            marker(&format!("m{i}"))
        } else {
            tick(i)
        }));
    }
    v
}

/// The file's lines, each with its newline.
fn lines_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// The state after applying every line in order.
fn played(bytes: &[u8]) -> State {
    let mut s = State::default();
    for (i, l) in bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        crate::runtime::replay::apply::again(&mut s, i as u64 + 1, l, true);
    }
    s
}

fn feed(f: &mut Follow, bytes: &[u8]) -> Arrived {
    f.input(Input::Bytes(bytes.to_vec()), Instant::now())
}

#[test]
fn lines_are_applied_once_complete_however_the_bytes_arrive() {
    let file = seal(&events(12));
    let mut f = Follow::new();
    let mut shown = 0;
    for chunk in file.chunks(37) {
        shown += feed(&mut f, chunk).lines.len();
    }
    assert_eq!(shown, 13);
    assert_eq!(f.lines(), 13);
    assert!(f.damage().is_none());
    assert_eq!(f.state(), &played(&file));
}

#[test]
fn damage_is_shown_at_once_and_what_follows_is_unverified() {
    let file = String::from_utf8(seal(&events(6))).unwrap();
    let edited = file.replacen("\"m4\"", "\"m5\"", 1);
    let mut f = Follow::new();
    let out = feed(&mut f, edited.as_bytes());
    let d = f.damage().expect("damage");
    assert_eq!(d.line, 6);
    assert!(
        out.notes.iter().any(|n| n.starts_with("damage: line 6")),
        "{out:?}"
    );
    assert_eq!(out.lines.len(), 7, "every line is still shown");
    assert!(
        f.state()
            .log_tail
            .iter()
            .any(|l| l.summary.starts_with("unverified · marker: m5"))
    );
    assert_eq!(f.chain_state().damage.map(|d| d.0), Some(6));
}

#[test]
fn a_resume_that_cuts_a_torn_line_is_followed() {
    let full = seal(&events(10));
    let lines = lines_of(&full);
    let mut f = Follow::new();
    // Lines 1-6, then a crash mid-write of line 7.
    feed(&mut f, &lines[..6].concat());
    feed(&mut f, &lines[6][..20]);
    assert_eq!(f.lines(), 6);
    // The resumed writer moves the torn bytes aside and writes on from line 7.
    let out = f.input(Input::Cut(20), Instant::now());
    assert!(out.notes[0].contains("cut off 20 bytes"), "{out:?}");
    feed(&mut f, &lines[6..].concat());
    assert!(f.damage().is_none(), "{:?}", f.damage());
    assert_eq!(f.state(), &played(&full));
}

#[test]
fn tail_sending_the_file_again_after_a_resume_is_followed_without_double_lines() {
    let full = seal(&events(10));
    let lines = lines_of(&full);
    let mut f = Follow::new();
    feed(&mut f, &lines[..6].concat());
    // `tail -f` saw the torn bytes, then the file shrank: it sends the whole file again.
    feed(&mut f, &lines[6][..25]);
    let out = feed(&mut f, &lines.concat());
    assert!(f.damage().is_none(), "{:?}", f.damage());
    assert!(
        out.notes.iter().any(|n| n.contains("started over")),
        "{out:?}"
    );
    assert_eq!(out.lines.len(), 5, "only the new lines 7-11 are applied");
    assert_eq!(f.lines(), 11);
    assert_eq!(f.state(), &played(&full));
}

#[test]
fn a_stream_that_starts_over_with_another_history_is_damage() {
    let full = seal(&events(10));
    let lines = lines_of(&full);
    let other = String::from_utf8(full.clone())
        .unwrap()
        .replacen("\"m4\"", "\"mX\"", 1);
    let mut f = Follow::new();
    feed(&mut f, &lines[..8].concat());
    f.input(Input::Rewound, Instant::now());
    let out = feed(&mut f, other.as_bytes());
    let d = f.damage().expect("damage");
    assert!(d.reason.contains("after the stream started over"), "{d:?}");
    assert!(!out.lines.is_empty());
}

#[test]
fn the_writer_is_said_to_be_waiting_active_quiet_gone_or_done() {
    let full = seal(&events(3));
    let mut f = Follow::new();
    let t = Instant::now();
    assert_eq!(f.writer(t), Writer::Waiting);
    f.input(Input::Bytes(full.clone()), t);
    assert!(matches!(
        f.writer(t + Duration::from_secs(2)),
        Writer::Active(_)
    ));
    assert!(matches!(f.writer(t + QUIET), Writer::Quiet(d) if d.as_secs() == 10));
    f.input(Input::Holder(None), t);
    assert_eq!(f.writer(t), Writer::Gone);
    let mut end = seal(&[
        Ok(started()),
        Ok(Event::SessionEnded {
            reason: "quit".into(),
        }),
    ]);
    let mut g = Follow::new();
    g.input(Input::Bytes(std::mem::take(&mut end)), t);
    assert_eq!(g.writer(t), Writer::Ended("quit"));
}

#[test]
fn an_input_that_ends_inside_a_line_reports_a_torn_tail() {
    let full = seal(&events(3));
    let mut f = Follow::new();
    feed(&mut f, &full[..full.len() - 30]);
    let out = f.input(Input::End, Instant::now());
    assert!(out.notes[0].contains("torn final line"), "{out:?}");
    assert!(f.chain_state().torn.is_some());
    assert!(f.input_ended());
}
