//! Finding kubectl: the one on PATH, and Debian's `kubernetes-client` 1.20 downloaded with
//! `apt-get download` and unpacked under `target/` once (later runs reuse it).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// One kubectl binary.
#[derive(Debug, Clone)]
pub struct Kubectl {
    /// What to call it in messages ("system", "debian-1.20").
    pub label: String,
    /// The binary.
    pub path: PathBuf,
}

/// The result of one kubectl run.
#[derive(Debug)]
pub struct Run {
    /// Exit success.
    pub ok: bool,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    fn from(o: Output) -> Self {
        Self {
            ok: o.status.success(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Kubectl {
    /// Runs kubectl against a kubeconfig; HOME points at `home` so the discovery cache is
    /// private to the test.
    pub fn run(&self, kubeconfig: &Path, home: &Path, args: &[&str]) -> Run {
        let out = Command::new(&self.path)
            .args(args)
            .env("KUBECONFIG", kubeconfig)
            .env("HOME", home)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.path.display()));
        Run::from(out)
    }

    /// Runs and asserts success, returning stdout.
    pub fn ok(&self, kubeconfig: &Path, home: &Path, args: &[&str]) -> String {
        let r = self.run(kubeconfig, home, args);
        assert!(
            r.ok,
            "[{}] kubectl {args:?} failed:\n{}{}",
            self.label, r.stdout, r.stderr
        );
        r.stdout
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}

/// Debian's kubectl 1.20, extracted under `target/tmp/kubectl-1.20` (downloaded once).
fn debian_120() -> Result<PathBuf, String> {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kubectl-1.20");
    let bin = base.join("root/usr/bin/kubectl");
    if bin.is_file() {
        return Ok(bin);
    }
    std::fs::create_dir_all(&base).map_err(|e| e.to_string())?;
    // Several test binaries may get here at once: one extracts, the others wait.
    let lock = File::create(base.join(".lock")).map_err(|e| e.to_string())?;
    lock.lock().map_err(|e| e.to_string())?;
    if bin.is_file() {
        return Ok(bin);
    }
    for tool in ["apt-get", "dpkg-deb"] {
        on_path(tool).ok_or_else(|| format!("{tool} is not installed"))?;
    }
    let dl = base.join("download");
    std::fs::create_dir_all(&dl).map_err(|e| e.to_string())?;
    let st = Command::new("apt-get")
        .args(["download", "-q", "kubernetes-client"])
        .current_dir(&dl)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    let deb = std::fs::read_dir(&dl)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or_else(|| format!("apt-get download kubernetes-client failed ({st})"))?;
    let st = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(base.join("root"))
        .status()
        .map_err(|e| e.to_string())?;
    if !st.success() || !bin.is_file() {
        return Err(format!("dpkg-deb -x {} failed ({st})", deb.display()));
    }
    Ok(bin)
}

/// Every kubectl that can be had; prints why one is missing. Empty means skip.
pub fn all() -> Vec<Kubectl> {
    let mut out = Vec::new();
    match on_path("kubectl") {
        Some(path) => out.push(Kubectl {
            label: "system".into(),
            path,
        }),
        None => eprintln!("note: no kubectl on PATH"),
    }
    match debian_120() {
        Ok(path) => out.push(Kubectl {
            label: "debian-1.20".into(),
            path,
        }),
        Err(why) => {
            eprintln!("note: Debian's kubectl 1.20 is unavailable ({why}); testing without it")
        }
    }
    if out.is_empty() {
        super::tool::missing(
            "kubectl tests",
            "no kubectl found on PATH and Debian's kubernetes-client could not be extracted",
        );
    }
    out
}
