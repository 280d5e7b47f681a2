//! Action figures for docs/benchmarks.md:
//! 1. rollback request → all traffic on stable (criterion): an in-process simulator and the
//!    executor; each sample shifts to 10 % untimed, then times a rollback from submission to
//!    its applied outcome (the API server's answer to the one write), and the API round trips
//!    are counted from the simulator's request log; kubectl confirms the weights at the end;
//! 2. key press → request sent for a shift: `warroom run --headless` (release binary) against
//!    a separate `warroom sim`, from writing `shift` on its stdin to the simulator receiving
//!    the PATCH (wall clock, ms), intent fdatasync'ed in between.
//!
//! `cargo bench --bench actions` (kubectl optional: the confirmation is skipped without it).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use criterion::Criterion;
use serde_json::Value;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use warroom::actions::{Executor, Settings};
use warroom::config::warroom::Strategy;
use warroom::effect::ActionSpec;
use warroom::event::{Action, Event, Outcome};
use warroom::sim::{self, RoutingMode, SimOptions};

const BIN: &str = env!("CARGO_BIN_EXE_warroom");

struct Bench {
    rt: tokio::runtime::Runtime,
    sim: sim::Running,
    dir: tempfile::TempDir,
    cfg: Box<warroom::config::warroom::WarroomConfig>,
    exec: Executor,
    rx: tokio::sync::mpsc::Receiver<Event>,
    n: u64,
    _cancel: CancellationToken,
    _tasks: JoinSet<()>,
}

impl Bench {
    fn new() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let opts = SimOptions {
            routing: RoutingMode::HttprouteWeights,
            ..SimOptions::default()
        };
        let sim = rt
            .block_on(sim::start(&opts, ([127, 0, 0, 1], 0).into()))
            .expect("sim");
        let dir = tempfile::tempdir().expect("dir");
        sim::config_writer::write_all(dir.path(), &sim.url(), opts.routing).expect("config");
        let cfg = warroom::config::warroom::load(&dir.path().join("warroom.toml")).expect("load");
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let cancel = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let exec = rt.block_on(async {
            Executor::start_with(tx, cancel.clone(), &mut tasks, Settings::default())
        });
        Self {
            rt,
            sim,
            dir,
            cfg: Box::new(cfg),
            exec,
            rx,
            n: 0,
            _cancel: cancel,
            _tasks: tasks,
        }
    }

    fn act(&mut self, action: Action) -> Duration {
        self.n += 1;
        let id = format!("b{}", self.n);
        let spec = ActionSpec {
            id: id.clone(),
            action,
            session: "bench".into(),
            seq: self.n,
            operator: "bench".into(),
            config: self.cfg.clone(),
        };
        let started = Instant::now();
        self.exec.submit(spec).expect("queued");
        let rx = &mut self.rx;
        self.rt.block_on(async {
            loop {
                match rx.recv().await {
                    Some(Event::ActionOutcome {
                        id: got,
                        outcome,
                        detail,
                        ..
                    }) if got == id => {
                        assert_eq!(outcome, Outcome::Applied, "{detail}");
                        return started.elapsed();
                    }
                    Some(_) => {}
                    None => panic!("executor stopped"),
                }
            }
        })
    }

    fn requests(&self) -> Value {
        let url = format!("{}/sim/requests", self.sim.url());
        self.rt.block_on(async {
            reqwest::get(url)
                .await
                .expect("get")
                .json()
                .await
                .expect("json")
        })
    }

    fn clear(&self) {
        let url = format!("{}/sim/requests", self.sim.url());
        self.rt.block_on(async {
            reqwest::Client::new()
                .delete(url)
                .send()
                .await
                .expect("delete")
        });
    }
}

fn shift() -> Action {
    Action::Shift {
        step: 0,
        weight: 10,
        from: 0,
        strategy: Strategy::HttprouteWeights,
        override_bake: None,
    }
}

fn rollback() -> Action {
    Action::Rollback {
        reason: "bench".into(),
        ticket: None,
        undo: false,
        from: 10,
        strategy: Strategy::HttprouteWeights,
        auto: None,
    }
}

fn rollback_latency(c: &mut Criterion) {
    let mut b = Bench::new();
    b.act(shift());
    b.clear();
    b.act(rollback());
    let log = b.requests();
    println!(
        "rollback: {} API reads (one parallel round) and {} write(s)",
        log["reads"],
        log["writes"].as_array().map_or(0, Vec::len)
    );
    c.bench_function("rollback_request_to_traffic_on_stable", |bench| {
        bench.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                b.act(shift());
                total += b.act(rollback());
            }
            total
        });
    });
    let kubeconfig = b.dir.path().join("kubeconfig");
    match Command::new("kubectl")
        .args([
            "get",
            "httproute",
            "app",
            "-o",
            "jsonpath={.spec.rules[0].backendRefs[*].weight}",
        ])
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", b.dir.path())
        .output()
    {
        Ok(o) => println!(
            "kubectl after the last rollback: weights {}",
            String::from_utf8_lossy(&o.stdout)
        ),
        Err(_) => println!("kubectl not found: confirmation skipped"),
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A GET with std only (the bench's blocking half).
fn http_json(host: &str, path: &str) -> Value {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(host).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut buf = String::new();
    s.read_to_string(&mut buf).expect("read");
    let body = buf.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).expect("json")
}

fn key_to_request() {
    let dir = tempfile::tempdir().expect("dir");
    let mut sim = Command::new(BIN)
        .args(["sim", "--routing", "httproute-weights", "--write-config"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sim");
    let mut line = String::new();
    BufReader::new(sim.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready");
    let url = line
        .trim()
        .strip_prefix("ready ")
        .expect("ready URL")
        .to_string();
    let cfg = dir.path().join("warroom.toml");
    // The bench's own gates: the checklist advisory, no approvals.
    let text = std::fs::read_to_string(&cfg).expect("config");
    let base = text.split("\n[gates]").next().unwrap_or(&text);
    std::fs::write(
        &cfg,
        format!("{base}\n[gates]\nadvisory = [\"checklist\"]\n"),
    )
    .expect("config");
    std::fs::write(dir.path().join("runbook.toml"), warroom::sim::DEMO_RUNBOOK).expect("runbook");
    let mut room = Command::new(BIN)
        .args([
            "run",
            "--headless",
            "--operator",
            "lead",
            "--role",
            "deployment-lead",
            "-c",
        ])
        .arg(&cfg)
        .arg("--runbook")
        .arg(dir.path().join("runbook.toml"))
        .arg("--session")
        .arg(dir.path().join("s.jsonl"))
        .env("HOME", dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("war room");
    let out = room.stdout.take().expect("stdout");
    let (tx, events) = mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&l)
                && tx.send(v["event"].clone()).is_err()
            {
                return;
            }
        }
    });
    let mut stdin = room.stdin.take().expect("stdin");
    let mut send = |l: &str| {
        writeln!(stdin, "{l}").expect("write");
        stdin.flush().expect("flush");
    };
    let wait = |pred: &dyn Fn(&Value) -> bool| loop {
        let e = events.recv_timeout(Duration::from_secs(60)).expect("event");
        if pred(&e) {
            return e;
        }
    };
    loop {
        send("go --reason bench");
        let e = wait(&|e| {
            e["type"] == "GoNoGoDecided" || (e["type"] == "ActionRefused" && e["action"] == "go")
        });
        if e["type"] == "GoNoGoDecided" {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let host = url.trim_start_matches("http://").to_string();
    let mut lat = Vec::new();
    for _ in 0..20 {
        let sent = now_ms();
        send("shift --override bench");
        let req = wait(&|e| e["type"] == "ActionRequested");
        let id = req["id"].as_str().expect("id").to_string();
        wait(&|e| e["type"] == "ActionOutcome" && e["id"] == id.as_str());
        let log = http_json(&host, &format!("/sim/requests?action={id}"));
        let at = log["writes"][0]["at_ms"].as_u64().expect("the PATCH");
        lat.push(at.saturating_sub(sent));
        send("back");
        let b = wait(&|e| e["type"] == "ActionRequested");
        let bid = b["id"].as_str().expect("id").to_string();
        wait(&|e| e["type"] == "ActionOutcome" && e["id"] == bid.as_str());
        send("resume");
        wait(&|e| e["type"] == "ShiftResumed");
    }
    lat.sort_unstable();
    println!(
        "key press (stdin `shift`) → PATCH received by the API: p50 {} ms, p99 {} ms, max {} ms ({} shifts)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0),
        lat.len()
    );
    drop(stdin);
    let _ = room.wait();
    let _ = sim.kill();
    let _ = sim.wait();
}

fn main() {
    // `cargo test --benches` runs benches with --bench absent; keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("actions bench: skipped (run with cargo bench --bench actions)");
        return;
    }
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(30)
        .measurement_time(Duration::from_secs(10));
    rollback_latency(&mut c);
    c.final_summary();
    key_to_request();
}
