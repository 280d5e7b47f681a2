//! The control socket's wire format: one JSON request per connection, one line each way.
//!
//! A request is `{"v":1,"query":"pending"}` (what is waiting for an approval) or
//! `{"v":1,"request":"<id>","reason":…,"as":…,"for":{…}}` (an approval). The answer is one
//! JSON object: `{"ok":true,"seq":N,"decision":"…"}` once the approval is in the log, or
//! `{"ok":false,"reason":"…"}`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::event::DecisionRef;

/// The protocol version both sides speak.
pub const VERSION: u32 = 1;

/// The longest request line the war room reads; longer ones are refused unread.
pub const MAX_REQUEST: usize = 16 * 1024;

/// The longest answer line the client reads.
pub const MAX_ANSWER: usize = 64 * 1024;

/// How long the war room waits for a client to send its request line.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the war room waits for its own loop to record an approval before answering
/// that it could not tell.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the client waits for an answer (a little longer than the war room's own limit).
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(40);

/// Longest request id, declared name and reason accepted.
const MAX_ID: usize = 64;
const MAX_NAME: usize = 64;
const MAX_REASON: usize = 2000;

/// A request as it travels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Protocol version; must be [`VERSION`].
    pub v: u32,
    /// `"pending"` asks what is waiting for an approval; absent for an approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The client's random id for this approval; the recorded event carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// Why the approver approves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A declared name (`--as NAME`), accepted only where the config allows it.
    #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
    pub as_name: Option<String>,
    /// The decision the approver saw and means; absent means the one pending now.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_decision: Option<DecisionRef>,
}

/// A request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// What is waiting for an approval.
    Pending,
    /// An approval.
    Approve {
        /// The client's request id.
        request: String,
        /// Why.
        reason: Option<String>,
        /// A declared name.
        as_name: Option<String>,
        /// The decision meant.
        decision: Option<DecisionRef>,
    },
}

impl Ask {
    /// The action a refusal of this request is recorded under: both are `approve`, since
    /// the query is the first half of `warroom approve`.
    pub fn action(&self) -> &'static str {
        "approve"
    }
}

/// Parses and checks one request line.
pub fn parse(line: &str) -> Result<Ask, String> {
    let r: Request = serde_json::from_str(line.trim())
        .map_err(|e| format!("the request is not valid JSON for protocol v{VERSION}: {e}"))?;
    if r.v != VERSION {
        return Err(format!(
            "protocol version {} is not spoken here (this war room speaks v{VERSION}); use the \
             same warroom build as the war room",
            r.v
        ));
    }
    match r.query.as_deref() {
        Some("pending") => return Ok(Ask::Pending),
        Some(other) => {
            return Err(format!(
                "unknown query '{other}'; the only query is pending"
            ));
        }
        None => {}
    }
    let request = r
        .request
        .ok_or("an approval needs a request id (\"request\")")?;
    check_id(&request)?;
    if let Some(n) = &r.as_name {
        check_name(n)?;
    }
    let reason = r.reason.filter(|s| !s.trim().is_empty());
    if let Some(s) = &reason
        && s.chars().count() > MAX_REASON
    {
        return Err(format!("the reason is longer than {MAX_REASON} characters"));
    }
    Ok(Ask::Approve {
        request,
        reason,
        as_name: r.as_name,
        decision: r.for_decision,
    })
}

/// Whether `id` is a request id the war room accepts: 1–64 of `A-Z a-z 0-9 - _`.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn check_id(id: &str) -> Result<(), String> {
    if valid_id(id) {
        Ok(())
    } else {
        Err(format!(
            "request id '{}' must be 1-{MAX_ID} letters, digits, '-' or '_'",
            id.chars().take(MAX_ID).collect::<String>()
        ))
    }
}

fn check_name(n: &str) -> Result<(), String> {
    let ok = !n.is_empty()
        && n.chars().count() <= MAX_NAME
        && n.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "--as '{}': a declared name is 1-{MAX_NAME} letters, digits, '.', '_', '-' or '@'",
            n.chars().take(MAX_NAME).collect::<String>()
        ))
    }
}

/// The answer to a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// Whether the approval was recorded (or the query answered).
    pub ok: bool,
    /// Why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The log line that recorded the approval or its refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The decision approved (or pending), in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// The request id answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// Who the approval is recorded as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// Their role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The OS user behind it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_user: Option<String>,
    /// Set when the war room could not record anything (its session is ending, its log
    /// failed, or it did not answer in time), as opposed to a refusal by the rules.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unavailable: bool,
    /// Query: the decision waiting for an approval now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<DecisionRef>,
    /// Query: the version this war room releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// Query: the go/no-go round that would be decided next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_round: Option<u32>,
    /// Query: the round of the last go, if the release went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go_round: Option<u32>,
    /// Query: the next plan step (0-based), while shifting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_step: Option<usize>,
    /// Query: who operates this war room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
}

impl Answer {
    /// A refusal with its reason (and the log line that recorded it, if it was recorded).
    pub fn refused(reason: impl Into<String>, seq: Option<u64>) -> Self {
        Self {
            reason: Some(reason.into()),
            seq,
            ..Self::default()
        }
    }

    /// Nothing could be recorded.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self {
            reason: Some(reason.into()),
            unavailable: true,
            ..Self::default()
        }
    }

    /// The answer as one line (no newline).
    pub fn to_line(&self) -> String {
        // Serialising a struct of strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| r#"{"ok":false}"#.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::DecisionKind;

    #[test]
    fn parses_a_query_and_an_approval() {
        assert_eq!(parse(r#"{"v":1,"query":"pending"}"#), Ok(Ask::Pending));
        let a = parse(
            r#"{"v":1,"request":"r-1","reason":" ok ","as":"alice",
                "for":{"kind":"go","release":"1.2.3","round":2}}"#,
        )
        .expect("approval");
        assert_eq!(
            a,
            Ask::Approve {
                request: "r-1".into(),
                reason: Some(" ok ".into()),
                as_name: Some("alice".into()),
                decision: Some(DecisionRef {
                    kind: DecisionKind::Go,
                    release: Some("1.2.3".into()),
                    round: 2,
                    step: None,
                }),
            }
        );
        assert_eq!(a.action(), "approve");
    }

    #[test]
    fn refuses_bad_requests_with_a_reason() {
        let err = |l: &str| parse(l).expect_err(l);
        assert!(err(r#"{"v":2,"query":"pending"}"#).contains("version 2"));
        assert!(err(r#"{"v":1,"query":"state"}"#).contains("unknown query"));
        assert!(err(r#"{"v":1}"#).contains("request id"));
        assert!(err(r#"{"v":1,"request":"a b"}"#).contains("letters, digits"));
        assert!(err(r#"{"v":1,"request":"ok","as":"x y"}"#).contains("--as"));
        assert!(err(r#"{"v":1,"request":"ok","extra":1}"#).contains("unknown field"));
        assert!(err("not json").contains("not valid JSON"));
        let long = format!(
            r#"{{"v":1,"request":"ok","reason":"{}"}}"#,
            "x".repeat(2001)
        );
        assert!(err(&long).contains("longer than"));
        assert!(!valid_id(&"a".repeat(65)));
        assert!(valid_id("A_9-z"));
    }

    #[test]
    fn answers_round_trip_and_stay_small() {
        let a = Answer {
            ok: true,
            seq: Some(12),
            decision: Some("the go of 1.2.3 (round 1)".into()),
            ..Answer::default()
        };
        assert_eq!(
            a.to_line(),
            r#"{"ok":true,"seq":12,"decision":"the go of 1.2.3 (round 1)"}"#
        );
        let back: Answer = serde_json::from_str(&a.to_line()).expect("parse");
        assert_eq!(back, a);
        assert_eq!(
            Answer::unavailable("ending").to_line(),
            r#"{"ok":false,"reason":"ending","unavailable":true}"#
        );
    }
}
