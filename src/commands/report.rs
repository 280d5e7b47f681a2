//! `warroom report`: the post-mortem report of one session log (Markdown, JSON or HTML), or
//! the deployment metrics of every session log in a directory. Reads files only.

use std::path::Path;

use crate::cli::{ReportArgs, ReportFormat};
use crate::error::Fatal;
use crate::report::{self, Format};

/// Runs `warroom report`: a damaged log still gets its report, and the exit code is 1.
pub fn run(args: &ReportArgs) -> Result<(), Fatal> {
    if let Some(dir) = &args.metrics {
        return metrics(dir, args);
    }
    let Some(file) = &args.file else {
        return Err(Fatal::input(
            "report needs a session log (warroom report SESSION.jsonl) or --metrics DIR",
        ));
    };
    let name = file.display().to_string();
    let r =
        report::from_file(file).map_err(|e| Fatal::input(format!("{name}: cannot read: {e}")))?;
    if r.verification.lines == 0 && r.verification.unverified_lines == 0 {
        return Err(Fatal::input(format!(
            "{name}: holds no complete session-log line"
        )));
    }
    let format = match args.format {
        ReportFormat::Md => Format::Md,
        ReportFormat::Json => Format::Json,
        ReportFormat::Html => Format::Html,
    };
    let text = report::render(&r, format)
        .map_err(|e| Fatal::failed(format!("{name}: the report could not be written: {e}")))?;
    write(args.output.as_deref(), &text)?;
    match (r.verification.first_bad_line, &r.verification.damage) {
        (Some(line), Some(reason)) => Err(Fatal::failed(format!(
            "{name}:{line}: damaged: {reason}; the report shows what is there, marked unverified"
        ))),
        _ => Ok(()),
    }
}

fn metrics(dir: &Path, args: &ReportArgs) -> Result<(), Fatal> {
    let name = dir.display().to_string();
    let m = report::metrics::from_dir(dir)
        .map_err(|e| Fatal::input(format!("{name}: cannot read the directory: {e}")))?;
    let text = match args.format {
        ReportFormat::Md => report::metrics_md::render(&m),
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&m)
                .map_err(|e| Fatal::failed(format!("the metrics could not be written: {e}")))?;
            s.push('\n');
            s
        }
        ReportFormat::Html => {
            return Err(Fatal::input(
                "--format html is for one session's report; use --format md or json with --metrics",
            ));
        }
    };
    write(args.output.as_deref(), &text)?;
    for b in &m.bad_files {
        eprintln!("warning: {}: not counted: {}", b.file, b.reason);
    }
    Ok(())
}

fn write(to: Option<&Path>, text: &str) -> Result<(), Fatal> {
    match to {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Fatal::input(format!("{}: cannot write: {e}", path.display()))),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
