//! `warroom verify`: check a session log's hash chain and report its head, its close or crash,
//! and every line this version could not read as written.

use super::printable::escape;
use crate::cli::VerifyArgs;
use crate::error::Fatal;
use crate::session::{NoticeKind, verify_with_head};

/// Verifies the file and prints the result; damage, or a line this version cannot read, is
/// exit 1, an unreadable file exit 2.
pub fn verify(args: &VerifyArgs) -> Result<(), Fatal> {
    let name = escape(&args.file.display().to_string()).into_owned();
    let bytes =
        std::fs::read(&args.file).map_err(|e| Fatal::input(format!("{name}: cannot read: {e}")))?;
    let (report, _) = verify_with_head(&bytes, args.head.as_deref())
        .map_err(|d| Fatal::failed(format!("{name}:{}: damaged: {}", d.line, shown(&d.reason))))?;
    if report.lines == 0 {
        return Err(Fatal::failed(format!(
            "{name}: holds no complete session-log line"
        )));
    }
    println!(
        "{name}: intact: {} lines, session {}",
        report.lines,
        escape(report.session.as_deref().unwrap_or("?"))
    );
    if let Some(t) = &report.torn_tail {
        println!(
            "warning: {name}:{}: torn final line ({} bytes, a crash mid-write); every line before it verifies",
            t.line, t.bytes
        );
    }
    let mut unreadable = 0;
    for n in &report.notices {
        let level = match n.what {
            NoticeKind::Unreadable { .. } => {
                unreadable += 1;
                "error"
            }
            _ => "warning",
        };
        println!("{level}: {name}: {}", shown(&n.to_string()));
    }
    println!(
        "final hash: {}",
        report.final_hash.as_deref().unwrap_or_default()
    );
    let last = report.ended_by_crash();
    for c in report.crashes.iter().filter(|c| Some(*c) != last) {
        println!(
            "{name}:{}: the war room crashed here ({}); the session was resumed after it",
            c.line,
            shown(&c.reason)
        );
    }
    if report.clean_close {
        println!("closed cleanly");
    } else if let Some(c) = last {
        println!("ended by a crash at line {}: {}", c.line, shown(&c.reason));
    } else {
        println!("ended without a clean close (killed, or its end was cut off)");
    }
    if let Some(head) = &args.head {
        match report.head_found_at {
            Some(line) if report.final_hash.as_deref() == Some(head.as_str()) => {
                println!("head {head} matches line {line}, the last line");
            }
            Some(line) => println!(
                "head {head} is line {line}; the file continues {} lines past it",
                report.lines - line
            ),
            None => {
                return Err(Fatal::failed(format!(
                    "{name}: the chain never reaches head {}: the file was cut off after line {} \
                     (or the head belongs to another session)",
                    shown(head),
                    report.lines
                )));
            }
        }
    }
    if unreadable > 0 {
        return Err(Fatal::failed(format!(
            "{name}: the chain is intact, but {unreadable} line(s) cannot be read by this version \
             of warroom (see above); read them with the version that wrote them"
        )));
    }
    Ok(())
}

/// Text from the file as it may be printed: control characters (a forged line can carry C1
/// controls that JSON leaves unescaped) are shown escaped, never sent to the terminal.
fn shown(s: &str) -> String {
    escape(s).into_owned()
}
