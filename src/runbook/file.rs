//! Reading input files (runbooks, configs, Markdown, themes, layouts, keymaps) with a size cap,
//! so a wrong path such as `/dev/zero` or a multi-gigabyte log fails at once with a message
//! instead of filling memory.

use std::io::Read;
use std::path::Path;

use super::Problem;

/// The largest input file read: 16 MiB. A runbook of 10,000 stages is under 2 MiB, so this
/// leaves room for any real document while keeping memory bounded.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// The limit as people write it, for messages.
pub const MAX_INPUT_NAME: &str = "16 MiB";

/// Why an input file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The operating system refused (missing file, permissions, a directory…).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The file is over the limit.
    #[error(
        "the file is larger than {limit}, the limit for runbooks, configs and Markdown; check that this is the right file"
    )]
    TooLarge {
        /// The limit, as people write it.
        limit: String,
    },
}

impl ReadError {
    /// Whether the file does not exist (optional files are then simply absent).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Reads at most [`MAX_INPUT_BYTES`] of `path`; a longer file (or an endless one such as
/// `/dev/zero`) is refused after reading one byte past the limit.
pub fn read_capped(path: &Path) -> Result<Vec<u8>, ReadError> {
    read_capped_to(path, MAX_INPUT_BYTES, MAX_INPUT_NAME)
}

/// [`read_capped`] with another limit (`name` is how messages write it).
pub fn read_capped_to(path: &Path, limit: u64, name: &str) -> Result<Vec<u8>, ReadError> {
    let too_large = || ReadError::TooLarge {
        limit: name.to_string(),
    };
    let file = std::fs::File::open(path)?;
    // A regular file says its size up front, so a huge one is refused without reading it.
    if let Ok(meta) = file.metadata()
        && meta.is_file()
        && meta.len() > limit
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Reads an input file for a loader that reports [`Problem`]s: a read failure is a problem
/// with the whole file, worded `cannot read the WHAT: …`.
pub fn read_input(path: &Path, what: &str) -> Result<Vec<u8>, Vec<Problem>> {
    read_capped(path).map_err(|e| {
        let name = path.display().to_string();
        let message = match e {
            ReadError::Io(e) => format!("cannot read the {what}: {e}"),
            too_large @ ReadError::TooLarge { .. } => too_large.to_string(),
        };
        vec![Problem::whole_file(&name, message)]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_files_are_read_whole() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("a.toml");
        std::fs::write(&p, b"0123456789").expect("write");
        assert_eq!(
            read_capped_to(&p, 10, "10 B").expect("reads"),
            b"0123456789"
        );
    }

    #[test]
    fn files_over_the_limit_are_refused_naming_it() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("a.toml");
        std::fs::write(&p, b"0123456789x").expect("write");
        let e = read_capped_to(&p, 10, "10 B").expect_err("too large");
        assert!(e.to_string().contains("larger than 10 B"), "{e}");
    }

    #[test]
    fn endless_files_stop_at_the_limit() {
        let e = read_capped_to(Path::new("/dev/zero"), 1024, "1 KiB").expect_err("endless");
        assert!(matches!(e, ReadError::TooLarge { .. }), "{e}");
    }

    #[test]
    fn missing_files_say_so() {
        let e = read_capped(Path::new("/nonexistent/x.toml")).expect_err("missing");
        assert!(e.is_not_found());
        let p = read_input(Path::new("/nonexistent/x.toml"), "runbook").expect_err("missing");
        assert!(
            p[0].message.starts_with("cannot read the runbook: "),
            "{}",
            p[0]
        );
    }
}
