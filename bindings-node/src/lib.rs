//! agent-policy for Node: the native half of the `agent-policy` npm package (napi-rs).
//!
//! A binding converts types and errors and nothing else: every decision comes from
//! [`agent_policy_core::Engine`], policy files are read by [`agent_policy_host::load_policy`],
//! and what crosses back into JavaScript is the engine's own canonical JSON text
//! ([`Decision::to_json`](agent_policy_core::Decision::to_json),
//! [`Error::to_json`](agent_policy_core::Error::to_json), ...), so every surface returns the same
//! bytes. The package's `index.js` wraps this module into the public API (`Engine`,
//! `PolicyError`, `guard`): it hands actions over as JSON text (`JSON.stringify`) and parses the
//! text returned (`JSON.parse`), the fastest conversion that stays byte-exact.
//!
//! Every entry runs inside [`agent_policy_host::ffi::catch`], so a panic becomes the `internal`
//! error instead of unwinding into Node. Every failure is thrown as a JavaScript `Error` whose
//! message is the error JSON, which `index.js` turns into a `PolicyError`.

mod convert;

use std::path::Path;
use std::sync::Arc;

use agent_policy_core::decision::{Decision, Match};
use agent_policy_core::json::parse_strict;
use agent_policy_core::session::SessionState;
use agent_policy_core::session::json::{bypasses_from_value, grants_from_value, session_output};
use agent_policy_core::{Engine, Outcome, PolicySource, Request};
use agent_policy_host::host_config::configure;
use agent_policy_host::plugins::PluginSet;
use agent_policy_host::{HostError, ffi};
use napi::bindgen_prelude::{AsyncTask, Function, Unknown};
use napi::{Env, Status, Task};
use napi_derive::napi;

use crate::convert::{EvaluateArgs, JsonInput};

/// Runs one entry from JavaScript: panics caught, errors thrown as their JSON.
fn entry<T>(f: impl FnOnce() -> Result<T, HostError>) -> napi::Result<T> {
    ffi::catch(f).map_err(|e| thrown(&e))
}

/// The JavaScript error an engine or host error is thrown as: its message is the error JSON.
fn thrown(error: &HostError) -> napi::Error {
    napi::Error::new(Status::GenericFailure, error.to_json())
}

/// How a decision outside a session is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// The canonical document.
    Document,
    /// Its positional form (`Decision::to_positional_json`), which `index.js` rebuilds into
    /// the document's object faster than `JSON.parse` builds it from the document.
    Positional,
}

/// Evaluates one converted request: the canonical decision JSON (or its positional form), or
/// in a session `{"decision", "session"}`. The grants, bypass records and session state are
/// read by the engine first, then the action.
fn decide(
    engine: &Engine,
    plugins: &PluginSet,
    args: &EvaluateArgs,
    now: &str,
    form: Form,
) -> Result<String, HostError> {
    let grants = grants_from_value(&args.grants)?;
    let bypasses = bypasses_from_value(&args.bypasses)?;
    let mut session = args
        .session
        .as_ref()
        .map(SessionState::from_value)
        .transpose()?;
    let parsed;
    let action = match &args.action {
        JsonInput::Text(text) => {
            parsed = parse_strict(text, agent_policy_core::action::ACTION_ORIGIN, 1)?;
            &parsed
        }
        JsonInput::Value(value) => value,
    };
    let mut request = Request::new(action, now);
    request.sequence = args.sequence;
    request.grants = &grants;
    request.bypasses = &bypasses;
    Ok(match session.as_mut() {
        None => {
            let decision = plugins.evaluate(engine, &request, None)?;
            match form {
                Form::Document => decision.to_json(),
                Form::Positional => decision.to_positional_json(),
            }
        }
        Some(state) => {
            let decision = plugins.evaluate(engine, &request, Some(&mut *state))?;
            session_output(&decision, state)
        }
    })
}

/// `evaluate` (the method and the bound function alike): `[action, now, sequence, grants,
/// bypasses]` as given (`None`: left out) to the canonical decision JSON.
fn evaluate(
    engine: &Engine,
    plugins: &PluginSet,
    [action, now, sequence, grants, bypasses]: [Option<Unknown<'_>>; 5],
    form: Form,
) -> napi::Result<String> {
    entry(|| {
        let args = convert::evaluate_args(action, now, sequence, grants, bypasses)?;
        let now = ffi::now_or_clock(args.now.as_deref());
        decide(engine, plugins, &args, &now, form)
    })
}

/// A compiled policy (the public `Engine` of `index.js` wraps it). Every method returns the
/// engine's JSON text.
#[napi(js_name = "NativeEngine")]
#[derive(Debug)]
pub struct NativeEngine {
    engine: Arc<Engine>,
    /// The org policy plugins a policy file declares (none for text and the defaults).
    plugins: Arc<PluginSet>,
}

impl NativeEngine {
    fn wrap(engine: Engine, plugins: PluginSet) -> NativeEngine {
        NativeEngine {
            engine: Arc::new(engine),
            plugins: Arc::new(plugins),
        }
    }
}

#[napi]
impl NativeEngine {
    /// Compiles policy text (`format` "yaml" or "json", `origin` the name errors show) and its
    /// overrides, merged in order.
    #[napi(
        constructor,
        ts_args_type = "text: string, options?: { format?: 'yaml' | 'json'; origin?: string; overrides?: Array<{ policy: string; origin?: string; format?: 'yaml' | 'json' }> } | null"
    )]
    pub fn new(text: Unknown<'_>, options: Option<Unknown<'_>>) -> napi::Result<NativeEngine> {
        entry(|| {
            let args = convert::engine_args(text, options)?;
            let root = PolicySource::new(&args.root.text, &args.root.origin, args.root.format);
            let overrides: Vec<PolicySource<'_>> = args
                .overrides
                .iter()
                .map(|o| PolicySource::new(&o.text, &o.origin, o.format))
                .collect();
            let engine = Engine::from_sources(root, &overrides)?;
            Ok(NativeEngine::wrap(configure(engine)?, PluginSet::empty()))
        })
    }

    /// Loads a policy file and the directory overrides under its directory.
    #[napi(factory, ts_args_type = "path: string")]
    pub fn from_file(path: Unknown<'_>) -> napi::Result<NativeEngine> {
        entry(|| {
            let path = convert::path(path)?;
            let loaded = agent_policy_host::load_policy(Path::new(&path))?;
            let plugins = PluginSet::load(&loaded)?;
            Ok(NativeEngine::wrap(configure(loaded.engine)?, plugins))
        })
    }

    /// The built-in defaults.
    #[napi(factory)]
    pub fn defaults() -> napi::Result<NativeEngine> {
        entry(|| {
            Ok(NativeEngine::wrap(
                configure(Engine::defaults())?,
                PluginSet::empty(),
            ))
        })
    }

    /// Evaluates an action (JSON text, parsed strictly, or a value) at `now` (the host clock
    /// when absent), with the host's grants and bypass records (JSON text or values): the
    /// canonical decision JSON.
    #[napi(
        ts_args_type = "action: string | object, now?: string | null, sequence?: number | null, grants?: string | object | null, bypasses?: string | object | null"
    )]
    pub fn evaluate(
        &self,
        action: Unknown<'_>,
        now: Option<Unknown<'_>>,
        sequence: Option<Unknown<'_>>,
        grants: Option<Unknown<'_>>,
        bypasses: Option<Unknown<'_>>,
    ) -> napi::Result<String> {
        evaluate(
            &self.engine,
            &self.plugins,
            [Some(action), now, sequence, grants, bypasses],
            Form::Document,
        )
    }

    /// `evaluate` as a plain function bound to this engine: the same arguments, conversions
    /// and result. A method call pays the generated receiver glue every time (`this` unwrapped
    /// and checked, the borrow of the engine registered and released), a large share of what
    /// crossing into Rust and back costs; the function holds its own reference to the compiled
    /// policy instead, dropped when the function is garbage-collected. With `positional`
    /// true, the function returns the decision's positional form instead of the document (see
    /// `decisionFields`).
    #[napi(
        ts_args_type = "positional?: boolean | null",
        ts_return_type = "(action: string | object, now?: string | null, sequence?: number | null, grants?: string | object | null, bypasses?: string | object | null) => string"
    )]
    pub fn evaluator<'env>(
        &self,
        env: &'env Env,
        positional: Option<bool>,
    ) -> napi::Result<Function<'env, Unknown<'env>, String>> {
        let engine = Arc::clone(&self.engine);
        let plugins = Arc::clone(&self.plugins);
        let form = if positional == Some(true) {
            Form::Positional
        } else {
            Form::Document
        };
        env.create_function_from_closure("evaluate", move |call| {
            // An argument left out is `None`, as an absent optional argument of a method is.
            // Reading one as `Unknown` only wraps it: it cannot fail.
            let arg = |i: usize| {
                if i < call.length() {
                    call.get::<Unknown<'_>>(i).ok()
                } else {
                    None
                }
            };
            evaluate(
                &engine,
                &plugins,
                [arg(0), arg(1), arg(2), arg(3), arg(4)],
                form,
            )
        })
    }

    /// Evaluates an action in a session: `session` is the state a previous call returned
    /// (JSON text or a value; null for a new session). The canonical
    /// `{"decision": ..., "session": <the state after>}`.
    #[napi(
        ts_args_type = "action: string | object, session?: string | object | null, now?: string | null, grants?: string | object | null, bypasses?: string | object | null"
    )]
    pub fn evaluate_in_session(
        &self,
        action: Unknown<'_>,
        session: Option<Unknown<'_>>,
        now: Option<Unknown<'_>>,
        grants: Option<Unknown<'_>>,
        bypasses: Option<Unknown<'_>>,
    ) -> napi::Result<String> {
        entry(|| {
            let args = convert::session_args(action, session, now, grants, bypasses)?;
            let now = ffi::now_or_clock(args.now.as_deref());
            decide(&self.engine, &self.plugins, &args, &now, Form::Document)
        })
    }

    /// `evaluate` on the libuv thread pool: a Promise of the canonical decision JSON. The
    /// arguments are converted (and the clock read) before the call returns.
    #[napi(
        ts_args_type = "action: string | object, now?: string | null, sequence?: number | null, grants?: string | object | null, bypasses?: string | object | null",
        ts_return_type = "Promise<string>"
    )]
    pub fn evaluate_async(
        &self,
        action: Unknown<'_>,
        now: Option<Unknown<'_>>,
        sequence: Option<Unknown<'_>>,
        grants: Option<Unknown<'_>>,
        bypasses: Option<Unknown<'_>>,
    ) -> napi::Result<AsyncTask<EvaluateTask>> {
        entry(|| {
            let args = convert::evaluate_args(Some(action), now, sequence, grants, bypasses)?;
            let now = ffi::now_or_clock(args.now.as_deref());
            Ok(AsyncTask::new(EvaluateTask {
                engine: Arc::clone(&self.engine),
                plugins: Arc::clone(&self.plugins),
                args,
                now,
            }))
        })
    }

    /// Replaces every secret in a value (JSON text, or a value) by its marker:
    /// `{"value": ..., "redactions": [...]}`.
    #[napi(ts_args_type = "value: string | object | number | boolean | null")]
    pub fn redact(&self, value: Unknown<'_>) -> napi::Result<String> {
        entry(|| {
            let value = match convert::json_input(value, "the value")? {
                JsonInput::Text(text) => parse_strict(&text, "<value>", 1)?,
                JsonInput::Value(value) => value,
            };
            Ok(self.engine.redact(&value).to_json())
        })
    }

    /// What is legal but probably not meant in the policy: `{"warnings": [...]}`.
    #[napi]
    pub fn lint(&self) -> napi::Result<String> {
        entry(|| Ok(self.engine.lint().to_json()))
    }
}

/// The keys of the decision document and of a `matched` entry, in order, each with whether it
/// is left out when absent: what rebuilds the document from its positional form
/// (`evaluator(true)`). JSON: `{"decision": [[key, optional], ...], "matched": [...]}`.
#[napi]
pub fn decision_fields() -> String {
    serde_json::json!({
        "decision": Decision::FIELDS,
        "matched": Match::FIELDS,
    })
    .to_string()
}

/// Whether an outcome (`"deny"`) means the action must not go ahead as asked: the engine's
/// `Outcome::blocks`. A value that is not an outcome blocks: fail closed.
#[napi(ts_args_type = "outcome: string")]
pub fn blocks(outcome: Unknown<'_>) -> napi::Result<bool> {
    entry(|| {
        let outcome = convert::outcome_text(outcome)?;
        Ok(outcome
            .as_deref()
            .and_then(Outcome::parse)
            .is_none_or(Outcome::blocks))
    })
}

/// One `evaluateAsync` call, run off the main thread.
#[derive(Debug)]
pub struct EvaluateTask {
    engine: Arc<Engine>,
    plugins: Arc<PluginSet>,
    args: EvaluateArgs,
    now: String,
}

impl Task for EvaluateTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<String> {
        entry(|| {
            decide(
                &self.engine,
                &self.plugins,
                &self.args,
                &self.now,
                Form::Document,
            )
        })
    }

    fn resolve(&mut self, _env: Env, output: String) -> napi::Result<String> {
        Ok(output)
    }
}
