//! The credential-plugin policy. A kubeconfig can make its reader run a program for a token
//! (`users[].exec.command`, or a `gcp` auth provider's `cmd-path`), with the war room's
//! rights; a kubeconfig from an untrusted pipeline would run whatever it names. Like
//! kubectl's `credentialPluginAllowlist` (Kubernetes 1.35), no program runs unless
//! `[kubernetes] exec_allowlist` names it, by its full path or by a bare name found on `PATH`.
//!
//! The program that was checked is the program that runs: the kubeconfig handed to kube names
//! it by the path it resolved to, so a `PATH` set in the plugin's own `env` cannot swap it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use kube::config::Kubeconfig;

/// The `warroom.toml` key that allows plugins.
pub const KEY: &str = "[kubernetes] exec_allowlist";

/// Why a credential plugin may not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PluginError {
    /// The program is not on the allowlist.
    #[error(
        "kubeconfig user \"{user}\" gets its token by running \"{command}\", which is not allowed: \
         if you trust it, list it in {KEY} in warroom.toml, e.g. exec_allowlist = [\"{command}\"]"
    )]
    NotAllowed {
        /// The kubeconfig user.
        user: String,
        /// The program, as the kubeconfig names it.
        command: String,
    },
    /// The program is allowed by name but no such program is on `PATH`.
    #[error(
        "kubeconfig user \"{user}\" gets its token by running \"{command}\", which {KEY} allows \
         but which is not on PATH; install it or list its full path"
    )]
    NotFound {
        /// The kubeconfig user.
        user: String,
        /// The program, as the kubeconfig names it.
        command: String,
    },
}

/// A plugin that may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// The kubeconfig user.
    pub user: String,
    /// The program that will run (its resolved path).
    pub program: PathBuf,
}

/// Checks every program the user of `context` would run against `allowlist`, resolving bare
/// names with `path_var` (the `PATH` value), and rewrites the kubeconfig to run exactly the
/// checked paths. Returns the plugins that will run.
pub fn enforce(
    kc: &mut Kubeconfig,
    context: &str,
    allowlist: &[String],
    path_var: Option<&OsStr>,
) -> Result<Vec<Allowed>, PluginError> {
    let Some(user) = user_of(kc, context) else {
        return Ok(Vec::new());
    };
    let mut allowed = Vec::new();
    for named in kc.auth_infos.iter_mut().filter(|a| a.name == user) {
        let Some(info) = named.auth_info.as_mut() else {
            continue;
        };
        let exec = info.exec.as_mut().and_then(|e| e.command.as_mut());
        let provider = info
            .auth_provider
            .as_mut()
            .and_then(|p| p.config.get_mut("cmd-path"));
        for command in [exec, provider].into_iter().flatten() {
            let program = permitted(&user, command, allowlist, path_var)?;
            *command = program.to_string_lossy().into_owned();
            allowed.push(Allowed {
                user: user.clone(),
                program,
            });
        }
    }
    Ok(allowed)
}

/// The user a context authenticates as.
fn user_of(kc: &Kubeconfig, context: &str) -> Option<String> {
    kc.contexts
        .iter()
        .find(|c| c.name == context)?
        .context
        .as_ref()?
        .user
        .clone()
}

/// The resolved program when `command` is allowed: an entry equal to it, or an entry that
/// resolves to the same program (a bare name on `PATH`, a full path).
fn permitted(
    user: &str,
    command: &str,
    allowlist: &[String],
    path_var: Option<&OsStr>,
) -> Result<PathBuf, PluginError> {
    let resolved = resolve(command, path_var);
    let listed = allowlist.iter().any(|entry| {
        entry == command || (resolved.is_some() && resolve(entry, path_var) == resolved)
    });
    match (listed, resolved) {
        (true, Some(program)) => Ok(program),
        (true, None) => Err(PluginError::NotFound {
            user: user.to_string(),
            command: command.to_string(),
        }),
        (false, _) => Err(PluginError::NotAllowed {
            user: user.to_string(),
            command: command.to_string(),
        }),
    }
}

/// A command with a `/` is a path (kube has made a relative one absolute against the
/// kubeconfig's directory); a bare name is looked up in the absolute directories of `PATH`.
pub fn resolve(program: &str, path_var: Option<&OsStr>) -> Option<PathBuf> {
    if program.is_empty() {
        return None;
    }
    if program.contains('/') {
        return Some(PathBuf::from(program));
    }
    std::env::split_paths(path_var?)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECONFIG: &str = "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: \"http://127.0.0.1:1\"}
contexts:
- name: exec
  context: {cluster: c, user: cloud}
- name: gcp
  context: {cluster: c, user: legacy}
- name: plain
  context: {cluster: c, user: anon}
users:
- name: cloud
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: cloud-auth
      env: [{name: PATH, value: /tmp/elsewhere}]
- name: legacy
  user:
    auth-provider: {name: gcp, config: {cmd-path: /opt/gcloud/bin/gcloud}}
- name: anon
  user: {token: not-a-real-token}
";

    fn kubeconfig() -> Kubeconfig {
        Kubeconfig::from_yaml(KUBECONFIG).expect("fixture")
    }

    fn bin_dir() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tmp");
        let program = dir.path().join("cloud-auth");
        std::fs::write(&program, "#!/bin/sh\n").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
        (dir, program)
    }

    fn list(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn nothing_runs_unless_listed() {
        let (dir, _) = bin_dir();
        let path = dir.path().as_os_str();
        let mut kc = kubeconfig();
        let e = enforce(&mut kc, "exec", &[], Some(path)).expect_err("refused");
        let text = e.to_string();
        assert!(text.contains("\"cloud-auth\""), "{text}");
        assert!(text.contains("[kubernetes] exec_allowlist"), "{text}");
        let e = enforce(&mut kc, "exec", &list(&["other-auth"]), Some(path));
        assert!(matches!(e, Err(PluginError::NotAllowed { .. })));
        let e = enforce(&mut kc, "gcp", &list(&["gcloud"]), Some(path)).expect_err("gcp");
        assert!(e.to_string().contains("/opt/gcloud/bin/gcloud"), "{e}");
        assert_eq!(enforce(&mut kc, "plain", &[], Some(path)), Ok(Vec::new()));
    }

    #[test]
    fn a_listed_name_or_path_runs_the_checked_program() {
        let (dir, program) = bin_dir();
        let path = dir.path().as_os_str();
        for entry in ["cloud-auth", program.to_str().expect("utf-8")] {
            let mut kc = kubeconfig();
            let ran = enforce(&mut kc, "exec", &list(&[entry]), Some(path)).expect(entry);
            assert_eq!(ran.len(), 1);
            assert_eq!(ran[0].program, program);
            // kube will run the resolved path, whatever PATH the plugin's env sets.
            let exec = kc.auth_infos[0]
                .auth_info
                .as_ref()
                .and_then(|a| a.exec.as_ref());
            assert_eq!(
                exec.and_then(|e| e.command.as_deref()),
                program.to_str(),
                "{entry}"
            );
        }
        // Listed by name but not installed: refused, not looked up elsewhere.
        let mut kc = kubeconfig();
        let e = enforce(
            &mut kc,
            "exec",
            &list(&["cloud-auth"]),
            Some(OsStr::new("/nowhere")),
        );
        assert!(matches!(e, Err(PluginError::NotFound { .. })), "{e:?}");
    }

    #[test]
    fn a_name_does_not_allow_a_program_of_that_name_elsewhere() {
        let (dir, _) = bin_dir();
        let (other, elsewhere) = bin_dir();
        let mut kc = kubeconfig();
        if let Some(exec) = kc.auth_infos[0]
            .auth_info
            .as_mut()
            .and_then(|a| a.exec.as_mut())
        {
            exec.command = Some(elsewhere.to_string_lossy().into_owned());
        }
        let e = enforce(
            &mut kc,
            "exec",
            &list(&["cloud-auth"]),
            Some(dir.path().as_os_str()),
        );
        assert!(matches!(e, Err(PluginError::NotAllowed { .. })), "{e:?}");
        drop(other);
    }
}
