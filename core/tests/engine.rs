//! End-to-end behaviour of the engine through its public API: loading errors name the place
//! and the fix, deny wins across sources, the defaults let ordinary work through, and the
//! decision document is deterministic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use agent_policy_core::{Engine, ErrorCode, Outcome, PolicySource, Request, SourceFormat};
use serde_json::json;

const NOW: &str = "2026-11-22T10:00:00Z";

fn engine(yaml: &str) -> Engine {
    Engine::from_source(PolicySource::new(yaml, "policy.yml", SourceFormat::Yaml))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn decide(engine: &Engine, action: serde_json::Value) -> agent_policy_core::Decision {
    engine
        .evaluate(&Request::new(&action, NOW))
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_typo_in_an_outcome_names_line_column_and_fix() {
    let text =
        "version: \"1\"\nrules:\n  - id: x\n    match: {kind: file.write}\n    outcome: dney\n";
    let err =
        Engine::from_source(PolicySource::new(text, "p.yml", SourceFormat::Yaml)).unwrap_err();
    assert_eq!(err.code, ErrorCode::PolicyUnknownOutcome);
    let loc = err.location.clone().unwrap();
    assert_eq!((loc.file.as_str(), loc.line, loc.column), ("p.yml", 5, 14));
    assert_eq!(err.help.as_deref(), Some("did you mean 'deny'?"));
}

#[test]
fn an_unknown_key_never_loads() {
    let text = "version: \"1\"\npermisions:\n  filesystem: {deny: [x]}\n";
    let err =
        Engine::from_source(PolicySource::new(text, "p.yml", SourceFormat::Yaml)).unwrap_err();
    assert_eq!(err.code, ErrorCode::PolicyUnknownKey);
    assert_eq!(err.help.as_deref(), Some("did you mean 'permissions'?"));
}

#[test]
fn a_bad_glob_never_loads() {
    let text = "version: \"1\"\npermissions:\n  filesystem: {deny: [\"src/[a\"]}\n";
    let err =
        Engine::from_source(PolicySource::new(text, "p.yml", SourceFormat::Yaml)).unwrap_err();
    assert_eq!(err.code, ErrorCode::PolicyBadGlob);
    assert_eq!(err.location.unwrap().line, 3);
}

#[test]
fn unsupported_versions_never_load_and_1_0_is_1() {
    let err = Engine::from_source(PolicySource::new(
        "version: \"2.1\"\n",
        "p.yml",
        SourceFormat::Yaml,
    ))
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::PolicyUnsupportedVersion);
    let e = engine("version: \"1.0\"\n");
    assert_eq!(e.policy_version(), "1");
}

#[test]
fn defaults_deny_env_reads_by_any_tool() {
    let e = Engine::defaults();
    for action in [
        json!({"tool": "Read", "args": {"file_path": ".env"}}),
        json!({"tool": "Read", "args": {"file_path": "src/../.env"}}),
        json!({"tool": "Bash", "args": {"command": "cat .env"}}),
        json!({"kind": "file.read", "path": "./config/.env.production"}),
    ] {
        let d = decide(&e, action.clone());
        assert_eq!(d.decision, Outcome::Deny, "{action}");
        assert_eq!(d.policy_ids, vec!["defaults.secrets.env-read"], "{action}");
    }
    let d = decide(
        &e,
        json!({"tool": "Read", "args": {"file_path": ".env.example"}}),
    );
    assert_eq!(d.decision, Outcome::Allow);
}

#[test]
fn defaults_let_ordinary_work_through() {
    let e = Engine::defaults();
    for command in [
        "git status",
        "npm test",
        "cargo build",
        "grep -rn TODO src",
        "awk 'NR>1 && NR<5' f",
        "git commit -m \"a && b\"",
        "rm -rf node_modules",
        "jq '.a|.b' x.json",
    ] {
        let d = decide(&e, json!({"tool": "Bash", "args": {"command": command}}));
        assert_eq!(d.decision, Outcome::Allow, "{command}: {}", d.reason);
    }
}

#[test]
fn defaults_block_destruction() {
    let e = Engine::defaults();
    for (command, id) in [
        ("rm -rf /", "defaults.files.recursive-delete-outside"),
        ("rm -rf src", "defaults.files.recursive-delete"),
        (
            "git push --force origin main",
            "defaults.commands.force-push",
        ),
        ("terraform destroy", "defaults.commands.terraform-destroy"),
        ("kubectl delete ns prod", "defaults.commands.kubectl-delete"),
        (
            "curl http://169.254.169.254/latest/meta-data/",
            "defaults.network.metadata-endpoint",
        ),
    ] {
        let d = decide(&e, json!({"tool": "Bash", "args": {"command": command}}));
        assert_eq!(d.decision, Outcome::Deny, "{command}: {}", d.reason);
        assert!(
            d.policy_ids.iter().any(|p| p == id),
            "{command}: {:?}",
            d.policy_ids
        );
    }
}

#[test]
fn deny_wins_over_allow_in_any_order() {
    let a = "version: \"1\"\nrules:\n  - {id: allow-src, match: {path: \"src/**\"}, outcome: allow}\n  - {id: deny-secret, match: {path: \"src/secret.ts\"}, outcome: deny}\n";
    let b = "version: \"1\"\nrules:\n  - {id: deny-secret, match: {path: \"src/secret.ts\"}, outcome: deny}\n  - {id: allow-src, match: {path: \"src/**\"}, outcome: allow}\n";
    let action = json!({"kind": "file.read", "path": "src/secret.ts"});
    let (ea, eb) = (engine(a), engine(b));
    let (da, db) = (decide(&ea, action.clone()), decide(&eb, action));
    assert_eq!(da.decision, Outcome::Deny);
    assert_eq!(da.to_json(), db.to_json(), "rule order changes nothing");
    assert_eq!(ea.policy_hash(), eb.policy_hash());
}

#[test]
fn deny_wins_across_root_and_override() {
    let root = "version: \"1\"\npermissions:\n  filesystem:\n    allow: [\"**\"]\n";
    let over = "permissions:\n  filesystem:\n    deny: [\"backend/secrets/**\"]\n";
    let e = Engine::from_sources(
        PolicySource::new(root, "root.yml", SourceFormat::Yaml),
        &[PolicySource::new(
            over,
            "backend/.agent-policy.override.yml",
            SourceFormat::Yaml,
        )],
    )
    .unwrap();
    let d = decide(
        &e,
        json!({"kind": "file.read", "path": "backend/secrets/db.yml"}),
    );
    assert_eq!(d.decision, Outcome::Deny);
}

#[test]
fn an_override_allowing_what_the_root_denies_is_a_conflict() {
    let root = "version: \"1\"\npermissions:\n  filesystem:\n    deny: [\"backend/secrets/**\"]\n";
    let over = "permissions:\n  filesystem:\n    allow: [\"backend/secrets/test-fixtures/**\"]\n";
    let err = Engine::from_sources(
        PolicySource::new(root, "root.yml", SourceFormat::Yaml),
        &[PolicySource::new(over, "backend/o.yml", SourceFormat::Yaml)],
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::PolicyConflict);
    assert_eq!(err.location.unwrap().file, "backend/o.yml");
    let root_ok = "version: \"1\"\npermissions:\n  filesystem:\n    deny: [\"backend/secrets/**\"]\n    exceptions: [\"backend/secrets/test-fixtures/**\"]\n";
    let e = Engine::from_sources(
        PolicySource::new(root_ok, "root.yml", SourceFormat::Yaml),
        &[PolicySource::new(over, "backend/o.yml", SourceFormat::Yaml)],
    )
    .unwrap();
    let d = decide(
        &e,
        json!({"kind": "file.read", "path": "backend/secrets/test-fixtures/a.json"}),
    );
    assert_eq!(d.decision, Outcome::Allow);
}

#[test]
fn examples_are_checked_at_load() {
    let text = "version: \"1\"\nrules:\n  - id: no-prod\n    match: {kind: file.write, environment: production}\n    outcome: deny\n    examples:\n      match:\n        - {kind: file.write, path: a.txt}\n";
    let err =
        Engine::from_source(PolicySource::new(text, "p.yml", SourceFormat::Yaml)).unwrap_err();
    assert_eq!(err.code, ErrorCode::PolicyExampleFailed);
    assert_eq!(err.location.unwrap().line, 8);
}

#[test]
fn tiers_cap_what_allow_lists_grant() {
    let text =
        "version: \"1\"\nagents:\n  scanner:\n    tier: observe\n    tools: {allow: [\"*\"]}\n";
    let e = engine(text);
    let d = decide(
        &e,
        json!({"tool": "Write", "args": {"file_path": "a.txt", "content": "x"}, "agent": {"type": "scanner"}}),
    );
    assert_eq!(d.decision, Outcome::Deny);
    assert!(d.policy_ids.iter().any(|p| p.starts_with("tiers.")));
    // An action may claim a lower tier, never a higher one.
    let text = "version: \"1\"\nagents:\n  coder: {tier: draft}\n";
    let e = engine(text);
    let d = decide(
        &e,
        json!({"kind": "credential.request", "agent": {"type": "coder", "tier": "prod_gated"}}),
    );
    assert_eq!(d.decision, Outcome::Deny);
}

#[test]
fn approvals_carry_the_role() {
    let text = "version: \"1\"\nconstraints:\n  require_human_approval:\n    - {file_pattern: package.json, approver_role: maintainer}\n    - {command_pattern: \"git commit\"}\n";
    let e = engine(text);
    let d = decide(
        &e,
        json!({"tool": "Edit", "args": {"file_path": "package.json", "old_string": "a", "new_string": "b"}}),
    );
    assert_eq!(d.decision, Outcome::RequireApproval);
    assert_eq!(d.approver_role.as_deref(), Some("maintainer"));
    let d = decide(
        &e,
        json!({"tool": "Read", "args": {"file_path": "package.json"}}),
    );
    assert_eq!(d.decision, Outcome::Allow, "reading is not changing");
}

#[test]
fn decisions_are_deterministic_and_timestamped() {
    let e = Engine::defaults();
    let action = json!({"tool": "Bash", "args": {"command": "npm test"}});
    let a = decide(&e, action.clone()).to_json();
    let b = decide(&e, action).to_json();
    assert_eq!(a, b);
    let d: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(d["timestamp"], NOW);
    assert!(d["decision_id"].as_str().unwrap().starts_with("dec_"));
    assert!(d["policy_hash"].as_str().unwrap().starts_with("sha256:"));
}

#[test]
fn bad_actions_are_clear_errors() {
    let e = Engine::defaults();
    let err = e
        .evaluate_json("{\"tool\": \"Read\", \"comand\": \"x\"}", NOW)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ActionUnknownField);
    assert_eq!(err.help.as_deref(), Some("did you mean 'command'?"));
    let err = e.evaluate_json("{not json", NOW).unwrap_err();
    assert_eq!(err.code, ErrorCode::ActionSyntax);
    let err = e
        .evaluate_json("{\"tool\": \"Read\"}", "yesterday")
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadTimestamp);
}

#[test]
fn a_key_written_twice_is_refused_not_guessed() {
    let e = Engine::defaults();
    let err = e
        .evaluate_json(
            r#"{"kind": "command.exec", "command": "ls", "command": "rm -rf /"}"#,
            NOW,
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ActionSyntax);
    assert!(
        err.message.contains("'command' appears twice"),
        "{}",
        err.message
    );
}

#[test]
fn the_built_in_defaults_lint_clean() {
    let report = Engine::defaults().lint();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn a_blocking_decision_names_its_denial_code() {
    let d = Engine::defaults()
        .evaluate_json(
            r#"{"tool":"Read","args":{"file_path":".env"}}"#,
            "2026-11-22T10:00:00Z",
        )
        .unwrap();
    assert!(d.decision.blocks());
    assert_eq!(d.denial_code(), "decision.deny");
}
