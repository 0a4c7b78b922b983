//! The engine as a WASI component (world `agent-policy:engine`), run in wasmtime: every
//! conformance vector must give, byte for byte, what the Rust engine gives (those with a
//! session, grants or bypass records through `evaluate-in-session` and `evaluate-with`), and
//! the component must get by with no capability at all.
//!
//! The component is read from `AGENT_POLICY_COMPONENT`, else from
//! `<target dir>/wasm32-wasip2/release/agent_policy_component.wasm`; build it first with
//! `bindings-wasm/component/make.sh build`. The time of one evaluate inside wasmtime is
//! printed by the ignored test `evaluate_time` (`make.sh bench`).

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::OnceLock;

use agent_policy_conformance::{
    INLINE_ORIGIN, Vector, evaluate_vector, load_corpus, output_of, repo_root, vectors_dir,
};
use agent_policy_core::{Engine, PolicySource, Request, SourceFormat};
use wasmtime::component::{Component, Linker, ResourceAny, ResourceTable};
use wasmtime::{Config, OptLevel, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

mod wit {
    wasmtime::component::bindgen!({
        path: "../bindings-wasm/component/wit",
        world: "engine",
    });
}

use wit::exports::agent_policy::engine::policy::{Source, SourceFormat as WitFormat};

const WASM_NAME: &str = "wasm32-wasip2/release/agent_policy_component.wasm";

/// All the component may import: the plumbing the Rust standard library links in (streams,
/// stdio, environment, exit, terminals: an empty context makes them closed or empty) and the
/// seed of its hash maps. No filesystem, socket, HTTP or clock interface: the engine gets
/// nothing from the outside but its arguments.
const ALLOWED_IMPORTS: &[&str] = &["wasi:io/", "wasi:cli/", "wasi:random/insecure-seed@"];

/// The store's data: an empty WASI context (nothing granted) and its handle table.
struct Host {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Where the component is looked for, in order.
fn candidates() -> Vec<PathBuf> {
    if let Some(path) = std::env::var_os("AGENT_POLICY_COMPONENT") {
        return vec![PathBuf::from(path)];
    }
    let mut out = Vec::new();
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        let dir = if dir.is_absolute() {
            dir
        } else {
            repo_root().join(dir)
        };
        out.push(dir.join(WASM_NAME));
    }
    // The target directory this test binary was built in (`<dir>/<profile>/deps/<test>`).
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.ancestors().nth(3)
    {
        out.push(dir.join(WASM_NAME));
    }
    out.push(repo_root().join("target").join(WASM_NAME));
    out
}

/// Compiles the component with Cranelift at `opt`; fails with how to build it when it is
/// missing.
fn compile(opt: OptLevel) -> (wasmtime::Engine, Component) {
    let tried = candidates();
    let Some(path) = tried.iter().find(|p| p.is_file()) else {
        panic!(
            "the agent-policy component is not built: run `bindings-wasm/component/make.sh \
             build` first (or set AGENT_POLICY_COMPONENT to its path); looked at {tried:?}"
        );
    };
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.cranelift_opt_level(opt);
    let engine = wasmtime::Engine::new(&config).expect("a wasmtime engine");
    let component = Component::from_file(&engine, path)
        .unwrap_or_else(|e| panic!("cannot load the component {}: {e:?}", path.display()));
    (engine, component)
}

/// The component compiled once for every check of this binary. Checks compare outputs, not
/// speed: Cranelift's optimisations are skipped, which makes compiling quicker.
fn compiled() -> &'static (wasmtime::Engine, Component) {
    static COMPILED: OnceLock<(wasmtime::Engine, Component)> = OnceLock::new();
    COMPILED.get_or_init(|| compile(OptLevel::None))
}

/// One instance of the component, with nothing granted.
struct Instance {
    store: Store<Host>,
    bindings: wit::Engine,
}

impl Instance {
    /// An instance of the shared compiled component.
    fn new() -> Instance {
        let (engine, component) = compiled();
        Instance::of(engine, component)
    }

    fn of(engine: &wasmtime::Engine, component: &Component) -> Instance {
        let mut linker = Linker::<Host>::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("WASI in the linker");
        // No preopened directory, no environment, no arguments, closed stdin, discarded
        // output, no network.
        let wasi = WasiCtx::builder()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        let mut store = Store::new(
            engine,
            Host {
                wasi,
                table: ResourceTable::new(),
            },
        );
        let bindings =
            wit::Engine::instantiate(&mut store, component, &linker).expect("instantiate");
        Instance { store, bindings }
    }

    /// `engine.load` (Ok: a handle; Err: the error JSON).
    fn load(
        &mut self,
        policy: &str,
        format: WitFormat,
        origin: &str,
        overrides: &[Source],
    ) -> Result<ResourceAny, String> {
        self.bindings
            .agent_policy_engine_policy()
            .engine()
            .call_load(&mut self.store, policy, format, origin, overrides)
            .expect("load trapped")
    }

    fn defaults(&mut self) -> ResourceAny {
        self.bindings
            .agent_policy_engine_policy()
            .engine()
            .call_defaults(&mut self.store)
            .expect("defaults trapped")
    }

    fn evaluate(
        &mut self,
        engine: ResourceAny,
        action: &str,
        now: &str,
        sequence: u64,
    ) -> wasmtime::Result<Result<String, String>> {
        self.bindings
            .agent_policy_engine_policy()
            .engine()
            .call_evaluate(&mut self.store, engine, action, now, sequence)
    }

    fn evaluate_with(
        &mut self,
        engine: ResourceAny,
        v: &Vector,
        action: &str,
    ) -> wasmtime::Result<Result<String, String>> {
        let policy = self.bindings.agent_policy_engine_policy().engine();
        let grants = serde_json::Value::from(v.grants.clone()).to_string();
        let bypasses = serde_json::Value::from(v.bypasses.clone()).to_string();
        match &v.session {
            None => policy.call_evaluate_with(
                &mut self.store,
                engine,
                action,
                &v.now,
                v.sequence,
                &grants,
                &bypasses,
            ),
            Some(session) => policy.call_evaluate_in_session(
                &mut self.store,
                engine,
                action,
                &session.to_string(),
                &v.now,
                &grants,
                &bypasses,
            ),
        }
    }

    fn redact(&mut self, engine: ResourceAny, value: &str) -> Result<String, String> {
        self.bindings
            .agent_policy_engine_policy()
            .engine()
            .call_redact(&mut self.store, engine, value)
            .expect("redact trapped")
    }

    fn lint(&mut self, engine: ResourceAny) -> String {
        self.bindings
            .agent_policy_engine_policy()
            .engine()
            .call_lint(&mut self.store, engine)
            .expect("lint trapped")
    }

    fn drop_engine(&mut self, engine: ResourceAny) {
        engine
            .resource_drop(&mut self.store)
            .expect("dropping an engine");
    }
}

fn wit_format(name: Option<&str>) -> WitFormat {
    match name {
        None | Some("yaml") => WitFormat::Yaml,
        Some("json") => WitFormat::Json,
        Some(other) => panic!("bad vector: format {other:?}"),
    }
}

/// What the component outputs for a vector: the decision document or the error JSON.
/// Fails (naming the vector) when the component traps.
fn component_output(instance: &mut Instance, v: &Vector) -> String {
    let root = match (&v.policy, &v.policy_file) {
        (Some(text), _) => Some((text.as_str(), INLINE_ORIGIN)),
        (None, Some(name)) => Some((
            v.policy_file_text.as_deref().expect("policy_file loaded"),
            name.as_str(),
        )),
        (None, None) => None,
    };
    let engine = match root {
        None => instance.defaults(),
        Some((text, origin)) => {
            let overrides: Vec<Source> = v
                .overrides
                .iter()
                .map(|o| Source {
                    policy: o.policy.clone(),
                    origin: o.origin.clone(),
                    format: wit_format(o.format.as_deref()),
                })
                .collect();
            match instance.load(text, wit_format(v.format.as_deref()), origin, &overrides) {
                Ok(engine) => engine,
                Err(error_json) => return error_json,
            }
        }
    };
    let action = match (&v.action, &v.action_text) {
        (_, Some(text)) => text.clone(),
        (Some(value), None) => serde_json::to_string(value).expect("a JSON value serialises"),
        (None, None) => panic!("vector {}: no action", v.name),
    };
    // Vectors with no grants, bypasses or session go through `evaluate`, the others through
    // `evaluate-with` or `evaluate-in-session`.
    let plain = v.session.is_none() && v.grants.is_empty() && v.bypasses.is_empty();
    let result = if plain {
        instance.evaluate(engine, &action, &v.now, v.sequence)
    } else {
        instance.evaluate_with(engine, v, &action)
    }
    .unwrap_or_else(|e| panic!("vector {}: the component trapped: {e:?}", v.name));
    instance.drop_engine(engine);
    match result {
        Ok(output) | Err(output) => output,
    }
}

#[test]
fn every_conformance_vector_gives_the_rust_engine_output() {
    let corpus = load_corpus(&vectors_dir()).expect("the corpus loads");
    assert!(corpus.len() > 100, "only {} vectors found", corpus.len());
    let mut instance = Instance::new();
    let mut differences = Vec::new();
    for (family, v) in &corpus {
        let reference = output_of(&evaluate_vector(v).expect("a well-formed vector"));
        let got = component_output(&mut instance, v);
        if got != reference {
            differences.push(format!(
                "{family}/{}:\n  component: {got}\n  rust:      {reference}",
                v.name
            ));
        }
    }
    let in_sessions = corpus.iter().filter(|(_, v)| v.session.is_some()).count();
    assert!(
        in_sessions >= 20,
        "only {in_sessions} vectors run in a session"
    );
    assert!(
        differences.is_empty(),
        "{} of {} vectors differ (a component built before the latest change to core \
         differs too: rebuild it with bindings-wasm/component/make.sh build):\n{}",
        differences.len(),
        corpus.len(),
        differences.join("\n")
    );
}

#[test]
fn a_bad_policy_gives_the_rust_error_json() {
    let root = "version: \"1\"\ndefault: allow\nrules:\n  - id: a\n    match: {tool: Bash}\n    outcome: deny\n    denny: true\n";
    let over =
        "{\"rules\": [{\"id\": \"b\", \"match\": {\"tool\": \"Read\"}, \"outcome\": \"maybe\"}]}";
    let over_origin = "backend/.agent-policy.override.json";
    let want = Engine::from_sources(
        PolicySource::new(root, "team.yml", SourceFormat::Yaml),
        &[PolicySource::new(over, over_origin, SourceFormat::Json)],
    )
    .expect_err("the policy is bad")
    .to_json();

    let mut instance = Instance::new();
    let got = instance
        .load(
            root,
            WitFormat::Yaml,
            "team.yml",
            &[Source {
                policy: over.to_owned(),
                origin: over_origin.to_owned(),
                format: WitFormat::Json,
            }],
        )
        .expect_err("the component refuses the policy");
    assert_eq!(got, want);
    // Both problems, each with its file, line and column.
    let error: serde_json::Value = serde_json::from_str(&got).expect("error JSON");
    assert_eq!(error["error"]["location"]["file"], "team.yml");
    assert_eq!(error["error"]["code"], "policy.unknown_key");
    assert_eq!(error["error"]["location"]["line"], 7);
    assert_eq!(error["error"]["location"]["column"], 5);
    assert_eq!(
        error["error"]["related"][0]["location"]["file"],
        over_origin
    );
}

#[test]
fn action_errors_redact_and_lint_match_the_rust_engine() {
    let now = "2026-11-22T10:00:00Z";
    let rust = Engine::defaults();
    let mut instance = Instance::new();
    let engine = instance.defaults();

    let twice = r#"{"tool":"Bash","args":{"command":"ls"},"args":{"command":"rm -rf /"}}"#;
    let got = instance.evaluate(engine, twice, now, 0).expect("no trap");
    assert_eq!(
        got,
        Err(rust
            .evaluate_json(twice, now)
            .expect_err("refused")
            .to_json())
    );
    let got = instance
        .evaluate(engine, r#"{"tool":"Read"}"#, "not a time", 0)
        .expect("no trap")
        .expect_err("a bad timestamp is refused");
    assert!(got.contains("\"request.bad_timestamp\""), "{got}");

    let value = r#"{"env":{"AWS_ACCESS_KEY_ID":"AKIAIOSFODNN7EXAMPLE"},"n":[1,2.5,null]}"#;
    let got = instance.redact(engine, value).expect("valid JSON");
    let parsed: serde_json::Value = serde_json::from_str(value).expect("JSON");
    assert_eq!(got, rust.redact(&parsed).to_json());
    assert!(!got.contains("AKIAIOSFODNN7EXAMPLE"), "{got}");
    assert!(
        instance.redact(engine, "{\"a\":").is_err(),
        "truncated JSON is an error"
    );

    assert_eq!(instance.lint(engine), rust.lint().to_json());
    instance.drop_engine(engine);

    let lax = "version: \"1\"\nrules:\n  - id: open\n    match: {}\n    outcome: deny\n";
    let engine = instance
        .load(lax, WitFormat::Yaml, INLINE_ORIGIN, &[])
        .expect("a legal policy");
    let want = Engine::from_source(PolicySource::new(lax, INLINE_ORIGIN, SourceFormat::Yaml))
        .expect("a legal policy")
        .lint()
        .to_json();
    let got = instance.lint(engine);
    assert_eq!(got, want);
    assert!(got.contains("applies to every effect"), "{got}");
    instance.drop_engine(engine);
}

#[test]
fn the_component_is_granted_no_capability() {
    let (engine, component) = compiled();
    let ty = component.component_type();
    let imports: Vec<&str> = ty.imports(engine).map(|(name, _)| name).collect();
    for name in &imports {
        assert!(
            ALLOWED_IMPORTS.iter().any(|p| name.starts_with(p)),
            "the component imports {name}: it must need no filesystem, network or clock \
             (imports: {imports:?})"
        );
    }
    let exports: Vec<&str> = ty.exports(engine).map(|(name, _)| name).collect();
    assert_eq!(exports, ["agent-policy:engine/policy"]);
    // It runs with the empty context: no directory, environment, argument or socket.
    let action = r#"{"tool":"Read","args":{"file_path":".env"}}"#;
    let now = "2026-11-22T10:00:00Z";
    let mut instance = Instance::new();
    let engine = instance.defaults();
    let got = instance
        .evaluate(engine, action, now, 3)
        .expect("no trap")
        .expect("a decision");
    let value: serde_json::Value = serde_json::from_str(action).expect("JSON");
    let mut request = Request::new(&value, now);
    request.sequence = 3;
    let want = Engine::defaults().evaluate(&request).expect("a decision");
    assert_eq!(got, want.to_json());
    assert!(want.decision.blocks(), "reading .env is blocked");
    instance.drop_engine(engine);
}

/// The time of one evaluate of the 54-rule table's file action inside wasmtime (the action
/// crosses as JSON text, the decision comes back as the canonical document), next to the
/// native engine's. Needs `AGENT_POLICY_BENCH_FIXTURES`: a directory written by
/// `bench-fixtures` (`make.sh bench` does both).
#[test]
#[ignore = "a measurement, not a check: run with --ignored --nocapture (make.sh bench)"]
#[expect(clippy::print_stdout, reason = "the measurement is the output")]
fn evaluate_time() {
    let dir = PathBuf::from(
        std::env::var_os("AGENT_POLICY_BENCH_FIXTURES")
            .expect("set AGENT_POLICY_BENCH_FIXTURES to a directory written by bench-fixtures"),
    );
    let policy = std::fs::read_to_string(dir.join("policy.yml")).expect("policy.yml");
    let actions: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("actions.json")).expect("actions.json"),
    )
    .expect("actions.json is JSON");
    let now = actions["now"].as_str().expect("now").to_owned();
    let action = actions["file"].to_string();

    let (wasm_engine, component) = compile(OptLevel::Speed);
    let mut instance = Instance::of(&wasm_engine, &component);
    let engine = instance
        .load(&policy, WitFormat::Yaml, "policy.yml", &[])
        .expect("the table loads");
    let native = Engine::from_source(PolicySource::new(&policy, "policy.yml", SourceFormat::Yaml))
        .expect("the table loads");
    let want = native
        .evaluate_json(&action, &now)
        .expect("a decision")
        .to_json();
    let got = instance
        .evaluate(engine, &action, &now, 0)
        .expect("no trap");
    assert_eq!(got, Ok(want));

    // Rounds of calls after a warm-up; the quickest round's mean is the figure least
    // disturbed by other work on the machine, the median round is shown beside it.
    let mut call = || {
        assert!(black_box(instance.evaluate(engine, &action, &now, 0)).is_ok_and(|d| d.is_ok()));
    };
    best_and_median(&mut call);
    let wasm = best_and_median(&mut call);
    let rust = best_and_median(|| {
        assert!(black_box(native.evaluate_json(&action, &now)).is_ok());
    });
    println!(
        "evaluate, 54-rule table, file action: {:.2} us in wasmtime (component; median round \
         {:.2} us), {:.2} us native (median round {:.2} us)",
        wasm.0, wasm.1, rust.0, rust.1
    );
    instance.drop_engine(engine);
}

/// Runs `f` in rounds; the mean time of one call, in microseconds, of the quickest round and
/// of the median round.
fn best_and_median(mut f: impl FnMut()) -> (f64, f64) {
    const ROUNDS: usize = 9;
    const CALLS: u32 = 5_000;
    let mut means: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = std::time::Instant::now();
            for _ in 0..CALLS {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS)
        })
        .collect();
    means.sort_by(f64::total_cmp);
    (means[0], means[ROUNDS / 2])
}
