//! `agent_policy.Decision`: the engine's decision, read-only, converted on access.
//!
//! Holding the Rust value and converting a field only when it is read keeps `evaluate` cheap.
//! Structured fields are converted through their JSON, so `d.matched == d.to_dict()["matched"]`
//! holds by construction, and `to_dict()` is `json.loads(to_json())` itself.

use agent_policy_core::{Decision, Error, ErrorCode};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;
use serde::Serialize;

use crate::errors::guarded;

static JSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Parses JSON text with Python's `json.loads`.
pub fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    JSON_LOADS.import(py, "json", "loads")?.call1((text,))
}

/// A structured field as Python values, through its JSON.
fn field<'py>(py: Python<'py>, value: &impl Serialize) -> PyResult<Bound<'py, PyAny>> {
    guarded(py, || match serde_json::to_string(value) {
        Ok(text) => json_loads(py, &text).map(Ok),
        Err(e) => Ok(Err(Error::new(
            ErrorCode::Internal,
            format!("cannot serialise a decision field: {e}"),
        ))),
    })
}

/// The answer to "may this action happen?" (SPEC §4), with everything needed to explain it.
#[pyclass(frozen, module = "agent_policy", name = "Decision")]
#[derive(Debug)]
pub struct PyDecision {
    inner: Decision,
}

impl PyDecision {
    /// Wraps an engine decision.
    pub fn new(inner: Decision) -> PyDecision {
        PyDecision { inner }
    }
}

#[pymethods]
impl PyDecision {
    /// `allow`, `redact`, `alert`, `require_approval`, `deny` or `terminate`.
    #[getter]
    fn decision(&self) -> &'static str {
        self.inner.decision.as_str()
    }

    /// Whether the action must not go ahead (`require_approval`, `deny`, `terminate`).
    #[getter]
    fn blocks(&self) -> bool {
        self.inner.decision.blocks()
    }

    /// `dec_` + 24 hex digits, deterministic.
    #[getter]
    fn decision_id(&self) -> &str {
        &self.inner.decision_id
    }

    /// The action's `id`, or one derived from its content.
    #[getter]
    fn action_id(&self) -> &str {
        &self.inner.action_id
    }

    /// The rules that determined the decision.
    #[getter]
    fn policy_ids(&self) -> Vec<&str> {
        self.inner.policy_ids.iter().map(|id| id.as_str()).collect()
    }

    /// Why, for people.
    #[getter]
    fn reason(&self) -> &str {
        &self.inner.reason
    }

    /// 0..=100, deterministic.
    #[getter]
    fn risk_score(&self) -> u8 {
        self.inner.risk_score
    }

    /// Who may approve, when the decision is `require_approval`.
    #[getter]
    fn approver_role(&self) -> Option<&str> {
        self.inner.approver_role.as_deref()
    }

    /// The secrets found, each replaced by its marker in `redacted_action`.
    #[getter]
    fn redactions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        field(py, &self.inner.redactions)
    }

    /// Alerts raised by matched rules, whatever the decision.
    #[getter]
    fn alerts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        field(py, &self.inner.alerts)
    }

    /// Every matched rule with its outcome and the effect it matched.
    #[getter]
    fn matched<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        field(py, &self.inner.matched)
    }

    /// The normalised effects of the action.
    #[getter]
    fn effects<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        field(py, &self.inner.effects)
    }

    /// The action with every secret replaced by its marker: what a caller that proceeds uses.
    #[getter]
    fn redacted_action<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guarded(py, || {
            json_loads(py, self.inner.redacted_action.as_str()).map(Ok)
        })
    }

    /// The `now` of the decision, RFC 3339 UTC.
    #[getter]
    fn timestamp(&self) -> &str {
        &self.inner.timestamp
    }

    /// The policy's schema version.
    #[getter]
    fn policy_version(&self) -> &str {
        &self.inner.policy_version
    }

    /// `sha256:` + hex of the compiled policy.
    #[getter]
    fn policy_hash(&self) -> &str {
        &self.inner.policy_hash
    }

    /// What an approver must grant (`{fingerprint, approver_role}`), on `require_approval`.
    #[getter]
    fn approval_request<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        field(py, &self.inner.approval_request)
    }

    /// The grant that turned `require_approval` into `allow`, if one did.
    #[getter]
    fn approval<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        field(py, &self.inner.approval)
    }

    /// The bypass record that lifted a deny, if one did.
    #[getter]
    fn bypass_id(&self) -> Option<&str> {
        self.inner.bypass_id.as_deref()
    }

    /// The session budget that ran out (`{limit, used, allowed}`), if one did.
    #[getter]
    fn budget<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        field(py, &self.inner.budget)
    }

    /// The canonical decision document: the same bytes on every surface.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        guarded(py, || Ok(Ok(self.inner.to_json())))
    }

    /// The decision document as a dict: `json.loads(self.to_json())`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guarded(py, || json_loads(py, &self.inner.to_json()).map(Ok))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let quote = |s: &str| -> PyResult<String> {
            Ok(PyString::new(py, s).repr()?.to_cow()?.into_owned())
        };
        guarded(py, || {
            let ids = self
                .inner
                .policy_ids
                .iter()
                .map(|id| quote(id))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(Ok(format!(
                "<Decision {} risk_score={} policy_ids=[{}] reason={} decision_id={}>",
                self.inner.decision.as_str(),
                self.inner.risk_score,
                ids.join(", "),
                quote(&self.inner.reason)?,
                quote(&self.inner.decision_id)?,
            )))
        })
    }
}
