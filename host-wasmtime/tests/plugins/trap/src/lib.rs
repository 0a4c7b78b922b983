//! Hostile: panics (a trap: wasm has no unwinding).

use agent_policy_plugin::{Finding, Input, Plugin};

struct Trap;

impl Plugin for Trap {
    fn evaluate(input: &Input) -> Result<Vec<Finding>, String> {
        let tool = input.action["tool"].as_str().unwrap_or_default();
        panic!("the trap plugin panics on every action ({tool})");
    }
}

agent_policy_plugin::export_plugin!(Trap);
