//! The action an agent wants to take (SPEC §3), parsed strictly: an unknown field is an error,
//! so a typo can never silently weaken a check. Error messages name fields, never the values an
//! action carries (they may hold keys).

use std::collections::BTreeMap;

use compact_str::CompactString;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::effects::EffectKind;
use crate::error::{Error, ErrorCode, did_you_mean};
use crate::tier::Tier;

/// An action as the agent framework sends it. Its raw JSON parts (`args`, `payload`) are
/// borrowed from the JSON value it was read from, so reading an action copies no payload.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Action<'a> {
    /// `id`: derived deterministically when absent.
    pub id: Option<String>,
    /// `kind`: what the action is; when absent it follows from `tool`.
    pub kind: Option<EffectKind>,
    /// `tool`: the tool name as the framework calls it.
    pub tool: Option<CompactString>,
    /// `args`: the raw tool arguments.
    pub args: Option<&'a Value>,
    /// `command`: a shell command line.
    pub command: Option<String>,
    /// `path`: one file path.
    pub path: Option<String>,
    /// `paths`: several file paths.
    pub paths: Vec<String>,
    /// `url`.
    pub url: Option<String>,
    /// `host`.
    pub host: Option<String>,
    /// `method`.
    pub method: Option<String>,
    /// `payload`: data written or sent.
    pub payload: Option<&'a Value>,
    /// `agent`.
    pub agent: AgentInfo,
    /// `context`.
    pub context: Context,
    /// `approval`.
    pub approval: Option<Approval>,
}

/// `agent`: who acts.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AgentInfo {
    /// `id`.
    #[serde(default)]
    pub id: Option<String>,
    /// `type`: the agent type, keys into the policy's `agents`.
    #[serde(default, rename = "type")]
    pub agent_type: Option<CompactString>,
    /// `session`.
    #[serde(default)]
    pub session: Option<String>,
    /// `owner`.
    #[serde(default)]
    pub owner: Option<String>,
    /// `team`.
    #[serde(default)]
    pub team: Option<String>,
    /// `tier`: the tier the agent claims; it can only lower the policy's tier, never raise it.
    #[serde(default)]
    pub tier: Option<Tier>,
}

/// `context`: where and on what the agent acts.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Context {
    /// `environment` (`production`, `staging`, ...).
    #[serde(default)]
    pub environment: Option<String>,
    /// `data_classification` (`public`, `internal`, `confidential`, ...).
    #[serde(default)]
    pub data_classification: Option<String>,
    /// `cwd`: the directory relative paths are taken from (default: the workspace).
    #[serde(default)]
    pub cwd: Option<String>,
    /// `workspace`: the project root; paths are reported relative to it.
    #[serde(default)]
    pub workspace: Option<String>,
    /// `branch`.
    #[serde(default)]
    pub branch: Option<String>,
    /// `risk_signals`.
    #[serde(default)]
    pub risk_signals: Vec<String>,
    /// `permissions`: what the caller already holds.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// `env`: environment variables visible to the command.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// `approval`: approvals presented with the action.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Approval {
    /// `grants`: approval grants (checked by the session layer).
    #[serde(default)]
    pub grants: Vec<Value>,
}

/// The top-level field names, for `did you mean` help.
pub const ACTION_FIELDS: &[&str] = &[
    "id", "kind", "tool", "args", "command", "path", "paths", "url", "host", "method", "payload",
    "agent", "context", "approval",
];
/// The `agent` field names.
pub const AGENT_FIELDS: &[&str] = &["id", "type", "session", "owner", "team", "tier"];
/// The `context` field names.
pub const CONTEXT_FIELDS: &[&str] = &[
    "environment",
    "data_classification",
    "cwd",
    "workspace",
    "branch",
    "risk_signals",
    "permissions",
    "env",
];

/// The location file name of errors about an action.
pub const ACTION_ORIGIN: &str = "<action>";

/// The `approval` field names.
const APPROVAL_FIELDS: &[&str] = &["grants"];

impl<'a> Action<'a> {
    /// Parses an action from a JSON value, strictly: unknown fields, wrong types, an unknown
    /// `kind` or `agent.tier`, and an action with neither `kind` nor `tool` are errors. Every
    /// problem found is reported (the first, with the rest as `related`).
    pub fn from_value(value: &'a Value) -> Result<Action<'a>, Error> {
        let Value::Object(map) = value else {
            return Err(Error::new(
                ErrorCode::ActionBadType,
                format!("the action must be a JSON object, not {}", type_name(value)),
            )
            .with_help("pass one JSON object, such as {\"tool\": \"Bash\", \"args\": {\"command\": \"ls\"}}"));
        };
        let mut errs = Vec::new();
        let action = read_action(map, &mut errs);
        if action.kind.is_none()
            && action.tool.is_none()
            && !errs.iter().any(|e: &Error| {
                matches!(e.code, ErrorCode::ActionBadType | ErrorCode::ActionBadValue)
            })
        {
            errs.push(
                Error::new(
                    ErrorCode::ActionMissingField,
                    "the action has neither 'kind' nor 'tool'",
                )
                .with_help("add 'kind' (e.g. command.exec, file.read) or 'tool' (the tool's name)"),
            );
        }
        match Error::from_list(errs) {
            Some(e) => Err(e),
            None => Ok(action),
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn unknown_field(key: &str, place: &str, known: &[&str]) -> Error {
    let help = match did_you_mean(key, known) {
        Some(s) => format!("did you mean '{s}'?"),
        None => format!("expected one of: {}", known.join(", ")),
    };
    // A key that could be data (or a secret) is not echoed.
    let message = if crate::json::looks_like_field_name(key) {
        format!("unknown field '{key}' in {place}")
    } else {
        format!("an unknown field in {place}")
    };
    Error::new(ErrorCode::ActionUnknownField, message).with_help(help)
}

fn bad_type(field: &str, expected: &str, got: &Value) -> Error {
    Error::new(
        ErrorCode::ActionBadType,
        format!("field '{field}' must be {expected}, not {}", type_name(got)),
    )
    .with_help(format!("write '{field}' as {expected}"))
}

/// Reads field values, collecting errors.
struct Reader<'e> {
    errs: &'e mut Vec<Error>,
}

impl Reader<'_> {
    fn string(&mut self, field: &str, v: &Value) -> Option<String> {
        self.string_ref(field, v).map(str::to_owned)
    }

    fn string_ref<'v>(&mut self, field: &str, v: &'v Value) -> Option<&'v str> {
        match v {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => {
                self.errs.push(bad_type(field, "a string", other));
                None
            }
        }
    }

    fn nonempty(&mut self, field: &str, v: &Value) -> Option<String> {
        self.nonempty_ref(field, v).map(str::to_owned)
    }

    fn nonempty_ref<'v>(&mut self, field: &str, v: &'v Value) -> Option<&'v str> {
        let s = self.string_ref(field, v)?;
        if s.trim().is_empty() {
            self.errs.push(
                Error::new(
                    ErrorCode::ActionBadValue,
                    format!("field '{field}' is empty"),
                )
                .with_help(format!("give '{field}' a value or leave it out")),
            );
            return None;
        }
        Some(s)
    }

    fn strings(&mut self, field: &str, v: &Value) -> Vec<String> {
        match v {
            Value::Null => Vec::new(),
            Value::Array(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => out.push(s.clone()),
                        other => {
                            self.errs
                                .push(bad_type(&format!("{field}[{i}]"), "a string", other))
                        }
                    }
                }
                out
            }
            other => {
                self.errs.push(bad_type(field, "a list of strings", other));
                Vec::new()
            }
        }
    }

    fn object<'v>(&mut self, field: &str, v: &'v Value) -> Option<&'v Map<String, Value>> {
        match v {
            Value::Null => None,
            Value::Object(m) => Some(m),
            other => {
                self.errs.push(bad_type(field, "an object", other));
                None
            }
        }
    }
}

fn read_action<'a>(map: &'a Map<String, Value>, errs: &mut Vec<Error>) -> Action<'a> {
    let mut a = Action::default();
    let mut r = Reader { errs };
    for (key, v) in map {
        match key.as_str() {
            "id" => a.id = r.string("id", v),
            "kind" => {
                if let Some(text) = r.string("kind", v) {
                    match EffectKind::parse(&text) {
                        Some(k) => a.kind = Some(k),
                        None => {
                            let names: Vec<&str> =
                                EffectKind::ALL.iter().map(|k| k.as_str()).collect();
                            let help = match did_you_mean(&text, &names) {
                                Some(s) => format!("did you mean '{s}'?"),
                                None => format!("expected one of: {}", names.join(", ")),
                            };
                            r.errs.push(
                                Error::new(
                                    ErrorCode::ActionBadValue,
                                    "field 'kind' is not a known effect kind",
                                )
                                .with_help(help),
                            );
                        }
                    }
                }
            }
            "tool" => a.tool = r.nonempty_ref("tool", v).map(CompactString::from),
            "args" => a.args = (!v.is_null()).then_some(v),
            "command" => a.command = r.nonempty("command", v),
            "path" => a.path = r.nonempty("path", v),
            "paths" => {
                a.paths = r.strings("paths", v);
                if a.paths.iter().any(|p| p.trim().is_empty()) {
                    r.errs.push(
                        Error::new(
                            ErrorCode::ActionBadValue,
                            "field 'paths' holds an empty path",
                        )
                        .with_help("remove the empty entry"),
                    );
                }
            }
            "url" => a.url = r.nonempty("url", v),
            "host" => a.host = r.nonempty("host", v),
            "method" => a.method = r.nonempty("method", v),
            "payload" => a.payload = (!v.is_null()).then_some(v),
            "agent" => {
                if let Some(m) = r.object("agent", v) {
                    a.agent = read_agent(m, &mut r);
                }
            }
            "context" => {
                if let Some(m) = r.object("context", v) {
                    a.context = read_context(m, &mut r);
                }
            }
            "approval" => {
                if let Some(m) = r.object("approval", v) {
                    let mut ap = Approval::default();
                    for (k, val) in m {
                        match k.as_str() {
                            "grants" => match val {
                                Value::Null => {}
                                Value::Array(items) => ap.grants = items.clone(),
                                other => r.errs.push(bad_type("approval.grants", "a list", other)),
                            },
                            _ => r.errs.push(unknown_field(k, "approval", APPROVAL_FIELDS)),
                        }
                    }
                    a.approval = Some(ap);
                }
            }
            _ => r.errs.push(unknown_field(key, "the action", ACTION_FIELDS)),
        }
    }
    a
}

fn read_agent(m: &Map<String, Value>, r: &mut Reader<'_>) -> AgentInfo {
    let mut agent = AgentInfo::default();
    for (k, v) in m {
        match k.as_str() {
            "id" => agent.id = r.string("agent.id", v),
            "type" => agent.agent_type = r.string_ref("agent.type", v).map(CompactString::from),
            "session" => agent.session = r.string("agent.session", v),
            "owner" => agent.owner = r.string("agent.owner", v),
            "team" => agent.team = r.string("agent.team", v),
            "tier" => {
                if let Some(t) = r.string("agent.tier", v) {
                    match Tier::parse(&t) {
                        Some(tier) => agent.tier = Some(tier),
                        None => {
                            let names: Vec<&str> = Tier::ALL.iter().map(|t| t.as_str()).collect();
                            let help = match did_you_mean(&t, &names) {
                                Some(s) => format!("did you mean '{s}'?"),
                                None => format!("expected one of: {}", names.join(", ")),
                            };
                            r.errs.push(
                                Error::new(
                                    ErrorCode::ActionBadValue,
                                    "field 'agent.tier' is not a known tier",
                                )
                                .with_help(help),
                            );
                        }
                    }
                }
            }
            _ => r.errs.push(unknown_field(k, "agent", AGENT_FIELDS)),
        }
    }
    agent
}

fn read_context(m: &Map<String, Value>, r: &mut Reader<'_>) -> Context {
    let mut c = Context::default();
    for (k, v) in m {
        match k.as_str() {
            "environment" => c.environment = r.string("context.environment", v),
            "data_classification" => {
                c.data_classification = r.string("context.data_classification", v)
            }
            "cwd" => c.cwd = r.string("context.cwd", v),
            "workspace" => c.workspace = r.string("context.workspace", v),
            "branch" => c.branch = r.string("context.branch", v),
            "risk_signals" => c.risk_signals = r.strings("context.risk_signals", v),
            "permissions" => c.permissions = r.strings("context.permissions", v),
            "env" => {
                if let Some(env) = r.object("context.env", v) {
                    for (name, val) in env {
                        match val {
                            Value::String(s) => {
                                c.env.insert(name.clone(), s.clone());
                            }
                            other => {
                                r.errs
                                    .push(bad_type("context.env", "an object of strings", other))
                            }
                        }
                    }
                }
            }
            _ => r.errs.push(unknown_field(k, "context", CONTEXT_FIELDS)),
        }
    }
    c
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use serde_json::json;

    use super::*;

    fn err(v: Value) -> Error {
        Action::from_value(&v).unwrap_err()
    }

    #[test]
    fn a_full_action_parses() {
        let v = json!({
            "id": "a1", "kind": "command.exec", "tool": "Bash", "args": {"command": "ls"},
            "command": "ls", "path": "x", "paths": ["y"], "url": "https://x.io", "host": "x.io",
            "method": "GET", "payload": {"k": 1},
            "agent": {"id": "ag", "type": "coder", "session": "s", "owner": "o", "team": "t", "tier": "prod-gated"},
            "context": {"environment": "production", "data_classification": "internal", "cwd": "src",
                        "workspace": "/w", "branch": "main", "risk_signals": ["r"], "permissions": ["p"],
                        "env": {"HOME": "/home/u"}},
            "approval": {"grants": [{"id": "g"}]}
        });
        let a = Action::from_value(&v).unwrap();
        assert_eq!(a.kind, Some(EffectKind::CommandExec));
        assert_eq!(a.agent.tier, Some(Tier::ProdGated));
        assert_eq!(a.agent.agent_type.as_deref(), Some("coder"));
        assert_eq!(
            a.context.env.get("HOME").map(String::as_str),
            Some("/home/u")
        );
        assert_eq!(a.approval.unwrap().grants.len(), 1);
        assert_eq!(a.paths, vec!["y"]);
    }

    #[test]
    fn unknown_fields_suggest_the_right_one() {
        let e = err(json!({"kind": "command.exec", "comand": "ls"}));
        assert_eq!(e.code, ErrorCode::ActionUnknownField);
        assert_eq!(e.message, "unknown field 'comand' in the action");
        assert_eq!(e.help.as_deref(), Some("did you mean 'command'?"));

        let e = err(json!({"tool": "x", "agent": {"tyoe": "a"}}));
        assert_eq!(e.message, "unknown field 'tyoe' in agent");
        assert_eq!(e.help.as_deref(), Some("did you mean 'type'?"));

        let e = err(json!({"tool": "x", "context": {"workspce": "/w"}}));
        assert_eq!(e.message, "unknown field 'workspce' in context");
        assert_eq!(e.help.as_deref(), Some("did you mean 'workspace'?"));

        let e = err(json!({"tool": "x", "zzz": 1}));
        assert!(e.help.unwrap().starts_with("expected one of: id, kind"));

        let e = err(json!({"tool": "x", "approval": {"grant": []}}));
        assert_eq!(e.code, ErrorCode::ActionUnknownField);
    }

    #[test]
    fn wrong_types_name_field_and_type() {
        let e = err(json!({"tool": "x", "paths": "a"}));
        assert_eq!(e.code, ErrorCode::ActionBadType);
        assert_eq!(
            e.message,
            "field 'paths' must be a list of strings, not a string"
        );
        let e = err(json!({"tool": "x", "context": {"cwd": 3}}));
        assert_eq!(
            e.message,
            "field 'context.cwd' must be a string, not a number"
        );
        let e = err(json!({"tool": 5}));
        assert_eq!(e.code, ErrorCode::ActionBadType);
        assert_eq!(err(json!([1])).code, ErrorCode::ActionBadType);
    }

    #[test]
    fn values_never_appear_in_messages() {
        let secret = "sk-live-ABCDEF0123456789";
        for v in [
            json!({"kind": secret}),
            json!({"tool": "x", "agent": {"tier": secret}}),
            json!({"tool": "x", "paths": [secret, 1]}),
            json!({"tool": "x", "context": {"env": {"K": 1}}, "command": secret}),
        ] {
            let e = err(v);
            for one in e.all() {
                assert!(!one.message.contains(secret), "{}", one.message);
                assert!(!one.help.clone().unwrap_or_default().contains(secret));
            }
        }
    }

    #[test]
    fn unknown_kind_suggests() {
        let e = err(json!({"kind": "comand.exec"}));
        assert_eq!(e.code, ErrorCode::ActionBadValue);
        assert_eq!(e.help.as_deref(), Some("did you mean 'command.exec'?"));
        let e = err(json!({"tool": "x", "agent": {"tier": "sandbx"}}));
        assert_eq!(e.help.as_deref(), Some("did you mean 'sandbox'?"));
    }

    #[test]
    fn kind_or_tool_is_required() {
        let e = err(json!({"command": "ls"}));
        assert_eq!(e.code, ErrorCode::ActionMissingField);
        assert!(Action::from_value(&json!({"tool": "Bash"})).is_ok());
        assert!(Action::from_value(&json!({"kind": "file.read", "path": "a"})).is_ok());
    }

    #[test]
    fn every_problem_is_reported() {
        let e = err(json!({"tool": "x", "comand": "ls", "pth": "a", "paths": 1}));
        assert_eq!(e.all().count(), 3);
    }

    #[test]
    fn empty_values_are_refused() {
        assert_eq!(err(json!({"tool": ""})).code, ErrorCode::ActionBadValue);
        assert_eq!(
            err(json!({"tool": "x", "path": " "})).code,
            ErrorCode::ActionBadValue
        );
    }

    #[test]
    fn nulls_are_absent() {
        let v = json!({"tool": "x", "path": null, "paths": null, "args": null, "agent": null});
        let a = Action::from_value(&v).unwrap();
        assert!(a.path.is_none() && a.paths.is_empty() && a.args.is_none());
    }

    #[test]
    fn json_syntax_errors_have_a_position() {
        let parse = |t: &str| crate::json::parse_strict(t, ACTION_ORIGIN, 1);
        let e = parse("{\n  \"tool\": \"Bash\",\n  \"args\": {\"command\": \"cat secret-XYZ\"\n")
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::ActionSyntax);
        let loc = e.location.unwrap();
        assert_eq!(loc.file, "<action>");
        assert!(loc.line >= 3);
        assert!(!e.message.contains("XYZ"));
        let e = parse("{\"tool\": \"x\",, }").unwrap_err();
        assert_eq!(e.code, ErrorCode::ActionSyntax);
        assert_eq!(e.location.unwrap().line, 1);
        let v = parse(r#"{"tool": "Read", "args": {"file_path": "a"}}"#).unwrap();
        let a = Action::from_value(&v).unwrap();
        assert_eq!(a.tool.as_deref(), Some("Read"));
    }
}
