//! One call of one plugin: a fresh store with the plugin's fuel, memory and time limits, an
//! instance of its pre-linked component, the call, and the checks of what came back. Every way
//! it can go wrong ends as a [`Failure`].

use std::time::{Duration, Instant};

use agent_policy_core::Outcome;
use agent_policy_core::findings::Finding;
use wasmtime::component::ResourceTable;
use wasmtime::{PoolConcurrencyLimitError, ResourceLimiter, Store, Trap};
use wasmtime_wasi::{Deterministic, I32Exit, WasiCtx, WasiCtxView, WasiView};

use super::runtime::{Compiled, Runtime, TICK, root_cause};
use super::wit::PluginPre;
use super::wit::agent_policy::plugin::types::{
    Finding as WitFinding, Input, Outcome as WitOutcome,
};
use super::{Limits, MAX_FINDINGS, MAX_OUTPUT_BYTES, MAX_REASON_BYTES, MAX_RULE_ID_BYTES};

/// What a call's store holds: its memory accounting and the inert WASI context the granted
/// interfaces use (see `runtime::grant`).
pub(crate) struct CallState {
    memory: MemoryLimit,
    pub(super) wasi: WasiCtx,
    pub(super) table: ResourceTable,
}

impl std::fmt::Debug for CallState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallState")
            .field("memory", &self.memory)
            .finish_non_exhaustive()
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// An empty WASI context: no environment, arguments, preopened directory or network; stdin
/// empty, output discarded; random numbers from a fixed cycle.
fn inert_wasi() -> WasiCtx {
    WasiCtx::builder()
        .secure_random(Deterministic::new(vec![0x5a, 0x17, 0xc3, 0x88]))
        .insecure_random(Deterministic::new(vec![0x21, 0x9e, 0x44, 0xd7]))
        .insecure_random_seed(0x6167_656e_742d_706f_6c69_6379_0000_0001)
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .build()
}

#[derive(Debug)]
struct MemoryLimit {
    /// The most linear memory, in bytes, all the instance's memories may hold together.
    max: usize,
    /// What they hold now.
    used: usize,
    /// Whether a growth was refused.
    hit: bool,
}

impl ResourceLimiter for MemoryLimit {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.used.saturating_sub(current).saturating_add(desired);
        if total > self.max {
            self.hit = true;
            return Ok(false);
        }
        self.used = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// Why a call gave no findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The component could not be read, compiled or linked (also: the runtime cannot start).
    Load(String),
    /// It used all its fuel.
    OutOfFuel(u64),
    /// It asked for more memory than its limit (MiB).
    OutOfMemory(u64),
    /// It ran past its time limit (ms).
    Timeout(u64),
    /// It called something the host does not grant (a WASI interface).
    Denied(String),
    /// It trapped (a panic, an out-of-bounds access, ...).
    Trap(String),
    /// What it returned cannot be read or breaks the contract.
    InvalidOutput(String),
    /// Its output is bigger than the limit.
    OutputTooLarge(usize),
    /// It returned an error.
    Reported(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Load(why) => write!(f, "could not be loaded: {why}"),
            Failure::OutOfFuel(fuel) => write!(f, "ran out of fuel (limit {fuel})"),
            Failure::OutOfMemory(mb) => write!(f, "ran out of memory (limit {mb} MiB)"),
            Failure::Timeout(ms) => write!(f, "timed out (limit {ms} ms)"),
            Failure::Denied(what) => write!(f, "called {what}, which plugins are not granted"),
            Failure::Trap(why) => write!(f, "trapped: {why}"),
            Failure::InvalidOutput(why) => write!(f, "returned an invalid result: {why}"),
            Failure::OutputTooLarge(bytes) => write!(
                f,
                "returned {bytes} bytes of findings, over the limit of {MAX_OUTPUT_BYTES}"
            ),
            Failure::Reported(message) => write!(f, "reported an error: {message}"),
        }
    }
}

/// What one call did.
#[derive(Debug)]
pub(super) struct CallResult {
    pub(super) outcome: Result<Vec<Finding>, Failure>,
    pub(super) fuel_used: u64,
    pub(super) elapsed: Duration,
}

/// Runs one call of `compiled` with `input`; `effects` is how many effects the action has
/// (a finding's `effect` must be below it). The call is instantiated from the pool; when the
/// pool is full or cannot hold the component, on demand.
pub(super) fn call(
    runtime: &Runtime,
    compiled: &Compiled,
    limits: &Limits,
    plugin_id: &str,
    input: &Input,
    effects: usize,
) -> CallResult {
    let start = Instant::now();
    let pooled = compiled
        .pooled()
        .map(|pre| attempt(runtime, pre, limits, input))
        .filter(|a| {
            !a.result
                .as_ref()
                .is_err_and(|e| e.is::<PoolConcurrencyLimitError>())
        });
    let attempt = match pooled {
        Some(attempt) => attempt,
        None => match compiled.on_demand(runtime) {
            Ok(pre) => attempt(runtime, pre, limits, input),
            Err(why) => {
                return CallResult {
                    outcome: Err(Failure::Load(why)),
                    fuel_used: 0,
                    elapsed: start.elapsed(),
                };
            }
        },
    };
    let Attempt { result, store } = attempt;
    let fuel_used = limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0));
    let outcome = match result {
        Ok(Ok(findings)) => check(plugin_id, findings, effects),
        Ok(Err(message)) => Err(Failure::Reported(clip(&message, MAX_REASON_BYTES))),
        Err(e) => Err(classify(&e, store.data(), limits)),
    };
    drop(store);
    CallResult {
        outcome,
        fuel_used,
        elapsed: start.elapsed(),
    }
}

/// One instantiation and call, in its own store.
struct Attempt {
    result: wasmtime::Result<Result<Vec<WitFinding>, String>>,
    store: Store<CallState>,
}

/// A fresh store with the plugin's fuel, memory and time limits, an instance of `pre` in it,
/// and the call.
fn attempt(
    runtime: &Runtime,
    pre: &PluginPre<CallState>,
    limits: &Limits,
    input: &Input,
) -> Attempt {
    let mut store = Store::new(
        pre.engine(),
        CallState {
            memory: MemoryLimit {
                max: usize::try_from(limits.memory_mb.saturating_mul(1 << 20))
                    .unwrap_or(usize::MAX),
                used: 0,
                hit: false,
            },
            wasi: inert_wasi(),
            table: ResourceTable::new(),
        },
    );
    store.limiter(|state| &mut state.memory);
    let _ = store.set_fuel(limits.fuel);
    // Ticks until the deadline: the first tick may come at once, hence one more.
    let ticks = limits
        .timeout_ms
        .saturating_mul(1000)
        .div_ceil(u64::try_from(TICK.as_micros()).unwrap_or(1000))
        .saturating_add(1);
    store.set_epoch_deadline(ticks);
    store.epoch_deadline_trap();

    let result = {
        let _running = runtime.running();
        pre.instantiate(&mut store)
            .and_then(|plugin| plugin.call_evaluate(&mut store, input))
    };
    Attempt { result, store }
}

fn classify(e: &wasmtime::Error, state: &CallState, limits: &Limits) -> Failure {
    if state.memory.hit {
        return Failure::OutOfMemory(limits.memory_mb);
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => return Failure::OutOfFuel(limits.fuel),
        Some(Trap::Interrupt) => return Failure::Timeout(limits.timeout_ms),
        Some(trap) => return Failure::Trap(trap.to_string()),
        None => {}
    }
    if let Some(I32Exit(status)) = e.downcast_ref::<I32Exit>() {
        return Failure::Trap(format!("exited with status {status}"));
    }
    let cause = root_cause(e);
    if let Some(rest) = cause.strip_prefix("unknown import: `")
        && let Some((name, _)) = rest.split_once('`')
    {
        return Failure::Denied(name.to_owned());
    }
    // Not a trap: the canonical ABI refused what the plugin returned (a bad discriminant,
    // a pointer out of bounds, text that is not UTF-8) or the instance could not start.
    Failure::InvalidOutput(clip(&cause, MAX_REASON_BYTES))
}

/// Checks the findings against the contract and namespaces their rule ids.
fn check(
    plugin_id: &str,
    findings: Vec<WitFinding>,
    effects: usize,
) -> Result<Vec<Finding>, Failure> {
    let size: usize = findings
        .iter()
        .map(|f| {
            f.rule_id.len() + f.reason.len() + f.approver_role.as_ref().map_or(0, String::len) + 16
        })
        .sum();
    if size > MAX_OUTPUT_BYTES {
        return Err(Failure::OutputTooLarge(size));
    }
    if findings.len() > MAX_FINDINGS {
        return Err(Failure::InvalidOutput(format!(
            "{} findings, more than {MAX_FINDINGS}",
            findings.len()
        )));
    }
    findings
        .into_iter()
        .map(|f| {
            let bad = |why: String| Failure::InvalidOutput(why);
            if !is_rule_id(&f.rule_id) {
                return Err(bad(format!(
                    "rule id {:?}: use 1 to {MAX_RULE_ID_BYTES} bytes of a-z, 0-9, '-', '_', '.'",
                    clip(&f.rule_id, 80)
                )));
            }
            if f.reason.trim().is_empty() || f.reason.len() > MAX_REASON_BYTES {
                return Err(bad(format!(
                    "finding {}: the reason must have 1 to {MAX_REASON_BYTES} bytes",
                    f.rule_id
                )));
            }
            let outcome = outcome(f.outcome);
            let risk = f.risk.unwrap_or_else(|| outcome.default_risk());
            if risk > 100 {
                return Err(bad(format!(
                    "finding {}: risk {risk} is over 100",
                    f.rule_id
                )));
            }
            let effect = usize::try_from(f.effect.unwrap_or(0)).unwrap_or(usize::MAX);
            if effect >= effects.max(1) {
                return Err(bad(format!(
                    "finding {}: effect {effect} does not exist (the action has {effects})",
                    f.rule_id
                )));
            }
            if let Some(role) = &f.approver_role
                && (role.is_empty()
                    || role.len() > MAX_RULE_ID_BYTES
                    || !role
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
            {
                return Err(bad(format!(
                    "finding {}: approver role {:?}",
                    f.rule_id,
                    clip(role, 80)
                )));
            }
            let mut finding = Finding::new(
                format!("plugin.{plugin_id}.{}", f.rule_id),
                outcome,
                f.reason,
            );
            finding.risk = risk;
            finding.effect = effect;
            finding.approver_role = f.approver_role;
            Ok(finding)
        })
        .collect()
}

fn is_rule_id(id: &str) -> bool {
    (1..=MAX_RULE_ID_BYTES).contains(&id.len())
        && id
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

pub(super) fn outcome(o: WitOutcome) -> Outcome {
    match o {
        WitOutcome::Allow => Outcome::Allow,
        WitOutcome::Redact => Outcome::Redact,
        WitOutcome::Alert => Outcome::Alert,
        WitOutcome::RequireApproval => Outcome::RequireApproval,
        WitOutcome::Deny => Outcome::Deny,
        WitOutcome::Terminate => Outcome::Terminate,
    }
}

/// At most `max` bytes of `text` (cut at a character boundary, `…` added), on one line.
pub(super) fn clip(text: &str, max: usize) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.len() <= max {
        return one_line;
    }
    let mut end = max;
    while !one_line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &one_line[..end])
}
