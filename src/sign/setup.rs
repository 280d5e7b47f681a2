//! Which key signs a war room's heads: `WARROOM_SIGNER`, else `[signing] key`, read the way
//! git reads `user.signingKey` — ssh-agent by default, a key in the agent named by its public
//! key or fingerprint, or an unencrypted private key file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::signer::{KeySelector, SignError, Signer};
use crate::config::warroom::WarroomConfig;

/// The environment variable that overrides `[signing] key` (and turns signing on without a
/// `[signing]` table).
pub const SIGNER_ENV: &str = "WARROOM_SIGNER";

/// Where the signing key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// An unencrypted OpenSSH private key file.
    File(PathBuf),
    /// The ssh-agent at `SSH_AUTH_SOCK`, with the key named as written (a `.pub` path, a
    /// fingerprint or a public key), or its first Ed25519 key.
    Agent(Option<String>),
}

/// How this war room signs: the key and the principal claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignSetup {
    /// The key.
    pub source: KeySource,
    /// The allowed_signers principal signed as.
    pub principal: String,
}

impl SignSetup {
    /// Signing for `operator` from `env_value` (`WARROOM_SIGNER`) or the config's
    /// `[signing]`; `None` when neither asks for it. Relative key paths are read against the
    /// config's directory, `~/` against `home`.
    pub fn resolve(
        cfg: Option<&WarroomConfig>,
        env_value: Option<&str>,
        operator: &str,
        home: Option<&Path>,
    ) -> Option<Self> {
        let signing = cfg.and_then(|c| c.signing.as_ref());
        let setting = env_value
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        if setting.is_none() && signing.is_none() {
            return None;
        }
        let setting = setting.or_else(|| signing.and_then(|s| s.key.clone()));
        let base = cfg.map_or(Path::new(""), |c| c.base_dir.as_path());
        let principal = signing.map_or(operator, |s| s.principal_of(operator));
        Some(Self {
            source: parse_setting(setting.as_deref(), base, home),
            principal: principal.to_string(),
        })
    }

    /// Opens the key (reads the file, or asks the agent for its keys) with `timeout` for each
    /// request to an agent.
    pub fn signer(&self, timeout: Duration) -> Result<Signer, SignError> {
        let signer = match &self.source {
            KeySource::File(path) => Signer::from_key_file(path)?,
            KeySource::Agent(want) => {
                let want = want.as_deref().map(KeySelector::parse).transpose()?;
                let socket = std::env::var_os("SSH_AUTH_SOCK")
                    .filter(|s| !s.is_empty())
                    .ok_or(SignError::NoAgent)?;
                Signer::from_agent_timeout(Path::new(&socket), want.as_ref(), timeout)?
            }
        };
        Ok(signer.with_principal(self.principal.clone()))
    }

    /// A signing error with the key named once: errors about a key file name it already.
    pub fn explain(&self, e: &SignError) -> String {
        match e {
            SignError::KeyFile { .. } | SignError::Encrypted { .. } => e.to_string(),
            _ => format!("{}: {e}", self.describe()),
        }
    }

    /// The key for a person to read: `key file PATH`, `ssh-agent (KEY)`.
    pub fn describe(&self) -> String {
        match &self.source {
            KeySource::File(p) => format!("key file {}", p.display()),
            KeySource::Agent(None) => "ssh-agent (its first Ed25519 key)".to_string(),
            KeySource::Agent(Some(k)) => format!("ssh-agent ({k})"),
        }
    }
}

/// Reads a key setting: `agent` or nothing → the agent's first Ed25519 key; `SHA256:…`,
/// `key::…` or a public key → that key in the agent; a path ending in `.pub` → the agent key
/// it names; any other path → a private key file.
pub fn parse_setting(setting: Option<&str>, base: &Path, home: Option<&Path>) -> KeySource {
    let Some(v) = setting.map(str::trim).filter(|v| !v.is_empty()) else {
        return KeySource::Agent(None);
    };
    if v == "agent" {
        return KeySource::Agent(None);
    }
    let literal = v.starts_with("SHA256:")
        || v.starts_with("key::")
        || (["ssh-", "ecdsa-", "sk-"].iter().any(|p| v.starts_with(p)) && v.contains(' '));
    if literal {
        return KeySource::Agent(Some(v.to_string()));
    }
    let path = match (v.strip_prefix("~/"), home) {
        (Some(rest), Some(h)) => h.join(rest),
        _ if Path::new(v).is_relative() => base.join(v),
        _ => PathBuf::from(v),
    };
    if path.extension().is_some_and(|e| e == "pub") {
        KeySource::Agent(Some(path.display().to_string()))
    } else {
        KeySource::File(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::warroom::Signing;

    #[test]
    fn settings_are_read_as_git_reads_user_signing_key() {
        let base = Path::new("/etc/warroom");
        let home = Some(Path::new("/home/ops"));
        let p = |s| parse_setting(s, base, home);
        assert_eq!(p(None), KeySource::Agent(None));
        assert_eq!(p(Some("agent")), KeySource::Agent(None));
        assert_eq!(
            p(Some("SHA256:abc")),
            KeySource::Agent(Some("SHA256:abc".into()))
        );
        assert_eq!(
            p(Some("ssh-ed25519 AAAAC3 me")),
            KeySource::Agent(Some("ssh-ed25519 AAAAC3 me".into()))
        );
        assert_eq!(
            p(Some("~/.ssh/id_ed25519")),
            KeySource::File("/home/ops/.ssh/id_ed25519".into())
        );
        assert_eq!(
            p(Some("~/.ssh/id_ed25519.pub")),
            KeySource::Agent(Some("/home/ops/.ssh/id_ed25519.pub".into()))
        );
        assert_eq!(
            p(Some("keys/lead")),
            KeySource::File("/etc/warroom/keys/lead".into())
        );
        assert_eq!(
            p(Some("ssh-key-file")),
            KeySource::File("/etc/warroom/ssh-key-file".into())
        );
    }

    #[test]
    fn signing_is_on_only_when_asked_for() {
        assert_eq!(SignSetup::resolve(None, None, "alice", None), None);
        assert_eq!(SignSetup::resolve(None, Some(" "), "alice", None), None);
        let from_env = SignSetup::resolve(None, Some("/k/lead"), "alice", None).expect("on");
        assert_eq!(from_env.source, KeySource::File("/k/lead".into()));
        assert_eq!(from_env.principal, "alice");
        let mut cfg = WarroomConfig {
            signing: Some(Signing::default()),
            base_dir: "/cfg".into(),
            ..WarroomConfig::default()
        };
        if let Some(s) = cfg.signing.as_mut() {
            s.principals
                .insert("alice".into(), "alice@example.com".into());
        }
        let from_cfg = SignSetup::resolve(Some(&cfg), None, "alice", None).expect("on");
        assert_eq!(from_cfg.source, KeySource::Agent(None));
        assert_eq!(from_cfg.principal, "alice@example.com");
        let both = SignSetup::resolve(Some(&cfg), Some("k"), "bob", None).expect("on");
        assert_eq!(both.source, KeySource::File("/cfg/k".into()));
        assert_eq!(both.principal, "bob");
    }
}
