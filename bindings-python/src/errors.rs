//! Engine and host errors as Python exceptions.
//!
//! The exception classes live in Python (`agent_policy._errors`): the stable ABI cannot
//! subclass `Exception` from Rust before Python 3.12. This side hands over, per error, its
//! display text (`file:line:col: message [code]` and the help line), its JSON (the host's or
//! engine's `to_json`, the bytes every surface reports) and its related errors; the Python
//! side reads the fields from that JSON and picks the class by the code's prefix.

use agent_policy_core::{Error, ErrorCode};
use agent_policy_host::HostError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Runs `f` (with the GIL: converting arguments or results) inside the host's panic guard:
/// its Python errors (a wrong argument type) pass through, its engine errors become the Python
/// exception, a panic the `internal` error.
pub fn guarded<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<Result<T, Error>>) -> PyResult<T> {
    let mut python_error = None;
    let result = agent_policy_host::ffi::catch(|| match f() {
        Ok(converted) => converted.map_err(HostError::from),
        Err(e) => {
            python_error = Some(e);
            Err(HostError::from(Error::new(
                ErrorCode::Internal,
                "python error",
            )))
        }
    });
    match (result, python_error) {
        (_, Some(e)) => Err(e),
        (Ok(value), None) => Ok(value),
        (Err(e), None) => Err(to_pyerr(py, &e)),
    }
}

/// Runs `f` inside the host's panic guard with the GIL released, and turns its error into
/// the Python exception.
pub fn guarded_detached<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> Result<T, HostError> + Send,
) -> PyResult<T> {
    py.detach(|| agent_policy_host::ffi::catch(f))
        .map_err(|e| to_pyerr(py, &e))
}

/// The Python exception for a host error (a `PolicyError` subclass).
pub fn to_pyerr(py: Python<'_>, error: &HostError) -> PyErr {
    let built = match error {
        HostError::Core(e) => core_exception(py, e),
        other => make(py, other.to_string(), other.to_json(), Vec::new()),
    };
    match built {
        Ok(exception) => PyErr::from_value(exception),
        Err(e) => e,
    }
}

/// The Python exception for an engine error, its related errors converted alike.
fn core_exception<'py>(py: Python<'py>, error: &Error) -> PyResult<Bound<'py, PyAny>> {
    let related = error
        .related
        .iter()
        .map(|r| core_exception(py, r))
        .collect::<PyResult<Vec<_>>>()?;
    make(py, error.to_string(), error.to_json(), related)
}

fn make<'py>(
    py: Python<'py>,
    display: String,
    json: String,
    related: Vec<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    FROM_NATIVE
        .import(py, "agent_policy._errors", "_from_native")?
        .call1((display, json, related))
}
