//! Fuzz target: arbitrary bytes as a shell command line, read as UTF-8 with invalid sequences
//! replaced: through the command analysis alone (tokenizer, wrapper unwrapping, flag
//! normalisation, per-program effects), then as a `Bash` action under the built-in defaults.
//! Any input must give an analysis and a decision, never a panic or a hang (only a line with
//! no command in it may be refused); the effects stay within their stated bound and the
//! decision is deterministic.

#![no_main]

use std::fmt::Write as _;
use std::sync::OnceLock;

use agent_policy_core::effects::command::{MAX_LINE_EFFECTS, analyze, command_effects};
use agent_policy_core::{Engine, ErrorCode};
use libfuzzer_sys::fuzz_target;

const NOW: &str = "2026-11-22T10:00:00Z";
const WORKSPACE: &str = "/home/dev/shop";

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::defaults)
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    let analysis = analyze(&line);
    // INVARIANT: a simple command is only recorded when it has words.
    assert!(analysis.commands.iter().all(|c| !c.argv.is_empty()));
    let effects = command_effects(&line, Some(WORKSPACE), Some(WORKSPACE));
    // INVARIANT: a line yields at most MAX_LINE_EFFECTS effects plus one opaque marker.
    assert!(
        effects.len() <= MAX_LINE_EFFECTS + 1,
        "{} effects",
        effects.len()
    );

    let action = format!(
        r#"{{"tool":"Bash","args":{{"command":{}}},"agent":{{"type":"coding-agent"}},"context":{{"workspace":"{WORKSPACE}","cwd":"{WORKSPACE}"}}}}"#,
        json_string(&line)
    );
    let first = match engine().evaluate_json(&action, NOW) {
        Ok(decision) => decision.to_json(),
        // INVARIANT: a well-formed action with a string command is decided, unless the line
        // holds no command at all (blank, a comment, assignments only).
        Err(error) => {
            assert_eq!(error.code, ErrorCode::ActionMissingField, "{error}");
            assert!(analysis.commands.is_empty() && !analysis.opaque, "{error}");
            return;
        }
    };
    let again = engine().evaluate_json(&action, NOW).map(|d| d.to_json());
    assert_eq!(Ok(first), again.map_err(|_| ()), "not deterministic");
});
