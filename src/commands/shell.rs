//! `warroom completions SHELL` and `warroom man [SUBCOMMAND]`: generated from the same clap
//! definitions as the parser, so they cannot drift from the real flags.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::error::Fatal;

/// The completion script for a shell.
pub fn completion_script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "warroom", &mut out);
    out
}

/// The manual page in roff: the main page, or `warroom-SUBCOMMAND(1)`.
pub fn man_page(subcommand: Option<&str>) -> Result<Vec<u8>, Fatal> {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match subcommand {
        None => cmd,
        Some(name) => {
            let names: Vec<String> = cmd
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            let sub = cmd.find_subcommand(name).cloned().ok_or_else(|| {
                Fatal::input(format!(
                    "'{name}' is not a subcommand; expected one of {}",
                    names.join(", ")
                ))
            })?;
            // The page is named like git's: warroom-run(1).
            let title = format!("warroom-{}", sub.get_name());
            sub.name(title).version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(|e| Fatal::external(format!("cannot render the manual page: {e}")))?;
    Ok(out)
}

/// Runs `warroom completions`.
pub fn completions(args: &CompletionsArgs) -> Result<(), Fatal> {
    print(&completion_script(args.shell))
}

/// Runs `warroom man`.
pub fn man(args: &ManArgs) -> Result<(), Fatal> {
    print(&man_page(args.subcommand.as_deref())?)
}

fn print(bytes: &[u8]) -> Result<(), Fatal> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        // `warroom man | head` closing the pipe early is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Fatal::external(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}
