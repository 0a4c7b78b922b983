//! The tamper-evident audit log (SPEC §8): append-only JSON Lines, one line per decision
//! (blocked ones too), hash-chained so that [`verify`] finds any edited, removed, reordered or
//! truncated line.
//!
//! # Line format
//!
//! Each line is one compact JSON object, members in this order, then `\n`:
//!
//! ```text
//! {"seq":1,"kind":"decision","session":"s-1","record":{…},"prev_hash":"sha256:000…0","hash":"sha256:…"}
//! ```
//!
//! - `seq`: 1 for the first line, then +1 per line, across all writers.
//! - `kind`: `decision` (the record is the engine's decision document), or any kind a caller
//!   appends with [`AuditLog::append_record`] (bypass, approval, ...), or `recovery` (below).
//! - `session`: the agent session id, or `null`.
//! - `record`: canonical JSON (keys sorted, compact). For a decision it is the decision
//!   document, which holds `redacted_action` and never the raw action: the engine has already
//!   replaced every secret it found, in every member, by its marker.
//! - `prev_hash`: the previous line's `hash`; for the first line `sha256:` and 64 zeros.
//! - `hash`: `sha256:` + hex of SHA-256 of the canonical JSON (keys sorted, compact) of the
//!   line without its `hash` member, that is of
//!   `{"kind":…,"prev_hash":…,"record":…,"seq":…,"session":…}`.
//!
//! The bytes are fixed by the members: [`verify`] rebuilds each line from its parsed members
//! and reports any other spelling (spaces, escapes, key order) as edited, so a change to any
//! byte is found.
//!
//! # Concurrency and crashes
//!
//! An append takes the file's exclusive lock (`File::lock`, advisory: `flock` on Unix,
//! `LockFileEx` on Windows), reads the last line by seeking back from the end (cost set by the
//! last line's length, not the file's), writes the new line with a single `write_all` of
//! line and newline, `fsync`s it when [`AuditOptions::fsync`] is set, and unlocks. Writers in
//! any number of processes thus produce one chain with contiguous `seq`.
//!
//! A crash mid-write can only leave a torn tail: bytes after the last newline. Lines before it
//! are never rewritten. The next append does not chain onto torn bytes: it truncates them and
//! first writes a `recovery` line, chained to the last intact line, whose record is
//! `{"dropped_bytes":K,"dropped_sha256":"sha256:…"}`; [`verify`] reports it as a notice. A torn
//! tail that no append has repaired yet is reported as `truncated`.
//!
//! # What the chain does not prove
//!
//! The hashes are not keyed: whoever can write the file can rewrite a line and every line
//! after it with recomputed hashes, or drop lines from the end. Keep the last hash
//! ([`VerifyReport::last_hash`]) somewhere else and compare, to detect either.

mod line;
mod verify;
mod writer;

pub use line::GENESIS_HASH;
pub use verify::{Notice, Problem, ProblemKind, VerifyReport, verify, verify_reader};
pub use writer::{AuditContext, AuditLog, AuditOptions, AuditRecord, DECISION_KIND, RECOVERY_KIND};
