//! The state directory: what must outlive one call of a process that lives one call long (an
//! agent hook runs `agent-policy check` once per tool call) — session states, approval grants
//! and bypass records.
//!
//! # Layout
//!
//! ```text
//! DIR/                          created if missing, mode 0700 on Unix
//!   sessions/<name>.json        one SessionState per session
//!   sessions/<name>.lock        its lock file
//!   grants/<fingerprint>.<n>.json   one approval grant each (n = 1, 2, … per fingerprint)
//!   grants/.lock
//!   bypasses/<id>.json          one bypass record each
//!   bypasses/.lock
//! ```
//!
//! A session id is any string. Ids of 1 to 64 characters from `[A-Za-z0-9._-]` name their
//! file as they are; any other id is named `sha256-<hex of its SHA-256>`, so no id reaches
//! outside `sessions/` (see [`session_file_stem`]).
//!
//! # Concurrency and crashes
//!
//! Every change takes the exclusive lock of its lock file, reads the current file, computes
//! the new content, writes it to a temporary file in the same directory, `fsync`s it, renames
//! it over the old one (atomic), `fsync`s the directory on Unix and unlocks. Concurrent calls
//! on one session are thus serialised: none is lost, none counted twice. A reader sees the
//! old file or the new one, never a mix; a crash leaves at worst a stray temporary file
//! (`.…tmp`), which readers ignore.
//!
//! # Fail closed
//!
//! A state file that is not valid JSON, has unknown fields or an unknown `version` is an
//! error naming the file: the state is never reset silently (a reset would refill a spent
//! budget). Grants and bypass records are read as strictly.

mod bypasses;
mod duration;
mod grants;
mod lock;
mod sessions;

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use agent_policy_core::{Error, ErrorCode};

use crate::HostError;

pub use bypasses::{bypass_id, validate_bypass};
pub use duration::{MAX_SECONDS, expiry, is_active, parse_duration};
pub use grants::is_fingerprint;
pub use sessions::session_file_stem;

/// The variable naming the state directory when a command is given none.
pub const STATE_DIR_VAR: &str = "AGENT_POLICY_STATE_DIR";

/// The state directory from [`STATE_DIR_VAR`], when set and not empty.
pub fn dir_from_env() -> Option<PathBuf> {
    std::env::var_os(STATE_DIR_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// An opened state directory (see the module header).
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// Opens the state directory at `root`, creating it and its subdirectories when missing
    /// (mode 0700 on Unix; existing directories keep their mode).
    pub fn open(root: impl Into<PathBuf>) -> Result<StateDir, HostError> {
        let dir = StateDir { root: root.into() };
        create_private_dir(&dir.root)?;
        for sub in [SESSIONS, GRANTS, BYPASSES] {
            create_private_dir(&dir.root.join(sub))?;
        }
        Ok(dir)
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn sub(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}

const SESSIONS: &str = "sessions";
const GRANTS: &str = "grants";
const BYPASSES: &str = "bypasses";
/// The lock file of a directory holding one record per file.
const DIR_LOCK: &str = ".lock";

fn create_private_dir(path: &Path) -> Result<(), HostError> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(path)
        .map_err(|e| HostError::write(path.display().to_string(), e))
}

/// Replaces `dir/name` with `bytes` atomically: a temporary file in `dir`, written and
/// `fsync`ed, renamed over `name`; then the directory is `fsync`ed (Unix). The caller holds
/// the lock that serialises writers of `name`.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), HostError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let target = dir.join(name);
    let temp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let fail = |e: std::io::Error| HostError::write(target.display().to_string(), e);
    let written = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, &target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(e));
    }
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(fail)?;
    Ok(())
}

/// Reads a state file; `None` when it does not exist.
fn read_if_exists(path: &Path) -> Result<Option<String>, HostError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(HostError::read_path(path, e)),
    }
}

/// The error for a state file that cannot be trusted: it names the file and why, and says
/// that nothing was reset.
fn corrupt(path: &Path, what: &str, why: impl std::fmt::Display) -> HostError {
    HostError::Core(
        Error::new(
            ErrorCode::ConfigBadValue,
            format!("{} is not a valid {what}: {why}", path.display()),
        )
        .with_help(
            "the state is never reset silently: restore the file from a backup, or delete it \
             to drop what it holds",
        ),
    )
}

/// The text of a JSON parse error without serde's position suffix, with the position kept
/// in words.
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find(" at line") {
        Some(cut) => format!(
            "{} (line {}, column {})",
            text.get(..cut).unwrap_or(&text),
            e.line(),
            e.column()
        ),
        None => text,
    }
}

/// Lowercase hex.
fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The record files of a directory: `*.json` names not starting with `.` (temporary files
/// and lock files start with `.`), sorted by name.
fn record_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, HostError> {
    let entries = std::fs::read_dir(dir).map_err(|e| HostError::read_path(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| HostError::read_path(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !name.ends_with(".json") {
            continue;
        }
        files.push((name, entry.path()));
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    pub(super) fn temp_dir(tag: &str) -> PathBuf {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "agent-policy-state-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn opening_creates_the_private_layout() {
        let root = temp_dir("open").join("nested");
        let dir = StateDir::open(&root).unwrap();
        for sub in [SESSIONS, GRANTS, BYPASSES] {
            assert!(dir.root().join(sub).is_dir());
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&root).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        std::fs::remove_dir_all(root.parent().unwrap()).unwrap();
    }

    #[test]
    fn atomic_writes_replace_the_file_and_leave_no_temporary_behind() {
        let root = temp_dir("atomic");
        std::fs::create_dir_all(&root).unwrap();
        write_atomic(&root, "a.json", b"one").unwrap();
        write_atomic(&root, "a.json", b"two").unwrap();
        assert_eq!(std::fs::read_to_string(root.join("a.json")).unwrap(), "two");
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
