//! Verifying a session file: the hash chain, sequence, session id, torn tail, clean close or
//! crash, and every line this version could not fully read (reported, never skipped).

use std::path::Path;

use serde::Deserialize;

use super::hash::{GENESIS, chain_hash, split_hash};
use super::schema::{self, Decoded};
use crate::event::{Envelope, Event, LOG_VERSION};

/// The outcome of a successful verification.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Complete lines that verified.
    pub lines: u64,
    /// Session id of the first line.
    pub session: Option<String>,
    /// `seq` of the last good line.
    pub last_seq: Option<u64>,
    /// Hash of the last good line (the head).
    pub final_hash: Option<String>,
    /// Whether the last good line is a `SessionEnded` marker.
    pub clean_close: bool,
    /// Every `SessionCrashed` line, in order.
    pub crashes: Vec<Crash>,
    /// Lines that verified but that this version could not read as written, in order.
    pub notices: Vec<Notice>,
    /// An unterminated final line left by a crash mid-write, if any.
    pub torn_tail: Option<TornTail>,
    /// The line whose hash equals the head asked for (see `verify_with_head`).
    pub head_found_at: Option<u64>,
}

impl Report {
    /// The crash the file ends with, if its last line is a crash record.
    pub fn ended_by_crash(&self) -> Option<&Crash> {
        self.crashes.last().filter(|c| Some(c.seq) == self.last_seq)
    }
}

/// A `SessionCrashed` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crash {
    /// 1-based line number.
    pub line: u64,
    /// Its `seq`.
    pub seq: u64,
    /// What went wrong.
    pub reason: String,
}

/// A line that verified but that this version could not read exactly as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// 1-based line number.
    pub line: u64,
    /// Its `seq`.
    pub seq: u64,
    /// Its event type.
    pub kind: String,
    /// What happened to it.
    pub what: NoticeKind,
}

/// How a line was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeKind {
    /// The event type is unknown here (a newer version wrote it): kept as written, not applied.
    Unknown {
        /// The line, verbatim.
        raw: String,
    },
    /// Read with the parts named left out (keys or values today's schema no longer has).
    LeftOut {
        /// What was left out, and why.
        parts: Vec<String>,
    },
    /// A known type that this version cannot read.
    Unreadable {
        /// Why.
        error: String,
    },
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (line, kind) = (self.line, &self.kind);
        match &self.what {
            NoticeKind::Unknown { raw } => write!(
                f,
                "line {line}: event type {kind} is unknown to this version (from a newer warroom, or \
                 not from warroom); kept as written, not applied: {raw}"
            ),
            NoticeKind::LeftOut { parts } => write!(
                f,
                "line {line}: {kind} read without what this version does not know: {}",
                parts.join("; ")
            ),
            NoticeKind::Unreadable { error } => {
                write!(
                    f,
                    "line {line}: {kind} cannot be read by this version: {error}"
                )
            }
        }
    }
}

/// An unterminated final line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// 1-based line number of the torn line.
    pub line: u64,
    /// Byte offset where it starts (the length of the good part).
    pub offset: u64,
    /// How many bytes it has.
    pub bytes: u64,
}

/// The first damage found: an edited, deleted, inserted or reordered line, or garbage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct Damage {
    /// 1-based line number of the first bad line.
    pub line: u64,
    /// What is wrong with it.
    pub reason: String,
}

#[derive(Deserialize)]
struct Head {
    v: u32,
    seq: u64,
    session: String,
    prev: String,
    event: EventTag,
}

#[derive(Deserialize)]
struct EventTag {
    #[serde(rename = "type")]
    kind: String,
}

/// Verifies a whole file read into memory.
pub fn verify_file(path: &Path) -> std::io::Result<Result<(Report, Vec<Envelope>), Damage>> {
    Ok(verify_bytes(&std::fs::read(path)?))
}

/// Verifies session-log bytes and returns the report with every envelope, in order.
///
/// Lines whose event type this version does not know, or that it cannot read, still verify
/// (the chain covers bytes, not meaning); they are not among the envelopes but each one is in
/// `Report::notices`, the unknown ones verbatim.
pub fn verify_bytes(bytes: &[u8]) -> Result<(Report, Vec<Envelope>), Damage> {
    verify_with_head(bytes, None)
}

/// Like `verify_bytes`, and also records which line, if any, has the hash `head`.
pub fn verify_with_head(
    bytes: &[u8],
    want_head: Option<&str>,
) -> Result<(Report, Vec<Envelope>), Damage> {
    let mut report = Report::default();
    let mut envelopes = Vec::new();
    let mut prev = GENESIS.to_string();
    let mut offset = 0usize;
    let mut line_no = 0u64;
    while offset < bytes.len() {
        line_no += 1;
        let rest = &bytes[offset..];
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            // No newline: the writer died mid-line. Everything before it stands.
            report.torn_tail = Some(TornTail {
                line: line_no,
                offset: offset as u64,
                bytes: rest.len() as u64,
            });
            break;
        };
        let line = &rest[..nl];
        let bad = |reason: String| Damage {
            line: line_no,
            reason,
        };
        let (stripped, hash) = split_hash(line)
            .ok_or_else(|| bad("not a session-log line (no trailing \"hash\" field)".into()))?;
        let head: Head = serde_json::from_slice(line)
            .map_err(|e| bad(format!("not a session-log line: {e}")))?;
        if head.v > LOG_VERSION {
            return Err(bad(format!(
                "log version {} is newer than this warroom reads ({LOG_VERSION}); verify it with \
                 a newer warroom",
                head.v
            )));
        }
        if head.v < schema::OLDEST {
            return Err(bad(format!("unknown log version {}", head.v)));
        }
        if head.prev != prev {
            return Err(bad(format!(
                "\"prev\" does not match the previous line's hash (a line before it was removed, \
                 inserted or reordered): expected {prev}, found {}",
                head.prev
            )));
        }
        let want_seq = report.last_seq.map_or(1, |s| s + 1);
        if head.seq != want_seq {
            return Err(bad(format!(
                "seq {} where {want_seq} was expected (a line was removed, inserted or reordered)",
                head.seq
            )));
        }
        match &report.session {
            None => report.session = Some(head.session.clone()),
            Some(s) if *s != head.session => {
                return Err(bad(format!(
                    "session id {} differs from the file's {s}",
                    head.session
                )));
            }
            Some(_) => {}
        }
        let computed = chain_hash(&prev, &stripped);
        if computed != hash {
            return Err(bad(format!(
                "hash mismatch (the line was edited): recorded {hash}, computed {computed}"
            )));
        }
        let kind = head.event.kind;
        let notice = |what| Notice {
            line: line_no,
            seq: head.seq,
            kind: kind.clone(),
            what,
        };
        let env = match schema::decode(line, head.v, &kind) {
            Decoded::Exact(env) => Some(env),
            Decoded::Lenient(env, parts) => {
                report.notices.push(notice(NoticeKind::LeftOut { parts }));
                Some(env)
            }
            Decoded::Unknown => {
                let raw = String::from_utf8_lossy(line).into_owned();
                report.notices.push(notice(NoticeKind::Unknown { raw }));
                None
            }
            Decoded::Unreadable(error) => {
                report
                    .notices
                    .push(notice(NoticeKind::Unreadable { error }));
                None
            }
        };
        let mut crashed = false;
        if let Some(env) = env {
            if let Some(reason) = crash_reason(&env.event) {
                report.crashes.push(Crash {
                    line: line_no,
                    seq: head.seq,
                    reason: reason.to_string(),
                });
                crashed = true;
            }
            envelopes.push(*env);
        }
        report.clean_close = kind == "SessionEnded" && !crashed;
        report.lines += 1;
        report.last_seq = Some(head.seq);
        if want_head == Some(hash) {
            report.head_found_at = Some(line_no);
        }
        prev = hash.to_string();
        report.final_hash = Some(prev.clone());
        offset += nl + 1;
    }
    Ok((report, envelopes))
}

/// The reason of a crash record: `SessionCrashed`, or the `SessionEnded` with a `panic: …`
/// reason that earlier versions wrote for a crash.
fn crash_reason(event: &Event) -> Option<&str> {
    match event {
        Event::SessionCrashed { reason } => Some(reason),
        Event::SessionEnded { reason } if reason.starts_with("panic: ") => Some(reason),
        _ => None,
    }
}
