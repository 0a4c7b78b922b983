//! The cost of org policy plugins: one call of a trivial plugin (fresh store and instance from
//! the pre-linked component, input in, no finding out; target ≤ 20 µs), the time to stop a
//! runaway loop at the default fuel (target ≤ 10 ms), and one call of each example plugin on
//! a Terraform write, with the fuel it uses (printed once).
//!
//! The components come from `host-wasmtime/plugins.sh build` (`plugins.sh bench` builds and
//! runs this), read from `AGENT_POLICY_PLUGINS_DIR`, else
//! `<target dir>/wasm32-wasip2/release`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use agent_policy_core::{Decision, Engine, Outcome, PolicySource, Request, SourceFormat};
use agent_policy_host::plugins::{Limits, PluginConfig, PluginSet};
use criterion::{Criterion, criterion_group, criterion_main};

fn plugins_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("AGENT_POLICY_PLUGINS_DIR") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    target.join("wasm32-wasip2/release")
}

fn one(name: &str, limits: Limits) -> PluginSet {
    let path = plugins_dir().join(format!("{}_plugin.wasm", name.replace('-', "_")));
    assert!(
        path.is_file(),
        "{} is missing: run host-wasmtime/plugins.sh build",
        path.display()
    );
    PluginSet::from_configs(vec![PluginConfig {
        id: name.to_owned(),
        path,
        limits,
        on_error: Outcome::Deny,
    }])
    .expect("the plugin runtime starts")
}

fn decision(action: &serde_json::Value) -> Decision {
    let engine = Engine::from_source(PolicySource::new(
        "version: \"1\"\ndefault: allow\n",
        "<inline>",
        SourceFormat::Yaml,
    ))
    .unwrap();
    engine
        .evaluate(&Request::new(action, "2026-11-22T10:00:00Z"))
        .unwrap()
}

const TERRAFORM: &str = r#"resource "aws_db_instance" "api" {
  identifier          = "ApiDatabase"
  publicly_accessible = true
  tags = {
    Owner = "team-api"
  }
}

resource "aws_security_group_rule" "db_from_anywhere" {
  type              = "ingress"
  from_port         = 5432
  to_port           = 5432
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.db.id
}
"#;

/// How many calls [`percentiles`] times.
const CALLS: usize = 20_000;

/// The median and the 99th percentile of [`CALLS`] timed runs of `f`, in µs (criterion
/// reports a mean; on a busy machine the median is the steadier figure).
fn percentiles(mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..CALLS / 10 {
        f();
    }
    let mut times: Vec<Duration> = (0..CALLS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort_unstable();
    let at = |q: f64| {
        let i = ((times.len() - 1) as f64 * q).round() as usize;
        times[i].as_secs_f64() * 1e6
    };
    (at(0.5), at(0.99))
}

fn bench(c: &mut Criterion) {
    let read = decision(&serde_json::json!({"tool": "Read", "args": {"file_path": "src/main.rs"}}));
    let write = decision(&serde_json::json!({
        "tool": "Write",
        "args": {"file_path": "terraform/database.tf", "content": TERRAFORM}
    }));

    let trivial = one("trivial", Limits::default());
    c.bench_function("plugin call, trivial component", |b| {
        b.iter(|| black_box(trivial.reports(black_box(&read))));
    });
    let (p50, p99) = percentiles(|| {
        black_box(trivial.reports(black_box(&read)));
    });
    println!("trivial plugin call: p50 {p50:.1} µs, p99 {p99:.1} µs over {CALLS} calls");

    let runaway = one("loop", Limits::default());
    let report = runaway.reports(&read).pop().unwrap();
    assert!(report.outcome.is_err(), "the loop must be stopped");
    c.bench_function(
        "plugin call, runaway loop stopped at the default fuel",
        |b| {
            b.iter(|| black_box(runaway.reports(black_box(&read))));
        },
    );

    for name in ["naming", "public-ingress"] {
        let set = one(name, Limits::default());
        let report = set.reports(&write).pop().unwrap();
        let findings = report.outcome.as_ref().map_or(0, Vec::len);
        println!(
            "{name}: {} fuel, {findings} findings on the Terraform write",
            report.fuel_used
        );
        c.bench_function(&format!("plugin call, {name} on a Terraform write"), |b| {
            b.iter(|| black_box(set.reports(black_box(&write))));
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
