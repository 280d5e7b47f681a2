//! The session log: an append-only, hash-chained JSON Lines file that is the source of truth.

pub mod hash;
pub mod io;
pub mod lock;
pub(crate) mod pipeline;
pub mod private;
pub mod reader;
pub mod redact;
pub mod schema;
pub mod stream;
pub mod task;
pub mod verify;
pub mod writer;

use std::path::PathBuf;

pub use io::LogIo;
pub use verify::{
    Crash, Damage, Notice, NoticeKind, Report, TornTail, verify_bytes, verify_file,
    verify_with_head,
};
pub use writer::{Durability, Recorded, Resumed, Writer};

/// Errors at the session-log boundary.
#[derive(Debug, thiserror::Error)]
pub enum SessionLogError {
    /// Reading or writing the file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Another war room holds the file.
    #[error("{} is being written by {holder}; follow it read-only or choose another --session", path.display())]
    Locked {
        /// The session file.
        path: PathBuf,
        /// Who holds it.
        holder: String,
    },
    /// The file exists and `--resume` was not given.
    #[error("{} already holds a session; pass --resume to continue its chain, or choose another --session", path.display())]
    Exists {
        /// The session file.
        path: PathBuf,
    },
    /// `--resume` on a file that does not verify.
    #[error("{}: cannot resume: {damage}", path.display())]
    Damaged {
        /// The session file.
        path: PathBuf,
        /// The first damage found.
        damage: Damage,
    },
    /// `--resume` on a file holding a line of a known type that this version cannot read.
    #[error("{}: cannot resume: {notice}; the chain is intact, so resume it with the warroom version that wrote it", path.display())]
    Unreadable {
        /// The session file.
        path: PathBuf,
        /// Which line and why.
        notice: String,
    },
    /// An earlier write or sync failed: the writer refuses further appends (fail closed).
    #[error("{}: the session log failed earlier ({reason}); nothing more can be recorded", path.display())]
    Poisoned {
        /// The session file.
        path: PathBuf,
        /// The earlier failure.
        reason: String,
    },
    /// An event could not be serialized.
    #[error("cannot serialize event: {0}")]
    Serialize(#[from] serde_json::Error),
}
