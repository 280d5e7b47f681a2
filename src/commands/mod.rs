//! One function per subcommand; `dispatch` routes the parsed command line.

pub mod demo;
pub mod run;
pub mod sim;
pub mod verify;

use crate::cli::{Cli, Command};
use crate::error::Fatal;

/// Runs the subcommand.
pub fn dispatch(cli: Cli) -> Result<(), Fatal> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => check(&args),
        Command::Import(_) => Err(Fatal::input("import is not available yet")),
        Command::Verify(args) => verify::verify(&args),
        Command::Sim(args) => sim::run(&args),
        Command::Demo(args) => demo::run(args),
    }
}

fn check(args: &crate::cli::CheckArgs) -> Result<(), Fatal> {
    let mut problems = Vec::new();
    for f in &args.files {
        if let Err(p) = crate::runbook::load(f) {
            problems.extend(p);
        }
    }
    if problems.is_empty() {
        for f in &args.files {
            println!("{}: ok", f.display());
        }
        return Ok(());
    }
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    Err(Fatal::input(text.join("\n")))
}
