//! Sessions, approvals and bypasses through the `agent-policy` binary, as agent hooks use it:
//! one process per call, the state in a state directory — budgets that hold across calls and
//! under concurrent calls, approval round trips, bypass scope and expiry, hostile session ids
//! and corrupt state files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{Run, TempDir, run, run_env};

mod support;

const NOW: &str = "2026-11-22T10:00:00Z";

/// The decision document of a successful check.
fn decision(run: &Run) -> Value {
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.matches('\n').count(), 1, "{:?}", run.stdout);
    serde_json::from_str(&run.stdout).unwrap()
}

/// `check` with `args`, the action on standard input, at `now`.
fn check(policy: &str, action: &str, now: &str, args: &[&str]) -> Value {
    let mut all = vec!["check", "--policy", policy, "--now", now];
    all.extend_from_slice(args);
    decision(&run(&all, Some(action)))
}

fn every_file_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(every_file_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

const BUDGETED: &str =
    "version: '1'\ndefault: allow\nagents:\n  worker:\n    budget: {max_tool_calls: 10}\n";
const WORKER_READ: &str =
    r#"{"tool":"Read","args":{"file_path":"src/a.ts"},"agent":{"type":"worker"}}"#;

#[test]
fn a_budgeted_session_allows_ten_tool_calls_then_terminates_for_good() {
    let t = TempDir::new("sessions-test");
    let policy = t.put("p.yml", BUDGETED);
    let state = t.path("state");
    let args = ["--session", "s-1", "--state-dir", &state];
    for call in 1..=10 {
        let d = check(&policy, WORKER_READ, NOW, &args);
        assert_eq!(d["decision"], "allow", "call {call}: {}", d["reason"]);
        assert!(d.get("budget").is_none());
    }
    let eleventh = check(&policy, WORKER_READ, NOW, &args);
    assert_eq!(eleventh["decision"], "terminate");
    assert_eq!(eleventh["budget"]["limit"], "max_tool_calls");
    assert_eq!(eleventh["budget"]["used"], 11);
    assert_eq!(eleventh["budget"]["allowed"], 10);
    let twelfth = check(&policy, WORKER_READ, NOW, &args);
    assert_eq!(twelfth["decision"], "terminate");
    assert_eq!(twelfth["budget"]["limit"], "max_tool_calls");
    // Another session, and the same action without a session, are not affected.
    let other = check(
        &policy,
        WORKER_READ,
        NOW,
        &["--session", "s-2", "--state-dir", &state],
    );
    assert_eq!(other["decision"], "allow");
    assert_eq!(check(&policy, WORKER_READ, NOW, &[])["decision"], "allow");

    let show = run(
        &["session", "show", "--session", "s-1", "--state-dir", &state],
        None,
    );
    assert_eq!(show.code, 0, "{}", show.stderr);
    let s: Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(s["actions"], 12);
    assert_eq!(s["terminated"]["rule_id"], "budget");
    // The layout: one file and one lock file per session, private.
    assert!(Path::new(&state).join("sessions/s-1.json").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}

#[test]
fn recorded_turns_and_tokens_count_against_their_budgets() {
    let t = TempDir::new("sessions-test");
    let policy = t.put(
        "p.yml",
        "version: '1'\ndefault: allow\nagents:\n  worker:\n    budget: {max_turns: 5, max_tokens: 1000}\n",
    );
    let state = t.path("state");
    let target = ["--session", "s", "--state-dir", &state];
    let turn = |tokens: &str| {
        let mut args = vec!["session", "turn", "--tokens", tokens];
        args.extend_from_slice(&target);
        let r = run(&args, None);
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str::<Value>(&r.stdout).unwrap()
    };
    turn("400");
    let s = turn("500");
    assert_eq!(
        (s["turns"].as_u64(), s["tokens"].as_u64()),
        (Some(2), Some(900))
    );
    assert_eq!(
        check(&policy, WORKER_READ, NOW, &target)["decision"],
        "allow"
    );
    turn("101");
    let d = check(&policy, WORKER_READ, NOW, &target);
    assert_eq!(d["decision"], "terminate");
    assert_eq!(d["budget"]["limit"], "max_tokens");
    assert_eq!(d["budget"]["used"], 1001);
}

const APPROVAL: &str = "version: '1'\ndefault: allow\nconstraints:\n  require_human_approval:\n    \
    - {file_pattern: package.json, approver_role: lead}\n";
const WRITE_PACKAGE: &str =
    r#"{"tool":"Write","args":{"file_path":"package.json","content":"{}"}}"#;

fn approve(fingerprint: &str, role: &str, ttl: &str, state: &str, env: &[(&str, &str)]) -> Run {
    run_env(
        &[
            "approve",
            fingerprint,
            "--role",
            role,
            "--approver",
            "alice@example.com",
            "--ttl",
            ttl,
            "--state-dir",
            state,
            "--now",
            NOW,
        ],
        None,
        env,
    )
}

fn fingerprint_of(policy: &str, action: &str) -> String {
    let asked = check(policy, action, NOW, &[]);
    assert_eq!(asked["decision"], "require_approval");
    asked["approval_request"]["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn an_approval_round_trip_allows_exactly_the_approved_action_until_it_expires() {
    let t = TempDir::new("sessions-test");
    let policy = t.put("p.yml", APPROVAL);
    let state = t.path("state");
    let with_state = ["--state-dir", state.as_str()];

    let asked = check(&policy, WRITE_PACKAGE, NOW, &with_state);
    assert_eq!(asked["decision"], "require_approval");
    assert_eq!(asked["approval_request"]["approver_role"], "lead");
    let fp = asked["approval_request"]["fingerprint"].as_str().unwrap();

    let granted = approve(fp, "lead", "1h", &state, &[]);
    assert_eq!(granted.code, 0, "{}", granted.stderr);
    let grant: Value = serde_json::from_str(&granted.stdout).unwrap();
    assert_eq!(grant["fingerprint"], fp);
    assert_eq!(grant["expires_at"], "2026-11-22T11:00:00Z");
    assert!(grant.get("signature").is_none());

    let allowed = check(&policy, WRITE_PACKAGE, "2026-11-22T10:30:00Z", &with_state);
    assert_eq!(allowed["decision"], "allow", "{}", allowed["reason"]);
    assert_eq!(allowed["approval"]["approver"], "alice@example.com");
    assert_eq!(allowed["approval"]["role"], "lead");
    // Within a session too.
    let in_session = check(
        &policy,
        WRITE_PACKAGE,
        "2026-11-22T10:30:00Z",
        &["--state-dir", &state, "--session", "s"],
    );
    assert_eq!(in_session["decision"], "allow");

    // Another content is another action: the grant does not fit.
    let other = r#"{"tool":"Write","args":{"file_path":"package.json","content":"{\"x\":1}"}}"#;
    assert_eq!(
        check(&policy, other, NOW, &with_state)["decision"],
        "require_approval"
    );
    // Expired: at the expiry second and after.
    for late in ["2026-11-22T11:00:00Z", "2026-11-23T10:00:00Z"] {
        assert_eq!(
            check(&policy, WRITE_PACKAGE, late, &with_state)["decision"],
            "require_approval"
        );
    }
    // Without the state directory, nothing is granted.
    assert_eq!(
        check(&policy, WRITE_PACKAGE, NOW, &[])["decision"],
        "require_approval"
    );

    // The wrong role does not count.
    let state2 = t.path("state2");
    assert_eq!(approve(fp, "intern", "1h", &state2, &[]).code, 0);
    assert_eq!(
        check(&policy, WRITE_PACKAGE, NOW, &["--state-dir", &state2])["decision"],
        "require_approval"
    );

    // `approvals list` shows every grant, sorted by expiry, expired ones inactive.
    assert_eq!(approve(fp, "lead", "15m", &state, &[]).code, 0);
    let list = run(
        &[
            "approvals",
            "list",
            "--state-dir",
            &state,
            "--now",
            "2026-11-22T10:20:00Z",
        ],
        None,
    );
    assert_eq!(list.code, 0, "{}", list.stderr);
    let lines: Vec<Value> = list
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["expires_at"], "2026-11-22T10:15:00Z");
    assert_eq!(lines[0]["active"], false);
    assert_eq!(lines[1]["expires_at"], "2026-11-22T11:00:00Z");
    assert_eq!(lines[1]["active"], true);
}

#[test]
fn a_grant_never_turns_a_deny_into_an_allow() {
    let t = TempDir::new("sessions-test");
    let asking = t.put("ask/p.yml", APPROVAL);
    // The same rules plus a deny of the same file: the action is the same, so is its
    // fingerprint, and the grant for it must not lift the deny.
    let denying = t.put(
        "deny/p.yml",
        &format!("{APPROVAL}permissions: {{filesystem: {{deny: [package.json]}}}}\n"),
    );
    let state = t.path("state");
    let fp = fingerprint_of(&asking, WRITE_PACKAGE);
    assert_eq!(approve(&fp, "lead", "1h", &state, &[]).code, 0);
    assert_eq!(
        check(&asking, WRITE_PACKAGE, NOW, &["--state-dir", &state])["decision"],
        "allow"
    );
    let d = check(&denying, WRITE_PACKAGE, NOW, &["--state-dir", &state]);
    assert_eq!(d["decision"], "deny", "{}", d["reason"]);
    assert!(d.get("approval").is_none());
}

#[test]
fn with_a_grant_key_only_grants_that_approve_signed_with_it_count() {
    let t = TempDir::new("sessions-test");
    let policy = t.put("p.yml", APPROVAL);
    let fp = fingerprint_of(&policy, WRITE_PACKAGE);
    let key = [("AGENT_POLICY_GRANT_KEY", "a grant key of 32 bytes, or so!")];
    let check_keyed = |state: &str, env: &[(&str, &str)]| {
        let r = run_env(
            &[
                "check",
                "--policy",
                &policy,
                "--now",
                NOW,
                "--state-dir",
                state,
            ],
            Some(WRITE_PACKAGE),
            env,
        );
        decision(&r)["decision"].as_str().unwrap().to_owned()
    };
    // Signed with the key: counts under the key.
    let signed = t.path("signed");
    let r = approve(&fp, "lead", "1h", &signed, &key);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let grant: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        grant["signature"]
            .as_str()
            .unwrap()
            .starts_with("hmac-sha256:")
    );
    assert_eq!(check_keyed(&signed, &key), "allow");
    // Unsigned (approved without the key), or signed with another key: does not count.
    let unsigned = t.path("unsigned");
    assert_eq!(approve(&fp, "lead", "1h", &unsigned, &[]).code, 0);
    assert_eq!(check_keyed(&unsigned, &key), "require_approval");
    let other = [("AGENT_POLICY_GRANT_KEY", "another key, also long enough")];
    assert_eq!(check_keyed(&signed, &other), "require_approval");
    // A short key is refused without being echoed.
    let short = run_env(
        &["check", "--now", NOW],
        Some(WRITE_PACKAGE),
        &[("AGENT_POLICY_GRANT_KEY", "hunter2")],
    );
    assert_eq!(short.code, 1);
    assert!(short.stderr.contains("grant key"), "{}", short.stderr);
    assert!(!short.stderr.contains("hunter2"));
}

const BYPASSABLE: &str = "version: '1'\ndefault: allow\nextends: [defaults/coding-agent]\n\
    permissions: {filesystem: {deny: ['locked/**']}}\n\
    rules:\n  - id: frozen\n    match: {kind: file.write, path: 'frozen/**'}\n    outcome: deny\n    \
    bypassable: false\n    reason: frozen files are never edited\n";

fn write_file(path: &str) -> String {
    format!(r#"{{"tool":"Write","args":{{"file_path":"{path}","content":"x"}}}}"#)
}

#[test]
fn a_bypass_lifts_denies_in_its_scope_until_it_expires_and_never_a_non_bypassable_rule() {
    let t = TempDir::new("sessions-test");
    let policy = t.put("p.yml", BYPASSABLE);
    let state = t.path("state");
    let with_state = ["--state-dir", state.as_str()];
    let locked = write_file("locked/data.yml");
    let frozen = write_file("frozen/data.yml");
    assert_eq!(
        check(&policy, &locked, NOW, &with_state)["decision"],
        "deny"
    );
    assert_eq!(
        check(&policy, &frozen, NOW, &with_state)["decision"],
        "deny"
    );

    let granted = run(
        &[
            "bypass",
            "--reason",
            "P0 incident INC-7: fix the auth crash",
            "--allow",
            "locked/**",
            "--allow",
            "frozen/**",
            "--allow",
            "git push --force",
            "--duration",
            "30m",
            "--approver",
            "alice@example.com",
            "--state-dir",
            &state,
            "--now",
            NOW,
        ],
        None,
    );
    assert_eq!(granted.code, 0, "{}", granted.stderr);
    let line = granted.stdout.trim_end();
    let id = line
        .strip_prefix("Bypass granted: ")
        .and_then(|rest| rest.strip_suffix(" (expires 2026-11-22T10:30:00Z)"))
        .unwrap_or_else(|| panic!("{line}"));
    assert!(id.starts_with("byp_") && id.len() == 14, "{id}");
    assert!(
        Path::new(&state)
            .join(format!("bypasses/{id}.json"))
            .is_file()
    );

    let lifted = check(&policy, &locked, "2026-11-22T10:29:59Z", &with_state);
    assert_eq!(lifted["decision"], "allow", "{}", lifted["reason"]);
    assert_eq!(lifted["bypass_id"], id);
    assert!(lifted["reason"].as_str().unwrap().contains("INC-7"));
    let push = r#"{"tool":"Bash","args":{"command":"git push -f origin main"}}"#;
    assert_eq!(check(&policy, push, NOW, &with_state)["bypass_id"], id);
    // Out of scope: another denied path stays denied.
    let env = r#"{"tool":"Read","args":{"file_path":".env"}}"#;
    let d = check(&policy, env, NOW, &with_state);
    assert_eq!(d["decision"], "deny");
    assert!(d.get("bypass_id").is_none());
    // A rule marked `bypassable: false`, though the record names its path.
    let d = check(&policy, &frozen, NOW, &with_state);
    assert_eq!(d["decision"], "deny");
    assert!(d.get("bypass_id").is_none());
    // Expired.
    assert_eq!(
        check(&policy, &locked, "2026-11-22T10:30:00Z", &with_state)["decision"],
        "deny"
    );
    // The same request again gives the same record.
    let again = run(
        &[
            "bypass",
            "--reason",
            "P0 incident INC-7: fix the auth crash",
            "--allow",
            "locked/**",
            "--allow",
            "frozen/**",
            "--allow",
            "git push --force",
            "--duration",
            "30m",
            "--approver",
            "alice@example.com",
            "--state-dir",
            &state,
            "--now",
            NOW,
        ],
        None,
    );
    assert_eq!(again.stdout, granted.stdout);
}

#[test]
fn bad_approvals_and_bypasses_are_usage_errors_that_store_nothing() {
    let t = TempDir::new("sessions-test");
    let state = t.path("state");
    let fp = "apr_0123456789abcdef01234567";
    for (args, says) in [
        (vec!["approve", "apr_123", "--ttl", "1h"], "fingerprint"),
        (vec!["approve", fp, "--ttl", "0s"], "zero"),
        (vec!["approve", fp, "--ttl", "31d"], "30d"),
        (vec!["approve", fp, "--ttl", "1h1h"], "unit"),
    ] {
        let mut all = args.clone();
        all.extend_from_slice(&["--role", "lead", "--approver", "a", "--state-dir", &state]);
        let r = run(&all, None);
        assert_eq!(r.code, 64, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("help:"), "{}", r.stderr);
    }
    let bypass = |reason: &str, approver: &str, allow: &str, duration: &str| {
        run(
            &[
                "bypass",
                "--reason",
                reason,
                "--allow",
                allow,
                "--duration",
                duration,
                "--approver",
                approver,
                "--state-dir",
                &state,
            ],
            None,
        )
    };
    for r in [
        bypass(" ", "alice", "src/**", "30m"),
        bypass("why", "", "src/**", "30m"),
        bypass("why", "alice", "[", "30m"),
        // A bad glob next to good entries: refused, not stored with its globs disabled.
        run(
            &[
                "bypass",
                "--reason",
                "why",
                "--allow",
                "locked/**",
                "--allow",
                "x/[",
                "--duration",
                "30m",
                "--approver",
                "alice",
                "--state-dir",
                &state,
            ],
            None,
        ),
        bypass("why", "alice", "src/**", "forever"),
    ] {
        assert_eq!(r.code, 64, "{}", r.stderr);
    }
    let missing_allow = run(
        &[
            "bypass",
            "--reason",
            "r",
            "--approver",
            "a",
            "--duration",
            "1h",
            "--state-dir",
            &state,
        ],
        None,
    );
    assert_eq!(missing_allow.code, 64);
    // Nothing was stored (the directory is not even created before the arguments check).
    let stored = if Path::new(&state).exists() {
        every_file_under(Path::new(&state))
    } else {
        Vec::new()
    };
    assert!(stored.is_empty(), "{stored:?}");
}

#[test]
fn concurrent_checks_of_one_session_neither_lose_nor_double_count() {
    const PROCESSES: usize = 8;
    const CALLS: usize = 25;
    let t = TempDir::new("sessions-test");
    let policy = t.put(
        "p.yml",
        "version: '1'\ndefault: allow\nagents:\n  worker:\n    budget: {max_tool_calls: 150}\n",
    );
    let state = t.path("state");
    let outcomes: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..PROCESSES)
            .map(|_| {
                scope.spawn(|| {
                    (0..CALLS)
                        .map(|_| {
                            let d = check(
                                &policy,
                                WORKER_READ,
                                NOW,
                                &["--session", "shared", "--state-dir", &state],
                            );
                            d["decision"].as_str().unwrap().to_owned()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let allowed = outcomes.iter().filter(|o| *o == "allow").count();
    let terminated = outcomes.iter().filter(|o| *o == "terminate").count();
    assert_eq!(
        (allowed, terminated),
        (150, 50),
        "allow and terminate counts"
    );
    let show = run(
        &[
            "session",
            "show",
            "--session",
            "shared",
            "--state-dir",
            &state,
        ],
        None,
    );
    let s: Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(s["actions"], 200);
    // Every call is counted, the refused ones too; the 151st terminated the session.
    assert_eq!(s["tool_calls"], 200);
    assert_eq!(s["terminated"]["budget"]["used"], 151);
    // Nothing but the session's file and lock file is left behind.
    let files = every_file_under(&Path::new(&state).join("sessions"));
    assert_eq!(files.len(), 2, "{files:?}");
}

#[test]
fn a_hostile_session_id_stays_inside_the_state_directory() {
    let t = TempDir::new("sessions-test");
    let policy = t.put("p.yml", BUDGETED);
    let state = t.path("deep/er/state");
    for id in [
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        "a/../../b",
        "C:\\x",
    ] {
        let target = ["--session", id, "--state-dir", &state];
        assert_eq!(
            check(&policy, WORKER_READ, NOW, &target)["decision"],
            "allow"
        );
        let show = run(
            &["session", "show", "--session", id, "--state-dir", &state],
            None,
        );
        assert_eq!(show.code, 0, "{}", show.stderr);
        let s: Value = serde_json::from_str(&show.stdout).unwrap();
        assert_eq!(s["actions"], 1, "{id}");
    }
    let state_path = std::fs::canonicalize(&state).unwrap();
    for file in every_file_under(&t.0) {
        let file = std::fs::canonicalize(&file).unwrap();
        assert!(
            file.starts_with(&state_path) || file.ends_with("p.yml"),
            "{file:?} is outside the state directory"
        );
        assert!(file.starts_with(state_path.join("sessions")) || file.ends_with("p.yml"));
    }
    // Five sessions, two files each.
    assert_eq!(every_file_under(&state_path.join("sessions")).len(), 10);
}

#[test]
fn a_corrupt_or_future_state_file_is_an_error_naming_it_and_is_left_alone() {
    let t = TempDir::new("sessions-test");
    let policy = t.put("p.yml", BUDGETED);
    let state = t.path("state");
    let target = ["--session", "s", "--state-dir", state.as_str()];
    check(&policy, WORKER_READ, NOW, &target);
    let file = Path::new(&state).join("sessions/s.json");
    for text in [
        "{\"version\": 1, \"actions\": ",
        "{\"version\": 2, \"actions\": 0}",
        "{\"version\": 1, \"tool_call\": 0}",
        "",
    ] {
        std::fs::write(&file, text).unwrap();
        let mut args = vec!["check", "--policy", &policy, "--now", NOW];
        args.extend_from_slice(&target);
        let r = run(&args, Some(WORKER_READ));
        assert_eq!(r.code, 1, "{text:?}: {}", r.stdout);
        assert!(r.stdout.is_empty());
        assert!(
            r.stderr.contains(&file.display().to_string()),
            "{text:?}: {}",
            r.stderr
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    }
    // A corrupt grant is an error too: grants are not silently dropped.
    std::fs::remove_file(&file).unwrap();
    let grant = Path::new(&state).join("grants/apr_0123456789abcdef01234567.1.json");
    std::fs::write(&grant, "{\"fingerprint\": 1}").unwrap();
    let r = run(
        &[
            "check",
            "--policy",
            &policy,
            "--now",
            NOW,
            "--state-dir",
            &state,
        ],
        Some(WORKER_READ),
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(&grant.display().to_string()),
        "{}",
        r.stderr
    );
}

#[test]
fn a_session_takes_its_state_directory_from_the_option_or_the_environment() {
    let t = TempDir::new("sessions-test");
    let policy = t.put("p.yml", BUDGETED);
    let args = ["check", "--policy", &policy, "--now", NOW, "--session", "s"];
    let r = run(&args, Some(WORKER_READ));
    assert_eq!(r.code, 64);
    assert!(r.stderr.contains("AGENT_POLICY_STATE_DIR"), "{}", r.stderr);
    let state = t.path("from-env");
    let r = run_env(
        &args,
        Some(WORKER_READ),
        &[("AGENT_POLICY_STATE_DIR", &state)],
    );
    assert_eq!(decision(&r)["decision"], "allow");
    assert!(Path::new(&state).join("sessions/s.json").is_file());
    let empty = run(
        &[
            "check",
            "--now",
            NOW,
            "--session",
            "",
            "--state-dir",
            &state,
        ],
        Some(WORKER_READ),
    );
    assert_eq!(empty.code, 64);
    let unknown = run(
        &[
            "session",
            "show",
            "--session",
            "nope",
            "--state-dir",
            &state,
        ],
        None,
    );
    assert_eq!(unknown.code, 1);
    assert!(unknown.stderr.contains("nope"), "{}", unknown.stderr);
}
