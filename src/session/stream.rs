//! Checking a session log one line at a time, for readers that never hold the whole file:
//! replay (which streams a file once and keeps only line offsets) and follow (which checks
//! lines as they arrive). The rules are `verify.rs`'s, applied incrementally, and the report
//! they build is the one `verify_bytes` gives for the same bytes (a test holds them together).
//!
//! After the first damage the chain proves nothing more; `read_unverified` still reads what it
//! can of the later lines, so a reviewer sees them, marked as unverified.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::hash::{GENESIS, HASH_KEY};
use super::schema::{self, Decoded};
use super::verify::{Crash, Damage, Notice, NoticeKind, Report, TornTail};
use crate::event::{Envelope, Event, LOG_VERSION};

/// Line heads as the verifier reads them (the fields the chain rules need).
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

/// A line read for the chain: today's lines straight into an envelope, others into the head.
enum Parsed {
    Fast(Box<Envelope>),
    Slow(Head),
}

/// The work of checking a line that needs no other line: parsing it, hashing it (with the
/// `prev` it names), and decoding a line of another version or type. It is most of the cost
/// and can run on any thread; `Chain::accept` then applies the chain's rules in order.
pub struct Pre(Result<(usize, Parsed, [u8; 64], Option<Decoded>), String>);

impl std::fmt::Debug for Pre {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_ok() {
            "Pre(read)"
        } else {
            "Pre(unreadable)"
        })
    }
}

impl Pre {
    /// Parses and hashes one line.
    pub fn of(line: &[u8]) -> Self {
        let Some((value_at, _)) = hash_at(line) else {
            // `accept` says there is no hash; nothing else about the line matters then.
            return Self(Err(String::new()));
        };
        // Today's lines read straight into an envelope: one parse gives both the head the
        // chain needs and the event (the verifier's fast path, `schema::decode`, is the same).
        let parsed = match crate::event::decode::envelope(line) {
            Ok(env) if env.v == LOG_VERSION => Parsed::Fast(Box::new(env)),
            _ => match serde_json::from_slice::<Head>(line) {
                Ok(h) => Parsed::Slow(h),
                Err(e) => return Self(Err(e.to_string())),
            },
        };
        let (prev, decoded) = match &parsed {
            Parsed::Fast(env) => (env.prev.as_str(), None),
            Parsed::Slow(h) => (
                h.prev.as_str(),
                (schema::OLDEST..=LOG_VERSION)
                    .contains(&h.v)
                    .then(|| schema::decode(line, h.v, &h.event.kind)),
            ),
        };
        let computed = line_hash(prev, line, value_at);
        Self(Ok((value_at, parsed, computed, decoded)))
    }
}

/// What a line that verified holds.
#[derive(Debug)]
pub struct Checked {
    /// 1-based line number.
    pub line: u64,
    /// Its `seq`.
    pub seq: u64,
    /// Its event type, as written.
    pub kind: String,
    /// The event, if this version can read it.
    pub envelope: Option<Box<Envelope>>,
}

/// The chain rules, one line at a time, building the same `Report` as `verify_bytes`.
#[derive(Debug, Clone)]
pub struct Chain {
    prev: String,
    line_no: u64,
    first_hash: Option<String>,
    /// What has been verified so far.
    pub report: Report,
}

impl Default for Chain {
    fn default() -> Self {
        Self {
            prev: GENESIS.to_string(),
            line_no: 0,
            first_hash: None,
            report: Report::default(),
        }
    }
}

impl Chain {
    /// A chain before its first line.
    pub fn new() -> Self {
        Self::default()
    }

    /// Complete lines checked so far (the number of the next line is one more).
    pub fn lines(&self) -> u64 {
        self.line_no
    }

    /// The hash of the first line, once there is one.
    pub fn first_hash(&self) -> Option<&str> {
        self.first_hash.as_deref()
    }

    /// The current head: the hash of the last line that verified.
    pub fn head(&self) -> &str {
        &self.prev
    }

    /// Checks the next complete line (without its newline). On damage the chain is left as it
    /// was before the line, so the caller decides what to do with the rest.
    pub fn check(&mut self, line: &[u8]) -> Result<Checked, Damage> {
        self.accept(line, Pre::of(line))
    }

    /// Checks the next complete line given its `Pre::of` (done beforehand, perhaps on another
    /// thread): the same rules as `check`, in the same order, with the same messages.
    pub fn accept(&mut self, line: &[u8], pre: Pre) -> Result<Checked, Damage> {
        let line_no = self.line_no + 1;
        let bad = |reason: String| Damage {
            line: line_no,
            reason,
        };
        let no_hash = || bad("not a session-log line (no trailing \"hash\" field)".into());
        let (value_at, parsed, computed, decoded) = match pre.0 {
            Ok(p) => p,
            Err(e) if e.is_empty() => return Err(no_hash()),
            Err(e) => return Err(bad(format!("not a session-log line: {e}"))),
        };
        // `Pre::of` found the hash's 64 lowercase hex digits there.
        let hash = line
            .get(value_at..value_at + 64)
            .and_then(|h| std::str::from_utf8(h).ok())
            .ok_or_else(no_hash)?;
        let (v, seq, session, prev, kind): (u32, u64, &str, &str, &str) = match &parsed {
            Parsed::Fast(env) => (env.v, env.seq, &env.session, &env.prev, env.event.kind()),
            Parsed::Slow(h) => (h.v, h.seq, &h.session, &h.prev, &h.event.kind),
        };
        if v > LOG_VERSION {
            return Err(bad(format!(
                "log version {v} is newer than this warroom reads ({LOG_VERSION}); verify it with \
                 a newer warroom"
            )));
        }
        if v < schema::OLDEST {
            return Err(bad(format!("unknown log version {v}")));
        }
        if prev != self.prev {
            return Err(bad(format!(
                "\"prev\" does not match the previous line's hash (a line before it was removed, \
                 inserted or reordered): expected {}, found {prev}",
                self.prev
            )));
        }
        let want_seq = self.report.last_seq.map_or(1, |s| s + 1);
        if seq != want_seq {
            return Err(bad(format!(
                "seq {seq} where {want_seq} was expected (a line was removed, inserted or reordered)"
            )));
        }
        if let Some(s) = &self.report.session
            && s != session
        {
            return Err(bad(format!(
                "session id {session} differs from the file's {s}"
            )));
        }
        // `computed` was hashed with the line's own `prev`, which is the head here.
        if computed != hash.as_bytes() {
            return Err(bad(format!(
                "hash mismatch (the line was edited): recorded {hash}, computed {}",
                String::from_utf8_lossy(&computed)
            )));
        }
        // The line verified: from here on it counts.
        self.line_no = line_no;
        if self.report.session.is_none() {
            self.report.session = Some(session.to_string());
        }
        let kind = kind.to_string();
        let decoded = match parsed {
            Parsed::Fast(env) => Decoded::Exact(env),
            Parsed::Slow(_) => decoded.unwrap_or(Decoded::Unknown),
        };
        let notice = |what| Notice {
            line: line_no,
            seq,
            kind: kind.clone(),
            what,
        };
        let envelope = match decoded {
            Decoded::Exact(env) => Some(env),
            Decoded::Lenient(env, parts) => {
                self.report
                    .notices
                    .push(notice(NoticeKind::LeftOut { parts }));
                Some(env)
            }
            Decoded::Unknown => {
                let raw = String::from_utf8_lossy(line).into_owned();
                self.report
                    .notices
                    .push(notice(NoticeKind::Unknown { raw }));
                None
            }
            Decoded::Unreadable(error) => {
                self.report
                    .notices
                    .push(notice(NoticeKind::Unreadable { error }));
                None
            }
        };
        let mut crashed = false;
        if let Some(reason) = envelope.as_ref().and_then(|e| crash_reason(&e.event)) {
            self.report.crashes.push(Crash {
                line: line_no,
                seq,
                reason: reason.to_string(),
            });
            crashed = true;
        }
        self.report.clean_close = kind == "SessionEnded" && !crashed;
        self.report.lines += 1;
        self.report.last_seq = Some(seq);
        // The head moves on; its buffers are reused (this runs for every line of a day).
        self.prev.clear();
        self.prev.push_str(hash);
        match &mut self.report.final_hash {
            Some(h) => {
                h.clear();
                h.push_str(hash);
            }
            None => self.report.final_hash = Some(hash.to_string()),
        }
        if self.first_hash.is_none() {
            self.first_hash = Some(self.prev.clone());
        }
        Ok(Checked {
            line: line_no,
            seq,
            kind,
            envelope,
        })
    }

    /// Records a torn final line: `bytes` after the last newline, starting at `offset`.
    pub fn torn(&mut self, offset: u64, bytes: u64) {
        self.report.torn_tail = Some(TornTail {
            line: self.line_no + 1,
            offset,
            bytes,
        });
    }
}

/// Decodes a line that verified earlier, exactly as `Chain::check` did (a seek reads lines
/// again from the file and must get the same events the first pass applied).
pub fn decode_verified(line: &[u8]) -> Decoded {
    match serde_json::from_slice::<Envelope>(line) {
        Ok(env) if env.v == LOG_VERSION => Decoded::Exact(Box::new(env)),
        _ => match serde_json::from_slice::<Head>(line) {
            Ok(h) => schema::decode(line, h.v, &h.event.kind),
            Err(e) => Decoded::Unreadable(format!("not a session-log line: {e}")),
        },
    }
}

/// What can be read of a line without the chain's word for it (after damage).
#[derive(Debug)]
pub enum Unverified {
    /// An event this version reads.
    Envelope(Box<Envelope>),
    /// A session-log line of a type this version does not know (or cannot read).
    Unknown {
        /// Its `seq`, if it has one.
        seq: Option<u64>,
        /// Its event type, as written.
        kind: String,
    },
    /// Not a session-log line at all.
    Garbage,
}

/// Reads a line as well as it can, checking nothing: for the lines after the chain broke.
pub fn read_unverified(line: &[u8]) -> Unverified {
    if let Ok(env) = serde_json::from_slice::<Envelope>(line) {
        return Unverified::Envelope(Box::new(env));
    }
    let Ok(h) = serde_json::from_slice::<Head>(line) else {
        return Unverified::Garbage;
    };
    match schema::decode(line, h.v.clamp(schema::OLDEST, LOG_VERSION), &h.event.kind) {
        Decoded::Exact(env) | Decoded::Lenient(env, _) => Unverified::Envelope(env),
        Decoded::Unknown | Decoded::Unreadable(_) => Unverified::Unknown {
            seq: Some(h.seq),
            kind: h.event.kind,
        },
    }
}

/// Where the 64 hash characters start, and the recorded hash, if the line ends with a
/// well-formed `"hash":"<64 lowercase hex>"}` (the rule of `hash::split_hash`).
fn hash_at(line: &[u8]) -> Option<(usize, &str)> {
    let tail = 64 + 2;
    if line.len() < tail + HASH_KEY.len() || !line.ends_with(b"\"}") {
        return None;
    }
    let value_at = line.len() - tail;
    if &line[value_at - HASH_KEY.len()..value_at] != HASH_KEY.as_bytes() {
        return None;
    }
    let value = std::str::from_utf8(&line[value_at..value_at + 64]).ok()?;
    value
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        .then_some((value_at, value))
}

/// `hash::chain_hash(prev, line with its hash value removed)`, without copying the line, as
/// 64 lowercase hex digits.
fn line_hash(prev: &str, line: &[u8], value_at: usize) -> [u8; 64] {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(&line[..value_at]);
    h.update(b"\"}");
    let mut out = [0u8; 64];
    // 32 bytes always fit 64 hex digits.
    let _ = hex::encode_to_slice(h.finalize(), &mut out);
    out
}

/// The reason of a crash record (as `verify.rs` counts them).
fn crash_reason(event: &Event) -> Option<&str> {
    match event {
        Event::SessionCrashed { reason } => Some(reason),
        Event::SessionEnded { reason } if reason.starts_with("panic: ") => Some(reason),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
