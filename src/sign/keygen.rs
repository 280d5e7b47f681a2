//! A throwaway Ed25519 key for the demo, so its sessions are signed like real ones without
//! touching the operator's own keys.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use ssh_key::rand_core::OsRng;
use ssh_key::{Algorithm, LineEnding, PrivateKey};

/// Writes a new unencrypted Ed25519 private key to `path` (mode 0600, as ssh demands; the file
/// must not exist) and returns its public key line (`ssh-ed25519 AAAA… comment`).
pub fn throwaway_key(path: &Path, comment: &str) -> std::io::Result<String> {
    let invalid = |e: ssh_key::Error| std::io::Error::other(e.to_string());
    let mut key = PrivateKey::random(&mut OsRng, Algorithm::Ed25519).map_err(invalid)?;
    key.set_comment(comment);
    let text = key.to_openssh(LineEnding::LF).map_err(invalid)?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    key.public_key().to_openssh().map_err(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::{AllowedSigners, Signer, sign_head, verify_head};

    #[test]
    fn a_throwaway_key_signs_and_verifies() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("demo_ed25519");
        let public = throwaway_key(&path, "warroom-demo").expect("key");
        assert!(public.starts_with("ssh-ed25519 ") && public.ends_with(" warroom-demo"));
        let signer = Signer::from_key_file(&path)
            .expect("usable")
            .with_principal("demo");
        let hash = "ab".repeat(32);
        let head = sign_head(&signer, "s1", 3, &hash).expect("signed");
        let allowed =
            AllowedSigners::parse(&format!("demo {public}\n"), "allowed_signers").expect("allowed");
        let who =
            verify_head(&head, "s1", 3, &hash, &allowed, jiff::Timestamp::now()).expect("verifies");
        assert_eq!(who.signer(), "demo");
        assert!(throwaway_key(&path, "again").is_err(), "never overwrites");
    }
}
