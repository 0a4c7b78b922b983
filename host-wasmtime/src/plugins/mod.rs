//! Org policy plugins (SPEC §9): WebAssembly components of the world `agent-policy:plugin`
//! (`host-wasmtime/wit/plugin.wit`) that a policy names under `plugins:`, run after the engine
//! decides and merged into its decision deny-wins.
//!
//! Each plugin is compiled once (cached by the SHA-256 of its bytes) and pre-linked; every
//! call runs in a fresh store with the plugin's fuel, memory (`memory_mb`) and time
//! (`timeout_ms`, an epoch deadline) limits and no capability at all: no files, environment,
//! clocks, randomness, network or standard streams. The plugin gets the redacted action, the
//! effects and a context object as JSON text, and returns findings; their rule ids become
//! `plugin.<id>.<rule>`. Any failure (missing file, invalid component, trap, out of fuel,
//! out of memory, timeout, invalid or oversized output, a reported error) gives the plugin's
//! `on_error` outcome (default `deny`) as the finding `plugin.<id>`, with a reason naming the
//! plugin and the failure; the host keeps serving.
//!
//! ```no_run
//! use agent_policy_host::plugins::PluginSet;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let policy = agent_policy_host::load_policy(std::path::Path::new(".agent-policy.yml"))?;
//! let plugins = PluginSet::load(&policy)?;
//! let action = serde_json::json!({"tool": "Read", "args": {"file_path": "main.tf"}});
//! let mut decision = policy
//!     .engine
//!     .evaluate(&agent_policy_core::Request::new(&action, "2026-11-22T10:00:00Z"))?;
//! plugins.run(&mut decision);
//! # Ok(())
//! # }
//! ```

mod call;
mod runtime;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use agent_policy_core::findings::{Finding, merge};
use agent_policy_core::policy::model::{PluginDecl, PolicyDoc};
use agent_policy_core::{Decision, Engine, Outcome};

use crate::policy_files::LoadedPolicy;

pub use call::Failure;
pub use runtime::{KEPT, POOLED_CALLS, TICK};

/// The bindings of the world `agent-policy:plugin`.
mod wit {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "plugin",
    });
}

/// The version of the WIT package plugins are built against.
pub const WIT_VERSION: &str = "0.1.0";
/// Fuel of a call when the policy names none: about this many WebAssembly instructions.
pub const DEFAULT_FUEL: u64 = 10_000_000;
/// Linear memory of a call, in MiB, when the policy names none.
pub const DEFAULT_MEMORY_MB: u64 = 32;
/// Wall-clock time of a call, in milliseconds, when the policy names none.
pub const DEFAULT_TIMEOUT_MS: u64 = 100;
/// The outcome of a failed call when the policy names none.
pub const DEFAULT_ON_ERROR: Outcome = Outcome::Deny;
/// The most a plugin may return per call: its findings' text, in bytes (each finding counts
/// 16 bytes more).
pub const MAX_OUTPUT_BYTES: usize = 64 * 1024;
/// The most findings a plugin may return per call.
pub const MAX_FINDINGS: usize = 256;
/// The longest reason of a finding, in bytes.
pub const MAX_REASON_BYTES: usize = 1000;
/// The longest rule id of a finding, in bytes.
pub const MAX_RULE_ID_BYTES: usize = 64;
/// The most memory a policy may give a plugin, in MiB.
pub const MAX_MEMORY_MB: u64 = 4096;
/// The longest time a policy may give a call, in milliseconds.
pub const MAX_TIMEOUT_MS: u64 = 60_000;

/// A plugin's limits, as the policy sets them (defaults filled in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fuel per call.
    pub fuel: u64,
    /// Linear memory per call, MiB.
    pub memory_mb: u64,
    /// Time per call, milliseconds.
    pub timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: DEFAULT_FUEL,
            memory_mb: DEFAULT_MEMORY_MB,
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }
}

/// One plugin as a policy declares it, its path resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginConfig {
    /// `id`: its findings are `plugin.<id>.<rule>`.
    pub id: String,
    /// The component file.
    pub path: PathBuf,
    /// Its limits.
    pub limits: Limits,
    /// The outcome of a failed call.
    pub on_error: Outcome,
}

impl PluginConfig {
    /// The configuration of `decl`, its path resolved against `base_dir` (the directory of
    /// the policy file that declares it).
    pub fn from_decl(decl: &PluginDecl, base_dir: &Path) -> PluginConfig {
        let path = Path::new(&decl.path.value);
        PluginConfig {
            id: decl.id.value.clone(),
            path: if path.is_absolute() {
                path.to_path_buf()
            } else {
                base_dir.join(path)
            },
            limits: Limits {
                fuel: decl.fuel.as_ref().map_or(DEFAULT_FUEL, |f| f.value),
                memory_mb: decl
                    .memory_mb
                    .as_ref()
                    .map_or(DEFAULT_MEMORY_MB, |m| m.value.min(MAX_MEMORY_MB)),
                timeout_ms: decl
                    .timeout_ms
                    .as_ref()
                    .map_or(DEFAULT_TIMEOUT_MS, |t| t.value.min(MAX_TIMEOUT_MS)),
            },
            on_error: decl.on_error.as_ref().map_or(DEFAULT_ON_ERROR, |o| o.value),
        }
    }
}

/// Why plugins cannot run at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginError(String);

impl std::fmt::Display for PluginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the plugin runtime cannot start: {}", self.0)
    }
}

impl std::error::Error for PluginError {}

impl From<PluginError> for crate::HostError {
    fn from(e: PluginError) -> crate::HostError {
        crate::HostError::Core(agent_policy_core::Error::new(
            agent_policy_core::ErrorCode::Internal,
            e.to_string(),
        ))
    }
}

/// One loaded plugin: compiled, or the reason it cannot run.
struct Plugin {
    config: PluginConfig,
    compiled: Result<Arc<runtime::Compiled>, Failure>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("config", &self.config)
            .field("loaded", &self.compiled.as_ref().map(|_| ()))
            .finish()
    }
}

/// What one plugin did with one action.
#[derive(Debug)]
pub struct PluginReport {
    /// The plugin's id.
    pub id: String,
    /// Its findings (rule ids namespaced), or why it gave none.
    pub outcome: Result<Vec<Finding>, Failure>,
    /// The fuel the call used (instantiation included).
    pub fuel_used: u64,
    /// How long the call took, instantiation included.
    pub elapsed: Duration,
}

impl PluginReport {
    fn failed(id: String, failure: Failure) -> PluginReport {
        PluginReport {
            id,
            outcome: Err(failure),
            fuel_used: 0,
            elapsed: Duration::ZERO,
        }
    }

    /// The findings to merge: the plugin's, or its `on_error` finding.
    pub fn findings(&self, on_error: Outcome) -> Vec<Finding> {
        match &self.outcome {
            Ok(findings) => findings.clone(),
            Err(failure) => {
                vec![Finding::new(
                    format!("plugin.{}", self.id),
                    on_error,
                    format!(
                        "plugin '{}' {failure}; its on_error outcome is {on_error}",
                        self.id
                    ),
                )]
            }
        }
    }
}

/// The plugins of a policy, loaded once and run on every decision.
#[derive(Debug, Default)]
pub struct PluginSet {
    plugins: Vec<Plugin>,
}

impl PluginSet {
    /// No plugin.
    pub fn empty() -> PluginSet {
        PluginSet::default()
    }

    /// The plugins a policy loaded from disk declares (root policy, overrides and packs),
    /// each path relative to the file that declares it. A plugin that cannot be read or
    /// compiled is kept: each of its calls gives its `on_error` outcome.
    ///
    /// Errors only when the WebAssembly runtime cannot start and the policy has plugins.
    pub fn load(policy: &LoadedPolicy) -> Result<PluginSet, PluginError> {
        let root = Path::new(&policy.root);
        let root_dir = root.parent().unwrap_or(Path::new(""));
        PluginSet::from_docs(policy.engine.compiled().docs.iter(), |doc| {
            if doc.origin == policy.root {
                root_dir.to_path_buf()
            } else {
                let origin = root_dir.join(&doc.origin);
                origin.parent().map_or_else(PathBuf::new, Path::to_path_buf)
            }
        })
    }

    /// The plugins of an engine compiled from text (no file on disk): every path is
    /// relative to `base_dir`, joined with the directory part of its document's origin.
    pub fn for_engine(engine: &Engine, base_dir: &Path) -> Result<PluginSet, PluginError> {
        PluginSet::from_docs(engine.compiled().docs.iter(), |doc| {
            let origin = Path::new(&doc.origin);
            match origin.parent() {
                Some(dir) if !doc.origin.starts_with('<') => base_dir.join(dir),
                _ => base_dir.to_path_buf(),
            }
        })
    }

    /// The plugins of `configs`, in order.
    pub fn from_configs(configs: Vec<PluginConfig>) -> Result<PluginSet, PluginError> {
        if configs.is_empty() {
            return Ok(PluginSet::empty());
        }
        let runtime = runtime::Runtime::get().map_err(PluginError)?;
        let plugins = configs
            .into_iter()
            .map(|config| {
                let compiled = std::fs::read(&config.path)
                    .map_err(|e| {
                        Failure::Load(format!("cannot read {}: {e}", config.path.display()))
                    })
                    .and_then(|bytes| {
                        runtime.compile(&bytes).map_err(|why| {
                            Failure::Load(format!("{} {why}", config.path.display()))
                        })
                    });
                Plugin { config, compiled }
            })
            .collect();
        Ok(PluginSet { plugins })
    }

    fn from_docs<'a>(
        docs: impl Iterator<Item = &'a PolicyDoc>,
        base_dir: impl Fn(&PolicyDoc) -> PathBuf,
    ) -> Result<PluginSet, PluginError> {
        let mut configs = Vec::new();
        for doc in docs {
            let dir = base_dir(doc);
            configs.extend(doc.plugins.iter().map(|d| PluginConfig::from_decl(d, &dir)));
        }
        PluginSet::from_configs(configs)
    }

    /// Whether there is no plugin to run.
    pub fn is_empty(&self) -> bool {
        self.plugins.is_empty()
    }

    /// The plugins' configurations, in the order they run.
    pub fn configs(&self) -> impl Iterator<Item = &PluginConfig> {
        self.plugins.iter().map(|p| &p.config)
    }

    /// `engine`'s decision on `request` (in `session` when given) with these plugins' findings
    /// merged in, as the CLI's `check` makes it: before bypass records, grants and the
    /// session's accounting. Without plugins, exactly `Engine::evaluate` /
    /// `Engine::evaluate_in_session`.
    pub fn evaluate(
        &self,
        engine: &Engine,
        request: &agent_policy_core::Request<'_>,
        session: Option<&mut agent_policy_core::session::SessionState>,
    ) -> Result<Decision, agent_policy_core::Error> {
        match (self.plugins.is_empty(), session) {
            (true, None) => engine.evaluate(request),
            (true, Some(state)) => engine.evaluate_in_session(request, state),
            (false, session) => {
                engine.evaluate_with_findings(request, session, &|d| self.findings_for(d))
            }
        }
    }

    /// Runs every plugin on the action `decision` was made for and merges their findings
    /// (or their `on_error` outcomes) into it, deny-wins. Prefer giving
    /// [`PluginSet::findings_for`] to `Engine::evaluate_with_findings`: bypasses, grants and
    /// the session layer then treat the findings like the policy's own rules.
    pub fn run(&self, decision: &mut Decision) {
        let findings = self.findings_for(decision);
        merge(decision, &findings);
    }

    /// What every plugin finds on the action `decision` was made for (or its `on_error`
    /// outcome), without merging.
    pub fn findings_for(&self, decision: &Decision) -> Vec<Finding> {
        if self.plugins.is_empty() {
            return Vec::new();
        }
        let reports = self.reports(decision);
        self.plugins
            .iter()
            .zip(&reports)
            .flat_map(|(plugin, report)| report.findings(plugin.config.on_error))
            .collect()
    }

    /// Runs every plugin on the action `decision` was made for, without merging: what each
    /// one found, the fuel it used and the time it took.
    pub fn reports(&self, decision: &Decision) -> Vec<PluginReport> {
        // The action and the effects are the same for every plugin: made once.
        let mut input = wit::agent_policy::plugin::types::Input {
            action: decision.redacted_action.as_str().to_owned(),
            effects: serde_json::to_string(&decision.effects).unwrap_or_else(|_| "[]".into()),
            context: String::new(),
        };
        self.plugins
            .iter()
            .map(|plugin| {
                let id = plugin.config.id.clone();
                let (compiled, runtime) = match (&plugin.compiled, runtime::Runtime::get()) {
                    (Ok(compiled), Ok(runtime)) => (compiled, runtime),
                    (Err(failure), _) => {
                        return PluginReport::failed(id, failure.clone());
                    }
                    (Ok(_), Err(why)) => return PluginReport::failed(id, Failure::Load(why)),
                };
                input.context = serde_json::json!({
                    "plugin": id,
                    "timestamp": decision.timestamp,
                    "decision": decision.decision,
                    "policy_ids": decision.policy_ids,
                    "risk_score": decision.risk_score,
                })
                .to_string();
                let result = call::call(
                    runtime,
                    compiled,
                    &plugin.config.limits,
                    &id,
                    &input,
                    decision.effects.len(),
                );
                PluginReport {
                    id,
                    outcome: result.outcome,
                    fuel_used: result.fuel_used,
                    elapsed: result.elapsed,
                }
            })
            .collect()
    }
}
