//! Signed heads in real sessions: `warroom run --headless` against `warroom sim` signs the head
//! after go, the shift and the rollback and at the close; `warroom verify --allowed-signers`
//! names each decision's signer; plain `ssh-keygen -Y verify` accepts the signatures; and a
//! forged or truncated copy of the session fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sign_common;
mod support;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sign_common::room::{Room, envelopes, verify, write_rechained};
use sign_common::*;
use support::SimProcess;
use warroom::event::{Envelope, Event};

/// The principal the lead signs as, mapped in `[signing.principals]`.
const LEAD: &str = "lead@example.com";

/// One session recorded against the simulator, shared by the tests of this file.
struct Recorded {
    dir: PathBuf,
    session: PathBuf,
    allowed: PathBuf,
    stderr: String,
}

static RECORDED: OnceLock<Option<Recorded>> = OnceLock::new();

/// Records (once) go, a shift and a rollback by `lead`, signing with a key file.
fn recorded(test: &str) -> Option<&'static Recorded> {
    if !have_openssh(test) {
        return None;
    }
    RECORDED.get_or_init(|| Some(record())).as_ref()
}

fn record() -> Recorded {
    // Kept under Cargo's scratch directory, so later tests of this file can read it.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap()
        .keep();
    let sim = SimProcess::start(&[
        "--routing",
        "httproute-weights",
        "--pod-step-ms",
        "40",
        "--tick-ms",
        "20",
    ]);
    let key = keygen(&dir, "lead_key", "ed25519");
    let allowed = allowed_signers(&dir, &[(LEAD, "namespaces=\"warroom-head@warroom\"", &key)]);
    let cfg = std::fs::read_to_string(sim.file("warroom.toml")).unwrap();
    let base = cfg.split("\n[gates]").next().unwrap_or(&cfg);
    let config = sim.file("warroom.toml");
    std::fs::write(
        &config,
        format!(
            "{base}\n[gates]\nadvisory = [\"checklist\"]\n\n[signing]\nkey = \"{}\"\n\
             [signing.principals]\nlead = \"{LEAD}\"\n",
            key.display()
        ),
    )
    .unwrap();
    let runbook = dir.join("runbook.toml");
    std::fs::write(&runbook, warroom::sim::DEMO_RUNBOOK).unwrap();
    let session = dir.join("session.jsonl");
    let mut room = Room::start(
        &dir,
        &config,
        &runbook,
        ("lead", "deployment-lead"),
        &session,
        &[],
    );
    room.go();
    room.send("shift --override \"signed heads test: no bake\"");
    assert_eq!(room.outcome("a1")["event"]["outcome"], "applied");
    room.send("rollback --reason \"signed heads test\"");
    assert_eq!(room.outcome("a2")["event"]["outcome"], "applied");
    let stderr = room.quit();
    Recorded {
        dir,
        session,
        allowed,
        stderr,
    }
}

fn os(s: &Path) -> &OsStr {
    s.as_os_str()
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `warroom verify FILE --allowed-signers ALLOWED`.
fn verify_signed(file: &Path, allowed: &Path) -> std::process::Output {
    verify(&[os(file), OsStr::new("--allowed-signers"), os(allowed)])
}

fn signed_heads(envs: &[Envelope]) -> Vec<(u64, warroom::sign::HeadSignature)> {
    envs.iter()
        .filter_map(|e| match &e.event {
            Event::HeadSigned { head } => Some((e.seq, head.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn every_decision_and_the_close_carry_a_signed_head() {
    let Some(r) = recorded("every_decision_and_the_close_carry_a_signed_head") else {
        return;
    };
    assert!(!r.stderr.contains("NOT signed"), "{}", r.stderr);
    let envs = envelopes(&r.session);
    let heads = signed_heads(&envs);
    let decisions: Vec<&Envelope> = envs
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                Event::GoNoGoDecided { .. } | Event::ActionRequested { .. }
            )
        })
        .collect();
    assert_eq!(decisions.len(), 3, "go, a1, a2");
    for d in &decisions {
        let (at, head) = heads
            .iter()
            .find(|(_, h)| h.seq == d.seq)
            .unwrap_or_else(|| panic!("no HeadSigned for line {} ({})", d.seq, d.event.kind()));
        assert!(*at > d.seq);
        assert_eq!(head.hash, d.hash, "the signature is of that line's hash");
        assert_eq!(head.principal.as_deref(), Some(LEAD));
        assert!(!head.close);
    }
    // The close: the line before the end marker signs the line before it.
    let n = envs.len();
    assert!(matches!(envs[n - 1].event, Event::SessionEnded { .. }));
    let Event::HeadSigned { head } = &envs[n - 2].event else {
        panic!("the line before the end is {}", envs[n - 2].event.kind());
    };
    assert!(head.close);
    assert_eq!((head.seq, &head.hash), (envs[n - 3].seq, &envs[n - 3].hash));

    let out = verify_signed(&r.session, &r.allowed);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    for d in &decisions {
        let line = said
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("line {}:", d.seq)))
            .unwrap_or_else(|| panic!("verify names no signer for line {}: {said}", d.seq));
        assert!(line.contains(&format!("signed by {LEAD}")), "{line}");
        assert!(line.contains(": lead (deployment-lead): "), "{line}");
    }
    assert!(said.contains(&format!("close: signed by {LEAD}")), "{said}");
    // Without allowed signers it verifies and says the signatures were not checked.
    let out = verify(&[os(&r.session)]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out).contains("not checked"), "{}", text(&out));
}

#[test]
fn a_recorded_head_checks_with_plain_ssh_keygen() {
    let Some(r) = recorded("a_recorded_head_checks_with_plain_ssh_keygen") else {
        return;
    };
    let envs = envelopes(&r.session);
    let session = envs[0].session.clone();
    let heads = signed_heads(&envs);
    let first = &heads.first().unwrap().1;
    let last = &heads.last().unwrap().1;
    assert!(last.close && !first.close);
    for (tag, head) in [("warroom-head-v1", first), ("warroom-close-v1", last)] {
        // The signed text as docs/session-log.md gives it, written out by hand here.
        let msg = format!(
            "{tag}\nsession {session}\nseq {}\nhash {}\n",
            head.seq, head.hash
        );
        let out = ssh_verify(
            &r.dir,
            &r.allowed,
            LEAD,
            "warroom-head@warroom",
            &head.signature,
            msg.as_bytes(),
        );
        let said = text(&out);
        assert!(out.status.success(), "ssh-keygen -Y verify: {said}");
        assert!(
            said.contains(&format!(
                "Good \"warroom-head@warroom\" signature for {LEAD}"
            )),
            "{said}"
        );
        // The same signature over another line's hash is refused by ssh-keygen too.
        let other = msg.replace(&head.hash, &"0".repeat(64));
        let out = ssh_verify(
            &r.dir,
            &r.allowed,
            LEAD,
            "warroom-head@warroom",
            &head.signature,
            other.as_bytes(),
        );
        assert!(!out.status.success(), "{}", text(&out));
    }
}

#[test]
fn a_forged_session_fails_verify_with_allowed_signers() {
    let Some(r) = recorded("a_forged_session_fails_verify_with_allowed_signers") else {
        return;
    };
    let envs = envelopes(&r.session);
    let dir = tempfile::tempdir().unwrap();

    // The lead's go, renamed to someone else, with the chain recomputed.
    let mut renamed = envs.clone();
    let go = renamed
        .iter_mut()
        .find(|e| matches!(e.event, Event::GoNoGoDecided { .. }))
        .unwrap();
    go.actor.name = "mallory".into();
    let forged = dir.path().join("renamed.jsonl");
    write_rechained(&forged, &renamed);
    // The bare chain cannot tell.
    let out = verify(&[os(&forged)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("intact"));
    let out = verify_signed(&forged, &r.allowed);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("does not verify"), "{said}");
    assert!(
        said.contains("by mallory (deployment-lead) is not covered"),
        "{said}"
    );
    assert!(
        said.contains("cannot be shown to be the one its signers recorded"),
        "{said}"
    );

    // Every signature dropped: an unsigned log does not pass for a signed one.
    let stripped: Vec<Envelope> = renamed
        .iter()
        .filter(|e| !matches!(e.event, Event::HeadSigned { .. }))
        .cloned()
        .collect();
    let forged = dir.path().join("stripped.jsonl");
    write_rechained(&forged, &stripped);
    let out = verify_signed(&forged, &r.allowed);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("NOT SIGNED"), "{said}");
    assert!(said.contains("the session is unsigned"), "{said}");
    // Read without allowed signers, it says it is unsigned and still verifies.
    let out = verify(&[os(&forged)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("unsigned: no head of this session is signed"));

    // Re-signed with the forger's own key: not an allowed signer.
    let mallory = keygen(dir.path(), "mallory", "ed25519");
    let signer = warroom::sign::Signer::from_key_file(&mallory)
        .unwrap()
        .with_principal(LEAD);
    let resigned = resign(&renamed, &signer);
    let forged = dir.path().join("resigned.jsonl");
    std::fs::write(&forged, resigned).unwrap();
    assert_eq!(verify(&[os(&forged)]).status.code(), Some(0));
    let out = verify_signed(&forged, &r.allowed);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("which the allowed signers file does not list"),
        "{said}"
    );
}

/// The log rechained line by line, every `HeadSigned` replaced by `signer`'s signature of the
/// recomputed head: what a forger with a key of their own makes.
fn resign(envs: &[Envelope], signer: &warroom::sign::Signer) -> Vec<u8> {
    use warroom::session::hash::{GENESIS, chain_hash, insert_hash};
    let mut hashes: std::collections::HashMap<u64, String> = std::collections::HashMap::new();
    let mut prev = GENESIS.to_string();
    let mut out = Vec::new();
    for (i, env) in envs.iter().enumerate() {
        let mut e = env.clone();
        e.seq = i as u64 + 1;
        e.prev = prev.clone();
        e.hash = String::new();
        if let Event::HeadSigned { head } = &e.event {
            let seq = head.seq;
            let sign = if head.close {
                warroom::sign::sign_close
            } else {
                warroom::sign::sign_head
            };
            let head = sign(signer, &e.session, seq, &hashes[&seq]).unwrap();
            e.event = Event::HeadSigned { head };
        }
        let bare = serde_json::to_vec(&e).unwrap();
        let hash = chain_hash(&prev, &bare);
        hashes.insert(e.seq, hash.clone());
        out.extend(insert_hash(&bare, &hash));
        out.push(b'\n');
        prev = hash;
    }
    out
}

#[test]
fn a_truncated_session_fails_verify_with_allowed_signers() {
    let Some(r) = recorded("a_truncated_session_fails_verify_with_allowed_signers") else {
        return;
    };
    let text_of = std::fs::read_to_string(&r.session).unwrap();
    let lines: Vec<&str> = text_of.lines().collect();
    let envs = envelopes(&r.session);
    let dir = tempfile::tempdir().unwrap();
    // Cut right after the rollback's signature: every line kept is signed, but the close is
    // gone.
    let rollback_signed = signed_heads(&envs)
        .into_iter()
        .filter(|(_, h)| !h.close)
        .map(|(at, _)| at)
        .max()
        .unwrap();
    let cut = dir.path().join("cut.jsonl");
    let keep = usize::try_from(rollback_signed).unwrap();
    std::fs::write(&cut, format!("{}\n", lines[..keep].join("\n"))).unwrap();
    let out = verify(&[os(&cut)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the bare chain cannot see a cut"
    );
    let out = verify_signed(&cut, &r.allowed);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("does not end with a signed close"), "{said}");
    assert!(
        said.contains("the last valid signature covers line"),
        "{said}"
    );

    // The same cut with an end marker put back (chain recomputed): the close is not signed.
    let mut ended: Vec<Envelope> = envs[..keep].to_vec();
    let mut end = envs.last().unwrap().clone();
    end.event = Event::SessionEnded {
        reason: "quit".into(),
    };
    ended.push(end);
    let forged = dir.path().join("ended.jsonl");
    write_rechained(&forged, &ended);
    let out = verify(&[os(&forged)]);
    assert!(text(&out).contains("closed cleanly"), "{}", text(&out));
    let out = verify_signed(&forged, &r.allowed);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("the close is not signed"), "{said}");

    // Only the end marker cut off: the close's signature is there, the clean close is not.
    let cut = dir.path().join("no-end.jsonl");
    std::fs::write(&cut, format!("{}\n", lines[..lines.len() - 1].join("\n"))).unwrap();
    let out = verify_signed(&cut, &r.allowed);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("does not end with a signed close"));
}

#[test]
fn a_bad_allowed_signers_file_is_named() {
    let Some(r) = recorded("a_bad_allowed_signers_file_is_named") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("allowed_signers");
    std::fs::write(&bad, "lead@example.com not-a-key\n").unwrap();
    let out = verify_signed(&r.session, &bad);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains(":1"), "{said}");
}
