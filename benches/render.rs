//! Render benchmarks: the checklist with 500 items at 200×60 (goal: at most 2 ms a frame),
//! and the full war room with 10,000 pods and 24 h of samples (2 versions × 5 signals every
//! 5 s) at 200×60 (goal: at most 4 ms median). Frames go through `Terminal::draw` on a
//! `TestBackend`, as the live loop draws them.

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::ui::Ui;

#[path = "../tests/ui_common/mod.rs"]
mod ui_common;

fn render(c: &mut Criterion) {
    let state = ui_common::big_state(500);
    let now = ui_common::now();
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");

    // The checklist maximised: the pane the goal is about, plus header and footer.
    let mut ui = Ui::with_defaults();
    ui.handle_key(ui_common::key(KeyCode::Enter), &state);
    c.bench_function("checklist 500 items 200x60", |b| {
        b.iter(|| {
            term.draw(|f| ui.draw(f, &state, now)).expect("draw");
        });
    });

    // The same with the cursor moving every frame, so the list scrolls and most cells change.
    let mut down = true;
    c.bench_function("checklist 500 items 200x60, scrolling", |b| {
        b.iter(|| {
            let k = if down {
                KeyCode::PageDown
            } else {
                KeyCode::PageUp
            };
            ui.handle_key(ui_common::key(k), &state);
            down = !down;
            term.draw(|f| ui.draw(f, &state, now)).expect("draw");
        });
    });

    // The whole war-room layout with no live data: checklist, detail, events, empty panes.
    let mut ui = Ui::with_defaults();
    c.bench_function("war-room layout 500 items 200x60", |b| {
        b.iter(|| {
            term.draw(|f| ui.draw(f, &state, now)).expect("draw");
        });
    });

    // The war room with live data: 10,000 pods, 24 h of samples.
    let live = ui_common::live::big_live(10_000);
    let now = ui_common::live::live_now();
    let mut ui = Ui::with_defaults();
    c.bench_function("war-room 10k pods 24h samples 200x60, 15m window", |b| {
        b.iter(|| {
            term.draw(|f| ui.draw(f, &live, now)).expect("draw");
        });
    });
    // Zoomed out to the whole day: every sample goes through the downsampler.
    for _ in 0..4 {
        ui.handle_key(ui_common::ch('-'), &live);
    }
    c.bench_function("war-room 10k pods 24h samples 200x60, 24h window", |b| {
        b.iter(|| {
            term.draw(|f| ui.draw(f, &live, now)).expect("draw");
        });
    });
    // The pods pane maximised, filtered, and scrolling a page each frame.
    let mut ui = Ui::with_defaults();
    for _ in 0..7 {
        ui.handle_key(ui_common::key(KeyCode::Tab), &live);
    }
    ui.handle_key(ui_common::key(KeyCode::Enter), &live);
    ui.handle_key(ui_common::ch('/'), &live);
    ui.handle_key(ui_common::ch('b'), &live);
    ui.handle_key(ui_common::key(KeyCode::Enter), &live);
    let mut down = true;
    c.bench_function("pods 10k filtered, scrolling, 200x60", |b| {
        b.iter(|| {
            let k = if down {
                KeyCode::PageDown
            } else {
                KeyCode::PageUp
            };
            ui.handle_key(ui_common::key(k), &live);
            down = !down;
            term.draw(|f| ui.draw(f, &live, now)).expect("draw");
        });
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
