//! Side-by-side benchmark of agent-policy and Cedar on one rule table.
//!
//! [`rules`] holds the table (shared with the engine's own benchmark) and renders it as an
//! agent-policy policy; [`cedar`] renders it as Cedar policies and builds Cedar requests from
//! agent actions. The criterion benchmark `side_by_side` measures both engines in one run,
//! from the same JSON action text to a decision; the `bench-report` binary prints the p50
//! table of both benchmarks.

pub mod cedar;
pub mod rules;

use agent_policy_core::{Engine, Error, Outcome};

pub use rules::agent_policy_engine;

/// Decides an action's JSON text with agent-policy: `true` when allowed.
pub fn agent_policy_allows(engine: &Engine, text: &str) -> Result<bool, Error> {
    Ok(engine.evaluate_json(text, rules::NOW)?.decision == Outcome::Allow)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;
    use crate::cedar::{CedarEngine, like_patterns, policy_text};
    use crate::rules::{Effect, large_table, small_table};

    /// Actions over the table's agents, tools and paths, allowed and forbidden.
    const PROBES: &[(&str, &str, Option<&str>, bool)] = &[
        // (agent type, tool, file path, allowed)
        ("coding-agent", "Read", Some("src/app/main.ts"), true),
        ("coding-agent", "create-pr", None, true),
        ("coding-agent", "Read", Some(".env"), false),
        ("coding-agent", "Read", Some("config/.env"), false),
        (
            "coding-agent",
            "Read",
            Some("config/.env.production"),
            false,
        ),
        ("coding-agent", "Read", Some(".env.example"), true),
        ("coding-agent", "Read", Some("certs/server.pem"), false),
        ("coding-agent", "Read", Some("home/.aws/credentials"), false),
        ("coding-agent", "Read", Some(".ssh/id_ed25519"), false),
        ("coding-agent", "Read", Some("keys/id_rsa"), false),
        ("coding-agent", "Read", Some("secrets/db.yml"), false),
        ("coding-agent", "Read", Some("infra/prod.tfstate"), false),
        ("coding-agent", "Write", Some("src/app/main.ts"), true),
        (
            "coding-agent",
            "Write",
            Some(".github/workflows/ci.yml"),
            false,
        ),
        (
            "coding-agent",
            "Write",
            Some("db/migrations/0042.sql"),
            false,
        ),
        ("coding-agent", "Write", Some("migrations/0001.sql"), false),
        ("coding-agent", "Edit", Some("db/migrations/0042.sql"), true),
        ("coding-agent", "terraform-apply", None, false),
        ("coding-agent", "deploy", None, false),
        ("review-bot", "Read", Some("src/app/main.ts"), true),
        ("review-bot", "Write", Some("src/app/main.ts"), false),
        ("review-bot", "comment-pr", None, true),
        ("docs-writer", "Write", Some("docs/guide/intro.md"), true),
        ("docs-writer", "Write", Some("README.md"), true),
        ("docs-writer", "Write", Some("src/app/main.ts"), false),
        ("docs-writer", "Edit", Some("docs/api.yml"), true),
        ("release-bot", "Edit", Some("CHANGELOG.md"), true),
        ("release-bot", "Edit", Some("src/lib.rs"), false),
        ("drift-agent", "Read", Some("infra/main.tf"), true),
        ("drift-agent", "Read", Some("src/app/main.ts"), false),
        ("drift-agent", "terraform-plan", None, true),
        ("test-runner", "Write", Some("tests/login.rs"), true),
        ("test-runner", "Write", Some("src/login.rs"), false),
        ("quarantined-agent", "Read", Some("src/app/main.ts"), false),
        ("unknown-agent", "Read", Some("src/app/main.ts"), false),
    ];

    /// Probes that only the large table decides: generated service rules.
    const LARGE_PROBES: &[(&str, &str, Option<&str>, bool)] = &[
        (
            "svc0420-bot",
            "Read",
            Some("services/svc0420/src/handler.ts"),
            true,
        ),
        (
            "svc0420-bot",
            "Write",
            Some("services/svc0420/src/handler.ts"),
            false,
        ),
        (
            "svc0420-bot",
            "Read",
            Some("services/svc0420/secrets/token"),
            false,
        ),
        ("svc0420-bot", "svc0420-logs", None, true),
        ("svc0420-bot", "svc0420-restart", None, true),
        (
            "svc0400-bot",
            "Read",
            Some("services/svc0400/src/handler.ts"),
            true,
        ),
        (
            "svc0400-bot",
            "Read",
            Some("services/svc0401/src/handler.ts"),
            false,
        ),
        ("svc0400-bot", "svc0400-logs", None, true),
        ("coding-agent", "svc0420-logs", None, true),
        (
            "coding-agent",
            "Read",
            Some("services/svc0420/secrets/token"),
            false,
        ),
        (
            "coding-agent",
            "Write",
            Some("services/svc0420/deploy/values.yml"),
            false,
        ),
        (
            "coding-agent",
            "Write",
            Some("services/svc0421/src/handler.ts"),
            true,
        ),
        (
            "coding-agent",
            "Write",
            Some("services/svc0420/db/schema.sql"),
            false,
        ),
        (
            "coding-agent",
            "Write",
            Some("services/svc0421/db/schema.sql"),
            true,
        ),
        ("team-20", "svc0420-deploy", None, true),
        ("team-21", "svc0420-deploy", None, false),
        ("coding-agent", "svc0420-admin", None, false),
    ];

    fn action_text(agent: &str, tool: &str, path: Option<&str>) -> String {
        let args = path.map_or_else(
            || serde_json::json!({"title": "t"}),
            |p| serde_json::json!({"file_path": p}),
        );
        serde_json::json!({"tool": tool, "args": args, "agent": {"type": agent}}).to_string()
    }

    #[test]
    fn like_patterns_follow_the_policy_glob_rules() {
        assert_eq!(like_patterns(".env"), [".env", "*/.env"]);
        assert_eq!(like_patterns("*.pem"), ["*.pem"]);
        assert_eq!(like_patterns("docs/**"), ["docs/*"]);
        assert_eq!(like_patterns("**/.aws/**"), [".aws/*", "*/.aws/*"]);
        assert_eq!(like_patterns("services/a/**/*.sql"), ["services/a/*.sql"]);
        assert_eq!(
            like_patterns("CHANGELOG.md"),
            ["CHANGELOG.md", "*/CHANGELOG.md"]
        );
    }

    #[test]
    fn cedar_text_has_one_policy_per_row() {
        let rows = small_table();
        let cedar = CedarEngine::new(&rows).unwrap();
        assert_eq!(cedar.policy_count(), rows.len());
        let permits = rows.iter().filter(|r| r.effect == Effect::Permit).count();
        assert_eq!(policy_text(&rows).matches("\npermit (").count(), permits);
    }

    #[test]
    fn the_tables_have_the_advertised_sizes_and_unique_ids() {
        for (rows, n) in [
            (small_table(), rules::SMALL_RULES),
            (large_table(), rules::LARGE_RULES),
        ] {
            assert_eq!(rows.len(), n);
            let mut ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), n);
        }
    }

    fn check(engine: &Engine, cedar: &CedarEngine, probes: &[(&str, &str, Option<&str>, bool)]) {
        let mut wrong = Vec::new();
        for &(agent, tool, path, want) in probes {
            let text = action_text(agent, tool, path);
            let ours = agent_policy_allows(engine, &text).unwrap();
            let theirs = cedar.decide_json(&text).unwrap();
            if ours != want || theirs != want {
                wrong.push(format!(
                    "{agent} {tool} {path:?}: want {want}, agent-policy {ours}, cedar {theirs}"
                ));
            }
        }
        assert!(wrong.is_empty(), "disagreements:\n{}", wrong.join("\n"));
    }

    #[test]
    fn both_engines_decide_the_small_table_alike() {
        let rows = small_table();
        let (engine, refused) = agent_policy_engine(&rows).unwrap();
        assert!(refused.is_none(), "{refused:?}");
        check(&engine, &CedarEngine::new(&rows).unwrap(), PROBES);
    }

    #[test]
    fn both_engines_decide_the_large_table_alike() {
        let rows = large_table();
        let (engine, _) = agent_policy_engine(&rows).unwrap();
        let cedar = CedarEngine::new(&rows).unwrap();
        check(&engine, &cedar, PROBES);
        check(&engine, &cedar, LARGE_PROBES);
    }

    #[test]
    fn the_benchmarked_actions_are_allowed_by_both() {
        let rows = small_table();
        let (engine, _) = agent_policy_engine(&rows).unwrap();
        let cedar = CedarEngine::new(&rows).unwrap();
        for text in [rules::FILE_ACTION, rules::TOOL_ACTION] {
            assert!(agent_policy_allows(&engine, text).unwrap());
            assert!(cedar.decide_json(text).unwrap());
        }
    }
}
