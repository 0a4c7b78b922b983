//! The native half of the Python module `agent_policy` (pyo3, stable ABI from Python 3.9):
//! a thin conversion layer over the native host and the engine.
//!
//! A binding converts types and errors and nothing else: every decision comes from
//! [`agent_policy_core::Engine`], the decision document is
//! [`agent_policy_core::Decision::to_json`] and an error is the host's or engine's `to_json`,
//! so every surface returns the same bytes. Every call into the engine runs inside
//! [`agent_policy_host::ffi::catch`] (a panic becomes the `internal` error, never an unwind into
//! Python) and without the GIL, so other Python threads keep running while it works.
//!
//! The Python package (`python/agent_policy`) re-exports [`engine::PyEngine`] as `Engine` and
//! [`decision::PyDecision`] as `Decision`, and defines the exception classes and `guard`.

use pyo3::prelude::*;

pub mod convert;
pub mod decision;
pub mod engine;
pub mod errors;

/// The extension module `agent_policy._native`.
#[pymodule(name = "_native")]
mod native {
    #[pymodule_export]
    use super::decision::PyDecision;
    #[pymodule_export]
    use super::engine::PyEngine;
}
