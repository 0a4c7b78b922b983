//! The writer: appends hash-chained lines under an exclusive file lock, and repairs the tail a
//! crash left behind before chaining onto it.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use agent_policy_core::{CanonicalJson, Decision};
use sha2::{Digest, Sha256};

use super::line::{Fields, GENESIS_HASH, ParsedLine, hex_prefixed};
use crate::HostError;

/// The kind of the line the writer adds when it drops the torn tail of an interrupted write.
pub const RECOVERY_KIND: &str = "recovery";
/// The kind [`AuditContext::default`] gives decisions.
pub const DECISION_KIND: &str = "decision";

/// How the log is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditOptions {
    /// `fsync` (data only) after every append, before the lock is released: a line that
    /// [`AuditLog::append`] reported written survives a power loss.
    pub fsync: bool,
}

/// What is recorded with a decision besides the decision itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    /// The agent session the decision belongs to, if any.
    pub session: Option<String>,
    /// The line's `kind`: `decision` by default.
    pub kind: String,
}

impl Default for AuditContext {
    fn default() -> AuditContext {
        AuditContext {
            session: None,
            kind: DECISION_KIND.to_owned(),
        }
    }
}

impl AuditContext {
    /// A `decision` line of `session`.
    pub fn session(session: impl Into<String>) -> AuditContext {
        AuditContext {
            session: Some(session.into()),
            ..AuditContext::default()
        }
    }
}

/// One line as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its 1-based position in the chain.
    pub seq: u64,
    /// Its kind (`decision`, ...).
    pub kind: String,
    /// The `hash` of the line before it ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// Its own hash, `sha256:` + 64 hex digits.
    pub hash: String,
    /// The line's text, without the newline.
    pub line: String,
}

/// An open audit log. Any number of `AuditLog`s, in one process or many, may append to the
/// same file at once: each append holds the file's exclusive lock from reading the last line
/// to writing its own.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: File,
    options: AuditOptions,
}

impl AuditLog {
    /// Opens the log at `path`, creating the file (not its directory) when missing. Nothing
    /// is read or repaired until the first append.
    pub fn open(path: &Path, options: AuditOptions) -> Result<AuditLog, HostError> {
        // Read and write rather than append mode: truncating a torn tail needs write access on
        // every platform, and positioning is safe because every write happens under the lock,
        // right after seeking to the end.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| HostError::write(path.display().to_string(), e))?;
        Ok(AuditLog {
            path: path.to_owned(),
            file,
            options,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `decision` (its decision document, which holds the redacted action and never
    /// the raw one) as a line of `context.kind`.
    pub fn append(
        &mut self,
        decision: &Decision,
        context: &AuditContext,
    ) -> Result<AuditRecord, HostError> {
        let record = serde_json::to_value(decision)
            .map_err(|e| self.write_error(io::Error::other(e.to_string())))?;
        self.append_record(&context.kind, context.session.as_deref(), &record)
    }

    /// Appends one line of `kind` holding `record`, chained to the file's last line. `kind`
    /// `recovery` is reserved for the writer itself. The caller must have redacted `record`:
    /// it is written as it is.
    pub fn append_record(
        &mut self,
        kind: &str,
        session: Option<&str>,
        record: &serde_json::Value,
    ) -> Result<AuditRecord, HostError> {
        if kind == RECOVERY_KIND || kind.is_empty() {
            return Err(self.write_error(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{kind}` is not a kind a caller may append"),
            )));
        }
        let record = CanonicalJson::from_value(record);
        let file = &self.file;
        file.lock().map_err(|e| self.write_error(e))?;
        let _unlock = Unlock(file);
        self.append_locked(kind, session, record.as_str())
            .map_err(|e| self.write_error(e))
    }

    /// Reads the last line, repairs a torn tail, and writes the new line. The lock is held.
    fn append_locked(
        &self,
        kind: &str,
        session: Option<&str>,
        record: &str,
    ) -> io::Result<AuditRecord> {
        let mut file = &self.file;
        let len = file.seek(SeekFrom::End(0))?;
        let (intact_len, last_line) = match tail(file, len)? {
            Tail::Empty => (0, None),
            Tail::Clean { last } => (len, Some(last)),
            Tail::Torn { intact_len, last } => (intact_len, last),
        };
        let (mut seq, mut prev_hash) = match last_line {
            None => (0, GENESIS_HASH.to_owned()),
            Some(bytes) => match ParsedLine::parse(&bytes) {
                Ok(line) => (line.seq, line.hash),
                Err(_) => {
                    return Err(io::Error::other(
                        "its last complete line is not an audit line, so nothing can be \
                         chained to it; run `agent-policy audit verify` on it",
                    ));
                }
            },
        };
        let mut text = String::new();
        if intact_len < len {
            let dropped = serde_json::json!({
                "dropped_bytes": len - intact_len,
                "dropped_sha256": hash_range(file, intact_len, len)?,
            });
            let dropped = CanonicalJson::from_value(&dropped);
            seq += 1;
            let recovery = line_for(seq, RECOVERY_KIND, None, dropped.as_str(), &prev_hash);
            text.push_str(&recovery.line);
            text.push('\n');
            prev_hash = recovery.hash;
            file.set_len(intact_len)?;
        }
        let written = line_for(seq + 1, kind, session, record, &prev_hash);
        text.push_str(&written.line);
        text.push('\n');
        // Reading the tail moved the cursor: write at the end.
        file.seek(SeekFrom::End(0))?;
        // One write of whole lines: a crash leaves at worst a torn tail, never a damaged line
        // before it.
        if let Err(e) = file.write_all(text.as_bytes()) {
            // Best effort: leave no torn tail behind (the next append would drop it anyway).
            let _ = file.set_len(intact_len);
            return Err(e);
        }
        if self.options.fsync {
            file.sync_data()?;
        }
        Ok(written)
    }

    fn write_error(&self, e: io::Error) -> HostError {
        HostError::write(self.path.display().to_string(), e)
    }
}

/// Releases the lock when the append ends, however it ends.
struct Unlock<'a>(&'a File);

impl Drop for Unlock<'_> {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn line_for(
    seq: u64,
    kind: &str,
    session: Option<&str>,
    record: &str,
    prev_hash: &str,
) -> AuditRecord {
    let fields = Fields {
        seq,
        kind,
        session,
        record,
        prev_hash,
    };
    let hash = fields.hash();
    AuditRecord {
        seq,
        kind: kind.to_owned(),
        prev_hash: prev_hash.to_owned(),
        line: fields.render(&hash),
        hash,
    }
}

/// The end of the file as the writer sees it.
enum Tail {
    Empty,
    /// The file ends with a newline; `last` is its last line, without the newline.
    Clean {
        last: Vec<u8>,
    },
    /// The file ends inside a line: bytes from `intact_len` on are a torn write; `last` is
    /// the last complete line before them, if any.
    Torn {
        intact_len: u64,
        last: Option<Vec<u8>>,
    },
}

/// How far back each read looks for a newline.
const CHUNK: usize = 8 * 1024;

/// Finds the last line by reading backwards from the end, a chunk at a time: the cost
/// depends on the length of the last line, not of the file.
fn tail(file: &File, len: u64) -> io::Result<Tail> {
    if len == 0 {
        return Ok(Tail::Empty);
    }
    let last_byte = read_range(file, len - 1, len)?;
    if last_byte == b"\n" {
        let start = last_newline_before(file, len - 1)?.map_or(0, |p| p + 1);
        return Ok(Tail::Clean {
            last: read_range(file, start, len - 1)?,
        });
    }
    let Some(newline) = last_newline_before(file, len)? else {
        return Ok(Tail::Torn {
            intact_len: 0,
            last: None,
        });
    };
    let start = last_newline_before(file, newline)?.map_or(0, |p| p + 1);
    Ok(Tail::Torn {
        intact_len: newline + 1,
        last: Some(read_range(file, start, newline)?),
    })
}

/// The offset of the last `\n` before `end`.
fn last_newline_before(mut file: &File, end: u64) -> io::Result<Option<u64>> {
    let mut chunk = vec![0u8; CHUNK];
    let mut pos = end;
    while pos > 0 {
        let n = pos.min(CHUNK as u64);
        pos -= n;
        // `n` <= CHUNK, so it fits.
        let buf = chunk.get_mut(..n as usize).unwrap_or_default();
        file.seek(SeekFrom::Start(pos))?;
        file.read_exact(buf)?;
        if let Some(i) = buf.iter().rposition(|&b| b == b'\n') {
            return Ok(Some(pos + i as u64));
        }
    }
    Ok(None)
}

fn read_range(mut file: &File, start: u64, end: u64) -> io::Result<Vec<u8>> {
    let len = usize::try_from(end - start).map_err(io::Error::other)?;
    let mut buf = vec![0u8; len];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut buf)?;
    Ok(buf)
}

/// `sha256:` + hex of the bytes `start..end`, read a chunk at a time.
fn hash_range(mut file: &File, start: u64, end: u64) -> io::Result<String> {
    file.seek(SeekFrom::Start(start))?;
    let mut hasher = Sha256::new();
    let mut chunk = vec![0u8; CHUNK];
    let mut left = end - start;
    while left > 0 {
        let n = left.min(CHUNK as u64);
        let buf = chunk.get_mut(..n as usize).unwrap_or_default();
        file.read_exact(buf)?;
        hasher.update(&*buf);
        left -= n;
    }
    Ok(hex_prefixed(&hasher.finalize()))
}
