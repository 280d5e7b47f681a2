//! `--headless`: the same core with no terminal. Commands arrive on stdin, one per line; every
//! recorded line is printed to stdout as JSON once it is durable.
//!
//! Commands: `tick ITEM`, `untick ITEM`, `note ITEM TEXT`, `trust ITEM` (ITEM is an item id, or STAGE/ITEM),
//! the release commands of `crate::release::command` (`go`, `nogo`, `shift`, `back`, `pause`,
//! `resume`, `rollback`, `arm`, `disarm`, `marker`), `comms KIND [--post]` and `comms retry
//! [ID]` (`crate::comms::command`), `quit`.
//! Blank lines and lines starting with `#` are ignored. Refusals go to stderr, and so does a
//! line that cannot be read (not UTF-8, or longer than `MAX_LINE`), by its number; the lines
//! after it are still read. Output goes through bounded queues (`printer`), so a reader that
//! stops reading never stalls the loop.

mod printer;

use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, BufReader};
use tokio::signal::unix::{SignalKind, signal};

use crate::error::Fatal;
use crate::reduce::checklist::{Intent, NOTE_LIMIT};
use crate::runtime::driver::{Driver, Wake};
use crate::runtime::prepare::Prepared;
use crate::runtime::supervise::{self, Session};

pub use printer::{PRINT_QUEUE, Printer};

/// The longest stdin line read: a note at its limit plus room for the command and the target.
/// A longer line is reported and skipped, never buffered whole.
pub const MAX_LINE: usize = NOTE_LIMIT + 4096;

/// How long the end of a session waits for a slow reader to take what is still queued.
pub const DRAIN_WAIT: Duration = Duration::from_secs(2);

/// A parsed stdin line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// An operator intent on the checklist.
    Intent(Intent),
    /// A release intent (go, shift, rollback…).
    Release(crate::release::ReleaseIntent),
    /// End the session.
    Quit,
    /// Nothing to do.
    Empty,
}

/// Parses one stdin line.
pub fn parse_line(line: &str) -> Result<Line, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(Line::Empty);
    }
    let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    // `STAGE/ITEM`, or `ITEM` alone (stage left empty for the checklist to find).
    let target = |s: &str| -> Result<(String, String), String> {
        let (stage, item) = s.split_once('/').unwrap_or(("", s));
        let ok = !item.is_empty()
            && !item.contains('/')
            && !s.contains(char::is_whitespace)
            && (s.contains('/') != stage.is_empty());
        ok.then(|| (stage.to_string(), item.to_string()))
            .ok_or_else(|| {
                format!(
                    "'{s}' is not ITEM or STAGE/ITEM (e.g. backup-verified or t-1d/backup-verified)"
                )
            })
    };
    match verb {
        "tick" => {
            let (stage, item) = target(rest)?;
            Ok(Line::Intent(Intent::Tick { stage, item }))
        }
        "untick" => {
            let (stage, item) = target(rest)?;
            Ok(Line::Intent(Intent::Untick { stage, item }))
        }
        "note" => {
            let (t, text) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let (stage, item) = target(t)?;
            Ok(Line::Intent(Intent::Note {
                stage,
                item,
                text: text.trim().to_string(),
            }))
        }
        "trust" => {
            let (stage, item) = target(rest)?;
            Ok(Line::Intent(Intent::Trust { stage, item }))
        }
        "quit" => Ok(Line::Quit),
        "comms" => crate::comms::command::parse(rest).map(Line::Release),
        verb if crate::release::command::VERBS.contains(&verb) => {
            crate::release::command::parse(verb, rest)
                .unwrap_or_else(|| Err(format!("unknown command '{verb}'")))
                .map(Line::Release)
        }
        other => Err(format!(
            "unknown command '{other}'; expected tick [STAGE/]ITEM, untick [STAGE/]ITEM, note [STAGE/]ITEM TEXT, trust [STAGE/]ITEM, go, nogo, shift, back, pause, resume, rollback, arm, disarm, marker, comms or quit"
        )),
    }
}

/// Runs the headless loop until `quit`, a signal, `--duration`, or (without `--duration`)
/// the end of stdin.
pub fn run(p: Prepared) -> Result<(), Fatal> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Fatal::external(format!("cannot start the runtime: {e}")))?;
    let duration = p.duration;
    let result = supervise::run(p, |session| rt.block_on(run_async(session, duration)));
    // The stdin reader may sit in a read that never returns (`quit` sent, stdin kept open by
    // the caller): everything recorded is synced by now, so don't wait on it for ever.
    rt.shutdown_timeout(std::time::Duration::from_millis(500));
    result
}

/// One stdin line, by its 1-based number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A line of text (without its newline).
    Line(u64, String),
    /// A line that cannot be taken, and why.
    Unreadable(u64, String),
}

/// Reads `r` line by line into `tx`: each line at most `max` bytes, UTF-8. A line that is not
/// is reported by number and the reading goes on. Ends at the end of input or a read error.
pub async fn read_lines<R: AsyncBufRead + Unpin>(
    mut r: R,
    max: usize,
    tx: tokio::sync::mpsc::Sender<Input>,
) {
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        n += 1;
        let input = match next_line(&mut r, &mut buf, max).await {
            Ok(None) => return,
            Ok(Some(false)) => match String::from_utf8(std::mem::take(&mut buf)) {
                Ok(l) => Input::Line(n, l),
                Err(e) => Input::Unreadable(
                    n,
                    format!(
                        "not valid UTF-8 (at byte {}); line ignored",
                        e.utf8_error().valid_up_to() + 1
                    ),
                ),
            },
            Ok(Some(true)) => Input::Unreadable(
                n,
                format!(
                    "longer than {max} bytes (a note holds at most {NOTE_LIMIT}); line ignored"
                ),
            ),
            Err(e) => Input::Unreadable(n, format!("cannot read stdin: {e}; no more input")),
        };
        let stop = matches!(&input, Input::Unreadable(_, why) if why.ends_with("no more input"));
        if tx.send(input).await.is_err() || stop {
            return;
        }
    }
}

/// Reads one line into `buf` (newline dropped), keeping at most `max` bytes: `Some(true)` when
/// it was longer (then `buf` is empty and the rest of the line is consumed), `None` at the end.
async fn next_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let (mut any, mut too_long) = (false, false);
    loop {
        let avail = r.fill_buf().await?;
        if avail.is_empty() {
            return Ok(any.then_some(too_long));
        }
        any = true;
        let newline = avail.iter().position(|&b| b == b'\n');
        let chunk = &avail[..newline.unwrap_or(avail.len())];
        if !too_long {
            if buf.len() + chunk.len() > max {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        let used = newline.map_or(avail.len(), |i| i + 1);
        r.consume(used);
        if newline.is_some() {
            return Ok(Some(too_long));
        }
    }
}

async fn run_async(session: Session, duration: Option<std::time::Duration>) -> Result<(), Fatal> {
    let mut driver = Driver::new(session);
    let (line_tx, mut lines) = tokio::sync::mpsc::channel::<Input>(64);
    tokio::spawn(read_lines(
        BufReader::new(tokio::io::stdin()),
        MAX_LINE,
        line_tx,
    ));
    let signal_err = |e: std::io::Error| Fatal::external(format!("cannot watch signals: {e}"));
    let mut sigint = signal(SignalKind::interrupt()).map_err(signal_err)?;
    let mut sigterm = signal(SignalKind::terminate()).map_err(signal_err)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(signal_err)?;
    let deadline = duration.map(|d| tokio::time::Instant::now() + d);
    let sleep = tokio::time::sleep_until(deadline.unwrap_or_else(far_future));
    tokio::pin!(sleep);
    let mut stdin_open = true;
    let mut out = Printer::stdout();
    let mut err = Printer::stderr();

    let result = loop {
        tokio::select! {
            wake = driver.wake() => {
                if let Wake::Applied { lines, refused, warnings, over } = wake {
                    for line in lines {
                        // A reader that is gone or stalled must not stop the recording.
                        if !out.print(line) && out.skipped() == 1 {
                            err.print(
                                "warning: stdout is not being read; recorded lines that do not \
                                 fit its queue are not printed (the session file has them all)"
                                    .to_string(),
                            );
                        }
                    }
                    for r in &refused {
                        err.print(format!("refused: {r}"));
                    }
                    for w in warnings {
                        err.print(format!("warning: {w}"));
                    }
                    if let Some(result) = over {
                        break result;
                    }
                }
            }
            input = lines.recv(), if stdin_open => match input {
                Some(Input::Line(n, l)) => match parse_line(&l) {
                    Ok(Line::Intent(i)) => {
                        if let Err(e) = driver.core.intent(i) {
                            err.print(format!("refused: stdin line {n}: {e}"));
                        }
                    }
                    Ok(Line::Release(i)) => {
                        if let Err(e) = driver.core.release(i) {
                            err.print(format!("refused: stdin line {n}: {e}"));
                        }
                    }
                    Ok(Line::Quit) => end(&mut driver, "quit", &mut err),
                    Ok(Line::Empty) => {}
                    Err(e) => {
                        err.print(format!("error: stdin line {n}: {e}"));
                    }
                },
                Some(Input::Unreadable(n, why)) => {
                    err.print(format!("error: stdin line {n}: {why}"));
                }
                None => {
                    stdin_open = false;
                    if deadline.is_none() {
                        end(&mut driver, "stdin closed", &mut err);
                    }
                }
            },
            _ = sigint.recv() => end(&mut driver, "SIGINT", &mut err),
            _ = sigterm.recv() => end(&mut driver, "SIGTERM", &mut err),
            _ = sighup.recv() => end(&mut driver, "SIGHUP", &mut err),
            () = &mut sleep, if deadline.is_some() && !driver.core.is_ending() => end(&mut driver, "duration elapsed", &mut err),
        }
    };
    driver.finish().await;
    let unprinted = out.finish(DRAIN_WAIT);
    if unprinted > 0 {
        err.print(format!(
            "warning: {unprinted} recorded lines were not printed because stdout was not read; \
             the session file has them all"
        ));
    }
    err.finish(DRAIN_WAIT);
    result
}

fn end(driver: &mut Driver, reason: &str, err: &mut Printer) {
    if let Err(e) = driver.end(reason) {
        err.print(format!("error: cannot record the end of the session: {e}"));
    }
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + std::time::Duration::from_secs(86_400 * 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(
            parse_line("tick t-1d/backup"),
            Ok(Line::Intent(Intent::Tick {
                stage: "t-1d".into(),
                item: "backup".into()
            }))
        );
        assert_eq!(
            parse_line("note a/b  two words "),
            Ok(Line::Intent(Intent::Note {
                stage: "a".into(),
                item: "b".into(),
                text: "two words".into()
            }))
        );
        assert_eq!(parse_line("quit"), Ok(Line::Quit));
        assert_eq!(parse_line("  # comment"), Ok(Line::Empty));
        assert!(parse_line("tick /x").is_err());
        assert!(parse_line("tick x/").is_err());
        assert!(parse_line("tick a/b/c").is_err());
        assert!(parse_line("tick").is_err());
        assert!(parse_line("launch").is_err());
    }

    #[test]
    fn an_item_id_alone_leaves_the_stage_to_the_checklist() {
        assert_eq!(
            parse_line("tick backup"),
            Ok(Line::Intent(Intent::Tick {
                stage: String::new(),
                item: "backup".into()
            }))
        );
        assert_eq!(
            parse_line("note backup restore listed"),
            Ok(Line::Intent(Intent::Note {
                stage: String::new(),
                item: "backup".into(),
                text: "restore listed".into()
            }))
        );
    }
}
