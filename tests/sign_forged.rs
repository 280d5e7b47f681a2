//! Forged, altered and unusable signatures and keys are refused, each with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sign_common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use jiff::Timestamp;
use sign_common::*;
use warroom::sign::{
    AllowedSigners, HEAD_NAMESPACE, HeadSignature, SignError, Signer, VerifyError, head_message,
    sign_head, verify_head,
};

const SESSION: &str = "27e59f99719af05b";
const HASH: &str = "a3c2f1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a46e0f";
const HASH2: &str = "b3c2f1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a46e0f";

struct Setup {
    dir: tempfile::TempDir,
    alice: PathBuf,
    mallory: PathBuf,
    allowed_file: PathBuf,
    allowed: AllowedSigners,
    /// Alice's signature over (SESSION, 5, HASH).
    good: HeadSignature,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let alice = keygen(dir.path(), "alice", "ed25519");
    let mallory = keygen(dir.path(), "mallory", "ed25519");
    let allowed_file = allowed_signers(dir.path(), &[("alice@example.com", "", &alice)]);
    let allowed = AllowedSigners::load(&allowed_file).unwrap();
    let good = sign_head(&Signer::from_key_file(&alice).unwrap(), SESSION, 5, HASH).unwrap();
    Setup {
        dir,
        alice,
        mallory,
        allowed_file,
        allowed,
        good,
    }
}

fn now() -> Timestamp {
    Timestamp::now()
}

impl Setup {
    fn verify(&self, sig: &HeadSignature, session: &str, seq: u64, hash: &str) -> VerifyError {
        verify_head(sig, session, seq, hash, &self.allowed, now()).unwrap_err()
    }

    fn ssh_keygen_accepts(&self, sig: &str, session: &str, seq: u64, hash: &str) -> bool {
        let msg = head_message(session, seq, hash).unwrap();
        let out = ssh_verify(
            self.dir.path(),
            &self.allowed_file,
            "alice@example.com",
            HEAD_NAMESPACE,
            sig,
            msg.as_bytes(),
        );
        out.status.success()
    }
}

#[test]
fn a_key_not_in_allowed_signers_is_refused() {
    if !have_openssh("a_key_not_in_allowed_signers_is_refused") {
        return;
    }
    let s = setup();
    assert!(s.ssh_keygen_accepts(&s.good.signature, SESSION, 5, HASH));
    let forged = sign_head(
        &Signer::from_key_file(&s.mallory).unwrap(),
        SESSION,
        5,
        HASH,
    )
    .unwrap();
    let e = s.verify(&forged, SESSION, 5, HASH);
    assert_eq!(
        e,
        VerifyError::UnknownKey {
            fingerprint: ssh_fingerprint(&s.mallory)
        }
    );
    assert!(e.to_string().contains("does not list"), "{e}");
    assert!(!s.ssh_keygen_accepts(&forged.signature, SESSION, 5, HASH));
    // Claiming to be alice does not help.
    let mut claim = forged.clone();
    claim.principal = Some("alice@example.com".into());
    assert!(matches!(
        s.verify(&claim, SESSION, 5, HASH),
        VerifyError::UnknownKey { .. }
    ));
}

#[test]
fn another_head_is_refused() {
    if !have_openssh("another_head_is_refused") {
        return;
    }
    let s = setup();
    // The chain's head differs from the recorded one.
    assert!(matches!(
        s.verify(&s.good, SESSION, 5, HASH2),
        VerifyError::Mismatch { field: "hash", .. }
    ));
    assert!(matches!(
        s.verify(&s.good, SESSION, 6, HASH),
        VerifyError::Mismatch { field: "seq", .. }
    ));
    // A forger who rewrites the record to match a recomputed chain still fails the signature.
    let mut edited = s.good.clone();
    edited.hash = HASH2.into();
    let e = s.verify(&edited, SESSION, 5, HASH2);
    assert!(matches!(e, VerifyError::BadSignature { .. }), "{e}");
    assert!(e.to_string().contains("altered"), "{e}");
    let mut edited = s.good.clone();
    edited.seq = 6;
    assert!(matches!(
        s.verify(&edited, SESSION, 6, HASH),
        VerifyError::BadSignature { .. }
    ));
    // The same head of another session.
    assert!(matches!(
        s.verify(&s.good, "0000000000000000", 5, HASH),
        VerifyError::BadSignature { .. }
    ));
    assert!(!s.ssh_keygen_accepts(&s.good.signature, SESSION, 5, HASH2));
    assert!(!s.ssh_keygen_accepts(&s.good.signature, "0000000000000000", 5, HASH));
}

#[test]
fn a_signature_for_another_namespace_is_refused() {
    if !have_openssh("a_signature_for_another_namespace_is_refused") {
        return;
    }
    let s = setup();
    let msg = head_message(SESSION, 5, HASH).unwrap();
    // Alice's real key, but signed as a git commit signature would be.
    let git = ssh_sign(s.dir.path(), &s.alice, "git", msg.as_bytes());
    let mut lying = s.good.clone();
    lying.signature = git;
    assert_eq!(
        s.verify(&lying, SESSION, 5, HASH),
        VerifyError::WrongNamespace {
            expected: HEAD_NAMESPACE.into(),
            found: "git".into()
        }
    );
    assert!(!s.ssh_keygen_accepts(&lying.signature, SESSION, 5, HASH));
    let mut honest = lying.clone();
    honest.namespace = "git".into();
    assert!(matches!(
        s.verify(&honest, SESSION, 5, HASH),
        VerifyError::WrongNamespace { .. }
    ));
}

#[test]
fn truncated_or_corrupted_armor_is_refused() {
    if !have_openssh("truncated_or_corrupted_armor_is_refused") {
        return;
    }
    let s = setup();
    let armor = &s.good.signature;
    let lines: Vec<&str> = armor.lines().collect();
    let cases = [
        ("half", armor[..armor.len() / 2].to_string()),
        ("no END line", lines[..lines.len() - 1].join("\n")),
        (
            "a body line dropped",
            [&lines[..1], &lines[2..]].concat().join("\n"),
        ),
        ("empty", String::new()),
        ("not armor", "ssh-ed25519 AAAA".to_string()),
    ];
    for (what, text) in cases {
        let mut sig = s.good.clone();
        sig.signature = text;
        let e = s.verify(&sig, SESSION, 5, HASH);
        assert!(matches!(e, VerifyError::Malformed(_)), "{what}: {e:?}");
        assert!(e.to_string().starts_with("malformed SSH signature"), "{e}");
        assert!(sig.check_form().is_err(), "{what}");
    }
    // One base64 character changed inside the signature bytes (the end of the blob): the
    // block still decodes, the signature no longer matches.
    let mut sig = s.good.clone();
    let body = lines.len() - 2;
    let mut bytes = lines[body].as_bytes().to_vec();
    let i = bytes.len() - 3;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let mut changed = lines.clone();
    let replaced = String::from_utf8(bytes).unwrap();
    changed[body] = &replaced;
    sig.signature = changed.join("\n");
    let e = s.verify(&sig, SESSION, 5, HASH);
    assert!(
        matches!(
            e,
            VerifyError::BadSignature { .. } | VerifyError::Malformed(_)
        ),
        "{e:?}"
    );
    assert!(!s.ssh_keygen_accepts(&sig.signature, SESSION, 5, HASH));
}

#[test]
fn edited_readable_fields_are_refused() {
    if !have_openssh("edited_readable_fields_are_refused") {
        return;
    }
    let s = setup();
    let mut sig = s.good.clone();
    sig.fingerprint = ssh_fingerprint(&s.mallory);
    assert!(matches!(
        s.verify(&sig, SESSION, 5, HASH),
        VerifyError::Mismatch {
            field: "fingerprint",
            ..
        }
    ));
    assert!(sig.check_form().is_err());
    let mut sig = s.good.clone();
    sig.key_type = "ecdsa-sha2-nistp256".into();
    assert!(matches!(
        s.verify(&sig, SESSION, 5, HASH),
        VerifyError::Mismatch {
            field: "key type",
            ..
        }
    ));
    // Alice's key, claimed as someone else's name.
    let mut sig = s.good.clone();
    sig.principal = Some("bob@example.com".into());
    let e = s.verify(&sig, SESSION, 5, HASH);
    assert!(matches!(e, VerifyError::NotAllowed { .. }), "{e}");
    assert!(e.to_string().contains("not for \"bob@example.com\""), "{e}");
}

#[test]
fn allowed_signers_restrictions_apply() {
    if !have_openssh("allowed_signers_restrictions_apply") {
        return;
    }
    let s = setup();
    let line = public_line(&s.alice);
    let only_git =
        AllowedSigners::parse(&format!("alice namespaces=\"git\" {line}\n"), "a").unwrap();
    let e = verify_head(&s.good, SESSION, 5, HASH, &only_git, now()).unwrap_err();
    assert!(e.to_string().contains("not in namespaces=\"git\""), "{e}");

    // A key retired at the end of 2025 still verifies heads signed before, not after.
    let retired =
        AllowedSigners::parse(&format!("alice valid-before=\"20251231Z\" {line}\n"), "a").unwrap();
    let before: Timestamp = "2025-06-01T00:00:00Z".parse().unwrap();
    let after: Timestamp = "2026-01-01T00:00:01Z".parse().unwrap();
    assert!(verify_head(&s.good, SESSION, 5, HASH, &retired, before).is_ok());
    let e = verify_head(&s.good, SESSION, 5, HASH, &retired, after).unwrap_err();
    assert!(e.to_string().contains("expired"), "{e}");
}

#[test]
fn unusable_key_files_say_what_to_do() {
    if !have_openssh("unusable_key_files_say_what_to_do") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let enc = dir.path().join("encrypted");
    run_ok(
        Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "correct horse", "-f"])
            .arg(&enc),
    );
    let e = Signer::from_key_file(&enc).unwrap_err();
    assert!(matches!(e, SignError::Encrypted { .. }), "{e}");
    assert!(e.to_string().contains("ssh-add"), "{e}");

    let open = keygen(dir.path(), "open", "ed25519");
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = Signer::from_key_file(&open).unwrap_err();
    assert!(e.to_string().contains("chmod 600"), "{e}");

    let e = Signer::from_key_file(&pub_path(&open)).unwrap_err();
    // The .pub file is 0644 too, so make it private to reach the format check.
    assert!(e.to_string().contains("chmod 600"), "{e}");
    std::fs::set_permissions(pub_path(&open), std::fs::Permissions::from_mode(0o600)).unwrap();
    let e = Signer::from_key_file(&pub_path(&open)).unwrap_err();
    assert!(e.to_string().contains("is a public key"), "{e}");

    let e = Signer::from_key_file(Path::new("/nonexistent/id_ed25519")).unwrap_err();
    assert!(e.to_string().contains("cannot read"), "{e}");

    let key = keygen(dir.path(), "k", "ed25519");
    let signer = Signer::from_key_file(&key).unwrap();
    for (session, hash) in [
        (SESSION, "ABC"),
        (SESSION, &HASH.to_uppercase()[..]),
        ("two words", HASH),
        ("", HASH),
    ] {
        let e = sign_head(&signer, session, 1, hash).unwrap_err();
        assert!(matches!(e, SignError::InvalidHead(_)), "{e}");
    }
    // Debug output never shows key material.
    let shown = format!("{signer:?}");
    assert!(
        shown.contains(&signer.fingerprint()) && shown.contains("key file"),
        "{shown}"
    );
    assert!(!shown.contains("PRIVATE"), "{shown}");
}

#[test]
fn a_hung_agent_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("hung.sock");
    // Accepts and reads, never answers.
    let listener = UnixListener::bind(&socket).unwrap();
    let t = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0u8; 64];
        let _ = std::io::Read::read(&mut conn, &mut buf);
        std::thread::sleep(Duration::from_secs(2));
    });
    let e = Signer::from_agent_timeout(&socket, None, Duration::from_millis(200)).unwrap_err();
    assert!(matches!(e, SignError::Agent { .. }), "{e}");
    assert!(e.to_string().contains("did not answer within 200ms"), "{e}");
    t.join().unwrap();
}
