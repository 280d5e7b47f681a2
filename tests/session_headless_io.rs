//! Headless input is never silently lost and output never stalls the loop: a line that is not
//! UTF-8, or too long, is reported by number and the lines after it still count; a note over
//! the limit is refused naming it; a reader that never reads stdout does not stop the recording.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use warroom::headless::{MAX_LINE, PRINT_QUEUE};
use warroom::reduce::checklist::NOTE_LIMIT;

/// Runs a headless session fed `input` on stdin; returns (exit code, stderr, session lines).
fn run_with_input(input: &[u8]) -> (Option<i32>, String, Vec<serde_json::Value>) {
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let session = home.path().join("s.jsonl");
    let mut child = common::warroom(home.path())
        .args(["run", "--headless", "--operator", "lead", "--runbook"])
        .arg(&rb)
        .arg("--session")
        .arg(&session)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let bytes = input.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        common::session_lines(&session),
    )
}

fn kinds(lines: &[serde_json::Value]) -> Vec<&str> {
    lines
        .iter()
        .map(|l| l["event"]["type"].as_str().unwrap())
        .collect()
}

#[test]
fn a_line_that_is_not_utf8_is_reported_and_the_next_ones_still_count() {
    let (code, err, lines) = run_with_input(
        b"tick t-7d/review\nnote t-7d/review caf\xe9 latin-1\nnote t-7d/review after it\nquit\n",
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("stdin line 2: not valid UTF-8"), "{err}");
    assert_eq!(
        kinds(&lines),
        ["SessionStarted", "ItemTicked", "NoteAdded", "SessionEnded"]
    );
    assert_eq!(lines[2]["event"]["text"], "after it");
    assert_eq!(lines[3]["event"]["reason"], "quit", "not \"stdin closed\"");
}

#[test]
fn a_line_longer_than_the_limit_is_reported_not_buffered_and_reading_goes_on() {
    let mut input = b"note t-7d/review ".to_vec();
    input.extend(std::iter::repeat_n(b'x', MAX_LINE * 3));
    input.extend_from_slice(b"\ntick t-7d/review\nquit\n");
    let (code, err, lines) = run_with_input(&input);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("stdin line 1: longer than"), "{err}");
    assert_eq!(
        kinds(&lines),
        ["SessionStarted", "ItemTicked", "SessionEnded"]
    );
}

#[test]
fn a_note_over_64_kib_is_refused_naming_the_limit() {
    let mut input = b"note t-7d/review ".to_vec();
    input.extend(std::iter::repeat_n(b'y', NOTE_LIMIT + 1));
    input.extend_from_slice(b"\nnote t-7d/review ");
    input.extend(std::iter::repeat_n(b'z', NOTE_LIMIT));
    input.extend_from_slice(b"\nquit\n");
    let (code, err, lines) = run_with_input(&input);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("refused: a note holds at most 64 KiB (65536 bytes)")
            || err.contains("refused: stdin line 1: a note holds at most 64 KiB (65536 bytes)"),
        "{err}"
    );
    assert_eq!(
        kinds(&lines),
        ["SessionStarted", "NoteAdded", "SessionEnded"],
        "the note at the limit is kept, the one over it is not"
    );
    assert_eq!(
        lines[1]["event"]["text"].as_str().unwrap().len(),
        NOTE_LIMIT
    );
}

#[test]
fn a_stdout_nobody_reads_does_not_stall_the_loop() {
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let session = home.path().join("s.jsonl");
    let mut child = common::warroom(home.path())
        .args(["run", "--headless", "--operator", "lead", "--runbook"])
        .arg(&rb)
        .arg("--session")
        .arg(&session)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Held open and never read until the child is gone: its pipe fills after a few hundred
    // lines, and more lines than the printer's queue holds are recorded.
    let mut stdout = child.stdout.take().unwrap();
    let notes = PRINT_QUEUE + 400;
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        for i in 0..notes {
            if writeln!(stdin, "note t-7d/review progress {i}").is_err() {
                return;
            }
        }
        let _ = writeln!(stdin, "quit");
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the war room stalled on a stdout nobody reads");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    feeder.join().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("stdout is not being read"), "{err}");
    assert!(err.contains("were not printed"), "{err}");

    let lines = common::session_lines(&session);
    let noted = lines
        .iter()
        .filter(|l| l["event"]["type"] == "NoteAdded")
        .count();
    assert_eq!(noted, notes, "every command was recorded");
    assert_eq!(lines.last().unwrap()["event"]["reason"], "quit");

    // What did get printed is whole lines of the file, in order.
    let mut printed = String::new();
    stdout.read_to_string(&mut printed).unwrap();
    let file = std::fs::read_to_string(&session).unwrap();
    let mut in_file = file.lines();
    let whole: Vec<&str> = printed
        .split_inclusive('\n')
        .filter(|l| l.ends_with('\n'))
        .map(|l| l.trim_end_matches('\n'))
        .collect();
    assert!(!whole.is_empty());
    for p in whole {
        assert!(
            in_file.any(|f| f == p),
            "a printed line is not in the file in order: {p}"
        );
    }
}

#[test]
fn quit_ends_the_session_while_the_caller_keeps_stdin_open() {
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let session = home.path().join("s.jsonl");
    let mut child = common::warroom(home.path())
        .args(["run", "--headless", "--operator", "lead", "--runbook"])
        .arg(&rb)
        .arg("--session")
        .arg(&session)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // A pipeline that says quit but holds its end of the pipe open.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"quit\n").unwrap();
    stdin.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("warroom did not exit after quit while stdin stayed open");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(stdin);
    assert_eq!(status.code(), Some(0));
    let lines = common::session_lines(&session);
    assert_eq!(
        lines.last().unwrap()["event"]["type"],
        "SessionEnded",
        "closed cleanly"
    );
}
