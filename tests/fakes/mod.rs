//! Programmable loopback fakes for the source tests: a raw-TCP HTTP/1.1 server whose every
//! answer comes from a script (respond, hang, close, truncate), recording each request; Prometheus
//! body builders; a real `prometheus` process; a TLS server; and an event reader with deadlines.
//!
//! Raw TCP rather than axum, because the faults (a reply that never comes, a body cut off
//! after its headers) are exactly what a well-behaved framework will not send.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod events;
pub mod prom;
pub mod prom_process;
pub mod tls;
#[path = "../shared/tool.rs"]
pub mod tool;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// Decoded query parameters (the last value wins).
    pub query: BTreeMap<String, String>,
    /// Headers, names lowercased.
    pub headers: BTreeMap<String, String>,
}

impl Request {
    /// A query parameter, or "".
    pub fn param(&self, name: &str) -> &str {
        self.query.get(name).map_or("", String::as_str)
    }
}

/// What the fake does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A complete answer.
    Respond {
        /// HTTP status.
        status: u16,
        /// Extra headers (Content-Type goes here).
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// Read the request, then hold the connection open and never answer.
    Hang,
    /// Read the request, then close without a word.
    Close,
    /// Status and headers announcing `declared` bytes, then only `body`, then close.
    Truncated {
        /// HTTP status.
        status: u16,
        /// The Content-Length sent.
        declared: usize,
        /// What is actually sent.
        body: Vec<u8>,
    },
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self::with_type(status, "application/json", body.into().into_bytes())
    }

    /// A plain-text answer.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self::with_type(
            status,
            "text/plain; charset=utf-8",
            body.into().into_bytes(),
        )
    }

    /// A `/metrics` answer.
    pub fn metrics(body: impl Into<String>) -> Self {
        Self::with_type(
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            body.into().into_bytes(),
        )
    }

    /// A 302 to `location`.
    pub fn redirect(location: &str) -> Self {
        Self::Respond {
            status: 302,
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
        }
    }

    fn with_type(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self::Respond {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
        }
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// A running fake server; stops when dropped.
pub struct Fake {
    /// Where it listens.
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    task: JoinHandle<()>,
}

impl Fake {
    /// Serves every request with `handler` on a fresh loopback port.
    pub async fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            loop {
                let Ok((conn, _)) = listener.accept().await else {
                    return;
                };
                let handler = Arc::clone(&handler);
                let seen = Arc::clone(&seen);
                tokio::spawn(serve(conn, handler, seen));
            }
        });
        Fake {
            addr,
            requests,
            task,
        }
    }

    /// `http://addr/path`.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.addr)).expect("url")
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback URL nothing listens on (the port was just freed).
pub fn closed_port_url(path: &str) -> Url {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    Url::parse(&format!("http://127.0.0.1:{port}{path}")).expect("url")
}

/// Reads one request head (GET requests only need that).
pub fn parse_head(head: &[u8]) -> Option<Request> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?;
    let url = Url::parse(&format!("http://fake{target}")).ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Request {
        method,
        path: url.path().to_string(),
        query: url.query_pairs().into_owned().collect(),
        headers,
    })
}

/// Reads until the end of the head; `None` if the peer left first.
pub async fn read_head(conn: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.first() == Some(&0x16) {
            // A TLS ClientHello: answer in plain HTTP, as a real HTTP server would.
            let _ = conn
                .write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                .await;
            return None;
        }
        if head.len() > 1 << 20 {
            return None;
        }
    }
    Some(head)
}

/// The bytes of a reply (`None` for hang and close).
pub fn encode(reply: &Reply) -> Option<Vec<u8>> {
    let (status, headers, declared, body): (u16, &[(String, String)], usize, &[u8]) = match reply {
        Reply::Respond {
            status,
            headers,
            body,
        } => (*status, headers, body.len(), body),
        Reply::Truncated {
            status,
            declared,
            body,
        } => (*status, &[], *declared, body),
        Reply::Hang | Reply::Close => return None,
    };
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        out += &format!("{k}: {v}\r\n");
    }
    if matches!(reply, Reply::Truncated { .. }) {
        out += "Content-Type: application/json\r\n";
    }
    out += &format!("Content-Length: {declared}\r\nConnection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Some(bytes)
}

async fn serve(mut conn: TcpStream, handler: Arc<Handler>, seen: Arc<Mutex<Vec<Request>>>) {
    let Some(head) = read_head(&mut conn).await else {
        return;
    };
    let Some(req) = parse_head(&head) else {
        return;
    };
    let reply = handler(&req);
    seen.lock().unwrap().push(req);
    match &reply {
        Reply::Hang => {
            // Keep the socket open until the client gives up or the test ends.
            let mut buf = [0u8; 64];
            while let Ok(n) = conn.read(&mut buf).await {
                if n == 0 {
                    return;
                }
            }
        }
        Reply::Close => {}
        other => {
            if let Some(bytes) = encode(other) {
                let _ = conn.write_all(&bytes).await;
                let _ = conn.flush().await;
            }
        }
    }
    let _ = conn.shutdown().await;
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        406 => "Not Acceptable",
        422 => "Unprocessable Entity",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
