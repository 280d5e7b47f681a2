//! The release commands of the headless mode, one per line, shell-quoted like a pipeline
//! writes them: `go --reason "..."`, `go --override "..."`, `nogo --reason "..."`, `shift`,
//! `shift --override "..."`, `back`, `pause`, `resume`, `rollback --reason "..." [--ticket T]
//! [--undo]`, `arm`, `disarm --reason "..."`, `marker TEXT`.

use super::intent::ReleaseIntent;

/// The verbs this module reads.
pub const VERBS: &[&str] = &[
    "go", "nogo", "no-go", "shift", "back", "pause", "resume", "rollback", "arm", "disarm",
    "marker",
];

/// Parses a release command; `None` when `verb` is not one.
pub fn parse(verb: &str, rest: &str) -> Option<Result<ReleaseIntent, String>> {
    if !VERBS.contains(&verb) {
        return None;
    }
    Some(parse_known(verb, rest))
}

#[derive(Default)]
struct Flags {
    reason: Option<String>,
    override_reason: Option<String>,
    ticket: Option<String>,
    undo: bool,
    words: Vec<String>,
}

fn flags(verb: &str, rest: &str, allowed: &[&str]) -> Result<Flags, String> {
    let words =
        shlex::split(rest).ok_or_else(|| format!("{verb}: unbalanced quotes in '{rest}'"))?;
    let mut f = Flags::default();
    let mut it = words.into_iter();
    while let Some(w) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .filter(|v| !v.starts_with("--"))
                .ok_or_else(|| format!("{verb}: {name} needs a value, e.g. {name} \"why\""))
        };
        match w.as_str() {
            "--reason" if allowed.contains(&"--reason") => f.reason = Some(value("--reason")?),
            "--override" if allowed.contains(&"--override") => {
                f.override_reason = Some(value("--override")?);
            }
            "--ticket" if allowed.contains(&"--ticket") => f.ticket = Some(value("--ticket")?),
            "--undo" if allowed.contains(&"--undo") => f.undo = true,
            s if s.starts_with("--") => {
                return Err(format!(
                    "{verb}: unknown option {s}; {verb} takes {}",
                    if allowed.is_empty() {
                        "no options".to_string()
                    } else {
                        allowed.join(", ")
                    }
                ));
            }
            _ => f.words.push(w),
        }
    }
    Ok(f)
}

fn no_words(verb: &str, f: &Flags) -> Result<(), String> {
    if f.words.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{verb}: unexpected '{}'; quote a reason with --reason \"...\"",
            f.words.join(" ")
        ))
    }
}

fn parse_known(verb: &str, rest: &str) -> Result<ReleaseIntent, String> {
    match verb {
        "go" => {
            let f = flags(verb, rest, &["--reason", "--override"])?;
            no_words(verb, &f)?;
            Ok(ReleaseIntent::Go {
                reason: f.reason.unwrap_or_default(),
                override_reason: f.override_reason,
            })
        }
        "nogo" | "no-go" => {
            let f = flags(verb, rest, &["--reason"])?;
            no_words(verb, &f)?;
            Ok(ReleaseIntent::NoGo {
                reason: f
                    .reason
                    .ok_or_else(|| "nogo needs --reason \"why not\"".to_string())?,
            })
        }
        "shift" => {
            let f = flags(verb, rest, &["--override"])?;
            no_words(verb, &f)?;
            Ok(ReleaseIntent::Shift {
                override_reason: f.override_reason,
            })
        }
        "back" | "pause" | "resume" => {
            let f = flags(verb, rest, &["--reason"])?;
            no_words(verb, &f)?;
            Ok(match verb {
                "back" => ReleaseIntent::Back { reason: f.reason },
                "pause" => ReleaseIntent::Pause { reason: f.reason },
                _ => ReleaseIntent::Resume { reason: f.reason },
            })
        }
        "rollback" => {
            let f = flags(verb, rest, &["--reason", "--ticket", "--undo"])?;
            no_words(verb, &f)?;
            Ok(ReleaseIntent::Rollback {
                reason: f
                    .reason
                    .ok_or_else(|| "rollback needs --reason \"why\"".to_string())?,
                ticket: f.ticket,
                undo: f.undo,
            })
        }
        "arm" | "disarm" => {
            let f = flags(verb, rest, &["--reason"])?;
            no_words(verb, &f)?;
            Ok(ReleaseIntent::Arm {
                armed: verb == "arm",
                reason: f.reason,
            })
        }
        _ => {
            let note = rest.trim();
            if note.is_empty() {
                Err("marker needs a note, e.g. marker paging the DBA".to_string())
            } else {
                Ok(ReleaseIntent::Marker {
                    note: note.to_string(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_reasons_and_flags() {
        assert_eq!(
            parse(
                "rollback",
                r#"--reason "errors at 8 %" --ticket INC-7 --undo"#
            ),
            Some(Ok(ReleaseIntent::Rollback {
                reason: "errors at 8 %".into(),
                ticket: Some("INC-7".into()),
                undo: true
            }))
        );
        assert_eq!(
            parse("go", r#"--override "CVE fix" "#),
            Some(Ok(ReleaseIntent::Go {
                reason: String::new(),
                override_reason: Some("CVE fix".into())
            }))
        );
        assert_eq!(
            parse("shift", ""),
            Some(Ok(ReleaseIntent::Shift {
                override_reason: None
            }))
        );
        assert_eq!(
            parse("marker", "db failover started"),
            Some(Ok(ReleaseIntent::Marker {
                note: "db failover started".into()
            }))
        );
        assert_eq!(parse("tick", "a/b"), None);
    }

    #[test]
    fn refuses_what_a_pipeline_gets_wrong() {
        for (verb, rest) in [
            ("nogo", ""),
            ("rollback", ""),
            ("rollback", "--reason"),
            ("go", "--reason \"unclosed"),
            ("shift", "--reason x"),
            ("go", "now please"),
            ("marker", "  "),
        ] {
            let r = parse(verb, rest).expect("a release verb");
            assert!(r.is_err(), "{verb} {rest} should be refused, got {r:?}");
        }
    }
}
