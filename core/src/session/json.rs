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
use serde::de::{Error as _, Unexpected};
use serde_json::Value;

use super::{Bypass, Grant, STATE_VERSION, SessionState, Termination};
use crate::decision::{BudgetExceeded, Decision};
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
        read_state(value).map_err(|e| bad_state(serde_reason(&e)))
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
        let record = read_bypass(value).map_err(|e| {
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

/// A struct of the session's inputs as its serde derive reads it from a JSON value: the name
/// its errors give it, its fields in declaration order, which of them may be left out, and
/// whether an unknown field is refused.
struct Shape {
    /// `struct Grant`: what serde's messages say was expected.
    expecting: &'static str,
    /// `struct Grant with 5 elements`: the same, for the list form.
    expecting_list: &'static str,
    fields: &'static [&'static str],
    /// Per field: whether it may be left out (an `Option` or a `#[serde(default)]` field).
    optional: &'static [bool],
    deny_unknown_fields: bool,
}

/// Reads `value` as the struct `shape` describes, the way the struct's serde derive does on a
/// `serde_json::Value`, so every error is serde's, with the same text: an object field by
/// field in the object's order (`read` is called with the field's index and value), or a list
/// element by element in declaration order; then the first field that is missing and may not
/// be. One reader for every struct, instead of one derive each.
fn read_struct<'v>(
    value: &'v Value,
    shape: &Shape,
    read: &mut dyn FnMut(usize, &'v Value) -> Result<(), serde_json::Error>,
) -> Result<(), serde_json::Error> {
    match value {
        Value::Object(map) => {
            let mut seen = vec![false; shape.fields.len()];
            for (key, v) in map {
                match shape.fields.iter().position(|f| f == key) {
                    Some(i) => {
                        read(i, v)?;
                        if let Some(slot) = seen.get_mut(i) {
                            *slot = true;
                        }
                    }
                    None if shape.deny_unknown_fields => {
                        return Err(serde_json::Error::unknown_field(key, shape.fields));
                    }
                    None => {}
                }
            }
            let missing = shape
                .fields
                .iter()
                .zip(shape.optional)
                .zip(seen)
                .find(|((_, optional), seen)| !**optional && !*seen);
            match missing {
                Some(((field, _), _)) => Err(serde_json::Error::missing_field(field)),
                None => Ok(()),
            }
        }
        Value::Array(items) => {
            for (i, optional) in shape.optional.iter().enumerate() {
                match items.get(i) {
                    Some(v) => read(i, v)?,
                    None if *optional => {}
                    None => {
                        return Err(serde_json::Error::invalid_length(i, &shape.expecting_list));
                    }
                }
            }
            if items.len() > shape.fields.len() {
                return Err(serde_json::Error::invalid_length(
                    items.len(),
                    &"fewer elements in array",
                ));
            }
            Ok(())
        }
        other => Err(serde_json::Error::invalid_type(
            unexpected(other),
            &shape.expecting,
        )),
    }
}

/// What serde's messages call a JSON value of the wrong type.
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u),
            (None, Some(i), _) => Unexpected::Signed(i),
            (None, None, f) => Unexpected::Float(f.unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// Reads one field's value with serde (a string, a number, a list, a map).
fn field<'v, T: Deserialize<'v>>(slot: &mut T, v: &'v Value) -> Result<(), serde_json::Error> {
    *slot = T::deserialize(v)?;
    Ok(())
}

/// An `Option` field holding a struct: `null` is `None`.
fn optional<'v, T>(
    slot: &mut Option<T>,
    v: &'v Value,
    read: fn(&'v Value) -> Result<T, serde_json::Error>,
) -> Result<(), serde_json::Error> {
    *slot = match v {
        Value::Null => None,
        v => Some(read(v)?),
    };
    Ok(())
}

/// Reads a session state as its serde derive would.
fn read_state(value: &Value) -> Result<SessionState, serde_json::Error> {
    const SHAPE: Shape = Shape {
        expecting: "struct SessionState",
        expecting_list: "struct SessionState with 12 elements",
        fields: &[
            "version",
            "started_at",
            "actions",
            "turns",
            "tokens",
            "tool_calls",
            "pipeline_runs",
            "credential_requests",
            "denials",
            "rate",
            "repeats",
            "terminated",
        ],
        optional: &[
            false, true, true, true, true, true, true, true, true, true, true, true,
        ],
        deny_unknown_fields: true,
    };
    let mut s = SessionState::new();
    read_struct(value, &SHAPE, &mut |i, v| match i {
        0 => field(&mut s.version, v),
        1 => field(&mut s.started_at, v),
        2 => field(&mut s.actions, v),
        3 => field(&mut s.turns, v),
        4 => field(&mut s.tokens, v),
        5 => field(&mut s.tool_calls, v),
        6 => field(&mut s.pipeline_runs, v),
        7 => field(&mut s.credential_requests, v),
        8 => field(&mut s.denials, v),
        9 => field(&mut s.rate, v),
        10 => field(&mut s.repeats, v),
        _ => optional(&mut s.terminated, v, read_termination),
    })?;
    Ok(s)
}

/// Reads a termination as its serde derive would.
fn read_termination(value: &Value) -> Result<Termination, serde_json::Error> {
    const SHAPE: Shape = Shape {
        expecting: "struct Termination",
        expecting_list: "struct Termination with 4 elements",
        fields: &["at", "rule_id", "reason", "budget"],
        optional: &[false, false, false, true],
        deny_unknown_fields: false,
    };
    let mut t = Termination {
        at: String::new(),
        rule_id: String::new(),
        reason: String::new(),
        budget: None,
    };
    read_struct(value, &SHAPE, &mut |i, v| match i {
        0 => field(&mut t.at, v),
        1 => field(&mut t.rule_id, v),
        2 => field(&mut t.reason, v),
        _ => optional(&mut t.budget, v, read_budget),
    })?;
    Ok(t)
}

/// Reads an exceeded budget as its serde derive would.
fn read_budget(value: &Value) -> Result<BudgetExceeded, serde_json::Error> {
    const SHAPE: Shape = Shape {
        expecting: "struct BudgetExceeded",
        expecting_list: "struct BudgetExceeded with 3 elements",
        fields: &["limit", "used", "allowed"],
        optional: &[false, false, false],
        deny_unknown_fields: false,
    };
    let mut b = BudgetExceeded {
        limit: String::new(),
        used: 0,
        allowed: 0,
    };
    read_struct(value, &SHAPE, &mut |i, v| match i {
        0 => field(&mut b.limit, v),
        1 => field(&mut b.used, v),
        _ => field(&mut b.allowed, v),
    })?;
    Ok(b)
}

/// Reads a bypass record as its serde derive would.
fn read_bypass(value: &Value) -> Result<Bypass, serde_json::Error> {
    const SHAPE: Shape = Shape {
        expecting: "struct Bypass",
        expecting_list: "struct Bypass with 5 elements",
        fields: &["id", "reason", "approver", "allow", "expires_at"],
        optional: &[false; 5],
        deny_unknown_fields: true,
    };
    let mut b = Bypass::new("", "", "", Vec::new(), "");
    read_struct(value, &SHAPE, &mut |i, v| match i {
        0 => field(&mut b.id, v),
        1 => field(&mut b.reason, v),
        2 => field(&mut b.approver, v),
        3 => field(&mut b.allow, v),
        _ => field(&mut b.expires_at, v),
    })?;
    Ok(b)
}

/// Reads a grant as its serde derive would; [`Grant::from_value`] words the error.
pub(super) fn read_grant(value: &Value) -> Result<Grant, serde_json::Error> {
    const SHAPE: Shape = Shape {
        expecting: "struct Grant",
        expecting_list: "struct Grant with 5 elements",
        fields: &["fingerprint", "role", "approver", "expires_at", "signature"],
        optional: &[false, false, false, false, true],
        deny_unknown_fields: true,
    };
    let mut g = Grant::new("", "", "", "");
    read_struct(value, &SHAPE, &mut |i, v| match i {
        0 => field(&mut g.fingerprint, v),
        1 => field(&mut g.role, v),
        2 => field(&mut g.approver, v),
        3 => field(&mut g.expires_at, v),
        _ => field(&mut g.signature, v),
    })?;
    Ok(g)
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

    /// Values of every JSON type, valid for some field and wrong for others.
    fn samples() -> Vec<Value> {
        vec![
            Value::Null,
            json!(true),
            json!(7),
            json!(-1),
            json!(1.5),
            json!(1e21),
            json!(u64::MAX),
            json!("2026-11-22T11:00:00Z"),
            json!(["a", "b"]),
            json!([1, -2]),
            json!({"k": [1, 2]}),
            json!({"k": 3}),
            json!({"limit": "max_turns", "used": 3, "allowed": 2}),
            json!({"at": "t", "rule_id": "r", "reason": "why"}),
            json!(["max_turns", 3, 2]),
            json!({}),
            json!([]),
        ]
    }

    /// Inputs for a struct with `fields`: every sample, each field set to each sample alone
    /// and among valid fields, every field left out in turn, an unknown field, and lists of
    /// every length up to one too many.
    fn inputs(valid: &Value, fields: &[&str]) -> Vec<Value> {
        let mut out = samples();
        out.push(valid.clone());
        let full = valid.as_object().unwrap();
        for name in fields {
            for sample in samples() {
                out.push(json!({ *name: sample.clone() }));
                let mut one = full.clone();
                one.insert((*name).to_owned(), sample);
                out.push(Value::Object(one));
            }
            let mut without = full.clone();
            without.remove(*name);
            out.push(Value::Object(without));
        }
        for extra in ["zzz", "aaa", "Version"] {
            let mut unknown = full.clone();
            unknown.insert(extra.to_owned(), json!(1));
            out.push(Value::Object(unknown));
        }
        let list: Vec<Value> = fields.iter().map(|f| full[*f].clone()).collect();
        for n in 0..=list.len() {
            out.push(Value::Array(list[..n].to_vec()));
            for sample in samples() {
                let mut wrong = list[..n].to_vec();
                if let Some(last) = wrong.last_mut() {
                    *last = sample;
                }
                out.push(Value::Array(wrong));
            }
        }
        let mut long = list;
        long.push(json!(null));
        out.push(Value::Array(long));
        out
    }

    /// The hand readers give what the serde derives give: the same value or the same message.
    fn same_as_derive<T>(
        read: fn(&Value) -> Result<T, serde_json::Error>,
        valid: Value,
        fields: &[&str],
    ) where
        T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        for input in inputs(&valid, fields) {
            let derived = T::deserialize(&input).map_err(|e| e.to_string());
            let hand = read(&input).map_err(|e| e.to_string());
            assert_eq!(hand, derived, "{input}");
        }
    }

    #[test]
    fn hand_readers_match_the_derives() {
        let budget = json!({"limit": "max_turns", "used": 3, "allowed": 2});
        same_as_derive(read_budget, budget.clone(), &["limit", "used", "allowed"]);
        let termination = json!({"at": "t", "rule_id": "r", "reason": "why", "budget": budget});
        same_as_derive(
            read_termination,
            termination.clone(),
            &["at", "rule_id", "reason", "budget"],
        );
        same_as_derive(
            read_bypass,
            json!({"id": "byp_1", "reason": "r", "approver": "a", "allow": ["x/**"],
                   "expires_at": "2026-11-22T11:00:00Z"}),
            &["id", "reason", "approver", "allow", "expires_at"],
        );
        same_as_derive(
            read_grant,
            json!({"fingerprint": "apr_1", "role": "lead", "approver": "a",
                   "expires_at": "2026-11-22T11:00:00Z", "signature": "hmac-sha256:00"}),
            &["fingerprint", "role", "approver", "expires_at", "signature"],
        );
        let mut state = SessionState::new();
        state.started_at = Some("2026-11-22T10:00:00Z".to_owned());
        state.denials = vec![1, 2];
        state.rate.insert("r".to_owned(), vec![3]);
        state.repeats.insert("x".to_owned(), 2);
        let mut state = serde_json::to_value(state).unwrap();
        state["terminated"] = termination;
        same_as_derive(
            read_state,
            state,
            &[
                "version",
                "started_at",
                "actions",
                "turns",
                "tokens",
                "tool_calls",
                "pipeline_runs",
                "credential_requests",
                "denials",
                "rate",
                "repeats",
                "terminated",
            ],
        );
    }
}
