//! Follow's terminal loop: what arrives, keys, a once-a-second look at the writer, signals;
//! redraw when something changed. The screen's clock is the wall clock (the session is live).

use std::time::Instant;

use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{MissedTickBehavior, interval};

use super::{DRAIN, STATUS_EVERY};
use crate::error::Fatal;
use crate::runtime::follow::{Follow, Input};
use crate::ui::replay_bar::{Bar, View};
use crate::ui::{Ui, ViewKey};

/// Runs the follow screen until the viewer quits or a signal arrives.
pub fn run(
    rt: &tokio::runtime::Runtime,
    rx: mpsc::Receiver<Input>,
    mut ui: Ui,
    name: &str,
) -> Result<(), Fatal> {
    let terminal = crate::ui::open_terminal("follow")?;
    let result = rt.block_on(run_loop(terminal, rx, &mut ui, name));
    ratatui::restore();
    result
}

/// The bar for what is followed.
pub fn bar<'a>(follow: &'a Follow, name: &'a str, now: Instant) -> Bar<'a> {
    Bar {
        view: View::Follow {
            source: name,
            lines: follow.lines(),
            writer: follow.writer(now),
        },
        chain: follow.chain_state(),
        prompt: None,
    }
}

async fn run_loop(
    mut terminal: DefaultTerminal,
    mut rx: mpsc::Receiver<Input>,
    ui: &mut Ui,
    name: &str,
) -> Result<(), Fatal> {
    let signal_err = |e: std::io::Error| Fatal::external(format!("cannot watch signals: {e}"));
    let mut sigint = signal(SignalKind::interrupt()).map_err(signal_err)?;
    let mut sigterm = signal(SignalKind::terminate()).map_err(signal_err)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(signal_err)?;
    let mut keys = EventStream::new();
    let mut status = interval(STATUS_EVERY);
    status.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut follow = Follow::new();
    let mut open = true;
    loop {
        if let Some(op) = follow.operator() {
            ui.set_operator(op);
        }
        let b = bar(&follow, name, Instant::now());
        let now = jiff::Timestamp::now();
        let state = follow.state();
        terminal
            .draw(|f| ui.draw_read_only(f, state, now, &b))
            .map_err(|e| Fatal::external(format!("cannot draw: {e}")))?;
        // Every wake below changes the screen (new lines, a key, the writer's age), so each
        // is followed by one draw.
        tokio::select! {
            input = rx.recv(), if open => {
                let Some(first) = input else {
                    open = false;
                    continue;
                };
                let mut next = Some(first);
                let mut n = 0;
                while let Some(i) = next {
                    let arrived = follow.input(i, Instant::now());
                    if let Some(note) = arrived.notes.last() {
                        ui.flash(note.clone());
                    }
                    n += 1;
                    next = if n < DRAIN { rx.try_recv().ok() } else { None };
                }
            }
            _ = status.tick() => {}
            ev = keys.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => {
                    let now = jiff::Timestamp::now();
                    if ui.handle_key_read_only(k, follow.state(), now, "follow", false)
                        == ViewKey::Quit
                    {
                        return Ok(());
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Ok(()),
            },
            _ = sigint.recv() => return Ok(()),
            _ = sigterm.recv() => return Ok(()),
            _ = sighup.recv() => return Ok(()),
        }
    }
}
