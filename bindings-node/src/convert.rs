//! JavaScript arguments to the engine's Rust arguments, and nothing else.
//!
//! Each argument is checked for its JavaScript type before it is read, so that a value of the
//! wrong type becomes an engine [`Error`] with a stable code, and its message names the argument
//! and the type given, never the value (a value may hold a secret; the conversion errors of the
//! Node API layer quote values, so they are never shown).

use agent_policy_core::{Error, ErrorCode, SourceFormat};
use napi::bindgen_prelude::{Array, FromNapiValue, JsObjectValue, Object, Unknown, Utf16String};
use napi::{JsValue, ValueType};

/// Where the origin defaults to when the caller names none.
pub const INLINE_ORIGIN: &str = "<inline>";

/// The largest whole number a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JSON value as the caller gave it: JSON text, or a value converted from JavaScript.
#[derive(Debug)]
pub enum JsonInput {
    /// JSON text, parsed strictly by the engine (a key written twice is refused).
    Text(String),
    /// A JavaScript value converted to JSON.
    Value(serde_json::Value),
}

/// One policy source: text, origin and syntax.
#[derive(Debug)]
pub struct SourceArg {
    /// The policy text.
    pub text: String,
    /// The name errors show.
    pub origin: String,
    /// The syntax.
    pub format: SourceFormat,
}

/// The constructor's arguments: the root source and its overrides, in order.
#[derive(Debug)]
pub struct EngineArgs {
    /// The root policy.
    pub root: SourceArg,
    /// The overrides merged into it, in order.
    pub overrides: Vec<SourceArg>,
}

/// An evaluation's arguments.
#[derive(Debug)]
pub struct EvaluateArgs {
    /// The action.
    pub action: JsonInput,
    /// The time of the decision, or `None` for the host clock.
    pub now: Option<String>,
    /// The action's sequence number in its session.
    pub sequence: u64,
    /// The host's approval grants as given (`null`: none), read by the engine.
    pub grants: serde_json::Value,
    /// The host's bypass records as given (`null`: none), read by the engine.
    pub bypasses: serde_json::Value,
    /// The session state as given (`null` or `{}`: a new session), read by the engine; `None`
    /// outside sessions.
    pub session: Option<serde_json::Value>,
}

/// A failure of the Node API itself (not of the input): reported as the `internal` error.
pub fn node_failure(error: &napi::Error) -> Error {
    Error::new(
        ErrorCode::Internal,
        format!("internal error: a node api call failed ({})", error.status),
    )
    .with_help("this is a bug in agent-policy; please report it with the input")
}

/// How a JavaScript type is named in messages.
fn type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::Undefined => "undefined",
        ValueType::Null => "null",
        ValueType::Boolean => "a boolean",
        ValueType::Number => "a number",
        ValueType::String => "a string",
        ValueType::Symbol => "a symbol",
        ValueType::Object => "an object",
        ValueType::Function => "a function",
        ValueType::External => "an external value",
        _ => "a value of another type",
    }
}

fn type_of(value: &Unknown<'_>) -> Result<ValueType, Error> {
    value.get_type().map_err(|e| node_failure(&e))
}

fn read<T: FromNapiValue>(value: Unknown<'_>) -> Result<T, Error> {
    T::from_unknown(value).map_err(|e| node_failure(&e))
}

/// A string's text. V8 holds a string as Latin-1 or UTF-16, and its UTF-8 encoder measures the
/// text in a pass of its own before writing it; copying the UTF-16 code units out and encoding
/// them here is cheaper, most of all for ASCII, which JSON text nearly always is. A lone
/// surrogate becomes U+FFFD, as in V8's encoder.
fn text(value: Unknown<'_>) -> Result<String, Error> {
    let units: Utf16String = read(value)?;
    // All the units or'ed together, rather than `all`, whose early exit keeps the compiler from
    // checking many units at once.
    if units.iter().fold(0, |seen, &unit| seen | unit) < 0x80 {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "every unit is below 0x80, so it fits a byte"
        )]
        let bytes: Vec<u8> = units.iter().map(|&unit| unit as u8).collect();
        String::from_utf8(bytes).map_err(|_| {
            node_failure(&napi::Error::new(
                napi::Status::StringExpected,
                "a string read as ASCII is not UTF-8",
            ))
        })
    } else {
        Ok(String::from_utf16_lossy(&units))
    }
}

/// A string, or `None` when `value` is absent, `undefined` or `null`; anything else is an
/// error with `code` saying `what` must be a string.
fn optional_string(
    value: Option<Unknown<'_>>,
    code: ErrorCode,
    what: &str,
) -> Result<Option<String>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    match type_of(&value)? {
        ValueType::Undefined | ValueType::Null => Ok(None),
        ValueType::String => text(value).map(Some),
        other => Err(Error::new(
            code,
            format!("{what} must be a string, not {}", type_name(other)),
        )),
    }
}

/// A required string.
fn string(value: Unknown<'_>, code: ErrorCode, what: &str, help: &str) -> Result<String, Error> {
    optional_string(Some(value), code, what)?
        .ok_or_else(|| Error::new(code, format!("{what} is missing")).with_help(help.to_owned()))
}

/// A property of an options object (absent properties read as `undefined`).
fn property<'env>(object: &Object<'env>, name: &str) -> Result<Unknown<'env>, Error> {
    object
        .get_named_property_unchecked::<Unknown<'env>>(name)
        .map_err(|e| node_failure(&e))
}

/// An options object, or `None` when absent, `undefined` or `null`.
fn optional_object<'env>(
    value: Option<Unknown<'env>>,
    code: ErrorCode,
    what: &str,
) -> Result<Option<Object<'env>>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    match type_of(&value)? {
        ValueType::Undefined | ValueType::Null => Ok(None),
        ValueType::Object => read(value).map(Some),
        other => Err(Error::new(
            code,
            format!("{what} must be an object, not {}", type_name(other)),
        )),
    }
}

/// `"yaml"` (the default) or `"json"`.
fn format(value: Unknown<'_>, what: &str) -> Result<SourceFormat, Error> {
    match optional_string(Some(value), ErrorCode::PolicyBadType, what)?.as_deref() {
        None | Some("yaml") => Ok(SourceFormat::Yaml),
        Some("json") => Ok(SourceFormat::Json),
        Some(other) => Err(Error::new(
            ErrorCode::PolicyBadValue,
            format!("unknown policy format '{other}' in {what}"),
        )
        .with_help("use \"yaml\" or \"json\"")),
    }
}

/// The origin an option gives, or `<inline>`.
fn origin(value: Unknown<'_>, what: &str) -> Result<String, Error> {
    Ok(
        optional_string(Some(value), ErrorCode::PolicyBadType, what)?
            .unwrap_or_else(|| INLINE_ORIGIN.to_owned()),
    )
}

/// `new Engine(text, {format, origin, overrides: [{policy, origin, format}]})`.
pub fn engine_args(text: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<EngineArgs, Error> {
    let text = string(
        text,
        ErrorCode::PolicyBadType,
        "the policy text",
        "pass the policy's YAML or JSON text",
    )?;
    let Some(options) = optional_object(options, ErrorCode::PolicyBadType, "the options")? else {
        return Ok(EngineArgs {
            root: SourceArg {
                text,
                origin: INLINE_ORIGIN.to_owned(),
                format: SourceFormat::Yaml,
            },
            overrides: Vec::new(),
        });
    };
    let root = SourceArg {
        text,
        origin: origin(property(&options, "origin")?, "option 'origin'")?,
        format: format(property(&options, "format")?, "option 'format'")?,
    };
    let overrides = overrides(property(&options, "overrides")?)?;
    Ok(EngineArgs { root, overrides })
}

fn overrides(value: Unknown<'_>) -> Result<Vec<SourceArg>, Error> {
    let bad_type = |t: ValueType| {
        Error::new(
            ErrorCode::PolicyBadType,
            format!(
                "option 'overrides' must be a list of {{policy, origin, format}} objects, not {}",
                type_name(t)
            ),
        )
    };
    match type_of(&value)? {
        ValueType::Undefined | ValueType::Null => return Ok(Vec::new()),
        ValueType::Object => {}
        other => return Err(bad_type(other)),
    }
    if !value.is_array().map_err(|e| node_failure(&e))? {
        return Err(bad_type(ValueType::Object));
    }
    let list: Array<'_> = read(value)?;
    let mut out = Vec::with_capacity(list.len() as usize);
    for i in 0..list.len() {
        let what = format!("overrides[{i}]");
        let item = list
            .get::<Unknown<'_>>(i)
            .map_err(|e| node_failure(&e))?
            .ok_or_else(|| Error::new(ErrorCode::PolicyMissingKey, format!("{what} is missing")))?;
        let Some(item) = optional_object(Some(item), ErrorCode::PolicyBadType, &what)? else {
            return Err(Error::new(
                ErrorCode::PolicyBadType,
                format!("{what} must be an object, not null"),
            ));
        };
        out.push(SourceArg {
            text: string(
                property(&item, "policy")?,
                ErrorCode::PolicyMissingKey,
                &format!("{what}.policy"),
                "give each override its policy text: {policy, origin, format}",
            )?,
            origin: origin(property(&item, "origin")?, &format!("{what}.origin"))?,
            format: format(property(&item, "format")?, &format!("{what}.format"))?,
        });
    }
    Ok(out)
}

/// A policy file path.
pub fn path(value: Unknown<'_>) -> Result<String, Error> {
    string(
        value,
        ErrorCode::PolicyBadType,
        "the policy path",
        "pass the path of the policy file",
    )
}

/// A JSON value: a string is JSON text; any other value is converted (objects, arrays,
/// numbers, booleans, null). `what` names it in messages (`the action`).
pub fn json_input(value: Unknown<'_>, what: &str) -> Result<JsonInput, Error> {
    match type_of(&value)? {
        ValueType::String => text(value).map(JsonInput::Text),
        ValueType::Undefined => Err(missing_json(what)),
        _ => serde_json::Value::from_unknown(value)
            .map(JsonInput::Value)
            .map_err(|_| {
                Error::new(
                    ErrorCode::ActionSyntax,
                    format!("{what} cannot be converted to JSON"),
                )
                .with_help(
                    "pass plain data: objects, arrays, strings, finite numbers, booleans and null \
                     (no functions, symbols, undefined values, BigInts or cycles)",
                )
            }),
    }
}

/// The error for a required JSON value that is `undefined` or left out.
fn missing_json(what: &str) -> Error {
    Error::new(ErrorCode::ActionSyntax, format!("{what} is missing"))
        .with_help("pass an object, or its JSON text")
}

/// The arguments of `evaluate`: the action (required), `now` (a string, or absent for the
/// clock), `sequence` (a whole number, 0 when absent), and the grants and bypass records (JSON
/// text or values; absent: none).
pub fn evaluate_args(
    action: Option<Unknown<'_>>,
    now: Option<Unknown<'_>>,
    sequence: Option<Unknown<'_>>,
    grants: Option<Unknown<'_>>,
    bypasses: Option<Unknown<'_>>,
) -> Result<EvaluateArgs, Error> {
    let action = match action {
        Some(action) => json_input(action, "the action")?,
        None => return Err(missing_json("the action")),
    };
    let now = optional_string(now, ErrorCode::BadTimestamp, "option 'now'")?;
    Ok(EvaluateArgs {
        action,
        now,
        sequence: sequence_arg(sequence)?,
        grants: optional_json(grants, "option 'grants'")?,
        bypasses: optional_json(bypasses, "option 'bypasses'")?,
        session: None,
    })
}

/// The arguments of `evaluateInSession`: [`evaluate_args`] without a sequence, with the
/// session state (JSON text or a value; absent or null: a new session).
pub fn session_args(
    action: Unknown<'_>,
    session: Option<Unknown<'_>>,
    now: Option<Unknown<'_>>,
    grants: Option<Unknown<'_>>,
    bypasses: Option<Unknown<'_>>,
) -> Result<EvaluateArgs, Error> {
    let mut args = evaluate_args(Some(action), now, None, grants, bypasses)?;
    args.session = Some(optional_json(session, "the session state")?);
    Ok(args)
}

/// An optional JSON input as a value: absent, `undefined` and `null` are `null`; text is read
/// as JSON.
fn optional_json(value: Option<Unknown<'_>>, what: &str) -> Result<serde_json::Value, Error> {
    let Some(value) = value else {
        return Ok(serde_json::Value::Null);
    };
    if matches!(type_of(&value)?, ValueType::Undefined | ValueType::Null) {
        return Ok(serde_json::Value::Null);
    }
    match json_input(value, what)? {
        JsonInput::Value(v) => Ok(v),
        JsonInput::Text(text) => serde_json::from_str(&text)
            .map_err(|e| Error::new(ErrorCode::ActionSyntax, format!("{what} is not JSON: {e}"))),
    }
}

fn sequence_arg(value: Option<Unknown<'_>>) -> Result<u64, Error> {
    let bad = || {
        Error::new(
            ErrorCode::ActionBadValue,
            "option 'sequence' must be a whole number from 0 to 9007199254740991",
        )
        .with_help("pass the action's position in its session, or leave it out for 0")
    };
    let Some(value) = value else {
        return Ok(0);
    };
    match type_of(&value)? {
        ValueType::Undefined | ValueType::Null => Ok(0),
        ValueType::Number => {
            let n: f64 = read(value)?;
            if n.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER).contains(&n) {
                // Checked above: a whole number within u64, so the cast is exact.
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "n is a whole number in 0..=2^53-1"
                )]
                Ok(n as u64)
            } else {
                Err(bad())
            }
        }
        _ => Err(bad()),
    }
}

/// An outcome's spelling (`deny`), or `None` when `value` is not a string.
pub fn outcome_text(value: Unknown<'_>) -> Result<Option<String>, Error> {
    match type_of(&value)? {
        ValueType::String => read(value).map(Some),
        _ => Ok(None),
    }
}
