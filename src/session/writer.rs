//! The session writer: stamps events into the hash chain and appends them, fdatasync'ing every
//! event a human made before it is handed back to be applied.

use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::hash::{GENESIS, chain_hash, insert_hash};
use super::io::LogIo;
use super::lock::SessionLock;
use super::verify::{NoticeKind, verify_bytes};
use super::{Report, SessionLogError, private, redact};
use crate::event::{Actor, Envelope, Event, LOG_VERSION};

/// How durable an append must be before it is handed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fdatasync before returning: anything a human did or that changes production.
    Sync,
    /// Written to the OS only; synced by the next `Sync` append or `sync()` (observed samples).
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
    // Declared before the lock so the file closes first and the lock's own descriptor last.
    io: Box<dyn LogIo>,
    path: PathBuf,
    /// Device and inode of the file being written, to notice it being deleted or replaced.
    identity: (u64, u64),
    session: String,
    next_seq: u64,
    prev: String,
    len: u64,
    dirty: bool,
    poisoned: Option<String>,
    notices: Vec<String>,
    _lock: SessionLock,
}

impl Writer {
    /// Starts a new session file at `path` (0600, in a directory created 0700 if missing).
    /// Refuses a file that already holds lines or that another war room holds.
    pub fn create(path: &Path, holder: &Actor) -> Result<Self, SessionLogError> {
        let io = |e| SessionLogError::Io {
            path: path.to_path_buf(),
            source: e,
        };
        ignore_file_size_signal();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private::create_dir_all(dir).map_err(io)?;
        }
        let (file, created) = private::open_append(path, true).map_err(io)?;
        let lock = SessionLock::acquire(&file, path, holder)?;
        let meta = file.metadata().map_err(io)?;
        if meta.len() > 0 {
            return Err(SessionLogError::Exists {
                path: path.to_path_buf(),
            });
        }
        if !created {
            // An empty file the war room takes over becomes as private as one it creates.
            private::restrict(&file).map_err(io)?;
        }
        sync_parent_dir(path);
        Ok(Self {
            io: Box::new(file),
            path: path.to_path_buf(),
            identity: (meta.dev(), meta.ino()),
            session: new_session_id(holder),
            next_seq: 1,
            prev: GENESIS.to_string(),
            len: 0,
            dirty: false,
            poisoned: None,
            notices: Vec::new(),
            _lock: lock,
        })
    }

    /// Continues the chain of an existing session file, appending with `O_APPEND` like
    /// `create`. A torn final line (crash mid-write) is copied to `<file>.torn` and cut off; any
    /// other damage, or a line of a known type this version cannot read, refuses the resume.
    pub fn resume(path: &Path, holder: &Actor) -> Result<(Self, Resumed), SessionLogError> {
        let io = |e| SessionLogError::Io {
            path: path.to_path_buf(),
            source: e,
        };
        ignore_file_size_signal();
        let (file, _) = private::open_append(path, false).map_err(io)?;
        let lock = SessionLock::acquire(&file, path, holder)?;
        let mut bytes = Vec::new();
        (&file).read_to_end(&mut bytes).map_err(io)?;
        let (report, envelopes) =
            verify_bytes(&bytes).map_err(|damage| SessionLogError::Damaged {
                path: path.to_path_buf(),
                damage,
            })?;
        if let Some(n) = report
            .notices
            .iter()
            .find(|n| matches!(n.what, NoticeKind::Unreadable { .. }))
        {
            return Err(SessionLogError::Unreadable {
                path: path.to_path_buf(),
                notice: n.to_string(),
            });
        }
        let mut torn_bytes = 0;
        if let Some(torn) = &report.torn_tail {
            let mut torn_path = path.as_os_str().to_owned();
            torn_path.push(".torn");
            let torn_path = PathBuf::from(torn_path);
            if std::fs::symlink_metadata(&torn_path).is_ok_and(|m| m.file_type().is_symlink()) {
                // Appending through a link planted beside the file would write somewhere else.
                return Err(SessionLogError::Io {
                    path: torn_path,
                    source: std::io::Error::other(
                        "is a symbolic link; remove it so the torn line can be moved aside",
                    ),
                });
            }
            let (mut t, _) = private::open_append(&torn_path, true).map_err(io)?;
            let cut = usize::try_from(torn.offset).unwrap_or(bytes.len());
            t.write_all(&bytes[cut..]).map_err(io)?;
            t.sync_data().map_err(io)?;
            file.set_len(torn.offset).map_err(io)?;
            file.sync_data().map_err(io)?;
            torn_bytes = torn.bytes;
        }
        let meta = file.metadata().map_err(io)?;
        let session = report
            .session
            .clone()
            .unwrap_or_else(|| new_session_id(holder));
        let notices = report.notices.iter().map(ToString::to_string).collect();
        let w = Self {
            io: Box::new(file),
            path: path.to_path_buf(),
            identity: (meta.dev(), meta.ino()),
            session,
            next_seq: report.last_seq.map_or(1, |s| s + 1),
            prev: report
                .final_hash
                .clone()
                .unwrap_or_else(|| GENESIS.to_string()),
            len: meta.len(),
            dirty: false,
            poisoned: None,
            notices,
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

    /// Puts a layer between the writer and its file (`wrap` gets the current layer): a test
    /// records the order of writes and syncs through it, or makes the disk fail.
    #[must_use]
    pub fn with_io(self, wrap: impl FnOnce(Box<dyn LogIo>) -> Box<dyn LogIo>) -> Self {
        Self {
            io: wrap(self.io),
            ..self
        }
    }

    /// What the reader reported about lines already in a resumed file (kept verbatim, or read
    /// with parts left out), to be recorded as warnings; empty after the first call.
    pub fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    /// Whether lines were written since the last fdatasync (never once the writer failed:
    /// there is nothing left to sync that could be trusted).
    pub fn has_unsynced(&self) -> bool {
        self.dirty && self.poisoned.is_none()
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
            let _ = self.io.truncate(self.len);
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
        self.io.append(line)?;
        self.dirty = true;
        if durability == Durability::Sync {
            self.io.sync()?;
            self.dirty = false;
            self.check_identity()?;
        }
        Ok(())
    }

    /// fdatasyncs anything written since the last sync (the group sync for samples).
    pub fn sync(&mut self) -> Result<(), SessionLogError> {
        if let Some(reason) = &self.poisoned {
            // Never retry after a failure: the kernel may have dropped the pages already.
            return Err(SessionLogError::Poisoned {
                path: self.path.clone(),
                reason: reason.clone(),
            });
        }
        if !self.dirty {
            return Ok(());
        }
        let synced = self.io.sync().and_then(|()| {
            self.dirty = false;
            self.check_identity()
        });
        if let Err(e) = synced {
            self.poisoned = Some(e.to_string());
            return Err(SessionLogError::Io {
                path: self.path.clone(),
                source: e,
            });
        }
        Ok(())
    }

    /// A synced line is only durable if the path still names the file it went to: a session
    /// file deleted or replaced while it is written would take everything after with it.
    fn check_identity(&self) -> std::io::Result<()> {
        let now = std::fs::metadata(&self.path).map(|m| (m.dev(), m.ino()));
        if now.as_ref().ok() == Some(&self.identity) {
            return Ok(());
        }
        Err(std::io::Error::other(
            "the session file was deleted or replaced while being written; \
             lines written since are not in it",
        ))
    }
}

/// Past `ulimit -f` the kernel sends SIGXFSZ, whose default action kills the process and leaves
/// the terminal raw. With a handler installed the write fails with EFBIG instead, which takes
/// the same fail-closed path as a full disk. Process-wide, installed once.
fn ignore_file_size_signal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let seen = Arc::new(AtomicBool::new(false));
        if let Err(e) = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, seen) {
            tracing::warn!(error = %e, "cannot handle SIGXFSZ; a file-size limit kills the process");
        }
    });
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
