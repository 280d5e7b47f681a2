//! The post-mortem report on a 24-hour session: scrapes every 2 s for both versions, health
//! probes, the go, four steps with seed 002's bakes, the completion and hourly markers,
//! written as a real session file once, then reported in each format.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use warroom::report::{self, Format};

#[path = "../tests/report_common/mod.rs"]
mod report_common;

fn day(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let hours = std::env::var("REPORT_BENCH_HOURS")
        .ok()
        .and_then(|h| h.parse().ok())
        .unwrap_or(24);
    let path = report_common::long_session(dir.path(), hours);
    let bytes = std::fs::metadata(&path).expect("session").len();
    let lines = std::fs::read_to_string(&path)
        .expect("session")
        .lines()
        .count();
    eprintln!(
        "{hours}-hour session: {lines} lines, {:.1} MB",
        bytes as f64 / 1e6
    );
    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    g.bench_function("read_reduce_build_24h", |b| {
        b.iter(|| black_box(report::from_file(&path).expect("report")))
    });
    let r = report::from_file(&path).expect("report");
    for (name, format) in [
        ("md", Format::Md),
        ("json", Format::Json),
        ("html", Format::Html),
    ] {
        g.bench_function(format!("render_{name}_24h"), |b| {
            b.iter(|| black_box(report::render(&r, format).expect("render")))
        });
    }
    g.finish();
}

criterion_group!(benches, day);
criterion_main!(benches);
