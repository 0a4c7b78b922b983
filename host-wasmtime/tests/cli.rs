//! The `agent-policy` binary as CI and hooks use it: exit codes, the decision document on
//! standard output, one-line errors on standard error, the example session, overrides.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use agent_policy_conformance::repo_root;
use serde_json::Value;
use support::{Run, TempDir, run, run_env};

mod support;

const NOW: &str = "2026-11-22T10:00:00Z";
/// The key the example session leaks in a `Write`; it must never be printed back.
const LEAKED_KEY: &str = concat!("sk_live_", "7tQm2VxK9pLw4RzN8bYc3HdF");

fn agent_policy(args: &[&str], stdin: Option<&str>) -> Run {
    run(args, stdin)
}

fn agent_policy_with_env(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
    run_env(args, stdin, env)
}

fn repo_file(relative: &str) -> String {
    repo_root().join(relative).display().to_string()
}

fn decision_of(run: &Run) -> Value {
    assert!(
        run.stdout.ends_with('\n') && run.stdout.matches('\n').count() == 1,
        "one line of JSON expected: {:?} / {}",
        run.stdout,
        run.stderr
    );
    serde_json::from_str(&run.stdout).unwrap()
}

const READ_ENV: &str = r#"{"tool":"Read","args":{"file_path":"/home/dev/shop/.env"},
  "context":{"workspace":"/home/dev/shop"}}"#;
const EDIT_AUTH: &str = r#"{"tool":"Edit","args":{"file_path":"/home/dev/shop/src/auth/login.ts",
  "old_string":"a","new_string":"b"},"context":{"workspace":"/home/dev/shop"}}"#;
const GIT_STATUS: &str = r#"{"tool":"Bash","args":{"command":"git status"},
  "context":{"workspace":"/home/dev/shop"}}"#;

#[test]
fn check_reports_a_deny_and_exits_0_or_3_with_exit_code() {
    let run = agent_policy(&["check", "--now", NOW], Some(READ_ENV));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let decision = decision_of(&run);
    assert_eq!(decision["decision"], "deny");
    assert_eq!(decision["timestamp"], NOW);
    assert!(!decision["policy_ids"].as_array().unwrap().is_empty());

    let run = agent_policy(&["check", "--now", NOW, "--exit-code"], Some(READ_ENV));
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(decision_of(&run)["decision"], "deny");
}

#[test]
fn check_exit_code_is_2_for_approval_and_0_for_ordinary_work() {
    let run = agent_policy(&["check", "--now", NOW, "--exit-code"], Some(EDIT_AUTH));
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let decision = decision_of(&run);
    assert_eq!(decision["decision"], "require_approval");

    let run = agent_policy(&["check", "--now", NOW, "--exit-code"], Some(GIT_STATUS));
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(decision_of(&run)["decision"], "allow");
}

#[test]
fn check_reads_the_action_from_a_file_and_is_deterministic() {
    let t = TempDir::new("cli-test");
    let action = t.put("action.json", READ_ENV);
    let first = agent_policy(&["check", "--action", &action, "--now", NOW], None);
    let second = agent_policy(&["check", "--action", &action, "--now", NOW], None);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(decision_of(&first)["decision"], "deny");
}

#[test]
fn check_takes_an_envelope_and_judges_it_at_its_own_time() {
    let envelope = format!(r#"{{"now":"2026-12-01T08:30:00Z","action":{GIT_STATUS}}}"#);
    let run = agent_policy(&["check", "--now", NOW], Some(&envelope));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(decision_of(&run)["timestamp"], "2026-12-01T08:30:00Z");
}

#[test]
fn check_text_format_is_for_people_and_uncoloured_off_a_terminal() {
    let run = agent_policy(&["check", "--now", NOW, "--format", "text"], Some(READ_ENV));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("deny"), "{}", run.stdout);
    assert!(run.stdout.contains("reason:"), "{}", run.stdout);
    assert!(run.stdout.contains(".env"), "{}", run.stdout);
    assert!(!run.stdout.contains('\x1b'), "{}", run.stdout);
}

#[test]
fn malformed_action_json_is_one_clear_error_and_exit_1() {
    let run = agent_policy(
        &["check", "--now", NOW],
        Some(r#"{"tool": "Read", "args": "#),
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let first = run.stderr.lines().next().unwrap();
    assert!(first.starts_with("error: <stdin>:1:"), "{}", run.stderr);
    assert!(first.ends_with("[action.syntax]"), "{}", run.stderr);
    assert!(run.stderr.lines().count() <= 3, "{}", run.stderr);
}

#[test]
fn an_action_with_a_key_written_twice_is_refused() {
    let action = r#"{"tool":"Bash","args":{"command":"ls","command":"rm -rf /"}}"#;
    let run = agent_policy(&["check", "--now", NOW], Some(action));
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("[action.syntax]"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn errors_never_echo_a_secret_from_the_action() {
    let action = format!(r#"{{"tool":"Write","args":{{"content":"{LEAKED_KEY}"}},"bogus":1}}"#);
    let run = agent_policy(&["check", "--now", NOW], Some(&action));
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(!run.stderr.contains(LEAKED_KEY), "{}", run.stderr);
}

#[test]
fn a_bad_now_and_a_missing_policy_file_are_input_errors() {
    let run = agent_policy(&["check", "--now", "yesterday"], Some(GIT_STATUS));
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("[request.bad_timestamp]"),
        "{}",
        run.stderr
    );

    let run = agent_policy(
        &["check", "--policy", "no/such/policy.yml", "--now", NOW],
        Some(GIT_STATUS),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .starts_with("error: cannot read no/such/policy.yml"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("[io.read]"), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_64_and_help_exits_0() {
    assert_eq!(agent_policy(&["check", "--format", "yaml"], None).code, 64);
    assert_eq!(agent_policy(&["frobnicate"], None).code, 64);
    assert_eq!(agent_policy(&[], None).code, 64);
    assert_eq!(agent_policy(&["replay"], None).code, 64);
    assert_eq!(
        agent_policy(&["replay", "a.jsonl", "--log", "b.jsonl"], None).code,
        64
    );
    let help = agent_policy(&["--help"], None);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("replay"), "{}", help.stdout);
}

#[test]
fn lint_reports_a_typo_with_file_line_column_code_and_help() {
    let t = TempDir::new("cli-test");
    let policy = t.put(
        "policy.yml",
        "version: \"1\"\nextends: [defaults/coding-agent]\ndefault: allow\npermissions:\n  \
         filesystem:\n    deni: [\"secrets/**\"]\n",
    );
    let run = agent_policy(&["lint", "--policy", &policy], None);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let headline = format!("{policy}:6:5: ");
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with(&headline))
        .unwrap_or_else(|| panic!("no {headline} in {}", run.stderr));
    assert!(line.ends_with("[policy.unknown_key]"), "{line}");
    assert!(run.stderr.contains("  help: "), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn lint_confirms_a_good_policy_in_one_line() {
    let t = TempDir::new("cli-test");
    let policy = t.put(
        ".agent-policy.yml",
        "version: \"1\"\nextends: [defaults/coding-agent]\ndefault: allow\n",
    );
    let run = agent_policy(&["lint", "--policy", &policy], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary = run.stdout.lines().last().unwrap();
    assert!(summary.starts_with("ok: "), "{}", run.stdout);
    assert!(summary.contains(" rules, hash sha256:"), "{summary}");
}

#[test]
fn lint_loads_the_example_policy() {
    let run = agent_policy(
        &["lint", "--policy", &repo_file("examples/.agent-policy.yml")],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("ok: "), "{}", run.stdout);
}

#[test]
fn lint_without_a_policy_file_says_which_file_is_missing() {
    let t = TempDir::new("cli-test");
    let run = {
        let mut command = Command::new(env!("CARGO_BIN_EXE_agent-policy"));
        let output = command
            .arg("lint")
            .current_dir(&t.0)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Run {
            code: output.status.code().unwrap(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    };
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr
            .starts_with("error: cannot read .agent-policy.yml"),
        "{}",
        run.stderr
    );
}

/// Replays the example session and returns its decisions by action id.
fn replay_session(extra: &[&str]) -> (Run, BTreeMap<String, Value>) {
    let session = repo_file("examples/session.jsonl");
    let mut args = vec!["replay", session.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    let run = agent_policy(&args, None);
    let decisions = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|d| (d["action_id"].as_str().unwrap().to_owned(), d))
        .collect();
    (run, decisions)
}

#[test]
fn replaying_the_example_session_stops_every_bad_moment_and_lets_work_through() {
    let (run, decisions) = replay_session(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let actions = std::fs::read_to_string(repo_file("examples/session.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert!(actions >= 32);
    assert_eq!(run.stdout.lines().count(), actions);
    assert_eq!(decisions.len(), actions);

    let outcome = |id: &str| decisions[id]["decision"].as_str().unwrap().to_owned();
    let blocked = |id: &str| ["deny", "terminate"].contains(&outcome(id).as_str());
    // The bad moments.
    assert!(blocked("toolu_009"), ".env read: {}", outcome("toolu_009"));
    assert!(
        blocked("toolu_014"),
        "aws credentials: {}",
        outcome("toolu_014")
    );
    assert!(blocked("toolu_024"), "metadata: {}", outcome("toolu_024"));
    assert!(
        blocked("toolu_025"),
        "upload of .env: {}",
        outcome("toolu_025")
    );
    assert!(blocked("toolu_028"), "rm -rf /: {}", outcome("toolu_028"));
    assert!(blocked("toolu_031"), "force push: {}", outcome("toolu_031"));
    assert_eq!(outcome("toolu_017"), "require_approval", "auth edit");
    assert_eq!(
        outcome("toolu_027"),
        "require_approval",
        "deploy workflow edit"
    );
    assert_eq!(outcome("toolu_033"), "alert", "unknown egress");
    let leak = &decisions["toolu_018"];
    assert!(
        !leak["redactions"].as_array().unwrap().is_empty(),
        "the leaked key is found: {leak}"
    );
    // Ordinary work.
    for (id, what) in [
        ("toolu_002", "read package.json"),
        ("toolu_006", "git status"),
        ("toolu_007", "npm test"),
        ("toolu_010", "grep -rn TODO src"),
        ("toolu_011", "edit src/cart/total.ts"),
        ("toolu_019", "jq"),
        ("toolu_020", "awk"),
        ("toolu_021", "rm -rf node_modules"),
        ("toolu_029", "git diff"),
        ("toolu_030", "git commit -m \"a && b\""),
    ] {
        assert_eq!(outcome(id), "allow", "{what}");
    }
    // Decisions carry the line's own time.
    assert_eq!(decisions["toolu_001"]["timestamp"], NOW);
    // No byte of the output holds the leaked key.
    assert!(!run.stdout.contains(LEAKED_KEY));
    assert!(!run.stderr.contains(LEAKED_KEY));
}

#[test]
fn the_example_session_also_replays_under_the_example_policy() {
    let (run, decisions) = replay_session(&["--policy", &repo_file("examples/.agent-policy.yml")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let outcome = |id: &str| decisions[id]["decision"].as_str().unwrap().to_owned();
    // Outbound traffic is off there: the unknown host is denied, not only reported.
    assert_eq!(outcome("toolu_033"), "deny");
    assert_eq!(outcome("toolu_006"), "allow");
    assert!(!run.stdout.contains(LEAKED_KEY));
}

#[test]
fn replay_table_shows_rows_and_a_summary_per_outcome() {
    let session = repo_file("examples/session.jsonl");
    let run = agent_policy(&["replay", "--log", &session, "--format", "table"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].contains("DECISION") && lines[0].contains("TOOL"));
    let summary = lines.last().unwrap();
    assert!(summary.starts_with("36 actions: "), "{summary}");
    for outcome in ["allow", "require_approval", "deny"] {
        assert!(summary.contains(outcome), "{summary}");
    }
    assert!(!run.stdout.contains(LEAKED_KEY));
}

#[test]
fn replay_reports_a_malformed_line_by_number_and_evaluates_the_rest() {
    let log = format!("# a comment\n{GIT_STATUS_LINE}\n\n{{not json\n{GIT_STATUS_LINE}\n");
    let run = agent_policy(&["replay", "-", "--now", NOW], Some(&log));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    assert!(
        run.stderr.starts_with("error: <stdin>:4:"),
        "{}",
        run.stderr
    );
}

const GIT_STATUS_LINE: &str = r#"{"tool":"Bash","args":{"command":"git status"}}"#;

#[test]
fn overrides_in_subdirectories_are_found_and_merged() {
    let t = TempDir::new("cli-test");
    let root = t.put(
        ".agent-policy.yml",
        "version: \"1\"\nextends: [defaults/coding-agent]\ndefault: allow\n",
    );
    let action = r#"{"kind":"command.exec","command":"make deploy"}"#;
    let before = agent_policy(&["check", "--policy", &root, "--now", NOW], Some(action));
    assert_eq!(
        decision_of(&before)["decision"],
        "allow",
        "{}",
        before.stderr
    );

    t.put(
        "sub/.agent-policy.override.yml",
        "version: \"1\"\npermissions:\n  commands:\n    deny: [\"make deploy\"]\n",
    );
    let lint = agent_policy(&["lint", "--policy", &root], None);
    assert_eq!(lint.code, 0, "{}", lint.stderr);
    assert!(
        lint.stdout
            .contains("override: sub/.agent-policy.override.yml"),
        "{}",
        lint.stdout
    );
    let after = agent_policy(&["check", "--policy", &root, "--now", NOW], Some(action));
    assert_eq!(decision_of(&after)["decision"], "deny", "{}", after.stderr);

    // Errors in an override name it relative to the root policy's directory.
    t.put(
        "sub/.agent-policy.override.yml",
        "version: \"1\"\npermissions:\n  commands:\n    denny: [\"make deploy\"]\n",
    );
    let lint = agent_policy(&["lint", "--policy", &root], None);
    assert_eq!(lint.code, 1);
    assert!(
        lint.stderr.contains("sub/.agent-policy.override.yml:4:5: "),
        "{}",
        lint.stderr
    );
}

#[test]
fn redact_prints_only_the_redacted_text_or_a_json_report() {
    let input = format!("const stripe = new Stripe(\"{LEAKED_KEY}\");\n");
    let run = agent_policy(&["redact"], Some(&input));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains(LEAKED_KEY), "{}", run.stdout);
    assert!(run.stdout.starts_with("const stripe = new Stripe(\""));
    assert!(run.stdout.ends_with("\");\n"), "{}", run.stdout);

    let run = agent_policy(&["redact", "--format", "json"], Some(&input));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(!run.stdout.contains(LEAKED_KEY));
    let redactions = report["redactions"].as_array().unwrap();
    assert_eq!(redactions.len(), 1, "{report}");
    let marker = redactions[0]["marker"].as_str().unwrap();
    assert!(report["redacted"].as_str().unwrap().contains(marker));

    let clean = agent_policy(&["redact"], Some("nothing secret here\n"));
    assert_eq!(clean.stdout, "nothing secret here\n");
}

#[test]
fn the_fingerprint_key_is_host_configuration() {
    let input = format!("key {LEAKED_KEY}\n");
    let fingerprint = |run: &Run| -> String {
        assert_eq!(run.code, 0, "{}", run.stderr);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        report["redactions"][0]["fingerprint"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let json = ["redact", "--format", "json"];
    let default = fingerprint(&agent_policy(&json, Some(&input)));
    assert!(default.starts_with("hmac-sha256:"), "{default}");
    let key = "0123456789abcdef-host-key";
    let keyed = fingerprint(&agent_policy_with_env(
        &json,
        Some(&input),
        &[("AGENT_POLICY_FINGERPRINT_KEY", key)],
    ));
    assert_ne!(keyed, default);
    // The same key from a file (with a trailing newline) gives the same fingerprint.
    let dir = TempDir::new("cli-test");
    let file = dir.put("key", &format!("{key}\n"));
    let from_file = fingerprint(&agent_policy_with_env(
        &json,
        Some(&input),
        &[("AGENT_POLICY_FINGERPRINT_KEY_FILE", &file)],
    ));
    assert_eq!(from_file, keyed);
    // A short key is refused, without being echoed, before anything is printed.
    let short = agent_policy_with_env(
        &json,
        Some(&input),
        &[("AGENT_POLICY_FINGERPRINT_KEY", "hunter2")],
    );
    assert_eq!(short.code, 1, "{}", short.stderr);
    assert!(short.stdout.is_empty());
    assert!(short.stderr.contains("config.bad_value") || short.stderr.contains("16"));
    assert!(!short.stderr.contains("hunter2"), "{}", short.stderr);
    // The decision of `check` carries the keyed fingerprint too.
    let action =
        serde_json::json!({"tool": "Bash", "args": {"command": format!("echo {LEAKED_KEY}")}})
            .to_string();
    let run = agent_policy_with_env(
        &["check", "--now", "2026-11-22T10:00:00Z"],
        Some(&action),
        &[("AGENT_POLICY_FINGERPRINT_KEY", key)],
    );
    let decision = decision_of(&run);
    assert_eq!(decision["redactions"][0]["fingerprint"], keyed.as_str());
}
