//! `warroom verify`: check a session log's hash chain and report its head, its close or crash,
//! every line this version could not read as written, and its signed heads (checked against
//! an allowed_signers file with `--allowed-signers`).

use std::io::Write as _;

use super::printable::escape;
use crate::cli::VerifyArgs;
use crate::error::Fatal;
use crate::event::{Envelope, Event};
use crate::session::{NoticeKind, verify_with_head};
use crate::sign::AllowedSigners;

/// `println!` that does not panic when stdout is gone (`warroom verify … | head -1`): the
/// verdict is the exit code, whoever stopped reading.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Verifies the file and prints the result; damage, or a line this version cannot read, is
/// exit 1, an unreadable file exit 2.
pub fn verify(args: &VerifyArgs) -> Result<(), Fatal> {
    let name = escape(&args.file.display().to_string()).into_owned();
    let bytes =
        std::fs::read(&args.file).map_err(|e| Fatal::input(format!("{name}: cannot read: {e}")))?;
    // Read first: a bad allowed_signers file is the caller's mistake, whatever the log holds.
    let allowed = args
        .allowed_signers
        .as_deref()
        .map(|p| AllowedSigners::load(p).map_err(|e| Fatal::input(shown(&e.to_string()))))
        .transpose()?;
    // Hashes are written in lowercase hex; one copied in capitals is still the same hash.
    let head = args.head.as_deref().map(str::to_ascii_lowercase);
    if let Some(h) = &head
        && !(h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(Fatal::input(format!(
            "--head {}: not a line's hash; a hash is 64 hex digits, as the `final hash` warroom \
             prints at exit",
            shown(h)
        )));
    }
    let (report, envelopes) = verify_with_head(&bytes, head.as_deref())
        .map_err(|d| Fatal::failed(format!("{name}:{}: damaged: {}", d.line, shown(&d.reason))))?;
    if report.lines == 0 {
        return Err(Fatal::failed(format!(
            "{name}: holds no complete session-log line"
        )));
    }
    say!(
        "{name}: intact: {} lines, session {}",
        report.lines,
        escape(report.session.as_deref().unwrap_or("?"))
    );
    if let Some(t) = &report.torn_tail {
        say!(
            "warning: {name}:{}: torn final line ({} bytes, a crash mid-write); every line before it verifies",
            t.line,
            t.bytes
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
        say!("{level}: {name}: {}", shown(&n.to_string()));
    }
    say!(
        "final hash: {}",
        report.final_hash.as_deref().unwrap_or_default()
    );
    let last = report.ended_by_crash();
    for c in report.crashes.iter().filter(|c| Some(*c) != last) {
        say!(
            "{name}:{}: the war room crashed here ({}); the session was resumed after it",
            c.line,
            shown(&c.reason)
        );
    }
    if report.clean_close {
        say!("closed cleanly");
    } else if let Some(c) = last {
        say!("ended by a crash at line {}: {}", c.line, shown(&c.reason));
    } else {
        say!("ended without a clean close (killed, or its end was cut off)");
    }
    if let Some(head) = &head {
        match report.head_found_at {
            Some(line) if report.final_hash.as_deref() == Some(head.as_str()) => {
                say!("head {head} matches line {line}, the last line");
            }
            Some(line) => say!(
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
    match (&allowed, &args.allowed_signers) {
        (Some(a), Some(path)) => signatures(&name, &envelopes, a, path, report.clean_close),
        _ => {
            unchecked(&name, &envelopes);
            Ok(())
        }
    }
}

/// Without allowed signers: whether the session is signed at all, and how to check it.
fn unchecked(name: &str, envelopes: &[Envelope]) {
    let heads = envelopes
        .iter()
        .filter(|e| matches!(e.event, Event::HeadSigned { .. }))
        .count();
    if heads == 0 {
        say!(
            "unsigned: no head of this session is signed, so anyone who can edit the file can \
             rewrite it and recompute every hash (heads are signed with [signing] in warroom.toml)"
        );
        return;
    }
    say!(
        "signed: {heads} head signature(s), not checked: give --allowed-signers FILE to check \
         them and name the signer of each decision"
    );
    for e in envelopes {
        if let Event::HeadSignFailed { seq, error, .. } = &e.event {
            say!(
                "warning: {name}:{}: line {seq} could not be signed: {}",
                e.seq,
                shown(error)
            );
        }
    }
}

/// With allowed signers: every signature checked, each decision's signer named; any bad
/// signature, unsigned decision or unsigned close fails.
fn signatures(
    name: &str,
    envelopes: &[Envelope],
    allowed: &AllowedSigners,
    path: &std::path::Path,
    clean_close: bool,
) -> Result<(), Fatal> {
    let checked = crate::sign::log::check(envelopes, allowed, clean_close);
    let file = shown(&path.display().to_string());
    let valid = checked.heads.iter().filter(|h| h.result.is_ok()).count();
    say!(
        "signatures: {valid} of {} head signature(s) valid against {file}",
        checked.heads.len()
    );
    for d in &checked.decisions {
        let by = match &d.signed {
            Some((at, v)) => format!(
                "signed by {} ({}) at line {at}",
                shown(&v.signer()),
                v.fingerprint
            ),
            None => "NOT SIGNED by an allowed signer".to_string(),
        };
        let approver = match &d.approver {
            Some(Ok(v)) => format!(
                "; the approver signed it as {} ({})",
                shown(&v.signer()),
                v.fingerprint
            ),
            Some(Err(_)) => "; the approver's signature does NOT verify".to_string(),
            None => String::new(),
        };
        say!(
            "  line {}: {}: {}; {by}{approver}",
            d.seq,
            shown(&d.actor),
            shown(&d.what)
        );
    }
    if let Some((at, v)) = &checked.close {
        say!(
            "  close: signed by {} ({}) at line {at}",
            shown(&v.signer()),
            v.fingerprint
        );
    }
    for p in &checked.problems {
        say!("error: {name}: {}", shown(p));
    }
    if checked.problems.is_empty() {
        say!("every decision and the close are signed by an allowed signer");
        return Ok(());
    }
    let unsigned = if checked.unsigned() {
        " (the session is unsigned)"
    } else {
        ""
    };
    Err(Fatal::failed(format!(
        "{name}: {} signature problem(s){unsigned}: this log cannot be shown to be the one its \
         signers recorded (see above)",
        checked.problems.len()
    )))
}

/// Text from the file as it may be printed: control characters (a forged line can carry C1
/// controls that JSON leaves unescaped) are shown escaped, never sent to the terminal.
fn shown(s: &str) -> String {
    escape(s).into_owned()
}
