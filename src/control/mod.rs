//! The control socket: how `warroom approve` hands an approval to a running war room from
//! another terminal of the same machine. The war room serves `<session>.sock` beside its
//! session file, open to the session file's group only; the approver's identity is the
//! socket peer's OS user, and only the war room's own writer ever appends to the session file.

pub mod client;
pub mod hook;
pub mod peer;
pub mod protocol;
pub mod server;

use std::path::{Path, PathBuf};

pub use hook::{Control, next, start};
pub use server::{Bound, bind};

/// The control socket that sits beside a session file: `<session>.sock`.
pub fn socket_path(session: &Path) -> PathBuf {
    let mut p = session.as_os_str().to_owned();
    p.push(".sock");
    PathBuf::from(p)
}

/// Binds the control socket for a session that is starting: the socket, or the warning to
/// record when `warroom approve` will not reach this war room (the session goes on).
pub fn open(session: &Path) -> (Option<Bound>, Option<String>) {
    match bind(session) {
        Ok(b) => (Some(b), None),
        Err(why) => (
            None,
            Some(format!("warroom approve cannot reach this war room: {why}")),
        ),
    }
}

#[cfg(test)]
mod tests;
