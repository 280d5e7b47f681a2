//! The fixture corpus, shared by the runbook and config tests: every file under
//! tests/fixtures/invalid/ states the problems it must produce as `# expect: LINE:COL: text` lines (`<!-- expect: … -->` in Markdown), and
//! `warroom check` must report exactly those, at those positions, in one pass.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use warroom::commands::check::check_file;

/// One expected problem.
#[derive(Debug)]
pub struct Expect {
    pub line: usize,
    pub col: usize,
    pub text: String,
}

pub fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

pub fn expectations(path: &Path) -> Vec<Expect> {
    let text = std::fs::read_to_string(path).expect("fixture");
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("# expect: ").or_else(|| {
                l.strip_prefix("<!-- expect: ")
                    .and_then(|r| r.strip_suffix(" -->"))
            })?;
            let (line, rest) = rest.split_once(':')?;
            let (col, text) = rest.split_once(": ")?;
            Some(Expect {
                line: line.parse().ok()?,
                col: col.parse().ok()?,
                text: text.to_string(),
            })
        })
        .collect()
}

/// Checks one invalid fixture against its expectations; returns a description of any mismatch.
pub fn check_invalid(path: &Path) -> Result<(), String> {
    let expects = expectations(path);
    if expects.is_empty() {
        return Err(format!("{}: no `expect:` lines", path.display()));
    }
    let problems = match check_file(path) {
        Ok(_) => return Err(format!("{}: passed check but should not", path.display())),
        Err(p) => p,
    };
    let shown: Vec<String> = problems
        .iter()
        .map(|p| format!("  {}:{}: {}", p.line, p.col, p.message))
        .collect();
    for e in &expects {
        let hit = problems
            .iter()
            .any(|p| p.line == e.line && p.col == e.col && p.message.contains(&e.text));
        if !hit {
            return Err(format!(
                "{}: expected {}:{}: {:?}; got:\n{}",
                path.display(),
                e.line,
                e.col,
                e.text,
                shown.join("\n")
            ));
        }
    }
    if problems.len() != expects.len() {
        return Err(format!(
            "{}: expected {} problems, got {}:\n{}",
            path.display(),
            expects.len(),
            problems.len(),
            shown.join("\n")
        ));
    }
    let name = path.display().to_string();
    for p in &problems {
        let line = p.to_string();
        if !line.starts_with(&format!("{name}:{}:{}: ", p.line, p.col)) {
            return Err(format!("not file:line:col: message: {line}"));
        }
    }
    Ok(())
}
