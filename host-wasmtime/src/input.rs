//! Action input: where it comes from (a file or standard input), strict JSON parsing, and the
//! replay envelope `{"now": "...", "action": {...}}` that lets a log line carry its own time.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

use agent_policy_core::{Error, ErrorCode};
use serde_json::Value;

use crate::error::HostError;

/// Where input is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSource {
    /// Standard input (`-`, or no argument).
    Stdin,
    /// A file.
    File(PathBuf),
}

impl InputSource {
    /// The source an optional command-line argument names: `-` or nothing is standard input.
    pub fn from_arg(arg: Option<&str>) -> InputSource {
        match arg {
            None | Some("-") => InputSource::Stdin,
            Some(path) => InputSource::File(PathBuf::from(path)),
        }
    }

    /// The name used in messages and error locations: the path, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            InputSource::Stdin => "<stdin>".to_owned(),
            InputSource::File(path) => path.display().to_string(),
        }
    }

    /// Reads the whole input as UTF-8 text.
    pub fn read_to_string(&self) -> Result<String, HostError> {
        let mut text = String::new();
        let result = match self {
            InputSource::Stdin => std::io::stdin().lock().read_to_string(&mut text),
            InputSource::File(path) => {
                File::open(path).and_then(|mut f| f.read_to_string(&mut text))
            }
        };
        result.map_err(|e| HostError::read(self.name(), e))?;
        Ok(text)
    }

    /// Opens the input for reading line by line.
    pub fn open(&self) -> Result<Box<dyn BufRead>, HostError> {
        match self {
            InputSource::Stdin => Ok(Box::new(BufReader::new(std::io::stdin()))),
            InputSource::File(path) => {
                let file = File::open(path).map_err(|e| HostError::read(self.name(), e))?;
                Ok(Box::new(BufReader::new(file)))
            }
        }
    }
}

/// Parses JSON text strictly (a key written twice in one object is an error); see
/// [`agent_policy_core::json::parse_strict`].
pub fn parse_json_strict(text: &str, origin: &str, first_line: u32) -> Result<Value, Error> {
    agent_policy_core::json::parse_strict(text, origin, first_line)
}

/// An action with the time it should be judged at, when its source gave one.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedAction {
    /// The envelope's `now`, if the input was an envelope that had one.
    pub now: Option<String>,
    /// The action (SPEC §3).
    pub action: Value,
}

/// The keys an envelope may have.
const ENVELOPE_KEYS: &[&str] = &["now", "action"];

/// Reads an action or an envelope `{"now": "...", "action": {...}}`.
///
/// An object with an `action` or `now` key is an envelope (an action has neither field, so
/// there is no ambiguity); anything else is passed on as the action itself.
pub fn unwrap_envelope(value: Value, origin: &str, line: u32) -> Result<TimedAction, Error> {
    let Value::Object(mut object) = value else {
        return Ok(TimedAction {
            now: None,
            action: value,
        });
    };
    if !object.contains_key("action") && !object.contains_key("now") {
        return Ok(TimedAction {
            now: None,
            action: Value::Object(object),
        });
    }
    if let Some(unknown) = object.keys().find(|k| !ENVELOPE_KEYS.contains(&k.as_str())) {
        let message = if agent_policy_core::json::looks_like_field_name(unknown) {
            format!("unknown field '{unknown}' in an envelope")
        } else {
            "unknown field in an envelope".to_owned()
        };
        return Err(Error::new(ErrorCode::ActionUnknownField, message)
            .with_help("an envelope holds only \"now\" and \"action\": put the other fields inside \"action\"")
            .at(origin, line, 1));
    }
    let now = match object.remove("now") {
        None | Some(Value::Null) => None,
        Some(Value::String(now)) => Some(now),
        Some(_) => {
            return Err(Error::new(
                ErrorCode::ActionBadType,
                "the envelope's \"now\" must be a string",
            )
            .with_help("write it like \"now\": \"2026-11-22T10:00:00Z\"")
            .at(origin, line, 1));
        }
    };
    let Some(action) = object.remove("action") else {
        return Err(Error::new(
            ErrorCode::ActionMissingField,
            "the envelope has \"now\" but no \"action\"",
        )
        .with_help("write {\"now\": \"…\", \"action\": {…}}, or give the action alone")
        .at(origin, line, 1));
    };
    Ok(TimedAction { now, action })
}

/// Parses one line of an action log (JSON Lines). Blank lines and lines starting with `#` are
/// skipped (`Ok(None)`). `line` is the 1-based line number, used in error locations.
pub fn parse_log_line(text: &str, origin: &str, line: u32) -> Result<Option<TimedAction>, Error> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let value = parse_json_strict(text, origin, line)?;
    unwrap_envelope(value, origin, line).map(Some)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use serde_json::json;

    use super::*;

    #[test]
    fn strict_parsing_keeps_ordinary_json_as_it_is() {
        let text = r#"{"tool":"Bash","args":{"command":"npm test","n":[1,2.5,-3,null,true]}}"#;
        let strict = parse_json_strict(text, "a.json", 1).unwrap();
        let plain: Value = serde_json::from_str(text).unwrap();
        assert_eq!(strict, plain);
    }

    #[test]
    fn a_key_written_twice_is_an_action_syntax_error() {
        let text =
            "{\"tool\": \"Bash\",\n \"args\": {\"command\": \"ls\", \"command\": \"rm -rf /\"}}";
        let e = parse_json_strict(text, "a.json", 1).unwrap_err();
        assert_eq!(e.code, ErrorCode::ActionSyntax);
        assert!(
            e.message.contains("'command' appears twice"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("rm -rf"), "{}", e.message);
        assert_eq!(e.location.as_ref().unwrap().line, 2);
    }

    #[test]
    fn a_duplicated_key_that_looks_like_data_is_not_echoed() {
        let key = "sk_live_0123456789abcdefghijklmnop0123456789";
        let text = format!("{{\"{key}\": 1, \"{key}\": 2}}");
        let e = parse_json_strict(&text, "a.json", 1).unwrap_err();
        assert!(!e.to_string().contains(key), "{e}");
    }

    #[test]
    fn syntax_errors_name_the_position_and_never_the_values() {
        let text = r#"{"payload": "sk_live_SECRETSECRETSECRETSECRET" "#;
        let e = parse_json_strict(text, "action.json", 1).unwrap_err();
        assert_eq!(e.code, ErrorCode::ActionSyntax);
        let loc = e.location.as_ref().unwrap();
        assert_eq!((loc.file.as_str(), loc.line), ("action.json", 1));
        assert!(!e.to_string().contains("SECRET"), "{e}");
        assert!(e.message.starts_with("the action is not valid json"));
        assert!(!e.message.contains(" at line "), "{}", e.message);
    }

    #[test]
    fn empty_input_says_so() {
        let e = parse_json_strict("  \n", "<stdin>", 1).unwrap_err();
        assert_eq!(e.message, "the action is empty");
    }

    #[test]
    fn trailing_garbage_is_refused() {
        let e = parse_json_strict("{} {}", "a.json", 1).unwrap_err();
        assert_eq!(e.code, ErrorCode::ActionSyntax);
    }

    #[test]
    fn log_lines_skip_blanks_and_comments_and_report_their_own_line_number() {
        assert_eq!(parse_log_line("", "s.jsonl", 1).unwrap(), None);
        assert_eq!(parse_log_line("   ", "s.jsonl", 2).unwrap(), None);
        assert_eq!(parse_log_line("# a note", "s.jsonl", 3).unwrap(), None);
        let e = parse_log_line("{not json", "s.jsonl", 7).unwrap_err();
        let loc = e.location.unwrap();
        assert_eq!((loc.file.as_str(), loc.line), ("s.jsonl", 7));
    }

    #[test]
    fn envelopes_carry_their_time_and_plain_actions_pass_through() {
        let line = r#"{"now":"2026-11-22T10:00:00Z","action":{"tool":"Read"}}"#;
        let entry = parse_log_line(line, "s.jsonl", 1).unwrap().unwrap();
        assert_eq!(entry.now.as_deref(), Some("2026-11-22T10:00:00Z"));
        assert_eq!(entry.action, json!({"tool": "Read"}));

        let entry = parse_log_line(r#"{"tool":"Read"}"#, "s.jsonl", 1)
            .unwrap()
            .unwrap();
        assert_eq!(entry.now, None);
        assert_eq!(entry.action, json!({"tool": "Read"}));
    }

    #[test]
    fn malformed_envelopes_are_errors_not_guesses() {
        let unknown = unwrap_envelope(json!({"action": {}, "tool": "Bash"}), "s", 4).unwrap_err();
        assert_eq!(unknown.code, ErrorCode::ActionUnknownField);
        assert!(unknown.message.contains("'tool'"));
        assert_eq!(unknown.location.unwrap().line, 4);

        let bad_now = unwrap_envelope(json!({"now": 5, "action": {}}), "s", 1).unwrap_err();
        assert_eq!(bad_now.code, ErrorCode::ActionBadType);

        let no_action =
            unwrap_envelope(json!({"now": "2026-11-22T10:00:00Z"}), "s", 1).unwrap_err();
        assert_eq!(no_action.code, ErrorCode::ActionMissingField);
    }

    #[test]
    fn sources_from_arguments() {
        assert_eq!(InputSource::from_arg(None), InputSource::Stdin);
        assert_eq!(InputSource::from_arg(Some("-")), InputSource::Stdin);
        assert_eq!(
            InputSource::from_arg(Some("a.json")).name(),
            "a.json".to_owned()
        );
    }
}
