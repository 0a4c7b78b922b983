//! agent-policy binding crate for the Node module `agent-policy` (napi-rs): a thin conversion layer over the native host.
//!
//! A binding converts types and errors and nothing else: every decision comes from
//! [`agent_policy_core::Engine`], the decision document is [`Decision::to_json`] and an error
//! is [`Error::to_json`], so every surface returns the same bytes. The foreign-function layer
//! is built on these in its own change.

pub use agent_policy_core::{Decision, Engine, Error};
