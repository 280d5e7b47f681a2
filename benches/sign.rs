//! Benchmarks for signed heads: signing one head (key file, ssh-agent) and verifying one.
//! Needs ssh-keygen, ssh-agent and ssh-add (openssh-client) to make keys and run an agent.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use warroom::sign::{AllowedSigners, KeySelector, Signer, sign_head, verify_head};

const SESSION: &str = "27e59f99719af05b";
const HASH: &str = "a3c2f1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a46e0f";

fn keygen(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let st = Command::new("ssh-keygen")
        .args(["-q", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .args(args)
        .status()
        .expect("ssh-keygen (apt-get install openssh-client)");
    assert!(st.success(), "ssh-keygen failed");
    path
}

fn public_line(key: &Path) -> String {
    std::fs::read_to_string(format!("{}.pub", key.display()))
        .expect("public key")
        .trim()
        .to_string()
}

struct Agent(Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_agent(dir: &Path, keys: &[&Path]) -> (Agent, PathBuf) {
    let socket = dir.join("agent.sock");
    let child = Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&socket)
        .stdout(Stdio::null())
        .spawn()
        .expect("ssh-agent");
    let agent = Agent(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(Instant::now() < deadline, "ssh-agent made no socket");
        std::thread::sleep(Duration::from_millis(20));
    }
    for k in keys {
        let st = Command::new("ssh-add")
            .arg("-q")
            .arg(k)
            .env("SSH_AUTH_SOCK", &socket)
            .status()
            .expect("ssh-add");
        assert!(st.success(), "ssh-add failed");
    }
    (agent, socket)
}

fn heads(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ed = keygen(dir.path(), "id_ed25519", &["-t", "ed25519"]);
    let ecdsa = keygen(dir.path(), "id_ecdsa", &["-t", "ecdsa", "-b", "256"]);
    let (_agent, socket) = start_agent(dir.path(), &[&ed, &ecdsa]);
    let allowed = AllowedSigners::parse(
        &format!("alice {}\nbob {}\n", public_line(&ed), public_line(&ecdsa)),
        "allowed_signers",
    )
    .expect("allowed signers");
    let when = Timestamp::now();

    let mut g = c.benchmark_group("signed_head");
    for (kind, key) in [("ed25519", &ed), ("ecdsa_p256", &ecdsa)] {
        let file = Signer::from_key_file(key).expect("key file");
        g.bench_function(format!("sign_key_file_{kind}"), |b| {
            b.iter(|| sign_head(&file, SESSION, black_box(42), HASH).expect("sign"))
        });
        let sel = KeySelector::Key(Box::new(file.public_key().clone()));
        let via_agent = Signer::from_agent(&socket, Some(&sel)).expect("agent");
        g.bench_function(format!("sign_agent_{kind}"), |b| {
            b.iter(|| sign_head(&via_agent, SESSION, black_box(42), HASH).expect("sign"))
        });
        let sig = sign_head(&file, SESSION, 42, HASH).expect("sign");
        g.bench_function(format!("verify_{kind}"), |b| {
            b.iter(|| verify_head(black_box(&sig), SESSION, 42, HASH, &allowed, when).expect("ok"))
        });
    }
    g.finish();
}

criterion_group!(benches, heads);
criterion_main!(benches);
