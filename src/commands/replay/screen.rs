//! The replay's terminal loop: keys, a frame clock while playing, signals; redraw when
//! something changed. No source, executor or session writer exists in this loop: the screen
//! draws the replayed state at the replay clock, and keys move the clock.

use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, EventStream, KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::{MissedTickBehavior, interval};

use crate::config::keymap::Command;
use crate::error::Fatal;
use crate::runtime::replay::{Class, Replay, ReplayError, Speed, goto};
use crate::session::NoticeKind;
use crate::ui::replay_bar::{Bar, ChainState, Prompt, View};
use crate::ui::{Ui, ViewKey};

/// How often the clock moves (and the screen is drawn) while playing.
pub const FRAME: Duration = Duration::from_millis(50);

/// The go-to prompt while open: what is typed, and why the last try was refused.
#[derive(Debug, Default)]
struct Typed {
    text: String,
    error: Option<String>,
}

/// Runs the replay in the terminal until the reviewer quits or a signal arrives.
pub fn run(mut replay: Replay, mut ui: Ui) -> Result<(), Fatal> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fatal::external(format!("cannot start the runtime: {e}")))?;
    let terminal = crate::ui::open_terminal("replay")?;
    let result = rt.block_on(run_loop(terminal, &mut replay, &mut ui));
    ratatui::restore();
    result
}

/// The bar for the replay's current position.
pub fn bar<'a>(replay: &'a Replay, prompt: Option<Prompt<'a>>) -> Bar<'a> {
    let (start, end) = replay.span();
    let v = replay.verification();
    Bar {
        view: View::Replay {
            start,
            end,
            position: replay.now(),
            marks: replay.marks(),
            applied: replay.applied(),
            lines: replay.lines(),
            playing: replay.clock.playing,
            speed: replay.clock.speed.label(),
            on: replay.current().and_then(Class::moment),
        },
        chain: ChainState {
            verified: v.report.lines,
            damage: v.damage.as_ref().map(|d| (d.line, d.reason.as_str())),
            unverified: v.unverified,
            torn: v.report.torn_tail.as_ref().map(|t| (t.line, t.bytes)),
            unknown: v
                .report
                .notices
                .iter()
                .filter(|n| matches!(n.what, NoticeKind::Unknown { .. }))
                .count(),
            clean_close: v.report.clean_close,
            note: None,
        },
        prompt,
    }
}

async fn run_loop(
    mut terminal: DefaultTerminal,
    replay: &mut Replay,
    ui: &mut Ui,
) -> Result<(), Fatal> {
    let signal_err = |e: std::io::Error| Fatal::external(format!("cannot watch signals: {e}"));
    let mut sigint = signal(SignalKind::interrupt()).map_err(signal_err)?;
    let mut sigterm = signal(SignalKind::terminate()).map_err(signal_err)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(signal_err)?;
    let mut keys = EventStream::new();
    let mut frames = interval(FRAME);
    frames.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last = Instant::now();
    let mut typed: Option<Typed> = None;
    let mut dirty = true;
    loop {
        if dirty {
            if let Some(op) = replay.operator() {
                ui.set_operator(op);
            }
            let prompt = typed.as_ref().map(|t| Prompt {
                text: &t.text,
                error: t.error.as_deref(),
            });
            let b = bar(replay, prompt);
            let (state, now) = (replay.state(), replay.now());
            terminal
                .draw(|f| ui.draw_read_only(f, state, now, &b))
                .map_err(|e| Fatal::external(format!("cannot draw: {e}")))?;
            dirty = false;
        }
        let playing = replay.clock.playing;
        tokio::select! {
            _ = frames.tick(), if playing => {
                let now = Instant::now();
                let wall = now.saturating_duration_since(last);
                last = now;
                match replay.tick(wall) {
                    Ok(moved) => {
                        if moved || !replay.clock.playing {
                            dirty = true;
                        }
                    }
                    Err(e) => {
                        replay.clock.playing = false;
                        ui.flash(e.to_string());
                        dirty = true;
                    }
                }
            }
            ev = keys.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => {
                    dirty = true;
                    let was = replay.clock.playing;
                    if key(replay, ui, &mut typed, k) {
                        return Ok(());
                    }
                    if replay.clock.playing && !was {
                        last = Instant::now();
                    }
                }
                Some(Ok(_)) => dirty = true,
                Some(Err(_)) | None => return Ok(()),
            },
            _ = sigint.recv() => return Ok(()),
            _ = sigterm.recv() => return Ok(()),
            _ = sighup.recv() => return Ok(()),
        }
    }
}

/// Handles a key; true to leave.
fn key(replay: &mut Replay, ui: &mut Ui, typed: &mut Option<Typed>, k: KeyEvent) -> bool {
    if let Some(t) = typed.as_mut() {
        match k.code {
            KeyCode::Esc => *typed = None,
            KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => return true,
            KeyCode::Enter => match goto::parse(&t.text, ui.time_zone(), replay.now()) {
                Ok(at) => {
                    *typed = None;
                    report(ui, replay.seek_time(at));
                }
                Err(e) => t.error = Some(e),
            },
            KeyCode::Backspace => {
                t.text.pop();
                t.error = None;
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                t.text.push(c);
                t.error = None;
            }
            _ => {}
        }
        return false;
    }
    let now = replay.now();
    match ui.handle_key_read_only(k, replay.state(), now, "replay", true) {
        ViewKey::Quit => true,
        ViewKey::None => false,
        ViewKey::Replay { command, nth } => {
            command_of(replay, ui, typed, command, nth);
            false
        }
    }
}

fn command_of(
    replay: &mut Replay,
    ui: &mut Ui,
    typed: &mut Option<Typed>,
    command: Command,
    nth: usize,
) {
    let c = &mut replay.clock;
    match command {
        Command::Play => {
            if !c.playing && replay.applied() == replay.lines() {
                // At the end, play starts over, as players do.
                report(ui, replay.go_to(1));
                replay.clock.position = replay.span().0;
            }
            replay.clock.toggle();
        }
        Command::Faster => c.speed = c.speed.faster(),
        Command::Slower => c.speed = c.speed.slower(),
        Command::SeekBack | Command::SeekForward => {
            let r = replay.nudge(command == Command::SeekForward);
            report(ui, r);
        }
        Command::LeapBack | Command::LeapForward => {
            let r = replay.leap(command == Command::LeapForward);
            report(ui, r);
        }
        Command::JumpTenth => {
            let r = replay.jump_to_tenth(u32::try_from(nth).unwrap_or(9));
            report(ui, r);
        }
        Command::StepBack | Command::StepForward => {
            let forward = command == Command::StepForward;
            match replay.step(forward) {
                Ok(true) => {}
                Ok(false) => ui.flash(if forward {
                    "at the last line"
                } else {
                    "at the first line"
                }),
                Err(e) => ui.flash(e.to_string()),
            }
        }
        Command::PrevMoment | Command::NextMoment => {
            let forward = command == Command::NextMoment;
            match replay.moment(forward) {
                Ok(Some(_)) => {}
                Ok(None) => ui.flash(format!(
                    "no {} decision, approval, shift, rollback, alert or marker",
                    if forward { "later" } else { "earlier" }
                )),
                Err(e) => ui.flash(e.to_string()),
            }
        }
        Command::GoTo => *typed = Some(Typed::default()),
        _ => {}
    }
    if replay.clock.speed == Speed::SkipIdle && command == Command::Faster {
        ui.flash("skip idle: from one human or production event to the next, a second each");
    }
}

fn report(ui: &mut Ui, r: Result<(), ReplayError>) {
    if let Err(e) = r {
        ui.flash(e.to_string());
    }
}
