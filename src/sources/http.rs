//! HTTP plumbing shared by the pollers: capped body reads, plain-language transport errors and
//! URLs safe to show (no credentials, no query string).

use std::error::Error as _;
use std::time::Duration;

use reqwest::Url;

/// Makes sure rustls has its process-wide crypto provider (ring) before a client is built:
/// `main` installs it first thing, but a client built without one panics, so a source started
/// from anywhere else (tests, an embedding) installs it too. Installing twice is a no-op.
pub fn ensure_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Why a response body could not be read in full.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// The body (declared or streamed so far) is over the cap; reading stopped there.
    #[error("response of {len} bytes is over the {limit}-byte cap")]
    TooLarge {
        /// Bytes declared or read when reading stopped.
        len: u64,
        /// The cap.
        limit: u64,
    },
    /// The connection failed or closed mid-body.
    #[error("{0}")]
    Transport(String),
}

/// Reads a body of at most `limit` bytes. A larger `Content-Length` is refused before reading,
/// and a body that streams past the cap is cut off there, so a huge answer costs at most
/// `limit` bytes of memory.
pub async fn read_capped(
    resp: &mut reqwest::Response,
    limit: u64,
    timeout: Duration,
) -> Result<Vec<u8>, BodyError> {
    if let Some(len) = resp.content_length()
        && len > limit
    {
        return Err(BodyError::TooLarge { len, limit });
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let len = body.len() as u64 + chunk.len() as u64;
                if len > limit {
                    return Err(BodyError::TooLarge { len, limit });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => {
                let why = describe(&e, timeout);
                return Err(BodyError::Transport(format!("body cut off: {why}")));
            }
        }
    }
}

/// A URL as it may appear in events and logs: no user name, password, query or fragment.
pub fn display_url(url: &Url) -> String {
    let mut u = url.clone();
    // Both only fail for URLs that cannot have credentials, which then have none to hide.
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// A request error in plain words, followed by the URL it concerned (without its query, which
/// may be long, or credentials): "connection refused (http://127.0.0.1:9/api/v1/query)", "no
/// answer within 2000 ms (…)", "TLS: invalid peer certificate: UnknownIssuer (…)".
pub fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    let what = cause(e, timeout);
    match e.url() {
        Some(url) => format!("{what} ({})", display_url(url)),
        None => what,
    }
}

/// The cause of a request error without the URL.
pub fn cause(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("no answer within {} ms", timeout.as_millis());
    }
    if e.is_redirect() {
        return "too many redirects".to_string();
    }
    // Walk the chain for the most telling layer: a TLS error, an OS error kind, else the
    // innermost message (the outer ones repeat "error sending request").
    let mut innermost = e.to_string();
    let mut source = e.source();
    while let Some(err) = source {
        if let Some(tls) = find_tls(err) {
            return format!("TLS: {tls}");
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            let kind = match io.kind() {
                ConnectionRefused => Some("connection refused"),
                ConnectionReset => Some("connection reset"),
                ConnectionAborted => Some("connection aborted"),
                UnexpectedEof => Some("connection closed early"),
                TimedOut => Some("timed out"),
                _ => None,
            };
            if let Some(k) = kind {
                return k.to_string();
            }
        }
        innermost = err.to_string();
        source = err.source();
    }
    innermost
}

/// A rustls error, also when it travels inside (nested) `io::Error`s, whose `source()` skips
/// the error they wrap.
fn find_tls<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = err.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let inner = err.downcast_ref::<std::io::Error>()?.get_ref()?;
    find_tls(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials_and_query() {
        let u = Url::parse("https://user:pw@host:9090/prom/api/v1/query?query=up#x").expect("url");
        assert_eq!(display_url(&u), "https://host:9090/prom/api/v1/query");
    }
}
