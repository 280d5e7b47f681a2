//! Exit codes and the error that carries one to `main`.

/// Process exit codes (SPEC.md, "Commands").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Success.
    Ok = 0,
    /// A verification or gate failed.
    Failed = 1,
    /// Bad usage or bad input.
    BadInput = 2,
    /// An external system refused or was unreachable.
    External = 3,
    /// An internal error (a panic); the session log holds a crash record.
    Internal = 101,
}

/// An error that ends the process with a specific exit code and message.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Fatal {
    /// The exit code.
    pub code: ExitCode,
    /// What to print (already naming file, line and fix where there is one).
    pub message: String,
}

impl Fatal {
    /// Bad usage or input (exit 2).
    pub fn input(message: impl Into<String>) -> Self {
        Self {
            code: ExitCode::BadInput,
            message: message.into(),
        }
    }

    /// A failed verification (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            code: ExitCode::Failed,
            message: message.into(),
        }
    }

    /// An unreachable or refusing external system (exit 3).
    pub fn external(message: impl Into<String>) -> Self {
        Self {
            code: ExitCode::External,
            message: message.into(),
        }
    }
}
