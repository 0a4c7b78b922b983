//! Org policy plugins run by the host: the two example plugins give the decisions their
//! policies promise (through the library and the CLI), and every hostile plugin (endless loop,
//! endless allocation, panic, garbage and huge output, slow, filesystem and environment
//! access) ends in its `on_error` outcome within its limits while the host keeps serving, with
//! flat memory over 10,000 calls.
//!
//! The components are built by `host-wasmtime/plugins.sh build` and read from
//! `AGENT_POLICY_PLUGINS_DIR`, else `<target dir>/wasm32-wasip2/release`. When they are missing
//! the tests say so and pass, unless `AGENT_POLICY_PLUGINS_REQUIRED` is set.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use agent_policy_conformance::repo_root;
use agent_policy_core::{Decision, Engine, Outcome, Request};
use agent_policy_host::load_policy;
use agent_policy_host::plugins::{
    DEFAULT_FUEL, Failure, Limits, POOLED_CALLS, PluginConfig, PluginReport, PluginSet,
};
use serde_json::{Value, json};

use support::TempDir;

mod support;

const NOW: &str = "2026-11-22T10:00:00Z";
const RELEASE: &str = "wasm32-wasip2/release";

/// Where the components are, or `None` (after saying why) when the tests are to be skipped.
fn plugins_dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let mut tried = Vec::new();
        if let Some(dir) = std::env::var_os("AGENT_POLICY_PLUGINS_DIR") {
            tried.push(PathBuf::from(dir));
        }
        if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
            let dir = PathBuf::from(dir);
            let dir = if dir.is_absolute() {
                dir
            } else {
                repo_root().join(dir)
            };
            tried.push(dir.join(RELEASE));
        }
        if let Ok(exe) = std::env::current_exe()
            && let Some(dir) = exe.ancestors().nth(3)
        {
            tried.push(dir.join(RELEASE));
        }
        tried.push(repo_root().join("target").join(RELEASE));
        if let Some(dir) = tried
            .iter()
            .find(|d| d.join("trivial_plugin.wasm").is_file())
        {
            return Some(dir.clone());
        }
        assert!(
            std::env::var_os("AGENT_POLICY_PLUGINS_REQUIRED").is_none(),
            "the plugins are not built: run `host-wasmtime/plugins.sh build` (looked in {tried:?})"
        );
        eprintln!(
            "SKIPPED: the plugins are not built (run host-wasmtime/plugins.sh build); looked in \
             {tried:?}"
        );
        None
    })
    .as_deref()
}

fn wasm(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{}_plugin.wasm", name.replace('-', "_")))
}

fn config(dir: &Path, name: &str, limits: Limits, on_error: Outcome) -> PluginConfig {
    PluginConfig {
        id: name.to_owned(),
        path: wasm(dir, name),
        limits,
        on_error,
    }
}

fn set(configs: Vec<PluginConfig>) -> PluginSet {
    PluginSet::from_configs(configs).expect("the runtime starts")
}

/// The engine's decision on `action` under a permissive policy (no plugins).
fn allowed(action: &Value) -> Decision {
    let engine = Engine::from_source(agent_policy_core::PolicySource::new(
        "version: \"1\"\ndefault: allow\n",
        "<inline>",
        agent_policy_core::SourceFormat::Yaml,
    ))
    .unwrap();
    let d = engine.evaluate(&Request::new(action, NOW)).unwrap();
    assert_eq!(d.decision, Outcome::Allow);
    d
}

fn write(path: &str, content: &str) -> Value {
    json!({"tool": "Write", "args": {"file_path": path, "content": content}})
}

const GOOD_TF: &str = r#"resource "aws_db_instance" "api" {
  identifier          = "prod-api-rds"
  publicly_accessible = false
  tags = {
    Environment = "prod"
    Service     = "api"
    Owner       = "team-api"
    CostCenter  = "cc-1234"
    ManagedBy   = "terraform"
  }
}

resource "aws_security_group" "api" {
  name = "prod-api-sg"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.20.0.0/16"]
  }
  tags = { Environment = "prod", Service = "api", Owner = "team-api", CostCenter = "cc-1234", ManagedBy = "terraform" }
}
"#;

const BAD_TF: &str = r#"resource "aws_db_instance" "api" {
  identifier          = "ApiDatabase"
  publicly_accessible = true
  tags = {
    Owner = "team-api"
  }
}

resource "aws_security_group" "api" {
  name = "prod-api-sg"
  ingress {
    cidr_blocks = ["0.0.0.0/0"]
  }
  tags = { Environment = "prod", Service = "api", Owner = "team-api", CostCenter = "cc-1234", ManagedBy = "terraform" }
}
"#;

fn examples(dir: &Path) -> PluginSet {
    set(vec![
        config(dir, "naming", Limits::default(), Outcome::Deny),
        config(dir, "public-ingress", Limits::default(), Outcome::Deny),
    ])
}

fn ids(d: &Decision) -> Vec<&str> {
    d.policy_ids.iter().map(|id| id.as_str()).collect()
}

#[test]
fn the_examples_let_a_compliant_terraform_write_through() {
    let Some(dir) = plugins_dir() else { return };
    let plugins = examples(dir);
    let action = write("terraform/database.tf", GOOD_TF);
    let before = allowed(&action);
    let mut d = before.clone();
    plugins.run(&mut d);
    assert_eq!(d, before, "no finding on a compliant file");
    for report in plugins.reports(&before) {
        assert_eq!(report.outcome, Ok(Vec::new()), "{}", report.id);
    }
}

#[test]
fn the_examples_deny_public_ingress_a_public_database_bad_names_and_missing_tags() {
    let Some(dir) = plugins_dir() else { return };
    let plugins = examples(dir);
    let mut d = allowed(&write("terraform/database.tf", BAD_TF));
    plugins.run(&mut d);
    assert_eq!(d.decision, Outcome::Deny);
    assert_eq!(
        ids(&d),
        [
            "plugin.naming.required-tags",
            "plugin.naming.resource-name",
            "plugin.public-ingress.public-database",
            "plugin.public-ingress.public-ingress",
        ]
    );
    let reasons: Vec<&str> = d.matched.iter().map(|m| m.reason.as_str()).collect();
    let all = reasons.join("\n");
    assert!(
        all.contains("aws_db_instance.api in terraform/database.tf is named 'ApiDatabase'"),
        "{all}"
    );
    assert!(
        all.contains("misses the tags CostCenter, Environment, ManagedBy, Service"),
        "{all}"
    );
    assert!(
        all.contains(
            "aws_security_group.api in terraform/database.tf allows ingress from 0.0.0.0/0"
        ),
        "{all}"
    );
    assert!(all.contains("is publicly accessible"), "{all}");
    // Every finding points at the write, not the tool call.
    let write_effect = d
        .effects
        .iter()
        .position(|e| e.kind.as_str() == "file.write")
        .unwrap();
    let found: Vec<_> = d
        .matched
        .iter()
        .filter(|m| m.rule_id.starts_with("plugin."))
        .collect();
    assert_eq!(found.len(), 4);
    assert!(found.iter().all(|m| m.effect == write_effect));
    assert!(
        d.reason.starts_with("the action is denied by plugin."),
        "{}",
        d.reason
    );
}

#[test]
fn the_examples_read_kubernetes_manifests_and_ignore_other_files() {
    let Some(dir) = plugins_dir() else { return };
    let plugins = examples(dir);
    let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: db\nspec:\n  ingress:\n    - from:\n        - ipBlock:\n            cidr: 0.0.0.0/0\n";
    let mut d = allowed(&write("k8s/db-policy.yaml", policy));
    plugins.run(&mut d);
    assert_eq!(ids(&d), ["plugin.public-ingress.public-ingress"]);

    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: LoadBalancer\n  ports:\n    - port: 443\n";
    let mut d = allowed(&write("k8s/web.yaml", service));
    plugins.run(&mut d);
    assert_eq!(d.decision, Outcome::RequireApproval);
    assert_eq!(ids(&d), ["plugin.public-ingress.public-load-balancer"]);
    assert_eq!(d.approver_role.as_deref(), Some("platform"));
    assert!(d.approval_request.is_some());

    // The same text in a file that is neither Terraform nor YAML is nobody's business.
    let action = write("docs/example.md", BAD_TF);
    let before = allowed(&action);
    let mut d = before.clone();
    plugins.run(&mut d);
    assert_eq!(d, before);
}

#[test]
fn the_cli_runs_the_example_policy_with_paths_relative_to_it() {
    let Some(_) = plugins_dir() else { return };
    let examples = repo_root().join("examples/plugins");
    if !examples.join("target/naming.wasm").is_file() {
        assert!(
            std::env::var_os("AGENT_POLICY_PLUGINS_REQUIRED").is_none(),
            "examples/plugins/target is empty: run host-wasmtime/plugins.sh build"
        );
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_agent-policy"))
        .arg("check")
        .arg("--policy")
        .arg(examples.join("policy.yml"))
        .arg("--action")
        .arg(examples.join("write-public-db.json"))
        .args(["--now", NOW, "--exit-code"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    let d: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(d["decision"], "deny");
    assert_eq!(
        d["policy_ids"],
        json!([
            "plugin.naming.required-tags",
            "plugin.naming.resource-name",
            "plugin.public-ingress.public-database",
            "plugin.public-ingress.public-ingress",
        ])
    );
}

#[test]
fn a_missing_or_invalid_component_gives_on_error_and_the_rest_still_runs() {
    let Some(dir) = plugins_dir() else { return };
    let t = TempDir::new("plugins-test");
    let junk = t.put_bytes("junk.wasm", b"\0asm this is not a component");
    let plugins = set(vec![
        PluginConfig {
            id: "missing".into(),
            path: t.file("nowhere.wasm"),
            limits: Limits::default(),
            on_error: Outcome::Deny,
        },
        PluginConfig {
            id: "junk".into(),
            path: junk,
            limits: Limits::default(),
            on_error: Outcome::RequireApproval,
        },
        config(dir, "naming", Limits::default(), Outcome::Deny),
    ]);
    let mut d = allowed(&write("terraform/x.tf", BAD_TF));
    let reports = plugins.reports(&d);
    assert!(matches!(&reports[0].outcome, Err(Failure::Load(why)) if why.contains("nowhere.wasm")));
    assert!(
        matches!(&reports[1].outcome, Err(Failure::Load(why)) if why.contains("not a valid WebAssembly component")),
        "{:?}",
        reports[1].outcome
    );
    assert!(reports[2].outcome.as_ref().is_ok_and(|f| !f.is_empty()));
    plugins.run(&mut d);
    assert_eq!(d.decision, Outcome::Deny);
    let failed = d
        .matched
        .iter()
        .find(|m| m.rule_id == "plugin.missing")
        .unwrap();
    assert!(
        failed
            .reason
            .starts_with("plugin 'missing' could not be loaded: cannot read"),
        "{}",
        failed.reason
    );
    assert!(
        failed.reason.ends_with("its on_error outcome is deny"),
        "{}",
        failed.reason
    );
    assert!(ids(&d).contains(&"plugin.missing"));
    assert!(ids(&d).contains(&"plugin.naming.resource-name"));
}

/// One hostile plugin on a small action: its report and the merged decision.
fn hostile(name: &str, limits: Limits, on_error: Outcome) -> (PluginReport, Decision) {
    let dir = plugins_dir().unwrap();
    let plugins = set(vec![config(dir, name, limits, on_error)]);
    let mut d = allowed(&json!({"tool": "Read", "args": {"file_path": "/etc/hostname"}}));
    let report = plugins.reports(&d).pop().unwrap();
    plugins.run(&mut d);
    (report, d)
}

fn assert_denied_by(d: &Decision, id: &str, words: &str) {
    assert_eq!(d.decision, Outcome::Deny, "{}", d.reason);
    assert_eq!(ids(d), [format!("plugin.{id}")]);
    assert!(
        d.reason.contains(&format!("plugin '{id}' {words}")),
        "{}",
        d.reason
    );
}

#[test]
fn an_endless_loop_runs_out_of_fuel_quickly() {
    if plugins_dir().is_none() {
        return;
    }
    let (report, d) = hostile("loop", Limits::default(), Outcome::Deny);
    assert_eq!(report.outcome, Err(Failure::OutOfFuel(DEFAULT_FUEL)));
    assert!(report.fuel_used >= DEFAULT_FUEL);
    assert!(
        report.elapsed < Duration::from_millis(100),
        "{:?}",
        report.elapsed
    );
    assert_denied_by(&d, "loop", "ran out of fuel (limit 10000000)");
}

#[test]
fn a_slow_plugin_with_fuel_to_spare_is_stopped_by_its_time_limit() {
    if plugins_dir().is_none() {
        return;
    }
    let limits = Limits {
        fuel: u64::MAX / 4,
        timeout_ms: 30,
        ..Limits::default()
    };
    let (report, d) = hostile("slow", limits, Outcome::Terminate);
    assert_eq!(report.outcome, Err(Failure::Timeout(30)));
    assert!(
        report.elapsed >= Duration::from_millis(29),
        "{:?}",
        report.elapsed
    );
    assert!(
        report.elapsed < Duration::from_millis(500),
        "{:?}",
        report.elapsed
    );
    assert_eq!(d.decision, Outcome::Terminate);
    assert!(
        d.reason.contains("plugin 'slow' timed out (limit 30 ms)"),
        "{}",
        d.reason
    );
}

#[test]
fn endless_allocation_hits_the_memory_limit() {
    if plugins_dir().is_none() {
        return;
    }
    let limits = Limits {
        memory_mb: 16,
        ..Limits::default()
    };
    let (report, d) = hostile("alloc", limits, Outcome::Deny);
    assert_eq!(report.outcome, Err(Failure::OutOfMemory(16)));
    assert_denied_by(&d, "alloc", "ran out of memory (limit 16 MiB)");
}

#[test]
fn a_panic_is_a_trap() {
    if plugins_dir().is_none() {
        return;
    }
    let (report, d) = hostile("trap", Limits::default(), Outcome::Deny);
    assert!(
        matches!(&report.outcome, Err(Failure::Trap(why)) if why.contains("unreachable")),
        "{:?}",
        report.outcome
    );
    assert_denied_by(&d, "trap", "trapped:");
    // With on_error: allow, the failure is recorded and the action goes ahead.
    let (_, d) = hostile("trap", Limits::default(), Outcome::Allow);
    assert_eq!(d.decision, Outcome::Allow);
    assert!(!ids(&d).contains(&"plugin.trap"), "{:?}", d.policy_ids);
    let m = d
        .matched
        .iter()
        .find(|m| m.rule_id == "plugin.trap")
        .unwrap();
    assert_eq!(m.outcome, Outcome::Allow);
    assert!(m.reason.contains("trapped"), "{}", m.reason);
}

#[test]
fn garbage_and_huge_outputs_are_refused() {
    if plugins_dir().is_none() {
        return;
    }
    let (report, d) = hostile("garbage", Limits::default(), Outcome::Deny);
    assert!(
        matches!(&report.outcome, Err(Failure::InvalidOutput(_))),
        "{:?}",
        report.outcome
    );
    assert_denied_by(&d, "garbage", "returned an invalid result:");
    let (report, d) = hostile("huge", Limits::default(), Outcome::Deny);
    assert!(
        matches!(report.outcome, Err(Failure::OutputTooLarge(n)) if n > 1_000_000),
        "{:?}",
        report.outcome
    );
    assert_denied_by(&d, "huge", "returned");
    assert!(d.reason.len() < 400, "the reason stays short: {}", d.reason);
}

#[test]
fn the_filesystem_and_the_environment_are_not_granted() {
    if plugins_dir().is_none() {
        return;
    }
    let (report, d) = hostile("wasi-fs", Limits::default(), Outcome::Deny);
    assert!(
        matches!(&report.outcome, Err(Failure::Denied(what)) if what.starts_with("wasi:filesystem/")),
        "{:?}",
        report.outcome
    );
    assert_denied_by(&d, "wasi-fs", "called wasi:filesystem/");
    let (report, d) = hostile("wasi-env", Limits::default(), Outcome::Deny);
    assert!(
        matches!(&report.outcome, Err(Failure::Denied(what)) if what.starts_with("wasi:clocks/")),
        "{:?}",
        report.outcome
    );
    // It found the environment empty (else it would have answered with it), then trapped
    // on the clock.
    assert_denied_by(&d, "wasi-env", "called wasi:clocks/");
}

#[test]
fn plugins_of_an_override_resolve_against_its_own_directory() {
    let Some(dir) = plugins_dir() else { return };
    let t = TempDir::new("plugins-test");
    let bytes = std::fs::read(wasm(dir, "naming")).unwrap();
    t.put_bytes("team/plugins/naming.wasm", &bytes);
    let root = t.put_bytes("policy.yml", b"version: \"1\"\ndefault: allow\n");
    t.put_bytes(
        "team/.agent-policy.override.yml",
        b"version: \"1\"\nplugins:\n  - {id: naming, path: plugins/naming.wasm}\n",
    );
    let loaded = load_policy(&root).unwrap();
    let plugins = PluginSet::load(&loaded).unwrap();
    let paths: Vec<&Path> = plugins.configs().map(|c| c.path.as_path()).collect();
    assert_eq!(paths, [t.file("team/plugins/naming.wasm")]);
    let mut d = loaded
        .engine
        .evaluate(&Request::new(&write("team/main.tf", BAD_TF), NOW))
        .unwrap();
    plugins.run(&mut d);
    assert!(
        ids(&d).contains(&"plugin.naming.resource-name"),
        "{:?}",
        d.policy_ids
    );
}

#[test]
fn more_concurrent_calls_than_the_pool_holds_all_run_with_their_limits() {
    let Some(dir) = plugins_dir() else { return };
    // Each call spins until its time limit, so all of them hold an instance at once: the
    // calls the pool cannot hold run on demand, with the same limits and the same result.
    let limits = Limits {
        fuel: u64::MAX / 4,
        timeout_ms: 300,
        ..Limits::default()
    };
    let plugins = set(vec![config(dir, "slow", limits, Outcome::Deny)]);
    let d = allowed(&json!({"tool": "Read", "args": {"file_path": "README.md"}}));
    let calls = usize::try_from(POOLED_CALLS).unwrap() + 8;
    let barrier = std::sync::Barrier::new(calls);
    let outcomes: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..calls)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    plugins.reports(&d).pop().unwrap().outcome
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for outcome in &outcomes {
        assert_eq!(outcome, &Err(Failure::Timeout(300)));
    }
    // And the pool serves again afterwards.
    let trivial = set(vec![config(
        dir,
        "trivial",
        Limits::default(),
        Outcome::Deny,
    )]);
    assert_eq!(trivial.reports(&d).pop().unwrap().outcome, Ok(Vec::new()));
}

/// Resident memory of this process, in bytes (Linux), for the flatness check.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[test]
fn ten_thousand_calls_of_a_hostile_mix_keep_memory_flat() {
    let Some(dir) = plugins_dir() else { return };
    let small = Limits {
        fuel: 200_000,
        memory_mb: 8,
        timeout_ms: 100,
    };
    let plugins = set(vec![
        config(dir, "trivial", small, Outcome::Deny),
        config(dir, "loop", small, Outcome::Deny),
        config(dir, "alloc", small, Outcome::Deny),
        config(dir, "trap", small, Outcome::Deny),
        config(dir, "garbage", small, Outcome::Deny),
        config(dir, "wasi-fs", small, Outcome::Deny),
        config(dir, "huge", Limits::default(), Outcome::Deny),
        config(dir, "naming", Limits::default(), Outcome::Deny),
    ]);
    let base = allowed(&write("terraform/database.tf", BAD_TF));
    let rounds = 10_000 / 8;
    let run = |n: usize| {
        for _ in 0..n {
            let mut d = base.clone();
            plugins.run(&mut d);
            assert_eq!(d.decision, Outcome::Deny);
        }
    };
    let start = Instant::now();
    run(rounds / 5);
    let Some(warm) = resident_bytes() else {
        eprintln!("SKIPPED: no /proc/self/statm to read memory from");
        return;
    };
    run(rounds - rounds / 5);
    let end = resident_bytes().unwrap();
    let grown = end.saturating_sub(warm);
    eprintln!(
        "{} calls in {:?}; resident memory {} MiB after warm-up, {} MiB after",
        rounds * 8,
        start.elapsed(),
        warm >> 20,
        end >> 20
    );
    assert!(
        grown < 32 << 20,
        "resident memory grew by {} MiB",
        grown >> 20
    );
}
