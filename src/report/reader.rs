//! Reading a session log for a report: a stream of lines, each checked against the hash chain
//! as it is read (the same rules and words as `session::verify`), handed out one at a time so a
//! 24-hour log is never held in memory whole. Damage does not stop the read: the report names
//! the first bad line and still shows what the file holds after it, marked as unverified.

use std::io::BufRead;

use jiff::Timestamp;
use serde::Deserialize;

use crate::event::{Actor, Envelope, LOG_VERSION};
use crate::session::hash::{GENESIS, chain_hash, split_hash};
use crate::session::{Damage, TornTail};

/// One complete line of the file.
#[derive(Debug)]
pub struct Line {
    /// 1-based line number.
    pub number: u64,
    /// Whether the line is covered by an intact chain (false from the first bad line on).
    pub verified: bool,
    /// What the line holds.
    pub item: Item,
}

/// What a line holds.
#[derive(Debug)]
pub enum Item {
    /// An event this version knows.
    Envelope(Box<Envelope>),
    /// A well-formed line whose event type this version does not know (a newer writer's
    /// `Comms…` or `HeadSigned`): kept as JSON so the report can still show it.
    Unknown(Box<UnknownLine>),
    /// Not a session-log line at all (only possible after damage).
    Unreadable(String),
}

/// A line whose event type is not one of this version's.
#[derive(Debug, Clone)]
pub struct UnknownLine {
    /// `seq`.
    pub seq: u64,
    /// `at`, if it reads as a time.
    pub at: Option<Timestamp>,
    /// Who wrote it.
    pub actor: Actor,
    /// `event.type`.
    pub kind: String,
    /// The whole `event` object.
    pub event: serde_json::Value,
}

/// What the read found about the chain as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chain {
    /// Complete lines that verified.
    pub lines: u64,
    /// Session id of the first line.
    pub session: Option<String>,
    /// Hash of the last verified line (the head).
    pub final_hash: Option<String>,
    /// The first damage, if any: every line from it on is unverified.
    pub damage: Option<Damage>,
    /// Lines after the damage (read, not verified).
    pub unverified_lines: u64,
    /// Lines that are not session-log lines at all.
    pub unreadable_lines: u64,
    /// An unterminated final line (a crash mid-write).
    pub torn_tail: Option<TornTail>,
    /// The last line read is a `SessionEnded` marker.
    pub clean_close: bool,
}

/// The fields `session::verify` reads of every line.
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

/// What the report keeps of a line of an unknown type.
#[derive(Deserialize)]
struct Rest {
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    actor: Actor,
    #[serde(default)]
    event: serde_json::Value,
}

/// Reads every line of `input`, calling `each` for each complete line in order, and returns
/// what was found about the chain. Only reading errors are errors; damage is reported.
pub fn read<R: BufRead>(mut input: R, mut each: impl FnMut(Line)) -> std::io::Result<Chain> {
    let mut chain = Chain::default();
    let mut prev = GENESIS.to_string();
    let mut last_seq: Option<u64> = None;
    let mut offset = 0u64;
    let mut number = 0u64;
    let mut buf = Vec::with_capacity(4096);
    loop {
        buf.clear();
        let n = input.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        number += 1;
        if buf.last() != Some(&b'\n') {
            chain.torn_tail = Some(TornTail {
                line: number,
                offset,
                bytes: n as u64,
            });
            break;
        }
        offset += n as u64;
        let line = &buf[..n - 1];
        let (item, kind) = parse(line);
        if chain.damage.is_none() {
            let checked = check(line, &item, &prev, last_seq, chain.session.as_deref());
            accept(&mut chain, &mut prev, &mut last_seq, number, checked);
        }
        each(chain.line(number, item, kind.as_deref()));
    }
    Ok(chain)
}

/// What `read_file`'s workers make of a line: what it holds, its type, and its head with the
/// hash computed over it (with the line's own `prev`, which the in-order rules then hold to the
/// chain's head; a line whose `prev` differs fails there, before its hash matters).
struct Pre {
    item: Item,
    kind: Option<String>,
    head: Result<Hashed, String>,
}

/// A line's head and hashes, as `check` needs them.
struct Hashed {
    v: u32,
    seq: u64,
    session: String,
    prev: String,
    recorded: String,
    computed: String,
}

impl Pre {
    fn of(line: &[u8]) -> Self {
        let (item, kind) = parse(line);
        let head = hashed(line, &item);
        Self { item, kind, head }
    }
}

fn hashed(line: &[u8], item: &Item) -> Result<Hashed, String> {
    let (stripped, hash) = split_hash(line)
        .ok_or_else(|| "not a session-log line (no trailing \"hash\" field)".to_string())?;
    let (v, seq, session, prev) = head_of(line, item)?;
    let computed = chain_hash(&prev, &stripped);
    Ok(Hashed {
        v,
        seq,
        session,
        prev,
        recorded: hash.to_string(),
        computed,
    })
}

/// `read` for a file, on several threads (`session::pipeline`): the same lines, in the same
/// order, and the same `Chain`.
pub fn read_file(file: std::fs::File, mut each: impl FnMut(Line)) -> std::io::Result<Chain> {
    let mut chain = Chain::default();
    let mut prev = GENESIS.to_string();
    let mut last_seq: Option<u64> = None;
    let mut number = 0u64;
    let reader = crate::session::reader::LineReader::new(file);
    let done = crate::session::pipeline::run(reader, Pre::of, |_, _, _, pre| {
        number += 1;
        let Pre { item, kind, head } = pre;
        let checked = head.and_then(|h| {
            rules(&h, &prev, last_seq, chain.session.as_deref())?;
            Ok(h)
        });
        accept(&mut chain, &mut prev, &mut last_seq, number, checked);
        each(chain.line(number, item, kind.as_deref()));
    })?;
    if let Some((offset, bytes)) = done.torn {
        chain.torn_tail = Some(TornTail {
            line: number + 1,
            offset,
            bytes,
        });
    }
    Ok(chain)
}

impl Chain {
    /// Counts a line read (after its check) and hands it out.
    fn line(&mut self, number: u64, item: Item, kind: Option<&str>) -> Line {
        let verified = self.damage.is_none();
        if !verified {
            self.unverified_lines += 1;
        }
        match &item {
            Item::Unreadable(_) => self.unreadable_lines += 1,
            _ => self.clean_close = kind == Some("SessionEnded"),
        }
        Line {
            number,
            verified,
            item,
        }
    }
}

/// Moves the chain on past a line that checked, or records the first damage.
fn accept(
    chain: &mut Chain,
    prev: &mut String,
    last_seq: &mut Option<u64>,
    number: u64,
    checked: Result<Hashed, String>,
) {
    if chain.damage.is_some() {
        return;
    }
    match checked {
        Ok(h) => {
            chain.lines += 1;
            if chain.session.is_none() {
                chain.session = Some(h.session);
            }
            *last_seq = Some(h.seq);
            *prev = h.recorded;
            chain.final_hash = Some(prev.clone());
        }
        Err(reason) => {
            chain.damage = Some(Damage {
                line: number,
                reason,
            });
        }
    }
}

/// Parses a line as an envelope, else as a line of an unknown event type, else unreadable.
fn parse(line: &[u8]) -> (Item, Option<String>) {
    if let Ok(env) = crate::event::decode::envelope(line) {
        let kind = env.event.kind().to_string();
        return (Item::Envelope(Box::new(env)), Some(kind));
    }
    let head = match serde_json::from_slice::<Head>(line) {
        Ok(h) => h,
        Err(e) => {
            return (
                Item::Unreadable(format!("not a session-log line: {e}")),
                None,
            );
        }
    };
    let rest: Rest = serde_json::from_slice(line).unwrap_or(Rest {
        at: None,
        actor: Actor::default(),
        event: serde_json::Value::Null,
    });
    let unknown = UnknownLine {
        seq: head.seq,
        at: rest.at.and_then(|a| a.parse().ok()),
        actor: rest.actor,
        kind: head.event.kind.clone(),
        event: rest.event,
    };
    (Item::Unknown(Box::new(unknown)), Some(head.event.kind))
}

/// The chain checks of `session::verify`, in the same order and words.
fn check(
    line: &[u8],
    item: &Item,
    prev: &str,
    last_seq: Option<u64>,
    session: Option<&str>,
) -> Result<Hashed, String> {
    let (stripped, hash) = split_hash(line)
        .ok_or_else(|| "not a session-log line (no trailing \"hash\" field)".to_string())?;
    let (v, seq, sess, line_prev) = head_of(line, item)?;
    let h = Hashed {
        v,
        seq,
        session: sess,
        prev: line_prev,
        recorded: hash.to_string(),
        // Hashed with the chain's head, as `verify` does (equal to the line's own `prev`
        // whenever the rules below let it through).
        computed: chain_hash(prev, &stripped),
    };
    rules(&h, prev, last_seq, session)?;
    Ok(h)
}

/// A line's `v`, `seq`, `session` and `prev`.
fn head_of(line: &[u8], item: &Item) -> Result<(u32, u64, String, String), String> {
    match item {
        Item::Envelope(e) => Ok((e.v, e.seq, e.session.clone(), e.prev.clone())),
        // Unknown types carry the same head; read it once more (rare lines).
        Item::Unknown(_) => {
            let h: Head =
                serde_json::from_slice(line).map_err(|e| format!("not a session-log line: {e}"))?;
            Ok((h.v, h.seq, h.session, h.prev))
        }
        Item::Unreadable(reason) => Err(reason.clone()),
    }
}

/// The rules a line's head must meet after the one before it, in `verify`'s order and words.
fn rules(
    h: &Hashed,
    prev: &str,
    last_seq: Option<u64>,
    session: Option<&str>,
) -> Result<(), String> {
    let v = h.v;
    if v != LOG_VERSION {
        return Err(format!("unknown log version {v}"));
    }
    if h.prev != prev {
        return Err(format!(
            "\"prev\" does not match the previous line's hash (a line before it was removed, \
             inserted or reordered): expected {prev}, found {}",
            h.prev
        ));
    }
    let want_seq = last_seq.map_or(1, |s| s + 1);
    if h.seq != want_seq {
        return Err(format!(
            "seq {} where {want_seq} was expected (a line was removed, inserted or reordered)",
            h.seq
        ));
    }
    if let Some(s) = session
        && s != h.session
    {
        return Err(format!(
            "session id {} differs from the file's {s}",
            h.session
        ));
    }
    if h.computed != h.recorded {
        return Err(format!(
            "hash mismatch (the line was edited): recorded {}, computed {}",
            h.recorded, h.computed
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Actor, Event};
    use crate::session::{Durability, Writer, verify_bytes};

    fn log() -> (tempfile::TempDir, Vec<u8>) {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("s.jsonl");
        let actor = Actor {
            name: "lead".into(),
            role: "deployment-lead".into(),
            host: "h".into(),
        };
        let mut w = Writer::create(&path, &actor).expect("create");
        for i in 0..6 {
            let event = Event::MarkerAdded {
                note: format!("marker {i}"),
            };
            w.append(&actor, event, Durability::Group).expect("append");
        }
        w.append(
            &actor,
            Event::SessionEnded {
                reason: "quit".into(),
            },
            Durability::Sync,
        )
        .expect("append");
        let bytes = std::fs::read(&path).expect("read");
        (dir, bytes)
    }

    fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
        bytes
            .split_inclusive(|b| *b == b'\n')
            .map(<[u8]>::to_vec)
            .collect()
    }

    /// The streaming read finds the same first damage, head and close as `session::verify`.
    #[test]
    fn agrees_with_verify_on_every_kind_of_damage() {
        let (_dir, good) = log();
        let l = lines(&good);
        let edited = {
            let mut l = l.clone();
            l[2] = String::from_utf8(l[2].clone())
                .expect("utf8")
                .replace("marker 1", "marker X")
                .into_bytes();
            l.concat()
        };
        let deleted = [&l[..3], &l[4..]].concat().concat();
        let reordered = {
            let mut l = l.clone();
            l.swap(3, 4);
            l.concat()
        };
        let garbage = [&l[..2], &[b"not json\n".to_vec()], &l[2..]]
            .concat()
            .concat();
        let torn = [good.clone(), b"{\"v\":1,\"se".to_vec()].concat();
        let cases = [
            ("intact", good.clone()),
            ("edited", edited),
            ("deleted", deleted),
            ("reordered", reordered),
            ("garbage", garbage),
            ("torn", torn),
        ];
        let dir = tempfile::tempdir().expect("tmp");
        for (name, bytes) in cases {
            let mut seen = 0;
            let mut lines_read = Vec::new();
            let chain = read(&bytes[..], |l| {
                seen += 1;
                lines_read.push((l.number, l.verified, format!("{:?}", l.item)));
            })
            .expect("read");
            // The file read on several threads finds the same, line for line.
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).expect("write");
            let mut lines_of_file = Vec::new();
            let of_file = read_file(std::fs::File::open(&path).expect("open"), |l| {
                lines_of_file.push((l.number, l.verified, format!("{:?}", l.item)));
            })
            .expect("read the file");
            assert_eq!(of_file, chain, "{name}");
            assert_eq!(lines_of_file, lines_read, "{name}");
            match verify_bytes(&bytes) {
                Ok((report, envelopes)) => {
                    assert_eq!(chain.damage, None, "{name}");
                    assert_eq!(chain.lines, report.lines, "{name}");
                    assert_eq!(chain.final_hash, report.final_hash, "{name}");
                    assert_eq!(chain.clean_close, report.clean_close, "{name}");
                    assert_eq!(chain.torn_tail, report.torn_tail, "{name}");
                    assert_eq!(seen, envelopes.len(), "{name}");
                }
                Err(damage) => {
                    assert_eq!(chain.damage.as_ref(), Some(&damage), "{name}");
                    assert_eq!(chain.lines, damage.line - 1, "{name}");
                    // Everything after the damage is still handed out, unverified.
                    assert!(chain.unverified_lines > 0, "{name}");
                    assert!(seen >= 6, "{name}: {seen} lines");
                }
            }
        }
    }
}
