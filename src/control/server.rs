//! The war room's end of the control socket: binds `<session>.sock` (mode 0660, the session
//! file's group), replaces a stale one only when nobody answers on it, and serves one request
//! per connection. A connection never touches the state or the log: it checks the peer, reads
//! one capped line, and hands the request to the loop over a bounded channel, then writes the
//! loop's answer back.

use std::fs::{self, Permissions};
use std::io::ErrorKind;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::timeout;

use super::peer::{self, Access, Identity, Peer};
use super::protocol::{self, ANSWER_TIMEOUT, Answer, Ask, MAX_REQUEST, READ_TIMEOUT};
use crate::event::DecisionRef;

/// The socket's mode: owner and group may connect, nobody else.
pub const MODE: u32 = 0o660;

/// Connections served at once; more wait in the kernel's backlog until one finishes.
const MAX_CONNECTIONS: usize = 8;

/// Requests waiting for the loop.
const QUEUE: usize = 16;

/// The longest path a Unix socket can be bound at (`sun_path` holds 108 bytes with the NUL).
const MAX_PATH: usize = 107;

/// What a connection asks of the loop, with where to send the answer.
#[derive(Debug)]
pub enum ToLoop {
    /// What is waiting for an approval.
    Pending {
        /// Where the answer goes.
        reply: oneshot::Sender<Answer>,
    },
    /// An approval from a peer the socket let in.
    Approve {
        /// The peer.
        who: Identity,
        /// The client's request id.
        request: String,
        /// Why.
        reason: Option<String>,
        /// A declared name.
        as_name: Option<String>,
        /// The decision meant.
        decision: Option<DecisionRef>,
        /// Where the answer goes, once the approval or its refusal is in the log.
        reply: oneshot::Sender<Answer>,
    },
    /// A peer the socket refused: the loop records the refusal, then answers.
    Refuse {
        /// The peer.
        who: Identity,
        /// What it attempted.
        action: &'static str,
        /// Its request id, if it sent a valid one.
        request: Option<String>,
        /// Why it was refused.
        reason: String,
        /// Where the answer goes.
        reply: oneshot::Sender<Answer>,
    },
}

/// The socket file; removed when dropped, but only if the path still names this very socket
/// (a later war room may have replaced it).
#[derive(Debug)]
pub struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl SocketFile {
    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        if let Ok(m) = fs::symlink_metadata(&self.path)
            && m.dev() == self.dev
            && m.ino() == self.ino
        {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// A bound socket, not yet served (binding happens before the runtime runs the loop).
#[derive(Debug)]
pub struct Bound {
    listener: std::os::unix::net::UnixListener,
    file: SocketFile,
    access: Access,
}

impl Bound {
    /// The socket's path.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Who may connect.
    pub fn access(&self) -> &Access {
        &self.access
    }
}

/// Binds the control socket beside `session`. `Err` says in words why `warroom approve` will
/// not reach this war room; the session goes on without the socket.
pub fn bind(session: &Path) -> Result<Bound, String> {
    let path = super::socket_path(session);
    let shown = path.display();
    if path.as_os_str().len() > MAX_PATH {
        return Err(format!(
            "the control socket path {shown} is longer than the {MAX_PATH} bytes a Unix socket \
             path may have; keep the session file in a shorter directory"
        ));
    }
    clear_stale(&path)?;
    let listener = std::os::unix::net::UnixListener::bind(&path)
        .map_err(|e| format!("cannot create the control socket {shown}: {e}"))?;
    let meta = fs::symlink_metadata(&path).map_err(|e| format!("cannot inspect {shown}: {e}"))?;
    // From here on a failure removes the socket again (the guard drops).
    let file = SocketFile {
        path: path.clone(),
        dev: meta.dev(),
        ino: meta.ino(),
    };
    fs::set_permissions(&path, Permissions::from_mode(MODE))
        .map_err(|e| format!("cannot set mode 0660 on {shown}: {e}"))?;
    let session_gid = fs::metadata(session)
        .map_err(|e| format!("cannot read the session file {}: {e}", session.display()))?
        .gid();
    if meta.gid() != session_gid {
        std::os::unix::fs::chown(&path, None, Some(session_gid)).map_err(|e| {
            format!(
                "cannot give {shown} the session file's group {} ({e}); the war room's user \
                 must be in that group (or chgrp the session file to one it is in)",
                peer::group_name(session_gid)
            )
        })?;
    }
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot serve {shown}: {e}"))?;
    let meta = fs::symlink_metadata(&path).map_err(|e| format!("cannot inspect {shown}: {e}"))?;
    Ok(Bound {
        listener,
        file,
        access: Access {
            owner: meta.uid(),
            group: meta.gid(),
        },
    })
}

/// Removes a socket left behind by a war room that stopped without cleaning up, but only if
/// it is a socket and nothing answers on it.
fn clear_stale(path: &Path) -> Result<(), String> {
    let shown = path.display();
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot inspect {shown}: {e}")),
    };
    if !meta.file_type().is_socket() {
        return Err(format!(
            "{shown} exists and is not a socket; it was left as it is (move it away so \
             warroom approve can reach this war room)"
        ));
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(format!(
            "another process answers on {shown}; it was left as it is"
        )),
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => fs::remove_file(path)
            .map_err(|e| format!("cannot remove the stale socket {shown}: {e}")),
        Err(e) => Err(format!(
            "cannot tell whether {shown} is still in use ({e}); it was left as it is"
        )),
    }
}

/// Starts serving on the current runtime: the accept task, and the receiving end of its
/// requests for the loop.
pub fn spawn(
    bound: Bound,
) -> std::io::Result<(JoinHandle<()>, mpsc::Receiver<ToLoop>, SocketFile)> {
    let listener = UnixListener::from_std(bound.listener)?;
    let (tx, rx) = mpsc::channel(QUEUE);
    let task = tokio::spawn(serve(listener, bound.access, tx));
    Ok((task, rx, bound.file))
}

async fn serve(listener: UnixListener, access: Access, tx: mpsc::Sender<ToLoop>) {
    let limit = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    // Dropping the set (when this task is aborted) aborts every open connection.
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let Ok(permit) = limit.clone().acquire_owned().await else {
                        return;
                    };
                    let (access, tx) = (access.clone(), tx.clone());
                    conns.spawn(async move {
                        let _permit = permit;
                        connection(stream, &access, &tx).await;
                    });
                }
                Err(e) => {
                    // Out of descriptors and the like: wait a moment instead of spinning.
                    tracing::warn!("control socket: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

async fn connection(mut stream: UnixStream, access: &Access, tx: &mpsc::Sender<ToLoop>) {
    let Some(answer) = answer(&mut stream, access, tx).await else {
        return;
    };
    let mut line = answer.to_line();
    line.push('\n');
    let _ = timeout(READ_TIMEOUT, stream.write_all(line.as_bytes())).await;
    let _ = stream.shutdown().await;
}

/// The answer for one connection; `None` for a peer that sent nothing (a liveness probe).
async fn answer(
    stream: &mut UnixStream,
    access: &Access,
    tx: &mpsc::Sender<ToLoop>,
) -> Option<Answer> {
    let cred = match stream.peer_cred() {
        Ok(c) => c,
        Err(e) => {
            return Some(Answer::unavailable(format!(
                "cannot read the peer's credentials: {e}"
            )));
        }
    };
    let peer = Peer {
        uid: cred.uid(),
        gid: cred.gid(),
    };
    let (who, verdict) = peer::check(
        &peer,
        access,
        &peer::read_db(Path::new(peer::PASSWD)),
        &peer::read_db(Path::new(peer::GROUP)),
    );
    let line = read_request(stream).await;
    if let Err(reason) = verdict {
        // Read what it asked only to log it well; nothing of it is acted on.
        let ask = line
            .as_ref()
            .ok()
            .and_then(|l| l.as_deref())
            .map(protocol::parse);
        let (action, request) = match ask {
            Some(Ok(Ask::Approve { request, .. })) => ("approve", Some(request)),
            Some(Ok(a @ Ask::Pending)) => (a.action(), None),
            _ => ("connect", None),
        };
        let (reply, rx) = oneshot::channel();
        let sent = ToLoop::Refuse {
            who,
            action,
            request,
            reason: reason.clone(),
            reply,
        };
        return Some(
            ask_loop(tx, sent, rx)
                .await
                .unwrap_or_else(|| Answer::refused(reason, None)),
        );
    }
    let line = match line {
        Ok(Some(l)) => l,
        Ok(None) => return None,
        Err(e) => return Some(Answer::refused(e, None)),
    };
    let (reply, rx) = oneshot::channel();
    let sent = match protocol::parse(&line) {
        Err(e) => return Some(Answer::refused(e, None)),
        Ok(Ask::Pending) => ToLoop::Pending { reply },
        Ok(Ask::Approve {
            request,
            reason,
            as_name,
            decision,
        }) => ToLoop::Approve {
            who,
            request,
            reason,
            as_name,
            decision,
            reply,
        },
    };
    Some(ask_loop(tx, sent, rx).await.unwrap_or_else(|| {
        Answer::unavailable(
            "the war room stopped before it could record this; look in the session log",
        )
    }))
}

/// Hands a request to the loop and waits for its answer; `None` when the loop went away.
async fn ask_loop(
    tx: &mpsc::Sender<ToLoop>,
    sent: ToLoop,
    rx: oneshot::Receiver<Answer>,
) -> Option<Answer> {
    let waited = timeout(ANSWER_TIMEOUT, async {
        tx.send(sent).await.ok()?;
        rx.await.ok()
    })
    .await;
    match waited {
        Ok(answer) => answer,
        Err(_) => Some(Answer::unavailable(format!(
            "the war room did not answer within {} s; look in the session log before trying \
             again",
            ANSWER_TIMEOUT.as_secs()
        ))),
    }
}

/// Reads one request line: at most `MAX_REQUEST` bytes, within `READ_TIMEOUT`. `Ok(None)`
/// when the peer closed without sending anything.
async fn read_request(stream: &mut UnixStream) -> Result<Option<String>, String> {
    let mut buf = Vec::new();
    let limited = (&mut *stream).take(MAX_REQUEST as u64 + 1);
    let mut reader = BufReader::new(limited);
    match timeout(READ_TIMEOUT, reader.read_until(b'\n', &mut buf)).await {
        Err(_) => {
            return Err(format!(
                "no request line within {} s",
                READ_TIMEOUT.as_secs()
            ));
        }
        Ok(Err(e)) => return Err(format!("cannot read the request: {e}")),
        Ok(Ok(_)) => {}
    }
    if buf.len() > MAX_REQUEST {
        return Err(format!(
            "the request is longer than {} KiB",
            MAX_REQUEST / 1024
        ));
    }
    if buf.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| "the request is not UTF-8".to_string())
}
