//! Shared helpers for the signed-head tests: OpenSSH's own tools (ssh-keygen, ssh-agent,
//! ssh-add) in a temporary directory.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod room;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Whether the OpenSSH client tools are installed. Missing tools fail the test under CI
/// (`.ci/run` installs openssh-client) and skip it, loudly, elsewhere.
pub fn have_openssh(test: &str) -> bool {
    let missing: Vec<&str> = ["ssh-keygen", "ssh-agent", "ssh-add"]
        .into_iter()
        .filter(|t| !on_path(t))
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {missing:?} not found; the signed-head tests need openssh-client \
         (apt-get install openssh-client)"
    );
    eprintln!("SKIPPED {test}: {missing:?} not found (apt-get install openssh-client)");
    false
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

/// Runs a command and returns its output, failing with its stderr if it does not succeed.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A key pair made by `ssh-keygen` (no passphrase) in `dir`; returns the private key's path.
pub fn keygen(dir: &Path, name: &str, kind: &str) -> PathBuf {
    let path = dir.join(name);
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-N", "", "-C", name, "-f"]).arg(&path);
    match kind {
        "ed25519" => cmd.args(["-t", "ed25519"]),
        "ecdsa" => cmd.args(["-t", "ecdsa", "-b", "256"]),
        "rsa" => cmd.args(["-t", "rsa", "-b", "2048"]),
        other => panic!("no key kind {other}"),
    };
    run_ok(&mut cmd);
    path
}

/// The public key line of a key made by [`keygen`] (`type base64 comment`).
pub fn public_line(key: &Path) -> String {
    std::fs::read_to_string(pub_path(key))
        .unwrap()
        .trim()
        .to_string()
}

/// `SHA256:…` as `ssh-keygen -l` prints it.
pub fn ssh_fingerprint(key: &Path) -> String {
    let out = run_ok(Command::new("ssh-keygen").arg("-lf").arg(pub_path(key)));
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_whitespace().nth(1).unwrap().to_string()
}

/// `<key>.pub`.
pub fn pub_path(key: &Path) -> PathBuf {
    PathBuf::from(format!("{}.pub", key.display()))
}

/// Writes an allowed_signers file with one `principal [options] key` line per entry.
pub fn allowed_signers(dir: &Path, lines: &[(&str, &str, &Path)]) -> PathBuf {
    let path = dir.join("allowed_signers");
    let text: String = lines
        .iter()
        .map(|(who, opts, key)| format!("{who} {opts} {}\n", public_line(key)))
        .collect();
    std::fs::write(&path, text).unwrap();
    path
}

/// `ssh-keygen -Y verify -f ALLOWED -I PRINCIPAL -n NAMESPACE -s SIG < MSG`.
pub fn ssh_verify(
    dir: &Path,
    allowed: &Path,
    principal: &str,
    namespace: &str,
    sig: &str,
    msg: &[u8],
) -> Output {
    let sig_path = dir.join("head.sig");
    let msg_path = dir.join("head.txt");
    std::fs::write(&sig_path, sig).unwrap();
    std::fs::write(&msg_path, msg).unwrap();
    Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(allowed)
        .args(["-I", principal, "-n", namespace, "-s"])
        .arg(&sig_path)
        .stdin(std::fs::File::open(&msg_path).unwrap())
        .output()
        .expect("spawn ssh-keygen")
}

/// `ssh-keygen -Y sign -f KEY -n NAMESPACE` over `msg`; returns the armored signature.
pub fn ssh_sign(dir: &Path, key: &Path, namespace: &str, msg: &[u8]) -> String {
    let msg_path = dir.join("to-sign.txt");
    std::fs::write(&msg_path, msg).unwrap();
    let sig_path = dir.join("to-sign.txt.sig");
    let _ = std::fs::remove_file(&sig_path);
    run_ok(
        Command::new("ssh-keygen")
            .args(["-Y", "sign", "-f"])
            .arg(key)
            .args(["-n", namespace])
            .arg(&msg_path)
            .stdin(Stdio::null()),
    );
    std::fs::read_to_string(sig_path).unwrap()
}

/// A real `ssh-agent -D` on a socket of its own, killed when dropped.
pub struct Agent {
    child: Child,
    /// The agent's socket (what SSH_AUTH_SOCK would name).
    pub socket: PathBuf,
}

impl Agent {
    /// Starts the agent and waits (up to 10 s) for its socket.
    pub fn start(dir: &Path) -> Self {
        let socket = dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn ssh-agent");
        let agent = Self { child, socket };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !agent.socket.exists() {
            assert!(
                Instant::now() < deadline,
                "ssh-agent made no socket in 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        agent
    }

    /// `ssh-add KEY` into this agent.
    pub fn add(&self, key: &Path) {
        run_ok(
            Command::new("ssh-add")
                .arg("-q")
                .arg(key)
                .env("SSH_AUTH_SOCK", &self.socket)
                .stdin(Stdio::null()),
        );
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
