//! Prints the p50 table of the engine benchmark and of the Cedar side-by-side benchmark as
//! Markdown, from criterion's saved estimates (`<criterion dir>/<group>/<bench>/new/
//! estimates.json`, the median's point estimate in nanoseconds).
//!
//! Usage: `bench-report [CRITERION_DIR]`; the default is `$CARGO_TARGET_DIR/criterion`, else
//! `target/criterion`. Run the benchmarks first (`core/benches/report.sh` does both).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use agent_policy_bench_cedar::cedar::CedarEngine;
use agent_policy_bench_cedar::{agent_policy_engine, rules};

/// The median of one benchmark in nanoseconds, if it was run.
fn median_ns(dir: &Path, group: &str, bench: &str) -> Option<f64> {
    let path = dir
        .join(group)
        .join(bench)
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value.pointer("/median/point_estimate")?.as_f64()
}

/// A duration in nanoseconds, in the unit that reads best.
fn human(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else if ns < 1_000_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else {
        format!("{:.2} s", ns / 1_000_000_000.0)
    }
}

/// A target, written as the issue writes it (`1 µs`).
fn target_text(ns: f64) -> String {
    human(ns).replace(".00 ", " ")
}

/// The first line of an error, for a table note.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// One row of the table.
struct Line {
    label: &'static str,
    group: &'static str,
    bench: &'static str,
    /// The p50 target in nanoseconds.
    target_ns: Option<f64>,
    /// The Cedar benchmark of the same group this row is compared with.
    cedar: Option<&'static str>,
}

const fn line(label: &'static str, group: &'static str, bench: &'static str) -> Line {
    Line {
        label,
        group,
        bench,
        target_ns: None,
        cedar: None,
    }
}

const fn target(mut l: Line, ns: f64) -> Line {
    l.target_ns = Some(ns);
    l
}

const fn versus(mut l: Line, cedar: &'static str) -> Line {
    l.cedar = Some(cedar);
    l
}

const LINES: &[Line] = &[
    target(
        line(
            "evaluate, 54 rules, file action",
            "evaluate-54-rules",
            "file",
        ),
        1_000.0,
    ),
    target(
        line(
            "evaluate, 54 rules, tool action",
            "evaluate-54-rules",
            "tool",
        ),
        1_000.0,
    ),
    target(
        line(
            "evaluate, 10,000 rules, file action",
            "evaluate-10000-rules",
            "file",
        ),
        2_000.0,
    ),
    target(
        line(
            "evaluate, 10,000 rules, tool action",
            "evaluate-10000-rules",
            "tool",
        ),
        2_000.0,
    ),
    line("compile, 54 rules", "compile", "54-rules"),
    line("compile, 10,000 rules", "compile", "10000-rules"),
    versus(
        line(
            "JSON → decision, 54 rules, file: agent-policy",
            "side-by-side-54-rules",
            "agent-policy-file",
        ),
        "cedar-file",
    ),
    line(
        "JSON → decision, 54 rules, file: Cedar",
        "side-by-side-54-rules",
        "cedar-file",
    ),
    versus(
        line(
            "JSON → decision, 54 rules, tool: agent-policy",
            "side-by-side-54-rules",
            "agent-policy-tool",
        ),
        "cedar-tool",
    ),
    line(
        "JSON → decision, 54 rules, tool: Cedar",
        "side-by-side-54-rules",
        "cedar-tool",
    ),
    versus(
        line(
            "JSON → decision, 10,000 rules, file: agent-policy",
            "side-by-side-10000-rules",
            "agent-policy-file",
        ),
        "cedar-file",
    ),
    line(
        "JSON → decision, 10,000 rules, file: Cedar",
        "side-by-side-10000-rules",
        "cedar-file",
    ),
    versus(
        line(
            "JSON → decision, 10,000 rules, tool: agent-policy",
            "side-by-side-10000-rules",
            "agent-policy-tool",
        ),
        "cedar-tool",
    ),
    line(
        "JSON → decision, 10,000 rules, tool: Cedar",
        "side-by-side-10000-rules",
        "cedar-tool",
    ),
    line(
        "phase: evaluate on a policy without rules",
        "phases-file-action",
        "evaluate-no-rules",
    ),
    line(
        "phase: same, built-in secret scan off",
        "phases-file-action",
        "evaluate-no-rules-no-redaction",
    ),
    line(
        "phase: evaluate_json (text in), 54 rules",
        "phases-file-action",
        "evaluate-json-54-rules",
    ),
    line(
        "phase: JSON text parse",
        "phases-file-action",
        "json-text-parse",
    ),
    line(
        "phase: secret scan of the action (redact_value)",
        "phases-file-action",
        "redact-value",
    ),
    line(
        "phase: timestamp parse",
        "phases-file-action",
        "timestamp-parse",
    ),
    line(
        "phase: action to JSON text + sha256",
        "phases-file-action",
        "action-sha256",
    ),
    line(
        "phase: decision to JSON text (not in evaluate)",
        "phases-file-action",
        "decision-to-json",
    ),
];

fn criterion_dir() -> PathBuf {
    if let Some(arg) = std::env::args_os().nth(1) {
        return PathBuf::from(arg);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => PathBuf::from(t).join("criterion"),
        None => PathBuf::from("target").join("criterion"),
    }
}

fn rule_counts() -> String {
    let count = |rows: &[rules::Row]| match agent_policy_engine(rows) {
        Ok((e, None)) => e.rule_count().to_string(),
        Ok((e, Some(refused))) => format!(
            "{} (loaded as a root policy and override files of {} rules, because one file is \
             refused: {})",
            e.rule_count(),
            rules::RULES_PER_FILE,
            first_line(&refused.to_string())
        ),
        Err(e) => format!("does not compile: {}", first_line(&e.to_string())),
    };
    let cedar = |rows: &[rules::Row]| {
        CedarEngine::new(rows).map_or_else(
            |e| first_line(&e).to_owned(),
            |c| c.policy_count().to_string(),
        )
    };
    let small = rules::small_table();
    let large = rules::large_table();
    format!(
        "Rules written: {} and {}. Compiled by agent-policy (implied rules included): {} and {}. \
         Cedar policies: {} and {}.",
        small.len(),
        large.len(),
        count(&small),
        count(&large),
        cedar(&small),
        cedar(&large),
    )
}

fn report(dir: &Path) -> String {
    let mut out = String::new();
    out.push_str("| bench | p50 | target | ratio vs Cedar |\n|---|---:|---|---:|\n");
    for l in LINES {
        let p50 = median_ns(dir, l.group, l.bench);
        let shown = p50.map_or_else(|| "not run".to_owned(), human);
        let goal = match (l.target_ns, p50) {
            (Some(t), Some(v)) if v <= t => format!("≤ {}: met", target_text(t)),
            (Some(t), Some(_)) => format!("≤ {}: **missed**", target_text(t)),
            (Some(t), None) => format!("≤ {}", target_text(t)),
            (None, _) => String::new(),
        };
        let ratio = match (l.cedar.and_then(|c| median_ns(dir, l.group, c)), p50) {
            (Some(c), Some(v)) if v > 0.0 => format!("Cedar takes {:.1}×", c / v),
            _ => String::new(),
        };
        out.push_str(&format!("| {} | {shown} | {goal} | {ratio} |\n", l.label));
    }
    out.push('\n');
    out.push_str(&rule_counts());
    out.push('\n');
    out
}

fn main() -> ExitCode {
    let dir = criterion_dir();
    let text = report(&dir);
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
