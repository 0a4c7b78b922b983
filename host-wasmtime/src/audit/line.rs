//! One line of the audit log: its members, the exact text the writer produces for it, its hash,
//! and the parser that turns a line back into members (refusing anything else).

use agent_policy_core::CanonicalJson;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first line: `sha256:` and 64 zeros.
pub const GENESIS_HASH: &str =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// The members of one line, `hash` aside; `record` is canonical JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fields<'a> {
    pub seq: u64,
    pub kind: &'a str,
    pub session: Option<&'a str>,
    pub record: &'a str,
    pub prev_hash: &'a str,
}

impl Fields<'_> {
    /// `sha256:` + hex of SHA-256 of the canonical JSON (keys sorted, compact) of the line
    /// without its `hash` member.
    pub fn hash(&self) -> String {
        let mut text = String::with_capacity(self.record.len() + 160);
        text.push_str("{\"kind\":");
        push_json_string(&mut text, self.kind);
        text.push_str(",\"prev_hash\":");
        push_json_string(&mut text, self.prev_hash);
        text.push_str(",\"record\":");
        text.push_str(self.record);
        text.push_str(",\"seq\":");
        text.push_str(&self.seq.to_string());
        text.push_str(",\"session\":");
        push_session(&mut text, self.session);
        text.push('}');
        sha256_prefixed(text.as_bytes())
    }

    /// The line as the writer writes it (without the newline): members in the order
    /// `seq, kind, session, record, prev_hash, hash`, compact, `record` canonical.
    pub fn render(&self, hash: &str) -> String {
        let mut text = String::with_capacity(self.record.len() + 240);
        text.push_str("{\"seq\":");
        text.push_str(&self.seq.to_string());
        text.push_str(",\"kind\":");
        push_json_string(&mut text, self.kind);
        text.push_str(",\"session\":");
        push_session(&mut text, self.session);
        text.push_str(",\"record\":");
        text.push_str(self.record);
        text.push_str(",\"prev_hash\":");
        push_json_string(&mut text, self.prev_hash);
        text.push_str(",\"hash\":");
        push_json_string(&mut text, hash);
        text.push('}');
        text
    }
}

/// A line read back from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParsedLine {
    pub seq: u64,
    pub kind: String,
    pub session: Option<String>,
    /// Canonical JSON text of the `record` member.
    pub record: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Why a line is not a line of an audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ParseError {
    /// Not JSON, or JSON but not an object with the six members of a line.
    Malformed(String),
    /// A well-formed line whose bytes are not those the writer produces for its members
    /// (reformatted, keys reordered, escapes changed, members added).
    NotWriterForm,
}

impl ParsedLine {
    /// Parses `bytes` (one line, without its newline).
    pub fn parse(bytes: &[u8]) -> Result<ParsedLine, ParseError> {
        use serde_json::Value;
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            ParseError::Malformed(format!("not valid JSON ({})", json_error_words(&e)))
        })?;
        let Value::Object(map) = value else {
            return Err(ParseError::Malformed("not a JSON object".to_owned()));
        };
        let member = |name: &str| {
            map.get(name)
                .ok_or_else(|| ParseError::Malformed(format!("it has no `{name}` member")))
        };
        let text = |name: &str| -> Result<String, ParseError> {
            member(name)?.as_str().map(str::to_owned).ok_or_else(|| {
                ParseError::Malformed(format!("its `{name}` member is not a string"))
            })
        };
        let seq = member("seq")?.as_u64().ok_or_else(|| {
            ParseError::Malformed("its `seq` member is not a whole number".to_owned())
        })?;
        let kind = text("kind")?;
        let session = match member("session")? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            _ => {
                return Err(ParseError::Malformed(
                    "its `session` member is neither a string nor null".to_owned(),
                ));
            }
        };
        let line = ParsedLine {
            seq,
            kind,
            session,
            record: CanonicalJson::from_value(member("record")?)
                .as_str()
                .to_owned(),
            prev_hash: text("prev_hash")?,
            hash: text("hash")?,
        };
        if line.fields().render(&line.hash).as_bytes() != bytes {
            return Err(ParseError::NotWriterForm);
        }
        Ok(line)
    }

    pub fn fields(&self) -> Fields<'_> {
        Fields {
            seq: self.seq,
            kind: &self.kind,
            session: self.session.as_deref(),
            record: &self.record,
            prev_hash: &self.prev_hash,
        }
    }
}

/// `sha256:` + lowercase hex of SHA-256 of `bytes`.
pub(super) fn sha256_prefixed(bytes: &[u8]) -> String {
    hex_prefixed(&Sha256::digest(bytes))
}

/// `sha256:` + lowercase hex of a digest.
pub(super) fn hex_prefixed(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(7 + 2 * digest.len());
    out.push_str("sha256:");
    for b in digest {
        for nibble in [b >> 4, b & 0xf] {
            out.push(char::from(
                HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    out
}

fn push_json_string(out: &mut String, s: &str) {
    // The canonical writer escapes strings exactly as serde_json does.
    out.push_str(CanonicalJson::from_value(&serde_json::Value::from(s)).as_str());
}

fn push_session(out: &mut String, session: Option<&str>) {
    match session {
        Some(s) => push_json_string(out, s),
        None => out.push_str("null"),
    }
}

/// serde_json's message without its "at line 1 column N" tail, which is always line 1 here.
fn json_error_words(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(cut) => format!(
            "{} at byte {}",
            text.get(..cut).unwrap_or(&text),
            e.column()
        ),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    fn sample() -> (String, String) {
        let record = CanonicalJson::from_value(&serde_json::json!({"b": 1, "a": "x\ny"}));
        let fields = Fields {
            seq: 1,
            kind: "decision",
            session: Some("s-1"),
            record: record.as_str(),
            prev_hash: GENESIS_HASH,
        };
        let hash = fields.hash();
        (fields.render(&hash), hash)
    }

    #[test]
    fn the_hash_is_sha256_of_the_canonical_line_without_its_hash() {
        let (line, hash) = sample();
        let mut value: serde_json::Value = serde_json::from_str(&line).unwrap();
        value.as_object_mut().unwrap().remove("hash");
        let canonical = CanonicalJson::from_value(&value);
        assert_eq!(hash, sha256_prefixed(canonical.as_str().as_bytes()));
        assert_eq!(hash.len(), 7 + 64);
    }

    #[test]
    fn a_written_line_parses_back_to_the_same_members() {
        let (line, hash) = sample();
        let parsed = ParsedLine::parse(line.as_bytes()).unwrap();
        assert_eq!(parsed.hash, hash);
        assert_eq!(parsed.fields().hash(), hash);
        assert_eq!(parsed.session.as_deref(), Some("s-1"));
        assert_eq!(parsed.record, r#"{"a":"x\ny","b":1}"#);
    }

    #[test]
    fn any_other_spelling_of_the_same_json_is_not_the_writers_form() {
        let (line, _) = sample();
        let spaced = line.replacen(",\"kind\"", ", \"kind\"", 1);
        assert_eq!(
            ParsedLine::parse(spaced.as_bytes()),
            Err(ParseError::NotWriterForm)
        );
        let escaped = line.replacen("decision", "decisio\\u006e", 1);
        assert_eq!(
            ParsedLine::parse(escaped.as_bytes()),
            Err(ParseError::NotWriterForm)
        );
    }

    #[test]
    fn broken_lines_say_what_is_wrong() {
        let Err(ParseError::Malformed(why)) = ParsedLine::parse(br#"{"seq":1,"kind":"x""#) else {
            panic!("expected malformed");
        };
        assert!(
            why.starts_with("not valid JSON (EOF while parsing"),
            "{why}"
        );
        let Err(ParseError::Malformed(why)) = ParsedLine::parse(br#"{"seq":1}"#) else {
            panic!("expected malformed");
        };
        assert_eq!(why, "it has no `kind` member");
    }
}
