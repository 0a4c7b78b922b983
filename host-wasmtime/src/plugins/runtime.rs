//! The WebAssembly runtime plugins share: one wasmtime engine per process (fuel metering and
//! epoch interruption on), its epoch ticker, and the compiled plugins, cached by the SHA-256
//! of their bytes so that a component loaded twice (two policies, a reload) compiles once.
//! The cache keeps what is in use, and up to [`KEPT`] components nothing uses any more.
//!
//! The ticker is one background thread that advances the engine's epoch every
//! [`TICK`] while at least one call is running and sleeps (parked) otherwise: an idle host
//! spends nothing on it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::Thread;
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, OptLevel};

use super::call::CallState;
use super::wit::PluginPre;

/// How often the epoch advances while a call runs: the resolution of `timeout_ms`.
pub const TICK: Duration = Duration::from_millis(1);

/// How many compiled components the cache keeps when no plugin set uses them.
pub const KEPT: usize = 16;

/// The shared engine and its ticker.
pub(super) struct Runtime {
    pub(super) engine: Engine,
    ticker: Thread,
    running: Arc<AtomicUsize>,
    cache: Mutex<HashMap<[u8; 32], Arc<Compiled>>>,
}

/// A plugin compiled and linked, ready to be instantiated for each call.
pub(super) struct Compiled {
    pub(super) pre: PluginPre<CallState>,
}

/// Marks one running call: the epoch advances until every guard is dropped.
pub(super) struct Running<'a>(&'a AtomicUsize);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Runtime {
    /// The process's runtime, started on first use; an error when wasmtime cannot run here.
    pub(super) fn get() -> Result<&'static Runtime, String> {
        static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
        RUNTIME
            .get_or_init(Runtime::start)
            .as_ref()
            .map_err(Clone::clone)
    }

    fn start() -> Result<Runtime, String> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.consume_fuel(true);
        config.epoch_interruption(true);
        config.cranelift_opt_level(OptLevel::Speed);
        let engine = Engine::new(&config).map_err(|e| format!("{e:#}"))?;
        let running = Arc::new(AtomicUsize::new(0));
        let ticker = {
            let engine = engine.clone();
            let running = Arc::clone(&running);
            std::thread::Builder::new()
                .name("agent-policy-plugin-epoch".to_owned())
                .spawn(move || {
                    loop {
                        if running.load(Ordering::Acquire) == 0 {
                            std::thread::park();
                            continue;
                        }
                        std::thread::sleep(TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| format!("cannot start the epoch thread: {e}"))?
                .thread()
                .clone()
        };
        Ok(Runtime {
            engine,
            ticker,
            running,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Marks a call as running (and wakes the ticker) until the guard is dropped.
    pub(super) fn running(&self) -> Running<'_> {
        if self.running.fetch_add(1, Ordering::AcqRel) == 0 {
            self.ticker.unpark();
        }
        Running(&self.running)
    }

    /// Compiles and links `bytes`, or returns the compiled plugin with the same content.
    pub(super) fn compile(&self, bytes: &[u8]) -> Result<Arc<Compiled>, String> {
        let key: [u8; 32] = Sha256::digest(bytes).into();
        if let Some(hit) = self.lock_cache().get(&key) {
            return Ok(Arc::clone(hit));
        }
        // Compiled outside the lock: another thread may compile the same bytes meanwhile,
        // which costs time, never correctness.
        let compiled = Arc::new(self.link(bytes)?);
        let mut cache = self.lock_cache();
        let unused = cache.values().filter(|c| Arc::strong_count(c) == 1).count();
        if unused >= KEPT {
            cache.retain(|_, c| Arc::strong_count(c) > 1);
        }
        cache.insert(key, Arc::clone(&compiled));
        Ok(compiled)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Arc<Compiled>>> {
        // A panic while holding the lock leaves a consistent map: still usable.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn link(&self, bytes: &[u8]) -> Result<Compiled, String> {
        let component = Component::new(&self.engine, bytes)
            .map_err(|e| format!("is not a valid WebAssembly component: {}", root_cause(&e)))?;
        let mut linker = Linker::<CallState>::new(&self.engine);
        grant(&mut linker).map_err(|e| format!("cannot be linked: {}", root_cause(&e)))?;
        // Everything else (files, clocks, sockets, HTTP, ...) is a function that traps when
        // called.
        stub_the_rest(&mut linker, &self.engine, &component)
            .map_err(|e| format!("cannot be linked: {}", root_cause(&e)))?;
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(|e| format!("cannot be linked: {}", root_cause(&e)))?;
        let pre = PluginPre::new(instance_pre).map_err(|e| {
            format!(
                "does not implement the world agent-policy:plugin@{}: {}",
                super::WIT_VERSION,
                root_cause(&e)
            )
        })?;
        Ok(Compiled { pre })
    }
}

/// What a plugin may import, all of it inert: the standard streams (stdin empty, output
/// discarded), an empty environment and argument list, `exit` (a trap), and random numbers
/// from a fixed sequence (so that hash maps work and calls stay deterministic). These are the
/// interfaces the Rust standard library links in; none reaches outside the instance.
fn grant(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    use wasmtime_wasi::cli::{WasiCli, WasiCliView};
    use wasmtime_wasi::p2::bindings::{cli, io, random, sync};
    use wasmtime_wasi::random::WasiRandom;

    let l = linker;
    io::error::add_to_linker::<CallState, Table>(l, |t| &mut t.table)?;
    sync::io::poll::add_to_linker::<CallState, Table>(l, |t| &mut t.table)?;
    sync::io::streams::add_to_linker::<CallState, Table>(l, |t| &mut t.table)?;
    cli::exit::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::environment::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::stdin::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::stdout::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::stderr::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::terminal_input::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::terminal_output::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::terminal_stdin::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::terminal_stdout::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    cli::terminal_stderr::add_to_linker::<CallState, WasiCli>(l, CallState::cli)?;
    random::random::add_to_linker::<CallState, WasiRandom>(l, |t| t.wasi.random())?;
    random::insecure::add_to_linker::<CallState, WasiRandom>(l, |t| t.wasi.random())?;
    random::insecure_seed::add_to_linker::<CallState, WasiRandom>(l, |t| t.wasi.random())?;
    Ok(())
}

/// The interfaces [`grant`] links, by name without version (a plugin's import of any 0.2
/// version up to the host's resolves to them).
const GRANTED: &[&str] = &[
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:cli/exit",
    "wasi:cli/environment",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
];

/// Links every import of `component` that [`grant`] does not as functions that trap when
/// called (the error names the import) and resources no one can make.
fn stub_the_rest(
    linker: &mut Linker<CallState>,
    engine: &Engine,
    component: &Component,
) -> wasmtime::Result<()> {
    use wasmtime::component::ResourceType;
    use wasmtime::component::types::ComponentItem;
    use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable, IoError};

    let ty = component.component_type();
    for (name, item) in ty.imports(engine) {
        let interface = name.split_once('@').map_or(name, |(n, _)| n);
        if GRANTED.contains(&interface) {
            continue;
        }
        let ComponentItem::ComponentInstance(instance) = item.ty else {
            let full = name.to_owned();
            if let ComponentItem::ComponentFunc(_) = item.ty {
                linker.root().func_new(name, move |_, _, _, _| {
                    wasmtime::bail!("unknown import: `{full}` has not been defined")
                })?;
            }
            continue;
        };
        let mut inner = linker.instance(name)?;
        for (export, item) in instance.exports(engine) {
            match item.ty {
                ComponentItem::ComponentFunc(_) => {
                    let full = format!("{name}#{export}");
                    inner.func_new(export, move |_, _, _, _| {
                        wasmtime::bail!("unknown import: `{full}` has not been defined")
                    })?;
                }
                ComponentItem::Resource(_) => {
                    // An interface that is not granted may still name the granted streams'
                    // types (`use wasi:io/streams.{input-stream}`): those keep their type.
                    let ty = match export {
                        "input-stream" => ResourceType::host::<DynInputStream>(),
                        "output-stream" => ResourceType::host::<DynOutputStream>(),
                        "pollable" => ResourceType::host::<DynPollable>(),
                        "error" => ResourceType::host::<IoError>(),
                        _ => ResourceType::host::<()>(),
                    };
                    inner.resource(export, ty, |_, _| Ok(()))?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The resource table, as the `wasi:io` host functions want it.
struct Table;

impl wasmtime::component::HasData for Table {
    type Data<'a> = &'a mut wasmtime::component::ResourceTable;
}

/// The innermost message of an error chain, on one line.
pub(super) fn root_cause(e: &wasmtime::Error) -> String {
    e.root_cause().to_string().replace('\n', " ")
}
