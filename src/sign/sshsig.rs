//! Checking an armored `SSHSIG` signature against a message, a namespace and the allowed
//! signers, with a reason for every refusal.

use jiff::Timestamp;
use serde::Serialize;
use ssh_key::public::KeyData;
use ssh_key::{HashAlg, LineEnding, PublicKey, SshSig};

use super::allowed::{AllowedSigners, Refusal};

/// A signature that checked out: who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// The allowed_signers principals the key may sign as (the claimed one, if the signature
    /// claimed one); never empty.
    pub principals: Vec<String>,
    /// The signing key's fingerprint, `SHA256:…` as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// The signing key's type, e.g. `ssh-ed25519`.
    pub key_type: String,
}

impl Verified {
    /// The signer for a person to read: the principals, comma-separated.
    pub fn signer(&self) -> String {
        self.principals.join(", ")
    }
}

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The text is not a well-formed `-----BEGIN SSH SIGNATURE-----` block.
    #[error("malformed SSH signature: {0}")]
    Malformed(String),
    /// The signature was made for another purpose.
    #[error("the signature is for namespace {found:?}, not {expected:?}")]
    WrongNamespace {
        /// The namespace this check needs.
        expected: String,
        /// The namespace the signature carries.
        found: String,
    },
    /// The signature does not match the message: the text or the signature was altered.
    #[error(
        "the signature by key {fingerprint} does not match the signed text: the log or the \
         signature was altered"
    )]
    BadSignature {
        /// The key the signature names.
        fingerprint: String,
    },
    /// The key is not in the allowed signers file.
    #[error("signed by key {fingerprint}, which the allowed signers file does not list")]
    UnknownKey {
        /// The key the signature names.
        fingerprint: String,
    },
    /// The key is listed, but no line allows this signature.
    #[error("key {fingerprint} is listed but may not sign this: {}", reasons.join("; "))]
    NotAllowed {
        /// The key the signature names.
        fingerprint: String,
        /// One reason per line listing the key.
        reasons: Vec<String>,
    },
    /// A recorded field disagrees with the chain or with the signature itself.
    #[error("the recorded {field} {recorded:?} does not match {actual:?}")]
    Mismatch {
        /// Which field.
        field: &'static str,
        /// What the record says.
        recorded: String,
        /// What the chain or the signature says.
        actual: String,
    },
    /// The head to check is not a valid head (bad session id or hash).
    #[error("invalid head: {0}")]
    InvalidHead(String),
}

/// Checks an armored signature over `msg` in `namespace`, as
/// `ssh-keygen -Y verify -f ALLOWED -I PRINCIPAL -n NAMESPACE -s SIG < MSG` does. `principal`
/// is the one the signer claimed, if any; `when` is the time the signature was made, checked
/// against `valid-after`/`valid-before`.
pub fn verify_message(
    armored: &str,
    namespace: &str,
    msg: &[u8],
    allowed: &AllowedSigners,
    principal: Option<&str>,
    when: Timestamp,
) -> Result<Verified, VerifyError> {
    let sig = parse(armored)?;
    if sig.namespace() != namespace {
        return Err(VerifyError::WrongNamespace {
            expected: namespace.to_string(),
            found: sig.namespace().to_string(),
        });
    }
    let key = PublicKey::from(sig.public_key().clone());
    let fingerprint = fingerprint(&key);
    // Said apart from a bad signature: an old DSA key is not an altered log.
    if matches!(key.key_data(), KeyData::Dsa(_) | KeyData::Other(_)) {
        return Err(VerifyError::Malformed(format!(
            "signed with a {} key ({fingerprint}), which is not supported; use Ed25519, \
             ECDSA or RSA",
            key.algorithm()
        )));
    }
    key.verify(namespace, msg, &sig)
        .map_err(|_| VerifyError::BadSignature {
            fingerprint: fingerprint.clone(),
        })?;
    let principals = allowed
        .authorize(key.key_data(), namespace, principal, when)
        .map_err(|r| match r {
            Refusal::UnknownKey => VerifyError::UnknownKey {
                fingerprint: fingerprint.clone(),
            },
            Refusal::NotAllowed(reasons) => VerifyError::NotAllowed {
                fingerprint: fingerprint.clone(),
                reasons,
            },
        })?;
    Ok(Verified {
        principals,
        fingerprint,
        key_type: key.algorithm().to_string(),
    })
}

/// Decodes the armored block.
pub(crate) fn parse(armored: &str) -> Result<SshSig, VerifyError> {
    let text = armored.trim();
    if !text.starts_with("-----BEGIN SSH SIGNATURE-----") {
        return Err(VerifyError::Malformed(
            "it does not start with -----BEGIN SSH SIGNATURE-----".into(),
        ));
    }
    if !text.ends_with("-----END SSH SIGNATURE-----") {
        return Err(VerifyError::Malformed(
            "it does not end with -----END SSH SIGNATURE----- (truncated?)".into(),
        ));
    }
    SshSig::from_pem(text).map_err(|e| VerifyError::Malformed(e.to_string()))
}

/// Encodes a signature as ssh-keygen writes it: 70-column base64, `\n` line ends, a final `\n`.
pub(crate) fn armor(sig: &SshSig) -> Result<String, ssh_key::Error> {
    let mut s = sig.to_pem(LineEnding::LF)?;
    if !s.ends_with('\n') {
        s.push('\n');
    }
    Ok(s)
}

/// `SHA256:…`, the form `ssh-keygen -l` and allowed_signers tooling show.
pub(crate) fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}
