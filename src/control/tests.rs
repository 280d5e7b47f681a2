//! The socket's file handling and its one-line protocol, in-process: mode and group, stale
//! sockets, the request cap and the read timeout.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

use super::protocol::{Answer, MAX_REQUEST};
use super::server::{ToLoop, bind, spawn};
use super::socket_path;

fn session(dir: &std::path::Path) -> std::path::PathBuf {
    let s = dir.join("s.jsonl");
    std::fs::write(&s, "").unwrap();
    s
}

#[test]
fn the_socket_is_0660_with_the_session_files_group_and_goes_when_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    let bound = bind(&s).unwrap();
    let path = socket_path(&s);
    assert_eq!(bound.path(), path);
    let m = std::fs::symlink_metadata(&path).unwrap();
    assert!(m.file_type().is_socket());
    assert_eq!(m.permissions().mode() & 0o777, 0o660);
    assert_eq!(m.gid(), std::fs::metadata(&s).unwrap().gid());
    assert_eq!(bound.access().group, m.gid());
    drop(bound);
    assert!(!path.exists(), "the socket file is removed with the socket");
}

#[test]
fn a_stale_socket_is_replaced_and_a_live_one_or_a_plain_file_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    let path = socket_path(&s);
    // Stale: bound and closed, nobody answers.
    drop(UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let bound = bind(&s).expect("a stale socket is replaced");
    drop(bound);

    // Live: something answers on it.
    let live = UnixListener::bind(&path).unwrap();
    let why = bind(&s).expect_err("a live socket is left alone");
    assert!(why.contains("another process answers"), "{why}");
    assert!(path.exists());
    drop(live);
    std::fs::remove_file(&path).unwrap();

    std::fs::write(&path, "not a socket").unwrap();
    let why = bind(&s).expect_err("a plain file is left alone");
    assert!(why.contains("is not a socket"), "{why}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a socket");
}

#[test]
fn the_guard_never_removes_a_socket_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(dir.path());
    let path = socket_path(&s);
    let first = bind(&s).unwrap();
    // Someone replaces the file while the first is bound.
    std::fs::remove_file(&path).unwrap();
    let other = UnixListener::bind(&path).unwrap();
    drop(first);
    assert!(path.exists(), "the other socket stays");
    drop(other);
}

#[test]
fn a_path_too_long_for_a_socket_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("d".repeat(100));
    std::fs::create_dir_all(&deep).unwrap();
    let s = session(&deep);
    let why = bind(&s).expect_err("too long");
    assert!(why.contains("shorter directory"), "{why}");
}

/// Serves a socket with a stand-in loop that answers every query with `release = "x"`.
async fn serve(dir: &std::path::Path) -> (std::path::PathBuf, impl Drop) {
    let s = session(dir);
    let (task, mut rx, file) = spawn(bind(&s).unwrap()).unwrap();
    let looping = tokio::spawn(async move {
        while let Some(req) = rx.recv().await {
            if let ToLoop::Pending { reply } = req {
                let _ = reply.send(Answer {
                    ok: true,
                    release: Some("x".into()),
                    ..Answer::default()
                });
            }
        }
    });
    /// Stops both tasks; the socket file goes with `_file`.
    struct Stop {
        server: tokio::task::JoinHandle<()>,
        looping: tokio::task::JoinHandle<()>,
        _file: super::server::SocketFile,
    }
    impl Drop for Stop {
        fn drop(&mut self) {
            self.server.abort();
            self.looping.abort();
        }
    }
    let stop = Stop {
        server: task,
        looping,
        _file: file,
    };
    (socket_path(&s), stop)
}

async fn exchange(path: &std::path::Path, bytes: &[u8]) -> Answer {
    let mut c = tokio::net::UnixStream::connect(path).await.unwrap();
    // The war room may answer (and close) before reading all of an oversized request.
    let _ = c.write_all(bytes).await;
    // One line: a request cut off at the cap leaves bytes unread, and the close that follows
    // the answer resets the connection after it.
    let mut out = String::new();
    tokio::io::BufReader::new(c)
        .read_line(&mut out)
        .await
        .unwrap();
    serde_json::from_str(out.trim()).unwrap()
}

#[tokio::test]
async fn one_request_one_answer_and_bad_requests_get_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _stop) = serve(dir.path()).await;
    let a = exchange(&path, b"{\"v\":1,\"query\":\"pending\"}\n").await;
    assert!(a.ok);
    assert_eq!(a.release.as_deref(), Some("x"));
    let a = exchange(&path, b"{\"v\":1,\"query\":\"everything\"}\n").await;
    assert!(!a.ok);
    assert!(a.reason.unwrap().contains("unknown query"));
    let big = vec![b'x'; MAX_REQUEST + 10];
    let a = exchange(&path, &big).await;
    assert!(!a.ok);
    assert!(a.reason.unwrap().contains("longer than 16 KiB"));
}

#[tokio::test(start_paused = true)]
async fn a_client_that_sends_nothing_is_answered_after_the_read_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _stop) = serve(dir.path()).await;
    let mut c = tokio::net::UnixStream::connect(&path).await.unwrap();
    c.write_all(b"{\"v\":1,").await.unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).await.unwrap();
    let a: Answer = serde_json::from_str(out.trim()).unwrap();
    assert!(a.reason.unwrap().contains("no request line within 5 s"));
}

#[test]
fn a_probe_that_sends_nothing_gets_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (path, stop) = rt.block_on(serve(dir.path()));
    let mut c = UnixStream::connect(&path).unwrap();
    c.shutdown(std::net::Shutdown::Write).unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).unwrap();
    assert_eq!(out, "");
    // A client that writes nothing but whitespace is a probe too.
    let mut c = UnixStream::connect(&path).unwrap();
    c.write_all(b"\n").unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).unwrap();
    assert_eq!(out, "");
    drop(stop);
}
