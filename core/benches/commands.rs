//! Criterion benchmark of shell command understanding: the full decision on a `Bash` action
//! (action parse, tokenizer, wrapper unwrapping, flag normalisation, per-program effects, rule
//! matching, decision document) under the built-in defaults, over a corpus of 100 commands of
//! the kind coding agents run (`commands.txt`); and the command analysis alone, in bytes per
//! second.
//!
//! Target: ≤ 5 µs p50 per command decision. Besides criterion's per-element time for the whole
//! corpus, setup times every command on its own and prints the median over the corpus, the
//! mean and the slowest commands. How to run: `core/benches/README.md`.
#![expect(
    clippy::expect_used,
    reason = "a benchmark whose setup fails must stop loudly rather than measure nothing"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use agent_policy_core::effects::command::{analyze, command_effects};
use agent_policy_core::{Engine, Outcome, Request};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

const NOW: &str = "2026-11-22T10:00:00Z";
const WORKSPACE: &str = "/home/dev/shop";
const CORPUS: &str = include_str!("commands.txt");

/// Commands of the corpus the defaults must refuse: the benchmark measures the real decision,
/// so a change that lets them through must not go unnoticed.
const MUST_DENY: &[&str] = &[
    "rm -rf /",
    "git push --force origin main",
    "sudo rm -rf /var/lib/postgresql",
];

/// Runs per timing batch and batches per command when each command is timed on its own.
const BATCH: u32 = 100;
const BATCHES: usize = 10;

/// The commands of the corpus: one per line, `#` comments and blank lines skipped, a line
/// starting with `> ` (or exactly `>`) continuing the command before it.
fn corpus() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in CORPUS.lines() {
        let continued = line.strip_prefix("> ").or((line == ">").then_some(""));
        match (continued, out.last_mut()) {
            (Some(rest), Some(last)) => {
                last.push('\n');
                last.push_str(rest);
            }
            _ if line.starts_with('#') || line.trim().is_empty() => {}
            _ => out.push(line.to_owned()),
        }
    }
    out
}

fn bash_action(command: &str) -> Value {
    json!({
        "tool": "Bash",
        "args": {"command": command},
        "agent": {"type": "coding-agent"},
        "context": {"workspace": WORKSPACE, "cwd": WORKSPACE},
    })
}

fn decide(engine: &Engine, action: &Value) -> Outcome {
    engine
        .evaluate(&Request::new(action, NOW))
        .expect("benchmark action evaluates")
        .decision
}

/// The time of one decision on `action`: the median of [`BATCHES`] batches of [`BATCH`] runs,
/// after one untimed batch.
fn time_one(engine: &Engine, action: &Value) -> Duration {
    let request = Request::new(action, NOW);
    let mut batches: Vec<Duration> = (0..=BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..BATCH {
                let _ = black_box(engine.evaluate(black_box(&request)));
            }
            start.elapsed() / BATCH
        })
        .skip(1)
        .collect();
    batches.sort_unstable();
    batches.get(BATCHES / 2).copied().unwrap_or_default()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// One line of a command for the report: newlines shown as `⏎`, cut at 80 characters.
fn shown(command: &str) -> String {
    let flat = command.replace('\n', "⏎");
    match flat.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", flat.get(..at).unwrap_or_default()),
        None => flat,
    }
}

#[expect(
    clippy::print_stderr,
    reason = "the bench reports per-command times and outcomes next to criterion's own output"
)]
fn report_per_command(engine: &Engine, commands: &[String], actions: &[Value]) {
    let mut outcomes = [0usize; Outcome::ALL.len()];
    for action in actions {
        let at = Outcome::ALL
            .iter()
            .position(|o| *o == decide(engine, action))
            .unwrap_or_default();
        if let Some(n) = outcomes.get_mut(at) {
            *n += 1;
        }
    }
    let counts: Vec<String> = Outcome::ALL
        .iter()
        .zip(outcomes)
        .filter(|(_, n)| *n > 0)
        .map(|(o, n)| format!("{n} {}", o.as_str()))
        .collect();
    eprintln!(
        "corpus: {} commands, {} bytes; decisions under the defaults: {}",
        commands.len(),
        commands.iter().map(String::len).sum::<usize>(),
        counts.join(", ")
    );

    let mut times: Vec<(Duration, &str)> = commands
        .iter()
        .zip(actions)
        .map(|(command, action)| (time_one(engine, action), command.as_str()))
        .collect();
    times.sort_unstable_by_key(|(t, _)| *t);
    let total: Duration = times.iter().map(|(t, _)| *t).sum();
    let count = u32::try_from(times.len()).unwrap_or(u32::MAX).max(1);
    let median = times
        .get(times.len() / 2)
        .map(|(t, _)| *t)
        .unwrap_or_default();
    let fastest = times.first().map(|(t, _)| *t).unwrap_or_default();
    eprintln!(
        "per command decision (each command alone, median of {BATCHES}×{BATCH} runs): \
         p50 over the corpus {:.2} µs (target ≤ 5 µs), mean {:.2} µs, fastest {:.2} µs",
        micros(median),
        micros(total / count),
        micros(fastest)
    );
    eprintln!("slowest commands:");
    for (t, command) in times.iter().rev().take(3) {
        eprintln!("  {:>8.2} µs  {}", micros(*t), shown(command));
    }
}

fn bench_commands(c: &mut Criterion) {
    let commands = corpus();
    assert_eq!(commands.len(), 100, "the corpus holds 100 commands");
    let engine = Engine::defaults();
    let actions: Vec<Value> = commands.iter().map(|c| bash_action(c)).collect();
    for command in MUST_DENY {
        assert!(
            commands.iter().any(|c| c == command),
            "the corpus lost `{command}`"
        );
        let outcome = decide(&engine, &bash_action(command));
        assert!(
            outcome >= Outcome::Deny,
            "`{command}` must be refused by the defaults, got {outcome}"
        );
    }
    report_per_command(&engine, &commands, &actions);

    let mut g = c.benchmark_group("command-decision");
    g.throughput(Throughput::Elements(actions.len() as u64));
    g.bench_function("corpus", |b| {
        b.iter(|| {
            for action in &actions {
                let _ = black_box(engine.evaluate(&Request::new(black_box(action), NOW)));
            }
        })
    });
    g.finish();

    // The command analysis alone, without the action around it or the rules: `analyze` is the
    // tokenizer and wrapper unwrapping, `command_effects` adds flag normalisation and the
    // per-program effects. Bytes are those of the commands.
    let bytes: usize = commands.iter().map(String::len).sum();
    let mut g = c.benchmark_group("command-parse");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("throughput", |b| {
        b.iter(|| {
            for command in &commands {
                black_box(analyze(black_box(command)));
            }
        })
    });
    g.bench_function("effects", |b| {
        b.iter(|| {
            for command in &commands {
                black_box(command_effects(
                    black_box(command),
                    Some(WORKSPACE),
                    Some(WORKSPACE),
                ));
            }
        })
    });
    // The same text as one `Bash` action, the whole corpus joined with newlines: the full
    // decision path in bytes per second, on one long script.
    let script = commands.join("\n");
    g.throughput(Throughput::Bytes(script.len() as u64));
    let joined = bash_action(&script);
    g.bench_function("decision-joined", |b| {
        b.iter(|| engine.evaluate(&Request::new(black_box(&joined), NOW)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = bench_commands
}
criterion_main!(benches);
