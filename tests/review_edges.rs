//! What a reviewer trips on at the edges of replay, follow and verify: a wrong path for
//! `follow`, a reader that stops early (`| head`), no terminal at all, and a replay bar too
//! narrow for the chain's details (the chain's word must stay on screen).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::runtime::replay::Replay;
use warroom::ui::Ui;

fn recording(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("recordings")
        .join(name)
}

#[test]
fn follow_refuses_a_path_that_is_not_a_file_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    for (path, says) in [
        (dir.path().join("nosuch.jsonl"), "No such file"),
        (dir.path().to_path_buf(), "not a file"),
    ] {
        let out = common::warroom(dir.path())
            .args(["follow", "--headless"])
            .arg(&path)
            .stdin(Stdio::null())
            .output()
            .expect("follow");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
        assert!(err.contains(says), "{err}");
        assert!(err.contains("session file"), "{err}");
    }
}

#[test]
fn a_reader_that_stops_early_is_not_a_crash() {
    let dir = tempfile::tempdir().expect("tmp");
    let rec = recording("bad-canary.jsonl");
    for args in [&["replay", "--headless"][..], &["verify"][..]] {
        let mut child = common::warroom(dir.path())
            .args(args)
            .arg(&rec)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // `| head -0`: the reader is gone before the first line is written.
        drop(child.stdout.take());
        let done = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&done.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(done.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn without_a_terminal_the_screens_say_so_and_point_at_headless() {
    if Command::new("setsid").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "setsid (util-linux) is needed"
        );
        eprintln!("skipped: no setsid");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let rec = recording("healthy.jsonl");
    for command in ["replay", "follow"] {
        // A new session has no controlling terminal; stdin and stdout are not terminals.
        let out = Command::new("setsid")
            .arg("--wait")
            .arg(common::bin())
            .arg(command)
            .arg(&rec)
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .stdin(Stdio::null())
            .output()
            .expect("setsid");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{command}: {err}");
        assert_eq!(out.status.code(), Some(3), "{command}: {err}");
        assert!(err.contains("cannot open the terminal"), "{command}: {err}");
        assert!(err.contains("--headless"), "{command}: {err}");
        assert!(out.stdout.is_empty(), "{command}: nothing drawn");
    }
}

#[test]
fn the_chains_word_stays_on_a_narrow_replay_bar() {
    let mut replay = Replay::open(&recording("bad-canary.jsonl")).expect("open");
    replay.play_to_end().expect("plays");
    let mut ui = Ui::with_defaults();
    for width in [100, 120, 160] {
        let mut term = Terminal::new(TestBackend::new(width, 40)).expect("terminal");
        let bar = warroom::commands::replay::bar(&replay, None);
        term.draw(|f| ui.draw_read_only(f, replay.state(), replay.now(), &bar))
            .expect("draw");
        let screen = format!("{}", term.backend());
        assert!(
            screen.contains("✓ chain intact"),
            "at {width} columns:\n{screen}"
        );
    }
}

#[test]
fn verify_head_takes_a_hash_in_any_case_and_names_what_is_not_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let rec = recording("bad-canary.jsonl");
    let verify = |head: &str| {
        common::warroom(dir.path())
            .arg("verify")
            .arg(&rec)
            .args(["--head", head])
            .output()
            .expect("verify")
    };
    let out = verify("deadbeef");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not a line's hash"), "{err}");
    // The final hash, as `verify` reports it, copied in capitals.
    let first = common::warroom(dir.path())
        .arg("verify")
        .arg(&rec)
        .output()
        .expect("verify");
    let text = String::from_utf8_lossy(&first.stdout);
    let hash = text
        .split(|c: char| !c.is_ascii_hexdigit())
        .rfind(|w| w.len() == 64)
        .expect("the final hash")
        .to_ascii_uppercase();
    let out = verify(&hash);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("the last line"), "{said}");
}

#[test]
fn headless_replay_and_follow_refuse_a_layout_or_theme_that_does_not_exist() {
    let dir = tempfile::tempdir().expect("tmp");
    let rec = recording("healthy.jsonl");
    for (command, flag) in [("replay", "--layout"), ("follow", "--theme")] {
        let out = common::warroom(dir.path())
            .args([command, "--headless", flag, "nosuch"])
            .arg(&rec)
            .stdin(Stdio::null())
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(err.contains("nosuch"), "{command}: {err}");
    }
}

#[test]
fn headless_follow_says_when_a_quiet_writer_writes_again() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().expect("tmp");
    let text = std::fs::read_to_string(recording("healthy.jsonl")).expect("recording");
    let lines: Vec<&str> = text.lines().collect();
    let mut child = common::warroom(dir.path())
        .args(["follow", "--headless", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("follow -");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    writeln!(stdin, "{}\n{}", lines[0], lines[1]).expect("write");
    stdin.flush().expect("flush");
    let mut said = String::new();
    let mut next = |what: &str| loop {
        said.clear();
        assert!(err.read_line(&mut said).expect("stderr") > 0, "no `{what}`");
        if said.contains(what) {
            break;
        }
    };
    next("the writer is quiet");
    writeln!(stdin, "{}", lines[2]).expect("write");
    stdin.flush().expect("flush");
    next("the writer is writing again");
    drop(stdin);
    assert!(child.wait().expect("wait").success());
}
