//! Disk limits fail closed: past `ulimit -f` the kernel sends SIGXFSZ, which must not kill the
//! war room; the write fails (EFBIG) and is handled like a full disk: a clear message, the
//! partial line cut back, exit 3, and the terminal restored.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

use common::tmux::Tmux;
use warroom::session::verify_bytes;

/// `ulimit -f` in 512-byte blocks (POSIX `sh`).
const BLOCKS: u64 = 32;

fn assert_cut_back_to_whole_lines(session: &std::path::Path) -> u64 {
    let bytes = std::fs::read(session).unwrap();
    assert!(bytes.len() as u64 <= BLOCKS * 512, "{} bytes", bytes.len());
    assert_eq!(
        bytes.last(),
        Some(&b'\n'),
        "the partial line was not cut back"
    );
    let (report, _) = verify_bytes(&bytes).unwrap();
    assert!(report.torn_tail.is_none());
    assert!(!report.clean_close, "nothing can be written past the limit");
    report.lines
}

#[test]
fn a_file_size_limit_in_headless_mode_fails_like_a_full_disk() {
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let session = home.path().join("s.jsonl");
    let h = home.path();
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -f {BLOCKS}; exec \"$0\" \"$@\""))
        .arg(common::bin())
        .args(["run", "--headless", "--operator", "lead", "--runbook"])
        .arg(&rb)
        .arg("--session")
        .arg(&session)
        .env("HOME", h)
        .env("XDG_CONFIG_HOME", h.join("config"))
        .env("XDG_DATA_HOME", h.join("data"))
        .env("XDG_STATE_HOME", h.join("state"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        for i in 0..2_000 {
            if writeln!(stdin, "note t-7d/review filling the disk, note {i}").is_err() {
                return;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.signal(),
        None,
        "killed by a signal (SIGXFSZ?): {err}"
    );
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("File too large"), "{err}");
    assert!(err.contains("nothing after this was recorded"), "{err}");
    let lines = assert_cut_back_to_whole_lines(&session);
    assert!(lines > 2, "only {lines} lines before the limit");
}

#[test]
fn a_file_size_limit_in_the_terminal_restores_it_and_exits_3() {
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let session = home.path().join("s.jsonl");
    let script = format!(
        "ulimit -f {BLOCKS}; '{bin}' run --runbook '{rb}' --session '{s}' --operator lead; \
         echo EXIT=$?; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon | tr '\\n' ' '; \
         echo; echo WRAPPER-DONE; sleep 60",
        bin = common::bin().display(),
        rb = rb.display(),
        s = session.display(),
    );
    let h = home.path();
    let t = Tmux::start(
        &script,
        100,
        30,
        &[
            ("HOME", h),
            ("XDG_CONFIG_HOME", &h.join("config")),
            ("XDG_DATA_HOME", &h.join("data")),
            ("XDG_STATE_HOME", &h.join("state")),
        ],
    );
    t.wait_for("Code quality");
    // Tick and untick until the log reaches the limit.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !t.capture().contains("WRAPPER-DONE") {
        assert!(std::time::Instant::now() < deadline, "{}", t.capture());
        t.keys(&["Space"]);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let screen = t.wait_for("WRAPPER-DONE");
    assert!(screen.contains("EXIT=3"), "{screen}");
    assert!(screen.contains("File too large"), "{screen}");
    assert!(screen.contains("icanon"), "{screen}");
    assert!(!screen.contains("-icanon"), "still in raw mode:\n{screen}");
    assert_cut_back_to_whole_lines(&session);
}
