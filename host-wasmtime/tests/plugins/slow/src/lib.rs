//! Hostile: would answer, after about 10^11 steps. Run with more fuel than that, the time
//! limit (epoch deadline) stops it.

use agent_policy_plugin::{Finding, Input, Plugin};

struct Slow;

impl Plugin for Slow {
    fn evaluate(_input: &Input) -> Result<Vec<Finding>, String> {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for i in 0..100_000_000_000u64 {
            h = std::hint::black_box((h ^ i).wrapping_mul(0x0100_0000_01b3));
        }
        Ok(vec![Finding::alert("done", format!("hash {h:x}"))])
    }
}

agent_policy_plugin::export_plugin!(Slow);
