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
        .or_else(login_name_from_passwd)
        .unwrap_or_else(|| "unknown".to_string())
}

/// The login name of this process's user from /etc/passwd, for shells that set no `USER`
/// (cron, some containers, `sh -c` under tmux).
fn login_name_from_passwd() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    name_for_uid(&passwd, uid)
}

fn name_for_uid(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id: u32 = f.nth(1)?.parse().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
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
        // With nothing set, the login name comes from the system (never blank).
        assert!(
            !operator(None, &env(&[("WARROOM_OPERATOR", " ")]))
                .trim()
                .is_empty()
        );
    }

    #[test]
    fn passwd_lookup_finds_the_uid() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nops:x:1000:1000::/home/ops:/bin/sh\n";
        assert_eq!(name_for_uid(passwd, 1000).as_deref(), Some("ops"));
        assert_eq!(name_for_uid(passwd, 0).as_deref(), Some("root"));
        assert_eq!(name_for_uid(passwd, 7), None);
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
