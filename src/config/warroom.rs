//! `warroom.toml`: the deployment, its metric sources, Kubernetes objects, SLOs, rollback
//! policy, traffic plan, gates, roles and operators, read with every problem reported as
//! `file:line:col: message` (the same machinery as runbooks).
//!
//! Every table but `[deployment]` may be left out and then takes the defaults documented in
//! docs/configuration.md. Secrets are only ever referenced (`…_file`, `…_env`).

mod checks;
mod sections;
mod signing;
mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use sections::{
    Approvals, AutoRollback, Comms, CommsTemplates, Deployment, Freeze, Gates, Health, Kubernetes,
    OnUnknown, Permission, Prometheus, Queries, RunbookRef, Scrape, Slo, StagingVerified, Step,
    Strategy, Traffic, Versions, Vulnerabilities, Window, default_roles,
};
pub use signing::Signing;
pub use values::{
    CalendarDate, ClockTime, Day, Duration, EnvVar, HttpUrl, K8sName, T0, Workload, Zone,
};

use crate::runbook::Problem;
use crate::runbook::input::{self, Diagnostics, Format, Node};

/// The file name looked for in the working directory and the XDG config dir.
pub const FILE_NAME: &str = "warroom.toml";

/// Top-level tables a config has (and a runbook does not); used to tell the two apart.
pub const TABLES: &[&str] = &[
    "deployment",
    "runbook",
    "prometheus",
    "scrape",
    "versions",
    "kubernetes",
    "health",
    "slo",
    "auto_rollback",
    "traffic",
    "gates",
    "roles",
    "operators",
    "comms",
    "signing",
];

/// A whole `warroom.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarroomConfig {
    /// What is being released, and when.
    #[serde(default)]
    pub deployment: Deployment,
    /// The checklist.
    #[serde(default)]
    pub runbook: RunbookRef,
    /// Metrics through Prometheus's HTTP API.
    #[serde(default)]
    pub prometheus: Option<Prometheus>,
    /// Metrics scraped directly (when there is no Prometheus).
    #[serde(default)]
    pub scrape: Option<Scrape>,
    /// The stable and candidate versions' label values.
    #[serde(default)]
    pub versions: Versions,
    /// Where the workloads live.
    #[serde(default)]
    pub kubernetes: Option<Kubernetes>,
    /// Health endpoints.
    #[serde(default)]
    pub health: Vec<Health>,
    /// What healthy means.
    #[serde(default)]
    pub slo: Slo,
    /// When to roll back by itself.
    #[serde(default)]
    pub auto_rollback: AutoRollback,
    /// The shift plan.
    #[serde(default)]
    pub traffic: Traffic,
    /// What must hold before go.
    #[serde(default)]
    pub gates: Gates,
    /// Role name → what it may do.
    #[serde(default = "default_roles")]
    pub roles: BTreeMap<String, Vec<Permission>>,
    /// Operator name → role.
    #[serde(default)]
    pub operators: BTreeMap<String, String>,
    /// Status updates.
    #[serde(default)]
    pub comms: Comms,
    /// Signed heads: the operator's key and the allowed signers (absent: heads are unsigned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<Signing>,
    /// The directory relative paths were resolved against (the config file's).
    #[serde(skip)]
    pub base_dir: PathBuf,
}

impl Default for WarroomConfig {
    fn default() -> Self {
        Self {
            deployment: Deployment::default(),
            runbook: RunbookRef::default(),
            prometheus: None,
            scrape: None,
            versions: Versions::default(),
            kubernetes: None,
            health: Vec::new(),
            slo: Slo::default(),
            auto_rollback: AutoRollback::default(),
            traffic: Traffic::default(),
            gates: Gates::default(),
            roles: default_roles(),
            operators: BTreeMap::new(),
            comms: Comms::default(),
            signing: None,
            base_dir: PathBuf::new(),
        }
    }
}

impl WarroomConfig {
    /// The role the config gives `operator`, if any.
    pub fn role_of(&self, operator: &str) -> Option<&str> {
        self.operators.get(operator).map(String::as_str)
    }

    /// Whether `role` has `permission`.
    pub fn may(&self, role: &str, permission: Permission) -> bool {
        self.roles
            .get(role)
            .is_some_and(|p| p.contains(&permission))
    }

    /// T-0 as an instant, reading a local time in `[deployment] timezone`.
    pub fn t0(&self) -> Option<jiff::Timestamp> {
        let tz = self
            .deployment
            .timezone
            .as_ref()
            .map_or(jiff::tz::TimeZone::UTC, Zone::tz);
        self.deployment.t0.as_ref()?.resolve(&tz)
    }

    /// The stable and candidate versions' label values (`[versions]`, else `[deployment]
    /// stable` / `release`).
    pub fn versions(&self) -> (Option<String>, Option<String>) {
        self.versions.resolve(&self.deployment)
    }

    /// A one-line summary for `warroom check`.
    pub fn summary(&self) -> String {
        let metrics = match (&self.prometheus, &self.scrape) {
            (Some(_), _) => "metrics from Prometheus",
            (None, Some(_)) => "metrics scraped directly",
            (None, None) => "no metric source",
        };
        format!(
            "config for {}: {} traffic steps, {} health checks, {} roles, {} operators, {metrics}",
            self.deployment.name,
            self.traffic.steps.len(),
            self.health.len(),
            self.roles.len(),
            self.operators.len()
        )
    }

    fn resolve_paths(&mut self, dir: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        if let Some(p) = &mut self.runbook.path {
            fix(p);
        }
        if let Some(p) = self.kubernetes.as_mut().and_then(|k| k.kubeconfig.as_mut()) {
            fix(p);
        }
        if let Some(p) = self
            .prometheus
            .as_mut()
            .and_then(|p| p.bearer_token_file.as_mut())
        {
            fix(p);
        }
        if let Some(v) = &mut self.gates.vulnerabilities {
            fix(&mut v.report);
        }
        if let Some(s) = self.signing.as_mut() {
            if let Some(p) = s.allowed_signers.as_mut() {
                fix(p);
            }
            // A relative key file is the config's, wherever the war room is started (and a
            // resumed session reads the recorded config).
            if let Some(k) = s.key.as_mut() {
                match crate::sign::parse_setting(Some(k), dir, None) {
                    crate::sign::KeySource::File(p) if !k.starts_with("~/") => {
                        *k = p.display().to_string();
                    }
                    crate::sign::KeySource::Agent(Some(p))
                        if p.ends_with(".pub") && !k.starts_with("~/") =>
                    {
                        *k = p;
                    }
                    _ => {}
                }
            }
        }
        self.base_dir = dir.to_path_buf();
    }
}

/// Reads and checks a config file; relative paths inside it are resolved against its
/// directory. `.yaml`/`.yml` files are read as YAML, anything else as TOML.
pub fn load(path: &Path) -> Result<WarroomConfig, Vec<Problem>> {
    let name = path.display().to_string();
    let bytes = crate::runbook::file::read_input(path, "config")?;
    let text = crate::runbook::utf8(&bytes, &name)?;
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml") => Format::Yaml,
        _ => Format::Toml,
    };
    let tree = input::parse(text, format, &name)?;
    let mut config = check_tree(&tree, &name)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    config.resolve_paths(dir);
    Ok(config)
}

/// Reads and checks a config from text (paths stay as written).
pub fn parse_str(text: &str, format: Format, file: &str) -> Result<WarroomConfig, Vec<Problem>> {
    let tree = input::parse(text, format, file)?;
    check_tree(&tree, file)
}

/// Reads and checks a config from an already parsed tree.
pub fn check_tree(tree: &Node, file: &str) -> Result<WarroomConfig, Vec<Problem>> {
    let mut d = Diagnostics::new(tree);
    let decoded: Option<WarroomConfig> = d.decode(checks::secret_key_hint);
    if let Some(c) = &decoded {
        checks::check(c, &mut d);
        signing::check(c, &mut d);
    }
    match decoded {
        Some(c) if d.is_empty() => Ok(c),
        _ => Err(d.into_problems(file)),
    }
}

/// Where the config is: `-c FILE`, else `./warroom.toml`, else `warroom.toml` in the XDG
/// config dir. `None` when there is none (the war room then runs from a runbook alone).
pub fn find(flag: Option<&Path>, cwd: &Path, config_dir: &Path) -> Option<PathBuf> {
    if let Some(f) = flag {
        return Some(f.to_path_buf());
    }
    [cwd.join(FILE_NAME), config_dir.join(FILE_NAME)]
        .into_iter()
        .find(|p| p.is_file())
}

/// Whether a parsed file looks like a config rather than a runbook: it has config tables and
/// no `stage`.
pub fn looks_like_config(tree: &Node) -> bool {
    !tree.has("stage") && TABLES.iter().any(|t| tree.has(t))
}
