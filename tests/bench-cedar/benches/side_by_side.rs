//! agent-policy and Cedar side by side in one criterion run, on the same rule table (54 rules
//! and the generated 10,000), from the same JSON action text to a decision. Each side pays its
//! own input cost: agent-policy parses the text and evaluates (`Engine::evaluate_json`); Cedar
//! parses the text, builds its entities and request, and calls `Authorizer::is_authorized`.

use std::hint::black_box;
use std::time::Duration;

use agent_policy_bench_cedar::cedar::CedarEngine;
use agent_policy_bench_cedar::rules::{self, Row};
use agent_policy_bench_cedar::{agent_policy_allows, agent_policy_engine};
use criterion::{Criterion, criterion_group, criterion_main};

fn side_by_side(c: &mut Criterion, group: &str, rows: &[Row]) {
    let (engine, refused) = agent_policy_engine(rows).expect("the agent-policy policy compiles");
    if let Some(e) = refused {
        eprintln!(
            "note: {group}: one policy file of {} rules is refused ({e}); measured as a root \
             policy and override files of {} rules each",
            rows.len(),
            rules::RULES_PER_FILE
        );
    }
    let cedar = CedarEngine::new(rows).expect("the Cedar policies parse");
    for text in [rules::FILE_ACTION, rules::TOOL_ACTION] {
        // Both sides must reach the same answer, or the comparison means nothing.
        assert!(agent_policy_allows(&engine, text).expect("agent-policy evaluates"));
        assert!(cedar.decide_json(text).expect("Cedar decides"));
    }
    let mut g = c.benchmark_group(group);
    for (name, text) in [("file", rules::FILE_ACTION), ("tool", rules::TOOL_ACTION)] {
        g.bench_function(format!("agent-policy-{name}"), |b| {
            b.iter(|| engine.evaluate_json(black_box(text), black_box(rules::NOW)))
        });
        g.bench_function(format!("cedar-{name}"), |b| {
            b.iter(|| cedar.decide_json(black_box(text)))
        });
    }
    g.finish();
}

fn bench(c: &mut Criterion) {
    side_by_side(c, "side-by-side-54-rules", &rules::small_table());
    side_by_side(c, "side-by-side-10000-rules", &rules::large_table());
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = bench
}
criterion_main!(benches);
