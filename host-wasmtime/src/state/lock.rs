//! Exclusive advisory locks on lock files, held for the length of one read-modify-write of the
//! state directory and released however it ends.

use std::fs::{File, OpenOptions};
use std::path::Path;

use crate::HostError;

/// An exclusive lock on a lock file; released on drop.
#[derive(Debug)]
pub(crate) struct Locked {
    file: File,
}

impl Locked {
    /// Blocks until this process holds the exclusive lock of `path` (created if missing).
    ///
    /// The lock is advisory (`flock` on Unix, `LockFileEx` on Windows): every writer of the
    /// state directory takes it, readers of whole files need not, since files are only ever
    /// replaced by an atomic rename.
    pub(crate) fn exclusive(path: &Path) -> Result<Locked, HostError> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(path)
            .map_err(|e| HostError::write(path.display().to_string(), e))?;
        // `File::lock` is stable since Rust 1.89, one release after the workspace's declared
        // minimum (as in the audit writer).
        #[allow(clippy::incompatible_msrv)]
        file.lock()
            .map_err(|e| HostError::write(path.display().to_string(), e))?;
        Ok(Locked { file })
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first makes it explicit.
        #[allow(clippy::incompatible_msrv)]
        let _ = self.file.unlock();
    }
}
