//! A signed approval: the exact text an approver signs with `warroom approve --cluster` (the
//! session, the decision it is for, the chain head they saw, who, when and why), read back
//! strictly by the war room that receives it.
//!
//! ```text
//! warroom-approval-v1
//! session 27e59f99719af05b
//! decision {"kind":"go","release":"1.2.3","round":1}
//! head 42 a3c2f1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a46e0f
//! principal alice@example.com
//! at 2026-12-01T10:15:02.123Z
//! reason "plan reviewed"
//! ```
//!
//! Every line ends in `\n`. `decision` is the `DecisionRef` as the session log writes it and
//! `reason` a JSON string (or `null`), so neither can spill into another line; a text that is
//! not exactly what [`ApprovalClaim::text`] would write is refused, so it has one reading.

use jiff::Timestamp;

use super::allowed::AllowedSigners;
use super::signer::{SignError, Signer};
use super::sshsig::{Verified, verify_message};
use crate::event::DecisionRef;

/// The SSHSIG namespace of approvals: an approval can never pass for a head signature, a git
/// commit or a file signature.
pub const APPROVAL_NAMESPACE: &str = "warroom-approval@warroom";

const TAG: &str = "warroom-approval-v1";

/// The longest reason accepted, in bytes.
pub const MAX_REASON: usize = 4096;

/// What an approver signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalClaim {
    /// The session approved in.
    pub session: String,
    /// The decision approved.
    pub decision: DecisionRef,
    /// The `seq` of the chain head the approver saw.
    pub head_seq: u64,
    /// That line's `hash`.
    pub head_hash: String,
    /// The allowed_signers principal the approver signs as.
    pub principal: String,
    /// When they signed.
    pub at: Timestamp,
    /// Why, if they said.
    pub reason: Option<String>,
}

impl ApprovalClaim {
    /// The text signed (see the module's documentation).
    pub fn text(&self) -> String {
        let decision = serde_json::to_string(&self.decision).unwrap_or_default();
        let reason = serde_json::to_string(&self.reason).unwrap_or_default();
        format!(
            "{TAG}\nsession {}\ndecision {decision}\nhead {} {}\nprincipal {}\nat {}\nreason \
             {reason}\n",
            self.session,
            self.head_seq,
            self.head_hash,
            self.principal,
            crate::event::at_format::to_string(&self.at),
        )
    }

    /// Reads a signed text back; anything but exactly what [`text`](Self::text) writes is
    /// refused with the reason.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut lines = text.split_inclusive('\n');
        let mut field = |name: &str| -> Result<&str, String> {
            let line = lines
                .next()
                .ok_or_else(|| format!("the approval ends before its `{name}` line"))?;
            let body = line
                .strip_suffix('\n')
                .ok_or_else(|| format!("the `{name}` line does not end with a newline"))?;
            if name == "tag" {
                return Ok(body);
            }
            body.strip_prefix(name)
                .and_then(|r| r.strip_prefix(' '))
                .ok_or_else(|| format!("expected a `{name}` line, found {body:?}"))
        };
        let tag = field("tag")?;
        if tag != TAG {
            return Err(format!(
                "not a warroom approval (first line {tag:?}, expected {TAG:?})"
            ));
        }
        let session = field("session")?.to_string();
        let decision: DecisionRef = serde_json::from_str(field("decision")?)
            .map_err(|e| format!("the `decision` line is not a decision: {e}"))?;
        let (seq, hash) = field("head")?
            .split_once(' ')
            .ok_or("the `head` line must be `head SEQ HASH`")?;
        let head_seq = seq
            .parse()
            .map_err(|_| format!("the head's seq {seq:?} is not a number"))?;
        let head_hash = hash.to_string();
        let principal = field("principal")?.to_string();
        let at: Timestamp = field("at")?
            .parse()
            .map_err(|e| format!("the `at` line is not a time: {e}"))?;
        let reason: Option<String> = serde_json::from_str(field("reason")?)
            .map_err(|e| format!("the `reason` line is not a JSON string or null: {e}"))?;
        if lines.next().is_some() {
            return Err("the approval has lines after `reason`".to_string());
        }
        let claim = Self {
            session,
            decision,
            head_seq,
            head_hash,
            principal,
            at,
            reason,
        };
        claim.check()?;
        if claim.text() != text {
            return Err(
                "the approval is not written the one way warroom writes it (spacing, escaping \
                 or precision differ)"
                    .to_string(),
            );
        }
        Ok(claim)
    }

    /// The rules a claim must meet before it is signed or read: a head that names one line,
    /// a principal of one word, a reason of bounded size.
    pub fn check(&self) -> Result<(), String> {
        super::head::head_message(&self.session, self.head_seq, &self.head_hash)?;
        if self.principal.is_empty()
            || self
                .principal
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == ',')
        {
            return Err(format!(
                "principal {:?} must be one allowed_signers name without spaces or commas",
                self.principal
            ));
        }
        if self.reason.as_ref().is_some_and(|r| r.len() > MAX_REASON) {
            return Err(format!("the reason is longer than {MAX_REASON} bytes"));
        }
        Ok(())
    }

    /// Signs the claim's text with `signer`: the armored SSHSIG.
    pub fn sign(&self, signer: &Signer) -> Result<String, SignError> {
        self.check().map_err(SignError::InvalidHead)?;
        signer.sign_message(APPROVAL_NAMESPACE, self.text().as_bytes())
    }
}

/// Reads `text` and checks `signature` over it against `allowed`, for the principal the text
/// claims, at `when` (the time it arrived). Returns the claim and who signed it.
pub fn verify_approval(
    text: &str,
    signature: &str,
    allowed: &AllowedSigners,
    when: Timestamp,
) -> Result<(ApprovalClaim, Verified), String> {
    let claim = ApprovalClaim::parse(text)?;
    let who = verify_message(
        signature,
        APPROVAL_NAMESPACE,
        text.as_bytes(),
        allowed,
        Some(&claim.principal),
        when,
    )
    .map_err(|e| e.to_string())?;
    Ok((claim, who))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::DecisionKind;

    fn claim() -> ApprovalClaim {
        ApprovalClaim {
            session: "27e59f99719af05b".into(),
            decision: DecisionRef {
                kind: DecisionKind::Go,
                release: Some("1.2.3".into()),
                round: 1,
                step: None,
            },
            head_seq: 42,
            head_hash: "ab".repeat(32),
            principal: "alice@example.com".into(),
            at: "2026-12-01T10:15:02.123Z".parse().expect("time"),
            reason: Some("plan reviewed\nsecond line".into()),
        }
    }

    #[test]
    fn the_text_is_as_documented_and_reads_back() {
        let c = claim();
        let text = c.text();
        assert_eq!(
            text,
            format!(
                "warroom-approval-v1\nsession 27e59f99719af05b\ndecision \
                 {{\"kind\":\"go\",\"release\":\"1.2.3\",\"round\":1}}\nhead 42 {}\nprincipal \
                 alice@example.com\nat 2026-12-01T10:15:02.123Z\nreason \"plan reviewed\\nsecond \
                 line\"\n",
                "ab".repeat(32)
            )
        );
        assert_eq!(ApprovalClaim::parse(&text), Ok(c));
    }

    #[test]
    fn any_other_writing_is_refused() {
        let text = claim().text();
        for (bad, why) in [
            (
                text.replace("warroom-approval-v1", "warroom-head-v1"),
                "not a warroom",
            ),
            (
                text.replace("head 42 ", "head 042 "),
                "not written the one way",
            ),
            (
                text.replace("principal alice", "principal  alice"),
                "principal",
            ),
            (format!("{text}extra\n"), "lines after"),
            (text.trim_end().to_string(), "newline"),
            (text.replace(".123Z", "Z"), "not written the one way"),
            (
                text.replace("\"round\":1", "\"round\":1,\"x\":2"),
                "not written the one way",
            ),
        ] {
            let err = ApprovalClaim::parse(&bad).expect_err(&bad);
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }
}
