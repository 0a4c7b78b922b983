//! The least a plugin can do: no finding, without reading its input. Measures the host's own
//! cost per call.

use agent_policy_plugin::Finding;
use agent_policy_plugin::bindings::agent_policy::plugin::types::Input;
use agent_policy_plugin::bindings::{Guest, export};

struct Trivial;

impl Guest for Trivial {
    fn evaluate(_input: Input) -> Result<Vec<Finding>, String> {
        Ok(Vec::new())
    }
}

export!(Trivial with_types_in agent_policy_plugin::bindings);
