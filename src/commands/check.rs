//! `warroom check`: validate runbooks and configs, printing every problem as
//! `file:line:col: message`.

use std::path::Path;

use super::printable::escape;
use crate::cli::CheckArgs;
use crate::config::warroom::{self as config, WarroomConfig};
use crate::error::Fatal;
use crate::runbook::input;
use crate::runbook::{self, Kind, Problem, Runbook};

/// What a checked file turned out to be.
#[derive(Debug)]
pub enum Checked {
    /// A runbook (structured or imported from Markdown).
    Runbook(Runbook),
    /// A `warroom.toml`.
    Config(Box<WarroomConfig>),
}

impl Checked {
    /// The summary printed after `FILE: ok`.
    pub fn summary(&self) -> String {
        match self {
            Checked::Runbook(rb) => {
                let timed = rb.stages.iter().filter(|s| s.offset.is_some()).count();
                let required = rb
                    .stages
                    .iter()
                    .flat_map(|s| &s.items)
                    .filter(|i| i.required)
                    .count();
                format!(
                    "runbook \"{}\": {} stages ({timed} timed), {} items ({required} required)",
                    rb.title,
                    rb.stages.len(),
                    rb.item_count()
                )
            }
            Checked::Config(c) => c.summary(),
        }
    }
}

/// Runs `warroom check`: `FILE: ok (…)` on stdout for good files, every problem on stderr,
/// exit 2 if any file has problems.
pub fn check(args: &CheckArgs) -> Result<(), Fatal> {
    let mut problems = 0;
    let mut bad_files = 0;
    for f in &args.files {
        match check_file(f) {
            Ok(checked) => {
                let line = format!("{}: ok ({})", f.display(), checked.summary());
                println!("{}", escape(&line));
            }
            Err(found) => {
                for p in &found {
                    eprintln!("{}", escape(&p.to_string()));
                }
                problems += found.len();
                bad_files += 1;
            }
        }
    }
    if bad_files == 0 {
        return Ok(());
    }
    Err(Fatal::input(format!(
        "{problems} problem{} in {bad_files} of {} file{}",
        if problems == 1 { "" } else { "s" },
        args.files.len(),
        if args.files.len() == 1 { "" } else { "s" },
    )))
}

/// Checks one file: Markdown is imported; TOML/YAML is a config when it is named
/// `warroom.toml` or has config tables (`[deployment]`, `[traffic]`, …) and no `[[stage]]`,
/// otherwise a runbook.
pub fn check_file(path: &Path) -> Result<Checked, Vec<Problem>> {
    let name = path.display().to_string();
    let format = match Kind::of(path) {
        Kind::Markdown => return runbook::load(path).map(|l| Checked::Runbook(l.runbook)),
        Kind::Structured(format) => format,
    };
    let bytes = runbook::file::read_input(path, "file")?;
    let text = runbook::utf8(&bytes, &name)?;
    let tree = input::parse(text, format, &name)?;
    let named_config = path
        .file_name()
        .is_some_and(|n| n == config::FILE_NAME || n.to_string_lossy().ends_with(".warroom.toml"));
    if !(named_config || config::looks_like_config(&tree)) {
        return runbook::check_tree(&tree, &name).map(Checked::Runbook);
    }
    // Load through the path so relative paths resolve against the file's directory.
    let cfg = config::load(path)?;
    check_runbook_of(&cfg, &tree, &name)?;
    Ok(Checked::Config(Box::new(cfg)))
}

/// A config's `[runbook] path` must exist and pass check too.
fn check_runbook_of(
    cfg: &WarroomConfig,
    tree: &input::Node,
    name: &str,
) -> Result<(), Vec<Problem>> {
    let Some(rb) = &cfg.runbook.path else {
        return Ok(());
    };
    if !rb.is_file() {
        let (node, _, _) = tree.locate(&crate::path!["runbook", "path"]);
        return Err(vec![Problem {
            file: name.to_string(),
            line: node.at.line,
            col: node.at.col,
            message: format!(
                "the runbook {} does not exist (paths are relative to the config's directory)",
                rb.display()
            ),
        }]);
    }
    runbook::load(rb).map(|_| ())
}
