//! Runbooks: the data model, loading from TOML/YAML/Markdown, checking, and Markdown import.

pub mod check;
pub mod file;
pub mod import;
pub mod input;
pub mod model;
pub mod offset;
pub mod slug;
pub mod validate;

use std::path::Path;

use sha2::{Digest, Sha256};

pub use check::Check;
pub use import::{ImportError, Imported, import_markdown};
pub use input::Format;
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

impl Problem {
    /// A problem with the whole file (reported at 1:1).
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            line: 1,
            col: 1,
            message: message.into(),
        }
    }
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
    /// How a Markdown file was read, where it is worth a second look (see [`Imported`]).
    pub warnings: Vec<String>,
}

/// How a runbook file is written, judged by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// TOML or YAML in the runbook schema.
    Structured(Format),
    /// A Markdown checklist, imported on load.
    Markdown,
}

impl Kind {
    /// `.md`/`.markdown`/`.txt` are Markdown, `.yaml`/`.yml` YAML, anything else TOML.
    pub fn of(path: &Path) -> Self {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("md" | "markdown" | "mdown" | "txt") => Kind::Markdown,
            Some("yaml" | "yml") => Kind::Structured(Format::Yaml),
            _ => Kind::Structured(Format::Toml),
        }
    }
}

/// Reads a runbook file (TOML; YAML by extension; Markdown imported) and checks it, reporting
/// every problem found.
pub fn load(path: &Path) -> Result<Loaded, Vec<Problem>> {
    let name = path.display().to_string();
    let bytes = file::read_input(path, "runbook")?;
    let mut warnings = Vec::new();
    let runbook = match Kind::of(path) {
        Kind::Markdown => {
            let text = String::from_utf8_lossy(&bytes);
            let source = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let imported = import::import(&text, source.as_deref())
                .map_err(|e| vec![Problem::whole_file(&name, e.to_string())])?;
            warnings = imported.warnings;
            let rb = imported.runbook;
            let empty = input::Node::empty();
            let mut d = input::Diagnostics::new(&empty);
            validate::validate(&rb, &mut d);
            if !d.is_empty() {
                return Err(d.into_problems(&name));
            }
            rb
        }
        Kind::Structured(format) => {
            let text = utf8(&bytes, &name)?;
            parse_str(text, format, &name)?
        }
    };
    Ok(Loaded {
        runbook,
        sha256: hex::encode(Sha256::digest(&bytes)),
        warnings,
    })
}

/// Reads and checks a runbook written in TOML or YAML; `file` names it in problems.
pub fn parse_str(text: &str, format: Format, file: &str) -> Result<Runbook, Vec<Problem>> {
    let tree = input::parse(text, format, file)?;
    check_tree(&tree, file)
}

/// Reads and checks a runbook from an already parsed tree.
pub fn check_tree(tree: &input::Node, file: &str) -> Result<Runbook, Vec<Problem>> {
    let mut d = input::Diagnostics::new(tree);
    let decoded: Option<Runbook> = d.decode(|_, _| None);
    if let Some(rb) = &decoded {
        validate::validate(rb, &mut d);
    }
    match decoded {
        Some(rb) if d.is_empty() => Ok(rb),
        _ => Err(d.into_problems(file)),
    }
}

/// The text of a structured file, or a problem naming where it stops being UTF-8.
pub fn utf8<'b>(bytes: &'b [u8], file: &str) -> Result<&'b str, Vec<Problem>> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let at = input::pos_of(&String::from_utf8_lossy(valid), valid.len());
        vec![Problem {
            file: file.to_string(),
            line: at.line,
            col: at.col,
            message: "the file is not UTF-8 text; save it as UTF-8".to_string(),
        }]
    })
}

/// Serializes a runbook as TOML, the canonical format.
pub fn to_toml(rb: &Runbook) -> Result<String, toml::ser::Error> {
    toml::to_string_pretty(rb)
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let p = input::pos_of(text, offset);
    (p.line, p.col)
}
