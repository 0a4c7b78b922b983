//! The Rust side of the cross-surface parity check.
//!
//! `parity cases` prints every vector of the corpus as one self-contained JSON line (policy
//! text inlined, origins and formats spelled out), the input every other surface's runner
//! reads; `parity reference` prints what the Rust engine outputs for each, one
//! `{"name", "output"}` line per vector, the reference the others are compared with
//! (`tests/parity/compare.py`). A case decided in a session carries `session` (the state
//! before; `{}` for a new session) and its output is `{"decision", "session"}`; `grants` and
//! `bypasses` are lists (empty when the vector has none), `session` is null outside sessions.
#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool whose output is its result"
)]

use std::process::ExitCode;

use agent_policy_conformance::{
    INLINE_ORIGIN, Vector, evaluate_vector, load_corpus, output_of, vectors_dir,
};
use serde_json::{Value, json};

/// One vector as every surface's runner reads it.
fn case(v: &Vector) -> Value {
    let (policy, origin) = match (&v.policy, &v.policy_file) {
        (Some(text), _) => (Some(text.clone()), INLINE_ORIGIN.to_owned()),
        (None, Some(name)) => (v.policy_file_text.clone(), name.clone()),
        (None, None) => (None, INLINE_ORIGIN.to_owned()),
    };
    json!({
        "name": v.name,
        "policy": policy,
        "origin": origin,
        "format": v.format.as_deref().unwrap_or("yaml"),
        "overrides": v.overrides.iter().map(|o| json!({
            "policy": o.policy,
            "origin": o.origin,
            "format": o.format.as_deref().unwrap_or("yaml"),
        })).collect::<Vec<_>>(),
        "action": v.action,
        "action_text": v.action_text,
        "now": v.now,
        "sequence": v.sequence,
        "session": v.session,
        "grants": v.grants,
        "bypasses": v.bypasses,
    })
}

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let corpus = match load_corpus(&vectors_dir()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("parity: {e}");
            return ExitCode::FAILURE;
        }
    };
    for (_, v) in &corpus {
        match mode.as_str() {
            "cases" => println!("{}", case(v)),
            "reference" => {
                let output = match evaluate_vector(v) {
                    Ok(result) => output_of(&result),
                    Err(e) => {
                        eprintln!("parity: vector {}: {e}", v.name);
                        return ExitCode::FAILURE;
                    }
                };
                println!("{}", json!({ "name": v.name, "output": output }));
            }
            _ => {
                eprintln!("usage: parity cases|reference");
                return ExitCode::from(64);
            }
        }
    }
    ExitCode::SUCCESS
}
