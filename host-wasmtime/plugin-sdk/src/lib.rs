//! Write an agent-policy org policy plugin in Rust: implement [`Plugin`], export it with
//! [`export_plugin!`], build with `cargo build --release --target wasm32-wasip2`. The result
//! is a WebAssembly component of the world `agent-policy:plugin` (`host-wasmtime/wit/`) that
//! the policy names under `plugins:`.
//!
//! ```ignore
//! use agent_policy_plugin::{Finding, Input, Plugin};
//!
//! struct NoTmp;
//!
//! impl Plugin for NoTmp {
//!     fn evaluate(input: &Input) -> Result<Vec<Finding>, String> {
//!         Ok(input
//!             .effects_of("file.write")
//!             .filter(|(_, e)| e["path"].as_str().is_some_and(|p| p.starts_with("/tmp/")))
//!             .map(|(i, _)| Finding::deny("no-tmp", "no writes under /tmp").at(i))
//!             .collect())
//!     }
//! }
//!
//! agent_policy_plugin::export_plugin!(NoTmp);
//! ```
//!
//! The host gives a plugin nothing but its input: no files, environment, clocks, randomness,
//! network or standard streams (a call to any of them traps, and a trap gives the plugin's
//! `on_error` outcome). A call runs in a fresh instance with a fuel, memory and time budget.

// The generated code names this crate by its name, from inside it as from plugins.
extern crate self as agent_policy_plugin;

pub mod hcl;

/// The bindings generated from the WIT world; [`export_plugin!`] uses them.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "plugin",
        pub_export_macro: true,
        default_bindings_module: "agent_policy_plugin::bindings",
        runtime_path: "agent_policy_plugin::__wit_bindgen::rt",
    });
}

#[doc(hidden)]
pub use wit_bindgen as __wit_bindgen;

pub use bindings::agent_policy::plugin::types::{Finding, Outcome};
pub use serde_json::{self, Value};

/// What a plugin is given: the action (secrets already replaced by markers), its effects and
/// the call's context, parsed.
#[derive(Debug, Clone)]
pub struct Input {
    /// The action as the agent asked for it: `{"tool": …, "args": {…}, …}`.
    pub action: Value,
    /// The normalised effects: objects with `kind` (`file.write`, `shell.exec`, …) and the
    /// fields of that kind.
    pub effects: Vec<Value>,
    /// `{"plugin", "timestamp", "decision", "policy_ids", "risk_score"}`.
    pub context: Value,
}

impl Input {
    /// The effects of one kind, with their index (for [`Finding::at`]).
    pub fn effects_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (u32, &'a Value)> {
        self.effects
            .iter()
            .enumerate()
            .filter(move |(_, e)| e["kind"] == kind)
            .map(|(i, e)| (u32::try_from(i).unwrap_or(u32::MAX), e))
    }

    /// The text the action writes to `path` (the `content` of a `Write`, the `new_string`
    /// of an `Edit`), when it writes text.
    pub fn written_text(&self) -> Option<&str> {
        let args = &self.action["args"];
        args["content"]
            .as_str()
            .or_else(|| args["new_string"].as_str())
    }
}

/// An org policy plugin: a pure function from an action to findings.
pub trait Plugin {
    /// Looks at one action. No finding: nothing to add. An error gives the plugin's
    /// `on_error` outcome with the message in the reason.
    fn evaluate(input: &Input) -> Result<Vec<Finding>, String>;
}

impl Finding {
    /// A finding with `outcome`, the outcome's default risk, about the first effect.
    pub fn new(rule_id: &str, outcome: Outcome, reason: impl Into<String>) -> Finding {
        Finding {
            rule_id: rule_id.to_owned(),
            outcome,
            reason: reason.into(),
            risk: None,
            effect: None,
            approver_role: None,
        }
    }

    /// Blocks the action.
    pub fn deny(rule_id: &str, reason: impl Into<String>) -> Finding {
        Finding::new(rule_id, Outcome::Deny, reason)
    }

    /// Lets the action through and notifies security.
    pub fn alert(rule_id: &str, reason: impl Into<String>) -> Finding {
        Finding::new(rule_id, Outcome::Alert, reason)
    }

    /// Pauses the action until someone with `role` approves it.
    pub fn require_approval(rule_id: &str, role: &str, reason: impl Into<String>) -> Finding {
        let mut f = Finding::new(rule_id, Outcome::RequireApproval, reason);
        f.approver_role = Some(role.to_owned());
        f
    }

    /// About the effect at `index` of [`Input::effects`].
    pub fn at(mut self, index: u32) -> Finding {
        self.effect = Some(index);
        self
    }

    /// With a risk score (0..=100).
    pub fn risk(mut self, risk: u8) -> Finding {
        self.risk = Some(risk);
        self
    }
}

/// Parses the input; used by [`export_plugin!`].
#[doc(hidden)]
pub fn __evaluate<P: Plugin>(
    input: bindings::agent_policy::plugin::types::Input,
) -> Result<Vec<Finding>, String> {
    let parse = |what: &str, text: &str| {
        serde_json::from_str::<Value>(text)
            .map_err(|e| format!("the host sent invalid {what} JSON: {e}"))
    };
    let effects = match parse("effects", &input.effects)? {
        Value::Array(items) => items,
        _ => return Err("the host sent effects that are not a list".to_owned()),
    };
    let input = Input {
        action: parse("action", &input.action)?,
        effects,
        context: parse("context", &input.context)?,
    };
    P::evaluate(&input)
}

/// Exports a [`Plugin`] as the component's `evaluate`.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        struct __AgentPolicyPluginExport;

        impl $crate::bindings::Guest for __AgentPolicyPluginExport {
            fn evaluate(
                input: $crate::bindings::agent_policy::plugin::types::Input,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::Finding>, ::std::string::String> {
                $crate::__evaluate::<$plugin>(input)
            }
        }

        $crate::bindings::export!(__AgentPolicyPluginExport with_types_in $crate::bindings);
    };
}
