//! The conversions of the JavaScript surface that need no JavaScript, so they are built and
//! tested natively too: the options a caller passes turned into core's policy sources and
//! requests, the action of a guarded tool call, core errors turned into the flat record a
//! `PolicyError` carries, and the text of the clock.
//!
//! Nothing here decides anything about a policy or an action: that is core's.

use agent_policy_core::session::SessionState;
use agent_policy_core::session::json::{bypasses_from_value, grants_from_value};
use agent_policy_core::{Decision, Engine, Error, PolicySource, Request, SourceFormat};
use serde::de::{self, DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The origin (the file name errors show) of policy text given without one.
pub const DEFAULT_ORIGIN: &str = "<inline>";

/// The options of `new Engine(policy, options)`. Unknown keys are refused: a misspelt
/// `overides` must not silently drop a policy file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineOptions {
    /// `"yaml"` (default) or `"json"`.
    #[serde(default)]
    pub format: Option<String>,
    /// The name errors show; default [`DEFAULT_ORIGIN`].
    #[serde(default)]
    pub origin: Option<String>,
    /// Override policies, merged into the root in this order.
    #[serde(default)]
    pub overrides: Option<Vec<OverrideOptions>>,
}

/// One override policy: `{policy, origin, format}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideOptions {
    /// The policy text.
    pub policy: String,
    /// The name errors show; default [`DEFAULT_ORIGIN`].
    #[serde(default)]
    pub origin: Option<String>,
    /// `"yaml"` (default) or `"json"`.
    #[serde(default)]
    pub format: Option<String>,
}

/// The options of `evaluate(action, options)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluateOptions {
    /// The time of the decision, RFC 3339; the caller's clock when absent.
    #[serde(default)]
    pub now: Option<String>,
    /// The action's sequence number in its session; 0 when absent.
    #[serde(default)]
    pub sequence: Option<u64>,
    /// The host's approval grants (read by the engine); none when absent.
    #[serde(default)]
    pub grants: Option<Value>,
    /// The host's bypass records (read by the engine); none when absent.
    #[serde(default)]
    pub bypasses: Option<Value>,
}

/// The options of `evaluateInSession(action, session, options)`: no `sequence`, the session
/// numbers its actions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionOptions {
    /// The time of the decision, RFC 3339; the caller's clock when absent.
    #[serde(default)]
    pub now: Option<String>,
    /// The host's approval grants; none when absent.
    #[serde(default)]
    pub grants: Option<Value>,
    /// The host's bypass records; none when absent.
    #[serde(default)]
    pub bypasses: Option<Value>,
}

/// The options of `guard(tool, handler, options)`: fixed parts of every guarded action.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardOptions {
    /// The action's `agent` (`{id, type, ...}`).
    #[serde(default)]
    pub agent: Option<Value>,
    /// The action's `context` (`{environment, ...}`).
    #[serde(default)]
    pub context: Option<Value>,
}

/// An options type read from the JSON text of the caller's options object.
pub trait Options: Sized {
    /// Reads the options from JSON text exactly as `serde_json::from_str` with the type's serde
    /// derive does (the same values, and errors with the same text and position), with one
    /// shared reader instead of a derive per type.
    fn from_json(text: &str) -> Result<Self, serde_json::Error>;
}

/// The type of an option's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `Option<String>`.
    Text,
    /// `Option<u64>`.
    Count,
    /// `Option<Value>`.
    Json,
    /// `Option<Vec<OverrideOptions>>`.
    Overrides,
    /// `String`, which may not be left out.
    Required,
}

/// An option's value as read.
#[derive(Debug)]
enum Read {
    Text(Option<String>),
    Count(Option<u64>),
    Json(Option<Value>),
    Overrides(Option<Vec<OverrideOptions>>),
    Required(String),
}

/// An options struct as its serde derive sees it: its name, its fields and their kinds.
#[derive(Debug)]
struct Shape {
    /// `struct EngineOptions`: what serde's messages say was expected.
    expecting: &'static str,
    /// `struct EngineOptions with 3 elements`: the same, for the list form.
    expecting_list: &'static str,
    fields: &'static [&'static str],
    kinds: &'static [Kind],
}

const ENGINE_OPTIONS: Shape = Shape {
    expecting: "struct EngineOptions",
    expecting_list: "struct EngineOptions with 3 elements",
    fields: &["format", "origin", "overrides"],
    kinds: &[Kind::Text, Kind::Text, Kind::Overrides],
};

const OVERRIDE_OPTIONS: Shape = Shape {
    expecting: "struct OverrideOptions",
    expecting_list: "struct OverrideOptions with 3 elements",
    fields: &["policy", "origin", "format"],
    kinds: &[Kind::Required, Kind::Text, Kind::Text],
};

const EVALUATE_OPTIONS: Shape = Shape {
    expecting: "struct EvaluateOptions",
    expecting_list: "struct EvaluateOptions with 4 elements",
    fields: &["now", "sequence", "grants", "bypasses"],
    kinds: &[Kind::Text, Kind::Count, Kind::Json, Kind::Json],
};

const SESSION_OPTIONS: Shape = Shape {
    expecting: "struct SessionOptions",
    expecting_list: "struct SessionOptions with 3 elements",
    fields: &["now", "grants", "bypasses"],
    kinds: &[Kind::Text, Kind::Json, Kind::Json],
};

const GUARD_OPTIONS: Shape = Shape {
    expecting: "struct GuardOptions",
    expecting_list: "struct GuardOptions with 2 elements",
    fields: &["agent", "context"],
    kinds: &[Kind::Json, Kind::Json],
};

/// Reads the struct a shape describes, making the calls its serde derive makes, in the same
/// order, so the deserializer fails at the same places with the same messages. Yields the
/// fields' values by index (`None`: left out).
#[derive(Debug, Clone, Copy)]
struct StructSeed(&'static Shape);

impl<'de> DeserializeSeed<'de> for StructSeed {
    type Value = Vec<Option<Read>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_struct(self.0.expecting, self.0.fields, self)
    }
}

impl<'de> Visitor<'de> for StructSeed {
    type Value = Vec<Option<Read>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.expecting)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut values = Vec::new();
        for (i, kind) in self.0.kinds.iter().enumerate() {
            let value = seq.next_element_seed(*kind)?;
            if value.is_none() && *kind == Kind::Required {
                return Err(A::Error::invalid_length(i, &self.0.expecting_list));
            }
            values.push(value);
        }
        Ok(values)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut values: Vec<Option<Read>> = self.0.kinds.iter().map(|_| None).collect();
        while let Some(i) = map.next_key_seed(FieldSeed(self.0))? {
            let (Some(slot), Some(kind), Some(name)) =
                (values.get_mut(i), self.0.kinds.get(i), self.0.fields.get(i))
            else {
                break;
            };
            if slot.is_some() {
                return Err(A::Error::duplicate_field(name));
            }
            *slot = Some(map.next_value_seed(*kind)?);
        }
        for ((value, kind), name) in values.iter().zip(self.0.kinds).zip(self.0.fields) {
            if value.is_none() && *kind == Kind::Required {
                return Err(A::Error::missing_field(name));
            }
        }
        Ok(values)
    }
}

/// A field name of a shape, read as its derive reads it: its index, or the unknown-field
/// error (every options type refuses unknown keys).
#[derive(Debug, Clone, Copy)]
struct FieldSeed(&'static Shape);

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<usize, E> {
        self.0
            .fields
            .iter()
            .position(|f| *f == name)
            .ok_or_else(|| E::unknown_field(name, self.0.fields))
    }
}

impl<'de> DeserializeSeed<'de> for Kind {
    type Value = Read;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Read, D::Error> {
        Ok(match self {
            Kind::Text => Read::Text(Option::deserialize(deserializer)?),
            Kind::Count => Read::Count(Option::deserialize(deserializer)?),
            Kind::Json => Read::Json(Option::deserialize(deserializer)?),
            Kind::Required => Read::Required(String::deserialize(deserializer)?),
            Kind::Overrides => Read::Overrides(deserializer.deserialize_option(OverridesVisitor)?),
        })
    }
}

/// `Option<Vec<OverrideOptions>>` as serde reads it: `null`, or a list of override objects.
/// One visitor for both the option and the list in it: JSON never refuses an option's type,
/// so the only type error is the list's, and serde calls a list "a sequence".
#[derive(Debug, Clone, Copy)]
struct OverridesVisitor;

impl<'de> Visitor<'de> for OverridesVisitor {
    type Value = Option<Vec<OverrideOptions>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut overrides = Vec::new();
        while let Some(values) = seq.next_element_seed(StructSeed(&OVERRIDE_OPTIONS))? {
            let mut values = values.into_iter();
            overrides.push(OverrideOptions {
                policy: match values.next() {
                    Some(Some(Read::Required(policy))) => policy,
                    _ => String::new(),
                },
                origin: text(values.next()),
                format: text(values.next()),
            });
        }
        Ok(Some(overrides))
    }
}

/// A `Text` option's value (`None` when left out).
fn text(value: Option<Option<Read>>) -> Option<String> {
    match value {
        Some(Some(Read::Text(text))) => text,
        _ => None,
    }
}

/// A `Count` option's value.
fn count(value: Option<Option<Read>>) -> Option<u64> {
    match value {
        Some(Some(Read::Count(count))) => count,
        _ => None,
    }
}

/// A `Json` option's value.
fn json(value: Option<Option<Read>>) -> Option<Value> {
    match value {
        Some(Some(Read::Json(json))) => json,
        _ => None,
    }
}

/// The fields of `shape` read from the whole of `text`, as `serde_json::from_str` reads.
fn read_shape(
    text: &str,
    shape: &'static Shape,
) -> Result<std::vec::IntoIter<Option<Read>>, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let values = StructSeed(shape).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(values.into_iter())
}

impl Options for EngineOptions {
    fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let mut v = read_shape(text, &ENGINE_OPTIONS)?;
        Ok(EngineOptions {
            format: self::text(v.next()),
            origin: self::text(v.next()),
            overrides: match v.next() {
                Some(Some(Read::Overrides(overrides))) => overrides,
                _ => None,
            },
        })
    }
}

impl Options for EvaluateOptions {
    fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let mut v = read_shape(text, &EVALUATE_OPTIONS)?;
        Ok(EvaluateOptions {
            now: self::text(v.next()),
            sequence: count(v.next()),
            grants: json(v.next()),
            bypasses: json(v.next()),
        })
    }
}

impl Options for SessionOptions {
    fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let mut v = read_shape(text, &SESSION_OPTIONS)?;
        Ok(SessionOptions {
            now: self::text(v.next()),
            grants: json(v.next()),
            bypasses: json(v.next()),
        })
    }
}

impl Options for GuardOptions {
    fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let mut v = read_shape(text, &GUARD_OPTIONS)?;
        Ok(GuardOptions {
            agent: json(v.next()),
            context: json(v.next()),
        })
    }
}

/// A caller's option that cannot be converted (not an engine error: the engine never saw it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError(pub String);

impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OptionError {}

/// The core format named by a `format` option.
pub fn source_format(name: Option<&str>) -> Result<SourceFormat, OptionError> {
    match name {
        None | Some("yaml") => Ok(SourceFormat::Yaml),
        Some("json") => Ok(SourceFormat::Json),
        Some(other) => Err(OptionError(format!(
            "format must be \"yaml\" or \"json\", not \"{other}\""
        ))),
    }
}

/// Compiles `policy` with the overrides of `options`: the outer error is a bad option, the
/// inner one the engine's answer.
pub fn engine_from(
    policy: &str,
    options: &EngineOptions,
) -> Result<Result<Engine, Error>, OptionError> {
    let overrides = options.overrides.as_deref().unwrap_or_default();
    let formats = overrides
        .iter()
        .map(|o| source_format(o.format.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    let root = PolicySource::new(
        policy,
        options.origin.as_deref().unwrap_or(DEFAULT_ORIGIN),
        source_format(options.format.as_deref())?,
    );
    let sources: Vec<PolicySource<'_>> = overrides
        .iter()
        .zip(formats)
        .map(|(o, format)| {
            PolicySource::new(
                &o.policy,
                o.origin.as_deref().unwrap_or(DEFAULT_ORIGIN),
                format,
            )
        })
        .collect();
    Ok(Engine::from_sources(root, &sources))
}

/// Evaluates action JSON text: read by the engine's strict reader (a key written twice is
/// refused, positions are reported in the text), then evaluated at `now` and `sequence`.
pub fn evaluate_text(
    engine: &Engine,
    action: &str,
    now: &str,
    sequence: u64,
) -> Result<Decision, Error> {
    engine.evaluate_json_in_session(action, now, sequence)
}

/// Evaluates action JSON text with the host's grants and bypass records and, when `session`
/// is given (a state a previous call returned; `null` or `{}` for a new session), in that
/// session. The grants, records and state are read by the engine before the action, so a
/// malformed one is the engine's error. Returns the decision and the state after it.
pub fn evaluate_with(
    engine: &Engine,
    action: &str,
    now: &str,
    sequence: u64,
    grants: Option<&Value>,
    bypasses: Option<&Value>,
    session: Option<&Value>,
) -> Result<(Decision, Option<SessionState>), Error> {
    let grants = grants_from_value(grants.unwrap_or(&Value::Null))?;
    let bypasses = bypasses_from_value(bypasses.unwrap_or(&Value::Null))?;
    let mut session = session.map(SessionState::from_value).transpose()?;
    let action =
        agent_policy_core::json::parse_strict(action, agent_policy_core::action::ACTION_ORIGIN, 1)?;
    let mut request = Request::new(&action, now);
    request.sequence = sequence;
    request.grants = &grants;
    request.bypasses = &bypasses;
    let decision = match session.as_mut() {
        Some(state) => engine.evaluate_in_session(&request, state)?,
        None => engine.evaluate(&request)?,
    };
    Ok((decision, session))
}

/// The action of a guarded tool call: `{"tool", "args", "agent", "context"}`, each part
/// present only when given.
pub fn tool_action(
    tool: &str,
    args: Option<Value>,
    agent: Option<&Value>,
    context: Option<&Value>,
) -> Value {
    let mut action = Map::new();
    action.insert("tool".to_owned(), Value::String(tool.to_owned()));
    let parts = [
        ("args", args),
        ("agent", agent.cloned()),
        ("context", context.cloned()),
    ];
    for (key, part) in parts {
        if let Some(part) = part {
            action.insert(key.to_owned(), part);
        }
    }
    Value::Object(action)
}

/// The arguments a guarded tool is called with: the `args` of the decision's redacted action,
/// so a secret in the arguments never reaches the tool. `None` when the call had none.
pub fn redacted_args(decision: &Decision) -> Option<Value> {
    match decision.redacted_action.to_value() {
        Value::Object(mut action) => action.remove("args"),
        _ => None,
    }
}

/// What a `PolicyError` carries: core's error flattened, with `null` for absent parts, and
/// `json`, core's own [`Error::to_json`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorFields {
    /// The stable machine code (`policy.unknown_key`).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The policy source the error is in.
    pub file: Option<String>,
    /// 1-based line in `file`.
    pub line: Option<u32>,
    /// 1-based column in `file`.
    pub column: Option<u32>,
    /// Further errors of the same load, in the same shape.
    pub related: Vec<ErrorFields>,
    /// `{"error": {...}}`: the error JSON every surface reports.
    pub json: String,
}

impl From<&Error> for ErrorFields {
    fn from(e: &Error) -> ErrorFields {
        ErrorFields {
            code: e.code.as_str(),
            message: e.message.clone(),
            help: e.help.clone(),
            file: e.location.as_ref().map(|l| l.file.clone()),
            line: e.location.as_ref().map(|l| l.line),
            column: e.location.as_ref().map(|l| l.column),
            related: e.related.iter().map(ErrorFields::from).collect(),
            json: e.to_json(),
        }
    }
}

/// A clock reading as RFC 3339 UTC with whole seconds (`2026-11-22T10:00:00Z`), the form the
/// native host's clock writes. `month` is 1-based.
pub fn utc_seconds(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> String {
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    const NOW: &str = "2026-11-22T10:00:00Z";

    fn options(json: &str) -> EngineOptions {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn policy_errors_keep_their_location_help_and_json() {
        let policy = "version: 1\ndefault: denny\n";
        let err = engine_from(policy, &EngineOptions::default())
            .unwrap()
            .unwrap_err();
        let fields = ErrorFields::from(&err);
        assert_eq!(fields.code, err.code.as_str());
        assert_eq!(fields.file.as_deref(), Some(DEFAULT_ORIGIN));
        assert_eq!(fields.line, Some(2));
        assert!(
            fields.help.as_deref().unwrap().contains("deny"),
            "{fields:?}"
        );
        assert_eq!(fields.json, err.to_json());
    }

    #[test]
    fn origin_format_and_overrides_reach_the_engine() {
        let opts = options(
            r#"{"format": "json", "origin": "root.json",
                "overrides": [{"policy": "version: 1\nrules: 3\n", "origin": "sub/o.yml"}]}"#,
        );
        let err = engine_from(r#"{"version": "1", "default": "allow"}"#, &opts)
            .unwrap()
            .unwrap_err();
        let fields = ErrorFields::from(&err);
        assert_eq!(fields.file.as_deref(), Some("sub/o.yml"), "{fields:?}");
        // The same root given as YAML text with the JSON format is refused by the JSON reader.
        let yaml_as_json = engine_from("version: 1\n", &opts).unwrap().unwrap_err();
        assert_eq!(
            ErrorFields::from(&yaml_as_json).file.as_deref(),
            Some("root.json")
        );
    }

    #[test]
    fn unknown_options_and_formats_are_refused() {
        assert!(serde_json::from_str::<EngineOptions>(r#"{"overides": []}"#).is_err());
        assert!(serde_json::from_str::<EvaluateOptions>(r#"{"nwo": "x"}"#).is_err());
        assert!(serde_json::from_str::<EvaluateOptions>(r#"{"sequence": -1}"#).is_err());
        let err = engine_from("version: 1\n", &options(r#"{"format": "toml"}"#)).unwrap_err();
        assert!(err.0.contains("toml"), "{err}");
    }

    #[test]
    fn action_text_is_read_strictly_and_sequence_changes_the_decision_id() {
        let engine = Engine::defaults();
        let dup = r#"{"tool": "Bash", "args": {"command": "ls", "command": "rm -rf /"}}"#;
        let err = evaluate_text(&engine, dup, NOW, 0).unwrap_err();
        assert_eq!(err.code.as_str(), "action.syntax");
        let read = r#"{"tool": "Read", "args": {"file_path": ".env"}}"#;
        let first = evaluate_text(&engine, read, NOW, 0).unwrap();
        assert_eq!(
            first.to_json(),
            engine.evaluate_json(read, NOW).unwrap().to_json()
        );
        assert!(first.decision.blocks());
        let later = evaluate_text(&engine, read, NOW, 7).unwrap();
        assert_ne!(first.decision_id, later.decision_id);
    }

    #[test]
    fn sessions_grants_and_bypasses_reach_the_engine() {
        let engine = Engine::from_source(PolicySource::new(
            "version: '1'\ndefault: allow\nbudget: {max_tool_calls: 1}\n\
             permissions: {filesystem: {deny: ['locked/**']}}\n",
            DEFAULT_ORIGIN,
            SourceFormat::Yaml,
        ))
        .unwrap();
        let read = r#"{"tool": "Read", "args": {"file_path": "a"}}"#;
        let (first, state) =
            evaluate_with(&engine, read, NOW, 0, None, None, Some(&Value::Null)).unwrap();
        assert!(!first.decision.blocks());
        let state = serde_json::to_value(state.unwrap()).unwrap();
        let (second, _) = evaluate_with(&engine, read, NOW, 0, None, None, Some(&state)).unwrap();
        assert_eq!(second.decision.as_str(), "terminate");
        let bad = serde_json::json!({"version": 1, "action": 1});
        let err = evaluate_with(&engine, read, NOW, 0, None, None, Some(&bad)).unwrap_err();
        assert_eq!(err.code.as_str(), "action.bad_value");

        let edit = r#"{"tool": "Write", "args": {"file_path": "locked/a", "content": "x"}}"#;
        let record = serde_json::json!([{"id": "byp_1", "reason": "r", "approver": "a",
            "allow": ["locked/**"], "expires_at": "2026-11-22T11:00:00Z"}]);
        let (lifted, none) =
            evaluate_with(&engine, edit, NOW, 0, None, Some(&record), None).unwrap();
        assert_eq!(lifted.bypass_id.as_deref(), Some("byp_1"));
        assert!(none.is_none());
        let grant = serde_json::json!([{"fingerprint": "apr_1"}]);
        let err = evaluate_with(&engine, edit, NOW, 0, Some(&grant), None, None).unwrap_err();
        assert!(err.message.contains("approval grant 0"), "{}", err.message);
    }

    #[test]
    fn guarded_calls_are_tool_actions_and_proceed_with_redacted_args() {
        let agent = serde_json::json!({"id": "a1", "type": "coder"});
        // AWS's documentation example key, assembled so no scanner flags the source.
        let secret = concat!("AK", "IAIOSFODNN7EXAMPLE");
        let args =
            serde_json::json!({"file_path": "notes.txt", "content": format!("key {secret}")});
        let action = tool_action("Write", Some(args), Some(&agent), None);
        assert_eq!(action["tool"], "Write");
        assert_eq!(action["agent"], agent);
        assert!(action.get("context").is_none());
        let decision = Engine::defaults()
            .evaluate(&Request::new(&action, NOW))
            .unwrap();
        let args = redacted_args(&decision).unwrap();
        assert_eq!(args["file_path"], "notes.txt");
        assert!(!args.to_string().contains(secret), "{args}");
        let bare = tool_action("list-tickets", None, None, None);
        let decision = Engine::defaults()
            .evaluate(&Request::new(&bare, NOW))
            .unwrap();
        assert_eq!(redacted_args(&decision), None);
    }

    #[test]
    fn the_clock_text_is_what_the_engine_reads_back_unchanged() {
        let now = utc_seconds(2026, 3, 7, 9, 5, 1);
        assert_eq!(now, "2026-03-07T09:05:01Z");
        let d = evaluate_text(&Engine::defaults(), r#"{"tool": "list-tickets"}"#, &now, 0).unwrap();
        assert_eq!(d.timestamp, now);
    }

    /// JSON texts of every type, valid for some options and wrong for others.
    const SAMPLES: &[&str] = &[
        "null",
        "true",
        "7",
        "-1",
        "1.5",
        "1e21",
        "18446744073709551616",
        "\"yaml\"",
        "\"\"",
        "[]",
        "{}",
        "[\"a\"]",
        "{\"k\": 1}",
        "[{\"policy\": \"p\"}]",
        "[{}]",
        "[{\"policy\": 1}]",
        "[{\"policy\": \"p\", \"x\": 1}]",
        "[[\"p\", \"o\", \"json\"]]",
        "[[\"p\", null, null, 4]]",
        "[[]]",
        "[null]",
        "{\"policy\": \"p\"}",
    ];

    /// Texts for an options type with `fields`: every sample alone, each field set to each
    /// sample, unknown, repeated and misspelt keys, lists of every length, and broken text.
    fn texts(fields: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = SAMPLES.iter().map(|s| (*s).to_owned()).collect();
        for name in fields {
            for sample in SAMPLES {
                out.push(format!("{{\"{name}\": {sample}}}"));
                out.push(format!("{{\"{name}\": {sample}, \"zzz\": 1}}"));
                out.push(format!("[{}]", [*sample; 5].join(", ")));
            }
            out.push(format!("{{\"{name}\": null, \"{name}\": null}}"));
            out.push(format!("{{\"{name}\": null,}}"));
            out.push(format!("{{\"{name}\": null}} x"));
            out.push(format!("{{\"{name}\" null}}"));
            out.push(format!("{{\"{name}\": nul}}"));
        }
        for n in 0..=fields.len() + 1 {
            out.push(format!("[{}]", vec!["null"; n].join(",")));
        }
        out.extend(
            [
                "",
                " ",
                "{",
                "[",
                "{\"a\":",
                "{} {}",
                "[1,]",
                "{\"\\u0061\": 1}",
            ]
            .map(str::to_owned),
        );
        out
    }

    /// The shared reader gives what the serde derive gives: the same options, or the same
    /// message at the same position.
    fn same_as_derive<T>(fields: &[&str])
    where
        T: Options + de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        for text in texts(fields) {
            let derived = serde_json::from_str::<T>(&text).map_err(|e| e.to_string());
            let hand = T::from_json(&text).map_err(|e| e.to_string());
            assert_eq!(hand, derived, "{text}");
        }
    }

    #[test]
    fn the_options_reader_matches_the_derives() {
        same_as_derive::<EngineOptions>(&["format", "origin", "overrides"]);
        same_as_derive::<EvaluateOptions>(&["now", "sequence", "grants", "bypasses"]);
        same_as_derive::<SessionOptions>(&["now", "grants", "bypasses"]);
        same_as_derive::<GuardOptions>(&["agent", "context"]);
    }
}
