//! Fuzz target: arbitrary bytes through the built-in secret redactor, as text and, when they
//! parse, as a JSON value. Any input gives a result, never a panic or a hang; redacting is
//! deterministic; every secret found is gone from the output (its marker stands in its
//! place); and redacting the output again finds nothing new of the same span.

#![no_main]

use std::sync::OnceLock;

use agent_policy_core::Engine;
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::defaults)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let redactor = engine().redactor();
    let (out, found) = redactor.redact_text(&text, "$");
    let (again, _) = redactor.redact_text(&text, "$");
    assert_eq!(out, again, "redaction is not deterministic");
    for r in &found {
        let secret = text
            .get(r.start..r.end)
            .expect("a finding's span lies in the text");
        assert!(!secret.is_empty(), "empty finding");
        assert!(out.contains(&r.marker), "marker missing from the output");
        // A long secret that survives whole is a leak (short ones may recur by chance). The
        // markers are taken out first: text such as `ACTED:generic-secret` may be found as a
        // secret and also be part of its own marker.
        if secret.len() >= 16 && !text.replacen(secret, "", 1).contains(secret) {
            let mut rest = out.clone();
            for f in &found {
                rest = rest.replace(&f.marker, "\u{0}");
            }
            assert!(
                !rest.contains(secret),
                "a found secret survives in the output"
            );
        }
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
        let first = engine().redact(&value).to_json();
        assert_eq!(
            first,
            engine().redact(&value).to_json(),
            "not deterministic"
        );
    }
});
