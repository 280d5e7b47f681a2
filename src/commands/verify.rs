//! `warroom verify`: check a session log's hash chain and report its head and close.

use super::printable::escape;
use crate::cli::VerifyArgs;
use crate::error::Fatal;
use crate::session::verify_with_head;

/// Verifies the file and prints the result; damage is exit 1, an unreadable file exit 2.
pub fn verify(args: &VerifyArgs) -> Result<(), Fatal> {
    let name = escape(&args.file.display().to_string()).into_owned();
    let bytes =
        std::fs::read(&args.file).map_err(|e| Fatal::input(format!("{name}: cannot read: {e}")))?;
    let (report, _) = verify_with_head(&bytes, args.head.as_deref())
        .map_err(|d| Fatal::failed(format!("{name}:{}: damaged: {}", d.line, d.reason)))?;
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
    println!(
        "final hash: {}",
        report.final_hash.as_deref().unwrap_or_default()
    );
    if report.clean_close {
        println!("closed cleanly");
    } else {
        println!("ended without a clean close (crash or truncation)");
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
                    "{name}: the chain never reaches head {head}: the file was cut off after line {} \
                     (or the head belongs to another session)",
                    report.lines
                )));
            }
        }
    }
    Ok(())
}
