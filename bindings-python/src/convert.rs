//! Python values to the engine's inputs: a JSON-like Python object to a `serde_json::Value`,
//! and the `now` argument (text, an aware `datetime`, or `None`) to RFC 3339 text.
//!
//! The conversion accepts exactly what JSON can hold: `dict` with `str` keys, `list` and
//! `tuple`, `str`, `int`, finite `float`, `bool` and `None`. Anything else is refused with the
//! engine's `action.bad_type` / `action.bad_value` codes and the JSON path of the offending
//! value; the value itself is never quoted, as it may be a secret.

use agent_policy_core::json::looks_like_field_name;
use agent_policy_core::{Engine, Error, ErrorCode};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// How deep containers may nest: the depth the engine's JSON reader accepts for action text.
pub const MAX_DEPTH: usize = 128;

/// What is being converted, for error messages.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    /// An action passed to `evaluate`.
    Action,
    /// A value passed to `redact`.
    Value,
    /// A session state passed to `evaluate_in_session`.
    Session,
    /// The grants passed to `evaluate`.
    Grants,
    /// The bypass records passed to `evaluate`.
    Bypasses,
}

impl Subject {
    fn noun(self) -> &'static str {
        match self {
            Subject::Action => "the action",
            Subject::Value => "the value",
            Subject::Session => "the session state",
            Subject::Grants => "the grants",
            Subject::Bypasses => "the bypasses",
        }
    }
}

/// Why a value could not be converted, and where (path segments, innermost first).
struct Problem {
    code: ErrorCode,
    what: String,
    path: Vec<Segment>,
}

enum Segment {
    Key(String),
    Index(usize),
}

impl Problem {
    fn new(code: ErrorCode, what: impl Into<String>) -> Problem {
        Problem {
            code,
            what: what.into(),
            path: Vec::new(),
        }
    }

    fn at(mut self, segment: Segment) -> Problem {
        self.path.push(segment);
        self
    }

    fn into_error(self, subject: Subject, engine: &Engine) -> Error {
        let mut path = String::from("$");
        for segment in self.path.iter().rev() {
            match segment {
                Segment::Key(k) if may_quote(k, engine) => {
                    path.push('.');
                    path.push_str(k);
                }
                Segment::Key(_) => path.push_str("[<key>]"),
                Segment::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        let help = match self.code {
            ErrorCode::ActionBadType => {
                "pass JSON values only: dict with str keys, list, tuple, str, int, float, bool, None"
            }
            _ => "pass JSON values only: finite numbers, valid unicode, shallow nesting",
        };
        Error::new(
            self.code,
            format!("{} holds {} at {path}", subject.noun(), self.what),
        )
        .with_help(help)
    }
}

/// Whether a key may be shown in an error path: it looks like a field name to the engine and
/// none of the policy's secret detectors finds anything in it.
fn may_quote(key: &str, engine: &Engine) -> bool {
    looks_like_field_name(key)
        && engine
            .redact(&Value::String(key.to_owned()))
            .redactions
            .is_empty()
}

/// Converts a JSON-like Python object into a JSON value. `engine` only vets what an error
/// message may quote.
pub fn to_value(obj: &Bound<'_, PyAny>, subject: Subject, engine: &Engine) -> Result<Value, Error> {
    convert(obj, 0).map_err(|p| p.into_error(subject, engine))
}

fn text(s: &Bound<'_, PyString>) -> Result<String, Problem> {
    s.to_cow().map(|c| c.into_owned()).map_err(|_| {
        Problem::new(
            ErrorCode::ActionBadValue,
            "a string that is not valid unicode (an unpaired surrogate)",
        )
    })
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

fn convert(obj: &Bound<'_, PyAny>, depth: usize) -> Result<Value, Problem> {
    if let Ok(s) = obj.cast::<PyString>() {
        return text(s).map(Value::String);
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let depth = nested(depth)?;
        let mut map = Map::new();
        for (key, value) in dict.iter() {
            let Ok(key) = key.cast::<PyString>() else {
                return Err(Problem::new(
                    ErrorCode::ActionBadType,
                    format!("a {} key (JSON keys are str)", type_name(&key)),
                ));
            };
            let key = text(key)?;
            match convert(&value, depth) {
                Ok(v) => {
                    map.insert(key, v);
                }
                Err(p) => return Err(p.at(Segment::Key(key))),
            }
        }
        return Ok(Value::Object(map));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.cast::<PyInt>().is_ok() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        // Beyond 64 bits, as the engine reads such a number in JSON text: a float.
        return obj
            .extract::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| Problem::new(ErrorCode::ActionBadValue, "an integer out of range"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| Problem::new(ErrorCode::ActionBadValue, "a NaN or infinite float"));
    }
    if let Ok(list) = obj.cast::<PyList>() {
        let depth = nested(depth)?;
        return items(list.iter(), list.len(), depth);
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        let depth = nested(depth)?;
        return items(tuple.iter(), tuple.len(), depth);
    }
    Err(Problem::new(
        ErrorCode::ActionBadType,
        format!("a {} (no JSON equivalent)", type_name(obj)),
    ))
}

fn nested(depth: usize) -> Result<usize, Problem> {
    if depth >= MAX_DEPTH {
        return Err(Problem::new(
            ErrorCode::ActionBadValue,
            format!("containers nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    Ok(depth + 1)
}

fn items<'py>(
    iter: impl Iterator<Item = Bound<'py, PyAny>>,
    len: usize,
    depth: usize,
) -> Result<Value, Problem> {
    let mut out = Vec::with_capacity(len);
    for (i, item) in iter.enumerate() {
        out.push(convert(&item, depth).map_err(|p| p.at(Segment::Index(i)))?);
    }
    Ok(Value::Array(out))
}

/// Action text as given to `evaluate`: the engine reads it strictly.
pub fn action_text(text: &Bound<'_, PyString>) -> Result<String, Error> {
    text.to_cow().map(|c| c.into_owned()).map_err(|_| {
        Error::new(
            ErrorCode::ActionSyntax,
            "the action text is not valid unicode (an unpaired surrogate)",
        )
        .with_help("the action is one strict JSON object; escape such characters as \\uXXXX")
    })
}

static DATETIME: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The `now` argument as RFC 3339 text: a `str` as given (the engine checks it), an aware
/// `datetime` in ISO 8601, `None` as `None` (the caller uses the host clock). A naive
/// `datetime` is refused with `request.bad_timestamp`: its zone would be a guess.
pub fn now_text(now: Option<&Bound<'_, PyAny>>) -> PyResult<Result<Option<String>, Error>> {
    let Some(now) = now.filter(|n| !n.is_none()) else {
        return Ok(Ok(None));
    };
    if let Ok(s) = now.cast::<PyString>() {
        return Ok(s.to_cow().map(|c| Some(c.into_owned())).map_err(|_| {
            Error::new(ErrorCode::BadTimestamp, "'now' is not valid unicode")
                .with_help("write it like 2026-11-22T10:00:00Z")
        }));
    }
    let datetime = DATETIME.import(now.py(), "datetime", "datetime")?;
    if !now.is_instance(datetime)? {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "now must be str, datetime or None, not {}",
            type_name(now)
        )));
    }
    if now.call_method0("utcoffset")?.is_none() {
        return Ok(Err(Error::new(
            ErrorCode::BadTimestamp,
            "'now' is a naive datetime: it has no time zone",
        )
        .with_help("pass an aware datetime, e.g. datetime.now(timezone.utc)")));
    }
    let iso = now.call_method0("isoformat")?;
    Ok(Ok(Some(iso.cast::<PyString>()?.to_cow()?.into_owned())))
}
