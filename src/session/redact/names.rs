//! Whether a name (a flag, variable, JSON or YAML field, header, query parameter) says that
//! its value is a secret, and whether a bare word looks like a token.
//!
//! Names are split into words (`_`, `-`, `.`, camelCase), so `DB_PASSWORD`, `clientSecret`
//! and `X-Api-Key` are secrets while `secretName`, `--key-file` and `token_type` only name
//! one: the value of a name that ends in `name`, `file`, `ref`, `type`, … is not the secret.

/// Where a name was found; some names are secrets only in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A flag, variable, field or key.
    Field,
    /// An HTTP header (`X-Session-Id` is a secret there).
    Header,
    /// A URL query parameter (`?sig=`, `?key=`, `?code=` are secrets there).
    Query,
}

/// Fragments that make any name containing them a secret (`PGPASSWORD`, `clientSecret`).
const STRONG: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "apikey",
    "privatekey",
    "accesskey",
    "secretkey",
    "bearer",
];

/// A name whose last word is one of these names or describes the secret, not the secret.
const DESCRIBES: &[&str] = &[
    "name",
    "names",
    "ref",
    "file",
    "files",
    "path",
    "dir",
    "id",
    "ids",
    "ttl",
    "type",
    "length",
    "len",
    "size",
    "env",
    "url",
    "uri",
    "endpoint",
    "expiry",
    "expires",
    "expiration",
    "count",
    "version",
    "prefix",
    "format",
    "stdin",
    "policy",
    "mode",
    "bits",
    "algorithm",
    "header",
    "field",
    "kind",
    "hint",
    "provider",
    "source",
    "arn",
    "rotation",
    "required",
    "reset",
];

/// A name with one of these words anywhere describes a secret's lifetime or shape
/// (`tokenExpirySeconds`, `password_min_length`), not its value.
const ABOUT: &[&str] = &[
    "expiry",
    "expires",
    "expiration",
    "ttl",
    "lifetime",
    "timeout",
    "length",
    "rotation",
    "policy",
];

/// `…_KEY` is a secret unless the key is one of these (a database or map key is not).
const NOT_SECRET_KEYS: &[&str] = &[
    "public",
    "primary",
    "foreign",
    "sort",
    "partition",
    "cache",
    "label",
    "hash",
    "routing",
    "group",
    "shard",
    "lookup",
    "map",
    "index",
    "dedup",
    "idempotency",
    "row",
    "object",
    "s3",
    "host",
];

/// Query parameters that carry a secret although their names do not say so.
const QUERY_SECRETS: &[&str] = &[
    "sig",
    "signature",
    "code",
    "key",
    "auth",
    "session",
    "sid",
    "hmac",
    "x-amz-signature",
    "x-goog-signature",
];

/// Whether the value of `name`, found at `place`, is a secret.
pub fn is_secret(name: &str, place: Place) -> bool {
    let name = name.trim_start_matches('-');
    let lower = name.to_ascii_lowercase();
    if place == Place::Query && QUERY_SECRETS.contains(&lower.as_str()) {
        return true;
    }
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if place == Place::Header
        && words
            .iter()
            .any(|w| matches!(w.as_str(), "session" | "csrf" | "xsrf"))
    {
        return true;
    }
    let describes = DESCRIBES.contains(&last.as_str())
        || words
            .iter()
            .any(|w| ABOUT.contains(&w.as_str()) || w == "no" || w.starts_with("ask"));
    if describes {
        return false;
    }
    // `PWD` and `OLDPWD` are the shell's working directories.
    if matches!(lower.as_str(), "pwd" | "oldpwd") {
        return false;
    }
    let joined: String = words.concat();
    if STRONG.iter().any(|s| joined.contains(s)) && !joined.contains("tokeniz") {
        return true;
    }
    words.iter().enumerate().any(|(i, w)| match w.as_str() {
        // `-storepass`, `--pass`, `DB_PASS`; not `bypass`.
        w if w.ends_with("pass") && w != "bypass" => true,
        "pw" | "pwd" => true,
        "key" => i > 0 && !NOT_SECRET_KEYS.contains(&words[i - 1].as_str()),
        _ => false,
    })
}

/// Lowercase words of a name: split at `_`, `-`, `.`, `/`, `:` and lower→upper case changes.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Prefixes of well-known token formats (GitHub, GitLab, Slack, npm, Hugging Face, Google,
/// Vault, Docker Hub, Stripe, OpenAI).
const TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "gldt-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxs-",
    "npm_",
    "hf_",
    "ya29.",
    "hvs.",
    "dckr_pat_",
    "sk_live_",
    "sk-",
];

/// Whether a URL's user name is a token rather than a person's or a service's name: a known
/// token prefix, or a long run of letters and digits with no word structure.
pub fn is_token_like(user: &str) -> bool {
    if TOKEN_PREFIXES.iter().any(|p| user.starts_with(p)) {
        return true;
    }
    let long = user.len() >= 20;
    let letters = user.bytes().any(|b| b.is_ascii_alphabetic());
    let digits = user.bytes().filter(u8::is_ascii_digit).count();
    long && letters && digits >= 3 && user.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_hold_secrets() {
        for n in [
            "password",
            "DB_PASSWORD",
            "PGPASSWORD",
            "clientSecret",
            "X-Api-Key",
            "api_key",
            "STRIPE_KEY",
            "--access-token",
            "-srcstorepass",
            "--pass",
            "aws_secret_access_key",
            "_authToken",
            "oauth2-bearer",
            "passphrase",
            "DB_PWD",
        ] {
            assert!(is_secret(n, Place::Field), "{n}");
        }
    }

    #[test]
    fn names_that_only_name_a_secret() {
        for n in [
            "secretName",
            "secretKeyRef",
            "--key-file",
            "token_type",
            "--password-stdin",
            "keymap",
            "key",
            "--no-password",
            "PWD",
            "primary_key",
            "public_key",
            "bearer_token_file",
            "tokenizer",
            "bypass",
            "--authenticationDatabase",
        ] {
            assert!(!is_secret(n, Place::Field), "{n}");
        }
        assert!(is_secret("X-Session-Id", Place::Header));
        assert!(!is_secret("X-Request-Id", Place::Header));
        assert!(is_secret("sig", Place::Query));
        assert!(!is_secret("sig", Place::Field));
        assert!(!is_secret("var-code", Place::Query));
    }

    #[test]
    fn token_like_user_names() {
        assert!(is_token_like("ghp_16C7e42F292c6912E7710c838347Ae178B4a"));
        assert!(is_token_like("x9kq2mzt4vbn8wrl6pc3h7d"));
        assert!(!is_token_like("deploy-bot"));
        assert!(!is_token_like("git"));
        assert!(!is_token_like("jenkins_release_builder"));
    }
}
