//! The redaction rules: one regular expression per place a secret is written, each with a
//! function that rebuilds the match with the secret masked, or leaves it as it was.
//!
//! Two habits keep redacted text readable and redacted commands valid shell: a rule replaces
//! only the value (the flag, field, header or scheme stays), and it never consumes a quote it
//! did not open, so `-H "Authorization: Bearer x"` keeps its closing quote.

use std::sync::LazyLock;

use regex::{Captures, Regex, RegexSet};

use super::MASK;
use super::names::{Place, is_secret, is_token_like};

/// One rule: where a secret is written and how the match is rebuilt.
pub struct Rule {
    /// The pattern.
    pub re: Regex,
    /// Rebuilds the whole match.
    pub fix: fn(&Captures) -> String,
}

#[allow(clippy::expect_used)] // the patterns are constants, all compiled by the tests
fn rule(pattern: &str, fix: fn(&Captures) -> String) -> Rule {
    Rule {
        re: Regex::new(pattern).expect("valid redaction pattern"),
        fix,
    }
}

/// A shell word as a value: double- or single-quoted, or bare up to whitespace, a quote or
/// a shell operator. A bare value never starts with `-` (that is the next flag).
const WORD: &str = r#"(?:"[^"\n]*"|'[^'\n]*'|[^\s"'`;&|<>()\-][^\s"'`;&|<>()]*)"#;
/// A bare value glued to its flag (`-pS3cret`), which may start with `-`.
const GLUED: &str = r#"(?:"[^"\n]*"|'[^'\n]*'|[^\s"'`;&|<>()]+)"#;
/// Characters of a name in `NAME=value`, `--name value`, `name: value`.
const NAME: &str = r"[A-Za-z0-9_.\-]";
/// Any secret-looking name contains one of these; the rule's function then decides.
const HINT: &str = r"(?i:pass|pw|token|secret|key|credential|bearer|auth|sig|code|session)";

/// Whether a value is a reference to a secret (`$VAR`, `${{ secrets.X }}`, `$(cmd)`), which
/// is not the secret itself.
fn is_reference(value: &str) -> bool {
    value
        .trim_start_matches(['"', '\''])
        .trim_start()
        .starts_with('$')
}

/// The value masked, keeping the quotes it was written in.
fn masked(value: &str) -> String {
    for q in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
            return format!("{q}{MASK}{q}");
        }
    }
    MASK.to_string()
}

/// The match with the group `m` masked (quotes kept), unless it is empty or a reference.
fn mask_group(c: &Captures, m: Option<regex::Match<'_>>) -> String {
    let whole = c.get(0).map_or("", |w| w.as_str());
    let (Some(m), Some(w)) = (m, c.get(0)) else {
        return whole.to_string();
    };
    let (value, tail) = split_comment(m.as_str());
    if value.is_empty() || is_reference(value) {
        return whole.to_string();
    }
    let (start, end) = (m.start() - w.start(), m.end() - w.start());
    format!(
        "{}{}{tail}{}",
        &whole[..start],
        masked(value),
        &whole[end..]
    )
}

/// Group 2 masked, everything else kept.
fn mask2(c: &Captures) -> String {
    mask_group(c, c.get(2))
}

/// The whole match is a secret.
fn mask_all(_: &Captures) -> String {
    MASK.to_string()
}

/// The `value` group masked when the `name` group is a secret at `place`.
fn named(c: &Captures, place: Place) -> String {
    if !is_secret(&c["name"], place) {
        return c[0].to_string();
    }
    mask_group(c, c.name("value"))
}

/// Splits a bare value that ran to the end of a line from its ` # comment` and trailing
/// spaces, which stay.
fn split_comment(value: &str) -> (&str, &str) {
    if value.starts_with(['"', '\'']) {
        return (value, "");
    }
    let end = value.find(" #").unwrap_or(value.len());
    let trimmed = value[..end].trim_end();
    (trimmed, &value[trimmed.len()..])
}

fn field(c: &Captures) -> String {
    named(c, Place::Field)
}

fn header(c: &Captures) -> String {
    named(c, Place::Header)
}

fn assignment(c: &Captures) -> String {
    let place = match c.get(1).map(|m| m.as_str()) {
        Some("?" | "&") => Place::Query,
        _ => Place::Field,
    };
    named(c, place)
}

/// A JSON string or number value of a secret-named key becomes the string `"[REDACTED]"`,
/// so JSON stays JSON (escaped: `\"[REDACTED]\"`).
fn json(c: &Captures) -> String {
    if !is_secret(&c["name"], Place::Field) || is_reference(&c["value"]) {
        return c[0].to_string();
    }
    let q = if c["value"].starts_with("\\\"") {
        "\\\""
    } else {
        "\""
    };
    format!("{}{q}{MASK}{q}", &c["head"])
}

/// Every `name=value` of a cookie string gets its value masked.
fn cookie_pairs(s: &str) -> String {
    static PAIR: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"([^=;\s]+=)([^;]*?)(\s*(?:;|$))").ok());
    let Some(pair) = PAIR.as_ref() else {
        return MASK.to_string();
    };
    pair.replace_all(s, |p: &Captures| {
        if p[2].is_empty() || is_reference(&p[2]) {
            p[0].to_string()
        } else {
            format!("{}{MASK}{}", &p[1], &p[3])
        }
    })
    .into_owned()
}

fn cookie(c: &Captures) -> String {
    if is_reference(&c[3]) {
        return c[0].to_string();
    }
    format!("{}{}{}", &c[1], &c[2], cookie_pairs(&c[3]))
}

/// `curl -b 'a=b'` holds cookies; `curl -b cookies.txt` names a file.
fn curl_cookie(c: &Captures) -> String {
    let v = &c[2];
    if !v.contains('=') || is_reference(v) {
        return c[0].to_string();
    }
    format!("{}{}", &c[1], cookie_pairs(v))
}

/// `Authorization: Scheme credentials`: the scheme stays.
fn authorization(c: &Captures) -> String {
    let v = &c["value"];
    if v == MASK || is_reference(v) {
        return c[0].to_string();
    }
    let scheme = c.name("scheme").map_or("", |m| m.as_str());
    format!("{}{scheme}{MASK}", &c["head"])
}

/// `Bearer x` outside a header: only when `x` looks like a credential, not a word of prose.
fn bearer(c: &Captures) -> String {
    let v = &c[2];
    let credential = v.len() >= 8
        && v.bytes()
            .any(|b| b.is_ascii_digit() || b".-_~+/".contains(&b));
    if credential {
        format!("{}{MASK}", &c[1])
    } else {
        c[0].to_string()
    }
}

/// A URL whose user name is a token (`https://ghp_x@github.com`).
fn url_user(c: &Captures) -> String {
    if is_token_like(&c[2]) {
        format!("{}{MASK}{}", &c[1], &c[3])
    } else {
        c[0].to_string()
    }
}

/// `--user name:password` (not `uid:gid`, not a URL's `http://`).
fn user_password(c: &Captures) -> String {
    let user = c[1]
        .rsplit([' ', '\t', '=', '"', '\''])
        .next()
        .unwrap_or("");
    let v = &c[2];
    let numeric = user
        .trim_end_matches(':')
        .bytes()
        .all(|b| b.is_ascii_digit())
        && v.bytes().all(|b| b.is_ascii_digit());
    if v.starts_with("//") || numeric || is_reference(v) {
        return c[0].to_string();
    }
    format!("{}{MASK}", &c[1])
}

/// A positional value followed by whitespace or the end (group 3 keeps that).
fn positional(c: &Captures) -> String {
    if c[2].contains('=') || is_reference(&c[2]) {
        return c[0].to_string();
    }
    format!("{}{}{}", &c[1], masked(&c[2]), &c[3])
}

/// A private key block keeps its armour lines.
fn pem(c: &Captures) -> String {
    match c.get(2) {
        Some(end) if !end.as_str().is_empty() => format!("{}\n{MASK}\n{}", &c[1], end.as_str()),
        _ => format!("{}\n{MASK}", &c[1]),
    }
}

/// The rules, in the order they run.
pub static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let mut rules = vec![
        // Private key blocks (PEM, OpenSSH, PGP), also cut off before their end line.
        rule(
            r"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)(?s:.*?)(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
            pem,
        ),
        // Tokens recognisable by their format, wherever they appear.
        rule(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_\-]{20,}|xox[abposr]-[A-Za-z0-9\-]{10,}|(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}|[sr]k_(?:live|test)_[A-Za-z0-9]{10,}|sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}|AIza[0-9A-Za-z_\-]{35}|ya29\.[0-9A-Za-z_\-]{10,}|npm_[A-Za-z0-9]{36}|hf_[A-Za-z0-9]{30,}|hvs\.[A-Za-z0-9_\-]{20,}|dckr_pat_[A-Za-z0-9_\-]{20,}|SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})",
            mask_all,
        ),
        // Webhooks that carry their secret in the path.
        rule(
            r"(?i)(https?://hooks\.slack\.com/(?:services|workflows|triggers)/)([A-Za-z0-9_/\-]+)",
            mask2,
        ),
        rule(
            r"(?i)(https?://(?:[a-z0-9\-]+\.)?discord(?:app)?\.com/api/(?:v\d+/)?webhooks/)([A-Za-z0-9_/\-]+)",
            mask2,
        ),
        rule(
            r#"(?i)(https?://(?:[a-z0-9.\-]*\.webhook\.office\.com/webhookb2/|outlook\.office(?:365)?\.com/webhook/))([^\s"'?#<>]+)"#,
            mask2,
        ),
        rule(
            r"(?i)(https?://api\.telegram\.org/(?:file/)?bot)([0-9]+:[A-Za-z0-9_\-]+)",
            mask2,
        ),
        rule(
            r"(?i)(https?://(?:hooks\.zapier\.com/hooks/catch/|events\.pagerduty\.com/integration/))([A-Za-z0-9_/\-]+)",
            mask2,
        ),
        rule(
            r#"(?i)(https?://[^\s/"'@]+/hooks/)([A-Za-z0-9]{20,})"#,
            mask2,
        ),
        // `scheme://user:password@` (the user may be empty: `redis://:pw@host`).
        rule(
            r#"(?i)(\b[a-z][a-z0-9+.\-]*://[^/\s:@?#"']*:)([^@\s/?#"'\[\]]+)(@)"#,
            mask2,
        ),
        // `scheme://token@host`.
        rule(
            r#"(?i)(\b[a-z][a-z0-9+.\-]*://)([^/\s:@?#"'\[\]]+)(@)"#,
            url_user,
        ),
        // `Authorization: Bearer x`, `Proxy-Authorization: Basic x`, `"authorization": "…"`.
        rule(
            r#"(?i)(?P<head>\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?P<scheme>(?:bearer|basic|token|digest|negotiate|ntlm|hmac|apikey|sso-key|aws4-hmac-sha256)\s+)?(?P<value>\[REDACTED\]|[^\s"'\[\]]+)"#,
            authorization,
        ),
        // Cookies: `Set-Cookie` keeps its attributes, `Cookie` and `curl -b` mask every value.
        rule(
            r#"(?i)(\bset-cookie\s*:\s*[^=;\s"']+=)([^;\s"'\[\]]+)"#,
            mask2,
        ),
        rule(r#"(?i)(^|[^\w\-])(cookie\s*:\s*)([^"'\r\n]+)"#, cookie),
        rule(
            r#"(\bcurl\b[^\n|;&]*?[ \t](?:-b|--cookie)(?:[ \t]+|=)["']?)([^\s"']+)"#,
            curl_cookie,
        ),
    ];
    rules.extend(commands());
    rules.extend([
        // JSON fields, plain and escaped inside a shell string.
        rule(
            &format!(
                r#"(?P<head>"(?P<name>[^"\\\n]*{HINT}[^"\\\n]*)"\s*:\s*)(?P<value>"(?:[^"\\\n]|\\.)*"|-?\d[0-9.eE+\-]*)"#
            ),
            json,
        ),
        rule(
            &format!(
                r#"(?P<head>\\"(?P<name>[^"\\\n]*{HINT}[^"\\\n]*)\\"\s*:\s*)(?P<value>\\"(?:[^"\\\n]|\\[^"])*\\"|-?\d[0-9.eE+\-]*)"#
            ),
            json,
        ),
        // YAML fields and header lines at the start of a line: the value runs to the end of
        // the line (less a comment); block scalars (`|`, `>`) are handled line by line.
        rule(
            &format!(
                r#"(?m)^[ \t]*(?:-[ \t]+)?["']?(?P<name>[A-Za-z0-9_\-]*{HINT}[A-Za-z0-9_\-]*)["']?[ \t]*:[ \t]+(?P<value>"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s#|>"'][^\n]*)"#
            ),
            field,
        ),
        // Inside a quoted header (`-H 'token: x'`) and a hyphenated header anywhere
        // (`X-Auth-Token: x`, where `X-Session-Id` is a secret too).
        rule(
            &format!(
                r#"["'](?P<name>[A-Za-z0-9_\-]*{HINT}[A-Za-z0-9_\-]*)[ \t]*:[ \t]*(?P<value>[^\s"'\[\]]+)"#
            ),
            field,
        ),
        rule(
            &format!(
                r#"(?:^|[\s"'(])(?P<name>(?:[A-Za-z0-9]+-)+[A-Za-z0-9_\-]*{HINT}[A-Za-z0-9_\-]*|[A-Za-z0-9_\-]*{HINT}[A-Za-z0-9_\-]*-[A-Za-z0-9_\-]+)[ \t]*:[ \t]*(?P<value>[^\s"'\[\]]+)"#
            ),
            header,
        ),
        // YAML flow mappings: `{user: a, password: b}`.
        rule(
            &format!(
                r#"[{{,][ \t]*["']?(?P<name>[A-Za-z0-9_\-]*{HINT}[A-Za-z0-9_\-]*)["']?[ \t]*:[ \t]+(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s,{{}}\[\]"'][^,{{}}\[\]\n"']*?)[ \t]*(?:[,}}\]]|$)"#
            ),
            field,
        ),
        // `--flag value`, `--flag=value`, `-storepass value`.
        rule(
            &format!(
                r#"(?:^|[\s"'(])(?P<name>--?{NAME}*{HINT}{NAME}*)(?:=|[ \t]+)(?P<value>{WORD})"#
            ),
            field,
        ),
        // `name = value` at the start of a line (INI, TOML, properties).
        rule(
            &format!(
                r#"(?m)^[ \t]*(?P<name>{NAME}*{HINT}{NAME}*)(?:[ \t]+=[ \t]*|=[ \t]+)(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s"'$][^\n]*)"#
            ),
            field,
        ),
        // `NAME=value`, `?token=value`, `&sig=value`.
        rule(
            &format!(
                r#"(^|[^A-Za-z0-9_.\-])(?P<name>{NAME}*{HINT}{NAME}*)=(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s"'&;|<>()#\[\]]+)"#
            ),
            assignment,
        ),
        // A bearer token outside a header.
        rule(r"(?i)\b(bearer\s+)([A-Za-z0-9\-._~+/]+=*)", bearer),
    ]);
    rules
});

/// Password flags of particular commands, given short or glued, and positional secrets.
fn commands() -> Vec<Rule> {
    // The same shell command: no newline, pipe, `;` or `&` in between.
    let cmd = r"[^\n|;&]*?";
    vec![
        // mysql and friends: `-pSECRET` glued only (`-p` alone prompts; the next word is a
        // database).
        rule(
            &format!(
                r"(\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mysqlsh|mariadb|mariadb-dump|mariadb-admin)\b{cmd}[ \t]-p)({GLUED})"
            ),
            mask2,
        ),
        // `-p SECRET` or `-pSECRET`.
        rule(
            &format!(
                r"(\b(?:sshpass|mongo|mongosh|mongodump|mongorestore|mongoexport|mongoimport|mongostat|mongotop|rabbitmqadmin)\b{cmd}[ \t]-p[ \t]*)({WORD})"
            ),
            mask2,
        ),
        rule(
            &format!(
                r"(\b(?:docker|podman|nerdctl|buildah|helm|oras|crane|skopeo|regctl|finch)\b{cmd}\blogin\b{cmd}[ \t]-p[ \t]*)({WORD})"
            ),
            mask2,
        ),
        rule(
            &format!(r"(\b(?:az|cf)[ \t]+login\b{cmd}[ \t]-p[ \t]*)({WORD})"),
            mask2,
        ),
        rule(
            &format!(r"(\b(?:redis-cli|valkey-cli|keydb-cli)\b{cmd}[ \t]-a[ \t]*)({WORD})"),
            mask2,
        ),
        rule(
            &format!(r"(\bldap[a-z]+\b{cmd}[ \t]-w[ \t]*)({WORD})"),
            mask2,
        ),
        rule(
            &format!(r"(\b(?:sqlcmd|bcp|osql|zip|unzip)\b{cmd}[ \t]-P[ \t]*)({WORD})"),
            mask2,
        ),
        rule(
            &format!(r"(\b(?:plink|pscp|psftp)\b{cmd}[ \t]-pw[ \t]+)({WORD})"),
            mask2,
        ),
        rule(
            &format!(r"(\bssh-keygen\b{cmd}[ \t]-[NP][ \t]*)({WORD})"),
            mask2,
        ),
        rule(&format!(r"(\b7z[ar]?\b{cmd}[ \t]-p)({GLUED})"), mask2),
        // curl's `-u user:password` and anyone's `--user user:password`.
        rule(
            &format!(
                r#"((?:\b(?:curl|wget|http|https|xh|grpcurl)\b{cmd}[ \t]-u|(?:^|[ \t])--user)(?:[ \t]+|=)["']?[^\s:"']+:)([^\s"']+)"#
            ),
            user_password,
        ),
        // smbclient's `-U user%password`.
        rule(
            &format!(
                r#"(\bsmbclient\b{cmd}[ \t](?:-U|--user)(?:[ \t]+|=)["']?[^\s%"']+%)([^\s"']+)"#
            ),
            mask2,
        ),
        // openssl's `pass:SECRET` (not `env:VAR` or `file:path`).
        rule(
            r#"([ \t]-(?:passin|passout|pass|kpass)[ \t]+["']?pass:)([^\s"']+)"#,
            mask2,
        ),
        // `aws configure set aws_secret_access_key SECRET`.
        rule(
            r"(\baws[ \t]+configure[ \t]+set[ \t]+(?:[\w.\-]+\.)?(?:aws_secret_access_key|aws_session_token|aws_security_token|aws_access_key_id)[ \t]+)([^\s]+)",
            mask2,
        ),
        // `htpasswd -b FILE USER PASSWORD`, `htpasswd -nb USER PASSWORD`.
        rule(
            &format!(
                r"(\bhtpasswd[ \t]+-(?:[a-zA-Z]*n[a-zA-Z]*b|[a-zA-Z]*b[a-zA-Z]*n)[a-zA-Z]*[ \t]+\S+[ \t]+)({WORD})(\s|$)"
            ),
            positional,
        ),
        rule(
            &format!(
                r"(\bhtpasswd[ \t]+-[a-mo-zA-Z]*b[a-mo-zA-Z]*[ \t]+\S+[ \t]+\S+[ \t]+)({WORD})(\s|$)"
            ),
            positional,
        ),
        // `rabbitmqctl add_user USER PASSWORD`.
        rule(
            &format!(
                r"(\brabbitmqctl[ \t]+(?:-\S+[ \t]+)*(?:add_user|change_password|authenticate_user)[ \t]+\S+[ \t]+)({WORD})(\s|$)"
            ),
            positional,
        ),
        // `vault login TOKEN` (not `vault login -method=x username=y`).
        rule(
            &format!(r"(\bvault[ \t]+login[ \t]+(?:-\S+[ \t]+)*)({WORD})(\s|$)"),
            positional,
        ),
        // `gh secret set NAME --body X`, `az keyvault secret set … --value X`.
        rule(
            &format!(r"(\bsecret[ \t]+set\b{cmd}[ \t](?:--body|-b|--value)(?:[ \t]+|=))({WORD})"),
            mask2,
        ),
        // `kubectl create secret … --from-literal=name=value`.
        rule(
            r#"(--from-literal(?:[ \t]+|=)["']?[^=\s"']+=)([^\s"']+)"#,
            mask2,
        ),
    ]
}

/// One pass over all patterns tells which rules can apply; most strings match none.
#[allow(clippy::expect_used)] // the same constant patterns as RULES
pub static RULE_SET: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(RULES.iter().map(|r| r.re.as_str())).expect("valid pattern set")
});
