//! Turning an HTTP answer (status, content type, body) into an [`ApiResponse`] or a classified
//! [`QueryError`].
//!
//! The classification follows the Prometheus HTTP API: `bad_data` (400) means our query or
//! parameters are wrong, so retrying cannot help; `execution` (422), `timeout`/`canceled` (503),
//! `internal` and `unavailable` are transient and make readings Unknown until a retry with backoff
//! succeeds (RELIABILITY.md row 3). Bodies over a cap are refused before any parsing (row 8).

use super::api::{ApiResponse, ErrorType, Status};
use crate::metrics::Unknown;

/// Default cap on a response body: 10 MiB. A healthy instant query answers in a few KiB.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;

/// How many characters of a non-JSON body an error keeps.
const SNIPPET_CHARS: usize = 200;

/// Limits applied to responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bodies longer than this are refused unread.
    pub max_body_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// What the poller should do after an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// A configuration error (bad query, wrong URL, auth): report it once, do not retry.
    Never,
    /// Transient: the reading is Unknown; retry with backoff.
    Backoff,
}

/// Why a Prometheus request produced no usable response.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// Prometheus answered `status: "error"`.
    #[error("Prometheus refused the query with {error_type} (HTTP {http_status}): {message}")]
    Api {
        /// HTTP status of the answer.
        http_status: u16,
        /// `errorType` (or the one implied by the HTTP status when the body had none).
        error_type: ErrorType,
        /// `error` text as sent.
        message: String,
    },
    /// A non-2xx answer without a Prometheus error body (a proxy's HTML page, a bare 404).
    #[error("HTTP {status} ({content_type}) instead of a Prometheus API response: {snippet}")]
    Http {
        /// HTTP status.
        status: u16,
        /// Content type as sent ("none" if missing).
        content_type: String,
        /// The start of the body, control characters escaped.
        snippet: String,
    },
    /// A 2xx answer that is not a valid API response (bad JSON, truncated, wrong shape).
    #[error("malformed Prometheus response: {0}")]
    Malformed(String),
    /// The body is over the size cap; it was not parsed.
    #[error("response of {len} bytes is over the {limit}-byte cap")]
    TooLarge {
        /// Declared or actual body length.
        len: u64,
        /// The cap.
        limit: u64,
    },
    /// The request never got an answer (refused, reset, timed out); built by the poller.
    #[error("cannot reach Prometheus: {0}")]
    Transport(String),
}

impl QueryError {
    /// Whether retrying can help.
    pub fn retry(&self) -> Retry {
        match self {
            Self::Api {
                error_type,
                http_status,
                ..
            } => match error_type {
                ErrorType::BadData | ErrorType::NotFound | ErrorType::NotAcceptable => Retry::Never,
                ErrorType::Execution
                | ErrorType::Timeout
                | ErrorType::Canceled
                | ErrorType::Internal
                | ErrorType::Unavailable => Retry::Backoff,
                ErrorType::Other(_) => retry_for_status(*http_status),
            },
            Self::Http { status, .. } => retry_for_status(*status),
            Self::Malformed(_) | Self::TooLarge { .. } | Self::Transport(_) => Retry::Backoff,
        }
    }

    /// The Unknown reason a reading gets from this error.
    pub fn to_unknown(&self) -> Unknown {
        match self {
            Self::Api {
                error_type,
                message,
                ..
            } => Unknown::QueryError {
                error_type: error_type.clone(),
                message: message.clone(),
            },
            Self::Http {
                status,
                content_type,
                snippet,
            } => Unknown::QueryError {
                error_type: ErrorType::from_http_status(*status),
                message: format!("HTTP {status} ({content_type}): {snippet}"),
            },
            Self::Malformed(m) => Unknown::Malformed(m.clone()),
            Self::TooLarge { len, limit } => Unknown::TooLarge {
                len: *len,
                limit: *limit,
            },
            Self::Transport(m) => Unknown::Transport(m.clone()),
        }
    }
}

/// 4xx means the request is wrong (config); 408/422/425/429 and 5xx are worth retrying later
/// (422 is what Prometheus sends for `execution` errors).
fn retry_for_status(status: u16) -> Retry {
    match status {
        408 | 422 | 425 | 429 => Retry::Backoff,
        400..=499 => Retry::Never,
        _ => Retry::Backoff,
    }
}

/// Refuses a body by its length (e.g. `Content-Length`) before it is read.
pub fn check_length(len: u64, limits: &Limits) -> Result<(), QueryError> {
    if len > limits.max_body_bytes {
        Err(QueryError::TooLarge {
            len,
            limit: limits.max_body_bytes,
        })
    } else {
        Ok(())
    }
}

/// [`parse_response_with`] under the default [`Limits`].
pub fn parse_response(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<ApiResponse, QueryError> {
    parse_response_with(&Limits::default(), status, content_type, body)
}

/// Parses an API answer. `Ok` only for a 2xx `status: "success"` envelope; every other answer
/// becomes a [`QueryError`] whose [`retry`](QueryError::retry) says what to do next.
pub fn parse_response_with(
    limits: &Limits,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<ApiResponse, QueryError> {
    check_length(body.len() as u64, limits)?;
    let ok_status = (200..300).contains(&status);
    let http_error = || QueryError::Http {
        status,
        content_type: content_type.unwrap_or("none").to_owned(),
        snippet: snippet(body),
    };
    // Trust a declared non-JSON type: an HTML error page must not reach the JSON parser's
    // error message as if Prometheus had sent broken JSON.
    if let Some(ct) = content_type
        && !is_json(ct)
    {
        return Err(if ok_status {
            QueryError::Malformed(format!(
                "expected application/json, got {ct}: {}",
                snippet(body)
            ))
        } else {
            http_error()
        });
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(if ok_status {
            QueryError::Malformed("empty body".to_owned())
        } else {
            http_error()
        });
    }
    let resp: ApiResponse = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) if ok_status => return Err(QueryError::Malformed(describe_json_error(&e))),
        Err(_) => return Err(http_error()),
    };
    match resp.status {
        Status::Error => Err(QueryError::Api {
            http_status: status,
            error_type: resp
                .error_type
                .clone()
                .unwrap_or_else(|| ErrorType::from_http_status(status)),
            message: resp.error.clone().unwrap_or_default(),
        }),
        Status::Success if !ok_status => Err(http_error()),
        Status::Success => Ok(resp),
    }
}

/// `application/json`, with or without parameters, or any `+json` type.
fn is_json(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || media.ends_with("+json")
}

fn describe_json_error(e: &serde_json::Error) -> String {
    if e.is_eof() {
        format!("truncated body ({e})")
    } else {
        e.to_string()
    }
}

/// The start of a body for an error message: lossy UTF-8, control characters escaped so a
/// hostile body cannot drive the terminal (RELIABILITY.md row 34).
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    let mut out = String::new();
    for (i, c) in trimmed.chars().enumerate() {
        if i == SNIPPET_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}
