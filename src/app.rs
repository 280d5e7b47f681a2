//! The live terminal loop: `select!` over keys, pastes, signals and the driver (the writer's
//! reports, the sources' observations, the clock); drain what is ready, then draw once if
//! anything changed. No network or disk I/O here. Bracketed paste is on while the war room
//! runs, so a paste arrives as one event (into a note, a marker or a field) and never as keys.

use std::io::stdout;

use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, Event as TermEvent, EventStream, KeyCode,
    KeyEventKind,
};
use crossterm::execute;
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::signal::unix::{SignalKind, signal};

use crate::error::Fatal;
use crate::runtime::driver::{Driver, Wake};
use crate::runtime::prepare::Prepared;
use crate::runtime::supervise::{self, Session};
use crate::ui::{Ui, UiAction};

/// Runs the war room in the terminal until the operator quits or a signal arrives.
pub fn run(mut p: Prepared) -> Result<(), Fatal> {
    // Everything that can fail on bad input is loaded before the terminal changes mode.
    let ui = match p.ui.take() {
        Some(ui) => ui,
        None => {
            let mut ui = Ui::load(&p.dirs, p.layout.as_deref(), p.theme.as_deref())?;
            ui.set_operator(&p.actor);
            ui.set_session_file(p.writer.path());
            ui
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Fatal::external(format!("cannot start the runtime: {e}")))?;
    let panic_key = test_panic_key();
    let terminal = crate::ui::open_terminal("run")?;
    paste_mode_until_restored();
    let result = supervise::run(p, |session| {
        rt.block_on(run_loop(terminal, session, ui, panic_key))
    });
    let _ = execute!(stdout(), DisableBracketedPaste);
    ratatui::restore();
    result
}

/// Turns bracketed paste on, and makes sure it is turned off however the war room ends: the
/// panic hook ratatui installed restores the terminal; this one turns paste off before it, so
/// a crashed war room does not leave the shell with paste markers around every paste.
fn paste_mode_until_restored() {
    // A terminal that cannot do it still works: pastes then arrive as keys, as before.
    let _ = execute!(stdout(), EnableBracketedPaste);
    let restore = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableBracketedPaste);
        restore(info);
    }));
}

/// A test hook: `WARROOM_TEST_PANIC_KEY=<char>` makes that key panic the loop, so tests can
/// check that a crash restores the terminal and leaves a crash record.
fn test_panic_key() -> Option<char> {
    std::env::var("WARROOM_TEST_PANIC_KEY")
        .ok()
        .and_then(|v| v.chars().next())
}

async fn run_loop(
    mut terminal: DefaultTerminal,
    session: Session,
    mut ui: Ui,
    panic_key: Option<char>,
) -> Result<(), Fatal> {
    let mut driver = Driver::new(session);
    let signal_err = |e: std::io::Error| Fatal::external(format!("cannot watch signals: {e}"));
    let mut sigint = signal(SignalKind::interrupt()).map_err(signal_err)?;
    let mut sigterm = signal(SignalKind::terminate()).map_err(signal_err)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(signal_err)?;
    let mut keys = EventStream::new();
    let mut dirty = true;

    let result = loop {
        if dirty {
            let (state, now) = (&driver.core.state, driver.core.now);
            terminal
                .draw(|f| ui.draw(f, state, now))
                .map_err(|e| Fatal::external(format!("cannot draw: {e}")))?;
            dirty = false;
        }
        tokio::select! {
            wake = driver.wake() => match wake {
                Wake::Applied { refused, warnings, over, .. } => {
                    dirty = true;
                    for r in refused.into_iter().chain(warnings) {
                        ui.flash(r);
                    }
                    if let Some(result) = over {
                        break result;
                    }
                }
                Wake::Tick => dirty = true,
                Wake::Observed => {}
            },
            ev = keys.next() => match ev {
                Some(Ok(TermEvent::Key(k))) if k.kind != KeyEventKind::Release => {
                    dirty = true;
                    if let (Some(p), KeyCode::Char(c)) = (panic_key, k.code)
                        && p == c
                    {
                        panic!("test panic on key {c:?}");
                    }
                    // Decided at the moment of the key press, not at the last tick.
                    driver.core.now = jiff::Timestamp::now();
                    let now = driver.core.now;
                    let action = ui.handle_key_at(k, &driver.core.state, now);
                    act(&mut driver, &mut ui, action);
                }
                Some(Ok(TermEvent::Paste(text))) => {
                    dirty = true;
                    ui.handle_paste(&text);
                }
                Some(Ok(_)) => dirty = true,
                Some(Err(_)) | None => end(&mut driver, &mut ui, "terminal closed"),
            },
            _ = sigint.recv() => end(&mut driver, &mut ui, "SIGINT"),
            _ = sigterm.recv() => end(&mut driver, &mut ui, "SIGTERM"),
            _ = sighup.recv() => end(&mut driver, &mut ui, "SIGHUP"),
        }
    };
    driver.finish().await;
    result
}

/// Does what a key asked: an intent or a release intent goes to the core (a refusal is
/// flashed; the core records release refusals itself), quit ends the session.
fn act(driver: &mut Driver, ui: &mut Ui, action: Option<UiAction>) {
    match action {
        Some(UiAction::Intent(i)) => {
            if let Err(e) = driver.core.intent(i) {
                ui.flash(e.to_string());
            }
        }
        Some(UiAction::Release(i)) => {
            if let Err(e) = driver.core.release(i) {
                ui.flash(e.to_string());
            }
        }
        Some(UiAction::Quit) => end(driver, ui, "quit"),
        None => {}
    }
}

fn end(driver: &mut Driver, ui: &mut Ui, reason: &str) {
    if let Err(e) = driver.end(reason) {
        ui.flash(format!("cannot record the end of the session: {e}"));
    }
}
