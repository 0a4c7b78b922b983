//! Hostile: allocates memory without end. The memory limit stops it.

use agent_policy_plugin::{Finding, Input, Plugin};

struct Alloc;

impl Plugin for Alloc {
    fn evaluate(_input: &Input) -> Result<Vec<Finding>, String> {
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        loop {
            let chunk: Vec<u8> = Vec::with_capacity(1 << 20);
            chunks.push(std::hint::black_box(chunk));
        }
    }
}

agent_policy_plugin::export_plugin!(Alloc);
