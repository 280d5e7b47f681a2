//! Who signs: an operator's SSH key, from an unencrypted OpenSSH key file or held by ssh-agent.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use ssh_key::{Algorithm, Fingerprint, HashAlg, PrivateKey, PublicKey, SshSig};

use super::agent;
use super::sshsig::{armor, fingerprint};

/// How long ssh-agent may take to answer one request (a security key may wait for a touch).
pub const AGENT_TIMEOUT: Duration = Duration::from_secs(60);

/// Why signing failed; every message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The key file cannot be used.
    #[error("key file {path}: {reason}")]
    KeyFile {
        /// The file as given.
        path: PathBuf,
        /// Why, and the fix.
        reason: String,
    },
    /// The key file needs a passphrase, which the war room never asks for.
    #[error(
        "key file {path} is encrypted with a passphrase; the war room does not read \
         passphrases: load the key into ssh-agent (`ssh-add {path}`) and sign through the agent"
    )]
    Encrypted {
        /// The file as given.
        path: PathBuf,
    },
    /// No agent to talk to.
    #[error(
        "SSH_AUTH_SOCK is not set, so there is no ssh-agent to sign with: start one \
         (`eval $(ssh-agent)`), add your key with `ssh-add`, or configure a key file"
    )]
    NoAgent,
    /// Talking to the agent failed.
    #[error("ssh-agent at {socket}: {reason}")]
    Agent {
        /// The agent's socket.
        socket: PathBuf,
        /// Why, and the fix.
        reason: String,
    },
    /// The agent does not hold the wanted key.
    #[error("ssh-agent at {socket} holds no {wanted}; it holds: {held}")]
    KeyNotInAgent {
        /// The agent's socket.
        socket: PathBuf,
        /// The key asked for.
        wanted: String,
        /// What the agent holds (type, fingerprint, comment), or "no keys".
        held: String,
    },
    /// The signing key setting is neither a fingerprint, a public key nor a readable file.
    #[error("signing key {value:?}: {reason}")]
    Selector {
        /// The setting as given.
        value: String,
        /// Why, and the fix.
        reason: String,
    },
    /// The head to sign is not a valid head.
    #[error("invalid head: {0}")]
    InvalidHead(String),
    /// The signature could not be made.
    #[error("signing with key {fingerprint} failed: {reason}")]
    Sign {
        /// The key used.
        fingerprint: String,
        /// Why.
        reason: String,
    },
}

/// Which key the agent should sign with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySelector {
    /// A `SHA256:…` fingerprint.
    Fingerprint(Fingerprint),
    /// A public key.
    Key(Box<PublicKey>),
}

impl KeySelector {
    /// Reads a signing-key setting the way git's `user.signingKey` is written: a `SHA256:…`
    /// fingerprint, a public key (`ssh-ed25519 AAAA…`, optionally after `key::`), or the path
    /// of a public key file.
    pub fn parse(value: &str) -> Result<Self, SignError> {
        let bad = |reason: String| SignError::Selector {
            value: value.to_string(),
            reason,
        };
        let v = value.trim();
        if v.starts_with("SHA256:") {
            return Fingerprint::from_str(v)
                .map(Self::Fingerprint)
                .map_err(|e| bad(format!("not a valid SHA256 fingerprint ({e})")));
        }
        let literal = v.strip_prefix("key::").unwrap_or(v);
        // A key is `type base64`; anything without a space is a file name, even `ssh-…`.
        let key_type = ["ssh-", "ecdsa-", "sk-"]
            .iter()
            .any(|p| literal.starts_with(p));
        if key_type && literal.contains(' ') {
            return PublicKey::from_openssh(literal)
                .map(|k| Self::Key(Box::new(k)))
                .map_err(|e| bad(format!("not a valid OpenSSH public key ({e})")));
        }
        let text = std::fs::read_to_string(v).map_err(|e| {
            bad(format!(
                "cannot read it as a public key file ({e}); give a SHA256:… fingerprint, a \
                 public key, or the path of a .pub file"
            ))
        })?;
        if text.contains("PRIVATE KEY-----") {
            return Err(bad(format!(
                "is a private key; name its public key instead ({v}.pub)"
            )));
        }
        PublicKey::from_openssh(text.trim())
            .map(|k| Self::Key(Box::new(k)))
            .map_err(|e| {
                bad(format!(
                    "the file does not hold an OpenSSH public key ({e})"
                ))
            })
    }

    fn matches(&self, key: &PublicKey) -> bool {
        match self {
            Self::Fingerprint(f) => key.fingerprint(HashAlg::Sha256) == *f,
            Self::Key(k) => k.key_data() == key.key_data(),
        }
    }
}

impl fmt::Display for KeySelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fingerprint(fp) => write!(f, "key {fp}"),
            Self::Key(k) => write!(f, "key {}", fingerprint(k)),
        }
    }
}

/// An operator's signing key.
pub struct Signer {
    public: PublicKey,
    principal: Option<String>,
    backend: Backend,
}

enum Backend {
    /// Boxed so the signer stays small; ssh-key zeroizes the key material on drop.
    File(Box<PrivateKey>),
    Agent {
        socket: PathBuf,
        timeout: Duration,
    },
}

impl fmt::Debug for Signer {
    // Hand-written so no private key material can ever reach a log through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let via = match &self.backend {
            Backend::File(_) => "key file".to_string(),
            Backend::Agent { socket, .. } => format!("ssh-agent at {}", socket.display()),
        };
        f.debug_struct("Signer")
            .field("key", &self.fingerprint())
            .field("principal", &self.principal)
            .field("via", &via)
            .finish()
    }
}

impl Signer {
    /// Signs with an unencrypted OpenSSH private key file (`ssh-keygen -N ''`). The file must
    /// not be readable by others, as ssh itself demands.
    pub fn from_key_file(path: &Path) -> Result<Self, SignError> {
        let bad = |reason: String| SignError::KeyFile {
            path: path.to_path_buf(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(bad(format!(
                    "is readable by other users (mode {mode:03o}); ssh refuses such keys too: \
                     chmod 600 {}",
                    path.display()
                )));
            }
        }
        let text = std::fs::read(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
        let key = PrivateKey::from_openssh(&text).map_err(|e| {
            let s = String::from_utf8_lossy(&text);
            if s.contains("-----BEGIN RSA PRIVATE KEY-----")
                || s.contains("-----BEGIN EC PRIVATE KEY-----")
                || s.contains("-----BEGIN PRIVATE KEY-----")
            {
                bad(format!(
                    "is in the old PEM format; rewrite it in the OpenSSH format with \
                     `ssh-keygen -p -f {}`",
                    path.display()
                ))
            } else if PublicKey::from_openssh(s.trim()).is_ok() {
                bad(
                    "is a public key; give the private key file, or sign through ssh-agent \
                     naming this public key"
                        .into(),
                )
            } else {
                bad(format!("not an OpenSSH private key ({e})"))
            }
        })?;
        if key.is_encrypted() {
            return Err(SignError::Encrypted {
                path: path.to_path_buf(),
            });
        }
        // ssh-key 0.6 builds the RSA private key from the wrong primes (fixed upstream after
        // 0.6.7, RustCrypto/SSH#217), so RSA signing fails; the agent signs RSA keys itself.
        if matches!(key.algorithm(), Algorithm::Rsa { .. }) {
            return Err(bad(format!(
                "signing with an RSA key file is not supported: load it into ssh-agent \
                 (`ssh-add {}`) and sign through the agent, or use an Ed25519 key",
                path.display()
            )));
        }
        Ok(Self {
            public: key.public_key().clone(),
            principal: None,
            backend: Backend::File(Box::new(key)),
        })
    }

    /// Signs through the ssh-agent at `socket` with the key `want`, or without one with the
    /// first Ed25519 key the agent holds.
    pub fn from_agent(socket: &Path, want: Option<&KeySelector>) -> Result<Self, SignError> {
        Self::from_agent_timeout(socket, want, AGENT_TIMEOUT)
    }

    /// [`from_agent`](Self::from_agent) with `timeout` instead of [`AGENT_TIMEOUT`] for each
    /// request to the agent.
    pub fn from_agent_timeout(
        socket: &Path,
        want: Option<&KeySelector>,
        timeout: Duration,
    ) -> Result<Self, SignError> {
        let keys = agent::identities(socket, timeout)?;
        let chosen = match want {
            Some(w) => keys.iter().find(|k| w.matches(k)),
            None => keys.iter().find(|k| k.algorithm() == Algorithm::Ed25519),
        };
        let Some(public) = chosen.cloned() else {
            let wanted = match want {
                Some(w) => w.to_string(),
                None => {
                    "Ed25519 key (name the key to use by its public key or fingerprint)".to_string()
                }
            };
            let held = if keys.is_empty() {
                "no keys (add one with ssh-add)".to_string()
            } else {
                keys.iter()
                    .map(|k| format!("{} {} {}", k.algorithm(), fingerprint(k), k.comment()))
                    .map(|s| s.trim_end().to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            return Err(SignError::KeyNotInAgent {
                socket: socket.to_path_buf(),
                wanted,
                held,
            });
        };
        Ok(Self {
            public,
            principal: None,
            backend: Backend::Agent {
                socket: socket.to_path_buf(),
                timeout,
            },
        })
    }

    /// [`from_agent`](Self::from_agent) with the agent named by `SSH_AUTH_SOCK`.
    pub fn from_env_agent(want: Option<&KeySelector>) -> Result<Self, SignError> {
        let socket = std::env::var_os("SSH_AUTH_SOCK")
            .filter(|s| !s.is_empty())
            .ok_or(SignError::NoAgent)?;
        Self::from_agent(Path::new(&socket), want)
    }

    /// Records `principal` (an allowed_signers name, e.g. an e-mail address) as the signer's
    /// claim; verification then requires the key to be listed for it.
    pub fn with_principal(mut self, principal: impl Into<String>) -> Self {
        self.principal = Some(principal.into());
        self
    }

    /// The principal this signer claims, if one was set.
    pub fn principal(&self) -> Option<&str> {
        self.principal.as_deref()
    }

    /// The public half of the signing key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The signing key's `SHA256:…` fingerprint.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public)
    }

    /// Signs `msg` in `namespace` (SHA-512, as ssh-keygen defaults to) and returns the armored
    /// `-----BEGIN SSH SIGNATURE-----` text that `ssh-keygen -Y verify` reads.
    pub fn sign_message(&self, namespace: &str, msg: &[u8]) -> Result<String, SignError> {
        let failed = |reason: String| SignError::Sign {
            fingerprint: self.fingerprint(),
            reason,
        };
        let sig = match &self.backend {
            Backend::File(key) => key
                .sign(namespace, HashAlg::Sha512, msg)
                .map_err(|e| failed(e.to_string()))?,
            Backend::Agent { socket, timeout } => {
                let data = SshSig::signed_data(namespace, HashAlg::Sha512, msg)
                    .map_err(|e| failed(e.to_string()))?;
                let raw = agent::sign(socket, *timeout, &self.public, &data)?;
                SshSig::new(
                    self.public.key_data().clone(),
                    namespace,
                    HashAlg::Sha512,
                    raw,
                )
                .map_err(|e| failed(e.to_string()))?
            }
        };
        // Check before anything is recorded: a signature that does not verify (a confused
        // agent, a bug) must fail here, not at the post-mortem.
        self.public
            .verify(namespace, msg, &sig)
            .map_err(|e| failed(format!("the signature made does not verify ({e})")))?;
        armor(&sig).map_err(|e| failed(e.to_string()))
    }
}
