//! The WebAssembly runtime plugins share: the wasmtime engines of the process (fuel metering
//! and epoch interruption on), their epoch ticker, and the compiled plugins, cached by the
//! SHA-256 of their bytes so that a component loaded twice (two policies, a reload) compiles
//! once. The cache keeps what is in use, and up to [`KEPT`] components nothing uses any more.
//!
//! Calls are instantiated from a pool (wasmtime's pooling allocator): the linear memories,
//! tables and instance slots of up to [`POOLED_CALLS`] concurrent calls are reserved once, and
//! a slot is reset copy-on-write between calls instead of being mapped and unmapped each time,
//! which is most of a trivial call's cost. A call that finds the pool full, and a component
//! the pool cannot hold, run on a second engine that maps every instance on demand (the
//! component is compiled for it the first time it is needed): slower, the same limits and the
//! same result. Where the pool's address space cannot be reserved, every call runs on demand.
//!
//! The ticker is one background thread that advances the engines' epoch every
//! [`TICK`] while at least one call is running and sleeps (parked) otherwise: an idle host
//! spends nothing on it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::Thread;
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig};

use super::call::CallState;
use super::wit::PluginPre;

/// How often the epoch advances while a call runs: the resolution of `timeout_ms`.
pub const TICK: Duration = Duration::from_millis(1);

/// How many compiled components the cache keeps when no plugin set uses them.
pub const KEPT: usize = 16;

/// How many calls can run at once from the pool; more run on demand.
pub const POOLED_CALLS: u32 = 64;

/// How much of each pooled linear memory, from its start, stays mapped between calls: the
/// pages a call dirtied there are copied back from the component's image (or zeroed) instead
/// of being unmapped, so the next call does not fault them in again. Beyond it, memory is
/// given back to the system after every call.
const KEEP_RESIDENT: usize = 2 << 20;

/// The engines and their ticker.
pub(super) struct Runtime {
    /// Instantiates from the pool; `None` when the pool cannot be reserved here.
    pooled: Option<Engine>,
    /// Maps every instance on demand.
    on_demand: Engine,
    ticker: Thread,
    running: Arc<AtomicUsize>,
    cache: Mutex<HashMap<[u8; 32], Arc<Compiled>>>,
}

/// A plugin compiled and linked, ready to be instantiated for each call.
pub(super) struct Compiled {
    /// Pre-linked for the pooled engine; `None` when there is no pool or the component does
    /// not fit its per-instance limits.
    pooled: Option<PluginPre<CallState>>,
    /// Pre-linked for the on-demand engine, when first needed.
    on_demand: OnceLock<Result<PluginPre<CallState>, String>>,
    /// The component, to compile for the on-demand engine.
    bytes: Arc<[u8]>,
}

impl Compiled {
    /// The pooled pre-linked component, if the pool can hold it.
    pub(super) fn pooled(&self) -> Option<&PluginPre<CallState>> {
        self.pooled.as_ref()
    }

    /// The on-demand pre-linked component, compiled on first use.
    pub(super) fn on_demand(&self, runtime: &Runtime) -> Result<&PluginPre<CallState>, String> {
        self.on_demand
            .get_or_init(|| link(&runtime.on_demand, &self.bytes))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Marks one running call: the epoch advances until every guard is dropped.
pub(super) struct Running<'a>(&'a AtomicUsize);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The settings both engines share (they compile the same code).
fn base_config() -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.consume_fuel(true);
    config.epoch_interruption(true);
    config.cranelift_opt_level(OptLevel::Speed);
    config
}

/// The pooled engine, or `None` when its address space cannot be reserved.
fn pooled_engine() -> Option<Engine> {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(POOLED_CALLS)
        // A component holds several core instances (its module and the adapter's shims)
        // and may have two memories and a few tables.
        .total_core_instances(POOLED_CALLS * 16)
        .total_memories(POOLED_CALLS * 2)
        .total_tables(POOLED_CALLS * 4)
        // The largest memory a policy may give a plugin; `memory_mb` is enforced below it.
        .max_memory_size(usize::try_from(super::MAX_MEMORY_MB << 20).unwrap_or(usize::MAX))
        .linear_memory_keep_resident(KEEP_RESIDENT)
        .table_keep_resident(64 << 10);
    let mut config = base_config();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config).ok()
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
        let on_demand = Engine::new(&base_config()).map_err(|e| format!("{e:#}"))?;
        let pooled = pooled_engine();
        let running = Arc::new(AtomicUsize::new(0));
        let ticker = {
            let engines: Vec<Engine> = pooled.iter().chain([&on_demand]).cloned().collect();
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
                        for engine in &engines {
                            engine.increment_epoch();
                        }
                    }
                })
                .map_err(|e| format!("cannot start the epoch thread: {e}"))?
                .thread()
                .clone()
        };
        Ok(Runtime {
            pooled,
            on_demand,
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

    /// Links `bytes` for the pool; when there is no pool or the component does not fit it,
    /// for the on-demand engine at once (whose error, if any, is the component's).
    fn link(&self, bytes: &[u8]) -> Result<Compiled, String> {
        let pooled = self.pooled.as_ref().and_then(|e| link(e, bytes).ok());
        let on_demand = OnceLock::new();
        if pooled.is_none() {
            let pre = link(&self.on_demand, bytes)?;
            let _ = on_demand.set(Ok(pre));
        }
        // The bytes are kept only while the on-demand engine may still need them.
        let bytes = if pooled.is_some() { bytes } else { &[] };
        Ok(Compiled {
            pooled,
            on_demand,
            bytes: Arc::from(bytes),
        })
    }
}

/// Compiles `bytes` for `engine` and links it: the granted interfaces, and every other import
/// as a function that traps.
fn link(engine: &Engine, bytes: &[u8]) -> Result<PluginPre<CallState>, String> {
    let component = Component::new(engine, bytes)
        .map_err(|e| format!("is not a valid WebAssembly component: {}", root_cause(&e)))?;
    let mut linker = Linker::<CallState>::new(engine);
    grant(&mut linker).map_err(|e| format!("cannot be linked: {}", root_cause(&e)))?;
    // Everything else (files, clocks, sockets, HTTP, ...) is a function that traps when
    // called.
    stub_the_rest(&mut linker, engine, &component)
        .map_err(|e| format!("cannot be linked: {}", root_cause(&e)))?;
    let instance_pre = linker
        .instantiate_pre(&component)
        .map_err(|e| format!("cannot be linked: {}", root_cause(&e)))?;
    PluginPre::new(instance_pre).map_err(|e| {
        format!(
            "does not implement the world agent-policy:plugin@{}: {}",
            super::WIT_VERSION,
            root_cause(&e)
        )
    })
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
