//! Driving the war room the way a person does: a private tmux server, send-keys, capture-pane.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A tmux server of its own (`-L socket`) with one pane running a command.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `sh -c script` in a detached session of `width`×`height`, with `env` set.
    pub fn start(script: &str, width: u16, height: u16, env: &[(&str, &Path)]) -> Self {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok(),
            "tmux is needed for the terminal tests; .ci/run installs it (apt-get install tmux)"
        );
        let socket = format!(
            "warroom-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let mut cmd = Command::new("tmux");
        cmd.args([
            "-L",
            &socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
        ])
        .args(["-x", &width.to_string(), "-y", &height.to_string()]);
        for (k, v) in env {
            cmd.args(["-e", &format!("{k}={}", v.display())]);
        }
        cmd.args(["sh", "-c", script]);
        let st = cmd.status().unwrap();
        assert!(st.success(), "tmux new-session failed");
        Self { socket }
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// Sends keys (tmux key names such as `Space`, `Enter`, `C-s`, or literal text).
    pub fn keys(&self, keys: &[&str]) {
        let st = self
            .tmux()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(st.success());
    }

    /// Types literal text.
    pub fn type_text(&self, text: &str) {
        let st = self
            .tmux()
            .args(["send-keys", "-t", "t", "-l", text])
            .status()
            .unwrap();
        assert!(st.success());
    }

    /// The pane's current text.
    pub fn capture(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-t", "t", "-p"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the pane (up to 20 s: the machine may be busy) until it contains `text`; returns
    /// the screen.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?}"), |s| s.contains(text))
    }

    /// Polls the pane (up to 20 s) until `ok` holds for the screen; returns the screen.
    pub fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.capture();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "{what} did not appear within 20 s; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Closes the pane (the program gets SIGHUP).
    pub fn kill_pane(&self) {
        let _ = self.tmux().args(["kill-pane", "-t", "t"]).status();
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}

/// Polls a session file (up to 10 s) until its last line is `SessionEnded`; returns the reason.
pub fn wait_for_end(session: &Path) -> String {
    wait_for_last(session, "SessionEnded")["event"]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Polls a session file (up to 10 s) until its last line is an event of type `kind`.
pub fn wait_for_last(session: &Path, kind: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(text) = std::fs::read_to_string(session)
            && let Some(last) = text.lines().last()
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(last)
            && v["event"]["type"] == kind
        {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "{} has no {kind} line within 10 s",
            session.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
