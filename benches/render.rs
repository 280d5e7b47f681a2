//! Render benchmark: the checklist with 500 items at 200×60 (goal: at most 2 ms a frame).
//! Frames go through `Terminal::draw` on a `TestBackend`, as the live loop draws them.

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

    // The whole war-room layout: checklist, detail and events.
    let mut ui = Ui::with_defaults();
    c.bench_function("war-room layout 500 items 200x60", |b| {
        b.iter(|| {
            term.draw(|f| ui.draw(f, &state, now)).expect("draw");
        });
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
