//! Benchmarks for the core: session append with fdatasync, group-synced append, the reducer.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiff::Timestamp;
use warroom::event::{Actor, Envelope, Event, LOG_VERSION};
use warroom::reduce::reduce;
use warroom::runbook::{Item, Runbook, Stage};
use warroom::session::{Durability, Writer};
use warroom::state::State;

fn actor() -> Actor {
    Actor {
        name: "lead".into(),
        role: "deployment-lead".into(),
        host: "bench".into(),
    }
}

fn note(i: u64) -> Event {
    Event::NoteAdded {
        stage: "t-7d".into(),
        item: "review".into(),
        text: format!("progress {i}: all unit tests passing on the release branch"),
    }
}

fn append(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = c.benchmark_group("session_append");
    g.throughput(Throughput::Elements(1));
    let mut w = Writer::create(&dir.path().join("sync.jsonl"), &actor()).expect("writer");
    let mut i = 0;
    g.bench_function("fdatasync_each", |b| {
        b.iter(|| {
            i += 1;
            w.append(&actor(), note(i), Durability::Sync)
                .expect("append")
        })
    });
    let mut w = Writer::create(&dir.path().join("group.jsonl"), &actor()).expect("writer");
    g.bench_function("group_synced", |b| {
        b.iter(|| {
            i += 1;
            w.append(&actor(), note(i), Durability::Group)
                .expect("append")
        })
    });
    g.finish();
}

fn runbook(items: usize) -> Runbook {
    let per_stage = 20;
    Runbook {
        title: "bench".into(),
        source: None,
        stages: (0..items.div_ceil(per_stage))
            .map(|s| Stage {
                id: format!("s{s}"),
                title: format!("stage {s}"),
                offset: Some(warroom::runbook::Offset::from_seconds(
                    -86_400 * (7 - s as i64 % 8),
                )),
                notes: vec![],
                items: (0..per_stage)
                    .map(|i| Item {
                        id: format!("s{s}-i{i}"),
                        text: format!("item {i} of stage {s}"),
                        required: true,
                        role: None,
                        commands: vec![],
                        notes: vec![],
                        check: None,
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn envelope(seq: u64, event: Event) -> Envelope {
    Envelope {
        v: LOG_VERSION,
        seq,
        at: Timestamp::from_second(1_795_000_000 + seq as i64).expect("ts"),
        session: "bench".into(),
        actor: actor(),
        event,
        prev: String::new(),
        hash: "0".repeat(64),
    }
}

fn reducer(c: &mut Criterion) {
    let rb = runbook(500);
    let events: Vec<Envelope> = (0..1000u64)
        .map(|i| {
            let s = (i / 20) % 25;
            let it = i % 20;
            let e = if i % 3 == 0 {
                note(i)
            } else {
                Event::ItemTicked {
                    stage: format!("s{s}"),
                    item: format!("s{s}-i{it}"),
                }
            };
            envelope(i + 2, e)
        })
        .collect();
    let mut state = State::default();
    reduce(
        &mut state,
        &envelope(
            1,
            Event::SessionStarted {
                app_version: "bench".into(),
                runbook_path: "bench.toml".into(),
                runbook_sha256: "0".repeat(64),
                runbook: rb,
                t0: None,
                deployment: None,
                config: None,
            },
        ),
    );
    let mut g = c.benchmark_group("reducer");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("ticks_and_notes_x1000", |b| {
        b.iter(|| {
            let mut s = state.clone();
            for e in &events {
                black_box(reduce(&mut s, e));
            }
            s
        })
    });
    g.finish();
}

criterion_group!(benches, append, reducer);
criterion_main!(benches);
