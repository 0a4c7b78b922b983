//! The policy file as written (SPEC §5), decoded and type-checked but not yet compiled.
//! Every value keeps its source span so that compile-time errors (bad globs, conflicts,
//! failed examples) can still name file, line and column.

use super::node::{Span, Spanned};
use crate::effects::EffectKind;
use crate::outcome::Outcome;
use crate::tier::Tier;

/// A decoded policy document: one `.agent-policy.yml`, one override file, or one built-in pack.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyDoc {
    /// The source's name (file path or `<inline>`), used in error locations.
    pub origin: String,
    /// Schema version, normalised: `"1"` (`"1.0"` and `1` are accepted as the same).
    pub version: Option<Spanned<String>>,
    /// `agent_id`.
    pub agent_id: Option<Spanned<String>>,
    /// `extends`: built-in packs, in order.
    pub extends: Vec<Spanned<String>>,
    /// `default`: the outcome of an effect no rule matches.
    pub default: Option<Spanned<Outcome>>,
    /// `permissions`.
    pub permissions: Permissions,
    /// `agents`, in source order.
    pub agents: Vec<AgentType>,
    /// `constraints`.
    pub constraints: Constraints,
    /// `rules`, in source order.
    pub rules: Vec<Rule>,
    /// `escalation`.
    pub escalation: Option<Escalation>,
    /// `rate_limits`.
    pub rate_limits: Vec<RateLimit>,
    /// `budget`: limits for every session, whatever its agent type.
    pub budget: Option<Budget>,
    /// `redaction`.
    pub redaction: Option<RedactionConfig>,
    /// `plugins`.
    pub plugins: Vec<PluginDecl>,
    /// `audit`.
    pub audit: Option<AuditConfig>,
    /// `adapters`: how the policy's own tools map to effects.
    pub adapters: Vec<AdapterDecl>,
}

/// `permissions`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Permissions {
    /// `permissions.filesystem`: path globs.
    pub filesystem: Option<ListPermission>,
    /// `permissions.commands`: command patterns.
    pub commands: Option<CommandPermission>,
    /// `permissions.network`.
    pub network: Option<NetworkPermission>,
    /// `permissions.tools`: tool-name globs.
    pub tools: Option<ListPermission>,
}

/// An allow/deny list (`filesystem`, `tools`, an agent type's `tools`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListPermission {
    /// Where the section starts.
    pub span: Span,
    /// `allow`: when non-empty, the list is exhaustive: what it does not name gets `unlisted`.
    pub allow: Vec<Spanned<String>>,
    /// `deny`: always wins.
    pub deny: Vec<Spanned<String>>,
    /// `exceptions` (root filesystem only): paths exempted from `deny`, the one way a root
    /// policy lets an override grant inside a denied tree.
    pub exceptions: Vec<Spanned<String>>,
    /// `unlisted`: outcome for what a non-empty `allow` does not name (default `deny`).
    pub unlisted: Option<Spanned<Outcome>>,
}

/// `permissions.commands`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommandPermission {
    /// Where the section starts.
    pub span: Span,
    /// `allow`: command patterns; when non-empty, a command runs only if every simple command
    /// in it matches one.
    pub allow: Vec<Spanned<String>>,
    /// `deny`: command patterns; a command is denied if any simple command in it matches one.
    pub deny: Vec<Spanned<String>>,
    /// `unlisted`: outcome for commands a non-empty `allow` does not name (default `deny`).
    pub unlisted: Option<Spanned<Outcome>>,
    /// `opaque`: outcome for what cannot be known statically (`eval "$x"`, `curl … | sh`).
    pub opaque: Option<Spanned<Outcome>>,
}

/// `permissions.network`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NetworkPermission {
    /// Where the section starts.
    pub span: Span,
    /// `allow_outbound`: when false, only `exceptions` may be reached.
    pub allow_outbound: Option<Spanned<bool>>,
    /// `exceptions`: host globs, IP literals or CIDRs reachable even when outbound is off.
    pub exceptions: Vec<Spanned<String>>,
    /// `deny`: hosts never reached, whatever else says.
    pub deny: Vec<Spanned<String>>,
}

/// One entry of `agents`.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentType {
    /// The agent type's name (the mapping key).
    pub name: Spanned<String>,
    /// `tier`.
    pub tier: Option<Spanned<Tier>>,
    /// `tools`: allow/deny for this agent type.
    pub tools: Option<ListPermission>,
    /// `budget`.
    pub budget: Option<Budget>,
}

/// `agents.<type>.budget`: limits per session. All optional.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Budget {
    /// Where the section starts.
    pub span: Span,
    /// `max_turns`.
    pub max_turns: Option<Spanned<u64>>,
    /// `max_tokens`.
    pub max_tokens: Option<Spanned<u64>>,
    /// `max_tool_calls`.
    pub max_tool_calls: Option<Spanned<u64>>,
    /// `max_duration_ms`.
    pub max_duration_ms: Option<Spanned<u64>>,
    /// `max_pipeline_runs`.
    pub max_pipeline_runs: Option<Spanned<u64>>,
    /// `max_credential_requests`.
    pub max_credential_requests: Option<Spanned<u64>>,
}

/// `constraints`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    /// `max_files_per_action`: a number, or `{limit, outcome}`.
    pub max_files_per_action: Option<Limit>,
    /// `max_lines_changed`: a number, or `{limit, outcome}`.
    pub max_lines_changed: Option<Limit>,
    /// `require_human_approval`.
    pub require_human_approval: Vec<ApprovalRequirement>,
}

/// A numeric constraint and the outcome when it is exceeded (default `deny`).
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// The largest allowed value.
    pub limit: Spanned<u64>,
    /// The outcome when exceeded.
    pub outcome: Option<Spanned<Outcome>>,
}

/// One entry of `constraints.require_human_approval`. Exactly one of the three selectors.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalRequirement {
    /// Where the entry starts.
    pub span: Span,
    /// `file_pattern`: a path glob over changed files (writes and deletes).
    pub file_pattern: Option<Spanned<String>>,
    /// `command_pattern`: a command pattern.
    pub command_pattern: Option<Spanned<String>>,
    /// `tool`: a tool-name glob.
    pub tool: Option<Spanned<String>>,
    /// `approver_role`.
    pub approver_role: Option<Spanned<String>>,
    /// `reason`.
    pub reason: Option<Spanned<String>>,
}

/// One entry of `rules`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Where the rule starts.
    pub span: Span,
    /// `id`: unique across the loaded policy.
    pub id: Spanned<String>,
    /// `match`: all given conditions must hold.
    pub matcher: RuleMatch,
    /// `outcome`.
    pub outcome: Spanned<Outcome>,
    /// `reason`: why, for people.
    pub reason: Option<Spanned<String>>,
    /// `risk`: 0..=100.
    pub risk: Option<Spanned<u8>>,
    /// `approver_role`: for `require_approval`.
    pub approver_role: Option<Spanned<String>>,
    /// `bypassable`: default true; false means no bypass ever changes this rule's outcome.
    pub bypassable: Option<Spanned<bool>>,
    /// `terminate_after`: the n-th match of this rule in one session terminates the session.
    pub terminate_after: Option<Spanned<u64>>,
    /// `examples`: actions checked at load.
    pub examples: Option<Examples>,
}

/// `match` of a rule or a rate limit. Each list is "any of"; all present keys must hold.
/// Glob lists accept `!pattern` entries that exclude what the positive entries include.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuleMatch {
    /// Where the mapping starts.
    pub span: Span,
    /// `kind`: effect kinds.
    pub kind: Vec<Spanned<EffectKind>>,
    /// `path`: path globs.
    pub path: Vec<Spanned<String>>,
    /// `command`: command patterns.
    pub command: Vec<Spanned<String>>,
    /// `host`: host globs, IP literals or CIDRs.
    pub host: Vec<Spanned<String>>,
    /// `tool`: tool-name globs.
    pub tool: Vec<Spanned<String>>,
    /// `method`: HTTP methods (case-insensitive).
    pub method: Vec<Spanned<String>>,
    /// `agent_type`: exact agent types.
    pub agent_type: Vec<Spanned<String>>,
    /// `tier`: effective tiers.
    pub tier: Vec<Spanned<Tier>>,
    /// `environment`: exact environments.
    pub environment: Vec<Spanned<String>>,
    /// `data_classification`: exact classifications.
    pub data_classification: Vec<Spanned<String>>,
    /// `risk_signals`: matches when the action carries any of these.
    pub risk_signals: Vec<Spanned<String>>,
    /// `branch`: branch globs.
    pub branch: Vec<Spanned<String>>,
    /// `upload`: whether the effect sends local data out.
    pub upload: Option<Spanned<bool>>,
    /// `outside_workspace`: whether the path lies outside `context.workspace`.
    pub outside_workspace: Option<Spanned<bool>>,
    /// `recursive`: whether the file effect covers a whole tree.
    pub recursive: Option<Spanned<bool>>,
    /// `metadata_endpoint`: whether the host is a cloud metadata endpoint.
    pub metadata_endpoint: Option<Spanned<bool>>,
    /// `opaque`: whether the command cannot be known statically.
    pub opaque: Option<Spanned<bool>>,
    /// `known_host`: whether the host is one of the policy's `permissions.network.exceptions`.
    pub known_host: Option<Spanned<bool>>,
    /// `secret`: whether the action carries a secret (found by the redaction detectors).
    pub secret: Option<Spanned<bool>>,
}

/// `examples` of a rule: actions that must and must not match it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Examples {
    /// `match`: each action must yield an effect this rule matches.
    pub matches: Vec<Spanned<serde_json::Value>>,
    /// `no_match`: no effect of these actions may match this rule.
    pub no_match: Vec<Spanned<serde_json::Value>>,
}

/// `escalation`.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// Where the section starts.
    pub span: Span,
    /// `alert_after_denials`.
    pub alert_after_denials: Option<Spanned<u64>>,
    /// `terminate_after_denials`.
    pub terminate_after_denials: Option<Spanned<u64>>,
    /// `window_ms`.
    pub window_ms: Option<Spanned<u64>>,
}

/// One entry of `rate_limits`.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimit {
    /// Where the entry starts.
    pub span: Span,
    /// `id`.
    pub id: Spanned<String>,
    /// `match`.
    pub matcher: RuleMatch,
    /// `max`: actions allowed per window.
    pub max: Spanned<u64>,
    /// `window_ms`.
    pub window_ms: Spanned<u64>,
    /// `outcome` past the limit (default `deny`).
    pub outcome: Option<Spanned<Outcome>>,
}

/// `redaction`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RedactionConfig {
    /// Where the section starts.
    pub span: Span,
    /// `builtin`: use the built-in detectors (default true).
    pub builtin: Option<Spanned<bool>>,
    /// `rules`: the policy's own detectors.
    pub rules: Vec<RedactionRule>,
}

/// One entry of `redaction.rules`.
#[derive(Debug, Clone, PartialEq)]
pub struct RedactionRule {
    /// Where the entry starts.
    pub span: Span,
    /// `id`.
    pub id: Spanned<String>,
    /// `pattern`: a regular expression.
    pub pattern: Spanned<String>,
    /// `keywords`: literal prefilters; the regex runs only where one occurs.
    pub keywords: Vec<Spanned<String>>,
    /// `entropy`: the least Shannon entropy, in bits per character, of a match for it to count
    /// as a secret (for loose formats, where a low-entropy match is a word, not a key).
    pub entropy: Option<Spanned<f64>>,
    /// `allowlist`: regular expressions; a match in which one of them occurs is not a secret
    /// (placeholders, documentation examples, known test values).
    pub allowlist: Vec<Spanned<String>>,
}

/// One entry of `plugins`.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginDecl {
    /// Where the entry starts.
    pub span: Span,
    /// `id`.
    pub id: Spanned<String>,
    /// `path`: the component file, relative to the policy file.
    pub path: Spanned<String>,
    /// `fuel`.
    pub fuel: Option<Spanned<u64>>,
    /// `memory_mb`.
    pub memory_mb: Option<Spanned<u64>>,
    /// `timeout_ms`.
    pub timeout_ms: Option<Spanned<u64>>,
    /// `on_error` (default `deny`).
    pub on_error: Option<Spanned<Outcome>>,
}

/// `audit`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuditConfig {
    /// Where the section starts.
    pub span: Span,
    /// `log_all_actions`.
    pub log_all_actions: Option<Spanned<bool>>,
    /// `retention_days`.
    pub retention_days: Option<Spanned<u64>>,
    /// `alert_on_deny`.
    pub alert_on_deny: Option<Spanned<bool>>,
}

/// One entry of `adapters`: maps a tool's arguments to an effect.
///
/// ```yaml
/// adapters:
///   - {tool: save-note, kind: file.write, path: target, content: body}
/// ```
/// `path`, `paths`, `command`, `url`, `host`, `method`, `content` name argument fields, with
/// dots for nesting (`options.dest`).
#[derive(Debug, Clone, PartialEq)]
pub struct AdapterDecl {
    /// Where the entry starts.
    pub span: Span,
    /// `tool`: a tool-name glob.
    pub tool: Spanned<String>,
    /// `kind`: the effect the tool performs.
    pub kind: Spanned<EffectKind>,
    /// `path`: argument holding one path.
    pub path: Option<Spanned<String>>,
    /// `paths`: argument holding a list of paths.
    pub paths: Option<Spanned<String>>,
    /// `command`: argument holding a command line.
    pub command: Option<Spanned<String>>,
    /// `url`: argument holding a URL.
    pub url: Option<Spanned<String>>,
    /// `host`: argument holding a host.
    pub host: Option<Spanned<String>>,
    /// `method`: argument holding an HTTP method.
    pub method: Option<Spanned<String>>,
    /// `content`: argument holding written or sent content.
    pub content: Option<Spanned<String>>,
}
