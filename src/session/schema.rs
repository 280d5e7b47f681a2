//! Reading lines across format versions and schema changes, so a file written today still
//! opens in a year: a line's `v` selects the upgrades that bring it to today's shape, parts the
//! user-facing schemas (config, runbook) no longer know are left out by name, and a line that
//! still cannot be read, or whose type is newer than this version, is reported, never skipped.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::warroom::WarroomConfig;
use crate::event::{Envelope, LOG_VERSION};
use crate::runbook::Runbook;

/// The oldest log version this reader still reads.
pub const OLDEST: u32 = 1;

/// One upgrade step: rewrites a line of version `n` into the shape of version `n + 1`.
pub type Upgrade = fn(&mut Value) -> Result<(), String>;

/// `UPGRADES[i]` turns a line of version `OLDEST + i` into version `OLDEST + i + 1`. It is
/// empty while 1 is the only version: a format change adds its step here and bumps
/// `LOG_VERSION`, and every line already written keeps opening.
pub const UPGRADES: &[Upgrade] = &[];

/// Every event type this version knows: the wire names of `Event` (held to the enum by a test).
pub const KNOWN_TYPES: &[&str] = crate::event::Event::KINDS;

/// Whether this version knows the event type.
pub fn is_known(kind: &str) -> bool {
    KNOWN_TYPES.contains(&kind)
}

/// What became of one line.
#[derive(Debug)]
pub enum Decoded {
    /// Read as written.
    Exact(Box<Envelope>),
    /// Read once the parts named were left out (keys or values today's schema lacks).
    Lenient(Box<Envelope>, Vec<String>),
    /// An event type this version does not know (a newer version wrote it).
    Unknown,
    /// A known type that cannot be read, and why.
    Unreadable(String),
}

/// Decodes one verified line of log version `v` whose event type is `kind`.
pub fn decode(line: &[u8], v: u32, kind: &str) -> Decoded {
    // The fast path: today's lines, read straight from the bytes.
    if v == LOG_VERSION
        && let Ok(env) = crate::event::decode::envelope(line)
    {
        return Decoded::Exact(Box::new(env));
    }
    if !is_known(kind) {
        return Decoded::Unknown;
    }
    let mut value: Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => return Decoded::Unreadable(e.to_string()),
    };
    if let Err(e) = upgrade(v, &mut value) {
        return Decoded::Unreadable(e);
    }
    lenient(value, kind)
}

/// Brings a line of version `v` to `LOG_VERSION`, one step at a time.
pub fn upgrade(v: u32, line: &mut Value) -> Result<(), String> {
    if !(OLDEST..=LOG_VERSION).contains(&v) {
        return Err(format!(
            "log version {v} is not one this warroom reads ({OLDEST} to {LOG_VERSION})"
        ));
    }
    let first = usize::try_from(v - OLDEST).unwrap_or(usize::MAX);
    for (i, step) in UPGRADES.iter().enumerate().skip(first) {
        let from = u64::from(OLDEST) + i as u64;
        step(line).map_err(|e| format!("upgrading from log version {from}: {e}"))?;
        line["v"] = Value::from(from + 1);
    }
    Ok(())
}

/// A part of an event read against a user-facing schema that refuses unknown keys: what that
/// schema no longer knows is left out by name instead of making the whole line unreadable.
struct Part {
    kind: &'static str,
    field: &'static str,
    /// Whether the event stands without it (then a part that cannot be read at all is left
    /// out whole; otherwise the line is unreadable).
    optional: bool,
    check: fn(&Value) -> Result<(), Stumble>,
}

/// Where a part failed to read, and why.
struct Stumble {
    path: Vec<Seg>,
    shown: String,
    message: String,
}

const PARTS: &[Part] = &[
    Part {
        kind: "SessionStarted",
        field: "config",
        optional: true,
        check: check::<WarroomConfig>,
    },
    Part {
        kind: "SessionStarted",
        field: "runbook",
        optional: false,
        check: check::<Runbook>,
    },
];

/// Tries the part as `T`; on failure, the path inside it and the error.
fn check<T: DeserializeOwned>(v: &Value) -> Result<(), Stumble> {
    serde_path_to_error::deserialize::<_, T>(v)
        .map(drop)
        .map_err(|e| {
            use serde_path_to_error::Segment;
            let path = e
                .path()
                .iter()
                .map(|s| match s {
                    Segment::Seq { index } => Seg::Index(*index),
                    Segment::Map { key } => Seg::Key(key.clone()),
                    Segment::Enum { variant } => Seg::Key(variant.clone()),
                    Segment::Unknown => Seg::Lost,
                })
                .collect();
            Stumble {
                path,
                shown: e.path().to_string(),
                message: e.inner().to_string(),
            }
        })
}

/// Each round leaves out one thing; a recorded config has far fewer keys than this.
const MAX_ROUNDS: usize = 256;

fn lenient(mut value: Value, kind: &str) -> Decoded {
    let mut left_out = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let err = match Envelope::deserialize(&value) {
            Ok(env) if left_out.is_empty() => return Decoded::Exact(Box::new(env)),
            Ok(env) => return Decoded::Lenient(Box::new(env), left_out),
            Err(e) => e.to_string(),
        };
        match leave_out_one(kind, &mut value) {
            Some(note) => left_out.push(note),
            None => return Decoded::Unreadable(err),
        }
    }
    Decoded::Unreadable(format!("more than {MAX_ROUNDS} parts cannot be read"))
}

/// Finds the first part that does not read and leaves out the key or value it stumbles on.
fn leave_out_one(kind: &str, value: &mut Value) -> Option<String> {
    let event = value.get_mut("event")?.as_object_mut()?;
    for part in PARTS.iter().filter(|p| p.kind == kind) {
        let Some(v) = event.get_mut(part.field) else {
            continue;
        };
        if v.is_null() {
            continue;
        }
        let Err(Stumble {
            path,
            shown,
            message,
        }) = (part.check)(v)
        else {
            continue;
        };
        // A key or enum value the schema lost since the line was written.
        let drift = message.starts_with("unknown field") || message.starts_with("unknown variant");
        if drift && remove_at(v, &path) {
            return Some(format!("{}.{shown}: {message}; left out", part.field));
        }
        if part.optional {
            event.remove(part.field);
            return Some(format!(
                "{}: cannot be read ({shown}: {message}); left out whole",
                part.field
            ));
        }
        return None;
    }
    None
}

/// Removes what a path points at (the key of an object, or an element of an array).
fn remove_at(root: &mut Value, path: &[Seg]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut at = root;
    for s in parents {
        let next = match s {
            Seg::Key(k) => at.get_mut(k.as_str()),
            Seg::Index(i) => at.get_mut(*i),
            Seg::Lost => None,
        };
        match next {
            Some(n) => at = n,
            None => return false,
        }
    }
    match (last, at) {
        (Seg::Key(k), Value::Object(o)) => o.remove(k.as_str()).is_some(),
        (Seg::Index(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
            true
        }
        _ => false,
    }
}

/// One step of a path into a JSON value.
enum Seg {
    Key(String),
    Index(usize),
    /// A step `serde_path_to_error` could not name: nothing past it can be removed.
    Lost,
}

#[cfg(test)]
mod tests;
