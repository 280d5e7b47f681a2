//! Faults: per-version errors, slowness and crash loops, the request rate, and slow or failing
//! responses for any HTTP path. Scenarios set them at start; `POST /sim/faults` changes them
//! at run time (the body is documented in docs/simulator.md).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What is wrong with one version.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct VersionFault {
    /// Share of requests answered with 5xx.
    pub error_ratio: f64,
    /// Latency multiplier (1 = healthy).
    pub latency_factor: f64,
    /// Pods of this version crash shortly after starting.
    pub crashloop: bool,
}

impl Default for VersionFault {
    fn default() -> Self {
        Self {
            error_ratio: 0.0,
            latency_factor: 1.0,
            crashloop: false,
        }
    }
}

/// A fault on HTTP paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathFault {
    /// Paths starting with this are affected (`/api/v1/namespaces/demo/pods`).
    pub path_prefix: String,
    /// Delay before answering, in milliseconds.
    #[serde(default)]
    pub delay_ms: u64,
    /// Answer with this status (and a Kubernetes `Status` body) instead of the real response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// How many requests to affect; absent: until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

/// Every active fault.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Faults {
    /// Per version (colour).
    pub versions: BTreeMap<String, VersionFault>,
    /// Requests per second sent to the service.
    pub rps: f64,
    /// The rate restored by `{"fault":"traffic"}` without an `rps`.
    #[serde(skip)]
    pub default_rps: f64,
    /// HTTP path faults, first match wins.
    pub paths: Vec<PathFault>,
    /// Faults on writes (POST, PUT, PATCH, DELETE), first match wins.
    pub writes: Vec<WriteFault>,
}

/// The body of `POST /sim/faults`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    /// The version: a colour (`green`) or a release (`1.2.3`).
    pub version: Option<String>,
    /// `errors`, `slow`, `crashloop`, `none`, `no-traffic`, `traffic`, `compact`, or a
    /// scenario name.
    pub fault: Option<String>,
    /// For `errors`: the 5xx share (default 0.08).
    pub error_ratio: Option<f64>,
    /// For `slow`: the latency multiplier (default 3).
    pub latency_factor: Option<f64>,
    /// For `traffic`: requests per second.
    pub rps: Option<f64>,
    /// A path fault: the prefix.
    pub path_prefix: Option<String>,
    /// A path fault: delay in ms.
    pub delay_ms: Option<u64>,
    /// A path fault: the status to answer.
    pub status: Option<u16>,
    /// A path fault: how many requests.
    pub count: Option<u32>,
    /// With `path_prefix`: remove the faults on that prefix.
    #[serde(default)]
    pub clear: bool,
    /// A write fault on `path_prefix`: `conflict`, `apply-then-500`, `apply-then-drop` or
    /// `500`.
    #[serde(default)]
    pub on_write: Option<String>,
    /// With `on_write: conflict`: another writer's merge patch, applied just before the write.
    #[serde(default)]
    pub patch: Option<serde_json::Value>,
    /// The field manager of that other writer.
    #[serde(default)]
    pub field_manager: Option<String>,
}

/// Why a fault request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    /// The request needs a version and has none.
    #[error("fault {0:?} needs a \"version\" (a colour such as \"green\" or a release)")]
    NeedsVersion(String),
    /// Unknown fault name.
    #[error(
        "unknown fault {0:?}; expected errors, slow, crashloop, none, no-traffic, traffic, compact, healthy, bad-canary, slow-canary"
    )]
    Unknown(String),
    /// A number out of range.
    #[error("{0}")]
    OutOfRange(String),
    /// Neither a version fault nor a path fault.
    #[error("give \"fault\" (with \"version\") or \"path_prefix\"")]
    Empty,
}

impl Faults {
    /// No faults, at the given request rate.
    pub fn new(rps: f64) -> Self {
        Self {
            versions: BTreeMap::new(),
            rps,
            default_rps: rps,
            paths: Vec::new(),
            writes: Vec::new(),
        }
    }

    /// The fault of one version (healthy if none).
    pub fn version(&self, colour: &str) -> VersionFault {
        self.versions.get(colour).copied().unwrap_or_default()
    }

    /// Whether pods of this colour crash-loop.
    pub fn crashing(&self, colour: &str) -> bool {
        self.versions.get(colour).is_some_and(|f| f.crashloop)
    }

    /// Makes a version fail a share of requests.
    pub fn set_errors(&mut self, colour: &str, ratio: f64) {
        self.versions.entry(colour.into()).or_default().error_ratio = ratio;
    }

    /// Applies a request; `colour` is the request's version already resolved to a colour.
    pub fn apply(&mut self, req: &FaultRequest, colour: Option<&str>) -> Result<(), FaultError> {
        if self.apply_write_fault(req)? {
            return Ok(());
        }
        if let Some(prefix) = &req.path_prefix {
            self.paths.retain(|p| p.path_prefix != *prefix);
            if !req.clear {
                if req.status.is_some_and(|s| !(100..=599).contains(&s)) {
                    return Err(FaultError::OutOfRange("status must be 100–599".into()));
                }
                self.paths.push(PathFault {
                    path_prefix: prefix.clone(),
                    delay_ms: req.delay_ms.unwrap_or(0),
                    status: req.status,
                    count: req.count,
                });
            }
            return Ok(());
        }
        let fault = req.fault.as_deref().ok_or(FaultError::Empty)?;
        let need = || {
            colour
                .map(str::to_string)
                .ok_or_else(|| FaultError::NeedsVersion(fault.into()))
        };
        match fault {
            "errors" | "bad-canary" => {
                let r = req.error_ratio.unwrap_or(0.08);
                if !(0.0..=1.0).contains(&r) {
                    return Err(FaultError::OutOfRange(
                        "error_ratio must be within 0–1".into(),
                    ));
                }
                self.set_errors(&need()?, r);
            }
            "slow" | "slow-canary" => {
                let f = req.latency_factor.unwrap_or(3.0);
                if !(f.is_finite() && f > 0.0) {
                    return Err(FaultError::OutOfRange("latency_factor must be > 0".into()));
                }
                self.versions.entry(need()?).or_default().latency_factor = f;
            }
            "crashloop" => self.versions.entry(need()?).or_default().crashloop = true,
            "none" | "healthy" => match colour {
                Some(c) => {
                    self.versions.remove(c);
                }
                // Everything back to health, as `DELETE /sim/faults` does: path faults too.
                None => *self = Self::new(self.default_rps),
            },
            "no-traffic" => self.rps = 0.0,
            "traffic" => {
                let r = req.rps.unwrap_or(self.default_rps);
                if !(r.is_finite() && r >= 0.0) {
                    return Err(FaultError::OutOfRange("rps must be >= 0".into()));
                }
                self.rps = r;
            }
            other => return Err(FaultError::Unknown(other.into())),
        }
        Ok(())
    }

    /// The path fault for a request path, consuming one use of a counted fault.
    pub fn take_path(&mut self, path: &str) -> Option<PathFault> {
        let i = self
            .paths
            .iter()
            .position(|p| path.starts_with(&p.path_prefix))?;
        let hit = self.paths[i].clone();
        if let Some(n) = &mut self.paths[i].count {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.paths.remove(i);
            }
        }
        Some(hit)
    }
}

/// What a write fault does to the next write of its path.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "on_write", rename_all = "kebab-case")]
pub enum WriteEffect {
    /// Answer 409 Conflict. With `patch`, another writer's merge patch is applied first (a
    /// real race: the write then fails its resourceVersion precondition, or, without one,
    /// overwrites the other change); without it, the write is refused untouched.
    Conflict {
        /// The other writer's merge patch.
        #[serde(skip_serializing_if = "Option::is_none")]
        patch: Option<serde_json::Value>,
        /// The other writer's field manager.
        field_manager: String,
    },
    /// Apply the write, then answer 500 as if the API server failed afterwards.
    ApplyThen500,
    /// Answer 500 without applying the write.
    #[serde(rename = "500")]
    Fail500,
    /// Apply the write, then cut the connection before the answer is complete.
    ApplyThenDrop,
}

/// A fault on the writes to one path prefix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WriteFault {
    /// Writes to paths starting with this are affected.
    pub path_prefix: String,
    /// What happens to them.
    #[serde(flatten)]
    pub effect: WriteEffect,
    /// How many writes to affect (default 1).
    pub count: u32,
}

impl Faults {
    /// Handles the write-fault part of a request: `on_write` adds one (true: nothing else to
    /// do); `clear` with a prefix also removes the write faults on it.
    fn apply_write_fault(&mut self, req: &FaultRequest) -> Result<bool, FaultError> {
        let Some(prefix) = &req.path_prefix else {
            return Ok(false);
        };
        if req.clear {
            self.writes.retain(|w| w.path_prefix != *prefix);
        }
        let Some(kind) = req.on_write.as_deref() else {
            return Ok(false);
        };
        let effect = match kind {
            "conflict" => WriteEffect::Conflict {
                patch: req.patch.clone(),
                field_manager: req
                    .field_manager
                    .clone()
                    .unwrap_or_else(|| "kubectl-patch".to_string()),
            },
            "apply-then-500" => WriteEffect::ApplyThen500,
            "500" => WriteEffect::Fail500,
            "apply-then-drop" => WriteEffect::ApplyThenDrop,
            other => {
                return Err(FaultError::OutOfRange(format!(
                    "unknown on_write {other:?}; expected conflict, apply-then-500, apply-then-drop or 500"
                )));
            }
        };
        if req.patch.as_ref().is_some_and(|p| !p.is_object()) {
            return Err(FaultError::OutOfRange(
                "patch must be a JSON object (a merge patch)".into(),
            ));
        }
        self.writes.retain(|w| w.path_prefix != *prefix);
        self.writes.push(WriteFault {
            path_prefix: prefix.clone(),
            effect,
            count: req.count.unwrap_or(1).max(1),
        });
        Ok(true)
    }

    /// The write fault for a write to `path`, consuming one use.
    pub fn take_write(&mut self, path: &str) -> Option<WriteEffect> {
        let i = self
            .writes
            .iter()
            .position(|w| path.starts_with(&w.path_prefix))?;
        let hit = self.writes[i].effect.clone();
        self.writes[i].count -= 1;
        if self.writes[i].count == 0 {
            self.writes.remove(i);
        }
        Some(hit)
    }
}

#[cfg(test)]
mod write_fault_tests {
    use super::*;

    #[test]
    fn write_faults_are_counted_and_cleared() {
        let mut f = Faults::new(200.0);
        let req = |s: &str| serde_json::from_str::<FaultRequest>(s).expect("json");
        let route = "/apis/gateway.networking.k8s.io/v1/namespaces/demo/httproutes/app";
        f.apply(
            &req(&format!(
                r#"{{"path_prefix":"{route}","on_write":"conflict","patch":{{"spec":{{}}}},"field_manager":"argocd"}}"#
            )),
            None,
        )
        .expect("conflict");
        assert!(f.paths.is_empty(), "reads are not affected");
        assert!(matches!(
            f.take_write(route),
            Some(WriteEffect::Conflict { field_manager, patch: Some(_) }) if field_manager == "argocd"
        ));
        assert_eq!(f.take_write(route), None, "one write by default");
        f.apply(
            &req(r#"{"path_prefix":"/api","on_write":"apply-then-500","count":2}"#),
            None,
        )
        .expect("500");
        assert_eq!(f.take_write("/api/v1/x"), Some(WriteEffect::ApplyThen500));
        f.apply(&req(r#"{"path_prefix":"/api","clear":true}"#), None)
            .expect("clear");
        assert_eq!(f.take_write("/api/v1/x"), None);
        assert!(
            f.apply(&req(r#"{"path_prefix":"/api","on_write":"explode"}"#), None)
                .is_err()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_switch_faults() {
        let mut f = Faults::new(200.0);
        let req = |s: &str| serde_json::from_str::<FaultRequest>(s).expect("json");
        f.apply(
            &req(r#"{"fault":"errors","error_ratio":0.2}"#),
            Some("green"),
        )
        .expect("errors");
        assert!((f.version("green").error_ratio - 0.2).abs() < 1e-9);
        assert!(f.apply(&req(r#"{"fault":"errors"}"#), None).is_err());
        f.apply(&req(r#"{"fault":"no-traffic"}"#), None)
            .expect("stop");
        assert!(f.rps.abs() < 1e-9);
        f.apply(&req(r#"{"path_prefix":"/metrics","status":503}"#), None)
            .expect("path");
        // A version's "none" leaves other faults alone; a bare "none" restores health.
        f.apply(&req(r#"{"fault":"none"}"#), Some("blue"))
            .expect("blue");
        assert_eq!(f.paths.len(), 1);
        f.apply(&req(r#"{"fault":"none"}"#), None).expect("reset");
        assert!((f.rps - 200.0).abs() < 1e-9);
        assert_eq!(f.version("green"), VersionFault::default());
        assert!(f.paths.is_empty(), "path faults cleared: {:?}", f.paths);
        assert!(f.take_path("/metrics").is_none());
        f.apply(
            &req(r#"{"path_prefix":"/api","status":500,"count":1}"#),
            None,
        )
        .expect("path");
        assert_eq!(
            f.take_path("/api/v1/pods").and_then(|p| p.status),
            Some(500)
        );
        assert!(f.take_path("/api/v1/pods").is_none());
        assert!(serde_json::from_str::<FaultRequest>(r#"{"bogus":1}"#).is_err());
    }
}
