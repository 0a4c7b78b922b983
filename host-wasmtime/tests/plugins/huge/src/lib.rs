//! Hostile: answers with about a megabyte of findings, far over the host's output limit.

use agent_policy_plugin::{Finding, Input, Plugin};

struct Huge;

impl Plugin for Huge {
    fn evaluate(_input: &Input) -> Result<Vec<Finding>, String> {
        let reason = "x".repeat(500);
        Ok((0..2_000)
            .map(|i| Finding::deny(&format!("r{i}"), reason.clone()))
            .collect())
    }
}

agent_policy_plugin::export_plugin!(Huge);
