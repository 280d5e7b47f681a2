//! Runbooks: the data model, loading from TOML/YAML/Markdown, checking, and Markdown import.

pub mod model;
pub mod offset;

use std::path::Path;

use sha2::{Digest, Sha256};

pub use model::{Item, Runbook, Stage};
pub use offset::Offset;

/// A problem in an input file, printed as `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// A runbook read from a file, with the digest of the file's exact bytes.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The runbook.
    pub runbook: Runbook,
    /// SHA-256 of the original bytes.
    pub sha256: String,
}

/// Reads a runbook file (TOML; YAML by extension) and checks it.
pub fn load(path: &Path) -> Result<Loaded, Vec<Problem>> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        vec![Problem {
            file: name.clone(),
            line: 1,
            col: 1,
            message: format!("cannot read the runbook: {e}"),
        }]
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let runbook: Runbook = toml::from_str(&text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| line_col(&text, s.start));
        vec![Problem {
            file: name.clone(),
            line,
            col,
            message: e.message().to_string(),
        }]
    })?;
    Ok(Loaded {
        runbook,
        sha256: hex::encode(Sha256::digest(&bytes)),
    })
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let upto = &text[..offset.min(text.len())];
    let line = upto.matches('\n').count() + 1;
    let col = upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
