//! Building the Kubernetes client: the kubeconfig file (or `KUBECONFIG`, `~/.kube/config`,
//! then in-cluster), the chosen context, the configured namespace, and timeouts that fit
//! watches. Errors say what to fix and never quote the file's contents, which hold tokens and
//! keys. A credential plugin the kubeconfig names runs only if `[kubernetes] exec_allowlist`
//! allows it (`plugin`).

use std::path::Path;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

use super::KubeSpec;
use super::plugin::{self, PluginError};

/// Limit for opening a connection to the API server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How much longer than the watchdog a socket may stay quiet before the read fails: the
/// watchdog's clearer message should come first.
const READ_MARGIN: Duration = Duration::from_secs(15);

/// Why no client could be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The kubeconfig file could not be read or parsed.
    #[error("cannot read kubeconfig {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why (never the file's contents).
        reason: String,
    },
    /// No kubeconfig anywhere and not inside a cluster.
    #[error(
        "no kubeconfig found (KUBECONFIG, ~/.kube/config) and not running in a cluster; set [kubernetes] kubeconfig"
    )]
    NotFound,
    /// The configured context is not in the kubeconfig.
    #[error("kubeconfig has no context \"{context}\"; it has: {available}")]
    UnknownContext {
        /// The context asked for.
        context: String,
        /// The contexts it has.
        available: String,
    },
    /// No context given and the kubeconfig names no current one.
    #[error("kubeconfig has no current-context; set [kubernetes] context")]
    NoContext,
    /// The context's user runs a credential plugin that is not allowed.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// The context's cluster or user could not be turned into a client.
    #[error("kubeconfig context \"{context}\": {reason}")]
    Invalid {
        /// The context.
        context: String,
        /// Why.
        reason: String,
    },
}

/// A client and the context it uses.
pub struct Built {
    /// The client, defaulting to the configured namespace.
    pub client: Client,
    /// The context used ("in-cluster" inside a pod).
    pub context: String,
    /// The API server's URL, for messages.
    pub server: String,
}

impl std::fmt::Debug for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Built")
            .field("context", &self.context)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

/// What the kubeconfig says before any client is built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    /// The context the spec selects, if it can be told.
    pub context: Option<String>,
    /// A note naming the credential plugin the context's user runs, if it is allowed to:
    /// kube runs it to get a token (also while building the client), which an audit log
    /// should show. A refused plugin is reported when the client is built.
    pub plugin: Option<String>,
}

/// Reads what it can from the kubeconfig without building a client; never fails.
pub fn preview(spec: &KubeSpec) -> Preview {
    let kc = read(spec.kubeconfig.as_deref()).ok().flatten();
    let context = spec
        .context
        .clone()
        .or_else(|| kc.as_ref().and_then(|k| k.current_context.clone()));
    let plugin = kc.zip(context.as_deref()).and_then(|(mut kc, ctx)| {
        let path = std::env::var_os("PATH");
        let ran = plugin::enforce(&mut kc, ctx, &spec.exec_allowlist, path.as_deref()).ok()?;
        let notes: Vec<String> = ran
            .iter()
            .map(|a| {
                format!(
                    "kubernetes: kubeconfig user \"{}\" gets its token by running the credential \
                     plugin \"{}\" (allowed by {})",
                    a.user,
                    a.program.display(),
                    plugin::KEY
                )
            })
            .collect();
        (!notes.is_empty()).then(|| notes.join("; "))
    });
    Preview { context, plugin }
}

/// Reads the kubeconfig: the given file, else `KUBECONFIG` / `~/.kube/config`; `None` when
/// there is none at the default places (in-cluster may still work).
fn read(path: Option<&Path>) -> Result<Option<Kubeconfig>, ClientError> {
    match path {
        Some(p) => Kubeconfig::read_from(p)
            .map(Some)
            .map_err(|e| read_error(p, &e)),
        None => match Kubeconfig::read() {
            Ok(kc) => Ok(Some(kc)),
            Err(KubeconfigError::FindPath) => Ok(None),
            Err(KubeconfigError::ReadConfig(io, _))
                if io.kind() == std::io::ErrorKind::NotFound =>
            {
                Ok(None)
            }
            Err(e) => Err(read_error(Path::new("(KUBECONFIG or ~/.kube/config)"), &e)),
        },
    }
}

fn read_error(path: &Path, e: &KubeconfigError) -> ClientError {
    let reason = match e {
        KubeconfigError::ReadConfig(io, _) if io.kind() == std::io::ErrorKind::NotFound => {
            "no such file".to_string()
        }
        KubeconfigError::ReadConfig(io, _) => io.kind().to_string(),
        // serde-saphyr errors quote the offending lines, which may hold a token.
        KubeconfigError::Parse(_) => "not a valid kubeconfig (YAML parse error)".to_string(),
        other => crate::session::redact::text(&other.to_string()),
    };
    ClientError::Read {
        path: path.display().to_string(),
        reason,
    }
}

/// Builds the client the spec describes.
pub async fn build(spec: &KubeSpec) -> Result<Built, ClientError> {
    let (mut config, context) = match read(spec.kubeconfig.as_deref())? {
        Some(kc) => from_kubeconfig(kc, spec).await?,
        None if spec.context.is_none() => {
            let config = Config::incluster().map_err(|_| ClientError::NotFound)?;
            (config, "in-cluster".to_string())
        }
        None => return Err(ClientError::NotFound),
    };
    config.default_namespace.clone_from(&spec.namespace);
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.read_timeout = Some(spec.silence + READ_MARGIN);
    // Count the read timeout from each request, not from when a pooled connection went idle.
    config.reset_reader_on_write = true;
    config.default_retry = spec.retry_transient;
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(|e| ClientError::Invalid {
        context: context.clone(),
        reason: crate::session::redact::text(&e.to_string()),
    })?;
    Ok(Built {
        client,
        context,
        server,
    })
}

async fn from_kubeconfig(
    mut kc: Kubeconfig,
    spec: &KubeSpec,
) -> Result<(Config, String), ClientError> {
    let context = match spec.context.as_deref() {
        Some(c) => c.to_string(),
        None => kc.current_context.clone().ok_or(ClientError::NoContext)?,
    };
    if !kc.contexts.iter().any(|c| c.name == context) {
        let available: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
        return Err(ClientError::UnknownContext {
            context,
            available: if available.is_empty() {
                "none".to_string()
            } else {
                available.join(", ")
            },
        });
    }
    // Before kube sees the file: it runs the plugin while building the config.
    plugin::enforce(
        &mut kc,
        &context,
        &spec.exec_allowlist,
        std::env::var_os("PATH").as_deref(),
    )?;
    let options = KubeConfigOptions {
        context: Some(context.clone()),
        cluster: None,
        user: None,
    };
    let config = Config::from_custom_kubeconfig(kc, &options)
        .await
        .map_err(|e| ClientError::Invalid {
            context: context.clone(),
            reason: match e {
                KubeconfigError::Parse(_) => "not valid YAML".to_string(),
                other => crate::session::redact::text(&other.to_string()),
            },
        })?;
    Ok((config, context))
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
- name: plain
  context: {cluster: c, user: anon, namespace: other}
- name: plugin
  context: {cluster: c, user: cloud}
current-context: plain
users:
- name: anon
  user: {token: not-a-real-token-0123456789}
- name: cloud
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: bin/cloud-auth
      args: [\"--secret\", \"s3cr3t\"]
";

    fn spec(path: &Path, context: Option<&str>) -> KubeSpec {
        KubeSpec {
            kubeconfig: Some(path.to_path_buf()),
            context: context.map(str::to_string),
            ..KubeSpec::new("demo")
        }
    }

    #[tokio::test]
    async fn contexts_files_and_plugins() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("kubeconfig");
        std::fs::write(&path, KUBECONFIG).expect("write");

        let built = build(&spec(&path, None)).await.expect("current context");
        assert_eq!(built.context, "plain");
        let p = preview(&spec(&path, None));
        assert_eq!((p.context.as_deref(), p.plugin), (Some("plain"), None));

        // A plugin runs only when listed; the refusal names it and the key, not its args.
        let p = preview(&spec(&path, Some("plugin")));
        assert_eq!(p.plugin, None, "refused plugins are reported by build");
        let e = build(&spec(&path, Some("plugin")))
            .await
            .expect_err("refused");
        let program = dir.path().join("bin/cloud-auth");
        assert!(
            matches!(e, ClientError::Plugin(PluginError::NotAllowed { .. })),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains(&format!("\"{}\"", program.display())),
            "{e}"
        );
        assert!(e.to_string().contains("[kubernetes] exec_allowlist"), "{e}");
        assert!(!e.to_string().contains("s3cr3t"));
        // Listed, it is what kube runs (this one does not exist, so building fails there).
        let listed = KubeSpec {
            exec_allowlist: vec![program.display().to_string()],
            ..spec(&path, Some("plugin"))
        };
        let note = preview(&listed).plugin.expect("note");
        assert!(note.contains(&program.display().to_string()), "{note}");
        assert!(!note.contains("s3cr3t"));
        let e = build(&listed).await.expect_err("no such program");
        assert!(
            e.to_string().starts_with("kubeconfig context \"plugin\": "),
            "{e}"
        );
        assert!(!e.to_string().contains("s3cr3t"));

        let e = build(&spec(&path, Some("prod")))
            .await
            .expect_err("unknown");
        assert_eq!(
            e.to_string(),
            "kubeconfig has no context \"prod\"; it has: plain, plugin"
        );

        let missing = dir.path().join("nope");
        let e = build(&spec(&missing, None)).await.expect_err("missing");
        assert!(e.to_string().ends_with(": no such file"), "{e}");

        std::fs::write(&path, "users: [token: not-a-real-token-0123456789\n").expect("write");
        let e = build(&spec(&path, None)).await.expect_err("bad yaml");
        assert!(!e.to_string().contains("not-a-real-token"), "{e}");
    }
}
