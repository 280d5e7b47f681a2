//! Benchmarks for reading runbooks at real sizes: 1 MB of Markdown imported (alone, and as
//! `warroom import` does it, with the TOML written and checked), and a 10,000-stage runbook
//! checked in TOML and in YAML.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use warroom::runbook::{Format, import_markdown, parse_str, to_toml};

/// About `bytes` of a realistic checklist: headings with offsets, prose with emphasis and
/// links, task items, nested steps, a checklist table and a shell block per section.
fn markdown(bytes: usize) -> String {
    let mut md = String::from("# Big release\n\n");
    let mut i = 0;
    while md.len() < bytes {
        md.push_str(&format!(
            "## Section {i} (T-{} days)\n\nProse about **section {i}**, see [docs](https://example.com/{i}).\n\n\
- [ ] Check thing {i} with `kubectl get pods`\n- [x] Verify other {i}\n  1. nested step {i}\n\n\
| Check | Level | Done |\n|---|---|---|\n| Row {i} | high | ✓ |\n\n```bash\necho {i}\n```\n\n",
            i % 7
        ));
        i += 1;
    }
    md
}

/// A runbook of `stages` stages, one item each, in TOML.
fn toml_runbook(stages: usize) -> String {
    let mut s = String::from("title = \"Ten thousand stages\"\n");
    for i in 0..stages {
        s.push_str(&format!(
            "\n[[stage]]\nid = \"s{i}\"\ntitle = \"Stage {i} — prüfen\"\noffset = \"-{}h\"\n\n[[stage.item]]\nid = \"i{i}\"\ntext = \"Item {i}: ≥ 80 % covered\"\ncommands = [\"kubectl get pods -n ns{i}\"]\n",
            i % 500
        ));
    }
    s
}

/// The same runbook in YAML.
fn yaml_runbook(stages: usize) -> String {
    let mut s = String::from("title: Ten thousand stages\nstage:\n");
    for i in 0..stages {
        s.push_str(&format!(
            "  - id: s{i}\n    title: Stage {i} — prüfen\n    offset: -{}h\n    item:\n      - id: i{i}\n        text: \"Item {i}: ≥ 80 % covered\"\n        commands: [\"kubectl get pods -n ns{i}\"]\n",
            i % 500
        ));
    }
    s
}

fn import(c: &mut Criterion) {
    let md = markdown(1_000_000);
    let mut g = c.benchmark_group("markdown_import");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Bytes(md.len() as u64));
    g.bench_function("1mb", |b| {
        b.iter(|| import_markdown(black_box(&md), Some("big.md")).expect("imports"))
    });
    // What `warroom import` does: import, write TOML, and check what it wrote.
    g.bench_function("1mb_to_checked_toml", |b| {
        b.iter(|| {
            let rb = import_markdown(black_box(&md), Some("big.md")).expect("imports");
            let toml = to_toml(&rb).expect("toml");
            parse_str(&toml, Format::Toml, "big.toml").expect("passes check")
        })
    });
    g.finish();
}

fn check(c: &mut Criterion) {
    let toml = toml_runbook(10_000);
    let yaml = yaml_runbook(10_000);
    let mut g = c.benchmark_group("runbook_check");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("10000_stages_toml", |b| {
        b.iter(|| parse_str(black_box(&toml), Format::Toml, "big.toml").expect("checks"))
    });
    g.bench_function("10000_stages_yaml", |b| {
        b.iter(|| parse_str(black_box(&yaml), Format::Yaml, "big.yaml").expect("checks"))
    });
    g.finish();
}

criterion_group!(benches, import, check);
criterion_main!(benches);
