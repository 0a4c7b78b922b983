//! JSON input for `redact`: a JSON document or JSON Lines stays JSON. Each value is parsed
//! (strictly: a key written twice makes it text) and redacted with `redact_value`, which sees
//! through escapes such as `\n` and `\u002f`, and written back compact on one line.
//!
//! The first value may span lines (a pretty-printed document); after it, input is read line by
//! line, each non-blank line being one value. From the first line that is not a JSON object or
//! array (or is longer than [`JSON_LIMIT`]), the rest of the input is redacted as streamed
//! text: one more record, the text itself with `--format text`, `{"redacted": "<text>",
//! "redactions": [...]}` with `--format json` (offsets from the start of that line).

use std::io::Read;

use agent_policy_core::Redaction;
use agent_policy_core::redact::Redactor;
use serde::Serialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use super::source::Source;
use super::stream::Windows;
use super::{RedactFormat, redact_text_stream};
use crate::cli::{Failure, Ui};

/// Largest JSON value (or JSON Lines line) read whole, in bytes. A first value that is not
/// complete within it makes the whole input text.
pub(super) const JSON_LIMIT: usize = 256 << 20;

/// One output record of `--format json`.
#[derive(Serialize)]
struct Record<'a> {
    redacted: &'a Value,
    redactions: &'a [Redaction],
}

/// Whether the input starts (after blanks) like a JSON object or array.
pub(super) fn looks_like_json(bytes: &[u8]) -> bool {
    matches!(
        bytes.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// Redacts JSON input. Returns `false`, having consumed nothing, when the input does not start
/// with a complete JSON object or array followed by nothing but blanks on its line: it is then
/// text.
pub(super) fn redact_json<R: Read>(
    redactor: &Redactor,
    source: &mut Source<R>,
    windows: Windows,
    format: RedactFormat,
    ui: &mut Ui,
) -> Result<bool, Failure> {
    let Some((value, consumed)) = first_value(source)? else {
        return Ok(false);
    };
    source.consume(consumed);
    write_value(redactor, &value, format, ui)?;
    loop {
        let Some(line_len) = next_line(source)? else {
            // A line too long to read whole: the rest is one text record.
            if !source.available().is_empty() {
                redact_text_stream(redactor, source, windows, format, ui)?;
            }
            return Ok(true);
        };
        if line_len == 0 {
            return Ok(true);
        }
        let line = source.available().get(..line_len).unwrap_or_default();
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        if content.iter().all(u8::is_ascii_whitespace) {
            source.consume(line_len);
            continue;
        }
        let Some(value) = parse_line(content) else {
            // Not JSON Lines after all: the rest is text, redacted as a stream so that secrets
            // spanning lines (private keys) are found whole.
            redact_text_stream(redactor, source, windows, format, ui)?;
            return Ok(true);
        };
        write_value(redactor, &value, format, ui)?;
        source.consume(line_len);
    }
}

/// The first value and the number of bytes up to the end of its line, when the input starts
/// with a JSON object or array followed by nothing but blanks on its line.
fn first_value<R: Read>(source: &mut Source<R>) -> Result<Option<(Value, usize)>, Failure> {
    let start = source
        .available()
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    // Find where the value ends, reading more while it is incomplete.
    let end = loop {
        let bytes = source.available().get(start..).unwrap_or_default();
        let mut values = serde_json::Deserializer::from_slice(bytes).into_iter::<IgnoredAny>();
        match values.next() {
            Some(Ok(_)) => break start + values.byte_offset(),
            Some(Err(e))
                if e.is_eof() && !source.at_eof() && source.available().len() < JSON_LIMIT =>
            {
                let more = source.available().len().saturating_mul(2);
                source.fill(more.min(JSON_LIMIT))?;
            }
            _ => return Ok(None),
        }
    };
    // The rest of its line must be blank.
    let line_end = loop {
        let rest = source.available().get(end..).unwrap_or_default();
        let newline = rest.iter().position(|&b| b == b'\n');
        let blank = rest
            .get(..newline.unwrap_or(rest.len()))
            .unwrap_or_default()
            .iter()
            .all(u8::is_ascii_whitespace);
        match newline {
            _ if !blank => return Ok(None),
            Some(i) => break end + i + 1,
            None if source.at_eof() => break source.available().len(),
            None if source.available().len() >= JSON_LIMIT => return Ok(None),
            None => {
                let more = source.available().len().saturating_mul(2);
                source.fill(more.min(JSON_LIMIT))?;
            }
        }
    };
    let value = source.available().get(start..end).and_then(parse_line);
    Ok(value.map(|v| (v, line_end)))
}

/// The length of the next line, newline included: `Some(0)` at the end of the input, `None`
/// when the line is longer than [`JSON_LIMIT`].
fn next_line<R: Read>(source: &mut Source<R>) -> Result<Option<usize>, Failure> {
    let mut searched = 0;
    loop {
        let available = source.available();
        if let Some(i) = available
            .get(searched..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        {
            return Ok(Some(searched + i + 1));
        }
        searched = available.len();
        if source.at_eof() {
            return Ok(Some(searched));
        }
        if searched >= JSON_LIMIT {
            return Ok(None);
        }
        source.fill((searched.saturating_mul(2)).clamp(64 * 1024, JSON_LIMIT))?;
    }
}

/// The JSON object or array `bytes` hold, parsed strictly; `None` for anything else.
fn parse_line(bytes: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(bytes).ok()?;
    if !looks_like_json(bytes) {
        return None;
    }
    agent_policy_core::json::parse_strict(text, "<stdin>", 1).ok()
}

/// Writes the redacted `value` as one line.
fn write_value(
    redactor: &Redactor,
    value: &Value,
    format: RedactFormat,
    ui: &mut Ui,
) -> Result<(), Failure> {
    let (redacted, found) = redactor.redact_value(value);
    match format {
        RedactFormat::Text => ui.line(&to_json(&redacted)),
        RedactFormat::Json => ui.line(&to_json(&Record {
            redacted: &redacted,
            redactions: &found,
        })),
    }
}

/// Compact JSON text. Serialising JSON values, strings and plain structs cannot fail; an empty
/// line would be visible rather than silent if it ever did.
fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
