//! Verifying a session file: the hash chain, sequence, session id, torn tail and clean close.

use std::path::Path;

use serde::Deserialize;

use super::hash::{GENESIS, chain_hash, split_hash};
use crate::event::{Envelope, LOG_VERSION};

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
    /// An unterminated final line left by a crash mid-write, if any.
    pub torn_tail: Option<TornTail>,
    /// The line whose hash equals the head asked for (see `verify_with_head`).
    pub head_found_at: Option<u64>,
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
/// Lines whose event type this version does not know still verify (the chain covers bytes, not
/// meaning) but are left out of the returned envelopes.
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
        if head.v != LOG_VERSION {
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
        if let Ok(env) = serde_json::from_slice::<Envelope>(line) {
            envelopes.push(env);
        }
        report.clean_close = head.event.kind == "SessionEnded";
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
