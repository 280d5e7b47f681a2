//! The whole path, as a pipeline drives it: `warroom run --headless` against `warroom sim`,
//! go, shift, a GitOps-style revert by another field manager (drift named from
//! managedFields), a rollback — checked through kubectl as well as the session's own events,
//! and the lock released when the session ends.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::kubectl::{self, Kubectl};
use support::{SimProcess, warroom};

const DEADLINE: Duration = Duration::from_secs(60);

struct Room {
    child: Child,
    lines: mpsc::Receiver<Value>,
    seen: Vec<Value>,
}

impl Room {
    fn start(sim: &SimProcess) -> Self {
        let home = sim.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        let mut child = Command::new(warroom())
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
            .arg(sim.file("session.jsonl"))
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn warroom run --headless");
        let out = child.stdout.take().expect("stdout");
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
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{line}").expect("write");
        stdin.flush().expect("flush");
    }

    /// Waits for an event matching `pred` (the event object, without the envelope).
    fn wait(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    self.seen.push(v.clone());
                    if pred(&v["event"]) {
                        return v["event"].clone();
                    }
                }
                Err(_) => panic!(
                    "no {what} within {DEADLINE:?}; saw {} events",
                    self.seen.len()
                ),
            }
        }
    }

    fn outcome(&mut self, id: &str) -> Value {
        let id = id.to_string();
        self.wait(&format!("the outcome of {id}"), move |e| {
            e["type"] == "ActionOutcome" && e["id"] == id.as_str() && e["outcome"] != "unknown"
        })
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kubectl_get(k: &Kubectl, sim: &SimProcess, args: &[&str]) -> String {
    k.ok(&sim.kubeconfig(), sim.path(), args).trim().to_string()
}

fn weights(k: &Kubectl, sim: &SimProcess) -> String {
    kubectl_get(
        k,
        sim,
        &[
            "get",
            "httproute",
            "app",
            "-o",
            "jsonpath={.spec.rules[0].backendRefs[*].weight}",
        ],
    )
}

#[test]
fn go_shift_drift_and_rollback_through_the_headless_war_room() {
    let Some(k) = kubectl::all().into_iter().next() else {
        support::tool::missing("go_shift_drift_and_rollback", "no kubectl");
        return;
    };
    let sim = SimProcess::start(&[
        "--routing",
        "httproute-weights",
        "--pod-step-ms",
        "40",
        "--tick-ms",
        "20",
    ]);
    // Gates of this test's own: the checklist advisory, no approvals (this test is about the
    // actions; the approvals have theirs).
    let cfg = std::fs::read_to_string(sim.file("warroom.toml")).expect("config");
    let base = cfg.split("\n[gates]").next().unwrap_or(&cfg);
    std::fs::write(
        sim.file("warroom.toml"),
        format!("{base}\n[gates]\nadvisory = [\"checklist\"]\n"),
    )
    .expect("config");
    std::fs::write(sim.file("runbook.toml"), warroom::sim::DEMO_RUNBOOK).expect("runbook");
    let mut room = Room::start(&sim);

    // Go once the gates have their data (the stable's SLOs need a few scrapes).
    let deadline = Instant::now() + DEADLINE;
    loop {
        room.send("go --reason \"e2e\"");
        let e = room.wait("go decided or refused", |e| {
            e["type"] == "GoNoGoDecided" || (e["type"] == "ActionRefused" && e["action"] == "go")
        });
        if e["type"] == "GoNoGoDecided" {
            break;
        }
        assert!(Instant::now() < deadline, "go kept being refused: {e}");
        std::thread::sleep(Duration::from_millis(500));
    }

    room.send("shift --override \"e2e: no bake\"");
    let out = room.outcome("a1");
    assert_eq!(out["outcome"], "applied", "{out}");
    assert_eq!(weights(&k, &sim), "90 10");
    let holder = kubectl_get(
        &k,
        &sim,
        &[
            "get",
            "lease",
            "warroom-app",
            "-o",
            "jsonpath={.spec.holderIdentity}",
        ],
    );
    assert!(holder.starts_with("lead@"), "{holder}");

    // Two seconds later GitOps puts the weights back, under its own field manager.
    std::thread::sleep(Duration::from_secs(2));
    kubectl_get(
        &k,
        &sim,
        &[
            "patch",
            "httproute",
            "app",
            "--type=merge",
            "--field-manager=argocd",
            "-p",
            r#"{"spec":{"rules":[{"matches":[{"path":{"type":"PathPrefix","value":"/"}}],"backendRefs":[{"group":"","kind":"Service","name":"app-blue","port":80,"weight":100},{"group":"","kind":"Service","name":"app-green","port":80,"weight":0}]}]}}"#,
        ],
    );
    let drift = room.wait("drift", |e| e["type"] == "DriftObserved");
    assert_eq!(drift["drift"]["manager"], "argocd", "{drift}");
    assert_eq!(drift["drift"]["object"], "httproute/app");

    room.send("rollback --reason \"e2e\"");
    let out = room.outcome("a2");
    assert_eq!(out["outcome"], "applied", "{out}");
    assert!(
        out["detail"]
            .as_str()
            .unwrap_or("")
            .contains("in one change"),
        "{out}"
    );
    assert_eq!(weights(&k, &sim), "100 0");
    let ann = kubectl_get(
        &k,
        &sim,
        &[
            "get",
            "httproute",
            "app",
            "-o",
            "jsonpath={.metadata.annotations.warroom\\.io/action}",
        ],
    );
    assert_eq!(ann, "a2");

    // The intent was durable before the outcome, in the session log.
    let lines: Vec<Value> = std::fs::read_to_string(sim.file("session.jsonl"))
        .expect("session")
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let seq_of = |kind: &str, id: &str| {
        lines
            .iter()
            .find(|l| l["event"]["type"] == kind && l["event"]["id"] == id)
            .and_then(|l| l["seq"].as_u64())
            .unwrap_or_else(|| panic!("no {kind} {id} in the log"))
    };
    assert!(seq_of("ActionRequested", "a2") < seq_of("ActionOutcome", "a2"));
    let seq = kubectl_get(
        &k,
        &sim,
        &[
            "get",
            "httproute",
            "app",
            "-o",
            "jsonpath={.metadata.annotations.warroom\\.io/seq}",
        ],
    );
    assert_eq!(
        seq,
        seq_of("ActionRequested", "a2").to_string(),
        "the object points at the log line"
    );

    // Ending the session releases the lock.
    drop(room.child.stdin.take());
    room.wait("the end", |e| e["type"] == "SessionEnded");
    let _ = room.child.wait();
    let holder = kubectl_get(
        &k,
        &sim,
        &[
            "get",
            "lease",
            "warroom-app",
            "-o",
            "jsonpath={.spec.holderIdentity}",
        ],
    );
    assert_eq!(holder, "", "released");
}
