//! agent-policy as a WASI component: the world `agent-policy:engine` (`wit/world.wit`), a thin
//! conversion layer over [`agent_policy_core::Engine`].
//!
//! JSON crosses the component boundary as text, so every byte a host sees is the engine's
//! own: a decision is [`Decision::to_json`](agent_policy_core::Decision::to_json), an error
//! is [`Error::to_json`](agent_policy_core::Error::to_json), a redaction
//! [`Redacted::to_json`](agent_policy_core::Redacted::to_json) and a lint report
//! [`LintReport::to_json`](agent_policy_core::LintReport::to_json). The functions here do
//! the conversion and nothing else; they compile everywhere, so the native build of the
//! workspace tests them. The export glue that binds them to the WIT world (`component`) is
//! compiled for `wasm32` only. Sessions cross as JSON text too: the state in, and
//! `{"decision", "session"}` out ([`evaluate_with`]).

use agent_policy_core::action::ACTION_ORIGIN;
use agent_policy_core::session::SessionState;
use agent_policy_core::session::json::{bypasses_from_json, grants_from_json, session_output};
use agent_policy_core::{Engine, Error, PolicySource, Request};

#[cfg(target_arch = "wasm32")]
mod component;

/// The origin that value-reading errors of [`redact`] name.
const VALUE_ORIGIN: &str = "<value>";

/// Compiles a root policy and its overrides (merged in the order given).
///
/// The error is the engine's error JSON, every problem of the load included.
pub fn load(root: PolicySource<'_>, overrides: &[PolicySource<'_>]) -> Result<Engine, String> {
    Engine::from_sources(root, overrides).map_err(|e| e.to_json())
}

/// Evaluates one action given as JSON text, read strictly (a key written twice is an error).
///
/// Ok is the canonical decision document, Err the engine's error JSON.
pub fn evaluate(
    engine: &Engine,
    action_json: &str,
    now: &str,
    sequence: u64,
) -> Result<String, String> {
    let action = agent_policy_core::json::parse_strict(action_json, ACTION_ORIGIN, 1)
        .map_err(|e| e.to_json())?;
    let mut request = Request::new(&action, now);
    request.sequence = sequence;
    engine
        .evaluate(&request)
        .map(|d| d.to_json())
        .map_err(|e| e.to_json())
}

/// Evaluates one action given as JSON text with the host's grants and bypass records (JSON
/// lists; an empty text is none) and, when `session_json` is given, in that session (an
/// empty text, `null` or `{}` is a new session). The grants, records and state are read
/// before the action.
///
/// Ok is the canonical decision document, or in a session `{"decision", "session"}`; Err
/// the engine's error JSON.
pub fn evaluate_with(
    engine: &Engine,
    action_json: &str,
    now: &str,
    sequence: u64,
    grants_json: &str,
    bypasses_json: &str,
    session_json: Option<&str>,
) -> Result<String, String> {
    let run = || -> Result<String, Error> {
        let grants = grants_from_json(grants_json)?;
        let bypasses = bypasses_from_json(bypasses_json)?;
        let mut session = session_json.map(SessionState::from_json).transpose()?;
        let action = agent_policy_core::json::parse_strict(action_json, ACTION_ORIGIN, 1)?;
        let mut request = Request::new(&action, now);
        request.sequence = sequence;
        request.grants = &grants;
        request.bypasses = &bypasses;
        Ok(match session.as_mut() {
            None => engine.evaluate(&request)?.to_json(),
            Some(state) => {
                let decision = engine.evaluate_in_session(&request, state)?;
                session_output(&decision, state)
            }
        })
    };
    run().map_err(|e| e.to_json())
}

/// Replaces every secret in a JSON value (given as text, read strictly) with its marker.
///
/// Ok is `{"value": ..., "redactions": [...]}`, Err the engine's error JSON.
pub fn redact(engine: &Engine, value_json: &str) -> Result<String, String> {
    let value = agent_policy_core::json::parse_strict(value_json, VALUE_ORIGIN, 1)
        .map_err(|e| e.to_json())?;
    Ok(engine.redact(&value).to_json())
}

/// The lint report of the policy: `{"warnings": [...]}`.
pub fn lint(engine: &Engine) -> String {
    engine.lint().to_json()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use agent_policy_core::SourceFormat;

    const NOW: &str = "2026-11-22T10:00:00Z";

    fn inline(text: &str) -> PolicySource<'_> {
        PolicySource::new(text, "<inline>", SourceFormat::Yaml)
    }

    #[test]
    fn evaluate_gives_the_engine_document_with_the_sequence() {
        let engine = Engine::defaults();
        let action = r#"{"tool":"Read","args":{"file_path":".env"}}"#;
        let value: serde_json::Value = serde_json::from_str(action).unwrap();
        let mut request = Request::new(&value, NOW);
        request.sequence = 7;
        let want = engine.evaluate(&request).unwrap().to_json();
        assert_eq!(evaluate(&engine, action, NOW, 7).unwrap(), want);
        // The sequence reaches the engine: it is part of the decision id.
        assert_ne!(evaluate(&engine, action, NOW, 0).unwrap(), want);
        assert_eq!(
            evaluate(&engine, action, NOW, 0).unwrap(),
            engine.evaluate_json(action, NOW).unwrap().to_json()
        );
    }

    #[test]
    fn action_errors_are_the_engine_error_json() {
        let engine = Engine::defaults();
        for text in [
            r#"{"tool":"Bash","tool":"Read"}"#,
            "{not json",
            "",
            r#"{"tool":"Bash","bogus":1}"#,
        ] {
            let want = engine.evaluate_json(text, NOW).unwrap_err().to_json();
            assert_eq!(evaluate(&engine, text, NOW, 0).unwrap_err(), want, "{text}");
        }
        let bad_now = evaluate(&engine, r#"{"tool":"Read"}"#, "yesterday", 0).unwrap_err();
        assert!(bad_now.contains("request.bad_timestamp"), "{bad_now}");
    }

    #[test]
    fn load_errors_are_the_engine_error_json_with_every_problem() {
        let root = "version: \"1\"\nrules:\n  - id: a\n    denny: true\n";
        let over = "rules:\n  - id: b\n    outcome: maybe\n";
        let sources = [PolicySource::new(
            over,
            "sub/.agent-policy.override.yml",
            SourceFormat::Yaml,
        )];
        let got = load(inline(root), &sources).unwrap_err();
        let want = Engine::from_sources(inline(root), &sources)
            .unwrap_err()
            .to_json();
        assert_eq!(got, want);
        assert!(got.contains("\"line\":4"), "{got}");
        assert!(got.contains("sub/.agent-policy.override.yml"), "{got}");
    }

    #[test]
    fn redact_and_lint_are_the_engine_reports() {
        let engine = Engine::defaults();
        // AWS's documentation example key, assembled so no scanner flags the source.
        let secret = concat!("AK", "IAIOSFODNN7EXAMPLE");
        let text = format!(r#"{{"note":"key {secret} here"}}"#);
        let got = redact(&engine, &text).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(got, engine.redact(&value).to_json());
        assert!(!got.contains(secret), "{got}");
        let err = redact(&engine, r#"{"a":1,"a":2}"#).unwrap_err();
        assert!(err.contains("<value>"), "{err}");

        let lax = load(inline("version: \"1\"\nrules: []\n"), &[]).unwrap();
        assert_eq!(lint(&lax), lax.lint().to_json());
        assert!(lint(&lax).contains("no 'default' given"), "{}", lint(&lax));
    }

    #[test]
    fn sessions_grants_and_bypasses_reach_the_engine() {
        let engine = load(
            inline(
                "version: '1'\ndefault: allow\nbudget: {max_tool_calls: 1}\n\
                 permissions: {filesystem: {deny: ['locked/**']}}\n",
            ),
            &[],
        )
        .unwrap();
        let read = r#"{"tool":"Read","args":{"file_path":"a"}}"#;
        let first = evaluate_with(&engine, read, NOW, 0, "", "", Some("")).unwrap();
        let first: serde_json::Value = serde_json::from_str(&first).unwrap();
        assert_eq!(first["decision"]["decision"], "allow");
        assert_eq!(first["session"]["tool_calls"], 1);
        let state = first["session"].to_string();
        let second = evaluate_with(&engine, read, NOW, 0, "", "null", Some(&state)).unwrap();
        assert!(second.contains("\"decision\":\"terminate\""), "{second}");
        let bad = evaluate_with(
            &engine,
            read,
            NOW,
            0,
            "",
            "",
            Some(r#"{"version":1,"x":1}"#),
        );
        assert!(bad.unwrap_err().contains("action.bad_value"));
        // Without a session: the decision document, exactly `evaluate`'s.
        assert_eq!(
            evaluate_with(&engine, read, NOW, 3, "[]", "", None),
            evaluate(&engine, read, NOW, 3)
        );
        let edit = r#"{"tool":"Write","args":{"file_path":"locked/a","content":"x"}}"#;
        let record = r#"[{"id":"byp_1","reason":"r","approver":"a","allow":["locked/**"],
                          "expires_at":"2026-11-22T11:00:00Z"}]"#;
        let lifted = evaluate_with(&engine, edit, NOW, 0, "", record, None).unwrap();
        assert!(lifted.contains("\"bypass_id\":\"byp_1\""), "{lifted}");
        let err = evaluate_with(&engine, edit, NOW, 0, "[{", "", None).unwrap_err();
        assert!(err.contains("action.syntax"), "{err}");
    }

    #[test]
    fn json_policies_load() {
        let json_policy = r#"{"version": "1", "default": "deny"}"#;
        let engine = load(
            PolicySource::new(json_policy, "p.json", SourceFormat::Json),
            &[],
        )
        .unwrap();
        let d = evaluate(
            &engine,
            r#"{"tool":"Read","args":{"file_path":"a"}}"#,
            NOW,
            0,
        )
        .unwrap();
        assert!(d.contains("\"decision\":\"deny\""), "{d}");
    }
}
