//! Fuzz target: arbitrary text through the policy parser and decoder. Any input must give a
//! tree or an error with a location, never a panic, a hang or an exhausted memory.

#![no_main]

use agent_policy_core::policy::{decode::decode, source::parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text, "fuzz.yml") {
        Ok(node) => {
            if let Err(error) = decode(&node, "fuzz.yml") {
                // INVARIANT: every decode error names where in the source it is.
                assert!(error.all().all(|e| e.location.is_some()), "{error}");
            }
        }
        // INVARIANT: every parse error names where in the source it is.
        Err(error) => assert!(error.location.is_some(), "{error}"),
    }
});
