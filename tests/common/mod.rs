//! Helpers shared by the integration tests: the binary, temp runbooks, headless children.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;

pub mod tmux;
use std::time::{Duration, Instant};

/// The warroom binary built for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_warroom"))
}

/// A small runbook with timed and untimed stages.
pub const RUNBOOK: &str = r#"title = "Release 1.2.3"

[[stage]]
id = "t-7d"
title = "Code quality"
offset = "-7d"

[[stage.item]]
id = "review"
text = "All code reviewed by two engineers"

[[stage.item]]
id = "unit-tests"
text = "All unit tests passing"
commands = ["pytest tests/unit/ -v"]

[[stage]]
id = "t-1d"
title = "Prerequisites"
offset = "-1d"

[[stage.item]]
id = "backup"
text = "Database backup verified"

[[stage]]
id = "rollback"
title = "Rollback procedure"

[[stage.item]]
id = "switch-back"
text = "Switch the service selector back to blue"
"#;

/// Writes `RUNBOOK` into `dir` and returns its path.
pub fn write_runbook(dir: &Path) -> PathBuf {
    let p = dir.join("runbook.toml");
    std::fs::write(&p, RUNBOOK).unwrap();
    p
}

/// A `warroom` command with a hermetic environment (XDG dirs inside `home`).
pub fn warroom(home: &Path) -> Command {
    let mut c = Command::new(bin());
    c.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("WARROOM_OPERATOR")
        .env_remove("WARROOM_ROLE");
    c
}

/// A headless war room child with piped stdin/stdout and a thread reading stdout lines.
pub struct Headless {
    pub child: Child,
    pub lines: mpsc::Receiver<String>,
}

impl Headless {
    /// Starts `warroom run --headless` with extra args.
    pub fn start(home: &Path, args: &[&str]) -> Self {
        let mut child = warroom(home)
            .args(["run", "--headless"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn warroom");
        let out = child.stdout.take().unwrap();
        let lines = read_lines(out);
        Self { child, lines }
    }

    /// Sends one command line.
    pub fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits (up to 10 s) for the next stdout line.
    pub fn next_line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(10))
            .expect("a line from the headless war room within 10 s")
    }

    /// Waits for a line whose event type is `kind`, returning it.
    pub fn wait_for(&self, kind: &str) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(l) = self.lines.recv_timeout(Duration::from_millis(200)) {
                let v: serde_json::Value = serde_json::from_str(&l).unwrap();
                if v["event"]["type"] == kind {
                    return v;
                }
            }
        }
        panic!("no {kind} event within 10 s");
    }
}

/// Reads complete lines from a child's stdout on a thread.
pub fn read_lines(out: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(out);
        let mut buf = String::new();
        loop {
            buf.clear();
            match r.read_line(&mut buf) {
                // Only a line that arrived whole (with its newline) was reported durable.
                Ok(n) if n > 0 && buf.ends_with('\n') => {
                    if tx.send(buf.trim_end_matches('\n').to_string()).is_err() {
                        return;
                    }
                }
                _ => return,
            }
        }
    });
    rx
}

/// Parses the JSON lines of a session file.
pub fn session_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
