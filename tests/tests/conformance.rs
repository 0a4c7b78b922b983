//! Runs the whole conformance corpus through the Rust engine: every vector must meet its
//! expectation, twice with the same bytes. Vectors marked `known_bug` describe behaviour the
//! engine does not have yet (each names what is missing): they are expected failures, listed
//! in the output; `AGENT_POLICY_STRICT=1` makes them fail the run. A known bug that passes
//! always fails the run, so that its marker is removed the day the gap closes.

#![allow(clippy::print_stdout, clippy::panic, clippy::expect_used)]

use std::collections::BTreeMap;

use agent_policy_conformance::{evaluate_vector, load_corpus, run, vectors_dir};

/// The corpus must keep at least this many vectors.
const MIN_VECTORS: usize = 150;

#[test]
fn every_vector_meets_its_expectation() {
    let corpus = load_corpus(&vectors_dir()).expect("the corpus loads");
    let strict = std::env::var("AGENT_POLICY_STRICT").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    let mut known = Vec::new();
    let mut fixed = Vec::new();
    for (family, vector) in &corpus {
        let first = run(vector);
        let second = run(vector);
        let check = if first.output == second.output {
            first.check
        } else {
            Err(format!(
                "not deterministic: two runs gave different bytes\n  1: {}\n  2: {}",
                first.output, second.output
            ))
        };
        let id = format!("{family}/{}", vector.name);
        match (check, &vector.known_bug) {
            (Ok(()), None) => {}
            (Ok(()), Some(bug)) => {
                fixed.push(format!("{id}: passes now ({bug}): remove known_bug"))
            }
            (Err(diff), None) => failures.push(format!("{id}: {diff}")),
            (Err(diff), Some(bug)) => known.push(format!("{id}: KNOWN BUG {bug}\n    {diff}")),
        }
    }
    for line in &known {
        println!("{line}");
    }
    for line in fixed.iter().chain(&failures) {
        println!("FAIL {line}");
    }
    println!(
        "{} vectors: {} failed, {} known bugs, {} known bugs fixed",
        corpus.len(),
        failures.len(),
        known.len(),
        fixed.len()
    );
    assert!(failures.is_empty(), "{} vectors failed", failures.len());
    assert!(
        fixed.is_empty(),
        "{} known_bug markers are stale",
        fixed.len()
    );
    assert!(
        known.is_empty() || !strict,
        "{} vectors fail on known bugs (AGENT_POLICY_STRICT=1)",
        known.len()
    );
}

/// `Decision::to_json` writes the document by hand for speed; on every decision of the corpus
/// it must give the bytes serde_json writes from the derived `Serialize` (which the audit log
/// and other serializers use).
#[test]
fn the_written_decision_json_is_serdes() {
    let corpus = load_corpus(&vectors_dir()).expect("the corpus loads");
    let mut decisions = 0;
    for (family, vector) in &corpus {
        let Ok(Ok(evaluated)) = evaluate_vector(vector) else {
            continue;
        };
        let d = &evaluated.decision;
        let serde = serde_json::to_string(d).expect("a decision serialises");
        assert_eq!(d.to_json(), serde, "{family}/{}", vector.name);
        decisions += 1;
    }
    assert!(decisions >= 100, "only {decisions} vectors decide");
}

#[test]
fn the_corpus_is_large_and_names_are_unique() {
    let corpus = load_corpus(&vectors_dir()).expect("the corpus loads");
    assert!(
        corpus.len() >= MIN_VECTORS,
        "the corpus has {} vectors; it must keep at least {MIN_VECTORS}",
        corpus.len()
    );
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (family, v) in &corpus {
        let kebab = !v.name.is_empty()
            && v.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        assert!(kebab, "{family}/{}: names are kebab-case", v.name);
        if let Some(other) = seen.insert(&v.name, family) {
            panic!("vector name '{}' is used in {other} and {family}", v.name);
        }
    }
}

#[test]
fn every_policy_file_is_used() {
    let corpus = load_corpus(&vectors_dir()).expect("the corpus loads");
    let dir = vectors_dir().join("../policies");
    let files = std::fs::read_dir(&dir).expect("tests/policies exists");
    for entry in files {
        let name = entry.expect("a directory entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            corpus
                .iter()
                .any(|(_, v)| v.policy_file.as_deref() == Some(&*name)),
            "tests/policies/{name} is used by no vector"
        );
    }
}

/// Prints the output of the vectors whose name contains `AGENT_POLICY_SHOW`: a debugging aid,
/// run on demand:
/// `AGENT_POLICY_SHOW=cat-env cargo test --test conformance show -- --ignored --nocapture`.
#[test]
#[ignore = "a debugging aid that prints vector outputs"]
fn show() {
    let filter = std::env::var("AGENT_POLICY_SHOW")
        .expect("set AGENT_POLICY_SHOW to a part of a vector name");
    let corpus = load_corpus(&vectors_dir()).expect("the corpus loads");
    let shown: Vec<_> = corpus
        .iter()
        .filter(|(_, v)| v.name.contains(&filter))
        .collect();
    assert!(!shown.is_empty(), "no vector name contains '{filter}'");
    for (family, vector) in shown {
        let outcome = run(vector);
        println!(
            "{family}/{}: {:?}\n{}\n",
            vector.name, outcome.check, outcome.output
        );
    }
}
