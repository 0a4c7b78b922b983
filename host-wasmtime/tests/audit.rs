//! The audit log as an auditor relies on it: every kind of tampering is found at the right
//! line and named, a crash mid-write is repaired and reported, writers in many processes keep
//! one unbroken chain, and no planted secret ever reaches the file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use agent_policy_core::{Decision, Engine};
use agent_policy_host::audit::{
    self, AuditContext, AuditLog, AuditOptions, GENESIS_HASH, ProblemKind, VerifyReport,
};
use serde_json::Value;

use support::TempDir;

mod support;

const NOW: &str = "2026-11-22T10:00:00Z";

/// A few real decisions of the built-in defaults: allowed and blocked ones.
fn decisions() -> Vec<Decision> {
    let engine = Engine::defaults();
    [
        r#"{"tool":"Bash","args":{"command":"ls -la"}}"#,
        r#"{"tool":"Read","args":{"file_path":".env"}}"#,
        r#"{"tool":"Bash","args":{"command":"rm -rf /"}}"#,
        r#"{"tool":"Write","args":{"file_path":"src/main.rs","content":"fn main() {}"}}"#,
    ]
    .iter()
    .map(|action| engine.evaluate_json(action, NOW).unwrap())
    .collect()
}

/// A log of `n` decision lines.
fn log_of(dir: &TempDir, n: usize) -> PathBuf {
    let path = dir.file("audit.jsonl");
    let decisions = decisions();
    let mut log = AuditLog::open(&path, AuditOptions::default()).unwrap();
    for i in 0..n {
        log.append(
            &decisions[i % decisions.len()],
            &AuditContext::session("s-1"),
        )
        .unwrap();
    }
    path
}

fn lines_of(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(str::to_owned).collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn verify_cli(path: &Path) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_agent-policy"))
        .args(["audit", "verify"])
        .arg(path)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let run = Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// The problem `verify` reports, as `line N: kind: detail`; the CLI must agree and fail.
fn first_problem(path: &Path) -> (u64, ProblemKind, String) {
    let report = audit::verify(path).unwrap();
    let problem = report.problem.clone().expect("tampering must be found");
    let run = verify_cli(path);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&problem.to_string()),
        "stderr: {}",
        run.stderr
    );
    assert!(
        run.stdout.starts_with(&format!(
            "not intact: first bad line {} ({})",
            problem.line,
            problem.kind.as_str()
        )),
        "stdout: {}",
        run.stdout
    );
    (problem.line, problem.kind, problem.detail)
}

fn intact(path: &Path) -> VerifyReport {
    let report = audit::verify(path).unwrap();
    assert!(report.is_intact(), "{:?}", report.problem);
    report
}

#[test]
fn an_untouched_log_is_intact_and_the_cli_says_so_with_the_last_hash() {
    let dir = TempDir::new("audit-test");
    let path = log_of(&dir, 10);
    let report = intact(&path);
    assert_eq!((report.verified, report.last_seq), (10, 10));
    let lines = lines_of(&path);
    let last: Value = serde_json::from_str(&lines[9]).unwrap();
    assert_eq!(report.last_hash, last["hash"].as_str().unwrap());
    let first: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(first["prev_hash"], GENESIS_HASH);
    assert_eq!(first["seq"], 1);
    assert_eq!(first["kind"], "decision");
    assert_eq!(first["session"], "s-1");
    assert!(first["record"]["redacted_action"].is_object());

    let run = verify_cli(&path);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!("intact: 10 lines, last hash {}\n", report.last_hash)
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn editing_one_byte_of_a_record_is_found_at_that_line() {
    let dir = TempDir::new("audit-test");
    let path = log_of(&dir, 10);
    let mut bytes = std::fs::read(&path).unwrap();
    // Line 7 (a `rm -rf /` decision): turn "deny" into "deny" with one byte changed.
    let start = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(5)
        .unwrap()
        .0
        + 1;
    let at = start
        + bytes[start..]
            .windows(6)
            .position(|w| w == b"\"deny\"")
            .unwrap();
    bytes[at + 1] = b'D';
    std::fs::write(&path, &bytes).unwrap();
    let (line, kind, detail) = first_problem(&path);
    assert_eq!((line, kind), (7, ProblemKind::Edited));
    assert_eq!(detail, "its hash does not match its content");
}

#[test]
fn editing_a_hash_or_breaking_the_json_is_an_edit_too() {
    let dir = TempDir::new("audit-test");
    let path = log_of(&dir, 6);
    let mut lines = lines_of(&path);
    let hash_at = lines[2].find("\"hash\":\"sha256:").unwrap() + 15;
    let digit = if &lines[2][hash_at..=hash_at] == "0" {
        "1"
    } else {
        "0"
    };
    lines[2].replace_range(hash_at..=hash_at, digit);
    write_lines(&path, &lines);
    assert_eq!(
        first_problem(&path),
        (
            3,
            ProblemKind::Edited,
            "its hash does not match its content".to_owned()
        )
    );

    let dir1 = TempDir::new("audit-test");
    let path = log_of(&dir1, 6);
    let mut lines = lines_of(&path);
    lines[3] = lines[3].replacen("{\"seq\"", "{\"seq\" ", 1);
    write_lines(&path, &lines);
    let (line, kind, detail) = first_problem(&path);
    assert_eq!((line, kind), (4, ProblemKind::Edited));
    assert!(
        detail.contains("not the form the writer produces"),
        "{detail}"
    );

    let dir2 = TempDir::new("audit-test");
    let path = log_of(&dir2, 6);
    let mut lines = lines_of(&path);
    lines[1].truncate(40);
    write_lines(&path, &lines);
    let (line, kind, detail) = first_problem(&path);
    assert_eq!((line, kind), (2, ProblemKind::Edited));
    assert!(
        detail.starts_with("not an audit line: not valid JSON"),
        "{detail}"
    );
}

#[test]
fn deleting_lines_is_reported_as_removed_with_how_many() {
    let dir = TempDir::new("audit-test");
    let path = log_of(&dir, 10);
    let mut lines = lines_of(&path);
    lines.remove(4);
    write_lines(&path, &lines);
    assert_eq!(
        first_problem(&path),
        (
            5,
            ProblemKind::Removed,
            "expected seq 5, found seq 6 (1 line missing before it)".to_owned()
        )
    );

    let dir3 = TempDir::new("audit-test");
    let path = log_of(&dir3, 10);
    let lines = lines_of(&path);
    write_lines(&path, &lines[3..]);
    assert_eq!(
        first_problem(&path),
        (
            1,
            ProblemKind::Removed,
            "expected seq 1, found seq 4 (3 lines missing before it)".to_owned()
        )
    );
}

#[test]
fn swapping_or_moving_lines_is_reported_as_reordered() {
    let dir = TempDir::new("audit-test");
    let path = log_of(&dir, 10);
    let mut lines = lines_of(&path);
    lines.swap(2, 3);
    write_lines(&path, &lines);
    assert_eq!(
        first_problem(&path),
        (
            3,
            ProblemKind::Reordered,
            "expected seq 3, found seq 4; seq 3 is at line 4".to_owned()
        )
    );

    // Line 2 moved to the end.
    let dir4 = TempDir::new("audit-test");
    let path = log_of(&dir4, 10);
    let mut lines = lines_of(&path);
    let moved = lines.remove(1);
    lines.push(moved);
    write_lines(&path, &lines);
    assert_eq!(
        first_problem(&path),
        (
            2,
            ProblemKind::Reordered,
            "expected seq 2, found seq 3; seq 2 is at line 10".to_owned()
        )
    );
}

#[test]
fn copied_lines_and_joined_logs_are_reported_as_inserted() {
    let dir = TempDir::new("audit-test");
    let path = log_of(&dir, 5);
    let mut lines = lines_of(&path);
    lines.insert(3, lines[2].clone());
    write_lines(&path, &lines);
    assert_eq!(
        first_problem(&path),
        (
            4,
            ProblemKind::Inserted,
            "it repeats line 3 (seq 3)".to_owned()
        )
    );

    let dir5 = TempDir::new("audit-test");
    let path = log_of(&dir5, 5);
    let mut lines = lines_of(&path);
    let other = TempDir::new("audit-test");
    lines.extend(lines_of(&log_of(&other, 2)));
    write_lines(&path, &lines);
    let (line, kind, detail) = first_problem(&path);
    assert_eq!((line, kind), (6, ProblemKind::Inserted));
    assert!(detail.starts_with("a new chain starts here"), "{detail}");
}

#[test]
fn cutting_the_file_mid_line_is_reported_as_truncated() {
    let dir = TempDir::new("audit-test");
    let path = log_of(&dir, 10);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 30]).unwrap();
    let (line, kind, detail) = first_problem(&path);
    assert_eq!((line, kind), (10, ProblemKind::Truncated));
    assert!(
        detail.starts_with("the last line ends without a newline after"),
        "{detail}"
    );
    let report = audit::verify(&path).unwrap();
    assert_eq!(report.verified, 9);
}

#[test]
fn a_torn_write_is_dropped_and_recorded_by_the_next_append() {
    let dir = TempDir::new("audit-test");
    let path = log_of(&dir, 10);
    let bytes = std::fs::read(&path).unwrap();
    let intact_len = bytes.len() - lines_of(&path)[9].len() - 1;
    let torn = 57;
    std::fs::write(&path, &bytes[..intact_len + torn]).unwrap();
    let nine = audit::verify(&path).unwrap();
    assert_eq!(nine.problem.unwrap().kind, ProblemKind::Truncated);

    let mut log = AuditLog::open(&path, AuditOptions { fsync: true }).unwrap();
    let record = log
        .append(&decisions()[1], &AuditContext::default())
        .unwrap();
    assert_eq!(record.seq, 11);

    let lines = lines_of(&path);
    assert_eq!(lines.len(), 11);
    // The intact lines are untouched.
    assert_eq!(
        std::fs::read(&path).unwrap()[..intact_len],
        bytes[..intact_len]
    );
    let recovery: Value = serde_json::from_str(&lines[9]).unwrap();
    assert_eq!(recovery["kind"], "recovery");
    assert_eq!(recovery["prev_hash"], nine.last_hash.as_str());
    assert_eq!(recovery["record"]["dropped_bytes"], torn);
    assert!(
        recovery["record"]["dropped_sha256"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );

    let report = intact(&path);
    assert_eq!((report.verified, report.last_seq), (11, 11));
    assert_eq!(report.notices.len(), 1);
    assert_eq!(report.notices[0].line, 10);
    let run = verify_cli(&path);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("intact: 11 lines"), "{}", run.stdout);
    assert!(
        run.stderr.starts_with(&format!(
            "notice: line 10: recovery: {torn} bytes of an interrupted write were dropped"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_holding_only_a_torn_write_restarts_the_chain_with_a_recovery() {
    let dir = TempDir::new("audit-test");
    let path = dir.file("audit.jsonl");
    std::fs::write(&path, "{\"seq\":1,\"kind\":\"deci").unwrap();
    let mut log = AuditLog::open(&path, AuditOptions::default()).unwrap();
    log.append(&decisions()[0], &AuditContext::default())
        .unwrap();
    let report = intact(&path);
    assert_eq!(report.verified, 2);
    assert_eq!(report.notices[0].line, 1);
}

#[test]
fn an_empty_or_missing_log() {
    let dir = TempDir::new("audit-test");
    let path = dir.file("audit.jsonl");
    std::fs::write(&path, "").unwrap();
    let run = verify_cli(&path);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        format!("intact: 0 lines, last hash {GENESIS_HASH}\n")
    );
    let run = verify_cli(&dir.file("missing.jsonl"));
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no such file or directory [io.read]"),
        "{}",
        run.stderr
    );
}

#[test]
fn appending_after_a_damaged_last_line_is_refused() {
    let dir = TempDir::new("audit-test");
    let path = dir.file("audit.jsonl");
    std::fs::write(&path, "not json\n").unwrap();
    let mut log = AuditLog::open(&path, AuditOptions::default()).unwrap();
    let e = log
        .append(&decisions()[0], &AuditContext::default())
        .unwrap_err();
    assert!(
        e.headline().contains("not an audit line"),
        "{}",
        e.headline()
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "not json\n");
}

#[test]
fn other_record_kinds_chain_like_decisions_and_recovery_is_reserved() {
    let dir = TempDir::new("audit-test");
    let path = log_of(&dir, 2);
    let mut log = AuditLog::open(&path, AuditOptions::default()).unwrap();
    let bypass = serde_json::json!({"id": "byp_1", "reason": "hotfix", "approver": "alice"});
    let written = log.append_record("bypass", None, &bypass).unwrap();
    assert_eq!((written.seq, written.kind.as_str()), (3, "bypass"));
    assert!(
        log.append_record("recovery", None, &bypass)
            .unwrap_err()
            .headline()
            .contains("not a kind a caller may append")
    );
    let report = intact(&path);
    assert_eq!(report.last_hash, written.hash);
}

/// Tells a child process which log to append to.
const CHILD_LOG: &str = "AGENT_POLICY_AUDIT_TEST_LOG";
const CHILDREN: usize = 8;
const APPENDS: usize = 500;

/// The writer side of the multi-process test: only does something in a process that
/// `eight_processes_appending_at_once_keep_one_unbroken_chain` starts.
#[test]
#[ignore = "a child process of eight_processes_appending_at_once_keep_one_unbroken_chain"]
fn audit_child_writer() {
    let Ok(path) = std::env::var(CHILD_LOG) else {
        return;
    };
    let path = PathBuf::from(path);
    let child = std::env::var("AGENT_POLICY_AUDIT_TEST_CHILD").unwrap();
    let decisions = decisions();
    let context = AuditContext::session(format!("child-{child}"));
    let mut log = AuditLog::open(&path, AuditOptions::default()).unwrap();
    // Start together, once every child has paid its start-up cost.
    let go = path.with_extension("go");
    while !go.exists() {
        std::thread::sleep(Duration::from_millis(2));
    }
    for i in 0..APPENDS {
        log.append(&decisions[i % decisions.len()], &context)
            .unwrap();
    }
}

#[test]
fn eight_processes_appending_at_once_keep_one_unbroken_chain() {
    let dir = TempDir::new("audit-test");
    let path = dir.file("audit.jsonl");
    let started = Instant::now();
    let children: Vec<_> = (0..CHILDREN)
        .map(|i| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "audit_child_writer",
                    "--exact",
                    "--ignored",
                    "--test-threads=1",
                ])
                .env(CHILD_LOG, &path)
                .env("AGENT_POLICY_AUDIT_TEST_CHILD", i.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    std::fs::write(path.with_extension("go"), "").unwrap();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let elapsed = started.elapsed();

    let report = intact(&path);
    let total = (CHILDREN * APPENDS) as u64;
    assert_eq!((report.verified, report.last_seq), (total, total));
    let lines = lines_of(&path);
    let mut per_child = vec![0usize; CHILDREN];
    let mut switches = 0;
    let mut previous = String::new();
    for (n, line) in lines.iter().enumerate() {
        let value: Value = serde_json::from_str(line).unwrap();
        assert_eq!(value["seq"], n as u64 + 1);
        let session = value["session"].as_str().unwrap().to_owned();
        let child: usize = session.strip_prefix("child-").unwrap().parse().unwrap();
        per_child[child] += 1;
        if session != previous {
            switches += 1;
            previous = session;
        }
    }
    assert_eq!(per_child, vec![APPENDS; CHILDREN]);
    let run = verify_cli(&path);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("intact: 4000 lines"),
        "{}",
        run.stdout
    );
    eprintln!(
        "{CHILDREN} processes x {APPENDS} appends: {elapsed:?}, writers alternated {switches} times"
    );
}

#[test]
fn threads_with_their_own_handles_keep_one_unbroken_chain() {
    let dir = TempDir::new("audit-test");
    let path = dir.file("audit.jsonl");
    let decisions = decisions();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let (path, decisions) = (&path, &decisions);
            scope.spawn(move || {
                let mut log = AuditLog::open(path, AuditOptions::default()).unwrap();
                let context = AuditContext::session(format!("thread-{t}"));
                for i in 0..100 {
                    log.append(&decisions[i % decisions.len()], &context)
                        .unwrap();
                }
            });
        }
    });
    let report = intact(&path);
    assert_eq!(report.verified, 400);
}

/// `prefix` + `body`, built at run time so that no whole secret is in this source file.
fn planted(prefix: &[&str], body: &str) -> String {
    let mut s: String = prefix.concat();
    s.push_str(body);
    s
}

#[test]
fn planted_secrets_never_reach_the_audit_file() {
    let github = planted(&["gh", "p_"], "Zk7Qp2Lm9Xv4Rt8Wn3Ys6Bd1Hf5Jc0Ga2Ue7");
    assert_eq!(github.len(), 40);
    let aws = planted(&["AK", "IA"], "QX4TZ7WB2MNK5RLP");
    let stripe = planted(&["sk_", "live_"], "7tQm2VxK9pLw4RzN8bYc3HdF");
    let secrets = [&github, &aws, &stripe];
    let actions = [
        serde_json::json!({"tool": "Bash", "args": {"command":
            format!("curl -H 'Authorization: token {github}' https://api.github.com/user")}}),
        serde_json::json!({"tool": "Bash", "args": {"command":
            format!("export AWS_ACCESS_KEY_ID={aws} && aws s3 ls")}}),
        serde_json::json!({"tool": "Write", "args": {"file_path": "config.py",
            "content": format!("STRIPE_KEY = \"{stripe}\"\nAWS = \"{aws}\"\n")}}),
        serde_json::json!({"tool": "WebFetch", "args": {"url":
            format!("https://example.com/hook?token={github}")}}),
        serde_json::json!({"tool": "Bash", "args": {"command": format!("cat /tmp/{stripe}.txt")}}),
        serde_json::json!({"kind": "network.request", "url": "https://api.stripe.com/v1/charges",
            "method": "POST", "payload": {"key": stripe, "note": format!("from {github}")}}),
        serde_json::json!({"tool": "Bash", "args": {"command": "env"},
            "context": {"env": {"GITHUB_TOKEN": github}}}),
    ];
    let engine = Engine::defaults();
    let dir = TempDir::new("audit-test");
    let path = dir.file("audit.jsonl");
    let mut log = AuditLog::open(&path, AuditOptions::default()).unwrap();
    for action in &actions {
        let decision = engine
            .evaluate(&agent_policy_core::Request::new(action, NOW))
            .unwrap();
        assert!(
            !decision.redactions.is_empty(),
            "no secret found in {action}"
        );
        log.append(&decision, &AuditContext::session("leaky"))
            .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    for secret in secrets {
        let head = &secret[..12];
        assert!(
            !text.contains(head),
            "a secret starting {head:?} reached the audit file"
        );
    }
    assert!(text.contains("[REDACTED:"));
    assert_eq!(intact(&path).verified, actions.len() as u64);
}
