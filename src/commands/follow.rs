//! `warroom follow`: a live, read-only view of a session another war room is writing: the file
//! polled as it grows, or stdin (`-`). In the terminal it is the war room's screen, marked
//! follow-only; `--headless` prints each line as it verifies and says on stderr what happens
//! to the chain and the writer.

mod screen;

pub use screen::bar;

use std::path::Path;
use std::time::{Duration, Instant};

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{MissedTickBehavior, interval};
use tokio_util::sync::CancellationToken;

use super::printable::escape;
use crate::cli::FollowArgs;
use crate::config::Dirs;
use crate::error::Fatal;
use crate::headless::{DRAIN_WAIT, Printer};
use crate::runtime::follow::{Follow, Input, tail};
use crate::ui::Ui;
use crate::ui::replay_bar::Writer;

/// How often the writer's state is looked at (quiet, gone).
pub const STATUS_EVERY: Duration = Duration::from_secs(1);

/// At most this many inputs are taken per wake before the screen is drawn.
pub const DRAIN: usize = 64;

/// Runs `warroom follow`.
pub fn run(args: &FollowArgs) -> Result<(), Fatal> {
    // A layout or theme that does not exist is refused in either mode.
    let loaded = Ui::load(
        &Dirs::from_env(),
        args.layout.as_deref(),
        args.theme.as_deref(),
    )?;
    let ui = (!args.headless).then_some(loaded);
    let stdin = args.file == Path::new("-");
    let name = if stdin {
        "stdin".to_string()
    } else {
        escape(&args.file.display().to_string()).into_owned()
    };
    if !stdin {
        // Said at once: a wrong path would otherwise look like a writer yet to write.
        match std::fs::metadata(&args.file) {
            Ok(m) if m.is_file() => {}
            Ok(_) => {
                return Err(Fatal::input(format!(
                    "{name}: not a file; follow reads the session file a war room is writing"
                )));
            }
            Err(e) => {
                return Err(Fatal::input(format!(
                    "{name}: {e}; follow reads the session file a war room is writing (it \
                     exists from the session's first line)"
                )));
            }
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fatal::external(format!("cannot start the runtime: {e}")))?;
    let (tx, rx) = mpsc::channel(tail::QUEUE);
    let cancel = CancellationToken::new();
    let poller = if stdin {
        rt.spawn(tail::stdin(tx, cancel.clone()));
        None
    } else {
        Some(
            tail::file(args.file.clone(), tx, cancel.clone())
                .map_err(|e| Fatal::external(format!("cannot start following {name}: {e}")))?,
        )
    };
    let result = match ui {
        None => rt.block_on(headless(rx, stdin)),
        Some(ui) => screen::run(&rt, rx, ui, &name),
    };
    cancel.cancel();
    if let Some(p) = poller {
        let _ = p.join();
    }
    rt.shutdown_timeout(Duration::from_millis(200));
    result
}

/// Prints lines to stdout as they verify, the rest to stderr; ends at the end of stdin (or a
/// signal).
async fn headless(mut rx: mpsc::Receiver<Input>, stdin: bool) -> Result<(), Fatal> {
    let signal_err = |e: std::io::Error| Fatal::external(format!("cannot watch signals: {e}"));
    let mut sigint = signal(SignalKind::interrupt()).map_err(signal_err)?;
    let mut sigterm = signal(SignalKind::terminate()).map_err(signal_err)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(signal_err)?;
    let mut status = interval(STATUS_EVERY);
    status.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut follow = Follow::new();
    let mut out = Printer::stdout();
    let mut err = Printer::stderr();
    let mut said = String::new();
    loop {
        tokio::select! {
            input = rx.recv() => {
                let Some(input) = input else { break };
                let end = matches!(input, Input::End | Input::Failed(_));
                let arrived = follow.input(input, Instant::now());
                for l in arrived.lines {
                    out.print(String::from_utf8_lossy(&l).into_owned());
                }
                for n in arrived.notes {
                    err.print(escape(&n).into_owned());
                }
                if end && stdin {
                    break;
                }
            }
            _ = status.tick() => {
                let words = writer_line(&follow.writer(Instant::now()));
                // Said once when it changes: quiet for 10s, not every second after.
                let kind = words.split(" for ").next().unwrap_or_default().to_string();
                if kind != said {
                    if !words.is_empty() {
                        err.print(words);
                    } else if !said.is_empty() {
                        // Lines again after quiet (or a writer that came back): say so too.
                        err.print("the writer is writing again".to_string());
                    }
                    said = kind;
                }
            }
            _ = sigint.recv() => break,
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
        }
    }
    // How it ended, if that was not said yet (stdin can end before the next look).
    let words = writer_line(&follow.writer(Instant::now()));
    if !words.is_empty() && words.split(" for ").next() != Some(said.as_str()) {
        err.print(words);
    }
    out.finish(DRAIN_WAIT);
    err.finish(DRAIN_WAIT);
    match follow.damage() {
        Some(d) => Err(Fatal::failed(format!(
            "the chain broke at line {}: {}",
            d.line,
            escape(&d.reason)
        ))),
        None => Ok(()),
    }
}

/// The writer's state as a stderr line (nothing while it writes).
fn writer_line(w: &Writer<'_>) -> String {
    match w {
        Writer::Waiting | Writer::Active(_) => String::new(),
        Writer::Quiet(d) => format!("the writer is quiet for {}s", d.as_secs()),
        Writer::Ended(reason) => format!("the writer closed the session ({})", escape(reason)),
        Writer::Crashed(reason) => format!("the writer crashed: {}", escape(reason)),
        Writer::Gone => {
            "no writer holds the file, and it was not closed (killed, or its end was cut off)"
                .to_string()
        }
    }
}
