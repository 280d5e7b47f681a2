//! Shared helpers for the simulator's integration tests: starting `warroom sim` as a child
//! process, polling with deadlines, kubectl and Prometheus.
#![allow(dead_code)]

pub mod http;
pub mod kubectl;
pub mod prometheus;
#[path = "../shared/tool.rs"]
pub mod tool;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The `warroom` binary Cargo built for these tests.
pub fn warroom() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_warroom"))
}

/// A `warroom sim` child process with its written config.
pub struct SimProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Holds kubeconfig, warroom.toml, prometheus.yml (and a HOME for kubectl's cache).
    pub dir: tempfile::TempDir,
}

impl SimProcess {
    /// Starts `warroom sim --write-config DIR` with extra arguments and waits for `ready`.
    pub fn start(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(warroom())
            .args(["sim", "--listen", "127.0.0.1:0", "--write-config"])
            .arg(dir.path())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn warroom sim");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("warroom sim printed no ready line within 30 s");
        let url = line
            .trim()
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Self { child, url, dir }
    }

    /// The written kubeconfig.
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// A file in the config directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The sim's `/metrics` text.
    pub fn metrics(&self) -> String {
        http::get(&format!("{}/metrics", self.url)).body
    }

    /// Total requests of one version so far.
    pub fn requests(&self, version: &str) -> f64 {
        http::metric_sum(
            &self.metrics(),
            "http_requests_total",
            &[("version", version)],
        )
    }

    /// The config directory's path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` every 100 ms until it returns `Some` or `limit` passes; panics with `what`.
pub fn eventually<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
