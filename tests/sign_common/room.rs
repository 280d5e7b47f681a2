//! A headless war room as a child process, fed commands on stdin and read on stdout, and the
//! tools of a forger: a session log rewritten with its hash chain recomputed.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use warroom::event::Envelope;
use warroom::session::hash::{GENESIS, chain_hash, insert_hash};

/// How long any one wait may take.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The `warroom` binary Cargo built for these tests.
pub fn warroom() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_warroom"))
}

/// `warroom run --headless` with its stdin and stdout.
pub struct Room {
    child: Child,
    lines: mpsc::Receiver<Value>,
    /// Every line printed so far.
    pub seen: Vec<Value>,
    stderr: PathBuf,
}

impl Room {
    /// Starts `warroom run --headless -c CONFIG --runbook RUNBOOK --operator OP --role ROLE
    /// --session SESSION` with a private HOME under `dir` and `env` added.
    pub fn start(
        dir: &Path,
        config: &Path,
        runbook: &Path,
        who: (&str, &str),
        session: &Path,
        env: &[(&str, &str)],
    ) -> Self {
        let home = dir.join("home");
        std::fs::create_dir_all(&home).unwrap();
        let stderr = dir.join(format!(
            "{}.stderr",
            session.file_name().unwrap().to_string_lossy()
        ));
        let mut cmd = Command::new(warroom());
        cmd.args(["run", "--headless", "-c"])
            .arg(config)
            .arg("--runbook")
            .arg(runbook)
            .args(["--operator", who.0, "--role", who.1, "--session"])
            .arg(session)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("WARROOM_SIGNER")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn warroom run --headless");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { return };
                let Ok(v) = serde_json::from_str::<Value>(&l) else {
                    continue;
                };
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
            stderr,
        }
    }

    /// Writes one command line.
    pub fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for a recorded line whose event matches `pred`; returns the whole line.
    pub fn wait(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    self.seen.push(v.clone());
                    if pred(&v["event"]) {
                        return v;
                    }
                }
                Err(_) => panic!(
                    "no {what} within {DEADLINE:?}; saw {} lines; stderr: {}",
                    self.seen.len(),
                    self.stderr()
                ),
            }
        }
    }

    /// Sends `go` until the gates let it through (the stable's SLOs need a few scrapes).
    pub fn go(&mut self) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            self.send("go --reason \"signed heads test\"");
            let e = self.wait("go decided or refused", |e| {
                e["type"] == "GoNoGoDecided"
                    || (e["type"] == "ActionRefused" && e["action"] == "go")
            });
            if e["event"]["type"] == "GoNoGoDecided" {
                return e;
            }
            assert!(Instant::now() < deadline, "go kept being refused: {e}");
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Waits for the applied (or failed) outcome of action `id`.
    pub fn outcome(&mut self, id: &str) -> Value {
        let id = id.to_string();
        self.wait(&format!("the outcome of {id}"), move |e| {
            e["type"] == "ActionOutcome" && e["id"] == id.as_str() && e["outcome"] != "unknown"
        })
    }

    /// Sends `quit` and waits for the process to end; returns its stderr.
    pub fn quit(mut self) -> String {
        self.send("quit");
        // stdin closed too, as a pipeline's does: a reader blocked on it would hold the exit.
        drop(self.child.stdin.take());
        self.wait("the end marker", |e| e["type"] == "SessionEnded");
        let deadline = Instant::now() + DEADLINE;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the war room did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.stderr()
    }

    /// What the war room wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `warroom verify ARGS…`.
pub fn verify(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(warroom())
        .arg("verify")
        .args(args)
        .output()
        .expect("spawn warroom verify")
}

/// The envelopes of a session log, in order.
pub fn envelopes(path: &Path) -> Vec<Envelope> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Writes `envelopes` as a session log with `seq`, `prev` and `hash` recomputed, as anyone who
/// can edit the file can: the result verifies as an intact chain.
pub fn write_rechained(path: &Path, envelopes: &[Envelope]) {
    let mut prev = GENESIS.to_string();
    let mut out = Vec::new();
    for (i, env) in envelopes.iter().enumerate() {
        let mut e = env.clone();
        e.seq = i as u64 + 1;
        e.prev = prev.clone();
        e.hash = String::new();
        let bare = serde_json::to_vec(&e).unwrap();
        let hash = chain_hash(&prev, &bare);
        out.extend(insert_hash(&bare, &hash));
        out.push(b'\n');
        prev = hash;
    }
    std::fs::write(path, out).unwrap();
}
