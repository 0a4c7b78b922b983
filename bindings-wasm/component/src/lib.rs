//! agent-policy as a WASI component: the world `agent-policy:engine`, a thin conversion layer
//! over core. The exports are built on [`agent_policy_core::Engine`] in their own change.

pub use agent_policy_core::Engine;
