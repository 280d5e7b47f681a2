//! Replay: a recorded session rebuilt line by line through the same reducer live mode uses,
//! driven by a replay clock instead of sources. No source, executor or writer exists here, and
//! every effect is dropped (`apply`), so a replay can never touch production.
//!
//! Opening reads the file once: it verifies the chain as it goes (a broken chain is reported,
//! and what follows the damage is still read, marked unverified), keeps only where each line
//! starts (`index`), and every few thousand lines keeps a snapshot of the state (`snapshot`).
//! A seek restores the nearest snapshot before its target and re-reads the lines after it
//! from the file, so it never replays from the start, and lands on exactly the state playing
//! from the start gives.

pub mod apply;
pub mod clock;
pub mod goto;
pub mod index;
mod snapshot;

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

pub use clock::{ReplayClock, Speed};
pub use index::{Class, Index, Moment};
pub use snapshot::Snapshots;

use crate::event::Actor;
use crate::session::reader::{LineReader, read_range};

use crate::session::pipeline;
use crate::session::stream::{Chain, Pre};
use crate::session::{Damage, Report};
use crate::state::State;

/// A snapshot is kept after this many lines…
pub const SNAPSHOT_LINES: usize = 8192;
/// …or this many bytes of the file, whichever comes first, so a seek re-reads at most this
/// much.
pub const SNAPSHOT_BYTES: u64 = 4 << 20;

/// `←`/`→` move this far.
pub const NUDGE: SignedDuration = SignedDuration::from_secs(10);

/// Why a replay cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Reading the file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file holds no complete line.
    #[error("{}: holds no complete session-log line", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file was replaced or cut short since it was opened.
    #[error("{}: {what} since the replay opened it; open it again", path.display())]
    Changed {
        /// The file.
        path: PathBuf,
        /// What changed.
        what: &'static str,
    },
}

/// What opening found about the file's integrity.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    /// What verified, as `warroom verify` reports it (up to the damage, if any).
    pub report: Report,
    /// The first damage, if the chain is broken.
    pub damage: Option<Damage>,
    /// Lines after the damage, read without the chain's word for them.
    pub unverified: u64,
}

/// How long opening took and what it keeps.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenStats {
    /// Wall time to read, verify, index and snapshot the file.
    pub elapsed: Duration,
    /// Bytes read.
    pub bytes: u64,
    /// Snapshots kept.
    pub snapshots: usize,
    /// Signal points the snapshots keep (each point of the history about once).
    pub arena_points: usize,
    /// Bytes the line index holds.
    pub index_bytes: usize,
}

/// A session being replayed.
#[derive(Debug)]
pub struct Replay {
    path: PathBuf,
    file: File,
    ino: u64,
    index: Index,
    snaps: Snapshots,
    verification: Verification,
    openers: Vec<(usize, Actor)>,
    marks: Vec<(Timestamp, Moment)>,
    state: State,
    applied: usize,
    /// Position, play state and speed.
    pub clock: ReplayClock,
    stats: OpenStats,
}

impl Replay {
    /// Opens, verifies and indexes the file, positioned at its first line, paused.
    pub fn open(path: &Path) -> Result<Self, ReplayError> {
        Self::open_every(path, SNAPSHOT_LINES, SNAPSHOT_BYTES)
    }

    /// Like `open`, keeping a snapshot every `lines` lines or `bytes` bytes (tests use small
    /// numbers to exercise many snapshots in a small file).
    pub fn open_every(path: &Path, lines: usize, bytes: u64) -> Result<Self, ReplayError> {
        let started = Instant::now();
        let io = |source| ReplayError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let ino = file.metadata().map_err(io)?.ino();
        let reader = LineReader::new(file.try_clone().map_err(io)?);
        let mut verification = Verification::default();
        let mut index = Index::default();
        let mut snaps = Snapshots::default();
        let mut openers = Vec::new();
        let mut state = State::default();
        snaps.take(0, &mut state);
        let (mut since_lines, mut since_bytes) = (0usize, 0u64);
        let mut line_no = 0u64;
        let mut chain = Chain::new();
        // One thread reads, a few parse and hash (most of the work, and it needs no other
        // line), and this one applies the chain's rules and the reducer in order.
        let read_bytes = pipeline::run(reader, Pre::of, |line, offset, next, pre| {
            line_no += 1;
            let placed = if verification.damage.is_none() {
                match chain.accept(line, pre) {
                    Ok(c) => apply::verified(&mut state, line_no, line, c.envelope.as_deref()),
                    Err(d) => {
                        verification.damage = Some(d);
                        verification.unverified += 1;
                        apply::unverified(&mut state, line_no, line)
                    }
                }
            } else {
                verification.unverified += 1;
                apply::unverified(&mut state, line_no, line)
            };
            index.push(offset, next, placed.at, placed.class);
            if let Some(actor) = placed.opener {
                openers.push((index.len() - 1, actor));
            }
            since_lines += 1;
            since_bytes += next - offset;
            if since_lines >= lines || since_bytes >= bytes {
                snaps.take(index.len(), &mut state);
                (since_lines, since_bytes) = (0, 0);
            }
        })
        .map_err(io)?;
        if let Some((offset, len)) = read_bytes.torn {
            chain.torn(offset, len);
        }
        if index.is_empty() {
            return Err(ReplayError::Empty {
                path: path.to_path_buf(),
            });
        }
        // The end is where a reviewer often goes first: keep it too.
        if since_lines > 0 {
            snaps.take(index.len(), &mut state);
        }
        drop(state);
        verification.report = chain.report;
        let marks = index.moments().collect();
        let stats = OpenStats {
            elapsed: started.elapsed(),
            bytes: read_bytes.bytes,
            snapshots: snaps.len(),
            arena_points: snaps.arena_points(),
            index_bytes: index.heap_bytes(),
        };
        let start = index.at(0);
        let mut replay = Self {
            path: path.to_path_buf(),
            file,
            ino,
            index,
            snaps,
            verification,
            openers,
            marks,
            state: State::default(),
            applied: 0,
            clock: ReplayClock::new(start, Speed::Times(1), false),
            stats,
        };
        replay.go_to(1)?;
        Ok(replay)
    }

    /// The state at the current position.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The replay clock's position: the screen's "now".
    pub fn now(&self) -> Timestamp {
        self.clock.position
    }

    /// Lines applied so far.
    pub fn applied(&self) -> usize {
        self.applied
    }

    /// Lines in the file (complete ones).
    pub fn lines(&self) -> usize {
        self.index.len()
    }

    /// When the session starts and ends on the replay clock.
    pub fn span(&self) -> (Timestamp, Timestamp) {
        (self.index.at(0), self.index.at(self.index.len() - 1))
    }

    /// What opening found about the chain.
    pub fn verification(&self) -> &Verification {
        &self.verification
    }

    /// Every moment with its time, for the timeline.
    pub fn marks(&self) -> &[(Timestamp, Moment)] {
        &self.marks
    }

    /// How opening went.
    pub fn stats(&self) -> OpenStats {
        self.stats
    }

    /// The file replayed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Who opened the session most recently before the position (shown in the header as it
    /// was seen), if anyone did.
    pub fn operator(&self) -> Option<&Actor> {
        let k = self.openers.partition_point(|(i, _)| *i < self.applied);
        k.checked_sub(1).map(|k| &self.openers[k].1)
    }

    /// The class of the last applied line (what the position is on).
    pub fn current(&self) -> Option<Class> {
        self.applied.checked_sub(1).map(|i| self.index.class(i))
    }

    /// Goes to the state after `n` lines (at least 1, at most all), from the nearest
    /// snapshot or from here, whichever is closer; the clock is not moved.
    pub fn go_to(&mut self, n: usize) -> Result<(), ReplayError> {
        let n = n.clamp(1, self.index.len());
        if n == self.applied {
            return Ok(());
        }
        let snap = self.snaps.nearest(n).unwrap_or(0);
        if !(self.applied <= n && self.applied >= snap) {
            if let Some((k, state)) = self.snaps.restore(n) {
                self.state = state;
                self.applied = k;
            } else {
                self.state = State::default();
                self.applied = 0;
            }
        }
        self.forward(n)
    }

    /// Applies lines `applied..n`, read again from the file.
    fn forward(&mut self, n: usize) -> Result<(), ReplayError> {
        if n <= self.applied {
            return Ok(());
        }
        self.check_file()?;
        let (from, to) = self.index.bytes(self.applied, n);
        let bytes = read_range(&self.file, from, to).map_err(|source| ReplayError::Io {
            path: self.path.clone(),
            source,
        })?;
        let mut i = self.applied;
        for line in bytes.split(|&b| b == b'\n').take(n - self.applied) {
            let verified = self.index.class(i).verified();
            apply::again(&mut self.state, (i + 1) as u64, line, verified);
            i += 1;
        }
        self.applied = i;
        Ok(())
    }

    /// A file cut short or replaced cannot be read where the index says.
    fn check_file(&self) -> Result<(), ReplayError> {
        let changed = |what| ReplayError::Changed {
            path: self.path.clone(),
            what,
        };
        let meta = std::fs::metadata(&self.path).map_err(|source| ReplayError::Io {
            path: self.path.clone(),
            source,
        })?;
        if meta.ino() != self.ino {
            return Err(changed("the file was replaced"));
        }
        if meta.len() < self.index.end() {
            return Err(changed("the file was cut short"));
        }
        Ok(())
    }

    /// Moves to `t` (clamped to the session): the lines written by then applied.
    pub fn seek_time(&mut self, t: Timestamp) -> Result<(), ReplayError> {
        let (start, end) = self.span();
        let t = t.clamp(start, end);
        self.go_to(self.index.count_until(t))?;
        self.clock.position = t;
        Ok(())
    }

    /// `←`/`→`: ten seconds back or forward.
    pub fn nudge(&mut self, forward: bool) -> Result<(), ReplayError> {
        let d = if forward { NUDGE } else { -NUDGE };
        let t = self
            .clock
            .position
            .checked_add(d)
            .unwrap_or(self.clock.position);
        self.seek_time(t)
    }

    /// `shift-←`/`shift-→`: a tenth of the session back or forward.
    pub fn leap(&mut self, forward: bool) -> Result<(), ReplayError> {
        let (start, end) = self.span();
        let tenth = end.duration_since(start) / 10;
        let d = if forward { tenth } else { -tenth };
        let t = self
            .clock
            .position
            .checked_add(d)
            .unwrap_or(self.clock.position);
        self.seek_time(t)
    }

    /// `0`–`9`: to 0–90 % of the session.
    pub fn jump_to_tenth(&mut self, tenth: u32) -> Result<(), ReplayError> {
        let (start, end) = self.span();
        let d = end.duration_since(start) * i32::try_from(tenth.min(9)).unwrap_or(0) / 10;
        self.seek_time(start.checked_add(d).unwrap_or(start))
    }

    /// `,`/`.`: one line back or forward (pauses, so the line stays on screen). False when
    /// there is none that way.
    pub fn step(&mut self, forward: bool) -> Result<bool, ReplayError> {
        self.clock.playing = false;
        let n = if forward {
            self.applied + 1
        } else {
            self.applied.saturating_sub(1)
        };
        if n < 1 || n > self.index.len() {
            return Ok(false);
        }
        self.go_to(n)?;
        self.clock.position = self.index.at(n - 1);
        Ok(true)
    }

    /// `[`/`]`: to the previous or next decision, approval, shift, rollback, alert or marker
    /// (pauses there). Returns what it landed on, or `None` when there is none that way.
    pub fn moment(&mut self, forward: bool) -> Result<Option<Moment>, ReplayError> {
        let found = if forward {
            self.index.next_moment(self.applied)
        } else {
            self.index.prev_moment(self.applied.saturating_sub(1))
        };
        let Some(i) = found else {
            return Ok(None);
        };
        self.clock.playing = false;
        self.go_to(i + 1)?;
        self.clock.position = self.index.at(i);
        Ok(self.index.class(i).moment())
    }

    /// Moves the clock by `wall` time passed while playing; returns whether anything moved.
    /// At the end the replay pauses.
    pub fn tick(&mut self, wall: Duration) -> Result<bool, ReplayError> {
        if !self.clock.playing {
            return Ok(false);
        }
        let (_, end) = self.span();
        if self.clock.speed == Speed::SkipIdle {
            if !self.clock.hold(wall) {
                return Ok(false);
            }
            return match self.index.next_significant(self.applied) {
                Some(i) => {
                    self.go_to(i + 1)?;
                    self.clock.position = self.index.at(i);
                    Ok(true)
                }
                None => {
                    self.seek_time(end)?;
                    self.clock.playing = false;
                    Ok(true)
                }
            };
        }
        let Some(target) = self.clock.advance(wall) else {
            return Ok(false);
        };
        let target = target.min(end);
        let n = self.index.count_until(target).max(self.applied);
        self.go_to(n)?;
        self.clock.position = target;
        if target >= end && self.applied == self.index.len() {
            self.clock.playing = false;
        }
        Ok(true)
    }

    /// Plays everything left, as fast as it can be read: the state at the end.
    pub fn play_to_end(&mut self) -> Result<(), ReplayError> {
        let (_, end) = self.span();
        self.go_to(self.index.len())?;
        self.clock.position = end;
        self.clock.playing = false;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod testlog;
#[cfg(test)]
mod tests;
