//! The JavaScript surface (wasm32 only): the `Engine` class, `blocks`, and the errors thrown
//! (`PolicyError`, `PolicyDenied`), exported with wasm-bindgen for the browser and Node.
//!
//! JavaScript values cross as JSON: an action, a value or an options object is written with
//! `JSON.stringify` and read by core's strict reader (options by serde_json, which refuses an
//! unknown key); a decision, a redaction and a lint report are read back with `JSON.parse` from
//! core's own `to_json`, so the plain object a caller gets is exactly the parsed canonical
//! document, and so are the fields of a `PolicyError`; guarded arguments are built as plain
//! data value by value (see `plain`). This file is also the only clock of the crate (`Date`,
//! when a call gives no `now`).
// The wasm-bindgen attribute macros expand to the foreign-function glue, which is unsafe code
// the macros generate and check; this module writes none itself.
#![allow(unsafe_code)]

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use agent_policy_core::session::json::session_output;
use agent_policy_core::{Decision, Error, ErrorCode, Outcome, Request};
use js_sys::{Array, Function, JSON, JsString, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::convert::{
    self, EngineOptions, ErrorFields, EvaluateOptions, GuardOptions, Options, SessionOptions,
};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** The options of `new Engine(policy, options)`. */
export interface EngineOptions {
  /** The syntax of `policy`: "yaml" (default) or "json". */
  format?: "yaml" | "json";
  /** The name errors show for `policy` (default "<inline>"). */
  origin?: string;
  /** Override policies merged into the root, in order. */
  overrides?: { policy: string; origin?: string; format?: "yaml" | "json" }[];
}

/** An approver's yes to the one action whose approval request has this fingerprint. */
export interface Grant {
  /** The `approval_request.fingerprint` it answers (`apr_…`). */
  fingerprint: string;
  /** The role the approver acts in; must be the role asked for. */
  role: string;
  /** Who approved. */
  approver: string;
  /** RFC 3339: the grant counts while `now` is before this. */
  expires_at: string;
  /** `hmac-sha256:` + hex, when the host signs grants. */
  signature?: string;
}

/** A time-limited exception to the denies of bypassable rules on named paths or commands. */
export interface Bypass {
  /** `byp_…`: named in every decision it changes (`bypass_id`). */
  id: string;
  /** Why (an incident, a ticket). */
  reason: string;
  /** Who approved it. */
  approver: string;
  /** Path globs (`config/auth/**`) or command patterns (`git push --force`). */
  allow: string[];
  /** RFC 3339: the record counts while `now` is before this. */
  expires_at: string;
}

/** What a session has used so far: the caller keeps it and passes it back unchanged. */
export interface SessionState {
  version: number;
  started_at?: string;
  actions: number;
  turns: number;
  tokens: number;
  tool_calls: number;
  pipeline_runs: number;
  credential_requests: number;
  denials: number[];
  rate: Record<string, number[]>;
  repeats: Record<string, number>;
  terminated?: {
    at: string; rule_id: string; reason: string;
    budget?: { limit: string; used: number; allowed: number };
  };
}

/** The options of `evaluate` and `evaluateJson`. */
export interface EvaluateOptions {
  /** The time of the decision, RFC 3339 (default: this machine's clock, whole seconds, UTC). */
  now?: string;
  /** The action's sequence number in its session (default 0). */
  sequence?: number;
  /** The host's approval grants (the action may present more in `approval.grants`). */
  grants?: Grant[];
  /** The host's bypass records. */
  bypasses?: Bypass[];
}

/** The options of `evaluateInSession`: the session numbers its actions itself. */
export interface SessionOptions {
  /** The time of the decision, RFC 3339 (default: this machine's clock, whole seconds, UTC). */
  now?: string;
  /** The host's approval grants. */
  grants?: Grant[];
  /** The host's bypass records. */
  bypasses?: Bypass[];
}

/** A decision made in a session, and the state after it. */
export interface SessionResult { decision: Decision; session: SessionState }

/** The fixed parts of every action a guarded tool call makes. */
export interface GuardOptions {
  agent?: { id?: string; type?: string; session?: string; owner?: string; team?: string; tier?: string };
  context?: Record<string, unknown>;
}

/** One of the six outcomes, least to most restrictive. */
export type Outcome = "allow" | "redact" | "alert" | "require_approval" | "deny" | "terminate";

/** One secret found and replaced by its marker. */
export interface Redaction {
  kind: string; rule_id: string; location: string; start: number; end: number;
  fingerprint: string; marker: string;
}

/** The decision document: `JSON.parse` of the canonical decision JSON. */
export interface Decision {
  decision_id: string;
  action_id: string;
  decision: Outcome;
  policy_ids: string[];
  reason: string;
  risk_score: number;
  approver_role: string | null;
  redactions: Redaction[];
  alerts: { rule_id: string; reason: string; effect: number }[];
  matched: { rule_id: string; outcome: Outcome; effect: number; pattern?: string; reason: string }[];
  effects: Record<string, unknown>[];
  redacted_action: Record<string, unknown>;
  timestamp: string;
  policy_version: string;
  policy_hash: string;
  approval_request?: { fingerprint: string; approver_role: string };
  approval?: { fingerprint: string; role: string; approver: string; expires_at: string };
  bypass_id?: string;
  budget?: { limit: string; used: number; allowed: number };
}

/** What `redact` returns. */
export interface Redacted { value: unknown; redactions: Redaction[] }

/** What `lint` returns. */
export interface LintReport { warnings: string[] }

/** The fields of a thrown `PolicyError` (an `Error` whose `name` is "PolicyError"). */
export interface PolicyErrorFields {
  code: string; message: string; help: string | null; file: string | null;
  line: number | null; column: number | null; related: PolicyErrorFields[];
  /** The error JSON every surface reports: `{"error": {...}}`. */
  json: string;
}
"#;

/// Reads a caller's options object; `undefined` and `null` are the defaults.
fn read_options<T: Options + Default>(value: JsValue) -> Result<T, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    // Through JSON text, read by serde_json into the options type (`Options::from_json`, which
    // reads as the type's serde derive would): an unknown key is refused and an `undefined`
    // member is absent (reading a JavaScript object's fields by name would not see a misspelt
    // `nwo`; this way is also the faster on every call).
    let text = json_text(&value)?.unwrap_or_default();
    T::from_json(&text).map_err(|e| type_error(&format!("bad options: {e}")))
}

fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

/// A string argument, or a `TypeError` naming `what` it must be.
fn string_arg(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| type_error(&format!("{what} must be a string")))
}

/// A JSON value as plain JavaScript data: objects key by key in order, each set as
/// `object[key] = value` does (so a `__proto__` key sets the prototype), arrays item by item;
/// an integer outside JavaScript's safe range is a `TypeError`.
fn plain(value: &serde_json::Value) -> Result<JsValue, JsValue> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => JsValue::from_f64(js_number(n)?),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => {
            let array = Array::new();
            for item in items {
                array.push(&plain(item)?);
            }
            array.into()
        }
        Value::Object(map) => {
            let object = Object::new();
            for (key, item) in map {
                let item = plain(item)?;
                Reflect::set(&object, &JsValue::from_str(key), &item)?;
            }
            object.into()
        }
    })
}

/// A JSON number as a JavaScript number; an integer JavaScript cannot hold exactly is refused.
fn js_number(n: &serde_json::Number) -> Result<f64, JsValue> {
    const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
    let safe = match (n.as_u64(), n.as_i64()) {
        (Some(u), _) if u > MAX_SAFE_INTEGER => Err(u.to_string()),
        (None, Some(i)) if i.unsigned_abs() > MAX_SAFE_INTEGER => Err(i.to_string()),
        _ => Ok(n.as_f64().unwrap_or(f64::NAN)),
    };
    safe.map_err(|v| {
        type_error(&format!(
            "Error: {v} can't be represented as a JavaScript number"
        ))
    })
}

/// `JSON.parse` of JSON text written by core.
fn parse(json: &str) -> Result<JsValue, JsValue> {
    JSON::parse(json)
}

/// The JSON text of a JavaScript value, as `JSON.stringify` writes it; `None` for a value
/// JSON has no text for (`undefined`, a function). A value `JSON.stringify` refuses (a
/// `BigInt`, a cycle) is a `TypeError`.
fn json_text(value: &JsValue) -> Result<Option<String>, JsValue> {
    let text = JSON::stringify(value).map_err(|e| {
        let why = Reflect::get(&e, &JsValue::from_str("message"))
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default();
        type_error(&format!("the value cannot be written as JSON: {why}"))
    })?;
    Ok(JsValue::from(text).as_string())
}

/// A JavaScript value as a JSON value (for `redact` and guarded arguments).
fn json_value(value: &JsValue) -> Result<Option<serde_json::Value>, JsValue> {
    match json_text(value)? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| type_error(&e.to_string())),
    }
}

/// The thrown form of a core error: an `Error` named `PolicyError` with the fields of
/// [`ErrorFields`] (written as JSON and parsed into a plain object).
fn policy_error(e: &Error) -> JsValue {
    let error = js_sys::Error::new(&e.message);
    error.set_name("PolicyError");
    if let Ok(Ok(fields)) = serde_json::to_string(&ErrorFields::from(e)).map(|json| parse(&json)) {
        Object::assign(&error, &Object::from(fields));
    }
    error.into()
}

/// What a guarded tool call throws when the decision blocks it: an `Error` named
/// `PolicyDenied`, the decision's reason as its message, `code` as every surface gives it
/// (`Decision::denial_code`), the decision document as `decision` and its canonical JSON as
/// `json`.
fn policy_denied(decision: &Decision) -> JsValue {
    let error = js_sys::Error::new(&decision.reason);
    error.set_name("PolicyDenied");
    let _ = Reflect::set(
        &error,
        &JsValue::from_str("code"),
        &JsValue::from_str(&decision.denial_code()),
    );
    let json = decision.to_json();
    if let Ok(document) = parse(&json) {
        let _ = Reflect::set(&error, &JsValue::from_str("decision"), &document);
    }
    let _ = Reflect::set(
        &error,
        &JsValue::from_str("json"),
        &JsValue::from_str(&json),
    );
    error.into()
}

/// This machine's clock as RFC 3339 UTC with whole seconds: the `now` of a call that gives
/// none.
fn clock() -> String {
    let d = js_sys::Date::new_0();
    convert::utc_seconds(
        d.get_utc_full_year(),
        d.get_utc_month() + 1,
        d.get_utc_date(),
        d.get_utc_hours(),
        d.get_utc_minutes(),
        d.get_utc_seconds(),
    )
}

/// Set while a call is inside the engine, cleared when it returns. A call that panicked (a bug)
/// never returns: without unwinding, nothing runs after the panic, so the flag stays set and
/// from then on every call fails closed with the `internal` error until the module is loaded
/// again. That holds for both ways a panic ends: the hook below throwing the `internal` error
/// (pkg-node), and a bare trap where the panic machinery is compiled out (pkg-web).
///
/// INVARIANT: the engine calls no JavaScript that could call back into the module while a
/// `Call` is alive: arguments are read before `enter`, and a guarded tool is called after the
/// `Call` is dropped.
static IN_CALL: AtomicBool = AtomicBool::new(false);

const REPORT: &str = "this is a bug in agent-policy; please report it with the input";

/// A call inside the engine; dropping it (the call returned) clears [`IN_CALL`].
struct Call;

impl Drop for Call {
    fn drop(&mut self) {
        IN_CALL.store(false, Ordering::Relaxed);
    }
}

/// Enters the engine, or the `internal` error when an earlier call never returned.
fn enter() -> Result<Call, JsValue> {
    if IN_CALL.swap(true, Ordering::Relaxed) {
        let error = Error::new(
            ErrorCode::Internal,
            "internal error: an earlier call hit a bug, so the engine refuses every call until the module is loaded again",
        )
        .with_help(REPORT);
        return Err(policy_error(&error));
    }
    Ok(Call)
}

/// A panic is a bug; it must not leave the caller with a bare trap. The hook throws the
/// `internal` PolicyError instead (its message names where, never the panic's text, which could
/// quote an action's data); the panicked call's [`Call`] is never dropped, so the module stays
/// refused. Where panics abort at once (pkg-web), a hook would never run, so none is set (nor
/// compiled in) and the call traps.
#[wasm_bindgen(start, skip_typescript, js_name = "__agentPolicyStart")]
fn start() {
    #[cfg(not(panic = "immediate-abort"))]
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let error = Error::new(
            ErrorCode::Internal,
            format!("internal error: the engine panicked{at}"),
        )
        .with_help(REPORT);
        wasm_bindgen::throw_val(policy_error(&error));
    }));
}

/// A compiled policy, ready to evaluate actions.
#[wasm_bindgen(js_name = Engine)]
#[derive(Debug)]
pub struct WasmEngine {
    inner: Rc<agent_policy_core::Engine>,
}

impl WasmEngine {
    fn decide(&self, action: &JsValue, options: JsValue) -> Result<Decision, JsValue> {
        let options: EvaluateOptions = read_options(options)?;
        let text = match action.as_string() {
            Some(text) => text,
            None => json_text(action)?.unwrap_or_else(|| "null".to_owned()),
        };
        let now = options.now.unwrap_or_else(clock);
        let _call = enter()?;
        convert::evaluate_with(
            &self.inner,
            &text,
            &now,
            options.sequence.unwrap_or(0),
            options.grants.as_ref(),
            options.bypasses.as_ref(),
            None,
        )
        .map(|(decision, _)| decision)
        .map_err(|e| policy_error(&e))
    }

    /// Decides an action in a session: the canonical `{"decision", "session"}` text.
    fn decide_in_session(
        &self,
        action: &JsValue,
        session: &JsValue,
        options: JsValue,
    ) -> Result<String, JsValue> {
        let options: SessionOptions = read_options(options)?;
        let text = match action.as_string() {
            Some(text) => text,
            None => json_text(action)?.unwrap_or_else(|| "null".to_owned()),
        };
        let session = json_value(session)?.unwrap_or(serde_json::Value::Null);
        let now = options.now.unwrap_or_else(clock);
        let _call = enter()?;
        let (decision, state) = convert::evaluate_with(
            &self.inner,
            &text,
            &now,
            0,
            options.grants.as_ref(),
            options.bypasses.as_ref(),
            Some(&session),
        )
        .map_err(|e| policy_error(&e))?;
        let state = state.unwrap_or_default();
        Ok(session_output(&decision, &state))
    }
}

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// Parses, checks and compiles `policy` (YAML by default) and its `overrides`. Throws a
    /// `PolicyError` naming file, line and column when the policy is wrong.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string")] policy: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "EngineOptions")] options: JsValue,
    ) -> Result<WasmEngine, JsValue> {
        let policy = string_arg(&policy, "the policy (YAML or JSON text)")?;
        let options: EngineOptions = read_options(options)?;
        let _call = enter()?;
        match convert::engine_from(&policy, &options) {
            Err(bad) => Err(type_error(&bad.0)),
            Ok(Err(e)) => Err(policy_error(&e)),
            Ok(Ok(engine)) => Ok(WasmEngine {
                inner: Rc::new(engine),
            }),
        }
    }

    /// The built-in defaults: `extends: [defaults/coding-agent]`, `default: allow`.
    pub fn defaults() -> Result<WasmEngine, JsValue> {
        let _call = enter()?;
        Ok(WasmEngine {
            inner: Rc::new(agent_policy_core::Engine::defaults()),
        })
    }

    /// Decides an action (an object, or JSON text read strictly) and returns the decision
    /// document as a plain object.
    #[wasm_bindgen(unchecked_return_type = "Decision")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "object | string")] action: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "EvaluateOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        parse(&self.decide(&action, options)?.to_json())
    }

    /// Decides an action and returns the canonical decision JSON, byte for byte what every
    /// surface returns.
    #[wasm_bindgen(js_name = evaluateJson)]
    pub fn evaluate_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "object | string")] action: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "EvaluateOptions")] options: JsValue,
    ) -> Result<String, JsValue> {
        Ok(self.decide(&action, options)?.to_json())
    }

    /// Decides an action in a session: `session` is the state a previous call returned (or
    /// `null` for a new session). Returns `{decision, session}`: the decision document and the
    /// state after it, which the caller keeps for the next call.
    #[wasm_bindgen(js_name = evaluateInSession, unchecked_return_type = "SessionResult")]
    pub fn evaluate_in_session(
        &self,
        #[wasm_bindgen(unchecked_param_type = "object | string")] action: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SessionState | null")] session: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SessionOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        parse(&self.decide_in_session(&action, &session, options)?)
    }

    /// `evaluateInSession` as the canonical `{"decision": ..., "session": ...}` JSON text,
    /// byte for byte what every surface returns.
    #[wasm_bindgen(js_name = evaluateInSessionJson)]
    pub fn evaluate_in_session_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "object | string")] action: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SessionState | null")] session: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SessionOptions")] options: JsValue,
    ) -> Result<String, JsValue> {
        self.decide_in_session(&action, &session, options)
    }

    /// Replaces every secret in `value` (any JSON value; a string is a string to scan) with
    /// its marker: `{value, redactions}`.
    #[wasm_bindgen(unchecked_return_type = "Redacted")]
    pub fn redact(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
    ) -> Result<JsValue, JsValue> {
        let value = json_value(&value)?.unwrap_or(serde_json::Value::Null);
        let redacted = {
            let _call = enter()?;
            self.inner.redact(&value).to_json()
        };
        parse(&redacted)
    }

    /// Legal but probably unintended things in the policy: `{warnings}`.
    #[wasm_bindgen(unchecked_return_type = "LintReport")]
    pub fn lint(&self) -> Result<JsValue, JsValue> {
        let report = {
            let _call = enter()?;
            self.inner.lint().to_json()
        };
        parse(&report)
    }

    /// Wraps a tool function: each call `(args, extra)` is decided as `{"tool": tool, "args":
    /// args}` plus the fixed `agent` and `context` of `options`, at this machine's clock. When
    /// the decision blocks it, the call throws `PolicyDenied` (with `.decision`) and the tool
    /// is not called; otherwise the tool is called with the redacted arguments (and `extra`
    /// unchanged) and its result is returned.
    #[wasm_bindgen(unchecked_return_type = "(args?: unknown, extra?: unknown) => unknown")]
    pub fn guard(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] tool: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Function")] handler: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "GuardOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let tool = string_arg(&tool, "the tool name")?;
        let handler: Function = handler
            .dyn_into()
            .map_err(|_| type_error("the handler must be a function"))?;
        let fixed: GuardOptions = read_options(options)?;
        let engine = Rc::clone(&self.inner);
        let call = move |args: JsValue, extra: JsValue| -> Result<JsValue, JsValue> {
            let args = json_value(&args)?;
            let now = clock();
            let args = {
                let _call = enter()?;
                let action =
                    convert::tool_action(&tool, args, fixed.agent.as_ref(), fixed.context.as_ref());
                let decision = engine
                    .evaluate(&Request::new(&action, &now))
                    .map_err(|e| policy_error(&e))?;
                if decision.decision.blocks() {
                    return Err(policy_denied(&decision));
                }
                match convert::redacted_args(&decision) {
                    Some(args) => plain(&args)?,
                    None => JsValue::UNDEFINED,
                }
            };
            // The tool is called outside the engine: it may call the engine itself.
            handler.call2(&JsValue::UNDEFINED, &args, &extra)
        };
        let closure = Closure::<dyn Fn(JsValue, JsValue) -> Result<JsValue, JsValue>>::new(call);
        Ok(closure.into_js_value())
    }

    /// `sha256:` + hex of the canonical compiled policy.
    #[wasm_bindgen(getter, js_name = policyHash)]
    pub fn policy_hash(&self) -> String {
        self.inner.policy_hash().to_owned()
    }

    /// The policy's schema version.
    #[wasm_bindgen(getter, js_name = policyVersion)]
    pub fn policy_version(&self) -> String {
        self.inner.policy_version().to_owned()
    }
}

/// Whether a decision (the document, or its `decision` outcome string) means the action must
/// not go ahead as asked: core's answer, for `require_approval`, `deny` and `terminate`.
#[wasm_bindgen]
pub fn blocks(
    #[wasm_bindgen(unchecked_param_type = "Decision | Outcome")] decision: JsValue,
) -> Result<bool, JsValue> {
    let outcome = if decision.is_string() {
        decision
    } else if decision.is_object() {
        Reflect::get(&decision, &JsString::from("decision"))?
    } else {
        JsValue::UNDEFINED
    };
    let outcome = outcome_arg(&outcome)
        .ok_or_else(|| type_error("blocks() takes a decision or one of the six outcomes"))?;
    Ok(outcome.blocks())
}

/// An outcome: its name as a string, or an object whose one own enumerable key is the name,
/// with `null` or `undefined` as its value (the object form serde gives a unit variant).
fn outcome_arg(value: &JsValue) -> Option<Outcome> {
    let (name, payload) = if value.is_string() {
        (value.clone(), JsValue::UNDEFINED)
    } else if value.is_object() {
        let entries = Object::entries(value.unchecked_ref());
        if entries.length() != 1 {
            return None;
        }
        let entry: Array = entries.get(0).unchecked_into();
        (entry.get(0), entry.get(1))
    } else {
        return None;
    };
    let name = name.as_string()?;
    let outcome = Outcome::ALL.into_iter().find(|o| o.as_str() == name)?;
    payload.loose_eq(&JsValue::NULL).then_some(outcome)
}

/// Panics, for the test build only: a panic must reach the caller as the `internal`
/// PolicyError, and every later call must fail closed.
#[cfg(feature = "test-panic")]
#[wasm_bindgen(js_name = panicForTest)]
pub fn panic_for_test() -> Result<(), JsValue> {
    let _call = enter()?;
    let empty: Vec<u8> = Vec::new();
    // An out-of-bounds index, as a bug would: the hook sees a real panic.
    let _ = std::hint::black_box(&empty)[std::hint::black_box(0)];
    Ok(())
}
