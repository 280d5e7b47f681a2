//! Live war-room figures for docs/benchmarks.md, measured with the release binary against a
//! separate `warroom sim` process:
//! 1. pod change → applied by the war room, next to `kubectl get pods -w` in the same run
//!    (both timed from the moment the scale request returns);
//! 2. idle CPU and RSS of `warroom run` in a terminal (tmux), sources running, nobody typing.
//!
//! `cargo bench --bench live` (LIVE_BENCH_SECS sets the CPU window, default 30). Needs
//! kubectl and tmux; a part whose tool is missing is skipped with a message.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_warroom");

struct Sim {
    child: Child,
    addr: String,
    dir: PathBuf,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sim(dir: &Path, extra: &[&str]) -> Sim {
    let mut child = Command::new(BIN)
        .args(["sim", "--write-config"])
        .arg(dir)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start warroom sim");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    let addr = line
        .trim()
        .strip_prefix("ready http://")
        .expect("ready http://ADDR")
        .to_string();
    Sim {
        child,
        addr,
        dir: dir.to_path_buf(),
    }
}

/// Reads a child's stdout lines on a thread, stamping each with its arrival time.
fn stamped_lines(child: &mut Child) -> mpsc::Receiver<(Instant, String)> {
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { return };
            if tx.send((Instant::now(), line)).is_err() {
                return;
            }
        }
    });
    rx
}

fn patch_replicas(addr: &str, replicas: u32) {
    let body = format!("{{\"spec\":{{\"replicas\":{replicas}}}}}");
    let req = format!(
        "PATCH /apis/apps/v1/namespaces/demo/deployments/app-green HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/merge-patch+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(req.as_bytes()).expect("send");
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    assert!(resp.starts_with("HTTP/1.1 200"), "scale refused: {resp}");
}

fn pods_in_warroom_line(line: &str) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
        return Vec::new();
    };
    let e = &v["event"];
    match e["type"].as_str() {
        Some("PodChanged") => vec![e["pod"]["name"].as_str().unwrap_or("").to_string()],
        Some("PodsListed") => e["pods"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn stats(label: &str, mut v: Vec<Duration>) {
    v.sort();
    let p = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{label}: n={} p50={:.1} ms p99={:.1} ms max={:.1} ms",
        v.len(),
        p(0.5).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3,
        v[v.len() - 1].as_secs_f64() * 1e3
    );
}

fn pod_latency(tmp: &Path) {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        println!("pod latency: skipped (no kubectl)");
        return;
    }
    let sim = start_sim(&tmp.join("lat"), &["--pod-step-ms", "200"]);
    let mut war = Command::new(BIN)
        .args([
            "run",
            "--headless",
            "--duration",
            "120s",
            "--operator",
            "bench",
            "-c",
        ])
        .arg(sim.dir.join("warroom.toml"))
        .arg("--runbook")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/examples/demo.toml"
        ))
        .arg("--session")
        .arg(tmp.join("lat.jsonl"))
        .env("XDG_STATE_HOME", tmp.join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("warroom run");
    let mut kubectl = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(sim.dir.join("kubeconfig"))
        .args(["get", "pods", "-n", "demo", "-w", "--no-headers"])
        .args(["-o", "custom-columns=NAME:.metadata.name"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl");
    let war_rx = stamped_lines(&mut war);
    let kc_rx = stamped_lines(&mut kubectl);
    std::thread::sleep(Duration::from_secs(4));
    let mut first_war: HashMap<String, Instant> = HashMap::new();
    let mut first_kc: HashMap<String, Instant> = HashMap::new();
    let drain = |first_war: &mut HashMap<String, Instant>,
                 first_kc: &mut HashMap<String, Instant>| {
        while let Ok((t, l)) = war_rx.try_recv() {
            for name in pods_in_warroom_line(&l) {
                first_war.entry(name).or_insert(t);
            }
        }
        while let Ok((t, l)) = kc_rx.try_recv() {
            first_kc.entry(l.trim().to_string()).or_insert(t);
        }
    };
    drain(&mut first_war, &mut first_kc);
    let known: std::collections::HashSet<String> = first_war.keys().cloned().collect();
    let mut triggers = Vec::new();
    for round in 0..40 {
        patch_replicas(&sim.addr, 4);
        triggers.push(Instant::now());
        std::thread::sleep(Duration::from_millis(700));
        patch_replicas(&sim.addr, 3);
        std::thread::sleep(Duration::from_millis(700));
        drain(&mut first_war, &mut first_kc);
        let _ = round;
    }
    std::thread::sleep(Duration::from_secs(1));
    drain(&mut first_war, &mut first_kc);
    let _ = war.kill();
    let _ = kubectl.kill();
    // Each new pod is matched to the scale-up that created it: the latest trigger before it
    // was first seen by either tool.
    let (mut lw, mut lk, mut diff) = (Vec::new(), Vec::new(), Vec::new());
    for (name, tw) in &first_war {
        if known.contains(name) {
            continue;
        }
        let Some(tk) = first_kc.get(name) else {
            continue;
        };
        let seen = (*tw).min(*tk);
        let Some(trigger) = triggers.iter().rev().find(|t| **t <= seen) else {
            continue;
        };
        lw.push(tw.duration_since(*trigger));
        lk.push(tk.duration_since(*trigger));
        diff.push(if tw > tk {
            tw.duration_since(*tk)
        } else {
            Duration::ZERO
        });
    }
    if lw.is_empty() {
        println!("pod latency: no new pod seen by both tools");
        return;
    }
    stats("pod added → warroom applied (headless line)", lw);
    stats("pod added → kubectl get pods -w line", lk);
    stats("warroom later than kubectl by", diff);
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15; `after` starts at field 3.
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

fn idle_cpu(tmp: &Path) {
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("idle CPU: skipped (no tmux)");
        return;
    }
    let secs: u64 = std::env::var("LIVE_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let sim = start_sim(&tmp.join("idle"), &[]);
    let session = tmp.join("idle.jsonl");
    let script = format!(
        "'{BIN}' run -c '{}' --runbook '{}' --session '{}' --operator bench",
        sim.dir.join("warroom.toml").display(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/docs/examples/demo.toml"),
        session.display()
    );
    let sock = format!("warroom-bench-{}", std::process::id());
    let ok = tmux_start(&sock, tmp, &script);
    if !ok {
        println!("idle CPU: skipped (tmux failed)");
        return;
    }
    let lock = tmp.join("idle.jsonl.lock");
    let deadline = Instant::now() + Duration::from_secs(10);
    let pid = loop {
        let text = std::fs::read_to_string(&lock).unwrap_or_default();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            && let Some(p) = v["pid"].as_u64()
        {
            break p as u32;
        }
        assert!(Instant::now() < deadline, "war room did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_secs(10));
    let hz = 100.0; // USER_HZ on Linux
    let (t0, c0) = (Instant::now(), cpu_ticks(pid));
    let mut peak = 0;
    while t0.elapsed() < Duration::from_secs(secs) {
        peak = peak.max(rss_kb(pid));
        std::thread::sleep(Duration::from_millis(500));
    }
    let used = (cpu_ticks(pid) - c0) as f64 / hz;
    println!(
        "idle war room (tmux 200x60, scrape 2 s, 2 health probes 5 s, kube watches): CPU {:.2} % of a core over {secs} s, RSS {:.1} MiB (peak {:.1} MiB)",
        used / t0.elapsed().as_secs_f64() * 100.0,
        rss_kb(pid) as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    let _ = Command::new("tmux")
        .args(["-L", &sock, "kill-server"])
        .status();
    let bytes = std::fs::metadata(&session).map(|m| m.len()).unwrap_or(0);
    println!("session log after {}s: {bytes} bytes", secs + 10);
}

/// A loopback server that accepts connections and never answers (a hung backend).
fn hanging_server() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in l.incoming().flatten() {
            held.push(c);
        }
    });
    addr
}

/// Starts `script` in a detached 200×60 tmux session on its own server socket.
fn tmux_start(sock: &str, tmp: &Path, script: &str) -> bool {
    Command::new("tmux")
        .args(["-L", sock, "-f", "/dev/null", "new-session", "-d"])
        .args(["-x", "200", "-y", "60"])
        .args([
            "-e",
            &format!("XDG_STATE_HOME={}", tmp.join("state").display()),
        ])
        .args(["sh", "-c", script])
        .status()
        .is_ok_and(|s| s.success())
}

fn capture(sock: &str) -> String {
    let out = Command::new("tmux")
        .args(["-L", sock, "capture-pane", "-p"])
        .output()
        .expect("capture");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Key press → screen change while Prometheus, the health endpoint and the API server hang:
/// `space` toggles a tick and the time until tmux shows the change is measured.
fn key_latency_while_hung(tmp: &Path) {
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("key latency: skipped (no tmux)");
        return;
    }
    let dir = tmp.join("keys");
    std::fs::create_dir_all(&dir).expect("dir");
    let hang = hanging_server();
    std::fs::write(
        dir.join("kubeconfig"),
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://{hang}\n\
             contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n\
             users:\n- name: u\n  user: {{}}\n"
        ),
    )
    .expect("kubeconfig");
    std::fs::write(
        dir.join("warroom.toml"),
        format!(
            "[deployment]\nname = \"app\"\nstable = \"1.2.2\"\nrelease = \"1.2.3\"\n\n\
             [prometheus]\nurl = \"http://{hang}\"\ninterval = \"1s\"\ntimeout = \"800ms\"\n\n\
             [kubernetes]\nkubeconfig = \"kubeconfig\"\nnamespace = \"demo\"\nservice = \"app\"\n\n\
             [traffic]\nstrategy = \"service-selector\"\nsteps = [{{ weight = 100, bake = \"30m\" }}]\n\n\
             [[health]]\nname = \"ready\"\nurl = \"http://{hang}/health\"\ninterval = \"1s\"\ntimeout = \"800ms\"\n"
        ),
    )
    .expect("config");
    let sock = format!("warroom-keys-{}", std::process::id());
    let script = format!(
        "'{BIN}' run -c '{}' --runbook '{}' --session '{}' --operator bench --t0 2030-01-01T00:00:00Z",
        dir.join("warroom.toml").display(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/docs/examples/release.toml"),
        dir.join("s.jsonl").display()
    );
    let ok = tmux_start(&sock, tmp, &script);
    if !ok {
        println!("key latency: skipped (tmux failed)");
        return;
    }
    std::thread::sleep(Duration::from_secs(3));
    if !capture(&sock).contains("checklist") {
        println!(
            "key latency: the war room did not start:\n{}",
            capture(&sock)
        );
        let _ = Command::new("tmux")
            .args(["-L", &sock, "kill-server"])
            .status();
        return;
    }
    let mut lat = Vec::new();
    for i in 0..30 {
        let want_tick = i % 2 == 0;
        let t = Instant::now();
        let _ = Command::new("tmux")
            .args(["-L", &sock, "send-keys", "Space"])
            .status();
        loop {
            let has = capture(&sock).contains("✓ bench");
            if has == want_tick {
                lat.push(t.elapsed());
                break;
            }
            if t.elapsed() > Duration::from_secs(5) {
                println!("key latency: no screen change within 5 s");
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    let _ = Command::new("tmux")
        .args(["-L", &sock, "kill-server"])
        .status();
    if !lat.is_empty() {
        stats(
            "key → screen (tick recorded with fdatasync, drawn) while every source hangs",
            lat,
        );
    }
}

fn main() {
    // `cargo bench` passes filter arguments; this bench runs everything regardless.
    let tmp = std::env::temp_dir().join(format!("warroom-live-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("tmp");
    pod_latency(&tmp);
    idle_cpu(&tmp);
    key_latency_while_hung(&tmp);
    let _ = std::fs::remove_dir_all(&tmp);
}
