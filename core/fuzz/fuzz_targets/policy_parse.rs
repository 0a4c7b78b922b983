//! Fuzz target: arbitrary text through the policy parser, the decoder and the compiler. Any
//! input must give a policy or an error with a location, never a panic, a hang or an
//! exhausted memory.

#![no_main]

use agent_policy_core::policy::{decode::decode, source::parse};
use agent_policy_core::{Engine, PolicySource, SourceFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text, "fuzz.yml") {
        Ok(node) => match decode(&node, "fuzz.yml") {
            // INVARIANT: every decode error names where in the source it is.
            Err(error) => assert!(error.all().all(|e| e.location.is_some()), "{error}"),
            // A document that decodes goes on through the compiler (globs, patterns,
            // examples); its errors may concern the whole file but must not panic.
            Ok(_) => {
                let _ = Engine::from_source(PolicySource::new(text, "fuzz.yml", SourceFormat::Yaml));
            }
        },
        // INVARIANT: every parse error names where in the source it is.
        Err(error) => assert!(error.location.is_some(), "{error}"),
    }
});
