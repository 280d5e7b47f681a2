//! The canary verdict's figures for docs/benchmarks.md:
//! 1. false alarms under continuous monitoring: healthy canaries (candidate identical to
//!    stable; 10 % of 200 req/s, 2 s polls, watched poll by poll for 30 min), the sequential
//!    test against a z-test on the errors and Kayenta's judgment, both re-run at every poll,
//!    and the same two run once at the end;
//! 2. time to detect `bad-canary` (8 % errors) and `slow-canary` (3× latency), each way;
//! 3. cost per poll of the sequential test, of a Kayenta judgment, and of the war room's whole
//!    verdict update over a 30-minute window (criterion).
//!
//! `cargo bench --bench verdict` (VERDICT_BENCH_RUNS sets the canaries per scenario, default
//! 1000; VERDICT_BENCH_SEED the first seed).

use std::hint::black_box;

use criterion::Criterion;
use warroom::event::CounterRow;
use warroom::verdict::experiment::{WatchConfig, Watched, watch};
use warroom::verdict::monitor::{Monitor, Side};
use warroom::verdict::simulate::{CanaryModel, bounds};
use warroom::verdict::{
    JudgeConfig, Outcome, PollCounts, SequentialConfig, SequentialTest, VersionCounts, judge,
};

const ALPHA: f64 = 0.01;
const HORIZON: u64 = 900;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Wilson score interval (95 %) for k successes in n.
fn wilson(k: usize, n: usize) -> (f64, f64) {
    let (k, n) = (k as f64, n as f64);
    let z = 1.959_963_984_540_054;
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

fn rate(k: usize, n: usize) -> String {
    let (lo, hi) = wilson(k, n);
    format!(
        "{k}/{n} = {:.1} % [{:.1}, {:.1}]",
        100.0 * k as f64 / n as f64,
        100.0 * lo,
        100.0 * hi
    )
}

fn run(model: &CanaryModel, seeds: &[u64], w: &WatchConfig) -> Vec<Watched> {
    seeds
        .iter()
        .map(|s| watch(model, *s, w).expect("valid configuration"))
        .collect()
}

fn false_alarms(name: &str, model: &CanaryModel, seeds: &[u64]) {
    let w = WatchConfig {
        polls: HORIZON,
        alpha: ALPHA,
        kayenta: true,
        stop_when_all_fired: false,
    };
    let runs = run(model, seeds, &w);
    let n = runs.len();
    let z_crit = warroom::verdict::normal::quantile(1.0 - ALPHA);
    let seq = runs.iter().filter(|r| r.sequential.is_some()).count();
    let z_every = runs.iter().filter(|r| r.z_test.is_some()).count();
    let z_once = runs
        .iter()
        .filter(|r| r.z_final.is_some_and(|z| z >= z_crit))
        .count();
    let k_every = runs.iter().filter(|r| r.kayenta.is_some()).count();
    let k_once = runs
        .iter()
        .filter(|r| r.kayenta_final == Some(Outcome::Fail))
        .count();
    println!(
        "| {name}: sequential (e ≥ 1/α), watched every poll | {} |",
        rate(seq, n)
    );
    println!(
        "| {name}: z-test on errors, re-run every poll | {} |",
        rate(z_every, n)
    );
    println!(
        "| {name}: z-test on errors, once at 30 min | {} |",
        rate(z_once, n)
    );
    println!(
        "| {name}: Kayenta judgment, re-run every step | {} |",
        rate(k_every, n)
    );
    println!(
        "| {name}: Kayenta judgment, once at 30 min | {} |",
        rate(k_once, n)
    );
    let worst = runs.iter().map(|r| r.max_log_e).fold(f64::MIN, f64::max);
    println!(
        "|   largest sequential e over the {n} runs | {:.2} |",
        worst.exp()
    );
}

fn quantiles(mut polls: Vec<u64>, of: usize) -> String {
    if polls.is_empty() {
        return format!("never (0/{of})");
    }
    polls.sort_unstable();
    let pick = |p: f64| polls[((polls.len() - 1) as f64 * p).round() as usize] * 2;
    format!(
        "median {} s, p90 {} s, max {} s ({}/{of} detected)",
        pick(0.5),
        pick(0.9),
        pick(1.0),
        polls.len()
    )
}

fn detection(name: &str, model: &CanaryModel, seeds: &[u64]) {
    let w = WatchConfig {
        polls: HORIZON,
        alpha: ALPHA,
        kayenta: true,
        stop_when_all_fired: true,
    };
    let runs = run(model, seeds, &w);
    let n = runs.len();
    let seq = runs
        .iter()
        .filter_map(|r| r.sequential.map(|s| s.0))
        .collect();
    let z = runs.iter().filter_map(|r| r.z_test).collect();
    let k = runs.iter().filter_map(|r| r.kayenta.map(|s| s.0)).collect();
    println!("| {name}: sequential | {} |", quantiles(seq, n));
    if name == "bad-canary" {
        println!("| {name}: z-test re-run every poll | {} |", quantiles(z, n));
    }
    println!(
        "| {name}: Kayenta re-run every step | {} |",
        quantiles(k, n)
    );
}

fn study() {
    let runs = env_u64("VERDICT_BENCH_RUNS", 1000);
    let first = env_u64("VERDICT_BENCH_SEED", 0x5eed_0000);
    let seeds: Vec<u64> = (first..first + runs).collect();
    println!(
        "\nverdict study: {runs} canaries per scenario, seeds {first:#x}.., α = {ALPHA}, \
         {HORIZON} polls of 2 s, 95 % Wilson intervals\n"
    );
    println!("| healthy canaries: false alarms within 30 min | measured |");
    println!("|---|---|");
    false_alarms("vs stable (10 % / 90 %)", &CanaryModel::healthy(), &seeds);
    false_alarms(
        "vs equal baseline (10 % / 10 %)",
        &CanaryModel::healthy().with_equal_baseline(),
        &seeds,
    );
    println!("\n| time to detect (10 % traffic) | measured |");
    println!("|---|---|");
    detection("bad-canary", &CanaryModel::bad_canary(), &seeds);
    detection("slow-canary", &CanaryModel::slow_canary(), &seeds);
    println!();
}

fn costs(c: &mut Criterion) {
    let cfg = SequentialConfig {
        bounds: bounds(),
        ..SequentialConfig::default()
    };
    let polls: Vec<PollCounts> = CanaryModel::healthy().polls(1).take(900).collect();
    let mut g = c.benchmark_group("verdict");
    g.bench_function("sequential update, one poll at 200 req/s", |b| {
        let mut t = SequentialTest::new(cfg.clone()).expect("valid");
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % polls.len();
            black_box(t.update(&polls[i]))
        })
    });
    let busy = CanaryModel {
        rps: 10_000.0,
        ..CanaryModel::healthy()
    };
    let big: Vec<PollCounts> = busy.polls(2).take(50).collect();
    g.bench_function("sequential update, one poll at 10,000 req/s", |b| {
        let mut t = SequentialTest::new(cfg.clone()).expect("valid");
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % big.len();
            black_box(t.update(&big[i]))
        })
    });
    let judge_cfg = JudgeConfig {
        bounds: bounds(),
        ..JudgeConfig::default()
    };
    g.bench_function("Kayenta judgment of a 30 min window (900 polls)", |b| {
        b.iter(|| black_box(judge(&polls, &judge_cfg)))
    });
    // What the war room pays per recorded poll: counters differenced, the sequential test
    // updated, Kayenta's series extended and re-judged when a sample completes, over a
    // 30-minute window.
    let rows = cumulative(&polls);
    g.bench_function(
        "war room verdict, 900 recorded polls (a 30 min window)",
        |b| {
            b.iter_batched(
                || Monitor::new(0.01),
                |mut m| {
                    for w in rows.windows(2) {
                        m.observe(side(&w[0].0, &w[1].0), side(&w[0].1, &w[1].1));
                    }
                    black_box(m)
                },
                criterion::BatchSize::LargeInput,
            )
        },
    );
    let empty = PollCounts::new(VersionCounts::new(0, 0), VersionCounts::new(0, 0));
    g.bench_function("sequential update, empty poll", |b| {
        let mut t = SequentialTest::new(cfg.clone()).expect("valid");
        b.iter(|| black_box(t.update(&empty)))
    });
    g.finish();
}

/// Cumulative counters of both versions after each poll (what `CountsObserved` records).
fn cumulative(polls: &[PollCounts]) -> Vec<(CounterRow, CounterRow)> {
    let row = |v: &str| CounterRow {
        version: v.into(),
        requests: 0.0,
        errors: 0.0,
        le: bounds(),
        buckets: vec![0.0; bounds().len() + 1],
    };
    let add = |r: &mut CounterRow, v: &VersionCounts| {
        r.requests += v.requests as f64;
        r.errors += v.errors as f64;
        let mut below = 0.0;
        for (cum, n) in r.buckets.iter_mut().zip(&v.buckets) {
            below += *n as f64;
            *cum += below;
        }
    };
    let (mut c, mut s) = (row("green"), row("blue"));
    let mut out = vec![(c.clone(), s.clone())];
    for p in polls {
        if let (Some(pc), Some(ps)) = (&p.candidate, &p.stable) {
            add(&mut c, pc);
            add(&mut s, ps);
        }
        out.push((c.clone(), s.clone()));
    }
    out
}

fn side<'a>(prev: &'a CounterRow, cur: &'a CounterRow) -> Side<'a> {
    Side {
        prev: Some(prev),
        cur: Some(cur),
    }
}

fn main() {
    study();
    let mut c = Criterion::default().configure_from_args();
    costs(&mut c);
    c.final_summary();
}
