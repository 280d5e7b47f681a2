//! The session writer: stamps events into the hash chain and appends them, fdatasync'ing every
//! event a human made before it is handed back to be applied.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::hash::{GENESIS, chain_hash, insert_hash};
use super::lock::SessionLock;
use super::redact;
use super::verify::verify_bytes;
use super::{Report, SessionLogError};
use crate::event::{Actor, Envelope, Event, LOG_VERSION};

/// How durable an append must be before it is handed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fdatasync before returning: anything a human did or that changes production.
    Sync,
    /// Flushed to the OS only; synced by the next `Sync` append or `sync()` (observed samples).
    Group,
}

/// An appended line: the envelope as recorded (redacted) and its exact bytes.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The envelope.
    pub envelope: Envelope,
    /// The line as written, without the newline.
    pub line: String,
}

/// What `resume` found in the existing file.
#[derive(Debug)]
pub struct Resumed {
    /// The envelopes already in the file, in order, to rebuild the state.
    pub envelopes: Vec<Envelope>,
    /// The verification report of the existing part.
    pub report: Report,
    /// Bytes of a torn final line moved aside to `<file>.torn` (0 if none).
    pub torn_bytes: u64,
}

/// Owns one session file for appending. Only one exists per file (see `SessionLock`).
#[derive(Debug)]
pub struct Writer {
    file: File,
    path: PathBuf,
    session: String,
    next_seq: u64,
    prev: String,
    len: u64,
    dirty: bool,
    poisoned: Option<String>,
    _lock: SessionLock,
}

impl Writer {
    /// Starts a new session file at `path`. Refuses a file that already holds lines.
    pub fn create(path: &Path, holder: &Actor) -> Result<Self, SessionLogError> {
        let io = |e| SessionLogError::Io {
            path: path.to_path_buf(),
            source: e,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let lock = SessionLock::acquire(path, holder)?;
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len > 0 {
            return Err(SessionLogError::Exists {
                path: path.to_path_buf(),
            });
        }
        sync_parent_dir(path);
        Ok(Self {
            file,
            path: path.to_path_buf(),
            session: new_session_id(holder),
            next_seq: 1,
            prev: GENESIS.to_string(),
            len,
            dirty: false,
            poisoned: None,
            _lock: lock,
        })
    }

    /// Continues the chain of an existing session file. A torn final line (crash mid-write) is
    /// copied to `<file>.torn` and cut off; any other damage refuses the resume.
    pub fn resume(path: &Path, holder: &Actor) -> Result<(Self, Resumed), SessionLogError> {
        let io = |e| SessionLogError::Io {
            path: path.to_path_buf(),
            source: e,
        };
        let lock = SessionLock::acquire(path, holder)?;
        let bytes = std::fs::read(path).map_err(io)?;
        let (report, envelopes) =
            verify_bytes(&bytes).map_err(|damage| SessionLogError::Damaged {
                path: path.to_path_buf(),
                damage,
            })?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(io)?;
        let mut torn_bytes = 0;
        if let Some(torn) = &report.torn_tail {
            let mut torn_path = path.as_os_str().to_owned();
            torn_path.push(".torn");
            let mut t = OpenOptions::new()
                .create(true)
                .append(true)
                .open(PathBuf::from(torn_path))
                .map_err(io)?;
            t.write_all(&bytes[torn.offset as usize..]).map_err(io)?;
            t.sync_data().map_err(io)?;
            file.set_len(torn.offset).map_err(io)?;
            file.sync_data().map_err(io)?;
            torn_bytes = torn.bytes;
        }
        let len = file.seek(SeekFrom::End(0)).map_err(io)?;
        let session = report
            .session
            .clone()
            .unwrap_or_else(|| new_session_id(holder));
        let w = Self {
            file,
            path: path.to_path_buf(),
            session,
            next_seq: report.last_seq.map_or(1, |s| s + 1),
            prev: report
                .final_hash
                .clone()
                .unwrap_or_else(|| GENESIS.to_string()),
            len,
            dirty: false,
            poisoned: None,
            _lock: lock,
        };
        Ok((
            w,
            Resumed {
                envelopes,
                report,
                torn_bytes,
            },
        ))
    }

    /// The session id written in every line.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// The session file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The hash of the last line written (the head to anchor elsewhere).
    pub fn head(&self) -> &str {
        &self.prev
    }

    /// Appends an event stamped now.
    pub fn append(
        &mut self,
        actor: &Actor,
        event: Event,
        durability: Durability,
    ) -> Result<Recorded, SessionLogError> {
        self.append_at(Timestamp::now(), actor, event, durability)
    }

    /// Appends an event stamped `at`: redacts it, chains it, writes the line in one `write`
    /// and, for `Durability::Sync`, fdatasyncs before returning.
    pub fn append_at(
        &mut self,
        at: Timestamp,
        actor: &Actor,
        event: Event,
        durability: Durability,
    ) -> Result<Recorded, SessionLogError> {
        if let Some(reason) = &self.poisoned {
            return Err(SessionLogError::Poisoned {
                path: self.path.clone(),
                reason: reason.clone(),
            });
        }
        let at = at.round(jiff::Unit::Millisecond).unwrap_or(at);
        let mut envelope = Envelope {
            v: LOG_VERSION,
            seq: self.next_seq,
            at,
            session: self.session.clone(),
            actor: redact::actor(actor),
            event: redact::event(event),
            prev: self.prev.clone(),
            hash: String::new(),
        };
        let bare = serde_json::to_vec(&envelope)?;
        let hash = chain_hash(&self.prev, &bare);
        let mut line = insert_hash(&bare, &hash);
        line.push(b'\n');
        if let Err(e) = self.write_line(&line, durability) {
            // Fail closed: cut back any partial line and refuse further appends, since after a
            // failed fsync the kernel may have dropped the pages (a retry could lie).
            let _ = self.file.set_len(self.len);
            self.poisoned = Some(e.to_string());
            return Err(SessionLogError::Io {
                path: self.path.clone(),
                source: e,
            });
        }
        self.len += line.len() as u64;
        self.next_seq += 1;
        self.prev.clone_from(&hash);
        envelope.hash = hash;
        line.pop();
        let line = String::from_utf8(line).unwrap_or_default();
        Ok(Recorded { envelope, line })
    }

    fn write_line(&mut self, line: &[u8], durability: Durability) -> std::io::Result<()> {
        self.file.write_all(line)?;
        self.dirty = true;
        if durability == Durability::Sync {
            self.file.sync_data()?;
            self.dirty = false;
        }
        Ok(())
    }

    /// fdatasyncs anything written since the last sync (the group sync for samples).
    pub fn sync(&mut self) -> Result<(), SessionLogError> {
        if !self.dirty {
            return Ok(());
        }
        if let Err(e) = self.file.sync_data() {
            self.poisoned = Some(e.to_string());
            return Err(SessionLogError::Io {
                path: self.path.clone(),
                source: e,
            });
        }
        self.dirty = false;
        Ok(())
    }
}

/// A session id: 16 hex characters from the clock, pid and host, unique enough to tell
/// sessions apart (it is not a secret).
fn new_session_id(holder: &Actor) -> String {
    let mut h = Sha256::new();
    h.update(Timestamp::now().as_nanosecond().to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(holder.host.as_bytes());
    h.update(holder.name.as_bytes());
    hex::encode(&h.finalize()[..8])
}

/// fsync the directory so the new file's entry survives a crash (fsync(2) on the file does not
/// persist it). Best effort: some filesystems refuse to open directories for sync.
fn sync_parent_dir(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
