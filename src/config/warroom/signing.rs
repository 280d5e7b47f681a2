//! `[signing]`: how this war room's operator signs the session's heads (an SSH key file or
//! ssh-agent), and the allowed signers whose signatures count.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::WarroomConfig;
use crate::path;
use crate::runbook::input::Diagnostics;

/// `[signing]`. Present (even empty), it turns signing on: the chain head is signed after
/// every human decision and at the close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Signing {
    /// The operator's key: `"agent"` (the first Ed25519 key of the ssh-agent at
    /// `SSH_AUTH_SOCK`, the default), the key in the agent named as git's `user.signingKey`
    /// is (a `.pub` file, `SHA256:…`, `ssh-ed25519 AAAA…`), or an unencrypted OpenSSH private
    /// key file. `~/` and paths relative to the config file are resolved. `WARROOM_SIGNER`
    /// overrides it.
    pub key: Option<String>,
    /// git's `allowed_signers` file: whose signatures count (relative to the config file).
    pub allowed_signers: Option<PathBuf>,
    /// Operator name → the allowed_signers principal they sign as (default: the name).
    pub principals: BTreeMap<String, String>,
}

impl Signing {
    /// The principal `operator` signs as.
    pub fn principal_of<'a>(&'a self, operator: &'a str) -> &'a str {
        self.principals
            .get(operator)
            .map_or(operator, String::as_str)
    }

    /// The operator whose principal is `principal`: the one mapped to it in `principals`, else
    /// the operator of that name.
    pub fn operator_of<'a>(&'a self, principal: &'a str) -> &'a str {
        self.principals
            .iter()
            .find(|(_, p)| p.as_str() == principal)
            .map_or(principal, |(op, _)| op.as_str())
    }
}

/// Checks `[signing]`: principals are allowed_signers names (no spaces, no commas), the key
/// setting is not blank.
pub fn check(c: &WarroomConfig, d: &mut Diagnostics<'_>) {
    let Some(s) = &c.signing else {
        return;
    };
    if s.key.as_deref().is_some_and(|k| k.trim().is_empty()) {
        d.at_value(
            &path!["signing", "key"],
            "`key` is empty: leave it out to sign with ssh-agent, or name a key file",
        );
    }
    for (op, principal) in &s.principals {
        if principal.is_empty()
            || principal.contains(',')
            || principal
                .chars()
                .any(|ch| ch.is_whitespace() || ch.is_control())
        {
            d.at_value(
                &path!["signing", "principals", op.as_str()],
                format!(
                    "principal {principal:?} for \"{op}\" must be one allowed_signers name \
                     without spaces or commas, e.g. \"{op}@example.com\""
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::input::Format;

    fn parse(text: &str) -> Result<WarroomConfig, String> {
        super::super::parse_str(text, Format::Toml, "warroom.toml").map_err(|p| {
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    #[test]
    fn signing_is_read_and_principals_map_both_ways() {
        let c = parse(
            "[deployment]\nname = \"app\"\n[signing]\nkey = \"~/.ssh/id_ed25519\"\n\
             allowed_signers = \"allowed_signers\"\n[signing.principals]\nalice = \"alice@example.com\"\n",
        )
        .expect("valid");
        let s = c.signing.expect("signing");
        assert_eq!(s.key.as_deref(), Some("~/.ssh/id_ed25519"));
        assert_eq!(s.principal_of("alice"), "alice@example.com");
        assert_eq!(s.principal_of("bob"), "bob");
        assert_eq!(s.operator_of("alice@example.com"), "alice");
        assert_eq!(s.operator_of("bob"), "bob");
    }

    #[test]
    fn bad_signing_settings_name_the_line() {
        let err = parse(
            "[deployment]\nname = \"app\"\n[signing]\nkey = \" \"\n[signing.principals]\nalice = \"a b\"\n",
        )
        .expect_err("invalid");
        assert!(err.contains("warroom.toml:4:"), "{err}");
        assert!(err.contains("`key` is empty"), "{err}");
        assert!(err.contains("warroom.toml:6:"), "{err}");
        assert!(err.contains("without spaces or commas"), "{err}");
        let err = parse("[deployment]\nname = \"app\"\n[signing]\nkeys = \"x\"\n")
            .expect_err("unknown key");
        assert!(err.contains("keys"), "{err}");
    }
}
