//! The live terminal loop: `select!` over keys, the session writer, the clock and signals;
//! drain what is ready, then draw once if anything changed. No network or disk I/O here.

use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use jiff::Timestamp;
use ratatui::DefaultTerminal;
use tokio::signal::unix::{SignalKind, signal};

use crate::commands::run::Prepared;
use crate::effect::Effect;
use crate::error::Fatal;
use crate::reduce::{advance_clock, reduce};
use crate::runtime::core::Core;
use crate::session::task::{self, LogReport};
use crate::state::State;
use crate::ui::{Ui, UiAction};

/// At most this many writer reports are applied before the screen is drawn again, so a burst
/// of samples cannot starve the keyboard.
const DRAIN_PER_FRAME: usize = 256;

/// How often the clock moves the checklist (current stage, overdue items, ages).
const CLOCK_TICK: Duration = Duration::from_secs(1);

/// Runs the war room in the terminal until the operator quits or a signal arrives.
pub fn run(p: Prepared) -> Result<(), Fatal> {
    // Everything that can fail on bad input is loaded before the terminal changes mode.
    let mut ui = Ui::load(&p.dirs, p.layout.as_deref(), p.theme.as_deref())?;
    ui.set_operator(&p.actor);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Fatal::external(format!("cannot start the runtime: {e}")))?;
    let terminal = ratatui::init();
    let result = rt.block_on(run_loop(terminal, p, ui));
    ratatui::restore();
    result
}

async fn run_loop(mut terminal: DefaultTerminal, p: Prepared, mut ui: Ui) -> Result<(), Fatal> {
    let mut state = State::default();
    for env in &p.history {
        reduce(&mut state, env);
    }
    advance_clock(&mut state, Timestamp::now());
    let (log, mut reports, join) = task::spawn(p.writer);
    let mut core = Core::new(state, p.actor.clone(), log);
    core.record_system(p.opening)
        .map_err(|e| Fatal::external(e.to_string()))?;

    let signal_err = |e: std::io::Error| Fatal::external(format!("cannot watch signals: {e}"));
    let mut sigint = signal(SignalKind::interrupt()).map_err(signal_err)?;
    let mut sigterm = signal(SignalKind::terminate()).map_err(signal_err)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(signal_err)?;
    let mut keys = EventStream::new();
    let mut clock = tokio::time::interval(CLOCK_TICK);
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    let mut result = Ok(());

    'outer: loop {
        if dirty {
            let state = &core.state;
            terminal
                .draw(|f| ui.draw(f, state, state.now))
                .map_err(|e| Fatal::external(format!("cannot draw: {e}")))?;
            dirty = false;
        }
        tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(TermEvent::Key(k))) if k.kind != KeyEventKind::Release => {
                    dirty = true;
                    match ui.handle_key(k, &core.state) {
                        Some(UiAction::Intent(i)) => {
                            if let Err(e) = core.intent(i) {
                                ui.flash(e.to_string());
                            }
                        }
                        Some(UiAction::Quit) => end(&mut core, &mut ui, "quit"),
                        None => {}
                    }
                }
                Some(Ok(_)) => dirty = true,
                Some(Err(_)) | None => end(&mut core, &mut ui, "terminal closed"),
            },
            report = reports.recv() => {
                let mut next = report;
                let mut n = 0;
                while let Some(r) = next {
                    dirty = true;
                    if apply(&mut core, &mut ui, r, &mut result) {
                        break 'outer;
                    }
                    n += 1;
                    if n >= DRAIN_PER_FRAME {
                        break;
                    }
                    next = reports.try_recv().ok();
                }
                if n == 0 {
                    // The writer thread is gone.
                    break;
                }
            }
            _ = clock.tick() => {
                advance_clock(&mut core.state, Timestamp::now());
                dirty = true;
            }
            _ = sigint.recv() => end(&mut core, &mut ui, "SIGINT"),
            _ = sigterm.recv() => end(&mut core, &mut ui, "SIGTERM"),
            _ = sighup.recv() => end(&mut core, &mut ui, "SIGHUP"),
        }
    }
    core.close_log();
    drop(reports);
    let _ = tokio::task::spawn_blocking(move || join.join()).await;
    result
}

/// Applies one writer report; returns true when the session is over.
fn apply(core: &mut Core, ui: &mut Ui, r: LogReport, result: &mut Result<(), Fatal>) -> bool {
    let applied = core.on_report(r);
    for refusal in &applied.refused {
        ui.flash(refusal.to_string());
    }
    if let Some(reason) = applied.log_failed {
        *result = Err(Fatal::external(format!(
            "the session log failed: {reason}; nothing after this was recorded"
        )));
        return true;
    }
    applied.effects.contains(&Effect::Shutdown)
}

fn end(core: &mut Core, ui: &mut Ui, reason: &str) {
    if let Err(e) = core.end(reason) {
        ui.flash(format!("cannot record the end of the session: {e}"));
    }
}
