//! `--headless`: the same core with no terminal. Commands arrive on stdin, one per line; every
//! recorded line is printed to stdout as JSON once it is durable.
//!
//! Commands: `tick ITEM`, `untick ITEM`, `note ITEM TEXT` (ITEM is an item id, or STAGE/ITEM),
//! `quit`.
//! Blank lines and lines starting with `#` are ignored. Refusals go to stderr.

use std::io::Write;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::signal::unix::{SignalKind, signal};

use crate::commands::run::Prepared;
use crate::error::Fatal;
use crate::reduce::checklist::Intent;
use crate::runtime::driver::{Driver, Wake};
use crate::runtime::supervise::{self, Session};

/// A parsed stdin line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// An operator intent.
    Intent(Intent),
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
        "quit" => Ok(Line::Quit),
        other => Err(format!(
            "unknown command '{other}'; expected tick [STAGE/]ITEM, untick [STAGE/]ITEM, note [STAGE/]ITEM TEXT or quit"
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
    supervise::run(p, |session| rt.block_on(run_async(session, duration)))
}

async fn run_async(session: Session, duration: Option<std::time::Duration>) -> Result<(), Fatal> {
    let mut driver = Driver::new(session);
    let (line_tx, mut lines) = tokio::sync::mpsc::channel::<String>(64);
    tokio::spawn(async move {
        let mut input = BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(l)) = input.next_line().await {
            if line_tx.send(l).await.is_err() {
                break;
            }
        }
    });
    let signal_err = |e: std::io::Error| Fatal::external(format!("cannot watch signals: {e}"));
    let mut sigint = signal(SignalKind::interrupt()).map_err(signal_err)?;
    let mut sigterm = signal(SignalKind::terminate()).map_err(signal_err)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(signal_err)?;
    let deadline = duration.map(|d| tokio::time::Instant::now() + d);
    let sleep = tokio::time::sleep_until(deadline.unwrap_or_else(far_future));
    tokio::pin!(sleep);
    let mut stdin_open = true;
    let stdout = std::io::stdout();

    let result = loop {
        tokio::select! {
            wake = driver.wake() => {
                if let Wake::Applied { lines, refused, over } = wake {
                    let mut out = stdout.lock();
                    for line in &lines {
                        // A closed stdout (reader gone) must not stop the recording.
                        let _ = writeln!(out, "{line}");
                    }
                    let _ = out.flush();
                    for r in &refused {
                        eprintln!("refused: {r}");
                    }
                    if let Some(result) = over {
                        break result;
                    }
                }
            }
            line = lines.recv(), if stdin_open => match line {
                Some(l) => match parse_line(&l) {
                    Ok(Line::Intent(i)) => {
                        if let Err(e) = driver.core.intent(i) {
                            eprintln!("refused: {e}");
                        }
                    }
                    Ok(Line::Quit) => end(&mut driver, "quit"),
                    Ok(Line::Empty) => {}
                    Err(e) => eprintln!("error: {e}"),
                },
                None => {
                    stdin_open = false;
                    if deadline.is_none() {
                        end(&mut driver, "stdin closed");
                    }
                }
            },
            _ = sigint.recv() => end(&mut driver, "SIGINT"),
            _ = sigterm.recv() => end(&mut driver, "SIGTERM"),
            _ = sighup.recv() => end(&mut driver, "SIGHUP"),
            () = &mut sleep, if deadline.is_some() && !driver.core.is_ending() => end(&mut driver, "duration elapsed"),
        }
    };
    driver.finish().await;
    result
}

fn end(driver: &mut Driver, reason: &str) {
    if let Err(e) = driver.end(reason) {
        eprintln!("error: cannot record the end of the session: {e}");
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
