//! git's `allowed_signers` file (ssh-keygen(1) "ALLOWED SIGNERS"): who may sign, with which key,
//! for which namespaces and when.
//!
//! One entry a line: `principals [options] keytype base64-key [comment]`. Principals are a
//! comma-separated OpenSSH pattern list, optionally in double quotes. Options are
//! `namespaces="…"`, `valid-after="…"` and `valid-before="…"`; `cert-authority` is refused
//! (certificates are not verified here). Blank lines and lines starting with `#` are ignored.

use std::path::Path;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use ssh_key::PublicKey;
use ssh_key::public::KeyData;

use super::pattern;

/// A parsed allowed_signers file.
#[derive(Debug, Clone)]
pub struct AllowedSigners {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    line: usize,
    principals: String,
    namespaces: Option<String>,
    valid_after: Option<Timestamp>,
    valid_before: Option<Timestamp>,
    key: PublicKey,
}

/// An allowed_signers file that could not be read or has a line that cannot be trusted.
#[derive(Debug, thiserror::Error)]
pub enum AllowedSignersError {
    /// The file could not be read.
    #[error("{file}: cannot read the allowed signers file: {err}")]
    Read {
        /// The file as given.
        file: String,
        /// Why.
        err: std::io::Error,
    },
    /// A line is malformed or uses what is not supported.
    #[error("{file}:{line}: {message}")]
    Line {
        /// The file as given.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
}

/// Why a key is not allowed to sign, as found in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No line lists this key.
    UnknownKey,
    /// Lines list the key but none allows this signature; one reason per line.
    NotAllowed(Vec<String>),
}

impl AllowedSigners {
    /// Reads and parses an allowed_signers file.
    pub fn load(path: &Path) -> Result<Self, AllowedSignersError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|err| AllowedSignersError::Read {
            file: file.clone(),
            err,
        })?;
        Self::parse(&text, &file)
    }

    /// Parses allowed_signers text; `file` names it in errors. Every line must parse: a line
    /// skipped silently could hide a key the operator meant to restrict.
    pub fn parse(text: &str, file: &str) -> Result<Self, AllowedSignersError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            match parse_line(raw, line) {
                Ok(Some(e)) => entries.push(e),
                Ok(None) => {}
                Err(message) => {
                    return Err(AllowedSignersError::Line {
                        file: file.to_string(),
                        line,
                        message,
                    });
                }
            }
        }
        Ok(Self { entries })
    }

    /// Number of entries (keys listed).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the file lists no key at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The principals allowed to make this signature, as `ssh-keygen -Y verify` decides: a
    /// line lists `key`, its principals match `principal` (if one is claimed), its
    /// `namespaces` allow `namespace`, and `when` lies within its validity.
    ///
    /// Returns the claimed principal, or without a claim the principals of the first line that
    /// allows the signature (what `ssh-keygen -Y find-principals` prints, except that lines
    /// refusing the namespace or the time are passed over).
    pub(crate) fn authorize(
        &self,
        key: &KeyData,
        namespace: &str,
        principal: Option<&str>,
        when: Timestamp,
    ) -> Result<Vec<String>, Refusal> {
        let mut reasons = Vec::new();
        for e in self.entries.iter().filter(|e| e.key.key_data() == key) {
            match e.refusal(namespace, principal, when) {
                Some(reason) => reasons.push(format!("line {}: {reason}", e.line)),
                None => {
                    return Ok(match principal {
                        Some(p) => vec![p.to_string()],
                        None => e.principals.split(',').map(str::to_string).collect(),
                    });
                }
            }
        }
        if reasons.is_empty() {
            Err(Refusal::UnknownKey)
        } else {
            Err(Refusal::NotAllowed(reasons))
        }
    }
}

impl Entry {
    /// Why this line does not allow the signature, or `None` if it does.
    fn refusal(&self, namespace: &str, principal: Option<&str>, when: Timestamp) -> Option<String> {
        if let Some(p) = principal
            && !pattern::allows(p, &self.principals)
        {
            return Some(format!(
                "the key is listed for {}, not for {p:?}",
                self.principals
            ));
        }
        if let Some(ns) = &self.namespaces
            && !pattern::allows(namespace, ns)
        {
            return Some(format!(
                "namespace {namespace:?} is not in namespaces=\"{ns}\""
            ));
        }
        if let Some(after) = self.valid_after
            && when < after
        {
            return Some(format!(
                "the key is valid only after {after}, signed at {when}"
            ));
        }
        if let Some(before) = self.valid_before
            && when > before
        {
            return Some(format!("the key expired at {before}, signed at {when}"));
        }
        None
    }
}

/// Parses one line; `Ok(None)` for blanks and comments.
fn parse_line(raw: &str, line: usize) -> Result<Option<Entry>, String> {
    let s = raw.trim_start_matches([' ', '\t']).trim_end();
    if s.is_empty() || s.starts_with('#') {
        return Ok(None);
    }
    let (principals, rest) = split_principals(s)?;
    let rest = rest.trim_start_matches([' ', '\t']);
    if rest.is_empty() {
        return Err("no public key after the principals".into());
    }
    // As ssh-keygen does: what follows the principals is a key, or else options then a key.
    let mut opts = Options::default();
    let key = match PublicKey::from_openssh(rest) {
        Ok(key) => key,
        Err(e) if looks_like_key(rest) => {
            return Err(format!(
                "not a valid public key ({e}); expected `keytype base64-key [comment]`"
            ));
        }
        Err(_) => {
            let (o, after) = split_options(rest);
            opts = parse_options(o)?;
            let after = after.trim_start_matches([' ', '\t']);
            if after.is_empty() {
                return Err(format!("no public key after the options {o:?}"));
            }
            PublicKey::from_openssh(after).map_err(|e| {
                format!("not a valid public key ({e}); expected `keytype base64-key [comment]`")
            })?
        }
    };
    Ok(Some(Entry {
        line,
        principals: principals.to_string(),
        namespaces: opts.namespaces,
        valid_after: opts.valid_after,
        valid_before: opts.valid_before,
        key,
    }))
}

/// Whether the text starts with a key type name (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …)
/// rather than options.
fn looks_like_key(s: &str) -> bool {
    let first = s.split([' ', '\t']).next().unwrap_or("");
    // Not `Other`: any `name@domain` would pass for one, `namespaces="a@b"` included.
    matches!(ssh_key::Algorithm::new(first), Ok(a) if !matches!(a, ssh_key::Algorithm::Other(_)))
}

/// The principals field (unquoted up to whitespace, or everything inside double quotes) and
/// what follows it.
fn split_principals(s: &str) -> Result<(&str, &str), String> {
    let (principals, rest) = if let Some(q) = s.strip_prefix('"') {
        let end = q
            .find('"')
            .ok_or("the principals open a quote that is never closed")?;
        let rest = &q[end + 1..];
        if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
            return Err("expected a space after the quoted principals".into());
        }
        (&q[..end], rest)
    } else {
        let end = s.find([' ', '\t']).unwrap_or(s.len());
        (&s[..end], &s[end..])
    };
    if principals.is_empty() {
        return Err("empty principals".into());
    }
    Ok((principals, rest))
}

/// Splits the options field off at the first whitespace outside double quotes.
fn split_options(s: &str) -> (&str, &str) {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => return (&s[..i], &s[i..]),
            _ => {}
        }
    }
    (s, "")
}

#[derive(Default)]
struct Options {
    namespaces: Option<String>,
    valid_after: Option<Timestamp>,
    valid_before: Option<Timestamp>,
}

fn parse_options(mut s: &str) -> Result<Options, String> {
    let mut o = Options::default();
    loop {
        let name_end = s.find(['=', ',']).unwrap_or(s.len());
        let name = s[..name_end].to_ascii_lowercase();
        match name.as_str() {
            "cert-authority" => {
                return Err(
                    "cert-authority (keys certified by an SSH certificate authority) \
                     is not supported for warroom signatures; list each operator's own public key"
                        .into(),
                );
            }
            "namespaces" | "valid-after" | "valid-before" => {
                let value_at = s[name_end..]
                    .strip_prefix('=')
                    .ok_or_else(|| format!("option {name} needs a value: {name}=\"…\""))?;
                let (value, rest) = dequote(value_at, &name)?;
                let duplicate = match name.as_str() {
                    "namespaces" => o.namespaces.replace(value).is_some(),
                    "valid-after" => o.valid_after.replace(parse_time(&value)?).is_some(),
                    _ => o.valid_before.replace(parse_time(&value)?).is_some(),
                };
                if duplicate {
                    return Err(format!("option {name} is given twice"));
                }
                s = rest;
            }
            _ => {
                let shown = &s[..name_end];
                return Err(format!(
                    "unsupported option {shown:?} (or a malformed key); supported options: \
                     namespaces=\"…\", valid-after=\"…\", valid-before=\"…\""
                ));
            }
        }
        if s.is_empty() {
            return Ok(o);
        }
        s = s
            .strip_prefix(',')
            .ok_or_else(|| format!("expected `,` between options, found {s:?}"))?;
    }
}

/// A double-quoted option value (`\"` escapes a quote) and what follows it.
fn dequote<'a>(s: &'a str, name: &str) -> Result<(String, &'a str), String> {
    let body = s
        .strip_prefix('"')
        .ok_or_else(|| format!("the value of {name} must be in double quotes: {name}=\"…\""))?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => break,
            },
            '"' => return Ok((out, &body[i + 1..])),
            _ => out.push(c),
        }
    }
    Err(format!(
        "the value of {name} opens a quote that is never closed"
    ))
}

/// ssh-keygen's absolute times: `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, in local time,
/// or in UTC with a trailing `Z` (or `UTC`).
fn parse_time(value: &str) -> Result<Timestamp, String> {
    let bad = || {
        format!(
            "invalid time {value:?}: use YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, with Z for UTC"
        )
    };
    let (digits, utc) = if let Some(d) = value.strip_suffix(['Z', 'z']) {
        (d, true)
    } else if value.len() > 3 && value[value.len() - 3..].eq_ignore_ascii_case("utc") {
        (&value[..value.len() - 3], true)
    } else {
        (value, false)
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) || ![8, 12, 14].contains(&digits.len()) {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| digits.get(r).map_or(Ok(0), str::parse::<i32>);
    let field = |r| num(r).map_err(|_| bad());
    let dt = DateTime::new(
        field(0..4)? as i16,
        field(4..6)? as i8,
        field(6..8)? as i8,
        field(8..10)? as i8,
        field(10..12)? as i8,
        field(12..14)? as i8,
        0,
    )
    .map_err(|e| format!("{}: {e}", bad()))?;
    let tz = if utc {
        TimeZone::UTC
    } else {
        TimeZone::system()
    };
    dt.to_zoned(tz)
        .map(|z| z.timestamp())
        .map_err(|e| format!("{}: {e}", bad()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOyCH/VluHqqU6XCvS5vveHEV0a8rkkibl1moeKcJyD4";
    const ED2: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5gaoKrQaFXnhx9Vo6aZhM/VYIURIV55Eh44Ju7BDoY";

    fn key(s: &str) -> KeyData {
        PublicKey::from_openssh(s).expect("key").key_data().clone()
    }

    fn now() -> Timestamp {
        "2026-06-01T12:00:00Z".parse().expect("time")
    }

    fn parse(text: &str) -> Result<AllowedSigners, AllowedSignersError> {
        AllowedSigners::parse(text, "allowed_signers")
    }

    #[test]
    fn plain_lines_comments_and_quoted_principals() {
        let text = format!(
            "# operators\n\n  alice@example.com {ED} alice's laptop\n\
             \"bob@example.com,robert@example.com\" {ED2}\n"
        );
        let a = parse(&text).expect("parses");
        assert_eq!(a.len(), 2);
        let ns = "warroom-head@warroom";
        assert_eq!(
            a.authorize(&key(ED), ns, None, now()),
            Ok(vec!["alice@example.com".to_string()])
        );
        assert_eq!(
            a.authorize(&key(ED2), ns, None, now()),
            Ok(vec![
                "bob@example.com".to_string(),
                "robert@example.com".to_string()
            ])
        );
        assert_eq!(
            a.authorize(&key(ED2), ns, Some("robert@example.com"), now()),
            Ok(vec!["robert@example.com".to_string()])
        );
        match a.authorize(&key(ED2), ns, Some("alice@example.com"), now()) {
            Err(Refusal::NotAllowed(r)) => assert!(r[0].contains("line 4"), "{r:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_key_is_refused() {
        let a = parse(&format!("alice {ED}\n")).expect("parses");
        assert_eq!(
            a.authorize(&key(ED2), "x", None, now()),
            Err(Refusal::UnknownKey)
        );
    }

    #[test]
    fn namespaces_option_restricts() {
        let a = parse(&format!(
            "alice namespaces=\"git,file\" {ED}\nbob NameSpaces=\"warroom-*\" {ED2}\n"
        ))
        .expect("parses");
        match a.authorize(&key(ED), "warroom-head@warroom", None, now()) {
            Err(Refusal::NotAllowed(r)) => {
                assert!(r[0].contains("not in namespaces=\"git,file\""), "{r:?}")
            }
            other => panic!("{other:?}"),
        }
        assert!(a.authorize(&key(ED), "git", None, now()).is_ok());
        assert!(
            a.authorize(&key(ED2), "warroom-head@warroom", None, now())
                .is_ok()
        );
    }

    #[test]
    fn validity_window() {
        let a = parse(&format!(
            "alice valid-after=\"20260101Z\",valid-before=\"202606301200Z\" {ED}\n"
        ))
        .expect("parses");
        assert!(a.authorize(&key(ED), "n", None, now()).is_ok());
        let early: Timestamp = "2025-12-31T23:59:59Z".parse().expect("t");
        let late: Timestamp = "2026-06-30T12:00:01Z".parse().expect("t");
        for (when, word) in [(early, "valid only after"), (late, "expired")] {
            match a.authorize(&key(ED), "n", None, when) {
                Err(Refusal::NotAllowed(r)) => assert!(r[0].contains(word), "{r:?}"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn same_key_on_two_lines_any_line_may_allow() {
        let a = parse(&format!(
            "old namespaces=\"git\" {ED}\nalice namespaces=\"warroom-head@warroom\" {ED}\n"
        ))
        .expect("parses");
        assert_eq!(
            a.authorize(&key(ED), "warroom-head@warroom", None, now()),
            Ok(vec!["alice".to_string()])
        );
    }

    #[test]
    fn times_in_all_forms() {
        let t = |s| parse_time(s).expect(s);
        assert_eq!(t("20260102Z").to_string(), "2026-01-02T00:00:00Z");
        assert_eq!(t("202601020304UTC").to_string(), "2026-01-02T03:04:00Z");
        assert_eq!(t("20260102030405Z").to_string(), "2026-01-02T03:04:05Z");
        // Local time is the system zone's; it parses whatever the zone is.
        t("20260102");
        for bad in [
            "2026010",
            "2026-01-02",
            "20261301Z",
            "20260230Z",
            "abcdefghZ",
            "Z",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_lines_name_the_line_and_the_fix() {
        let cases = [
            (format!("alice cert-authority {ED}"), "cert-authority"),
            (
                format!("alice no-touch-required {ED}"),
                "unsupported option",
            ),
            (format!("alice namespaces=git {ED}"), "double quotes"),
            (format!("alice namespaces=\"git {ED}"), "never closed"),
            (
                format!("alice namespaces=\"a\",namespaces=\"b\" {ED}"),
                "twice",
            ),
            (format!("alice valid-after=\"soon\" {ED}"), "invalid time"),
            ("alice".to_string(), "no public key"),
            ("\"alice bob".to_string(), "never closed"),
            ("alice namespaces=\"git\"".to_string(), "no public key"),
            (
                "alice ssh-ed25519 AAAAnotbase64!!".to_string(),
                "not a valid public key",
            ),
            ("alice ssh-foo AAAA".to_string(), "unsupported option"),
            (
                "alice namespaces=\"a@b\" ssh-ed25519 AAAA!!".to_string(),
                "not a valid public key",
            ),
            (
                "alice namespaces=\"x\" ssh-ed25519 AAAA!!".to_string(),
                "not a valid public key",
            ),
        ];
        for (text, want) in cases {
            let text = format!("# ok\n{text}\n");
            match parse(&text) {
                Err(e @ AllowedSignersError::Line { line: 2, .. }) => {
                    let msg = e.to_string();
                    assert!(msg.starts_with("allowed_signers:2: "), "{msg}");
                    assert!(msg.contains(want), "{text:?}: {msg}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn missing_file_names_it() {
        let e = AllowedSigners::load(Path::new("/nonexistent/allowed_signers")).expect_err("fails");
        assert!(
            e.to_string()
                .starts_with("/nonexistent/allowed_signers: cannot read")
        );
    }
}
