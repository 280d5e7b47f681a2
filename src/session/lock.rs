//! One writer per session file: an exclusive lock (std `File::lock`, i.e. `flock`) on the
//! session file's own descriptor, so no side file can be lost or deleted to let a second writer
//! in. Who holds it is told, as well as can be, from `/proc/locks` (the pid), an informational
//! `<file>.lock` the holder writes and removes on a clean exit, and the session file's own
//! opening line (operator, host, since when).

use std::fs::{File, TryLockError};
use std::io::Write;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{SessionLogError, private};
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

/// A held lock; released when the session file is closed (the kernel also releases it if the
/// process dies). Dropping it removes the informational side file.
#[derive(Debug)]
pub struct SessionLock {
    /// A duplicate of the session file's descriptor: same open file, same lock.
    _file: File,
    side: PathBuf,
    wrote_side: bool,
}

/// The informational side file that sits beside a session file while it is held.
pub fn side_path(session: &Path) -> PathBuf {
    let mut p = session.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

impl SessionLock {
    /// Locks the open session file at once, or fails naming the current holder.
    pub fn acquire(file: &File, session: &Path, who: &Actor) -> Result<Self, SessionLogError> {
        let io = |e| SessionLogError::Io {
            path: session.to_path_buf(),
            source: e,
        };
        let dup = file.try_clone().map_err(io)?;
        match dup.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(SessionLogError::Locked {
                    path: session.to_path_buf(),
                    holder: describe_holder(file, session),
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
        let side = side_path(session);
        // Only informational: the lock above is what keeps a second writer out.
        let wrote_side = write_side(&side, &holder).is_ok();
        Ok(Self {
            _file: dup,
            side,
            wrote_side,
        })
    }
}

impl Drop for SessionLock {
    fn drop(&mut self) {
        // Still locked here (this descriptor closes after), so no new holder's file is removed.
        if self.wrote_side {
            let _ = std::fs::remove_file(&self.side);
        }
    }
}

/// Writes the side file through a new temporary file renamed over it: `create_new` and
/// `rename` never follow a symlink, so a link planted at `<file>.lock` (in `/tmp`, say) cannot
/// make the war room overwrite the file it points to.
fn write_side(path: &Path, holder: &Holder) -> std::io::Result<()> {
    let json = serde_json::to_string(holder).map_err(std::io::Error::other)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    let written = private::restrict(&f)
        .and_then(|()| f.write_all(json.as_bytes()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Names the holder of a locked session file as well as can be: the pid from `/proc/locks`,
/// then the side file if it agrees, else the operator and host of the file's last opening line.
pub fn describe_holder(file: &File, session: &Path) -> String {
    let pid = file.metadata().ok().and_then(|m| {
        let locks = std::fs::read_to_string("/proc/locks").ok()?;
        flock_owner(&locks, m.dev(), m.ino())
    });
    let side = std::fs::read_to_string(side_path(session))
        .ok()
        .and_then(|t| serde_json::from_str::<Holder>(&t).ok())
        .filter(|h| pid.is_none_or(|p| p == h.pid));
    if let Some(h) = side {
        return h.to_string();
    }
    match (pid, last_opener(file)) {
        (Some(pid), Some(o)) => Holder {
            pid,
            host: o.actor.host,
            operator: o.actor.name,
            since: o.at,
        }
        .to_string(),
        (Some(pid), None) => format!("pid {pid}"),
        (None, Some(o)) => format!(
            "a war room on host {} (operator {}, since {})",
            o.actor.host, o.actor.name, o.at
        ),
        (None, None) => "another process".to_string(),
    }
}

/// The pid holding an `flock` on the file with this device and inode, from `/proc/locks`
/// lines like `1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF`. Some filesystems (btrfs
/// subvolumes, overlays) report a device other than `stat`'s, so a unique inode match stands
/// in for an exact one.
pub fn flock_owner(locks: &str, dev: u64, ino: u64) -> Option<u32> {
    let (major, minor) = split_dev(dev);
    let mut exact = None;
    let mut by_ino = Vec::new();
    for line in locks.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // Waiters are listed with "->" after the id; only the holder counts.
        if fields.get(1) != Some(&"FLOCK") {
            continue;
        }
        let (Some(pid), Some(id)) = (
            fields.get(4).and_then(|p| p.parse::<u32>().ok()),
            fields.get(5),
        ) else {
            continue;
        };
        let mut parts = id.split(':');
        let (Some(ma), Some(mi), Some(i)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if i.parse::<u64>().ok() != Some(ino) {
            continue;
        }
        let same_dev = u64::from_str_radix(ma, 16).ok() == Some(major)
            && u64::from_str_radix(mi, 16).ok() == Some(minor);
        if same_dev {
            exact = Some(pid);
        }
        by_ino.push(pid);
    }
    by_ino.sort_unstable();
    by_ino.dedup();
    exact.or(if by_ino.len() == 1 {
        by_ino.first().copied()
    } else {
        None
    })
}

/// Major and minor numbers of a Linux `dev_t` (glibc's encoding).
fn split_dev(dev: u64) -> (u64, u64) {
    let major = ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0x0000_0fff);
    let minor = ((dev >> 12) & 0xffff_ff00) | (dev & 0x0000_00ff);
    (major, minor)
}

#[derive(Deserialize)]
struct Opener {
    at: String,
    actor: Actor,
}

/// How far back from the end the last opening line is looked for before the first line is used.
const TAIL_WINDOW: u64 = 4 << 20;

/// Operator, host and time of the last `SessionStarted`/`SessionResumed` line: the war room
/// that opened the file most recently, which is the holder once it has written its opening.
fn last_opener(file: &File) -> Option<Opener> {
    let len = file.metadata().ok()?.len();
    let start = len.saturating_sub(TAIL_WINDOW);
    let mut tail = vec![0u8; usize::try_from(len - start).ok()?];
    file.read_exact_at(&mut tail, start).ok()?;
    let mut lines: Vec<&[u8]> = tail.split(|&b| b == b'\n').collect();
    if start > 0 && !lines.is_empty() {
        // The window began mid-line.
        lines.remove(0);
    }
    let found = lines.iter().rev().find_map(|l| opener(l));
    found.or_else(|| {
        let mut first = vec![0u8; usize::try_from(len.min(TAIL_WINDOW * 4)).ok()?];
        file.read_exact_at(&mut first, 0).ok()?;
        first.split(|&b| b == b'\n').next().and_then(opener)
    })
}

fn opener(line: &[u8]) -> Option<Opener> {
    let head = &line[..line.len().min(4096)];
    let is_opening = [
        &b"\"event\":{\"type\":\"SessionResumed\""[..],
        &b"\"event\":{\"type\":\"SessionStarted\""[..],
    ]
    .iter()
    .any(|pat| head.windows(pat.len()).any(|w| w == *pat));
    if !is_opening {
        return None;
    }
    serde_json::from_slice(line).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_locks_lines_name_the_flock_holder() {
        // dev 0xfd01 is major 0xfd, minor 0x01.
        let locks = "1: POSIX  ADVISORY  WRITE 111 fd:01:77 0 EOF\n\
                     2: FLOCK  ADVISORY  WRITE 4242 fd:01:77 0 EOF\n\
                     2: -> FLOCK  ADVISORY  WRITE 5151 fd:01:77 0 EOF\n\
                     3: FLOCK  ADVISORY  WRITE 999 08:02:78 0 EOF\n";
        assert_eq!(flock_owner(locks, 0xfd01, 77), Some(4242));
        // Another device reporting the same inode alone still names it.
        assert_eq!(flock_owner(locks, 0x0802, 77), Some(4242));
        assert_eq!(flock_owner(locks, 0x0802, 78), Some(999));
        assert_eq!(flock_owner(locks, 0x0802, 79), None);
    }

    #[test]
    fn device_numbers_split_like_glibc() {
        assert_eq!(split_dev(0xfd01), (0xfd, 0x01));
        assert_eq!(split_dev(0x0803), (8, 3));
        // A large minor spills into the high bits.
        assert_eq!(split_dev(0x0010_0803), (8, 0x103));
    }
}
