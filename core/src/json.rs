//! Strict JSON reading for actions: like `serde_json::from_str`, but a key written twice in
//! one object is an error. Otherwise `{"command": "ls", "command": "rm -rf /"}` would be judged
//! on one value while a framework that keeps the other runs it. Every surface reads action text
//! through here, so they all refuse the same inputs.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode};

/// Parses JSON text strictly: like `serde_json::from_str`, but a key written twice in one object
/// is an error. Otherwise `{"command": "ls", "command": "rm -rf /"}` would be judged on one
/// value while a framework that keeps the first one runs the other.
///
/// Errors carry code `action.syntax` and the position (`origin`, line, column); `first_line`
/// is the line number of the text's first line in its file (1 for a whole file). Messages
/// never quote the input's values.
pub fn parse_strict(text: &str, origin: &str, first_line: u32) -> Result<Value, Error> {
    parse(text, origin, first_line).map_err(|e| e.into_error(ErrorCode::ActionSyntax, "the action"))
}

/// Checks that a JSON policy is strict JSON (the YAML parser that reads it for spans would
/// also take comments and trailing commas). Errors carry code `policy.syntax`.
pub fn check_strict_policy(text: &str, origin: &str) -> Result<(), Error> {
    parse(text, origin, 1)
        .map(|_| ())
        .map_err(|e| e.into_error(ErrorCode::PolicySyntax, "the policy"))
}

/// A JSON reading failure, before it is worded for its subject.
enum Failure {
    Empty {
        origin: String,
        line: u32,
    },
    Invalid {
        origin: String,
        line: u32,
        column: u32,
        message: String,
    },
}

impl Failure {
    fn into_error(self, code: ErrorCode, subject: &str) -> Error {
        match self {
            Failure::Empty { origin, line } => Error::new(code, format!("{subject} is empty"))
                .with_help("give one JSON object")
                .at(&origin, line, 1),
            Failure::Invalid {
                origin,
                line,
                column,
                message,
            } => Error::new(code, format!("{subject} is not valid json: {message}"))
                .with_help(format!(
                    "{subject} is one strict JSON object; check quotes, commas and brackets"
                ))
                .at(&origin, line, column),
        }
    }
}

fn parse(text: &str, origin: &str, first_line: u32) -> Result<Value, Failure> {
    if text.trim().is_empty() {
        return Err(Failure::Empty {
            origin: origin.to_owned(),
            line: first_line.max(1),
        });
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = StrictValue::deserialize(&mut deserializer).and_then(|v| {
        deserializer.end()?;
        Ok(v.0)
    });
    parsed.map_err(|e| json_error(&e, origin, first_line))
}

fn json_error(error: &serde_json::Error, origin: &str, first_line: u32) -> Failure {
    let line = u32::try_from(error.line())
        .unwrap_or(u32::MAX)
        .saturating_add(first_line.saturating_sub(1))
        .max(1);
    let column = u32::try_from(error.column()).unwrap_or(u32::MAX).max(1);
    let full = error.to_string();
    let message = full
        .rfind(" at line ")
        .and_then(|cut| full.get(..cut))
        .unwrap_or(&full);
    Failure::Invalid {
        origin: origin.to_owned(),
        line,
        column,
        message: message.to_owned(),
    }
}

/// A JSON value built by a visitor that refuses duplicate object keys.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<StrictValue, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        StrictValue::deserialize(deserializer).map(|v| v.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(duplicate_key_message(&key)));
            }
            let StrictValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Names the duplicated key when it looks like a field name; a key that could be data (long,
/// or with unusual characters) is not echoed, since keys of `args` may hold anything.
fn duplicate_key_message(key: &str) -> String {
    if looks_like_field_name(key) {
        format!("key '{key}' appears twice in one object")
    } else {
        "a key appears twice in one object".to_owned()
    }
}

/// Whether a key looks like a field name (short, plain characters, and no secret the built-in
/// detectors know, such as an AWS key id) and so may be quoted in a message; anything else
/// could be data, and data may be a secret.
pub fn looks_like_field_name(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 40
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !crate::redact::builtin_finds_secret(key)
}
