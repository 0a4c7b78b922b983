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
//! compiled for `wasm32` only.

use agent_policy_core::action::ACTION_ORIGIN;
use agent_policy_core::{Engine, PolicySource, Request};

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
