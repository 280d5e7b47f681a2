//! `warroom import`: a Markdown checklist in, a TOML runbook out.

use super::printable;
use crate::cli::ImportArgs;
use crate::error::Fatal;
use crate::runbook::{self, Format, import_markdown};

/// Runs `warroom import FILE.md [-o OUT]`: the runbook goes to OUT or standard output.
pub fn import(args: &ImportArgs) -> Result<(), Fatal> {
    let name = args.file.display().to_string();
    let bytes =
        std::fs::read(&args.file).map_err(|e| Fatal::input(format!("{name}: cannot read: {e}")))?;
    let text = String::from_utf8_lossy(&bytes);
    let source = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let rb = import_markdown(&text, source.as_deref())
        .map_err(|e| Fatal::input(format!("{name}: {e}")))?;
    let body = runbook::to_toml(&rb).map_err(|e| {
        Fatal::failed(format!(
            "{name}: the runbook could not be written as TOML: {e}"
        ))
    })?;
    let out = format!(
        "# Imported by `warroom import` from {}.\n\
         # Stages come from headings, items from task items and numbered steps; edit freely\n\
         # and check with `warroom check`.\n\n{body}",
        source.as_deref().unwrap_or("Markdown")
    );
    // What import writes must pass check; if it does not, that is an importer bug, not bad input.
    if let Err(problems) = runbook::parse_str(&out, Format::Toml, "imported runbook") {
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return Err(Fatal::failed(format!(
            "{name}: the imported runbook does not pass check (please report this):\n{}",
            lines.join("\n")
        )));
    }
    match &args.output {
        Some(path) => {
            std::fs::write(path, &out)
                .map_err(|e| Fatal::input(format!("{}: cannot write: {e}", path.display())))?;
            let note = format!(
                "wrote {}: {} stages, {} items",
                path.display(),
                rb.stages.len(),
                rb.item_count()
            );
            eprintln!("{}", printable::escape(&note));
        }
        // The same runbook, with what a terminal would act on written as TOML escapes.
        None => print!("{}", printable::toml(&out)),
    }
    Ok(())
}
