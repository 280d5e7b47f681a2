//! Automated checks on checklist items: what the war room evaluates by itself to prove an item
//! (a PromQL threshold, an HTTP expectation, a Kubernetes condition, or a command that runs
//! only in a trusted runbook).
//!
//! The file form ([`Check`]) is one flat table so every key gets a precise `file:line:col`
//! problem; [`Check::spec`] turns it into the typed [`Spec`] the evaluator runs.

mod syntax;

use std::time::Duration as StdDuration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::warroom::Duration;

pub use syntax::{Cmp, json_expectation, parse_promql};

/// How long one evaluation may take unless the check says otherwise.
pub const DEFAULT_TIMEOUT: StdDuration = StdDuration::from_secs(5);

/// The longest `timeout` a check may ask for. A round waits for its slowest check, and a
/// check that passes must be recorded at least once a minute to stay in its run of passes
/// (`reduce::checks::MAX_GAP`), so no evaluation may take long.
pub const MAX_TIMEOUT: StdDuration = StdDuration::from_secs(30);

/// A check as the runbook writes it: exactly one kind key (`promql`, `http`, `kube`,
/// `command`) and the keys that kind takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// A PromQL query, a comparison and an optional hold: `error_ratio < 0.01 for 10m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promql: Option<String>,
    /// A URL to GET.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<String>,
    /// `deployment/NAME` (available, or `ready` replicas) or `pods` (ready pods matching
    /// `selector`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube: Option<String>,
    /// A program and its arguments (never a shell string); runs only in a trusted runbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Argv>,
    /// http: the status that passes (default 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// http: fields the JSON body must hold, each `path == value` (`status == "ok"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json: Vec<String>,
    /// kube: the label selector of `pods` (`app=app,version=green`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// kube: the namespace (default: `[kubernetes] namespace` of warroom.toml).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// kube: at least this many ready pods (or ready replicas of the Deployment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<u32>,
    /// command: the exit code that passes (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
    /// command: a regular expression standard output must match (`^` and `$` match at every
    /// line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout: Option<String>,
    /// How long the check must keep passing before the item is proven.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub hold: Option<Duration>,
    /// Limit for one evaluation (default 5 s, at most 30 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Found by `warroom import` and not yet accepted: it runs only once an operator trusts it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub proposed: bool,
}

/// An argv array. A string is refused with the reason: a check never goes through a shell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Argv(pub Vec<String>);

impl Serialize for Argv {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Argv {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Argv;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Argv, E> {
                let words = shlex::split(s).unwrap_or_default();
                let shell = words.iter().any(|w| {
                    ["|", "||", "&&", ";", ">", ">>", "<", "&"].contains(&w.as_str())
                        || w.contains("$(")
                        || w.contains('`')
                });
                let example = if words.is_empty() || shell {
                    "[\"curl\", \"-fsS\", \"https://app/health\"]".to_string()
                } else {
                    format!("{words:?}")
                };
                let note = if shell {
                    " (pipes, redirections and other shell syntax do not apply: the program runs as written)"
                } else {
                    ""
                };
                Err(E::custom(format!(
                    "a command check is an argv array, never a shell string{note}; write e.g. command = {example}"
                )))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Argv, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(Argv(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A check ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// What is evaluated.
    pub kind: Kind,
    /// How long it must keep passing (`None`: one pass proves the item).
    pub hold: Option<StdDuration>,
    /// Limit for one evaluation.
    pub timeout: StdDuration,
}

/// The kinds of check.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// An instant query compared with a threshold; every series must satisfy it.
    Promql {
        /// The query (the left side of the comparison).
        query: String,
        /// The comparison.
        cmp: Cmp,
        /// The right side.
        threshold: f64,
    },
    /// A GET whose status (and JSON fields) must be as expected.
    Http {
        /// The URL.
        url: reqwest::Url,
        /// The status that passes.
        status: u16,
        /// (dotted path, value) the JSON body must hold.
        json: Vec<(String, serde_json::Value)>,
    },
    /// A Deployment is available (rolled out), or has at least `ready` ready replicas.
    Deployment {
        /// Namespace, if not the configured one.
        namespace: Option<String>,
        /// Deployment name.
        name: String,
        /// Ready replicas needed instead of a finished rollout.
        ready: Option<u32>,
    },
    /// Pods matching a selector are ready: at least `ready`, or all of them (and at least one).
    Pods {
        /// Namespace, if not the configured one.
        namespace: Option<String>,
        /// Label selector.
        selector: String,
        /// Ready pods needed.
        ready: Option<u32>,
    },
    /// A program run without a shell.
    Command {
        /// Program and arguments.
        argv: Vec<String>,
        /// The exit code that passes.
        exit: i32,
        /// A regular expression stdout must match.
        stdout: Option<String>,
    },
}

/// A problem with one key of a check: the key (`None`: the table itself) and what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckProblem {
    /// The key at fault.
    pub key: Option<&'static str>,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn problem(key: Option<&'static str>, message: impl Into<String>) -> CheckProblem {
    CheckProblem {
        key,
        message: message.into(),
    }
}

/// The kind keys, in the order messages name them.
pub const KINDS: [&str; 4] = ["promql", "http", "kube", "command"];

impl Check {
    /// The kind keys present.
    fn kinds(&self) -> Vec<&'static str> {
        let present = [
            self.promql.is_some(),
            self.http.is_some(),
            self.kube.is_some(),
            self.command.is_some(),
        ];
        KINDS
            .iter()
            .zip(present)
            .filter_map(|(k, p)| p.then_some(*k))
            .collect()
    }

    /// Whether it runs a program (and so needs `--trust-runbook` and a per-command yes).
    pub fn is_command(&self) -> bool {
        self.command.is_some()
    }

    /// The argv of a command check (empty for other kinds).
    pub fn argv(&self) -> &[String] {
        self.command.as_ref().map_or(&[], |a| &a.0)
    }

    /// The typed check, or every problem with its keys.
    pub fn spec(&self) -> Result<Spec, Vec<CheckProblem>> {
        let mut out = Vec::new();
        let kinds = self.kinds();
        let kind = match kinds.as_slice() {
            [] => {
                out.push(problem(
                    None,
                    "a check needs one of `promql`, `http`, `kube` or `command`, e.g. \
                     check = { promql = 'error_ratio < 0.01 for 10m' }",
                ));
                None
            }
            [one] => self.kind(one, &mut out),
            many => {
                out.push(problem(
                    Some(many[1]),
                    format!(
                        "a check has one kind, and this one has {}; make the others checks of \
                         their own items",
                        many.join(" and ")
                    ),
                ));
                None
            }
        };
        let mut hold = self.hold.map(|d| d.0);
        if let Some(Kind::Promql { .. }) = &kind
            && let Some(text) = &self.promql
            && let Ok((_, _, _, Some(h))) = parse_promql(text)
        {
            if hold.is_some() {
                out.push(problem(
                    Some("for"),
                    "the promql expression already says `for`; keep one of the two",
                ));
            }
            hold = Some(h);
        }
        if hold.is_some_and(|h| h.is_zero()) {
            out.push(problem(
                Some("for"),
                "`for` must be longer than 0s; leave it out for a single pass",
            ));
        }
        let timeout = self.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0);
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            out.push(problem(
                Some("timeout"),
                "`timeout` must be between 1ms and 30s (checks run every 10 s; a long job is a \
                 step to tick, not a check)",
            ));
        }
        match kind {
            Some(kind) if out.is_empty() => Ok(Spec {
                kind,
                hold,
                timeout,
            }),
            _ => Err(out),
        }
    }

    /// Reads the one kind, reporting keys that belong to another kind.
    fn kind(&self, kind: &str, out: &mut Vec<CheckProblem>) -> Option<Kind> {
        let applies: &[&str] = match kind {
            "http" => &["status", "json"],
            "kube" => &["selector", "namespace", "ready"],
            "command" => &["exit", "stdout"],
            _ => &[],
        };
        let given: [(&'static str, bool); 7] = [
            ("status", self.status.is_some()),
            ("json", !self.json.is_empty()),
            ("selector", self.selector.is_some()),
            ("namespace", self.namespace.is_some()),
            ("ready", self.ready.is_some()),
            ("exit", self.exit.is_some()),
            ("stdout", self.stdout.is_some()),
        ];
        for (key, present) in given {
            if present && !applies.contains(&key) {
                let owner = match key {
                    "status" | "json" => "http",
                    "exit" | "stdout" => "command",
                    _ => "kube",
                };
                out.push(problem(
                    Some(key),
                    format!("`{key}` applies to {owner} checks only; this is a {kind} check"),
                ));
            }
        }
        let before = out.len();
        let kind = match kind {
            "promql" => self.promql_kind(out),
            "http" => self.http_kind(out),
            "kube" => self.kube_kind(out),
            _ => self.command_kind(out),
        };
        kind.filter(|_| out.len() == before)
    }

    fn promql_kind(&self, out: &mut Vec<CheckProblem>) -> Option<Kind> {
        let text = self.promql.as_deref().unwrap_or_default();
        match parse_promql(text) {
            Ok((query, cmp, threshold, _)) => Some(Kind::Promql {
                query,
                cmp,
                threshold,
            }),
            Err(e) => {
                out.push(problem(Some("promql"), e));
                None
            }
        }
    }

    fn http_kind(&self, out: &mut Vec<CheckProblem>) -> Option<Kind> {
        let text = self.http.as_deref().unwrap_or_default().trim();
        let url = match reqwest::Url::parse(text) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Some(u),
            Ok(u) => {
                out.push(problem(
                    Some("http"),
                    format!(
                        "`{}` URLs are not supported; use http:// or https://",
                        u.scheme()
                    ),
                ));
                None
            }
            Err(e) => {
                out.push(problem(
                    Some("http"),
                    format!(
                        "not a URL ({e}); write e.g. http = \"https://app.example.com/health\""
                    ),
                ));
                None
            }
        };
        if url
            .as_ref()
            .is_some_and(|u| !u.username().is_empty() || u.password().is_some())
        {
            out.push(problem(
                Some("http"),
                "the URL carries credentials; secrets never go in a runbook (it is recorded in \
                 the session log); check an endpoint that needs none",
            ));
        }
        let status = self.status.unwrap_or(200);
        if !(100..=599).contains(&status) {
            out.push(problem(
                Some("status"),
                format!("status {status} is not an HTTP status (100–599)"),
            ));
        }
        let mut json = Vec::new();
        for e in &self.json {
            match json_expectation(e) {
                Ok(pair) => json.push(pair),
                Err(m) => out.push(problem(Some("json"), m)),
            }
        }
        Some(Kind::Http {
            url: url?,
            status,
            json,
        })
    }

    fn kube_kind(&self, out: &mut Vec<CheckProblem>) -> Option<Kind> {
        let text = self.kube.as_deref().unwrap_or_default().trim();
        let namespace = self.namespace.clone();
        if namespace.as_deref().is_some_and(|n| !is_dns_label(n)) {
            out.push(problem(
                Some("namespace"),
                "a namespace is lowercase letters, digits and `-`, at most 63 characters",
            ));
        }
        if text == "pods" {
            let Some(selector) = self.selector.clone().filter(|s| !s.trim().is_empty()) else {
                out.push(problem(
                    Some("kube"),
                    "a pods check needs a `selector`, e.g. selector = \"app=app,version=green\"",
                ));
                return None;
            };
            if self.ready == Some(0) {
                out.push(problem(
                    Some("ready"),
                    "`ready` must be at least 1; leave it out to need every matching pod ready",
                ));
            }
            return Some(Kind::Pods {
                namespace,
                selector: selector.trim().to_string(),
                ready: self.ready,
            });
        }
        let name = text
            .strip_prefix("deployment/")
            .or_else(|| text.strip_prefix("deployments/"))
            .or_else(|| text.strip_prefix("deploy/"));
        match name {
            Some(n) if is_dns_name(n) => {
                if self.selector.is_some() {
                    out.push(problem(
                        Some("selector"),
                        "`selector` applies to `kube = \"pods\"`; a deployment check names the Deployment",
                    ));
                }
                Some(Kind::Deployment {
                    namespace,
                    name: n.to_string(),
                    ready: self.ready,
                })
            }
            _ => {
                out.push(problem(
                    Some("kube"),
                    format!(
                        "\"{text}\" is not a Kubernetes check; write kube = \"deployment/NAME\" \
                         (available) or kube = \"pods\" with a selector"
                    ),
                ));
                None
            }
        }
    }

    fn command_kind(&self, out: &mut Vec<CheckProblem>) -> Option<Kind> {
        let argv = self.argv().to_vec();
        if argv.first().is_none_or(|p| p.trim().is_empty()) {
            out.push(problem(
                Some("command"),
                "the argv is empty; name the program first, e.g. command = [\"curl\", \"-fsS\", \"https://app/health\"]",
            ));
        }
        let exit = self.exit.unwrap_or(0);
        if !(0..=255).contains(&exit) {
            out.push(problem(
                Some("exit"),
                format!("exit code {exit} is not one a program can return (0–255)"),
            ));
        }
        if let Some(re) = &self.stdout
            && let Err(e) = regex::Regex::new(re)
        {
            out.push(problem(
                Some("stdout"),
                format!("not a regular expression: {e}"),
            ));
        }
        Some(Kind::Command {
            argv,
            exit,
            stdout: self.stdout.clone(),
        })
    }

    /// A one-line description: the query, URL, condition or argv.
    pub fn describe(&self) -> String {
        match self.spec() {
            Ok(spec) => spec.describe(),
            Err(_) => "check (invalid)".to_string(),
        }
    }
}

impl Spec {
    /// A one-line description: `promql: Q < 0.01 for 10m`, `GET URL → 200`, …
    pub fn describe(&self) -> String {
        let hold = self
            .hold
            .map(|h| format!(" for {}", Duration(h)))
            .unwrap_or_default();
        match &self.kind {
            Kind::Promql {
                query,
                cmp,
                threshold,
            } => format!("promql: {query} {cmp} {threshold}{hold}"),
            Kind::Http { url, status, json } => {
                let mut s = format!("GET {} → {status}", crate::sources::http::display_url(url));
                for (path, v) in json {
                    s.push_str(&format!(", {path} == {v}"));
                }
                s + &hold
            }
            Kind::Deployment {
                namespace,
                name,
                ready,
            } => {
                let what = match ready {
                    Some(n) => format!("deployment {name} has {n} ready"),
                    None => format!("deployment {name} available"),
                };
                format!("{what}{}{hold}", in_ns(namespace.as_deref()))
            }
            Kind::Pods {
                namespace,
                selector,
                ready,
            } => {
                let what = match ready {
                    Some(n) => format!("{n} ready pods {selector}"),
                    None => format!("every pod {selector} ready"),
                };
                format!("{what}{}{hold}", in_ns(namespace.as_deref()))
            }
            Kind::Command { argv, exit, stdout } => {
                let mut s = format!("run {argv:?} → exit {exit}");
                if let Some(re) = stdout {
                    s.push_str(&format!(", stdout ~ /{re}/"));
                }
                s + &hold
            }
        }
    }
}

fn in_ns(ns: Option<&str>) -> String {
    ns.map(|n| format!(" in {n}")).unwrap_or_default()
}

/// A DNS-1123 label: lowercase letters, digits and `-`, 1–63 characters, alphanumeric ends.
fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A DNS-1123 subdomain (object names): labels joined by dots, at most 253 characters.
fn is_dns_name(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests;
