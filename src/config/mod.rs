//! Where files live (XDG directories) and who is operating (operator, role, host).

pub mod keymap;
pub mod layout;
pub mod theme;
pub mod warroom;

use std::path::{Path, PathBuf};

/// The XDG directories the war room uses.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// `$XDG_CONFIG_HOME/warroom`: warroom.toml, themes/, layouts/, keymap.toml overrides.
    pub config: PathBuf,
    /// `$XDG_DATA_HOME/warroom`: sessions/.
    pub data: PathBuf,
    /// `$XDG_STATE_HOME/warroom`: diagnostics logs.
    pub state: PathBuf,
}

impl Dirs {
    /// Resolves the directories from the environment (falls back to ./.warroom if no home).
    pub fn from_env() -> Self {
        match directories::ProjectDirs::from("", "", "warroom") {
            Some(p) => Self {
                config: p.config_dir().to_path_buf(),
                data: p.data_dir().to_path_buf(),
                state: p
                    .state_dir()
                    .map_or_else(|| p.data_local_dir().join("state"), Path::to_path_buf),
            },
            None => {
                let base = PathBuf::from(".warroom");
                Self {
                    config: base.join("config"),
                    data: base.join("data"),
                    state: base.join("state"),
                }
            }
        }
    }

    /// Directory for session logs.
    pub fn sessions(&self) -> PathBuf {
        self.data.join("sessions")
    }
}

/// Looks up an environment variable, treating an empty value as unset.
pub fn env_nonempty(get: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    get(name).filter(|v| !v.trim().is_empty())
}

/// The operator: `--operator`, else `WARROOM_OPERATOR`, else the login name.
pub fn operator(flag: Option<&str>, get: &dyn Fn(&str) -> Option<String>) -> String {
    flag.map(str::to_string)
        .or_else(|| env_nonempty(get, "WARROOM_OPERATOR"))
        .or_else(|| env_nonempty(get, "USER"))
        .or_else(|| env_nonempty(get, "LOGNAME"))
        .unwrap_or_else(|| "unknown".to_string())
}

/// The role: `--role`, else `WARROOM_ROLE`, else the config's role for the operator, else
/// `observer` (the least power).
pub fn role(
    flag: Option<&str>,
    get: &dyn Fn(&str) -> Option<String>,
    from_config: Option<&str>,
) -> String {
    flag.map(str::to_string)
        .or_else(|| env_nonempty(get, "WARROOM_ROLE"))
        .or_else(|| from_config.map(str::to_string))
        .unwrap_or_else(|| "observer".to_string())
}

/// This machine's host name.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn operator_precedence() {
        let e = env(&[("WARROOM_OPERATOR", "ops"), ("USER", "login")]);
        assert_eq!(operator(Some("flag"), &e), "flag");
        assert_eq!(operator(None, &e), "ops");
        assert_eq!(operator(None, &env(&[("USER", "login")])), "login");
        assert_eq!(
            operator(None, &env(&[("WARROOM_OPERATOR", " ")])),
            "unknown"
        );
    }

    #[test]
    fn role_precedence() {
        let e = env(&[("WARROOM_ROLE", "on-call")]);
        assert_eq!(role(Some("lead"), &e, Some("cfg")), "lead");
        assert_eq!(role(None, &e, Some("cfg")), "on-call");
        assert_eq!(role(None, &env(&[]), Some("cfg")), "cfg");
        assert_eq!(role(None, &env(&[]), None), "observer");
    }
}
