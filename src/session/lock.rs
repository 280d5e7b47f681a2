//! The one-writer-per-file lock: a std `File::lock` on `<session>.lock`, with the holder's pid,
//! host and operator written inside so a second war room can name who holds it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SessionLogError;
use crate::event::Actor;

/// Who holds a session file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Process id.
    pub pid: u32,
    /// Host name.
    pub host: String,
    /// Operator name.
    pub operator: String,
    /// When the lock was taken (RFC 3339).
    pub since: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pid {} on host {} (operator {}, since {})",
            self.pid, self.host, self.operator, self.since
        )
    }
}

/// A held lock; released when dropped (the kernel also releases it if the process dies).
#[derive(Debug)]
pub struct SessionLock {
    file: File,
    path: PathBuf,
}

/// The lock file that sits beside a session file.
pub fn lock_path(session: &Path) -> PathBuf {
    let mut p = session.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

impl SessionLock {
    /// Takes the lock for `session` at once, or fails naming the current holder.
    pub fn acquire(session: &Path, who: &Actor) -> Result<Self, SessionLogError> {
        let path = lock_path(session);
        let io = |e| SessionLogError::Io {
            path: path.clone(),
            source: e,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                // The holder writes its details right after locking; an empty read means it is
                // still doing so, which still makes it the holder.
                let _ = file.read_to_string(&mut text);
                let holder = serde_json::from_str::<Holder>(&text).ok();
                return Err(SessionLogError::Locked {
                    path: session.to_path_buf(),
                    holder: holder.map_or_else(|| "another process".to_string(), |h| h.to_string()),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let holder = Holder {
            pid: std::process::id(),
            host: who.host.clone(),
            operator: who.name.clone(),
            since: crate::event::at_format::to_string(&jiff::Timestamp::now()),
        };
        let json = serde_json::to_string(&holder).unwrap_or_default();
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(json.as_bytes()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(Self { file, path })
    }

    /// Path of the lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SessionLock {
    fn drop(&mut self) {
        // Leave the file in place (removing it would race with a new holder); clear the details.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}
