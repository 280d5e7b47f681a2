//! Follow: a live, read-only view of a session another war room is writing. Bytes arrive from
//! a file being appended to or from stdin (`tail -c +1 -f … | warroom follow -`, perhaps over
//! ssh); each line is checked against the chain as it completes and applied through the same
//! reducer, every effect dropped (`replay::apply`), so following can never touch production.
//!
//! The writer may restart. A resumed war room first cuts off a torn final line (the file
//! shrinks by those bytes) and then appends; `tail -f` reacts to a file that shrank by sending
//! the whole file again. Both are recognised: cut bytes are dropped from the unfinished line,
//! and a stream that starts over with this session's first line is read silently until it
//! reaches the line last shown, which must be the same line (same hash), before anything new
//! is applied. Anything else that does not verify is damage: shown at once, and the lines
//! after it are applied marked unverified.

pub mod tail;

use std::time::{Duration, Instant};

use crate::runtime::replay::apply;
use crate::session::reader::{Assembled, Assembler, LINE_LIMIT};
use crate::session::stream::Chain;
use crate::session::{Damage, Report};
use crate::state::State;
use crate::ui::replay_bar::{ChainState, Writer};

/// No line for this long and the writer is said to be quiet (a live war room writes samples
/// and probes every few seconds).
pub const QUIET: Duration = Duration::from_secs(10);

/// What arrives from the followed file or stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// More bytes, in order.
    Bytes(Vec<u8>),
    /// The file shrank by this many bytes, all of them in the unfinished last line (a resumed
    /// writer moved its torn line aside).
    Cut(u64),
    /// The file was cut below what was read, or replaced: it is read again from the start.
    Rewound,
    /// Who holds the file's lock now (its pid), as far as can be told.
    Holder(Option<u32>),
    /// The input ended (stdin closed).
    End,
    /// The input cannot be read any more.
    Failed(String),
}

/// What one input did, for the headless printer and the screen's messages.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Arrived {
    /// Lines applied (or shown), exactly as they arrived.
    pub lines: Vec<Vec<u8>>,
    /// Things to say: damage, a resume, a torn end.
    pub notes: Vec<String>,
}

/// The stream re-read from its start until it reaches the line last shown.
#[derive(Debug)]
struct Resync {
    chain: Chain,
    seq: u64,
    hash: String,
}

/// The followed session.
#[derive(Debug)]
pub struct Follow {
    chain: Chain,
    assembler: Assembler,
    state: State,
    damage: Option<Damage>,
    unverified: u64,
    resync: Option<Resync>,
    lines: u64,
    last_line: Option<Instant>,
    holder: Option<Option<u32>>,
    ended_input: bool,
    note: Option<String>,
    /// Bytes taken from the input (since the last rewind).
    consumed: u64,
    opener: Option<crate::event::Actor>,
}

impl Default for Follow {
    fn default() -> Self {
        Self {
            chain: Chain::new(),
            assembler: Assembler::new(LINE_LIMIT),
            state: State::default(),
            damage: None,
            unverified: 0,
            resync: None,
            lines: 0,
            last_line: None,
            holder: None,
            ended_input: false,
            note: None,
            consumed: 0,
            opener: None,
        }
    }
}

impl Follow {
    /// A follow before its first byte.
    pub fn new() -> Self {
        Self::default()
    }

    /// The state so far.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Lines read (complete ones, including any after damage).
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// What verified so far.
    pub fn report(&self) -> &Report {
        &self.chain.report
    }

    /// The first damage, if any.
    pub fn damage(&self) -> Option<&Damage> {
        self.damage.as_ref()
    }

    /// Takes one input at wall time `now`.
    pub fn input(&mut self, input: Input, now: Instant) -> Arrived {
        let mut out = Arrived::default();
        match input {
            Input::Bytes(b) => {
                self.consumed += b.len() as u64;
                for piece in self.assembler.push(&b) {
                    match piece {
                        Assembled::Line(l) => self.line(l, now, &mut out),
                        Assembled::TooLong(n) => {
                            let msg = format!(
                                "line {}: {n} bytes without a newline; not a session-log line, \
                                 left out",
                                self.lines + 1
                            );
                            self.lines += 1;
                            self.break_chain(self.lines, msg.clone());
                            out.notes.push(msg);
                        }
                    }
                }
            }
            Input::Cut(n) => {
                let dropped = self.assembler.cut(n);
                self.consumed = self.consumed.saturating_sub(dropped);
                let msg = format!(
                    "the writer cut off {} of an unfinished last line (a resume moves a torn \
                     line aside)",
                    bytes(dropped)
                );
                out.notes.push(msg.clone());
                self.note = Some(msg);
            }
            Input::Rewound => {
                let dropped = self.assembler.drop_pending();
                self.consumed = 0;
                if self.chain.lines() > 0 && self.resync.is_none() {
                    self.resync = Some(Resync {
                        chain: Chain::new(),
                        seq: self.chain.report.last_seq.unwrap_or(0),
                        hash: self.chain.head().to_string(),
                    });
                }
                out.notes.push(format!(
                    "the file was cut short or replaced; reading it again from the start{}",
                    if dropped > 0 {
                        format!(" ({} of an unfinished line dropped)", bytes(dropped))
                    } else {
                        String::new()
                    }
                ));
            }
            Input::Holder(pid) => self.holder = Some(pid),
            Input::End => {
                self.ended_input = true;
                let pending = self.assembler.pending();
                if pending > 0 {
                    self.chain.torn(self.consumed - pending, pending);
                    out.notes.push(format!(
                        "warning: the input ended inside line {} ({}: a torn final line); every \
                         line before it stands",
                        self.lines + 1,
                        bytes(pending)
                    ));
                }
                out.notes.push("the input ended".to_string());
            }
            Input::Failed(e) => out.notes.push(format!("cannot read any more: {e}")),
        }
        out
    }

    fn line(&mut self, line: Vec<u8>, now: Instant, out: &mut Arrived) {
        self.last_line = Some(now);
        if let Some(rs) = self.resync.as_mut() {
            match rs.chain.check(&line) {
                Ok(c) if c.seq < rs.seq => return,
                Ok(c) if rs.chain.head() == rs.hash => {
                    self.resync = None;
                    let msg = format!(
                        "the stream started over (the writer resumed); lines 1 to {} match what \
                         was shown",
                        c.seq
                    );
                    out.notes.push(msg.clone());
                    self.note = Some(msg);
                    return;
                }
                other => {
                    let why = match other {
                        Err(d) => d.reason,
                        Ok(c) => format!(
                            "line {} differs from the line {} shown before (the file was \
                             rewritten)",
                            c.line, c.seq
                        ),
                    };
                    self.resync = None;
                    let at = self.lines + 1;
                    let msg = format!("after the stream started over: {why}");
                    self.break_chain(at, msg.clone());
                    out.notes.push(format!("damage: line {at}: {msg}"));
                    self.apply_unverified(&line, out);
                    return;
                }
            }
        }
        if self.damage.is_some() {
            self.apply_unverified(&line, out);
            return;
        }
        match self.chain.check(&line) {
            Ok(c) => {
                self.lines += 1;
                let placed =
                    apply::verified(&mut self.state, self.lines, &line, c.envelope.as_deref());
                if placed.opener.is_some() {
                    self.opener = placed.opener;
                }
                out.lines.push(line);
            }
            Err(d) => {
                if let Some((rs, dropped)) = self.started_over(&line) {
                    // Read up to the line last shown, unless that was the first line itself.
                    self.resync = (rs.seq > 1).then_some(rs);
                    let msg = if dropped > 0 {
                        format!(
                            "the stream started over (the writer resumed) after {} of a torn \
                             line, dropped",
                            bytes(dropped as u64)
                        )
                    } else {
                        "the stream started over (the writer resumed)".to_string()
                    };
                    out.notes.push(msg.clone());
                    self.note = Some(msg);
                    return;
                }
                out.notes.push(format!(
                    "damage: line {}: {}; the lines after it are shown unverified",
                    d.line, d.reason
                ));
                self.damage = Some(d);
                self.apply_unverified(&line, out);
            }
        }
    }

    /// A line that does not verify but ends with this session's first line: the stream
    /// started over (after the bytes before it, which were a torn line). Returns the resync
    /// that has read it, and how many bytes came before it.
    fn started_over(&self, line: &[u8]) -> Option<(Resync, usize)> {
        let first = self.chain.first_hash()?;
        const START: &[u8] = b"{\"v\":";
        let mut starts: Vec<usize> = line
            .windows(START.len())
            .enumerate()
            .filter(|(_, w)| *w == START)
            .map(|(i, _)| i)
            .collect();
        starts.reverse();
        starts.into_iter().find_map(|p| {
            let mut chain = Chain::new();
            let c = chain.check(&line[p..]).ok()?;
            (c.seq == 1 && chain.head() == first).then(|| {
                (
                    Resync {
                        chain,
                        seq: self.chain.report.last_seq.unwrap_or(0),
                        hash: self.chain.head().to_string(),
                    },
                    p,
                )
            })
        })
    }

    fn apply_unverified(&mut self, line: &[u8], out: &mut Arrived) {
        self.lines += 1;
        self.unverified += 1;
        apply::unverified(&mut self.state, self.lines, line);
        out.lines.push(line.to_vec());
    }

    fn break_chain(&mut self, line: u64, reason: String) {
        if self.damage.is_none() {
            self.damage = Some(Damage { line, reason });
        }
    }

    /// The chain as the bar shows it.
    pub fn chain_state(&self) -> ChainState<'_> {
        let r = &self.chain.report;
        ChainState {
            verified: r.lines,
            damage: self.damage.as_ref().map(|d| (d.line, d.reason.as_str())),
            unverified: self.unverified,
            torn: r.torn_tail.as_ref().map(|t| (t.line, t.bytes)),
            unknown: r
                .notices
                .iter()
                .filter(|n| matches!(n.what, crate::session::NoticeKind::Unknown { .. }))
                .count(),
            clean_close: r.clean_close,
            note: self.note.as_deref(),
        }
    }

    /// How the writer is doing at wall time `now`.
    pub fn writer(&self, now: Instant) -> Writer<'_> {
        if let Some(reason) = self.state.ended.as_deref() {
            return match reason.strip_prefix("crashed: ") {
                Some(why) => Writer::Crashed(why),
                None => Writer::Ended(reason),
            };
        }
        let Some(last) = self.last_line else {
            return Writer::Waiting;
        };
        // A file nobody holds, that never said it closed: its writer was killed.
        if self.holder == Some(None) {
            return Writer::Gone;
        }
        let ago = now.saturating_duration_since(last);
        let d = jiff::SignedDuration::try_from(ago).unwrap_or(jiff::SignedDuration::MAX);
        if ago >= QUIET {
            Writer::Quiet(d)
        } else {
            Writer::Active(d)
        }
    }

    /// Who opened the session most recently (the header shows the lead as they were seen).
    pub fn operator(&self) -> Option<&crate::event::Actor> {
        self.opener.as_ref()
    }

    /// Whether stdin (or the file's reader) has ended.
    pub fn input_ended(&self) -> bool {
        self.ended_input
    }
}

fn bytes(n: u64) -> String {
    if n == 1 {
        "1 byte".to_string()
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests;
