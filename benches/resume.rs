//! Resuming a 24-hour session log: `warroom run --headless --resume` on a real file of a
//! day's scrapes, probes and a full release, timed from the spawn to the `SessionResumed` line
//! it prints, then a key press on the resumed session (`tick` written → its durable line
//! printed). Run with `cargo bench --bench resume`; the hours are `RESUME_BENCH_HOURS`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../tests/report_common/mod.rs"]
mod report_common;

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hours = std::env::var("RESUME_BENCH_HOURS")
        .ok()
        .and_then(|h| h.parse().ok())
        .unwrap_or(24);
    let path = report_common::long_session(dir.path(), hours);
    let bytes = std::fs::metadata(&path).expect("session").len();
    let config = dir.path().join("warroom.toml");
    std::fs::write(
        &config,
        warroom::sim::config_writer::warroom_toml(
            "http://127.0.0.1:9",
            warroom::sim::RoutingMode::HttprouteWeights,
        ),
    )
    .expect("config");
    let runbook = dir.path().join("runbook.toml");
    std::fs::write(&runbook, report_common::RUNBOOK).expect("runbook");
    let (mut resume, mut press) = (Vec::new(), Vec::new());
    for round in 0..5 {
        let start = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(["run", "--headless", "--resume", "--operator", "lead"])
            .args(["--role", "deployment-lead", "--session"])
            .arg(&path)
            .arg("-c")
            .arg(&config)
            .arg("--runbook")
            .arg(&runbook)
            .env("HOME", dir.path())
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn warroom");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut stdin = child.stdin.take().expect("stdin");
        let mut line = String::new();
        let wait_for = |out: &mut BufReader<_>, line: &mut String, kind: &str| loop {
            line.clear();
            assert!(
                out.read_line(line).expect("read") > 0,
                "warroom ended before {kind}"
            );
            if line.contains(&format!("\"type\":\"{kind}\"")) {
                break;
            }
        };
        wait_for(&mut out, &mut line, "SessionResumed");
        resume.push(start.elapsed());
        // The generated day ticked t-1d/backup: untick it, tick it again, and so on.
        let item = if round % 2 == 0 { "untick" } else { "tick" };
        let sent = Instant::now();
        writeln!(stdin, "{item} t-1d/backup").expect("write");
        let kind = if round % 2 == 0 {
            "ItemUnticked"
        } else {
            "ItemTicked"
        };
        wait_for(&mut out, &mut line, kind);
        press.push(sent.elapsed());
        writeln!(stdin, "quit").expect("quit");
        let _ = child.wait();
    }
    let ms = |v: &[Duration]| -> Vec<String> {
        v.iter()
            .map(|d| format!("{:.0}", d.as_secs_f64() * 1e3))
            .collect()
    };
    println!(
        "{hours}-hour session, {:.1} MB: resume → SessionResumed ms {:?}; key press → durable line ms {:?}",
        bytes as f64 / 1e6,
        ms(&resume),
        ms(&press)
    );
}
