//! Fuzz target: arbitrary text as an action under the built-in defaults: strict JSON, action
//! parsing, tool adapters, the shell tokenizer, the patch parser, URLs and hosts, and secret
//! redaction. Any input must give a decision or an error, never a panic or a hang; a decision
//! is deterministic.

#![no_main]

use std::sync::OnceLock;

use agent_policy_core::Engine;
use libfuzzer_sys::fuzz_target;

const NOW: &str = "2026-11-22T10:00:00Z";

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::defaults)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(first) = engine().evaluate_json(text, NOW) {
        let again = engine().evaluate_json(text, NOW).map(|d| d.to_json());
        assert_eq!(Ok(first.to_json()), again.map_err(|_| ()), "not deterministic");
    }
});
