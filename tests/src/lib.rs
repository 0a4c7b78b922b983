//! The cross-surface conformance corpus of agent-policy: the vector format, loading the
//! corpus, and the one function that evaluates a vector and checks the result.
//!
//! Every surface (Rust, Python, Node, wasm, CLI) runs the same JSON files under
//! `tests/vectors/` and must produce the same output for each: the decision document, byte
//! for byte, or the same error. [`evaluate_vector`] is the reference evaluation other
//! surfaces mirror; [`check`] is the reference comparison against a vector's `expect`.
//! The format is described in `tests/vectors/README.md`.

use std::fmt;
use std::path::{Path, PathBuf};

use agent_policy_core::session::SessionState;
use agent_policy_core::session::json::{bypasses_from_value, grants_from_value, session_output};
use agent_policy_core::{Engine, Error, PolicySource, Request, SourceFormat};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The origin (error-location file name) of a vector's inline `policy`.
pub const INLINE_ORIGIN: &str = "<inline>";

/// One corpus file: `tests/vectors/<family>.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorpusFile {
    /// The family name; equals the file's stem.
    pub family: String,
    /// What the family covers.
    pub description: String,
    /// The vectors, in file order.
    pub vectors: Vec<Vector>,
}

/// An override file of a vector: merged into the root policy like
/// `<dir>/.agent-policy.override.yml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideSource {
    /// The override's origin, as the host would name it (`backend/.agent-policy.override.yml`).
    pub origin: String,
    /// Its text.
    pub policy: String,
    /// `"yaml"` (default) or `"json"`.
    #[serde(default)]
    pub format: Option<String>,
}

/// One conformance vector: a policy, an action, a time, and what must come out.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// Unique across the corpus, kebab-case.
    pub name: String,
    /// Why the vector exists, for people (optional).
    #[serde(default)]
    pub note: Option<String>,
    /// Inline policy text (origin [`INLINE_ORIGIN`]).
    #[serde(default)]
    pub policy: Option<String>,
    /// A policy file under `tests/policies/` (origin: this name as written).
    #[serde(default)]
    pub policy_file: Option<String>,
    /// The text of `policy_file`, filled in by [`load_corpus`].
    #[serde(skip)]
    pub policy_file_text: Option<String>,
    /// `"yaml"` (default) or `"json"`: the syntax of the root policy.
    #[serde(default)]
    pub format: Option<String>,
    /// Override files merged into the root policy.
    #[serde(default)]
    pub overrides: Vec<OverrideSource>,
    /// The action (SPEC §3).
    #[serde(default)]
    pub action: Option<Value>,
    /// The action as raw text, for actions that are not valid JSON.
    #[serde(default)]
    pub action_text: Option<String>,
    /// The `now` passed to the engine.
    pub now: String,
    /// The action's sequence number in its session (default 0).
    #[serde(default)]
    pub sequence: u64,
    /// The session the action is decided in: a session state as a previous decision left
    /// it, or `{}` for a new session. With it the output is `{"decision", "session"}` (see
    /// [`agent_policy_core::session::json::session_output`]).
    #[serde(default)]
    pub session: Option<Value>,
    /// Approval grants the host holds (each read by the engine, so a malformed one is the
    /// engine's error).
    #[serde(default)]
    pub grants: Vec<Value>,
    /// Bypass records the host holds.
    #[serde(default)]
    pub bypasses: Vec<Value>,
    /// The expectation: `{"error": {...}}` or a named subset of the decision document.
    pub expect: Value,
    /// Set when the engine is known to disagree with this vector: what is wrong.
    #[serde(default)]
    pub known_bug: Option<String>,
}

/// A problem with the corpus itself (not with the engine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusError(pub String);

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CorpusError {}

/// The repository's root: the nearest directory holding `Cargo.lock` at or above the crate
/// cargo runs (`CARGO_MANIFEST_DIR`, which `cargo run` and `cargo test` set), or else above the
/// working directory.
///
/// Found at run time, never compiled in: cargo reuses a binary built in another checkout that
/// shares the build directory, and the path compiled into it would name that checkout.
pub fn repo_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    start
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .map_or(start.clone(), Path::to_path_buf)
}

/// The directory of the corpus in this repository (`tests/vectors`).
pub fn vectors_dir() -> PathBuf {
    repo_root().join("tests").join("vectors")
}

/// Loads every `*.json` file of `dir`, in file-name order, as `(family, vector)` pairs.
/// `policy_file` references are read from `dir/../policies/`.
pub fn load_corpus(dir: &Path) -> Result<Vec<(String, Vector)>, CorpusError> {
    let io = |what: &str, path: &Path, e: std::io::Error| {
        CorpusError(format!("cannot {what} {}: {e}", path.display()))
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io("read directory", dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let policies = dir.parent().unwrap_or(dir).join("policies");
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|e| io("read", &path, e))?;
        let file: CorpusFile = serde_json::from_str(&text)
            .map_err(|e| CorpusError(format!("{}: {e}", path.display())))?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if file.family != stem {
            return Err(CorpusError(format!(
                "{}: family '{}' must equal the file name '{stem}'",
                path.display(),
                file.family
            )));
        }
        for mut vector in file.vectors {
            if let Some(name) = &vector.policy_file {
                let p = policies.join(name);
                vector.policy_file_text =
                    Some(std::fs::read_to_string(&p).map_err(|e| io("read", &p, e))?);
            }
            out.push((file.family.clone(), vector));
        }
    }
    Ok(out)
}

fn format_of(name: Option<&str>) -> Result<SourceFormat, CorpusError> {
    match name {
        None | Some("yaml") => Ok(SourceFormat::Yaml),
        Some("json") => Ok(SourceFormat::Json),
        Some(other) => Err(CorpusError(format!(
            "format must be \"yaml\" or \"json\", not \"{other}\""
        ))),
    }
}

/// What the engine gives for a vector: the decision, and the state after it when the vector
/// is decided in a session.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// The decision.
    pub decision: agent_policy_core::Decision,
    /// The session state after the decision, for a vector with `session`.
    pub session: Option<SessionState>,
}

impl Evaluated {
    /// The canonical output: the decision document, or `{"decision", "session"}` in a
    /// session.
    pub fn to_json(&self) -> String {
        match &self.session {
            None => self.decision.to_json(),
            Some(state) => session_output(&self.decision, state),
        }
    }
}

/// The canonical output of an evaluation: [`Evaluated::to_json`] or the error JSON.
pub fn output_of(result: &Result<Evaluated, Error>) -> String {
    match result {
        Ok(evaluated) => evaluated.to_json(),
        Err(e) => e.to_json(),
    }
}

/// The reference evaluation of a vector: builds the engine from the vector's policy sources
/// and evaluates its action at its `now`.
///
/// - `policy` → origin `<inline>`; `policy_file` → origin is the file name as written;
///   neither → [`Engine::defaults`] (overrides need a root policy).
/// - `overrides` → [`Engine::from_sources`], in the order given.
/// - `grants`, `bypasses`, then `session` are read by the engine
///   ([`grants_from_value`], [`bypasses_from_value`], [`SessionState::from_value`]), in
///   that order, before the action: the first malformed one is the engine's error.
/// - `action_text` is parsed by the engine's strict reader, so malformed JSON is the engine's
///   `action.syntax` error.
/// - `session` → [`Engine::evaluate_in_session`] (the session numbers the action; `sequence`
///   must be 0); otherwise [`Engine::evaluate`] with `sequence`.
///
/// The outer `Err` is a corpus problem; the inner result is the engine's answer.
pub fn evaluate_vector(v: &Vector) -> Result<Result<Evaluated, Error>, CorpusError> {
    let root_text = match (&v.policy, &v.policy_file) {
        (Some(_), Some(_)) => {
            return Err(CorpusError(
                "give either policy or policy_file, not both".to_owned(),
            ));
        }
        (Some(text), None) => Some((text.as_str(), INLINE_ORIGIN)),
        (None, Some(name)) => {
            let text = v
                .policy_file_text
                .as_deref()
                .ok_or_else(|| CorpusError(format!("policy_file '{name}' was not loaded")))?;
            Some((text, name.as_str()))
        }
        (None, None) => None,
    };
    let formats = v
        .overrides
        .iter()
        .map(|o| format_of(o.format.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    if v.action.is_some() == v.action_text.is_some() {
        return Err(CorpusError(
            "give exactly one of action and action_text".to_owned(),
        ));
    }
    if v.session.is_some() && v.sequence != 0 {
        return Err(CorpusError(
            "a vector in a session has no sequence: the session numbers its actions".to_owned(),
        ));
    }
    let engine = match root_text {
        None if !v.overrides.is_empty() => {
            return Err(CorpusError("overrides need a root policy".to_owned()));
        }
        None => Engine::defaults(),
        Some((text, origin)) => {
            let root = PolicySource::new(text, origin, format_of(v.format.as_deref())?);
            let overrides: Vec<PolicySource<'_>> = v
                .overrides
                .iter()
                .zip(formats)
                .map(|(o, f)| PolicySource::new(&o.policy, &o.origin, f))
                .collect();
            match Engine::from_sources(root, &overrides) {
                Ok(engine) => engine,
                Err(e) => return Ok(Err(e)),
            }
        }
    };
    Ok(decide(&engine, v))
}

/// The engine's answer for a vector, once its engine is built.
fn decide(engine: &Engine, v: &Vector) -> Result<Evaluated, Error> {
    let grants = grants_from_value(&Value::Array(v.grants.clone()))?;
    let bypasses = bypasses_from_value(&Value::Array(v.bypasses.clone()))?;
    let mut session = v
        .session
        .as_ref()
        .map(SessionState::from_value)
        .transpose()?;
    let parsed;
    let action = match (&v.action, &v.action_text) {
        (Some(action), None) => action,
        (None, Some(text)) => {
            parsed = agent_policy_core::json::parse_strict(
                text,
                agent_policy_core::action::ACTION_ORIGIN,
                1,
            )?;
            &parsed
        }
        // `evaluate_vector` refuses a vector with neither or both.
        _ => &Value::Null,
    };
    let mut request = Request::new(action, &v.now);
    request.sequence = v.sequence;
    request.grants = &grants;
    request.bypasses = &bypasses;
    let decision = match session.as_mut() {
        Some(state) => engine.evaluate_in_session(&request, state)?,
        None => engine.evaluate(&request)?,
    };
    Ok(Evaluated { decision, session })
}

/// The error output every surface gives: the engine's own [`Error::to_json`] (code, message,
/// help and location when present, and the further errors of the same load as `related`).
pub fn error_json(e: &Error) -> Value {
    serde_json::from_str(&e.to_json()).unwrap_or(Value::Null)
}

/// The result of running one vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The canonical output: the decision document ([`agent_policy_core::Decision::to_json`])
    /// or the error JSON ([`error_json`]).
    pub output: String,
    /// `Err(first difference)` when the output does not meet the vector's `expect`.
    pub check: Result<(), String>,
}

/// Evaluates a vector and checks the output against its `expect`.
pub fn run(v: &Vector) -> Outcome {
    match evaluate_vector(v) {
        Err(e) => Outcome {
            output: String::new(),
            check: Err(format!("bad vector: {e}")),
        },
        Ok(result) => {
            let output = output_of(&result);
            let check = serde_json::from_str::<Value>(&output)
                .map_err(|e| format!("the output is not JSON: {e}"))
                .and_then(|value| check(&v.expect, &value));
            Outcome { output, check }
        }
    }
}

/// The helper keys of a decision expectation (everything else names a decision field).
const HELPERS: &[&str] = &[
    "full",
    "reason_contains",
    "effects_contain",
    "redactions_contain",
    "alerts_contain",
    "matched_contain",
    "matched_ids_contain",
    "matched_ids_exclude",
    "not_contains",
];

/// Checks an output (decision document or error JSON) against an expectation.
/// Returns the first difference found.
pub fn check(expect: &Value, output: &Value) -> Result<(), String> {
    let Value::Object(want) = expect else {
        return Err("bad vector: expect must be an object".to_owned());
    };
    if let Some(want_err) = want.get("error") {
        if want.len() != 1 {
            return Err("bad vector: an error expectation has only the key 'error'".to_owned());
        }
        return check_error(want_err, output);
    }
    if let Some(got_err) = output.get("error") {
        return Err(format!(
            "expected a decision, got error {}: {}",
            got_err.get("code").and_then(Value::as_str).unwrap_or("?"),
            got_err
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("?")
        ));
    }
    // A decision made in a session: `session` checks (a subset of) the state after it, every
    // other key the decision.
    if let Some(decision @ Value::Object(_)) = output.get("decision") {
        let mut want = want.clone();
        let want_state = want.remove("session");
        check(&Value::Object(want), decision)?;
        if let Some(state) = want_state {
            diff(
                "$.session",
                &state,
                output.get("session").unwrap_or(&Value::Null),
            )?;
        }
        return Ok(());
    }
    if want.contains_key("session") {
        return Err("bad vector: expect.session needs a vector decided in a session".to_owned());
    }
    let Value::Object(doc) = output else {
        return Err("the decision is not an object".to_owned());
    };
    let text = output.to_string();
    for (key, w) in want {
        match key.as_str() {
            "full" => equal("$", w, output)?,
            "reason_contains" => {
                let reason = doc.get("reason").and_then(Value::as_str).unwrap_or("");
                for s in strings(key, w)? {
                    if !reason.contains(s) {
                        return Err(format!("reason {reason:?} does not contain {s:?}"));
                    }
                }
            }
            "effects_contain" | "redactions_contain" | "alerts_contain" | "matched_contain" => {
                let field = key.trim_end_matches("_contain");
                let have = doc.get(field).and_then(Value::as_array);
                let Value::Array(items) = w else {
                    return Err(format!("bad vector: {key} must be a list"));
                };
                for item in items {
                    let found = have.is_some_and(|h| h.iter().any(|x| diff("$", item, x).is_ok()));
                    if !found {
                        return Err(format!(
                            "no element of {field} contains {item}; {field} = {}",
                            doc.get(field).unwrap_or(&Value::Null)
                        ));
                    }
                }
            }
            "matched_ids_contain" | "matched_ids_exclude" => {
                let ids: Vec<&str> = doc
                    .get("matched")
                    .and_then(Value::as_array)
                    .map(|m| {
                        m.iter()
                            .filter_map(|x| x.get("rule_id").and_then(Value::as_str))
                            .collect()
                    })
                    .unwrap_or_default();
                let must = key == "matched_ids_contain";
                for id in strings(key, w)? {
                    if ids.contains(&id) != must {
                        return Err(format!(
                            "matched {} '{id}'; matched ids = {ids:?}",
                            if must { "lacks" } else { "holds" }
                        ));
                    }
                }
            }
            "not_contains" => {
                for s in strings(key, w)? {
                    if text.contains(s) {
                        return Err(format!("the decision contains {s:?}"));
                    }
                }
            }
            field => match doc.get(field) {
                // A subset match is only for helpers: a named field is compared whole.
                Some(got) => equal(&format!("$.{field}"), w, got)?,
                None => {
                    return Err(format!(
                        "bad vector: '{field}' is neither a decision field nor a helper ({})",
                        HELPERS.join(", ")
                    ));
                }
            },
        }
    }
    Ok(())
}

fn check_error(want: &Value, output: &Value) -> Result<(), String> {
    let Value::Object(want) = want else {
        return Err("bad vector: expect.error must be an object".to_owned());
    };
    let Some(got) = output.get("error") else {
        return Err(format!(
            "expected error {}, got a decision: {}",
            want.get("code").unwrap_or(&Value::Null),
            output.get("reason").and_then(Value::as_str).unwrap_or("?")
        ));
    };
    let field = |k: &str| got.get(k).cloned().unwrap_or(Value::Null);
    let location = field("location");
    let summary = || {
        format!(
            "got {} at {}: {} (help: {})",
            field("code"),
            location,
            field("message"),
            field("help")
        )
    };
    for (key, w) in want {
        let ok = match key.as_str() {
            "code" | "message" | "help" => &field(key) == w,
            "line" | "column" | "file" => location.get(key) == Some(w),
            "help_contains" | "message_contains" => {
                let have = field(key.trim_end_matches("_contains"));
                let have = have.as_str().unwrap_or("");
                strings(key, w)?.iter().all(|s| have.contains(s))
            }
            "not_contains" => {
                let text = output.to_string();
                strings(key, w)?.iter().all(|s| !text.contains(s))
            }
            other => return Err(format!("bad vector: unknown key '{other}' in expect.error")),
        };
        if !ok {
            return Err(format!("error {key}: expected {w}; {}", summary()));
        }
    }
    Ok(())
}

/// A string or a list of strings.
fn strings<'a>(key: &str, v: &'a Value) -> Result<Vec<&'a str>, String> {
    match v {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) => items
            .iter()
            .map(|x| {
                x.as_str()
                    .ok_or_else(|| format!("bad vector: {key} must hold strings"))
            })
            .collect(),
        _ => Err(format!(
            "bad vector: {key} must be a string or a list of strings"
        )),
    }
}

/// Whether `want` is contained in `got`: objects by subset of keys (recursively), everything
/// else by equality. Returns the first difference with its JSON path.
pub fn diff(path: &str, want: &Value, got: &Value) -> Result<(), String> {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => subset(path, w, g),
        (Value::Array(w), Value::Array(g)) => {
            if w.len() != g.len() {
                return Err(format!(
                    "{path}: expected {} elements, got {}: {got}",
                    w.len(),
                    g.len()
                ));
            }
            for (i, (a, b)) in w.iter().zip(g).enumerate() {
                diff(&format!("{path}[{i}]"), a, b)?;
            }
            Ok(())
        }
        _ if want == got => Ok(()),
        _ => Err(format!("{path}: expected {want}, got {got}")),
    }
}

/// Whether `want` equals `got`; the first difference with its JSON path otherwise.
pub fn equal(path: &str, want: &Value, got: &Value) -> Result<(), String> {
    if want == got {
        return Ok(());
    }
    diff(path, want, got)?;
    // `want` is a strict subset of `got`: name a key it lacks.
    if let (Value::Object(w), Value::Object(g)) = (want, got) {
        for (k, v) in g {
            match w.get(k) {
                None => return Err(format!("{path}.{k}: expected nothing, got {v}")),
                Some(wv) => equal(&format!("{path}.{k}"), wv, v)?,
            }
        }
    }
    if let (Value::Array(w), Value::Array(g)) = (want, got) {
        for (i, (a, b)) in w.iter().zip(g).enumerate() {
            equal(&format!("{path}[{i}]"), a, b)?;
        }
    }
    Err(format!("{path}: expected {want}, got {got}"))
}

fn subset(path: &str, want: &Map<String, Value>, got: &Map<String, Value>) -> Result<(), String> {
    for (k, w) in want {
        match got.get(k) {
            Some(g) => diff(&format!("{path}.{k}"), w, g)?,
            None => return Err(format!("{path}.{k}: expected {w}, got nothing")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;
    use serde_json::json;

    fn decision() -> Value {
        json!({
            "decision": "deny",
            "policy_ids": ["a"],
            "reason": "reading .env is denied by a: secrets",
            "effects": [{"kind": "tool.call", "tool": "Read", "via": "$"},
                        {"kind": "file.read", "path": ".env", "via": "$.args.file_path"}],
            "matched": [{"rule_id": "a", "outcome": "deny", "effect": 1, "reason": "secrets"}],
            "alerts": [],
        })
    }

    #[test]
    fn fields_compare_whole_and_helpers_compare_parts() {
        let d = decision();
        assert!(check(&json!({"decision": "deny", "policy_ids": ["a"]}), &d).is_ok());
        assert!(check(&json!({"decision": "allow"}), &d).is_err());
        // A named list field is compared whole, not as a subset.
        assert!(check(&json!({"effects": [{"kind": "file.read"}]}), &d).is_err());
        assert!(
            check(
                &json!({"effects_contain": [{"kind": "file.read", "path": ".env"}]}),
                &d
            )
            .is_ok()
        );
        assert!(check(&json!({"effects_contain": [{"kind": "file.write"}]}), &d).is_err());
        assert!(check(&json!({"reason_contains": ["denied", "secrets"]}), &d).is_ok());
        assert!(check(&json!({"reason_contains": "allowed"}), &d).is_err());
        assert!(
            check(
                &json!({"matched_ids_contain": ["a"], "matched_ids_exclude": ["b"]}),
                &d
            )
            .is_ok()
        );
        assert!(check(&json!({"matched_ids_exclude": ["a"]}), &d).is_err());
        assert!(check(&json!({"not_contains": ["AKIA"]}), &d).is_ok());
        assert!(check(&json!({"not_contains": [".env"]}), &d).is_err());
    }

    #[test]
    fn typos_in_expectations_are_corpus_errors() {
        let err = check(&json!({"decison": "deny"}), &decision()).unwrap_err();
        assert!(err.starts_with("bad vector"), "{err}");
    }

    #[test]
    fn error_expectations() {
        let e = Error::new(
            agent_policy_core::ErrorCode::PolicyUnknownKey,
            "unknown key 'denny'",
        )
        .with_help("did you mean 'deny'?")
        .at("<inline>", 4, 5);
        let out = error_json(&e);
        let want = json!({"error": {"code": "policy.unknown_key", "line": 4, "column": 5,
                                     "help_contains": "did you mean 'deny'?"}});
        assert!(check(&want, &out).is_ok());
        let want = json!({"error": {"code": "policy.unknown_key", "line": 3}});
        assert!(check(&want, &out).is_err());
        assert!(check(&json!({"decision": "deny"}), &out).is_err());
        assert!(check(&json!({"error": {"code": "x"}}), &decision()).is_err());
    }

    #[test]
    fn named_fields_and_full_compare_whole_objects() {
        let d = decision();
        let mut partial = d.clone();
        partial["matched"][0]
            .as_object_mut()
            .unwrap()
            .remove("reason");
        let err = check(&json!({"matched": partial["matched"].clone()}), &d).unwrap_err();
        assert_eq!(
            err,
            "$.matched[0].reason: expected nothing, got \"secrets\""
        );
        assert!(check(&json!({"full": partial}), &d).is_err());
        assert!(check(&json!({"full": d.clone()}), &d).is_ok());
    }

    #[test]
    fn session_outputs_check_the_decision_and_a_subset_of_the_state() {
        let out = json!({"decision": decision(), "session": {"version": 1, "actions": 2,
                                                              "denials": [5]}});
        assert!(
            check(
                &json!({"decision": "deny", "session": {"actions": 2}}),
                &out
            )
            .is_ok()
        );
        assert!(check(&json!({"decision": "allow"}), &out).is_err());
        assert!(check(&json!({"session": {"actions": 3}}), &out).is_err());
        assert!(check(&json!({"session": {"denials": []}}), &out).is_err());
        assert!(check(&json!({"full": decision()}), &out).is_ok());
        let err = check(&json!({"session": {"actions": 2}}), &decision()).unwrap_err();
        assert!(err.starts_with("bad vector"), "{err}");
    }

    #[test]
    fn diff_names_the_first_difference() {
        let err = diff(
            "$",
            &json!({"a": [1, {"b": 2}]}),
            &json!({"a": [1, {"b": 3}]}),
        )
        .unwrap_err();
        assert_eq!(err, "$.a[1].b: expected 2, got 3");
    }
}
