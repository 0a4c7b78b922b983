//! Writes the benchmark rule table and actions as files, for the benchmarks of the language
//! surfaces (Python, Node, wasm in Node) that compare with Cedar's own bindings: the same
//! 54 rules as agent-policy YAML and as Cedar text, and the benchmarked actions.
//!
//! `bench-fixtures DIR` writes `DIR/policy.yml`, `DIR/policy.cedar` and `DIR/actions.json`
//! (`{"now", "file", "tool"}`: the actions as JSON values). The Cedar request for an action is
//! built per call the way `cedar.rs` builds it: principal `Agent::"<agent.id or anonymous>"`
//! with attribute `type`, action `Action::"<tool>"`, resource `File::"<path or empty>"` with
//! attribute `path` when the action names a file (`args.file_path`).
#![expect(
    clippy::print_stderr,
    reason = "a command-line tool that reports what it wrote"
)]

use std::path::PathBuf;
use std::process::ExitCode;

use agent_policy_bench_cedar::cedar::policy_text;
use agent_policy_bench_cedar::rules::{FILE_ACTION, NOW, TOOL_ACTION, small_table, to_yaml};

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: bench-fixtures DIR");
        return ExitCode::from(64);
    };
    let table = small_table();
    let actions = format!("{{\"now\":\"{NOW}\",\"file\":{FILE_ACTION},\"tool\":{TOOL_ACTION}}}\n");
    let files = [
        ("policy.yml", to_yaml(&table)),
        ("policy.cedar", policy_text(&table)),
        ("actions.json", actions),
    ];
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("bench-fixtures: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    for (name, text) in files {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("bench-fixtures: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    eprintln!(
        "bench-fixtures: {} rules written to {}",
        table.len(),
        dir.display()
    );
    ExitCode::SUCCESS
}
