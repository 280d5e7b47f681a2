//! `warroom approve`'s end of the control socket: connect, send one request line, read one
//! answer line. Plain blocking I/O with timeouts; the client never opens the session file.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use super::peer;
use super::protocol::{Answer, CLIENT_TIMEOUT, MAX_ANSWER, Request};

/// Why no answer came.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// No war room answers on the socket.
    #[error("{0}")]
    NotServing(String),
    /// The system refused the connection (the socket is open to its group only).
    #[error("{0}")]
    Denied(String),
}

/// Sends `req` to the war room serving `socket` and returns its answer.
pub fn exchange(socket: &Path, req: &Request) -> Result<Answer, ClientError> {
    let shown = socket.display();
    let mut stream = UnixStream::connect(socket).map_err(|e| connect_error(socket, &e))?;
    let gone = |e: std::io::Error| {
        ClientError::NotServing(format!("the war room on {shown} stopped answering: {e}"))
    };
    stream
        .set_read_timeout(Some(CLIENT_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(Duration::from_secs(5))))
        .map_err(gone)?;
    let mut line = serde_json::to_string(req)
        .map_err(|e| ClientError::NotServing(format!("cannot encode the request: {e}")))?;
    line.push('\n');
    stream.write_all(line.as_bytes()).map_err(gone)?;
    let mut buf = String::new();
    BufReader::new((&stream).take(MAX_ANSWER as u64))
        .read_line(&mut buf)
        .map_err(|e| {
            if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) {
                ClientError::NotServing(format!(
                    "the war room on {shown} gave no answer within {} s; look in the session \
                     log before trying again",
                    CLIENT_TIMEOUT.as_secs()
                ))
            } else {
                gone(e)
            }
        })?;
    if buf.trim().is_empty() {
        return Err(ClientError::NotServing(format!(
            "the war room on {shown} closed the connection without answering (is it ending?)"
        )));
    }
    serde_json::from_str(buf.trim()).map_err(|e| {
        ClientError::NotServing(format!(
            "the answer from {shown} is not one this warroom reads ({e}); use the same warroom \
             build as the war room"
        ))
    })
}

fn connect_error(socket: &Path, e: &std::io::Error) -> ClientError {
    let shown = socket.display();
    match e.kind() {
        ErrorKind::NotFound => ClientError::NotServing(format!(
            "no war room serves this session: {shown} does not exist (is the war room running \
             on this machine, with this session file?)"
        )),
        ErrorKind::ConnectionRefused => ClientError::NotServing(format!(
            "nobody answers on {shown}: the war room that made it has stopped"
        )),
        ErrorKind::PermissionDenied => {
            let group = std::fs::metadata(socket)
                .map(|m| peer::group_name(m.gid()))
                .unwrap_or_else(|_| "the session file's group".to_string());
            ClientError::Denied(format!(
                "permission denied on {shown}: the control socket is open to group {group} \
                 only, and {} is not in it",
                own_login()
            ))
        }
        _ => ClientError::NotServing(format!("cannot connect to {shown}: {e}")),
    }
}

/// This process's login name, for messages.
fn own_login() -> String {
    let uid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    uid.and_then(|u| peer::user_by_uid(&peer::read_db(Path::new(peer::PASSWD)), u))
        .map_or_else(|| "this user".to_string(), |u| u.name)
}

/// A random request id (96 bits from the kernel), so the answer can be matched to the line
/// that records it.
pub fn request_id() -> String {
    let mut b = [0u8; 12];
    let random = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b));
    if random.is_err() {
        // No /dev/urandom (a bare chroot): the clock and pid are unique enough on one machine.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mix = nanos ^ (u128::from(std::process::id()) << 64);
        b.copy_from_slice(&mix.to_le_bytes()[..12]);
    }
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_valid_and_differ() {
        let (a, b) = (request_id(), request_id());
        assert_eq!(a.len(), 24);
        assert!(super::super::protocol::valid_id(&a));
        assert_ne!(a, b);
    }

    #[test]
    fn a_missing_socket_says_no_war_room_serves_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = exchange(&dir.path().join("s.jsonl.sock"), &Request::default())
            .expect_err("nothing there");
        assert!(
            matches!(&err, ClientError::NotServing(m) if m.contains("does not exist")),
            "{err}"
        );
    }
}
