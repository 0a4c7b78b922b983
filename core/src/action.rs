//! The action an agent wants to take (SPEC §3), parsed strictly: an unknown field is an error,
//! so a typo can never silently weaken a check.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::effects::EffectKind;
use crate::tier::Tier;

/// An action as the agent framework sends it.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Action {
    /// `id`: derived deterministically when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// `kind`: what the action is; when absent it follows from `tool`.
    #[serde(default)]
    pub kind: Option<EffectKind>,
    /// `tool`: the tool name as the framework calls it.
    #[serde(default)]
    pub tool: Option<String>,
    /// `args`: the raw tool arguments.
    #[serde(default)]
    pub args: Option<serde_json::Value>,
    /// `command`: a shell command line.
    #[serde(default)]
    pub command: Option<String>,
    /// `path`: one file path.
    #[serde(default)]
    pub path: Option<String>,
    /// `paths`: several file paths.
    #[serde(default)]
    pub paths: Vec<String>,
    /// `url`.
    #[serde(default)]
    pub url: Option<String>,
    /// `host`.
    #[serde(default)]
    pub host: Option<String>,
    /// `method`.
    #[serde(default)]
    pub method: Option<String>,
    /// `payload`: data written or sent.
    #[serde(default)]
    pub payload: Option<serde_json::Value>,
    /// `agent`.
    #[serde(default)]
    pub agent: AgentInfo,
    /// `context`.
    #[serde(default)]
    pub context: Context,
    /// `approval`.
    #[serde(default)]
    pub approval: Option<Approval>,
}

/// `agent`: who acts.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AgentInfo {
    /// `id`.
    #[serde(default)]
    pub id: Option<String>,
    /// `type`: the agent type, keys into the policy's `agents`.
    #[serde(default, rename = "type")]
    pub agent_type: Option<String>,
    /// `session`.
    #[serde(default)]
    pub session: Option<String>,
    /// `owner`.
    #[serde(default)]
    pub owner: Option<String>,
    /// `team`.
    #[serde(default)]
    pub team: Option<String>,
    /// `tier`: the tier the agent claims; it can only lower the policy's tier, never raise it.
    #[serde(default)]
    pub tier: Option<Tier>,
}

/// `context`: where and on what the agent acts.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Context {
    /// `environment` (`production`, `staging`, ...).
    #[serde(default)]
    pub environment: Option<String>,
    /// `data_classification` (`public`, `internal`, `confidential`, ...).
    #[serde(default)]
    pub data_classification: Option<String>,
    /// `cwd`: the directory relative paths are taken from (default: the workspace).
    #[serde(default)]
    pub cwd: Option<String>,
    /// `workspace`: the project root; paths are reported relative to it.
    #[serde(default)]
    pub workspace: Option<String>,
    /// `branch`.
    #[serde(default)]
    pub branch: Option<String>,
    /// `risk_signals`.
    #[serde(default)]
    pub risk_signals: Vec<String>,
    /// `permissions`: what the caller already holds.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// `env`: environment variables visible to the command.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// `approval`: approvals presented with the action.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Approval {
    /// `grants`: approval grants (checked by the session layer).
    #[serde(default)]
    pub grants: Vec<serde_json::Value>,
}

/// The top-level field names, for `did you mean` help.
pub const ACTION_FIELDS: &[&str] = &[
    "id", "kind", "tool", "args", "command", "path", "paths", "url", "host", "method", "payload",
    "agent", "context", "approval",
];
/// The `agent` field names.
pub const AGENT_FIELDS: &[&str] = &["id", "type", "session", "owner", "team", "tier"];
/// The `context` field names.
pub const CONTEXT_FIELDS: &[&str] = &[
    "environment",
    "data_classification",
    "cwd",
    "workspace",
    "branch",
    "risk_signals",
    "permissions",
    "env",
];
