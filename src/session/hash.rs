//! The hash-chain rule shared by the writer and the verifier (see docs/session-log.md).
//!
//! A line ends with `"hash":"<64 hex>"}`. Its hash is
//! `SHA-256( prev_hex_ascii ‖ line_bytes_without_the_64_hash_characters )`, where the line bytes
//! exclude the trailing newline. The first line's `prev` is 64 zeros.

use sha2::{Digest, Sha256};

/// `prev` of the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fixed tail of every line around the hash value: `,"hash":"` … `"}`.
pub const HASH_KEY: &str = ",\"hash\":\"";

/// Computes the hash of a line given with an empty hash value (`…,"hash":""}`).
pub fn chain_hash(prev: &str, line_without_hash: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(line_without_hash);
    hex::encode(h.finalize())
}

/// Splits a written line into (line with the hash value removed, the hash value), or `None`
/// if the line does not end with a well-formed `"hash":"<64 hex>"}`.
pub fn split_hash(line: &[u8]) -> Option<(Vec<u8>, &str)> {
    let tail = 64 + 2; // hex + `"}`
    if line.len() < tail + HASH_KEY.len() || !line.ends_with(b"\"}") {
        return None;
    }
    let value_at = line.len() - tail;
    if &line[value_at - HASH_KEY.len()..value_at] != HASH_KEY.as_bytes() {
        return None;
    }
    let value = std::str::from_utf8(&line[value_at..value_at + 64]).ok()?;
    if !value
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return None;
    }
    let mut stripped = Vec::with_capacity(line.len() - 64);
    stripped.extend_from_slice(&line[..value_at]);
    stripped.extend_from_slice(b"\"}");
    Some((stripped, value))
}

/// Inserts a hash value into a line serialized with an empty hash (`…,"hash":""}`).
pub fn insert_hash(line_without_hash: &[u8], hash: &str) -> Vec<u8> {
    let cut = line_without_hash.len() - 2;
    let mut out = Vec::with_capacity(line_without_hash.len() + hash.len());
    out.extend_from_slice(&line_without_hash[..cut]);
    out.extend_from_slice(hash.as_bytes());
    out.extend_from_slice(b"\"}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_inverts_insert() {
        let bare = br#"{"v":1,"prev":"00","hash":""}"#;
        let h = chain_hash(GENESIS, bare);
        let line = insert_hash(bare, &h);
        let (stripped, got) = split_hash(&line).expect("well formed");
        assert_eq!(stripped, bare);
        assert_eq!(got, h);
        assert_eq!(chain_hash(GENESIS, &stripped), h);
    }

    #[test]
    fn malformed_tails_are_refused() {
        assert!(split_hash(b"{}").is_none());
        assert!(split_hash(br#"{"hash":"zz"}"#).is_none());
        let upper = format!("{{\"a\":1,\"hash\":\"{}\"}}", "A".repeat(64));
        assert!(split_hash(upper.as_bytes()).is_none());
    }
}
