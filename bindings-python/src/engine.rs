//! `agent_policy.Engine`: a compiled policy, shared freely across threads.
//!
//! Construction converts the arguments into the engine's [`PolicySource`]s (or the host's file
//! loader); `evaluate`, `evaluate_in_session`, `redact` and `lint` convert their inputs (the
//! session state, grants and bypass records are read by the engine's own readers, so their
//! errors are the engine's), run the engine without the GIL inside the panic guard, and
//! convert the result. Nothing here decides anything.

use std::path::PathBuf;

use agent_policy_core::session::json::{bypasses_from_value, grants_from_value};
use agent_policy_core::session::{Bypass, Grant, SessionState};
use agent_policy_core::{Engine, PolicySource, Request, SourceFormat};
use agent_policy_host::host_config::configure;
use agent_policy_host::plugins::PluginSet;
use agent_policy_host::{HostError, ffi};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde_json::Value;

use crate::convert::{Subject, action_text, now_text, to_value};
use crate::decision::{PyDecision, json_loads};
use crate::errors::{guarded, guarded_detached};

/// One override source, as given.
struct Override {
    policy: String,
    origin: String,
    format: SourceFormat,
}

fn source_format(name: &str) -> PyResult<SourceFormat> {
    match name {
        "yaml" => Ok(SourceFormat::Yaml),
        "json" => Ok(SourceFormat::Json),
        other => Err(PyValueError::new_err(format!(
            "format must be 'yaml' or 'json', not {other:?}"
        ))),
    }
}

fn overrides_from(list: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Override>> {
    let Some(list) = list.filter(|l| !l.is_none()) else {
        return Ok(Vec::new());
    };
    if list.is_instance_of::<PyString>() || list.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err(
            "overrides must be a list of {'policy', 'origin', 'format'} dicts",
        ));
    }
    let mut out = Vec::new();
    for (n, item) in list.try_iter()?.enumerate() {
        let item = item?;
        let dict = item.cast::<PyDict>().map_err(|_| {
            PyTypeError::new_err(format!(
                "overrides[{n}] must be a dict with 'policy', 'origin' and optionally 'format'"
            ))
        })?;
        for key in dict.keys() {
            let key: String = key.extract()?;
            if !matches!(key.as_str(), "policy" | "origin" | "format") {
                return Err(PyValueError::new_err(format!(
                    "overrides[{n}] has an unknown key {key:?}: the keys are 'policy', 'origin', 'format'"
                )));
            }
        }
        let text = |key: &str| -> PyResult<Option<String>> {
            dict.get_item(key)?
                .map(|v| v.extract::<String>())
                .transpose()
        };
        let missing = |key: &str| PyValueError::new_err(format!("overrides[{n}] needs {key:?}"));
        out.push(Override {
            policy: text("policy")?.ok_or_else(|| missing("policy"))?,
            origin: text("origin")?.ok_or_else(|| missing("origin"))?,
            format: source_format(text("format")?.as_deref().unwrap_or("yaml"))?,
        });
    }
    Ok(out)
}

/// The host's grants and bypass records of one call, read by the engine.
struct Records {
    grants: Vec<Grant>,
    bypasses: Vec<Bypass>,
}

impl Records {
    fn request<'a>(&'a self, action: &'a Value, now: &'a str) -> Request<'a> {
        let mut request = Request::new(action, now);
        request.grants = &self.grants;
        request.bypasses = &self.bypasses;
        request
    }
}

/// An action as given: JSON text (read by the engine, without the GIL) or a converted value.
enum ActionInput {
    Text(String),
    Value(Value),
}

impl ActionInput {
    fn value(self) -> Result<Value, HostError> {
        match self {
            ActionInput::Text(text) => Ok(agent_policy_core::json::parse_strict(
                &text,
                agent_policy_core::action::ACTION_ORIGIN,
                1,
            )?),
            ActionInput::Value(value) => Ok(value),
        }
    }
}

/// A compiled policy, ready to evaluate actions. Immutable, and safe to share across threads.
#[pyclass(frozen, module = "agent_policy", name = "Engine")]
#[derive(Debug)]
pub struct PyEngine {
    engine: Engine,
    /// The org policy plugins a policy file declares (none for text and the defaults).
    plugins: PluginSet,
}

impl PyEngine {
    /// Converts the `grants` and `bypasses` arguments (lists of dicts, or None).
    fn records(
        &self,
        py: Python<'_>,
        grants: Option<&Bound<'_, PyAny>>,
        bypasses: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Records> {
        let list = |arg: Option<&Bound<'_, PyAny>>, subject| match arg.filter(|a| !a.is_none()) {
            None => Ok(Value::Null),
            Some(a) => guarded(py, || Ok(to_value(a, subject, &self.engine))),
        };
        let grants = list(grants, Subject::Grants)?;
        let bypasses = list(bypasses, Subject::Bypasses)?;
        Ok(Records {
            grants: guarded(py, || Ok(grants_from_value(&grants)))?,
            bypasses: guarded(py, || Ok(bypasses_from_value(&bypasses)))?,
        })
    }

    /// Converts the `action` argument: JSON text is kept for the engine's strict reader.
    fn action(&self, py: Python<'_>, action: &Bound<'_, PyAny>) -> PyResult<ActionInput> {
        if let Ok(text) = action.cast::<PyString>() {
            Ok(ActionInput::Text(guarded(py, || Ok(action_text(text)))?))
        } else {
            guarded(py, || Ok(to_value(action, Subject::Action, &self.engine)))
                .map(ActionInput::Value)
        }
    }
}

#[pymethods]
impl PyEngine {
    /// Loads the policy file at `path` and every override file under its directory.
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf) -> PyResult<PyEngine> {
        guarded_detached(py, || {
            let loaded = agent_policy_host::load_policy(&path)?;
            let plugins = PluginSet::load(&loaded)?;
            Ok(PyEngine {
                engine: configure(loaded.engine)?,
                plugins,
            })
        })
    }

    /// Compiles a policy from text, with override sources merged in order.
    #[staticmethod]
    #[pyo3(signature = (text, format = "yaml", *, origin = "<inline>", overrides = None))]
    fn from_str(
        py: Python<'_>,
        text: &str,
        format: &str,
        origin: &str,
        overrides: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyEngine> {
        let format = source_format(format)?;
        let overrides = overrides_from(overrides)?;
        guarded_detached(py, || {
            let sources: Vec<PolicySource<'_>> = overrides
                .iter()
                .map(|o| PolicySource::new(&o.policy, &o.origin, o.format))
                .collect();
            let engine = Engine::from_sources(PolicySource::new(text, origin, format), &sources)
                .map_err(HostError::from)?;
            Ok(PyEngine {
                engine: configure(engine)?,
                plugins: PluginSet::empty(),
            })
        })
    }

    /// The built-in defaults (`extends: [defaults/coding-agent]`, `default: allow`).
    #[staticmethod]
    fn defaults(py: Python<'_>) -> PyResult<PyEngine> {
        guarded_detached(py, || {
            Ok(PyEngine {
                engine: configure(Engine::defaults())?,
                plugins: PluginSet::empty(),
            })
        })
    }

    /// Evaluates one action: a dict (a JSON value) or JSON text, read strictly. `grants` and
    /// `bypasses` are the host's approval grants and bypass records (lists of dicts).
    #[pyo3(signature = (action, now = None, *, sequence = 0, grants = None, bypasses = None))]
    fn evaluate(
        &self,
        py: Python<'_>,
        action: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
        sequence: u64,
        grants: Option<&Bound<'_, PyAny>>,
        bypasses: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyDecision> {
        let now = guarded(py, || now_text(now))?;
        let now = ffi::now_or_clock(now.as_deref());
        let records = self.records(py, grants, bypasses)?;
        let action = self.action(py, action)?;
        let (engine, plugins) = (&self.engine, &self.plugins);
        let decision = guarded_detached(py, || {
            let value = action.value()?;
            let mut request = records.request(&value, &now);
            request.sequence = sequence;
            plugins
                .evaluate(engine, &request, None)
                .map_err(HostError::from)
        })?;
        Ok(PyDecision::new(decision))
    }

    /// Evaluates one action in a session: `session` is the state a previous call returned (a
    /// dict) or None for a new session. Returns the decision and the state after it; the
    /// state passed in is not changed.
    #[pyo3(signature = (action, session, now = None, *, grants = None, bypasses = None))]
    fn evaluate_in_session<'py>(
        &self,
        py: Python<'py>,
        action: &Bound<'py, PyAny>,
        session: Option<&Bound<'py, PyAny>>,
        now: Option<&Bound<'py, PyAny>>,
        grants: Option<&Bound<'py, PyAny>>,
        bypasses: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(PyDecision, Bound<'py, PyAny>)> {
        let now = guarded(py, || now_text(now))?;
        let now = ffi::now_or_clock(now.as_deref());
        let records = self.records(py, grants, bypasses)?;
        let session = match session.filter(|s| !s.is_none()) {
            None => Value::Null,
            Some(s) => guarded(py, || Ok(to_value(s, Subject::Session, &self.engine)))?,
        };
        let mut state = guarded(py, || Ok(SessionState::from_value(&session)))?;
        let action = self.action(py, action)?;
        let (engine, plugins) = (&self.engine, &self.plugins);
        let (decision, state) = guarded_detached(py, || {
            let value = action.value()?;
            let request = records.request(&value, &now);
            let decision = plugins
                .evaluate(engine, &request, Some(&mut state))
                .map_err(HostError::from)?;
            Ok((decision, state.to_json()))
        })?;
        let state = guarded(py, || json_loads(py, &state).map(Ok))?;
        Ok((PyDecision::new(decision), state))
    }

    /// Replaces every secret in `value` by its marker: `{"value": ..., "redactions": [...]}`.
    fn redact<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let value = guarded(py, || Ok(to_value(value, Subject::Value, &self.engine)))?;
        let text = guarded_detached(py, || Ok(self.engine.redact(&value).to_json()))?;
        guarded(py, || json_loads(py, &text).map(Ok))
    }

    /// Legal but probably unintended things in the policy: `{"warnings": [...]}`.
    fn lint<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = guarded_detached(py, || Ok(self.engine.lint().to_json()))?;
        guarded(py, || json_loads(py, &text).map(Ok))
    }

    fn __repr__(&self) -> &'static str {
        "<agent_policy.Engine>"
    }
}
