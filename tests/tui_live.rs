//! The live war room in a terminal, as a person sees it: a crash-looping pod shows up on
//! screen, and sources that refuse, hang or answer garbage never hold up a key press while
//! their panes say what is wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod fakes;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};

use common::tmux::Tmux;
use fakes::{Fake, Reply, closed_port_url};

fn xdg(home: &Path) -> Vec<(&'static str, std::path::PathBuf)> {
    vec![
        ("HOME", home.to_path_buf()),
        ("XDG_CONFIG_HOME", home.join("config")),
        ("XDG_DATA_HOME", home.join("data")),
        ("XDG_STATE_HOME", home.join("state")),
    ]
}

fn open_war_room(home: &Path, config: &Path, size: (u16, u16)) -> Tmux {
    let rb = common::write_runbook(home);
    let script = format!(
        "'{bin}' run -c '{cfg}' --runbook '{rb}' --session '{s}' --operator ops1 \
         --t0 2030-01-01T00:00:00Z; echo EXIT=$?; sleep 60",
        bin = common::bin().display(),
        cfg = config.display(),
        rb = rb.display(),
        s = home.join("s.jsonl").display(),
    );
    let env = xdg(home);
    let env: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
    Tmux::start(&script, size.0, size.1, &env)
}

struct Sim(Child, String);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_sim(dir: &Path) -> Sim {
    let mut child = common::warroom(dir)
        .args(["sim", "--pod-step-ms", "100", "--write-config"])
        .arg(dir.join("sim"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("ready http://")
        .unwrap()
        .to_string();
    Sim(child, addr)
}

fn post(addr: &str, path: &str, body: &str) {
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    assert!(resp.starts_with("HTTP/1.1 2"), "{resp}");
}

#[test]
fn a_pod_that_starts_crash_looping_shows_as_crashloopbackoff() {
    let home = tempfile::tempdir().unwrap();
    let sim = start_sim(home.path());
    let t = open_war_room(
        home.path(),
        &home.path().join("sim/warroom.toml"),
        (200, 55),
    );
    let screen = t.wait_for("pods 6");
    assert!(!screen.contains("CrashLoopBackOff"), "{screen}");
    post(
        &sim.1,
        "/sim/faults",
        r#"{"version":"green","fault":"crashloop"}"#,
    );
    let screen = t.wait_for("CrashLoopBackOff");
    assert!(
        screen.contains("crash-looping"),
        "the pods title counts them:\n{screen}"
    );
    // The same fact is in the session log, as the watch reported it.
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
    let log = std::fs::read_to_string(home.path().join("s.jsonl")).unwrap();
    assert!(log.contains("\"reason\":\"CrashLoopBackOff\""));
}

/// A config whose every source points at `prom`, `health` and a kube API at `kube`.
fn write_config(dir: &Path, prom: &str, health: &str, kube: &str) -> std::path::PathBuf {
    std::fs::write(
        dir.join("kubeconfig"),
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {kube}\n\
             contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n\
             current-context: c\nusers:\n- name: u\n  user: {{}}\n"
        ),
    )
    .unwrap();
    let cfg = dir.join("warroom.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"[deployment]
name = "app"
stable = "1.2.2"
release = "1.2.3"

[versions]
stable = "blue"
candidate = "green"

[prometheus]
url = "{prom}"
interval = "1s"
timeout = "500ms"

[kubernetes]
kubeconfig = "kubeconfig"
namespace = "demo"
stable = "deployment/app-blue"
candidate = "deployment/app-green"
service = "app"

[traffic]
strategy = "service-selector"
steps = [{{ weight = 100, bake = "30m" }}]

[[health]]
name = "ready"
url = "{health}"
interval = "1s"
timeout = "500ms"
"#
        ),
    )
    .unwrap();
    cfg
}

#[test]
fn failing_sources_never_hold_up_a_key_and_their_panes_say_why() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let hang = rt.block_on(Fake::start(|_| Reply::Hang));
    let kube_hang = rt.block_on(Fake::start(|_| Reply::Hang));
    let five_hundred = rt.block_on(Fake::start(|_| Reply::text(500, "upstream exploded")));
    let garbage = rt.block_on(Fake::start(|_| Reply::json(200, "{\"status\":\"succ")));
    let refused = closed_port_url("").to_string();
    let cases: [(&str, String, &str); 4] = [
        ("refused", refused.clone(), "refused"),
        ("hanging", hang.url("").to_string(), "no answer within"),
        ("500", five_hundred.url("").to_string(), "500"),
        ("malformed", garbage.url("").to_string(), "malformed"),
    ];
    for (name, prom, want) in cases {
        let home = tempfile::tempdir().unwrap();
        // The API server is gone in the first case and hangs in the others; the health
        // endpoint always hangs.
        let kube = if name == "refused" {
            refused.clone()
        } else {
            kube_hang.url("").to_string()
        };
        let cfg = write_config(home.path(), &prom, hang.url("/health").as_str(), &kube);
        let t = open_war_room(home.path(), &cfg, (200, 55));
        t.wait_for("All code reviewed by two engineers");
        // A key press is handled while every source is failing or hanging.
        t.keys(&["Space"]);
        t.wait_for("✓ ops1");
        // Each source fails on its own schedule: wait for the metrics one.
        let screen = t.wait_until("the errors pane down", |s| {
            s.lines()
                .any(|l| l.contains("┌ errors") && l.contains("DOWN"))
        });
        let errors_title = screen
            .lines()
            .find(|l| l.contains("┌ errors"))
            .unwrap_or_default()
            .to_string();
        assert!(
            errors_title.contains("DOWN"),
            "{name}: the errors pane should be down:\n{screen}"
        );
        let screen = t.wait_for(want);
        assert!(
            screen.contains(want),
            "{name}: {want:?} not shown:\n{screen}"
        );
        // The health endpoint that hangs is shown failing with its timeout.
        let screen = t.wait_for("no answer within 500 ms");
        assert!(screen.contains("ready"), "{screen}");
        t.keys(&["q"]);
        t.wait_for("EXIT=0");
    }
    drop(rt);
}
