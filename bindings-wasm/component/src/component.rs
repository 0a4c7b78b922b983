//! The export glue of the world `agent-policy:engine`: binds the WIT interface `policy` to the
//! conversion functions of this crate. Generated bindings plus one-line conversions; nothing
//! about policy is decided here.
//!
//! A panic in the engine aborts the instance (wasm has no unwinding): the host sees a trap,
//! never a half-made answer.

// The generated bindings lift and lower values across the canonical ABI with unsafe code.
#![allow(unsafe_code)]

use agent_policy_core::{PolicySource, SourceFormat};

wit_bindgen::generate!({
    path: "wit",
    world: "engine",
});

use exports::agent_policy::engine::policy::{
    Engine as EngineHandle, Guest, GuestEngine, Source, SourceFormat as WitFormat,
};

/// The component: implements the exported interface.
struct Component;

impl Guest for Component {
    type Engine = EngineResource;
}

/// The representation of the WIT resource `engine`: one compiled core engine.
#[derive(Debug)]
pub struct EngineResource(agent_policy_core::Engine);

fn format(format: WitFormat) -> SourceFormat {
    match format {
        WitFormat::Yaml => SourceFormat::Yaml,
        WitFormat::Json => SourceFormat::Json,
    }
}

impl GuestEngine for EngineResource {
    fn load(
        policy: String,
        format_: WitFormat,
        origin: String,
        overrides: Vec<Source>,
    ) -> Result<EngineHandle, String> {
        let overrides: Vec<PolicySource<'_>> = overrides
            .iter()
            .map(|o| PolicySource::new(&o.policy, &o.origin, format(o.format)))
            .collect();
        let root = PolicySource::new(&policy, &origin, format(format_));
        crate::load(root, &overrides).map(|e| EngineHandle::new(EngineResource(e)))
    }

    fn defaults() -> EngineHandle {
        EngineHandle::new(EngineResource(agent_policy_core::Engine::defaults()))
    }

    fn evaluate(&self, action_json: String, now: String, sequence: u64) -> Result<String, String> {
        crate::evaluate(&self.0, &action_json, &now, sequence)
    }

    fn evaluate_with(
        &self,
        action_json: String,
        now: String,
        sequence: u64,
        grants_json: String,
        bypasses_json: String,
    ) -> Result<String, String> {
        crate::evaluate_with(
            &self.0,
            &action_json,
            &now,
            sequence,
            &grants_json,
            &bypasses_json,
            None,
        )
    }

    fn evaluate_in_session(
        &self,
        action_json: String,
        session_json: String,
        now: String,
        grants_json: String,
        bypasses_json: String,
    ) -> Result<String, String> {
        crate::evaluate_with(
            &self.0,
            &action_json,
            &now,
            0,
            &grants_json,
            &bypasses_json,
            Some(&session_json),
        )
    }

    fn redact(&self, value_json: String) -> Result<String, String> {
        crate::redact(&self.0, &value_json)
    }

    fn lint(&self) -> String {
        crate::lint(&self.0)
    }
}

export!(Component);
