//! One function per subcommand; `dispatch` routes the parsed command line.

pub mod approve;
pub mod approve_cluster;
pub mod check;
pub mod demo;
pub mod follow;
pub mod import;
pub mod printable;
pub mod replay;
pub mod report;
pub mod run;
pub mod shell;
pub mod sim;
pub mod verify;

use crate::cli::{Cli, Command};
use crate::error::Fatal;

/// Runs the subcommand.
pub fn dispatch(cli: Cli) -> Result<(), Fatal> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::check(&args),
        Command::Import(args) => import::import(&args),
        Command::Verify(args) => verify::verify(&args),
        Command::Sim(args) => sim::run(&args),
        Command::Demo(args) => demo::run(args),
        Command::Approve(args) => approve::run(&args),
        Command::Completions(args) => shell::completions(&args),
        Command::Man(args) => shell::man(&args),
        Command::Report(args) => report::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Follow(args) => follow::run(&args),
    }
}
