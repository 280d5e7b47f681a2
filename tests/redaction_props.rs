//! Properties of redaction over generated text: redacting twice changes nothing, and a
//! generated secret written in any of the places the corpus covers never survives.

use proptest::prelude::*;
use warroom::session::redact::{MASK, text};

/// Fragments that make redaction work hard: secret names, separators, quotes, flags, URLs,
/// references and the mask itself.
fn soup() -> impl Strategy<Value = String> {
    const PARTS: &[&str] = &[
        "password",
        "token",
        "X-Api-Key",
        "api_key",
        "=",
        ": ",
        " ",
        "\"",
        "'",
        "-p",
        "mysql",
        "https://",
        "@",
        "hunter2",
        "\n",
        "--",
        "Bearer ",
        "Cookie",
        ";",
        "{",
        "}",
        ",",
        "$X",
        "|",
        MASK,
        "  - ",
        "#",
        "-----BEGIN RSA PRIVATE KEY-----",
    ];
    proptest::collection::vec(proptest::sample::select(PARTS), 0..16).prop_map(|p| p.concat())
}

/// Where a secret `{}` is written.
const PLACES: &[&str] = &[
    "mysql -u root -p{} app",
    "redis-cli -a {} PING",
    "sshpass -p {} ssh host",
    "docker login -u ci -p {} registry.example.com",
    "export DB_PASSWORD={}",
    "curl -H \"X-Auth-Token: {}\" https://api.example.com",
    "curl -H 'Authorization: Bearer {}' https://api.example.com",
    "https://deploy:{}@git.example.com/repo.git",
    "{\"client_secret\": \"{}\"}",
    "  password: {}",
    "tool --token={} --verbose",
    "GET /x?sig={}&a=1",
    "Cookie: sid={}; theme=dark",
    "aws configure set aws_secret_access_key {}",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn redacting_twice_changes_nothing(s in soup()) {
        let once = text(&s);
        prop_assert_eq!(text(&once), once);
    }

    #[test]
    fn a_secret_never_survives_where_secrets_are_written(
        secret in "[A-Za-z][A-Za-z0-9]{6,20}[0-9]",
        place in proptest::sample::select(PLACES),
    ) {
        let written = place.replacen("{}", &secret, 1);
        let out = text(&written);
        prop_assert!(!out.contains(&secret), "{:?} -> {:?}", written, out);
        prop_assert!(out.contains(MASK), "{:?}", out);
    }
}
