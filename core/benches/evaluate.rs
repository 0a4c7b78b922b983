//! Criterion benchmark of `Engine::evaluate`: the full path a user waits for (action parse,
//! effects, redaction scan, rule matching, decision document), on a 54-rule policy and on a
//! generated 10,000-rule policy, for a file action and a tool action; policy compile time for
//! both sizes; and the fixed costs inside `evaluate` measured apart, to tell where time goes.
//!
//! Targets (p50 = criterion's median): ≤ 1 µs at 54 rules, ≤ 2 µs at 10,000 rules. The rule
//! table is shared with the Cedar side-by-side benchmark. How to run: `core/benches/README.md`.
#![expect(
    clippy::expect_used,
    reason = "a benchmark whose setup fails must stop loudly rather than measure nothing"
)]

use std::hint::black_box;
use std::time::Duration;

use agent_policy_core::{Engine, Outcome, PolicySource, Request, SourceFormat};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::Value;
use sha2::{Digest, Sha256};

#[path = "../../tests/bench-cedar/src/rules.rs"]
mod rules;

/// A policy with no rules: `evaluate` on it costs everything but rule matching.
const EMPTY_POLICY: &str = "version: \"1\"\ndefault: deny\n";

/// The same without the built-in secret detectors: the difference is the redaction scan.
const EMPTY_POLICY_NO_REDACTION: &str =
    "version: \"1\"\ndefault: deny\nredaction: {builtin: false}\n";

fn compile(yaml: &str) -> Result<Engine, agent_policy_core::Error> {
    Engine::from_source(PolicySource::new(yaml, "<bench>", SourceFormat::Yaml))
}

fn engine(yaml: &str, what: &str) -> Engine {
    compile(yaml)
        .map_err(|e| format!("the {what} policy does not compile: {e}"))
        .expect("benchmark policy compiles")
}

fn action(text: &str) -> Value {
    serde_json::from_str(text).expect("benchmark action is valid JSON")
}

#[expect(
    clippy::print_stderr,
    reason = "the bench reports the compiled rule counts next to criterion's own output"
)]
fn note_counts(small: &Engine, large: &Engine, refused: Option<&agent_policy_core::Error>) {
    eprintln!(
        "policies: {} written rules -> {} compiled; {} written rules -> {} compiled \
         (compiled counts include the rules the engine implies)",
        rules::SMALL_RULES,
        small.rule_count(),
        rules::LARGE_RULES,
        large.rule_count()
    );
    if let Some(e) = refused {
        eprintln!(
            "note: one policy file of {} rules is refused ({e}); the large policy is measured \
             as a root policy and override files of {} rules each",
            rules::LARGE_RULES,
            rules::RULES_PER_FILE
        );
    }
}

/// Both benchmarked actions are allowed on both policies: the benchmark measures the path an
/// agent's ordinary work takes.
fn check_allowed(engine: &Engine, action: &Value, what: &str) {
    let decision = engine
        .evaluate(&Request::new(action, rules::NOW))
        .expect("benchmark action evaluates");
    assert_eq!(
        decision.decision,
        Outcome::Allow,
        "{what}: expected allow, got {} ({})",
        decision.decision,
        decision.reason
    );
}

fn bench_evaluate(c: &mut Criterion) {
    let small_table = rules::small_table();
    let large_table = rules::large_table();
    assert_eq!(small_table.len(), rules::SMALL_RULES);
    assert_eq!(large_table.len(), rules::LARGE_RULES);
    let small_yaml = rules::to_yaml(&small_table);
    let (small, _) = rules::agent_policy_engine(&small_table).expect("the 54-rule policy compiles");
    let (large, refused) =
        rules::agent_policy_engine(&large_table).expect("the 10,000-rule policy compiles");
    note_counts(&small, &large, refused.as_ref());
    // What the compile benchmark loads: one file, or the split form the engine accepts.
    let large_yaml = rules::to_yaml(&large_table);
    let (large_root, large_overrides) = rules::to_yaml_files(&large_table);

    let file = action(rules::FILE_ACTION);
    let tool = action(rules::TOOL_ACTION);
    for (engine, size) in [(&small, "54 rules"), (&large, "10,000 rules")] {
        check_allowed(engine, &file, &format!("file action, {size}"));
        check_allowed(engine, &tool, &format!("tool action, {size}"));
    }

    for (engine, group) in [
        (&small, "evaluate-54-rules"),
        (&large, "evaluate-10000-rules"),
    ] {
        let mut g = c.benchmark_group(group);
        for (name, action) in [("file", &file), ("tool", &tool)] {
            g.bench_function(name, |b| {
                b.iter(|| engine.evaluate(&Request::new(black_box(action), black_box(rules::NOW))))
            });
        }
        g.finish();
    }

    let mut g = c.benchmark_group("compile");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("54-rules", |b| b.iter(|| compile(black_box(&small_yaml))));
    if refused.is_none() {
        g.bench_function("10000-rules", |b| {
            b.iter(|| compile(black_box(&large_yaml)))
        });
    } else {
        fn source(text: &str) -> PolicySource<'_> {
            PolicySource::new(text, "<bench>", SourceFormat::Yaml)
        }
        g.bench_function("10000-rules", |b| {
            b.iter(|| {
                let overrides: Vec<PolicySource<'_>> =
                    large_overrides.iter().map(|o| source(o)).collect();
                Engine::from_sources(source(black_box(&large_root)), &overrides)
            })
        });
    }
    g.finish();

    // Where the time of one evaluation goes, measured from the outside: what evaluating on a
    // policy without rules costs (everything but matching), the share of the secret scan,
    // and the pieces every decision pays (timestamp, hashing the action, serialising).
    let empty = engine(EMPTY_POLICY, "empty");
    let empty_plain = engine(EMPTY_POLICY_NO_REDACTION, "empty, no redaction");
    let decision = small
        .evaluate(&Request::new(&file, rules::NOW))
        .expect("benchmark action evaluates");
    let mut g = c.benchmark_group("phases-file-action");
    g.bench_function("evaluate-no-rules", |b| {
        b.iter(|| empty.evaluate(&Request::new(black_box(&file), rules::NOW)))
    });
    g.bench_function("evaluate-no-rules-no-redaction", |b| {
        b.iter(|| empty_plain.evaluate(&Request::new(black_box(&file), rules::NOW)))
    });
    // The same call as `evaluate-54-rules/file`, with each decision dropped outside the timed
    // loop: the difference is what freeing a decision document costs.
    g.bench_function("evaluate-54-rules-drop-untimed", |b| {
        b.iter_with_large_drop(|| small.evaluate(&Request::new(black_box(&file), rules::NOW)))
    });
    g.bench_function("evaluate-json-54-rules", |b| {
        b.iter(|| small.evaluate_json(black_box(rules::FILE_ACTION), rules::NOW))
    });
    g.bench_function("json-text-parse", |b| {
        b.iter(|| serde_json::from_str::<Value>(black_box(rules::FILE_ACTION)))
    });
    g.bench_function("redact-value", |b| {
        b.iter(|| small.redactor().redact_value(black_box(&file)))
    });
    g.bench_function("timestamp-parse", |b| {
        b.iter(|| chrono::DateTime::parse_from_rfc3339(black_box(rules::NOW)))
    });
    g.bench_function("action-sha256", |b| {
        b.iter(|| Sha256::digest(black_box(&file).to_string().as_bytes()))
    });
    g.bench_function("decision-to-json", |b| {
        b.iter(|| black_box(&decision).to_json())
    });
    // The same bytes through serde_json and the derived `Serialize` (what the audit log uses),
    // which re-reads the redacted action's canonical text to stream it.
    g.bench_function("decision-to-json-serde", |b| {
        b.iter(|| serde_json::to_string(black_box(&decision)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = bench_evaluate
}
criterion_main!(benches);
