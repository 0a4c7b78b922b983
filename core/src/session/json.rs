//! Session inputs and outputs as JSON, read and written the same way on every surface: a
//! session state, a list of grants and a list of bypass records coming in as JSON values (or
//! text), and the combined `{"decision": …, "session": …}` document a surface returns for a
//! decision made in a session.
//!
//! Reading is strict (unknown fields refused, the state's `version` checked) and every
//! problem is an engine error with code `action.bad_value` (`action.syntax` for text that is
//! not JSON), so a binding that passes the caller's value through gives the same error JSON as
//! any other. `null` and `{}` are a new session; an empty text is a new session or no records.

use serde::Deserialize;
use serde_json::Value;

use super::{Bypass, Grant, STATE_VERSION, SessionState};
use crate::decision::Decision;
use crate::error::{Error, ErrorCode};

/// The help of a state that cannot be read.
const STATE_HELP: &str = "pass the state a previous decision in this session returned, \
     unchanged, or null (or {}) for a new session";

fn bad_state(reason: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::ActionBadValue,
        format!("the session state is not valid: {reason}"),
    )
    .with_help(STATE_HELP)
}

/// The first line of a serde error, without its position (the value has no lines).
fn serde_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    text.split(" at line").next().unwrap_or(&text).to_owned()
}

impl SessionState {
    /// Reads a state from a JSON value: `null` or `{}` is a new session; anything else must be
    /// a state of version [`STATE_VERSION`] with no unknown field.
    pub fn from_value(value: &Value) -> Result<SessionState, Error> {
        match value {
            Value::Null => return Ok(SessionState::new()),
            Value::Object(map) if map.is_empty() => return Ok(SessionState::new()),
            Value::Object(map) => match map.get("version") {
                Some(v) if v.as_u64() == Some(u64::from(STATE_VERSION)) => {}
                Some(v) => {
                    return Err(bad_state(format_args!(
                        "its version is {v}; this engine reads version {STATE_VERSION}"
                    )));
                }
                None => return Err(bad_state("it has no \"version\"")),
            },
            _ => return Err(bad_state("it must be an object")),
        }
        SessionState::deserialize(value).map_err(|e| bad_state(serde_reason(&e)))
    }

    /// Reads a state from JSON text (see [`SessionState::from_value`]); an empty text is a
    /// new session too.
    pub fn from_json(text: &str) -> Result<SessionState, Error> {
        if text.trim().is_empty() {
            return Ok(SessionState::new());
        }
        let value: Value = serde_json::from_str(text).map_err(|e| {
            Error::new(
                ErrorCode::ActionSyntax,
                format!("the session state is not JSON: {}", serde_reason(&e)),
            )
            .with_help(STATE_HELP)
        })?;
        SessionState::from_value(&value)
    }

    /// The state as compact JSON, fields in declaration order: what a host stores and passes
    /// back with the next action.
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Bypass {
    /// Reads a bypass record from JSON, strictly (unknown fields refused) and checked with
    /// [`Bypass::validate`]; `index` names it in errors.
    pub fn from_value(value: &Value, index: usize) -> Result<Bypass, Error> {
        let record = Bypass::deserialize(value).map_err(|e| {
            Error::new(
                ErrorCode::ActionBadValue,
                format!("bypass {index} is not valid: {}", serde_reason(&e)),
            )
            .with_help("a bypass is {\"id\", \"reason\", \"approver\", \"allow\", \"expires_at\"}")
        })?;
        record.validate()?;
        Ok(record)
    }
}

/// The elements of a list input (`null` is an empty list).
fn list<'v>(value: &'v Value, what: &str) -> Result<&'v [Value], Error> {
    match value {
        Value::Null => Ok(&[]),
        Value::Array(items) => Ok(items),
        _ => Err(Error::new(
            ErrorCode::ActionBadValue,
            format!("the {what} must be a list"),
        )
        .with_help(format!("pass a list of {what}, or null for none"))),
    }
}

/// Reads a list of grants (`null`: none); see [`Grant::from_value`].
pub fn grants_from_value(value: &Value) -> Result<Vec<Grant>, Error> {
    list(value, "grants")?
        .iter()
        .enumerate()
        .map(|(i, g)| Grant::from_value(g, i))
        .collect()
}

/// Reads a list of bypass records (`null`: none); see [`Bypass::from_value`].
pub fn bypasses_from_value(value: &Value) -> Result<Vec<Bypass>, Error> {
    list(value, "bypasses")?
        .iter()
        .enumerate()
        .map(|(i, b)| Bypass::from_value(b, i))
        .collect()
}

/// A list input given as JSON text: an empty text is `null` (none).
fn list_text(text: &str, what: &str) -> Result<Value, Error> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(text).map_err(|e| {
        Error::new(
            ErrorCode::ActionSyntax,
            format!("the {what} are not JSON: {}", serde_reason(&e)),
        )
        .with_help(format!("pass a JSON list of {what}, or nothing for none"))
    })
}

/// Reads a list of grants from JSON text (empty or `null`: none); see [`grants_from_value`].
pub fn grants_from_json(text: &str) -> Result<Vec<Grant>, Error> {
    grants_from_value(&list_text(text, "grants")?)
}

/// Reads a list of bypass records from JSON text (empty or `null`: none); see
/// [`bypasses_from_value`].
pub fn bypasses_from_json(text: &str) -> Result<Vec<Bypass>, Error> {
    bypasses_from_value(&list_text(text, "bypasses")?)
}

/// The output of a decision made in a session: `{"decision": <the decision document>,
/// "session": <the state after it>}`, compact, in that order.
pub fn session_output(decision: &Decision, state: &SessionState) -> String {
    format!(
        "{{\"decision\":{},\"session\":{}}}",
        decision.to_json(),
        state.to_json()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    #[test]
    fn null_and_empty_are_new_sessions_and_states_round_trip() {
        assert_eq!(
            SessionState::from_value(&Value::Null).unwrap(),
            SessionState::new()
        );
        assert_eq!(
            SessionState::from_value(&json!({})).unwrap(),
            SessionState::new()
        );
        assert_eq!(SessionState::from_json("  ").unwrap(), SessionState::new());
        let mut s = SessionState::new();
        s.record_turn(12);
        let text = s.to_json();
        assert!(
            text.starts_with("{\"version\":1,\"actions\":0,\"turns\":1,\"tokens\":12"),
            "{text}"
        );
        assert_eq!(SessionState::from_json(&text).unwrap(), s);
    }

    #[test]
    fn bad_states_are_action_bad_value_errors() {
        for (value, part) in [
            (json!({"version": 1, "action": 3}), "unknown field `action`"),
            (json!({"version": 2}), "its version is 2"),
            (json!({"actions": 3}), "no \"version\""),
            (json!([1]), "must be an object"),
            (json!({"version": 1, "actions": -1}), "invalid value"),
        ] {
            let e = SessionState::from_value(&value).unwrap_err();
            assert_eq!(e.code, ErrorCode::ActionBadValue, "{value}");
            assert!(e.message.contains(part), "{value}: {}", e.message);
        }
        let e = SessionState::from_json("{\"version\":").unwrap_err();
        assert_eq!(e.code, ErrorCode::ActionSyntax);
    }

    #[test]
    fn lists_are_read_strictly() {
        assert!(grants_from_value(&Value::Null).unwrap().is_empty());
        assert!(grants_from_json("").unwrap().is_empty());
        assert!(bypasses_from_json("null").unwrap().is_empty());
        assert_eq!(
            grants_from_json("[{").unwrap_err().code,
            ErrorCode::ActionSyntax
        );
        let e = grants_from_value(&json!({"fingerprint": "apr_1"})).unwrap_err();
        assert!(e.message.contains("must be a list"), "{}", e.message);
        let e = grants_from_value(&json!([{"fingerprint": "apr_1"}])).unwrap_err();
        assert_eq!(e.code, ErrorCode::ActionBadValue);
        let ok = json!([{"id": "byp_1", "reason": "r", "approver": "a",
                         "allow": ["config/**"], "expires_at": "2026-11-22T11:00:00Z"}]);
        assert_eq!(bypasses_from_value(&ok).unwrap()[0].id, "byp_1");
        let empty = json!([{"id": "byp_1", "reason": "r", "approver": "a", "allow": [],
                            "expires_at": "2026-11-22T11:00:00Z"}]);
        assert!(
            bypasses_from_value(&empty)
                .unwrap_err()
                .message
                .contains("allows nothing")
        );
        let typo = json!([{"id": "byp_1", "reason": "r", "approver": "a", "alow": ["x"],
                           "expires_at": "2026-11-22T11:00:00Z"}]);
        let e = bypasses_from_value(&typo).unwrap_err();
        assert!(e.message.contains("bypass 0"), "{}", e.message);
    }
}
