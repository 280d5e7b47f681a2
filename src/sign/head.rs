//! One signed head: the exact text signed for (session, seq, hash), and the record of the
//! signature that the session log keeps.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::allowed::AllowedSigners;
use super::signer::{SignError, Signer};
use super::sshsig::{Verified, VerifyError, parse, verify_message};

/// The SSHSIG namespace of head signatures; allowed_signers lines may restrict keys to it with
/// `namespaces="warroom-head@warroom"`.
pub const HEAD_NAMESPACE: &str = "warroom-head@warroom";

/// First line of the signed text; a new layout gets a new tag, never a changed meaning.
const TAG: &str = "warroom-head-v1";

/// First line of the text signed at a session's close: the same layout, but a signature that
/// says "this is the last head", so a log cut back to an earlier signed head cannot pass for a
/// closed one.
const CLOSE_TAG: &str = "warroom-close-v1";

/// A head signature as the session log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadSignature {
    /// The `seq` of the line whose hash is signed.
    pub seq: u64,
    /// That line's `hash` (64 lowercase hex).
    pub hash: String,
    /// The allowed_signers principal the signer claimed, if configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// The signing key's `SHA256:…` fingerprint.
    pub fingerprint: String,
    /// The signing key's type, e.g. `ssh-ed25519`.
    pub key_type: String,
    /// The SSHSIG namespace, [`HEAD_NAMESPACE`].
    pub namespace: String,
    /// The armored `-----BEGIN SSH SIGNATURE-----` block, as `ssh-keygen -Y verify -s` reads.
    pub signature: String,
    /// Signed at the session's close: the text starts `warroom-close-v1` (see [`close_message`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub close: bool,
}

/// The exact bytes signed for a head (docs/session-log.md, "Signed heads"):
///
/// ```text
/// warroom-head-v1
/// session <id>
/// seq <N>
/// hash <64 hex>
/// ```
///
/// each line ending in `\n`. The session id must be 1–128 printable ASCII characters without
/// spaces and the hash 64 lowercase hex characters, so the text has exactly one reading.
pub fn head_message(session: &str, seq: u64, hash: &str) -> Result<String, String> {
    signed_text(TAG, session, seq, hash)
}

/// The exact bytes signed at a session's close: [`head_message`]'s layout with the first line
/// `warroom-close-v1`.
pub fn close_message(session: &str, seq: u64, hash: &str) -> Result<String, String> {
    signed_text(CLOSE_TAG, session, seq, hash)
}

fn signed_text(tag: &str, session: &str, seq: u64, hash: &str) -> Result<String, String> {
    if session.is_empty() || session.len() > 128 || !session.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "session id {session:?} must be 1-128 printable ASCII characters without spaces"
        ));
    }
    if hash.len() != 64
        || !hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!("hash {hash:?} must be 64 lowercase hex characters"));
    }
    Ok(format!(
        "{tag}\nsession {session}\nseq {seq}\nhash {hash}\n"
    ))
}

/// Signs the head (`session`, `seq`, `hash`) with `signer`. Through ssh-agent this may wait
/// for the agent (up to [`AGENT_TIMEOUT`](super::AGENT_TIMEOUT)): call it off the UI thread.
pub fn sign_head(
    signer: &Signer,
    session: &str,
    seq: u64,
    hash: &str,
) -> Result<HeadSignature, SignError> {
    sign(signer, session, seq, hash, false)
}

/// Signs the head (`session`, `seq`, `hash`) as the session's last: the signed text is
/// [`close_message`]'s. Call it off the UI thread, as [`sign_head`].
pub fn sign_close(
    signer: &Signer,
    session: &str,
    seq: u64,
    hash: &str,
) -> Result<HeadSignature, SignError> {
    sign(signer, session, seq, hash, true)
}

fn sign(
    signer: &Signer,
    session: &str,
    seq: u64,
    hash: &str,
    close: bool,
) -> Result<HeadSignature, SignError> {
    let text = if close { close_message } else { head_message };
    let msg = text(session, seq, hash).map_err(SignError::InvalidHead)?;
    let signature = signer.sign_message(HEAD_NAMESPACE, msg.as_bytes())?;
    Ok(HeadSignature {
        seq,
        hash: hash.to_string(),
        principal: signer.principal().map(str::to_string),
        fingerprint: signer.fingerprint(),
        key_type: signer.public_key().algorithm().to_string(),
        namespace: HEAD_NAMESPACE.to_string(),
        signature,
        close,
    })
}

/// Checks a recorded head signature against the head as the chain has it (`session`, `seq`,
/// `hash` from the verified log, not from the record) and the allowed signers. `when` is the
/// time the signature was recorded (its line's `at`), checked against `valid-after` and
/// `valid-before`. Returns who signed.
pub fn verify_head(
    sig: &HeadSignature,
    session: &str,
    seq: u64,
    hash: &str,
    allowed: &AllowedSigners,
    when: Timestamp,
) -> Result<Verified, VerifyError> {
    if sig.seq != seq {
        return Err(mismatch("seq", sig.seq.to_string(), seq.to_string()));
    }
    if sig.hash != hash {
        return Err(mismatch("hash", sig.hash.clone(), hash.to_string()));
    }
    if sig.namespace != HEAD_NAMESPACE {
        return Err(VerifyError::WrongNamespace {
            expected: HEAD_NAMESPACE.to_string(),
            found: sig.namespace.clone(),
        });
    }
    let msg = sig.message(session).map_err(VerifyError::InvalidHead)?;
    let who = verify_message(
        &sig.signature,
        HEAD_NAMESPACE,
        msg.as_bytes(),
        allowed,
        sig.principal.as_deref(),
        when,
    )?;
    // The readable fields must agree with the signature, or a reviewer could be shown a name
    // the signature does not back.
    if sig.fingerprint != who.fingerprint {
        return Err(mismatch(
            "fingerprint",
            sig.fingerprint.clone(),
            who.fingerprint,
        ));
    }
    if sig.key_type != who.key_type {
        return Err(mismatch("key type", sig.key_type.clone(), who.key_type));
    }
    Ok(who)
}

fn mismatch(field: &'static str, recorded: String, actual: String) -> VerifyError {
    VerifyError::Mismatch {
        field,
        recorded,
        actual,
    }
}

impl HeadSignature {
    /// The text this record claims to sign for `session`: [`close_message`] if it is a close,
    /// else [`head_message`]. `ssh-keygen -Y verify` reads it on stdin.
    pub fn message(&self, session: &str) -> Result<String, String> {
        if self.close {
            close_message(session, self.seq, &self.hash)
        } else {
            head_message(session, self.seq, &self.hash)
        }
    }

    /// Checks that the armored block decodes and names the recorded key; says nothing about
    /// who may sign.
    pub fn check_form(&self) -> Result<(), VerifyError> {
        let s = parse(&self.signature)?;
        let fp = super::sshsig::fingerprint(&ssh_key::PublicKey::from(s.public_key().clone()));
        if fp != self.fingerprint {
            return Err(mismatch("fingerprint", self.fingerprint.clone(), fp));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "a3c2f1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a46e0f";

    #[test]
    fn the_signed_text_is_exactly_as_documented() {
        assert_eq!(
            head_message("27e59f99719af05b", 42, HASH).expect("valid"),
            format!("warroom-head-v1\nsession 27e59f99719af05b\nseq 42\nhash {HASH}\n")
        );
    }

    #[test]
    fn the_close_text_differs_only_in_its_tag() {
        assert_eq!(
            close_message("27e59f99719af05b", 42, HASH).expect("valid"),
            format!("warroom-close-v1\nsession 27e59f99719af05b\nseq 42\nhash {HASH}\n")
        );
        assert!(close_message("a b", 1, HASH).is_err());
    }

    #[test]
    fn ambiguous_heads_are_refused() {
        let upper = HASH.to_uppercase();
        let long = "s".repeat(129);
        for (session, hash) in [
            ("", HASH),
            ("a b", HASH),
            ("a\nseq 1", HASH),
            (long.as_str(), HASH),
            ("s", &HASH[..63]),
            ("s", upper.as_str()),
            (
                "s",
                "g3c2f1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a46e0f",
            ),
        ] {
            assert!(
                head_message(session, 1, hash).is_err(),
                "{session:?} {hash:?}"
            );
        }
    }
}
