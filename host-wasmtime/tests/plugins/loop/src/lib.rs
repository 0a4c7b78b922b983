//! Hostile: never returns. Fuel stops it.

use agent_policy_plugin::{Finding, Input, Plugin};

struct Loop;

impl Plugin for Loop {
    fn evaluate(_input: &Input) -> Result<Vec<Finding>, String> {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
}

agent_policy_plugin::export_plugin!(Loop);
