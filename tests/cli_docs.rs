//! `warroom completions` and `warroom man`: generated from the clap definitions, so every
//! subcommand and flag the parser knows appears in them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use clap::CommandFactory;
use warroom::cli::Cli;

fn stdout(args: &[&str]) -> String {
    let home = tempfile::tempdir().unwrap();
    let o = common::warroom(home.path()).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

#[test]
fn bash_completion_knows_every_subcommand_and_flag() {
    let script = stdout(&["completions", "bash"]);
    assert!(script.contains("complete -F _warroom"), "{script}");
    for sub in subcommands() {
        assert!(script.contains(&sub), "bash completion lacks {sub}");
    }
    let cmd = Cli::command();
    let run = cmd.find_subcommand("run").unwrap();
    for arg in run.get_arguments() {
        if let Some(long) = arg.get_long() {
            assert!(
                script.contains(&format!("--{long}")),
                "bash completion lacks run --{long}"
            );
        }
    }
    let zsh = stdout(&["completions", "zsh"]);
    assert!(zsh.contains("--t0") && zsh.contains("demo"), "{zsh}");
    let fish = stdout(&["completions", "fish"]);
    assert!(fish.contains("-l t0") && fish.contains("demo"), "{fish}");
}

/// The roff requests of a page, for structure checks without a `man` binary.
fn sections(roff: &str) -> Vec<&str> {
    roff.lines()
        .filter_map(|l| l.strip_prefix(".SH "))
        .map(str::trim)
        .collect()
}

#[test]
fn the_man_page_is_roff_with_every_subcommand() {
    let page = stdout(&["man"]);
    assert!(
        page.lines().any(|l| l.starts_with(".TH warroom 1")),
        "{page}"
    );
    let secs = sections(&page);
    for want in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SUBCOMMANDS"] {
        assert!(secs.contains(&want), "no {want} section: {secs:?}");
    }
    for sub in subcommands() {
        assert!(
            page.contains(&format!("warroom\\-{}(1)", sub.replace('-', "\\-"))),
            "main page does not list {sub}"
        );
    }
    // A subcommand's page documents its flags, with roff escapes for the dashes.
    let run = stdout(&["man", "run"]);
    assert!(
        run.lines()
            .any(|l| l.starts_with(".TH warroom-run 1") && l.contains(env!("CARGO_PKG_VERSION"))),
        "{run}"
    );
    for flag in [
        "\\-\\-t0",
        "\\-\\-session",
        "\\-\\-resume",
        "\\-\\-headless",
    ] {
        assert!(run.contains(flag), "run page lacks {flag}");
    }
    let home = tempfile::tempdir().unwrap();
    let bad = common::warroom(home.path())
        .args(["man", "launch"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected one of run"));
}
