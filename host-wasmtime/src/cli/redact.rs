//! `agent-policy redact`: replace every secret in standard input by its marker, with the
//! policy's detectors (the built-in ones and its own `redaction.rules`), in bounded memory
//! whatever the input size.
//!
//! - Text is streamed (see `stream`): read in windows of 16 KiB, extended to the next line
//!   boundary (lines up to 1 MiB are kept whole), cut never inside a finding nor a multi-line
//!   private key. The output is the same as redacting the whole input at once, except for a
//!   secret longer than 8 KiB (with its context) inside a line longer than 1 MiB, or a key
//!   block longer than 64 KiB. `--format json` writes the `"redacted"` string as it goes and
//!   the list of findings (which holds no secret) at the end; their offsets are byte offsets
//!   in the whole input.
//! - Invalid UTF-8 is replaced by U+FFFD, as if the input had held that character (three
//!   bytes): offsets are the input's own when it is valid UTF-8.
//! - JSON stays JSON (see `json`): input that starts with an object or array alone on its
//!   line, then JSON Lines, is redacted value by value, one compact line per value; with
//!   `--format json` each line is `{"redacted": <value>, "redactions": [...]}`, findings
//!   located by JSON path. Text that merely starts with `{` is text.
//!
//! Window size: the detectors run only where one of their keywords occurs (most of them only
//! on the lines that hold it), so larger windows cost little when keywords are frequent, and
//! each window has a fixed cost. On the benchmark text 16 KiB windows are about 12 % faster
//! than 4 KiB ones (with keyword-dense text too), and 64 KiB ones barely faster still.

mod json;
mod source;
mod stream;

use std::io::Read;
use std::path::PathBuf;

use agent_policy_core::redact::Redactor;
use agent_policy_host::exit_code;
use clap::{Args, ValueEnum};

use super::{Failure, Ui, engine_for};
use source::Source;
use stream::Windows;

/// Bytes read per window of text.
const DEFAULT_WINDOW: usize = 16 << 10;

/// Longest line kept whole, in bytes.
const DEFAULT_MAX_LINE: usize = 1 << 20;

/// Smallest window accepted (the hidden `--window-bytes` is for tests).
const MIN_WINDOW: usize = 16;

/// Arguments of `redact`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
Input of any size is streamed in small windows cut at line boundaries, in a few MiB of
memory, and no secret is missed at a window edge. Lines up to 1 MiB are kept whole; a longer
line is cut inside with an overlap of 8 KiB, so only a longer secret there could be split.
Private key blocks are kept whole up to 64 KiB.

JSON input (an object or array alone on its line, then JSON Lines) stays JSON: one compact
redacted value per line; with --format json, one {\"redacted\": <value>, \"redactions\":
[...]} per line, findings located by JSON path. Other input is text.

Invalid UTF-8 is replaced by U+FFFD; offsets count bytes of the input as if it held that
character (the input's own offsets when it is valid UTF-8).")]
pub(super) struct RedactArgs {
    /// The policy whose detectors apply. Without it, the built-in defaults.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// `text`: only the redacted input; `json`: {"redacted": …, "redactions": […]}.
    #[arg(long, value_enum, default_value_t = RedactFormat::Text)]
    format: RedactFormat,
    /// Bytes read per window of text (for tests).
    #[arg(long, hide = true, default_value_t = DEFAULT_WINDOW)]
    window_bytes: usize,
    /// Longest line kept whole, in bytes (for tests).
    #[arg(long, hide = true, default_value_t = DEFAULT_MAX_LINE)]
    max_line_bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RedactFormat {
    Text,
    Json,
}

pub(super) fn run(args: &RedactArgs, ui: &mut Ui) -> Result<i32, Failure> {
    let engine = engine_for(args.policy.as_ref())?;
    let redactor = engine.redactor();
    let windows = Windows {
        bytes: args.window_bytes.max(MIN_WINDOW),
        max_line: args.max_line_bytes.max(MIN_WINDOW),
    };
    let stdin = std::io::stdin();
    let mut source = Source::new(stdin.lock(), "<stdin>");
    source.fill(windows.bytes)?;
    if json::looks_like_json(source.available())
        && json::redact_json(redactor, &mut source, windows, args.format, ui)?
    {
        return Ok(exit_code::OK);
    }
    redact_text_stream(redactor, &mut source, windows, args.format, ui)?;
    Ok(exit_code::OK)
}

/// Redacts the rest of `source` as text: the text itself, or one
/// `{"redacted": "…", "redactions": […]}` line whose string is written as it is redacted.
fn redact_text_stream<R: Read>(
    redactor: &Redactor,
    source: &mut Source<R>,
    windows: Windows,
    format: RedactFormat,
    ui: &mut Ui,
) -> Result<(), Failure> {
    let mut found = Vec::new();
    match format {
        RedactFormat::Text => {
            stream::redact_text(redactor, source, windows, &mut |s| ui.raw(s), &mut found)?;
        }
        RedactFormat::Json => {
            ui.raw("{\"redacted\":\"")?;
            stream::redact_text(
                redactor,
                source,
                windows,
                &mut |s| ui.raw(json_string_body(s).as_str()),
                &mut found,
            )?;
            ui.raw("\",\"redactions\":")?;
            // Serialising plain structs cannot fail; an empty list would still be valid JSON.
            let list = serde_json::to_string(&found).unwrap_or_else(|_| "[]".to_owned());
            ui.raw(&list)?;
            ui.line("}")?;
        }
    }
    Ok(())
}

/// `text` escaped as the inside of a JSON string (without the quotes): pieces escaped one by
/// one concatenate to the escape of the whole.
fn json_string_body(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn json_string_pieces_join_into_the_escape_of_the_whole() {
        let pieces = ["a\"b", "\\", "\n\u{1}é", "😀"];
        let joined: String = pieces.iter().map(|p| json_string_body(p)).collect();
        let whole: String = serde_json::from_str(&format!("\"{joined}\"")).unwrap();
        assert_eq!(whole, pieces.concat());
    }
}
