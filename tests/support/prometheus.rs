//! A real Prometheus on 127.0.0.1 with its own storage, stopped when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::http;

/// A running Prometheus.
pub struct Prometheus {
    child: Child,
    _storage: tempfile::TempDir,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

fn binary() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("prometheus"))
            .find(|f| f.is_file())
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Prometheus {
    /// Starts Prometheus with `config`; `None` (with a message) if it is not installed.
    pub fn start(config: &Path) -> Option<Self> {
        let Some(bin) = binary() else {
            super::tool::missing(
                "Prometheus tests",
                "prometheus is not installed (apt-get install -y --no-install-recommends prometheus)",
            );
            return None;
        };
        let storage = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let child = Command::new(bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", storage.path().display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn prometheus");
        Some(Self {
            child,
            _storage: storage,
            url: format!("http://127.0.0.1:{port}"),
        })
    }

    /// An instant query's `data.result` (empty on any error, so callers can poll).
    pub fn query(&self, q: &str) -> Vec<serde_json::Value> {
        let url = format!("{}/api/v1/query?query={}", self.url, http::encode(q));
        let Ok(r) = http::request("GET", &url, "application/json", "") else {
            return Vec::new();
        };
        serde_json::from_str::<serde_json::Value>(&r.body)
            .ok()
            .and_then(|v| v["data"]["result"].as_array().cloned())
            .unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
