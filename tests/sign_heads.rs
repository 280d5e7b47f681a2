//! Signed heads against OpenSSH itself: heads signed from key files and through a real
//! ssh-agent verify with `ssh-keygen -Y verify`, and `ssh-keygen -Y sign` output verifies here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sign_common;

use std::path::Path;

use jiff::Timestamp;
use sign_common::*;
use warroom::sign::{
    AllowedSigners, HEAD_NAMESPACE, HeadSignature, KeySelector, SignError, Signer, head_message,
    sign_head, verify_head, verify_message,
};

const SESSION: &str = "27e59f99719af05b";
const HASH: &str = "a3c2f1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a46e0f";

fn now() -> Timestamp {
    Timestamp::now()
}

/// Checks `sig` both ways: with ssh-keygen (as principal `who`) and with `verify_head`.
fn check_both(dir: &Path, allowed_file: &Path, who: &str, key: &Path, sig: &HeadSignature) {
    let msg = head_message(SESSION, sig.seq, &sig.hash).unwrap();
    let out = ssh_verify(
        dir,
        allowed_file,
        who,
        HEAD_NAMESPACE,
        &sig.signature,
        msg.as_bytes(),
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "ssh-keygen -Y verify refused: {said}");
    assert!(
        said.contains(&format!("Good \"{HEAD_NAMESPACE}\" signature for {who}")),
        "{said}"
    );
    let allowed = AllowedSigners::load(allowed_file).unwrap();
    let v = verify_head(sig, SESSION, sig.seq, &sig.hash, &allowed, now()).expect("verifies");
    assert_eq!(v.principals, vec![who.to_string()]);
    assert_eq!(v.fingerprint, ssh_fingerprint(key));
    assert_eq!(sig.fingerprint, ssh_fingerprint(key));
}

#[test]
fn key_file_heads_verify_with_ssh_keygen() {
    if !have_openssh("key_file_heads_verify_with_ssh_keygen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (kind, key_type) in [("ed25519", "ssh-ed25519"), ("ecdsa", "ecdsa-sha2-nistp256")] {
        let key = keygen(dir.path(), &format!("id_{kind}"), kind);
        let who = format!("{kind}@example.com");
        let allowed = allowed_signers(
            dir.path(),
            &[(&who, "namespaces=\"warroom-head@warroom\"", &key)],
        );
        let signer = Signer::from_key_file(&key).unwrap();
        let sig = sign_head(&signer, SESSION, 42, HASH).unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!((sig.seq, sig.hash.as_str()), (42, HASH));
        assert_eq!(sig.namespace, HEAD_NAMESPACE);
        assert_eq!(sig.key_type, key_type);
        assert!(sig.signature.starts_with("-----BEGIN SSH SIGNATURE-----\n"));
        assert!(sig.signature.ends_with("-----END SSH SIGNATURE-----\n"));
        assert_eq!(sig.principal, None);
        check_both(dir.path(), &allowed, &who, &key, &sig);
    }
    // RSA keys sign through the agent (below), not from a file.
    let rsa = keygen(dir.path(), "id_rsa", "rsa");
    let e = Signer::from_key_file(&rsa).unwrap_err();
    assert!(e.to_string().contains("sign through the agent"), "{e}");
}

#[test]
fn agent_heads_verify_with_ssh_keygen() {
    if !have_openssh("agent_heads_verify_with_ssh_keygen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ecdsa = keygen(dir.path(), "id_ecdsa", "ecdsa");
    let ed = keygen(dir.path(), "id_ed25519", "ed25519");
    let rsa = keygen(dir.path(), "id_rsa", "rsa");
    let agent = Agent::start(dir.path());
    // ECDSA first, so "the first Ed25519 key" is a real choice, not the first key.
    agent.add(&ecdsa);
    agent.add(&ed);
    agent.add(&rsa);
    let allowed = allowed_signers(
        dir.path(),
        &[
            ("alice@example.com", "", &ed),
            ("bob@example.com", "", &ecdsa),
            ("carol@example.com", "", &rsa),
        ],
    );

    let default = Signer::from_agent(&agent.socket, None).unwrap();
    assert_eq!(default.fingerprint(), ssh_fingerprint(&ed));
    let sig = sign_head(&default, SESSION, 7, HASH).unwrap();
    check_both(dir.path(), &allowed, "alice@example.com", &ed, &sig);

    // Chosen by fingerprint, by public key file and by public key text.
    let by_fp = KeySelector::parse(&ssh_fingerprint(&ecdsa)).unwrap();
    let by_file = KeySelector::parse(pub_path(&rsa).to_str().unwrap()).unwrap();
    let by_text = KeySelector::parse(&format!("key::{}", public_line(&ed))).unwrap();
    for (sel, who, key) in [
        (by_fp, "bob@example.com", &ecdsa),
        (by_file, "carol@example.com", &rsa),
        (by_text, "alice@example.com", &ed),
    ] {
        let signer = Signer::from_agent(&agent.socket, Some(&sel))
            .unwrap()
            .with_principal(who);
        let sig = sign_head(&signer, SESSION, 8, HASH).unwrap();
        assert_eq!(sig.principal.as_deref(), Some(who));
        check_both(dir.path(), &allowed, who, key, &sig);
    }

    // A key the agent does not hold: the error lists what it does hold.
    let other = keygen(dir.path(), "id_other", "ed25519");
    let sel = KeySelector::parse(pub_path(&other).to_str().unwrap()).unwrap();
    let e = Signer::from_agent(&agent.socket, Some(&sel)).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, SignError::KeyNotInAgent { .. }), "{msg}");
    assert!(msg.contains(&ssh_fingerprint(&other)), "{msg}");
    assert!(msg.contains(&ssh_fingerprint(&ed)), "{msg}");
}

#[test]
fn agent_without_ed25519_needs_a_named_key_and_a_removed_key_fails_clearly() {
    if !have_openssh("agent_without_ed25519_needs_a_named_key_and_a_removed_key_fails_clearly") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ecdsa = keygen(dir.path(), "id_ecdsa", "ecdsa");
    let agent = Agent::start(dir.path());
    let e = Signer::from_agent(&agent.socket, None).unwrap_err();
    assert!(
        e.to_string().contains("no keys (add one with ssh-add)"),
        "{e}"
    );
    agent.add(&ecdsa);
    let e = Signer::from_agent(&agent.socket, None).unwrap_err();
    assert!(e.to_string().contains("Ed25519 key (name the key"), "{e}");

    let sel = KeySelector::parse(&ssh_fingerprint(&ecdsa)).unwrap();
    let signer = Signer::from_agent(&agent.socket, Some(&sel)).unwrap();
    run_ok(
        std::process::Command::new("ssh-add")
            .arg("-D")
            .env("SSH_AUTH_SOCK", &agent.socket),
    );
    let e = sign_head(&signer, SESSION, 1, HASH).unwrap_err();
    assert!(matches!(e, SignError::Agent { .. }), "{e}");
    assert!(e.to_string().contains("refused to sign"), "{e}");

    drop(agent);
    let e = sign_head(&signer, SESSION, 1, HASH).unwrap_err();
    assert!(e.to_string().contains("cannot connect"), "{e}");
}

#[test]
fn ssh_keygen_signatures_verify_here() {
    if !have_openssh("ssh_keygen_signatures_verify_here") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let allowed_text = |lines: &[(&str, &Path)]| {
        let text: String = lines
            .iter()
            .map(|(w, k)| format!("{w} {}\n", public_line(k)))
            .collect();
        AllowedSigners::parse(&text, "allowed_signers").unwrap()
    };
    for kind in ["ed25519", "ecdsa", "rsa"] {
        let key = keygen(dir.path(), &format!("id_{kind}"), kind);
        let allowed = allowed_text(&[("\"ops lead,alice@example.com\"", &key)]);
        let msg = head_message(SESSION, 3, HASH).unwrap();
        let armored = ssh_sign(dir.path(), &key, HEAD_NAMESPACE, msg.as_bytes());

        let v = verify_message(
            &armored,
            HEAD_NAMESPACE,
            msg.as_bytes(),
            &allowed,
            None,
            now(),
        )
        .unwrap();
        assert_eq!(v.principals, vec!["ops lead", "alice@example.com"]);
        assert_eq!(v.signer(), "ops lead, alice@example.com");
        assert_eq!(v.fingerprint, ssh_fingerprint(&key));

        // The same block as a head record verifies as a head.
        let record = HeadSignature {
            seq: 3,
            hash: HASH.into(),
            principal: Some("alice@example.com".into()),
            fingerprint: v.fingerprint.clone(),
            key_type: v.key_type.clone(),
            namespace: HEAD_NAMESPACE.into(),
            signature: armored,
            close: false,
        };
        let h = verify_head(&record, SESSION, 3, HASH, &allowed, now()).unwrap();
        assert_eq!(h.principals, vec!["alice@example.com"]);
    }
}

#[test]
fn the_record_round_trips_through_json() {
    if !have_openssh("the_record_round_trips_through_json") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = keygen(dir.path(), "id_ed25519", "ed25519");
    let signer = Signer::from_key_file(&key).unwrap().with_principal("alice");
    let sig = sign_head(&signer, SESSION, 12, HASH).unwrap();
    let json = serde_json::to_string(&sig).unwrap();
    for field in [
        "\"seq\":12",
        "\"principal\":\"alice\"",
        "\"key_type\":\"ssh-ed25519\"",
        "\"namespace\":\"warroom-head@warroom\"",
        "\"fingerprint\":\"SHA256:",
    ] {
        assert!(json.contains(field), "{field} not in {json}");
    }
    let back: HeadSignature = serde_json::from_str(&json).unwrap();
    assert_eq!(back, sig);
    back.check_form().unwrap();
    // Without a principal the field is left out.
    let plain = sign_head(&Signer::from_key_file(&key).unwrap(), SESSION, 12, HASH).unwrap();
    assert!(!serde_json::to_string(&plain).unwrap().contains("principal"));
}

#[test]
fn allowed_signers_decide_like_ssh_keygen() {
    if !have_openssh("allowed_signers_decide_like_ssh_keygen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = keygen(dir.path(), "id_ed25519", "ed25519");
    let other = keygen(dir.path(), "id_other", "ed25519");
    let k = public_line(&key);
    let o = public_line(&other);
    let text = format!(
        "# operators of the payments release\n\
         \n\
         \"ops lead,alice@example.com\" {k}\n\
         bob namespaces=\"git,file\" {k}\n\
         *@ops.example,!mallory@ops.example namespaces=\"warroom-*\" {k}\n\
         carol valid-before=\"20200101Z\" {k}\n\
         dave valid-after=\"29990101Z\" {k}\n\
         erin {o}\n\
         \t  frank  VALID-AFTER=\"20200101\",Namespaces=\"warroom-head@warroom\"  {k} frank's key\n"
    );
    let file = dir.path().join("allowed_signers");
    std::fs::write(&file, &text).unwrap();
    let allowed = AllowedSigners::load(&file).unwrap();
    let msg = head_message(SESSION, 9, HASH).unwrap();
    let armored = Signer::from_key_file(&key)
        .unwrap()
        .sign_message(HEAD_NAMESPACE, msg.as_bytes())
        .unwrap();
    let mut accepted = Vec::new();
    for who in [
        "ops lead",
        "alice@example.com",
        "bob",
        "x@ops.example",
        "mallory@ops.example",
        "carol",
        "dave",
        "erin",
        "frank",
        "nobody",
    ] {
        let theirs = ssh_verify(
            dir.path(),
            &file,
            who,
            HEAD_NAMESPACE,
            &armored,
            msg.as_bytes(),
        )
        .status
        .success();
        let ours = verify_message(
            &armored,
            HEAD_NAMESPACE,
            msg.as_bytes(),
            &allowed,
            Some(who),
            now(),
        );
        assert_eq!(
            ours.is_ok(),
            theirs,
            "{who}: ssh-keygen {theirs}, here {ours:?}"
        );
        if theirs {
            accepted.push(who);
        }
    }
    // The file is not trivially all-yes or all-no.
    assert_eq!(
        accepted,
        ["ops lead", "alice@example.com", "x@ops.example", "frank"]
    );
    // Without a claim, the first line that allows the signature names the signer.
    let v = verify_message(
        &armored,
        HEAD_NAMESPACE,
        msg.as_bytes(),
        &allowed,
        None,
        now(),
    )
    .unwrap();
    assert_eq!(v.principals, ["ops lead", "alice@example.com"]);
}
