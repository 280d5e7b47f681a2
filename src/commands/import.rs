//! `warroom import`: a Markdown checklist in, a TOML runbook out.

use super::printable;
use std::path::Path;

use crate::cli::ImportArgs;
use crate::error::Fatal;
use crate::runbook::file::{MAX_INPUT_BYTES, MAX_INPUT_NAME, ReadError, read_capped};
use crate::runbook::{self, Format};

/// Runs `warroom import FILE.md [-o OUT]`: the runbook goes to OUT or standard output;
/// warnings about how the document was read go to standard error.
pub fn import(args: &ImportArgs) -> Result<(), Fatal> {
    let name = args.file.display().to_string();
    if let Some(out) = &args.output {
        refuse_own_source(&args.file, out)?;
    }
    let bytes = read_capped(&args.file).map_err(|e| match e {
        ReadError::Io(e) => Fatal::input(format!("{name}: cannot read: {e}")),
        too_large => Fatal::input(format!("{name}: {too_large}")),
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let source = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let imported = runbook::import::import(&text, source.as_deref())
        .map_err(|e| Fatal::input(format!("{name}: {e}")))?;
    // Large documents: keep one copy of the runbook at a time.
    drop(text);
    drop(bytes);
    for w in &imported.warnings {
        eprintln!("warning: {name}: {w}");
    }
    let rb = imported.runbook;
    let (stages, items) = (rb.stages.len(), rb.item_count());
    let mut out = format!(
        "# Imported by `warroom import` from {}.\n\
         # Stages come from headings, items from task items, numbered steps and tables;\n\
         # edit freely and check with `warroom check`.\n\n",
        source.as_deref().unwrap_or("Markdown")
    );
    out.push_str(&runbook::to_toml(&rb).map_err(|e| {
        Fatal::failed(format!(
            "{name}: the runbook could not be written as TOML: {e}"
        ))
    })?);
    drop(rb);
    // A file `check` and `run` would refuse to read is no use written down.
    if u64::try_from(out.len()).unwrap_or(u64::MAX) > MAX_INPUT_BYTES {
        return Err(Fatal::input(format!(
            "{name}: the imported runbook would be {} MiB of TOML, over the {MAX_INPUT_NAME} limit for runbooks; split the checklist into smaller files, or run the Markdown itself (`warroom run --runbook {name}`)",
            out.len().div_ceil(1024 * 1024)
        )));
    }
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
            let note = format!("wrote {}: {stages} stages, {items} items", path.display());
            eprintln!("{}", printable::escape(&note));
        }
        // The same runbook, with what a terminal would act on written as TOML escapes.
        None => print!("{}", printable::toml(&out)),
    }
    Ok(())
}

/// `-o` naming the Markdown file itself (also as `./X.md`, through a symlink or a hard link)
/// would replace the team's checklist with TOML: refuse before anything is read or written.
fn refuse_own_source(source: &Path, out: &Path) -> Result<(), Fatal> {
    use std::os::unix::fs::MetadataExt;
    let same = match (std::fs::metadata(source), std::fs::metadata(out)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        // An output that does not exist yet cannot be the source.
        _ => false,
    };
    if same {
        return Err(Fatal::input(format!(
            "{}: -o {} is the file being imported; writing there would replace the Markdown with TOML. Write to another file, e.g. -o {}",
            source.display(),
            out.display(),
            suggested_output(source).display()
        )));
    }
    Ok(())
}

/// `X.md` → `X.toml` (next to it).
fn suggested_output(source: &Path) -> std::path::PathBuf {
    let toml = source.with_extension("toml");
    if toml == source {
        source.with_extension("runbook.toml")
    } else {
        toml
    }
}
