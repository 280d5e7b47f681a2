//! Simulator figures for docs/benchmarks.md:
//! 1. watch latency: from a change committed to the store to its event read off the socket;
//! 2. CPU and RSS of `warroom sim` at 200 req/s with 500 pods, sampled from /proc while a
//!    scraper reads /metrics every second and a kube watch stays open.
//!
//! `cargo bench --bench sim` (SIM_BENCH_SECS sets the CPU window, default 30).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use warroom::sim::resources::Kind;
use warroom::sim::store::Key;
use warroom::sim::{self, SimOptions};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Opens a watch on Services and returns a reader positioned after the response headers.
fn open_watch(addr: SocketAddr, path: &str) -> BufReader<TcpStream> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_nodelay(true).expect("nodelay");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n\r\n");
    s.write_all(req.as_bytes()).expect("send");
    let mut r = BufReader::new(s);
    let mut line = String::new();
    while r.read_line(&mut line).expect("headers") > 0 && line != "\r\n" {
        line.clear();
    }
    r
}

fn watch_latency() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let opts = SimOptions::default();
    let running = rt
        .block_on(sim::start(&opts, SocketAddr::from(([127, 0, 0, 1], 0))))
        .expect("sim");
    let rv = sim::world::lock(&running.world).store.rv();
    let path = format!("/api/v1/namespaces/demo/services?watch=true&resourceVersion={rv}");
    let mut watch = open_watch(running.addr, &path);
    let key = Key::new(Kind::Service, "demo", "app");
    let mut samples = Vec::new();
    for i in 0..300 {
        let marker = format!("bench-{i}");
        let started = {
            let mut w = sim::world::lock(&running.world);
            let mut svc = w.store.get(&key).cloned().expect("service app");
            svc["metadata"]["labels"]["bench"] = json!(marker);
            let t = Instant::now();
            w.store.update(&key, svc).expect("update");
            t
        };
        // Chunked framing: a size line, then the event line; read until the marker shows.
        let mut line = String::new();
        loop {
            line.clear();
            watch.read_line(&mut line).expect("watch line");
            if line.contains(&marker) {
                break;
            }
        }
        samples.push(started.elapsed());
        std::thread::sleep(Duration::from_millis(5));
    }
    samples.sort();
    println!(
        "watch latency (store commit -> event read), {} changes: p50 {:?}, p99 {:?}, max {:?}",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples[samples.len() - 1]
    );
    rt.block_on(running.stop());
}

fn clock_ticks() -> f64 {
    // Linux reports /proc CPU times in USER_HZ, 100 on every mainstream configuration.
    100.0
}

fn proc_cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields after the command: state is [0]; utime and stime are fields 14 and 15 of the line.
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / clock_ticks()
}

fn proc_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn http_get(addr: &str, path: &str) -> usize {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return 0;
    };
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let _ = s.write_all(req.as_bytes());
    let mut body = Vec::new();
    let _ = s.read_to_end(&mut body);
    body.len()
}

fn cpu_and_rss() {
    let secs: u64 = std::env::var("SIM_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["sim", "--replicas", "250", "--rps", "200"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn warroom sim");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    let addr = line.trim().trim_start_matches("ready http://").to_string();
    let pid = child.id();
    // A kube-style watch on pods stays open, as the war room's would.
    let sock: SocketAddr = addr.parse().expect("addr");
    let _watch = open_watch(sock, "/api/v1/namespaces/demo/pods?watch=true");
    let pods = http_get(&addr, "/api/v1/namespaces/demo/pods");
    std::thread::sleep(Duration::from_secs(2));
    let (cpu0, t0) = (proc_cpu_secs(pid), Instant::now());
    let mut scraped = 0;
    while t0.elapsed() < Duration::from_secs(secs) {
        scraped += http_get(&addr, "/metrics");
        http_get(&addr, "/health/ready");
        std::thread::sleep(Duration::from_secs(1));
    }
    let cpu = proc_cpu_secs(pid) - cpu0;
    let wall = t0.elapsed().as_secs_f64();
    println!(
        "warroom sim, 500 pods, 200 req/s, /metrics scraped every 1 s, one pod watch open, {wall:.0} s: \
         CPU {:.2} % of one core, RSS {:.1} MiB (peak {:.1} MiB); pod list {pods} bytes, {scraped} bytes scraped",
        100.0 * cpu / wall,
        proc_kib(pid, "VmRSS:") as f64 / 1024.0,
        proc_kib(pid, "VmHWM:") as f64 / 1024.0,
    );
    let _ = child.kill();
    let _ = child.wait();
}

fn main() {
    // `cargo test --benches` runs benches with --bench absent; keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("sim bench: skipped (run with cargo bench --bench sim)");
        return;
    }
    watch_latency();
    cpu_and_rss();
}
