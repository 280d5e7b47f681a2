//! Replay never issues a request: a session recorded by `warroom run --headless` against
//! `warroom sim` (sources running, go, a shift that really moved the simulator's traffic) is
//! replayed headless and in the terminal (played at 1000×, stepped through its moments), and
//! the simulator's request log (`GET /sim/requests`, which counts every read and write of any
//! path but `/sim/*`) stays empty.

mod common;
mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{SimProcess, http, tool};

const DEADLINE: Duration = Duration::from_secs(60);

/// Records a session against the simulator: go once the gates have data, one shift, quit.
fn record(sim: &SimProcess, session: &std::path::Path) {
    let cfg = std::fs::read_to_string(sim.file("warroom.toml")).expect("config");
    let base = cfg.split("\n[gates]").next().unwrap_or(&cfg);
    std::fs::write(
        sim.file("warroom.toml"),
        format!("{base}\n[gates]\nadvisory = [\"checklist\"]\n"),
    )
    .expect("config");
    std::fs::write(sim.file("runbook.toml"), warroom::sim::DEMO_RUNBOOK).expect("runbook");
    let home = sim.path().join("home");
    let mut child = common::warroom(&home)
        .args(["run", "--headless", "-c"])
        .arg(sim.file("warroom.toml"))
        .arg("--runbook")
        .arg(sim.file("runbook.toml"))
        .args([
            "--operator",
            "lead",
            "--role",
            "deployment-lead",
            "--session",
        ])
        .arg(session)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn warroom run --headless");
    let out = child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str(&l)
                && tx.send(v).is_err()
            {
                return;
            }
        }
    });
    let mut stdin = child.stdin.take().expect("stdin");
    let mut send = |l: &str| {
        writeln!(stdin, "{l}").expect("write");
        stdin.flush().expect("flush");
    };
    let wait = |what: &str, pred: &dyn Fn(&Value) -> bool| {
        let until = Instant::now() + DEADLINE;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no {what} within {DEADLINE:?}");
            let v = lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {what} within {DEADLINE:?}"));
            if pred(&v["event"]) {
                return v["event"].clone();
            }
        }
    };
    let until = Instant::now() + DEADLINE;
    loop {
        send("go --reason \"replay must not touch this\"");
        let e = wait("go decided or refused", &|e| {
            e["type"] == "GoNoGoDecided" || (e["type"] == "ActionRefused" && e["action"] == "go")
        });
        if e["type"] == "GoNoGoDecided" {
            break;
        }
        assert!(Instant::now() < until, "go kept being refused: {e}");
        std::thread::sleep(Duration::from_millis(500));
    }
    send("shift --override \"test: no bake\"");
    let out = wait("the shift's outcome", &|e| {
        e["type"] == "ActionOutcome" && e["outcome"] != "unknown"
    });
    assert_eq!(out["outcome"], "applied", "{out}");
    send("quit");
    wait("the end", &|e| e["type"] == "SessionEnded");
    // The war room's stdin reader ends with its input.
    drop(stdin);
    let _ = child.wait();
}

#[test]
fn replaying_a_session_recorded_against_the_simulator_sends_it_nothing() {
    let sim = SimProcess::start(&["--routing", "httproute-weights", "--tick-ms", "20"]);
    let session = sim.path().join("session.jsonl");
    record(&sim, &session);
    let writes = http::get(&format!("{}/sim/requests", sim.url)).body;
    let before: Value = serde_json::from_str(&writes).expect("json");
    assert!(
        before["writes"].as_array().is_some_and(|w| !w.is_empty()),
        "the live session did write: {before}"
    );
    let cleared = http::request(
        "DELETE",
        &format!("{}/sim/requests", sim.url),
        "application/json",
        "",
    )
    .expect("DELETE /sim/requests");
    assert_eq!(cleared.status, 200);

    // Headless: to the end.
    let home = sim.path().join("home");
    let out = common::warroom(&home)
        .args(["replay", "--headless"])
        .arg(&session)
        .output()
        .expect("replay");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("action a1: shift by lead: applied"), "{text}");

    // In the terminal: every moment, then played to the end at 1000×.
    if Command::new("tmux").arg("-V").output().is_ok() {
        let script = format!(
            "{} replay --paused {}; sleep 3",
            common::bin().display(),
            session.display()
        );
        let t = common::tmux::Tmux::start(
            &script,
            120,
            40,
            &[("HOME", &home), ("XDG_CONFIG_HOME", &home.join("config"))],
        );
        t.wait_for("⏸ REPLAY");
        for _ in 0..12 {
            t.keys(&["]"]);
        }
        t.wait_for(" · at a");
        t.keys(&["0"]);
        t.wait_for("(+00:00:00 of");
        t.keys(&["+", "+", "+", "+", "+", "+", "+", "+", "+"]);
        t.wait_for("1000×");
        t.keys(&["Space"]);
        t.wait_for("ENDED (quit)");
        t.keys(&["q"]);
    } else {
        tool::missing(
            "replay_no_requests (terminal part)",
            "tmux is not installed",
        );
    }

    let after: Value =
        serde_json::from_str(&http::get(&format!("{}/sim/requests", sim.url)).body).expect("json");
    assert_eq!(after["writes"], serde_json::json!([]), "{after}");
    assert_eq!(after["reads"], 0, "not even a read: {after}");
}
