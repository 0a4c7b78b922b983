//! The verifier: walks the chain line by line and names the first line that breaks it, and
//! how (edited, removed, reordered, inserted, truncated), in words a person can act on.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use super::line::{GENESIS_HASH, ParseError, ParsedLine};
use super::writer::RECOVERY_KIND;
use crate::HostError;

/// What is wrong with a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// Its bytes changed: not a valid line, or its hash does not match its content.
    Edited,
    /// Lines before it are missing: its `seq` jumps forward.
    Removed,
    /// Lines are out of order: the line its `seq` should be is later in the file, or its
    /// `seq` goes backwards.
    Reordered,
    /// A line that does not belong: a repeat of the line before, or the start of another chain.
    Inserted,
    /// Its `seq` follows but its `prev_hash` is not the previous line's hash: a line was
    /// rewritten with a recomputed hash, or lines from another log were spliced in.
    ChainBroken,
    /// The last line ends without a newline: a write was interrupted.
    Truncated,
}

impl ProblemKind {
    /// The word used in reports: `edited`, `removed`, `reordered`, `inserted`,
    /// `chain broken`, `truncated`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Edited => "edited",
            ProblemKind::Removed => "removed",
            ProblemKind::Reordered => "reordered",
            ProblemKind::Inserted => "inserted",
            ProblemKind::ChainBroken => "chain broken",
            ProblemKind::Truncated => "truncated",
        }
    }
}

/// The first line that breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number in the file.
    pub line: u64,
    /// What kind of damage.
    pub kind: ProblemKind,
    /// The evidence, in words.
    pub detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {}: {}",
            self.line,
            self.kind.as_str(),
            self.detail
        )
    }
}

/// Something a person should know that does not break the chain: a recovery line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// 1-based line number in the file.
    pub line: u64,
    /// What happened there.
    pub message: String,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Lines verified intact, from the first: all of them when there is no problem.
    pub verified: u64,
    /// `seq` of the last verified line (0 when none).
    pub last_seq: u64,
    /// `hash` of the last verified line ([`GENESIS_HASH`] when none): compare it with a copy
    /// kept elsewhere to detect lines removed from the end.
    pub last_hash: String,
    /// Recovery lines among the verified ones.
    pub notices: Vec<Notice>,
    /// The first line that breaks the chain, if any.
    pub problem: Option<Problem>,
}

impl VerifyReport {
    /// No problem found.
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// Verifies the audit log at `path`.
pub fn verify(path: &Path) -> Result<VerifyReport, HostError> {
    let file = File::open(path).map_err(|e| HostError::read_path(path, e))?;
    verify_reader(BufReader::new(file)).map_err(|e| HostError::read_path(path, e))
}

/// Verifies an audit log read from `reader`, streaming: memory holds one line at a time.
pub fn verify_reader(mut reader: impl BufRead) -> io::Result<VerifyReport> {
    let mut report = VerifyReport {
        verified: 0,
        last_seq: 0,
        last_hash: GENESIS_HASH.to_owned(),
        notices: Vec::new(),
        problem: None,
    };
    let mut buf = Vec::new();
    let mut number = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok(report);
        }
        number += 1;
        let problem = |kind, detail: String| Problem {
            line: number,
            kind,
            detail,
        };
        let Some(bytes) = buf.strip_suffix(b"\n") else {
            report.problem = Some(problem(
                ProblemKind::Truncated,
                format!(
                    "the last line ends without a newline after {} bytes: a write was \
                     interrupted (the next append drops these bytes and records a recovery line)",
                    buf.len()
                ),
            ));
            return Ok(report);
        };
        let line = match ParsedLine::parse(bytes) {
            Ok(line) => line,
            Err(e) => {
                let detail = match e {
                    ParseError::Malformed(why) if bytes.is_empty() => {
                        format!("the line is empty ({why})")
                    }
                    ParseError::Malformed(why) => format!("not an audit line: {why}"),
                    ParseError::NotWriterForm => "its bytes are not the form the writer \
                                                  produces (reformatted or altered)"
                        .to_owned(),
                };
                report.problem = Some(problem(ProblemKind::Edited, detail));
                return Ok(report);
            }
        };
        if line.fields().hash() != line.hash {
            report.problem = Some(problem(
                ProblemKind::Edited,
                "its hash does not match its content".to_owned(),
            ));
            return Ok(report);
        }
        if let Some((kind, detail)) = chain_problem(&report, number, &line, &mut reader)? {
            report.problem = Some(problem(kind, detail));
            return Ok(report);
        }
        if line.kind == RECOVERY_KIND {
            report.notices.push(Notice {
                line: number,
                message: recovery_message(&line.record),
            });
        }
        report.verified += 1;
        report.last_seq = line.seq;
        report.last_hash = line.hash;
    }
}

/// How `line` (number `number`, its own hash correct) fails to follow the last verified line;
/// reads on in `rest` when a later line tells removed from reordered.
fn chain_problem(
    report: &VerifyReport,
    number: u64,
    line: &ParsedLine,
    rest: &mut impl BufRead,
) -> io::Result<Option<(ProblemKind, String)>> {
    let expected = report.last_seq + 1;
    let follows = line.prev_hash == report.last_hash;
    let previous = number.saturating_sub(1);
    let found = line.seq;
    if found == expected && follows {
        return Ok(None);
    }
    Ok(Some(if found == expected {
        (
            ProblemKind::ChainBroken,
            format!(
                "seq {found} is the expected one but its prev_hash is not the hash of line \
                 {previous}: a line was rewritten with a recomputed hash, or comes from another \
                 log"
            ),
        )
    } else if follows {
        (
            ProblemKind::ChainBroken,
            format!(
                "its prev_hash is the hash of line {previous} but its seq is {found}, not \
                 {expected}: the line was rewritten with a recomputed hash"
            ),
        )
    } else if found == 1 && line.prev_hash == GENESIS_HASH {
        (
            ProblemKind::Inserted,
            format!(
                "a new chain starts here (seq 1 after seq {}): another log was joined to \
                 this one",
                report.last_seq
            ),
        )
    } else if found == report.last_seq && line.hash == report.last_hash {
        (
            ProblemKind::Inserted,
            format!("it repeats line {previous} (seq {found})"),
        )
    } else if found < expected {
        (
            ProblemKind::Reordered,
            format!(
                "expected seq {expected}, found seq {found}, which goes backwards: the line \
                 was moved or copied from earlier in the log"
            ),
        )
    } else if let Some(at) = find_later(rest, number, expected, &line.prev_hash)? {
        (
            ProblemKind::Reordered,
            format!("expected seq {expected}, found seq {found}; seq {expected} is at line {at}"),
        )
    } else {
        let missing = found - expected;
        let plural = if missing == 1 { "line" } else { "lines" };
        (
            ProblemKind::Removed,
            format!(
                "expected seq {expected}, found seq {found} ({missing} {plural} missing before it)"
            ),
        )
    }))
}

/// The number of the first line after line `number` whose seq is `seq` or whose hash is
/// `hash` (the line the broken one chains onto).
fn find_later(
    rest: &mut impl BufRead,
    mut number: u64,
    seq: u64,
    hash: &str,
) -> io::Result<Option<u64>> {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if rest.read_until(b'\n', &mut buf)? == 0 {
            return Ok(None);
        }
        number += 1;
        let bytes = buf.strip_suffix(b"\n").unwrap_or(&buf);
        if let Ok(line) = ParsedLine::parse(bytes)
            && (line.seq == seq || line.hash == hash)
        {
            return Ok(Some(number));
        }
    }
}

fn recovery_message(record: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(record).unwrap_or_default();
    let bytes = value
        .get("dropped_bytes")
        .and_then(serde_json::Value::as_u64);
    let sha = value
        .get("dropped_sha256")
        .and_then(serde_json::Value::as_str);
    match (bytes, sha) {
        (Some(bytes), Some(sha)) => format!(
            "recovery: {bytes} bytes of an interrupted write were dropped before this line \
             ({sha})"
        ),
        _ => "recovery: bytes of an interrupted write were dropped before this line".to_owned(),
    }
}
