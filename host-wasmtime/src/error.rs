//! The host's error type: the engine's errors (policy, action, timestamp) kept whole with their
//! stable codes, plus the errors only a host can have (reading files and streams).

use std::fmt;
use std::path::Path;

use agent_policy_core::{Error, ErrorCode};

/// What kind of input or output operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IoCode {
    /// Reading a file, a directory or standard input (`io.read`).
    Read,
    /// Writing a file or standard output (`io.write`).
    Write,
}

impl IoCode {
    /// The dotted machine spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            IoCode::Read => "io.read",
            IoCode::Write => "io.write",
        }
    }
}

/// An error of the native host.
#[derive(Debug)]
#[non_exhaustive]
pub enum HostError {
    /// An error from the engine: its code, location and help are kept as they are.
    Core(Error),
    /// A file, directory or stream could not be read or written.
    Io {
        /// `io.read` or `io.write`.
        code: IoCode,
        /// What was being read or written: a path, or `<stdin>` / `<stdout>`.
        target: String,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl HostError {
    /// A read error on `target` (a path, or `<stdin>`).
    pub fn read(target: impl Into<String>, source: std::io::Error) -> HostError {
        HostError::Io {
            code: IoCode::Read,
            target: target.into(),
            source,
        }
    }

    /// A read error on a path.
    pub fn read_path(path: &Path, source: std::io::Error) -> HostError {
        HostError::read(path.display().to_string(), source)
    }

    /// A write error on `target` (a path, or `<stdout>`).
    pub fn write(target: impl Into<String>, source: std::io::Error) -> HostError {
        HostError::Io {
            code: IoCode::Write,
            target: target.into(),
            source,
        }
    }

    /// The stable machine code: the engine's (`policy.unknown_key`, ...) or `io.read` /
    /// `io.write`.
    pub fn code(&self) -> &'static str {
        match self {
            HostError::Core(e) => e.code.as_str(),
            HostError::Io { code, .. } => code.as_str(),
        }
    }

    /// Whether this is a bug rather than bad input (the engine's `internal` code).
    pub fn is_internal(&self) -> bool {
        matches!(self, HostError::Core(e) if e.code == ErrorCode::Internal)
    }

    /// The one-line rendering: `file:line:col: message [code]` for policy errors,
    /// `cannot read FILE: reason [io.read]` for IO errors.
    pub fn headline(&self) -> String {
        match self {
            HostError::Core(e) => e.headline(),
            HostError::Io {
                code,
                target,
                source,
            } => {
                let verb = match code {
                    IoCode::Read => "cannot read",
                    IoCode::Write => "cannot write",
                };
                format!(
                    "{verb} {target}: {} [{}]",
                    describe_io(source),
                    code.as_str()
                )
            }
        }
    }

    /// How to fix it, when there is something to say.
    pub fn help(&self) -> Option<String> {
        match self {
            HostError::Core(e) => e.help.clone(),
            HostError::Io { code, source, .. } => match (code, source.kind()) {
                (_, std::io::ErrorKind::NotFound) => {
                    Some("check the path, relative to the current directory".to_owned())
                }
                (_, std::io::ErrorKind::PermissionDenied) => {
                    Some("check the file's permissions".to_owned())
                }
                (IoCode::Read, std::io::ErrorKind::InvalidData) => {
                    Some("the input must be utf-8 text".to_owned())
                }
                _ => None,
            },
        }
    }

    /// The error as JSON, in the shape every surface reports: the engine's own
    /// ([`Error::to_json`]) for engine errors, `{"error": {"code", "message", "help"}}` for IO.
    pub fn to_json(&self) -> String {
        match self {
            HostError::Core(e) => e.to_json(),
            HostError::Io { .. } => {
                let mut inner = serde_json::Map::new();
                inner.insert("code".to_owned(), self.code().into());
                let headline = self.headline();
                let message = headline
                    .strip_suffix(&format!(" [{}]", self.code()))
                    .unwrap_or(&headline);
                inner.insert("message".to_owned(), message.into());
                if let Some(help) = self.help() {
                    inner.insert("help".to_owned(), help.into());
                }
                serde_json::json!({ "error": inner }).to_string()
            }
        }
    }

    /// How many further errors the same load found (`agent-policy lint` lists them all).
    pub fn related_count(&self) -> usize {
        match self {
            HostError::Core(e) => e.related.len(),
            HostError::Io { .. } => 0,
        }
    }
}

/// The OS error in lowercase words, without the `(os error 2)` suffix.
fn describe_io(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "no such file or directory".to_owned(),
        ErrorKind::PermissionDenied => "permission denied".to_owned(),
        ErrorKind::InvalidData => "not valid utf-8 text".to_owned(),
        ErrorKind::IsADirectory => "is a directory".to_owned(),
        _ => {
            let text = error.to_string();
            let text = match text.find(" (os error") {
                Some(cut) => text.get(..cut).unwrap_or(&text).to_owned(),
                None => text,
            };
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => "unknown error".to_owned(),
            }
        }
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())?;
        if let Some(help) = self.help() {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for HostError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HostError::Core(e) => Some(e),
            HostError::Io { source, .. } => Some(source),
        }
    }
}

impl From<Error> for HostError {
    fn from(error: Error) -> HostError {
        HostError::Core(error)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn core_errors_keep_their_code_location_and_help() {
        let e: HostError = Error::new(ErrorCode::PolicyUnknownKey, "unknown key 'deni'")
            .with_help("did you mean 'deny'?")
            .at("p.yml", 3, 5)
            .into();
        assert_eq!(e.code(), "policy.unknown_key");
        assert_eq!(
            e.headline(),
            "p.yml:3:5: unknown key 'deni' [policy.unknown_key]"
        );
        assert_eq!(
            e.to_string(),
            "p.yml:3:5: unknown key 'deni' [policy.unknown_key]\n  help: did you mean 'deny'?"
        );
        assert!(!e.is_internal());
    }

    #[test]
    fn io_errors_name_the_file_and_a_code_without_os_noise() {
        let e = HostError::read(
            "missing.yml",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        assert_eq!(e.code(), "io.read");
        assert_eq!(
            e.headline(),
            "cannot read missing.yml: no such file or directory [io.read]"
        );
        assert!(e.help().is_some());
        let e = HostError::write("<stdout>", std::io::Error::other("Disk full (os error 28)"));
        assert_eq!(e.headline(), "cannot write <stdout>: disk full [io.write]");
    }

    #[test]
    fn internal_engine_errors_are_recognised_as_bugs() {
        let e: HostError = Error::new(ErrorCode::Internal, "x").into();
        assert!(e.is_internal());
    }
}
