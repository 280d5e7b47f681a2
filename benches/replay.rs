//! Replay and follow benchmarks on a generated 24-hour, 1,000,000-line session:
//! open + verify (goal: at most 2 s), a seek anywhere (goal: at most 50 ms), the replay's
//! peak memory for that log (goal: at most 200 MB, measured as the peak RSS of
//! `warroom replay --headless`), and follow's latency from a line written to it being
//! printed by `warroom follow --headless`, from a file and through a pipe.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use warroom::runtime::replay::Replay;

#[path = "../tests/replay_common/mod.rs"]
mod replay_common;

const LINES: u64 = 1_000_000;

/// The generated day, written once per run.
fn day() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("replay-bench");
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("day.jsonl");
    if std::fs::metadata(&path).map_or(true, |m| m.len() == 0) {
        replay_common::day(&path, LINES);
    }
    path
}

fn open(c: &mut Criterion) {
    let path = day();
    let mb = std::fs::metadata(&path).expect("day").len() / 1_000_000;
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(60));
    g.bench_function(format!("open + verify {LINES} lines ({mb} MB)"), |b| {
        b.iter(|| Replay::open(&path).expect("open"));
    });
    let mut replay = Replay::open(&path).expect("open");
    eprintln!("open stats: {:?}", replay.stats());
    let mut x: u64 = 0x5eed;
    g.bench_function("seek anywhere (1,000,000 lines)", |b| {
        b.iter(|| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let n = 1 + usize::try_from((x >> 33) % LINES).unwrap_or(0);
            replay.go_to(n).expect("seek");
        });
    });
    g.finish();
}

/// The peak RSS of `warroom replay --headless` on the day, as it reports it.
fn memory(_: &mut Criterion) {
    let path = day();
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["replay", "--headless"])
        .arg(&path)
        .output()
        .expect("replay");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("memory:"))
        .unwrap_or("memory: not reported (no /proc/self/status)");
    eprintln!("replay --headless of {LINES} lines: {line}");
}

/// Median and 95th percentile of `n` latencies from writing a line to follow printing it.
fn follow_latency(name: &str, n: usize, mut one: impl FnMut(usize) -> Duration) {
    let mut v: Vec<Duration> = (0..n).map(&mut one).collect();
    v.sort_unstable();
    eprintln!(
        "follow latency, {name}: median {:?}, p95 {:?}, max {:?} ({n} lines)",
        v[n / 2],
        v[n * 95 / 100],
        v[n - 1]
    );
}

fn follow(_: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    // A session of a few lines, then one line at a time.
    let path = dir.path().join("s.jsonl");
    let lines = seal_lines(&path, 101);
    let (head, rest) = lines.split_at(1);
    std::fs::write(&path, format!("{}\n", head[0])).expect("write");

    let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["follow", "--headless"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("follow");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut buf = String::new();
    out.read_line(&mut buf).expect("first line");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("append");
    follow_latency("file (50 ms poll)", rest.len(), |i| {
        std::thread::sleep(Duration::from_millis(20));
        let t = Instant::now();
        writeln!(file, "{}", rest[i]).expect("append");
        buf.clear();
        out.read_line(&mut buf).expect("line");
        t.elapsed()
    });
    let _ = child.kill();
    let _ = child.wait();

    let mut child = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["follow", "--headless", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("follow -");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    follow_latency("pipe (follow -)", lines.len(), |i| {
        let t = Instant::now();
        writeln!(stdin, "{}", lines[i]).expect("write");
        stdin.flush().expect("flush");
        buf.clear();
        out.read_line(&mut buf).expect("line");
        t.elapsed()
    });
    drop(stdin);
    let _ = child.wait();
}

/// `n` chained lines of a small session (written to `path` by the sealer, then read back).
fn seal_lines(path: &Path, n: usize) -> Vec<String> {
    let mut w = replay_common::Sealer::create(path);
    let lead = replay_common::lead();
    let t0 = replay_common::ts(replay_common::DAY_START);
    w.push(t0, &lead, replay_common::started(t0));
    for i in 1..n {
        w.push(
            t0 + jiff::SignedDuration::from_secs(i as i64),
            &lead,
            warroom::event::Event::MarkerAdded {
                note: format!("line {i}"),
            },
        );
    }
    w.finish();
    std::fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(str::to_string)
        .collect()
}

criterion_group!(benches, open, memory, follow);
criterion_main!(benches);
