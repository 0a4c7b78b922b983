//! [`Node`] tree → typed [`PolicyDoc`], rejecting unknown keys, bad types and bad values with
//! file:line:column and a fix.
//!
//! The decoder reports every problem it finds, not only the first: `lint` shows them all. It
//! does not compile globs, regexes or command patterns (the compiler does); it keeps their
//! text and spans.
//!
//! Leniencies, all of which keep the author's meaning:
//! - a single scalar is accepted where a list of scalars is expected (`deny: .env`);
//! - a key with no value (`rules:`) is an empty list or an absent section;
//! - `version` may be `"1"`, `"1.0"`, `1` or `1.0`.

use super::model::{
    AdapterDecl, AgentType, ApprovalRequirement, AuditConfig, Budget, CommandPermission,
    Constraints, Escalation, Examples, Limit, ListPermission, NetworkPermission, Permissions,
    PluginDecl, PolicyDoc, RateLimit, RedactionConfig, RedactionRule, Rule, RuleMatch,
};
use super::node::{Node, NodeValue, Span, Spanned};
use super::source::shorten;
use crate::effects::EffectKind;
use crate::error::{Error, ErrorCode, did_you_mean};
use crate::outcome::Outcome;
use crate::tier::Tier;

/// The keys of the top level of a policy.
const ROOT_KEYS: &[&str] = &[
    "version",
    "agent_id",
    "extends",
    "default",
    "permissions",
    "agents",
    "constraints",
    "rules",
    "escalation",
    "rate_limits",
    "budget",
    "redaction",
    "plugins",
    "audit",
    "adapters",
];
const PERMISSIONS_KEYS: &[&str] = &["filesystem", "commands", "network", "tools"];
const FILESYSTEM_KEYS: &[&str] = &["allow", "deny", "exceptions", "unlisted"];
const TOOLS_KEYS: &[&str] = &["allow", "deny", "unlisted"];
const COMMANDS_KEYS: &[&str] = &["allow", "deny", "unlisted", "opaque"];
const NETWORK_KEYS: &[&str] = &["allow_outbound", "exceptions", "deny"];
const AGENT_KEYS: &[&str] = &["tier", "tools", "budget"];
const BUDGET_KEYS: &[&str] = &[
    "max_turns",
    "max_tokens",
    "max_tool_calls",
    "max_duration_ms",
    "max_pipeline_runs",
    "max_credential_requests",
];
const CONSTRAINTS_KEYS: &[&str] = &[
    "max_files_per_action",
    "max_lines_changed",
    "require_human_approval",
];
const LIMIT_KEYS: &[&str] = &["limit", "outcome"];
const APPROVAL_KEYS: &[&str] = &[
    "file_pattern",
    "command_pattern",
    "tool",
    "approver_role",
    "reason",
];
const APPROVAL_SELECTORS: &[&str] = &["file_pattern", "command_pattern", "tool"];
const RULE_KEYS: &[&str] = &[
    "id",
    "match",
    "outcome",
    "reason",
    "risk",
    "approver_role",
    "bypassable",
    "terminate_after",
    "examples",
];
const MATCH_KEYS: &[&str] = &[
    "kind",
    "path",
    "command",
    "host",
    "tool",
    "method",
    "agent_type",
    "tier",
    "environment",
    "data_classification",
    "risk_signals",
    "branch",
    "upload",
    "outside_workspace",
    "recursive",
    "metadata_endpoint",
    "known_host",
    "secret",
    "opaque",
];
const EXAMPLES_KEYS: &[&str] = &["match", "no_match"];
const ESCALATION_KEYS: &[&str] = &[
    "alert_after_denials",
    "terminate_after_denials",
    "window_ms",
];
const RATE_LIMIT_KEYS: &[&str] = &["id", "match", "max", "window_ms", "outcome"];
const REDACTION_KEYS: &[&str] = &["builtin", "rules"];
const REDACTION_RULE_KEYS: &[&str] = &["id", "pattern", "keywords", "entropy", "allowlist"];

/// The highest meaningful `entropy` of a redaction rule: a character (a byte of UTF-8 text,
/// at most) carries at most 8 bits.
const MAX_ENTROPY_BITS: f64 = 8.0;
const PLUGIN_KEYS: &[&str] = &["id", "path", "fuel", "memory_mb", "timeout_ms", "on_error"];
const AUDIT_KEYS: &[&str] = &["log_all_actions", "retention_days", "alert_on_deny"];
const ADAPTER_KEYS: &[&str] = &[
    "tool", "kind", "path", "paths", "command", "url", "host", "method", "content",
];

/// The help of an id that breaks the id rules.
const ID_HELP: &str = "ids use letters, digits and . _ : / - (for example 'no-prod-writes')";

/// Decodes a parsed document. All errors found are returned together (first + `related`),
/// in source order.
///
/// An absent `version` is accepted here (an override file may omit it); the compiler requires
/// it on the root policy.
pub fn decode(node: &Node, origin: &str) -> Result<PolicyDoc, Error> {
    let mut decoder = Decoder {
        origin,
        errors: Vec::new(),
    };
    let doc = decoder.doc(node);
    let mut errors = decoder.errors;
    errors.sort_by_key(|e| e.location.as_ref().map(|l| (l.line, l.column)));
    match Error::from_list(errors) {
        Some(error) => Err(error),
        None => Ok(doc),
    }
}

/// The checked keys of one mapping.
#[derive(Debug, Clone, Copy)]
struct Fields<'n> {
    /// Where the mapping starts.
    span: Span,
    /// Its entries (unknown keys already reported).
    entries: &'n [(Node, Node)],
}

impl<'n> Fields<'n> {
    /// The value of `key`, if present.
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| key_is(k, key))
            .map(|(_, v)| v)
    }

    /// The key node of `key`, if present (for errors about the key itself).
    fn key(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| key_is(k, key))
            .map(|(k, _)| k)
    }
}

fn key_is(node: &Node, key: &str) -> bool {
    matches!(&node.value, NodeValue::Str(s) if s == key)
}

/// Collects errors while walking the tree.
#[derive(Debug)]
struct Decoder<'o> {
    /// The source's name for error locations.
    origin: &'o str,
    /// Every error found so far.
    errors: Vec<Error>,
}

impl Decoder<'_> {
    fn report(&mut self, code: ErrorCode, span: Span, message: String, help: String) {
        self.errors
            .push(Error::new(code, message).with_help(help).at(
                self.origin,
                span.line,
                span.column,
            ));
    }

    fn bad_type(&mut self, name: &str, expected: &str, node: &Node) {
        let help = match &node.value {
            NodeValue::Seq(_) => "write a single value, not a list".to_owned(),
            NodeValue::Map(_) => "write a single value, not a mapping".to_owned(),
            NodeValue::Null => "give it a value, or remove the key".to_owned(),
            NodeValue::Str(s)
                if expected.contains("integer") && s.trim().parse::<i64>().is_ok() =>
            {
                "write the number without quotes".to_owned()
            }
            NodeValue::Str(s)
                if expected.contains("boolean")
                    && matches!(s.as_str(), "true" | "false" | "yes" | "no" | "on" | "off") =>
            {
                "write true or false, without quotes".to_owned()
            }
            _ if expected.contains("string") => {
                "write it in quotes if it is meant as text".to_owned()
            }
            _ => format!("write {expected} here"),
        };
        self.report(
            ErrorCode::PolicyBadType,
            node.span,
            format!(
                "{} must be {expected}, found {}",
                subject(name),
                node.type_name()
            ),
            help,
        );
    }

    /// A mapping with only `known` keys; `None` (after an error) when `node` is not a mapping.
    /// `section` names the mapping in unknown-key messages.
    fn fields<'n>(
        &mut self,
        name: &str,
        section: &str,
        known: &[&str],
        node: &'n Node,
    ) -> Option<Fields<'n>> {
        let NodeValue::Map(entries) = &node.value else {
            self.bad_type(name, "a mapping", node);
            return None;
        };
        for (key, _) in entries {
            let given = key.scalar_text();
            if !known.contains(&given.as_str()) {
                self.unknown_key(&given, section, known, key.span);
            }
        }
        Some(Fields {
            span: node.span,
            entries,
        })
    }

    /// Like [`Decoder::fields`], but a key left empty (`audit:`) is an absent section.
    fn section<'n>(
        &mut self,
        name: &str,
        section: &str,
        known: &[&str],
        node: &'n Node,
    ) -> Option<Fields<'n>> {
        if node.value == NodeValue::Null {
            return None;
        }
        self.fields(name, section, known, node)
    }

    fn unknown_key(&mut self, given: &str, section: &str, known: &[&str], span: Span) {
        let help = match did_you_mean(given, known) {
            Some(close) => format!("did you mean '{close}'?"),
            None => format!("expected one of: {}", known.join(", ")),
        };
        self.report(
            ErrorCode::PolicyUnknownKey,
            span,
            format!("unknown key '{}' in {section}", shorten(given)),
            help,
        );
    }

    /// A required key: its value, or a missing-key error at the entry.
    fn require<'n>(
        &mut self,
        fields: Fields<'n>,
        key: &str,
        entry: &str,
        help: &str,
    ) -> Option<&'n Node> {
        let found = fields.get(key);
        if found.is_none() {
            self.report(
                ErrorCode::PolicyMissingKey,
                fields.span,
                format!("{entry} is missing '{key}'"),
                help.to_owned(),
            );
        }
        found
    }

    // ----- scalars -----

    fn string(&mut self, name: &str, node: &Node) -> Option<Spanned<String>> {
        if let NodeValue::Str(s) = &node.value {
            Some(Spanned::new(s.clone(), node.span))
        } else {
            self.bad_type(name, "a string", node);
            None
        }
    }

    fn nonempty_string(&mut self, name: &str, node: &Node) -> Option<Spanned<String>> {
        let value = self.string(name, node)?;
        if value.value.trim().is_empty() {
            self.report(
                ErrorCode::PolicyBadValue,
                node.span,
                format!("{} must not be empty", subject(name)),
                "give it a value, or remove the key".to_owned(),
            );
            return None;
        }
        Some(value)
    }

    fn id(&mut self, name: &str, node: &Node) -> Option<Spanned<String>> {
        let value = self.nonempty_string(name, node)?;
        let valid = value
            .value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '/' | '-'));
        if !valid {
            self.report(
                ErrorCode::PolicyBadValue,
                node.span,
                format!("{} holds a character ids may not use", subject(name)),
                ID_HELP.to_owned(),
            );
            return None;
        }
        Some(value)
    }

    fn bool(&mut self, name: &str, node: &Node) -> Option<Spanned<bool>> {
        if let NodeValue::Bool(b) = node.value {
            Some(Spanned::new(b, node.span))
        } else {
            self.bad_type(name, "a boolean (true or false)", node);
            None
        }
    }

    fn u64(&mut self, name: &str, node: &Node) -> Option<Spanned<u64>> {
        let NodeValue::Int(i) = node.value else {
            self.bad_type(name, "an integer", node);
            return None;
        };
        match u64::try_from(i) {
            Ok(n) => Some(Spanned::new(n, node.span)),
            Err(_) => {
                self.report(
                    ErrorCode::PolicyBadValue,
                    node.span,
                    format!("{} must not be negative", subject(name)),
                    "write a number of 0 or more".to_owned(),
                );
                None
            }
        }
    }

    fn risk(&mut self, node: &Node) -> Option<Spanned<u8>> {
        let NodeValue::Int(i) = node.value else {
            self.bad_type("risk", "an integer", node);
            return None;
        };
        match u8::try_from(i) {
            Ok(n) if n <= 100 => Some(Spanned::new(n, node.span)),
            _ => {
                self.report(
                    ErrorCode::PolicyBadValue,
                    node.span,
                    "'risk' must be between 0 and 100".to_owned(),
                    "write a risk score from 0 (harmless) to 100 (critical)".to_owned(),
                );
                None
            }
        }
    }

    /// A named value of a closed set: outcomes, tiers, effect kinds.
    fn choice<T: Copy>(
        &mut self,
        name: &str,
        node: &Node,
        what: &str,
        code: ErrorCode,
        all: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<Spanned<T>> {
        let NodeValue::Str(text) = &node.value else {
            self.bad_type(name, &format!("one of: {}", all.join(", ")), node);
            return None;
        };
        if let Some(value) = parse(text) {
            return Some(Spanned::new(value, node.span));
        }
        let help = match did_you_mean(text, all) {
            Some(close) => format!("did you mean '{close}'?"),
            None => format!("expected one of: {}", all.join(", ")),
        };
        self.report(
            code,
            node.span,
            format!("unknown {what} '{}'", shorten(text)),
            help,
        );
        None
    }

    fn outcome(&mut self, name: &str, node: &Node) -> Option<Spanned<Outcome>> {
        let all = Outcome::ALL.map(Outcome::as_str);
        self.choice(
            name,
            node,
            "outcome",
            ErrorCode::PolicyUnknownOutcome,
            &all,
            Outcome::parse,
        )
    }

    fn tier(&mut self, name: &str, node: &Node) -> Option<Spanned<Tier>> {
        let all = Tier::ALL.map(Tier::as_str);
        self.choice(
            name,
            node,
            "tier",
            ErrorCode::PolicyUnknownTier,
            &all,
            Tier::parse,
        )
    }

    fn kind(&mut self, name: &str, node: &Node) -> Option<Spanned<EffectKind>> {
        let all = EffectKind::ALL.map(EffectKind::as_str);
        self.choice(
            name,
            node,
            "effect kind",
            ErrorCode::PolicyUnknownKind,
            &all,
            EffectKind::parse,
        )
    }

    // ----- lists -----

    /// A list of scalars; a single scalar is a one-element list and an empty key an empty list.
    fn scalar_list<T>(
        &mut self,
        name: &str,
        node: &Node,
        mut item: impl FnMut(&mut Self, &str, &Node) -> Option<T>,
    ) -> Vec<T> {
        match &node.value {
            NodeValue::Null => Vec::new(),
            NodeValue::Seq(items) => {
                let each = format!("each item of '{name}'");
                items
                    .iter()
                    .filter_map(|node| item(self, &each, node))
                    .collect()
            }
            NodeValue::Map(_) => {
                self.bad_type(name, "a list", node);
                Vec::new()
            }
            _ => item(self, name, node).into_iter().collect(),
        }
    }

    fn string_list(&mut self, name: &str, node: &Node) -> Vec<Spanned<String>> {
        self.scalar_list(name, node, |d, name, node| d.nonempty_string(name, node))
    }

    /// The entries of a list of mappings (`rules`, `plugins`, ...); an empty key is empty.
    /// Decodes every entry of the list `name` with `item`, keeping the ones that decode.
    fn each<T>(
        &mut self,
        name: &str,
        node: &Node,
        item: fn(&mut Self, usize, &Node) -> Option<T>,
    ) -> Vec<T> {
        self.entries(name, node)
            .iter()
            .enumerate()
            .filter_map(|(i, n)| item(self, i, n))
            .collect()
    }

    fn entries<'n>(&mut self, name: &str, node: &'n Node) -> &'n [Node] {
        match &node.value {
            NodeValue::Null => &[],
            NodeValue::Seq(items) => items,
            _ => {
                self.report(
                    ErrorCode::PolicyBadType,
                    node.span,
                    format!("'{name}' must be a list, found {}", node.type_name()),
                    "write one entry per line, each starting with '- '".to_owned(),
                );
                &[]
            }
        }
    }

    // ----- sections -----

    fn doc(&mut self, node: &Node) -> PolicyDoc {
        let mut doc = PolicyDoc {
            origin: self.origin.to_owned(),
            ..PolicyDoc::default()
        };
        if !matches!(node.value, NodeValue::Map(_)) {
            self.report(
                ErrorCode::PolicyBadType,
                node.span,
                format!(
                    "the policy must be a mapping of keys, found {}",
                    node.type_name()
                ),
                "start the policy with 'version: \"1\"' and add its sections as keys".to_owned(),
            );
            return doc;
        }
        let Some(f) = self.fields("policy", "the policy", ROOT_KEYS, node) else {
            return doc;
        };
        if let Some(n) = f.get("version") {
            doc.version = self.version(n);
        }
        if let Some(n) = f.get("agent_id") {
            doc.agent_id = self.nonempty_string("agent_id", n);
        }
        if let Some(n) = f.get("extends") {
            doc.extends = self.string_list("extends", n);
        }
        if let Some(n) = f.get("default") {
            doc.default = self.outcome("default", n);
        }
        if let Some(n) = f.get("permissions") {
            doc.permissions = self.permissions(n);
        }
        if let Some(n) = f.get("agents") {
            doc.agents = self.agents(n);
        }
        if let Some(n) = f.get("constraints") {
            doc.constraints = self.constraints(n);
        }
        if let Some(n) = f.get("rules") {
            doc.rules = self.each("rules", n, Self::rule);
        }
        if let Some(n) = f.get("escalation") {
            doc.escalation = self.escalation(n);
        }
        if let Some(n) = f.get("rate_limits") {
            doc.rate_limits = self.each("rate_limits", n, Self::rate_limit);
        }
        if let Some(n) = f.get("budget") {
            doc.budget = self.budget("budget", n);
        }
        if let Some(n) = f.get("redaction") {
            doc.redaction = self.redaction(n);
        }
        if let Some(n) = f.get("plugins") {
            doc.plugins = self.each("plugins", n, Self::plugin);
        }
        if let Some(n) = f.get("audit") {
            doc.audit = self.audit(n);
        }
        if let Some(n) = f.get("adapters") {
            doc.adapters = self.each("adapters", n, Self::adapter);
        }
        doc
    }

    fn version(&mut self, node: &Node) -> Option<Spanned<String>> {
        let given = match &node.value {
            NodeValue::Null | NodeValue::Seq(_) | NodeValue::Map(_) => {
                self.bad_type("version", "a string", node);
                return None;
            }
            NodeValue::Str(_) | NodeValue::Int(_) | NodeValue::Float(_) | NodeValue::Bool(_) => {
                node.scalar_text()
            }
        };
        let supported = match &node.value {
            NodeValue::Str(s) => matches!(s.trim(), "1" | "1.0"),
            NodeValue::Int(i) => *i == 1,
            NodeValue::Float(f) => *f == 1.0,
            _ => false,
        };
        if supported {
            return Some(Spanned::new("1".to_owned(), node.span));
        }
        self.report(
            ErrorCode::PolicyUnsupportedVersion,
            node.span,
            format!("unsupported policy version '{}'", shorten(&given)),
            "this engine reads schema version \"1\"".to_owned(),
        );
        None
    }

    fn permissions(&mut self, node: &Node) -> Permissions {
        let mut out = Permissions::default();
        let Some(f) = self.section("permissions", "permissions", PERMISSIONS_KEYS, node) else {
            return out;
        };
        if let Some(n) = f.get("filesystem") {
            out.filesystem = self.list_permission("filesystem", "permissions.filesystem", n, true);
        }
        if let Some(n) = f.get("tools") {
            out.tools = self.list_permission("tools", "permissions.tools", n, false);
        }
        if let Some(n) = f.get("commands") {
            out.commands = self.commands(n);
        }
        if let Some(n) = f.get("network") {
            out.network = self.network(n);
        }
        out
    }

    /// `filesystem` (with `exceptions`), `tools` and an agent type's `tools`.
    fn list_permission(
        &mut self,
        name: &str,
        section: &str,
        node: &Node,
        with_exceptions: bool,
    ) -> Option<ListPermission> {
        let known = if with_exceptions {
            FILESYSTEM_KEYS
        } else {
            TOOLS_KEYS
        };
        let f = self.section(name, section, known, node)?;
        let mut out = ListPermission {
            span: f.span,
            ..ListPermission::default()
        };
        if let Some(n) = f.get("allow") {
            out.allow = self.string_list("allow", n);
        }
        if let Some(n) = f.get("deny") {
            out.deny = self.string_list("deny", n);
        }
        if with_exceptions && let Some(n) = f.get("exceptions") {
            out.exceptions = self.string_list("exceptions", n);
        }
        if let Some(n) = f.get("unlisted") {
            out.unlisted = self.outcome("unlisted", n);
        }
        Some(out)
    }

    fn commands(&mut self, node: &Node) -> Option<CommandPermission> {
        let f = self.section("commands", "permissions.commands", COMMANDS_KEYS, node)?;
        let mut out = CommandPermission {
            span: f.span,
            ..CommandPermission::default()
        };
        if let Some(n) = f.get("allow") {
            out.allow = self.string_list("allow", n);
        }
        if let Some(n) = f.get("deny") {
            out.deny = self.string_list("deny", n);
        }
        if let Some(n) = f.get("unlisted") {
            out.unlisted = self.outcome("unlisted", n);
        }
        if let Some(n) = f.get("opaque") {
            out.opaque = self.outcome("opaque", n);
        }
        Some(out)
    }

    fn network(&mut self, node: &Node) -> Option<NetworkPermission> {
        let f = self.section("network", "permissions.network", NETWORK_KEYS, node)?;
        let mut out = NetworkPermission {
            span: f.span,
            ..NetworkPermission::default()
        };
        if let Some(n) = f.get("allow_outbound") {
            out.allow_outbound = self.bool("allow_outbound", n);
        }
        if let Some(n) = f.get("exceptions") {
            out.exceptions = self.string_list("exceptions", n);
        }
        if let Some(n) = f.get("deny") {
            out.deny = self.string_list("deny", n);
        }
        Some(out)
    }

    fn agents(&mut self, node: &Node) -> Vec<AgentType> {
        let entries = match &node.value {
            NodeValue::Null => return Vec::new(),
            NodeValue::Map(entries) => entries,
            _ => {
                self.bad_type("agents", "a mapping of agent types", node);
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (key, value) in entries {
            let name = key.scalar_text();
            if name.trim().is_empty() {
                self.report(
                    ErrorCode::PolicyBadValue,
                    key.span,
                    "an agent type's name must not be empty".to_owned(),
                    "name the agent type as agents report it in 'agent.type'".to_owned(),
                );
                continue;
            }
            let section = format!("agents.{}", shorten(&name));
            let mut agent = AgentType {
                name: Spanned::new(name, key.span),
                tier: None,
                tools: None,
                budget: None,
            };
            if let Some(f) = self.section("agent type", &section, AGENT_KEYS, value) {
                if let Some(n) = f.get("tier") {
                    agent.tier = self.tier("tier", n);
                }
                if let Some(n) = f.get("tools") {
                    agent.tools =
                        self.list_permission("tools", &format!("{section}.tools"), n, false);
                }
                if let Some(n) = f.get("budget") {
                    agent.budget = self.budget(&format!("{section}.budget"), n);
                }
            }
            out.push(agent);
        }
        out
    }

    fn budget(&mut self, section: &str, node: &Node) -> Option<Budget> {
        let f = self.section("budget", section, BUDGET_KEYS, node)?;
        let mut get = |key: &str| f.get(key).and_then(|n| self.u64(key, n));
        Some(Budget {
            span: f.span,
            max_turns: get("max_turns"),
            max_tokens: get("max_tokens"),
            max_tool_calls: get("max_tool_calls"),
            max_duration_ms: get("max_duration_ms"),
            max_pipeline_runs: get("max_pipeline_runs"),
            max_credential_requests: get("max_credential_requests"),
        })
    }

    fn constraints(&mut self, node: &Node) -> Constraints {
        let mut out = Constraints::default();
        let Some(f) = self.section("constraints", "constraints", CONSTRAINTS_KEYS, node) else {
            return out;
        };
        if let Some(n) = f.get("max_files_per_action") {
            out.max_files_per_action = self.limit("max_files_per_action", n);
        }
        if let Some(n) = f.get("max_lines_changed") {
            out.max_lines_changed = self.limit("max_lines_changed", n);
        }
        if let Some(n) = f.get("require_human_approval") {
            out.require_human_approval = self
                .entries("require_human_approval", n)
                .iter()
                .enumerate()
                .filter_map(|(i, n)| self.approval(i, n))
                .collect();
        }
        out
    }

    /// A number, or `{limit, outcome}`.
    fn limit(&mut self, name: &str, node: &Node) -> Option<Limit> {
        match &node.value {
            NodeValue::Int(_) => Some(Limit {
                limit: self.u64(name, node)?,
                outcome: None,
            }),
            NodeValue::Map(_) => {
                let section = format!("constraints.{name}");
                let f = self.fields(name, &section, LIMIT_KEYS, node)?;
                let outcome = f.get("outcome").and_then(|n| self.outcome("outcome", n));
                let limit = self.require(
                    f,
                    "limit",
                    &format!("'{name}'"),
                    "add 'limit:' with the largest allowed number",
                )?;
                Some(Limit {
                    limit: self.u64("limit", limit)?,
                    outcome,
                })
            }
            _ => {
                self.report(
                    ErrorCode::PolicyBadType,
                    node.span,
                    format!("'{name}' must be an integer, found {}", node.type_name()),
                    "write a number, or {limit: 10, outcome: deny}".to_owned(),
                );
                None
            }
        }
    }

    fn approval(&mut self, index: usize, node: &Node) -> Option<ApprovalRequirement> {
        let section = format!("constraints.require_human_approval[{index}]");
        let f = self.fields(
            "each entry of 'require_human_approval'",
            &section,
            APPROVAL_KEYS,
            node,
        )?;
        let opt = |d: &mut Self, key: &str| f.get(key).and_then(|n| d.nonempty_string(key, n));
        let out = ApprovalRequirement {
            span: f.span,
            file_pattern: opt(self, "file_pattern"),
            command_pattern: opt(self, "command_pattern"),
            tool: opt(self, "tool"),
            approver_role: opt(self, "approver_role"),
            reason: f.get("reason").and_then(|n| self.string("reason", n)),
        };
        let given: Vec<&Node> = APPROVAL_SELECTORS
            .iter()
            .filter_map(|key| f.key(key))
            .collect();
        match given.as_slice() {
            [] => self.report(
                ErrorCode::PolicyMissingKey,
                f.span,
                "an approval requirement needs one of 'file_pattern', 'command_pattern' or 'tool'"
                    .to_owned(),
                "add 'file_pattern:', 'command_pattern:' or 'tool:' to say what needs approval"
                    .to_owned(),
            ),
            [_] => {}
            [_, second, ..] => self.report(
                ErrorCode::PolicyBadValue,
                second.span,
                "an approval requirement takes exactly one of 'file_pattern', 'command_pattern' \
                 and 'tool'"
                    .to_owned(),
                "split it into one entry per pattern".to_owned(),
            ),
        }
        Some(out)
    }

    fn rule(&mut self, index: usize, node: &Node) -> Option<Rule> {
        let section = format!("rules[{index}]");
        let f = self.fields("each entry of 'rules'", &section, RULE_KEYS, node)?;
        let entry = "the rule";
        let id = self
            .require(f, "id", entry, "add 'id:' with a name unique in the policy")
            .and_then(|n| self.id("id", n));
        let matcher = self
            .require(
                f,
                "match",
                entry,
                "add 'match:' with the conditions (for example {kind: file.write}), or {} for all",
            )
            .and_then(|n| self.matcher(&format!("{section}.match"), n));
        let outcome = self
            .require(
                f,
                "outcome",
                entry,
                "add 'outcome:' with one of: allow, redact, alert, require_approval, deny, terminate",
            )
            .and_then(|n| self.outcome("outcome", n));
        let reason = f.get("reason").and_then(|n| self.string("reason", n));
        let risk = f.get("risk").and_then(|n| self.risk(n));
        let approver_role = f
            .get("approver_role")
            .and_then(|n| self.nonempty_string("approver_role", n));
        let bypassable = f.get("bypassable").and_then(|n| self.bool("bypassable", n));
        let terminate_after = f
            .get("terminate_after")
            .and_then(|n| self.u64("terminate_after", n))
            .and_then(|n| {
                if n.value == 0 {
                    self.report(
                        ErrorCode::PolicyBadValue,
                        n.span,
                        "'terminate_after' must be at least 1".to_owned(),
                        "write 1 to terminate on the first match, 2 on the first repeat".to_owned(),
                    );
                    None
                } else {
                    Some(n)
                }
            });
        let examples = f
            .get("examples")
            .and_then(|n| self.examples(&format!("{section}.examples"), n));
        Some(Rule {
            span: f.span,
            id: id?,
            matcher: matcher?,
            outcome: outcome?,
            reason,
            risk,
            approver_role,
            bypassable,
            terminate_after,
            examples,
        })
    }

    /// A rule's or rate limit's `match`; an empty key matches everything.
    fn matcher(&mut self, section: &str, node: &Node) -> Option<RuleMatch> {
        if node.value == NodeValue::Null {
            return Some(RuleMatch {
                span: node.span,
                ..RuleMatch::default()
            });
        }
        let f = self.fields("match", section, MATCH_KEYS, node)?;
        let mut out = RuleMatch {
            span: f.span,
            ..RuleMatch::default()
        };
        for (key, value) in f.entries {
            let NodeValue::Str(key) = &key.value else {
                continue;
            };
            let key = key.as_str();
            match key {
                "kind" => out.kind = self.scalar_list(key, value, |d, n, v| d.kind(n, v)),
                "tier" => out.tier = self.scalar_list(key, value, |d, n, v| d.tier(n, v)),
                "path" => out.path = self.string_list(key, value),
                "command" => out.command = self.string_list(key, value),
                "host" => out.host = self.string_list(key, value),
                "tool" => out.tool = self.string_list(key, value),
                "method" => out.method = self.string_list(key, value),
                "agent_type" => out.agent_type = self.string_list(key, value),
                "environment" => out.environment = self.string_list(key, value),
                "data_classification" => out.data_classification = self.string_list(key, value),
                "risk_signals" => out.risk_signals = self.string_list(key, value),
                "branch" => out.branch = self.string_list(key, value),
                "upload" => out.upload = self.bool(key, value),
                "outside_workspace" => out.outside_workspace = self.bool(key, value),
                "recursive" => out.recursive = self.bool(key, value),
                "metadata_endpoint" => out.metadata_endpoint = self.bool(key, value),
                "known_host" => out.known_host = self.bool(key, value),
                "secret" => out.secret = self.bool(key, value),
                "opaque" => out.opaque = self.bool(key, value),
                // Unknown keys were reported by `fields`.
                _ => {}
            }
        }
        Some(out)
    }

    fn examples(&mut self, section: &str, node: &Node) -> Option<Examples> {
        let f = self.section("examples", section, EXAMPLES_KEYS, node)?;
        let mut out = Examples::default();
        if let Some(n) = f.get("match") {
            out.matches = self.actions("match", n);
        }
        if let Some(n) = f.get("no_match") {
            out.no_match = self.actions("no_match", n);
        }
        Some(out)
    }

    /// Example actions, as JSON with the span of each.
    fn actions(&mut self, name: &str, node: &Node) -> Vec<Spanned<serde_json::Value>> {
        let mut out = Vec::new();
        for item in self.entries(name, node) {
            if matches!(item.value, NodeValue::Map(_)) {
                out.push(Spanned::new(item.to_json(), item.span));
            } else {
                self.report(
                    ErrorCode::PolicyBadType,
                    item.span,
                    format!(
                        "'{name}' examples must be actions (mappings), found {}",
                        item.type_name()
                    ),
                    "write each example as an action, for example {kind: file.read, path: .env}"
                        .to_owned(),
                );
            }
        }
        out
    }

    fn escalation(&mut self, node: &Node) -> Option<Escalation> {
        let f = self.section("escalation", "escalation", ESCALATION_KEYS, node)?;
        let mut get = |key: &str| f.get(key).and_then(|n| self.u64(key, n));
        Some(Escalation {
            span: f.span,
            alert_after_denials: get("alert_after_denials"),
            terminate_after_denials: get("terminate_after_denials"),
            window_ms: get("window_ms"),
        })
    }

    fn rate_limit(&mut self, index: usize, node: &Node) -> Option<RateLimit> {
        let section = format!("rate_limits[{index}]");
        let f = self.fields(
            "each entry of 'rate_limits'",
            &section,
            RATE_LIMIT_KEYS,
            node,
        )?;
        let entry = "the rate limit";
        let id = self
            .require(f, "id", entry, "add 'id:' with a name unique in the policy")
            .and_then(|n| self.id("id", n));
        let matcher = self
            .require(
                f,
                "match",
                entry,
                "add 'match:' with the actions it counts (for example {kind: tool.call})",
            )
            .and_then(|n| self.matcher(&format!("{section}.match"), n));
        let max = self
            .require(
                f,
                "max",
                entry,
                "add 'max:' with the actions allowed per window",
            )
            .and_then(|n| self.u64("max", n));
        let window_ms = self
            .require(
                f,
                "window_ms",
                entry,
                "add 'window_ms:' with the window length in milliseconds",
            )
            .and_then(|n| self.u64("window_ms", n));
        let outcome = f.get("outcome").and_then(|n| self.outcome("outcome", n));
        Some(RateLimit {
            span: f.span,
            id: id?,
            matcher: matcher?,
            max: max?,
            window_ms: window_ms?,
            outcome,
        })
    }

    fn redaction(&mut self, node: &Node) -> Option<RedactionConfig> {
        let f = self.section("redaction", "redaction", REDACTION_KEYS, node)?;
        let builtin = f.get("builtin").and_then(|n| self.bool("builtin", n));
        let rules = match f.get("rules") {
            Some(n) => self
                .entries("rules", n)
                .iter()
                .enumerate()
                .filter_map(|(i, n)| self.redaction_rule(i, n))
                .collect(),
            None => Vec::new(),
        };
        Some(RedactionConfig {
            span: f.span,
            builtin,
            rules,
        })
    }

    fn redaction_rule(&mut self, index: usize, node: &Node) -> Option<RedactionRule> {
        let section = format!("redaction.rules[{index}]");
        let f = self.fields(
            "each entry of 'redaction.rules'",
            &section,
            REDACTION_RULE_KEYS,
            node,
        )?;
        let entry = "the redaction rule";
        let id = self
            .require(
                f,
                "id",
                entry,
                "add 'id:' naming the kind of secret it finds",
            )
            .and_then(|n| self.id("id", n));
        let pattern = self
            .require(
                f,
                "pattern",
                entry,
                "add 'pattern:' with a regular expression matching the secret",
            )
            .and_then(|n| self.nonempty_string("pattern", n));
        let keywords = match f.get("keywords") {
            Some(n) => self.string_list("keywords", n),
            None => Vec::new(),
        };
        let entropy = f.get("entropy").and_then(|n| self.entropy(n));
        let allowlist = match f.get("allowlist") {
            Some(n) => self.string_list("allowlist", n),
            None => Vec::new(),
        };
        Some(RedactionRule {
            span: f.span,
            id: id?,
            pattern: pattern?,
            keywords,
            entropy,
            allowlist,
        })
    }

    /// `entropy` of a redaction rule: bits per character, above 0 and at most 8.
    fn entropy(&mut self, node: &Node) -> Option<Spanned<f64>> {
        let bits = match node.value {
            // INVARIANT: an integer small enough to be in range converts exactly.
            #[expect(
                clippy::cast_precision_loss,
                reason = "out-of-range integers are refused below either way"
            )]
            NodeValue::Int(i) => i as f64,
            NodeValue::Float(f) => f,
            _ => {
                self.bad_type("entropy", "a number of bits per character (e.g. 3.5)", node);
                return None;
            }
        };
        if bits.is_finite() && bits > 0.0 && bits <= MAX_ENTROPY_BITS {
            return Some(Spanned::new(bits, node.span));
        }
        self.report(
            ErrorCode::PolicyBadValue,
            node.span,
            "'entropy' must be above 0 and at most 8 bits per character".to_owned(),
            "write e.g. 3.0 for hex-like secrets or 4.0 for base64-like ones".to_owned(),
        );
        None
    }

    fn plugin(&mut self, index: usize, node: &Node) -> Option<PluginDecl> {
        let section = format!("plugins[{index}]");
        let f = self.fields("each entry of 'plugins'", &section, PLUGIN_KEYS, node)?;
        let entry = "the plugin";
        let id = self
            .require(f, "id", entry, "add 'id:' naming the plugin")
            .and_then(|n| self.id("id", n));
        let path = self
            .require(
                f,
                "path",
                entry,
                "add 'path:' with the component file, relative to the policy file",
            )
            .and_then(|n| self.nonempty_string("path", n));
        let get = |d: &mut Self, key: &str| f.get(key).and_then(|n| d.u64(key, n));
        let fuel = get(self, "fuel");
        let memory_mb = get(self, "memory_mb");
        let timeout_ms = get(self, "timeout_ms");
        let on_error = f.get("on_error").and_then(|n| self.outcome("on_error", n));
        Some(PluginDecl {
            span: f.span,
            id: id?,
            path: path?,
            fuel,
            memory_mb,
            timeout_ms,
            on_error,
        })
    }

    fn audit(&mut self, node: &Node) -> Option<AuditConfig> {
        let f = self.section("audit", "audit", AUDIT_KEYS, node)?;
        Some(AuditConfig {
            span: f.span,
            log_all_actions: f
                .get("log_all_actions")
                .and_then(|n| self.bool("log_all_actions", n)),
            retention_days: f
                .get("retention_days")
                .and_then(|n| self.u64("retention_days", n)),
            alert_on_deny: f
                .get("alert_on_deny")
                .and_then(|n| self.bool("alert_on_deny", n)),
        })
    }

    fn adapter(&mut self, index: usize, node: &Node) -> Option<AdapterDecl> {
        let section = format!("adapters[{index}]");
        let f = self.fields("each entry of 'adapters'", &section, ADAPTER_KEYS, node)?;
        let entry = "the adapter";
        let tool = self
            .require(
                f,
                "tool",
                entry,
                "add 'tool:' with the tool name it applies to",
            )
            .and_then(|n| self.nonempty_string("tool", n));
        let kind = self
            .require(
                f,
                "kind",
                entry,
                "add 'kind:' with the effect the tool performs (for example file.write)",
            )
            .and_then(|n| self.kind("kind", n));
        let opt = |d: &mut Self, key: &str| f.get(key).and_then(|n| d.nonempty_string(key, n));
        let path = opt(self, "path");
        let paths = opt(self, "paths");
        let command = opt(self, "command");
        let url = opt(self, "url");
        let host = opt(self, "host");
        let method = opt(self, "method");
        let content = opt(self, "content");
        Some(AdapterDecl {
            span: f.span,
            tool: tool?,
            kind: kind?,
            path,
            paths,
            command,
            url,
            host,
            method,
            content,
        })
    }
}

/// How a message names what is wrong: a key in quotes (`'deny'`), or a phrase as given
/// (`each item of 'deny'`).
fn subject(name: &str) -> String {
    if name.contains(' ') {
        name.to_owned()
    } else {
        format!("'{name}'")
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;
    use crate::policy::source::parse;

    fn load(text: &str) -> Result<PolicyDoc, Error> {
        let node = parse(text, "p.yml").unwrap_or_else(|e| panic!("parse: {e}"));
        decode(&node, "p.yml")
    }

    fn ok(text: &str) -> PolicyDoc {
        load(text).unwrap_or_else(|e| {
            let all: Vec<String> = e.all().map(ToString::to_string).collect();
            panic!("{}", all.join("\n"))
        })
    }

    fn err(text: &str) -> Error {
        load(text).expect_err("decode must fail")
    }

    /// The one error of a document, with its location.
    fn one(text: &str) -> (ErrorCode, String, String, u32, u32) {
        let e = err(text);
        assert!(e.related.is_empty(), "more than one error: {:?}", e.related);
        let l = e.location.clone().expect("location");
        assert_eq!(l.file, "p.yml");
        (
            e.code,
            e.message,
            e.help.unwrap_or_default(),
            l.line,
            l.column,
        )
    }

    fn strings(list: &[Spanned<String>]) -> Vec<&str> {
        list.iter().map(|s| s.value.as_str()).collect()
    }

    const FULL: &str = r#"version: "1"
agent_id: code-assistant-prod
extends: [defaults/coding-agent]
default: allow
permissions:
  filesystem: {allow: ["src/**/*.ts", "tests/**"], deny: [".env*", "secrets/**"], exceptions: [secrets/fixtures/**], unlisted: alert}
  commands:   {allow: ["npm test", "npm run lint"], deny: ["rm -rf", "curl *", "git push --force"], unlisted: deny, opaque: require_approval}
  network:    {allow_outbound: false, exceptions: ["registry.npmjs.org", "*.github.com"], deny: [evil.example]}
  tools:      {allow: ["*"], deny: ["terraform-apply"]}
agents:
  compliance-scanner: {tier: observe, tools: {allow: [read-file, git-diff], deny: [write-file], unlisted: deny},
                       budget: {max_turns: 100, max_tokens: 1000000, max_duration_ms: 3600000}}
  drift-agent:
    tier: prod-gated
    budget: {max_tool_calls: 5, max_pipeline_runs: 1, max_credential_requests: 0}
constraints:
  max_files_per_action: 10
  max_lines_changed: {limit: 500, outcome: require_approval}
  require_human_approval:
    - {file_pattern: "package.json", approver_role: maintainer}
    - {command_pattern: "git commit", reason: commits are reviewed}
    - {tool: deploy-*}
rules:
  - id: no-prod-writes
    match: {kind: file.write, environment: production}
    outcome: require_approval
    approver_role: senior-engineer
    reason: production changes need a senior engineer
    risk: 70
    bypassable: false
    examples:
      match: [{kind: file.write, path: a.txt, context: {environment: production}}]
      no_match:
        - {kind: file.write, path: a.txt, context: {environment: dev}}
  - id: "net:uploads/1.a_b"
    match:
      kind: [network.request]
      host: ["*.example"]
      method: POST
      upload: true
      metadata_endpoint: false
      tier: [sandbox, draft]
      agent_type: drift-agent
      data_classification: [secret]
      risk_signals: prompt-injection
      branch: main
      tool: curl
      path: x
      command: "curl *"
      outside_workspace: true
      recursive: false
      opaque: false
    outcome: terminate
  - {id: everything, match: {}, outcome: alert}
escalation: {alert_after_denials: 3, terminate_after_denials: 5, window_ms: 600000}
rate_limits: [{id: tool-calls, match: {kind: tool.call}, max: 60, window_ms: 60000, outcome: alert}]
redaction: {builtin: true, rules: [{id: acme-token, pattern: "acme_[a-z0-9]{32}", keywords: [acme_]}]}
plugins: [{id: naming, path: plugins/naming.wasm, fuel: 5000000, memory_mb: 32, timeout_ms: 100, on_error: deny}]
audit: {log_all_actions: true, retention_days: 90, alert_on_deny: true}
adapters:
  - {tool: save-note, kind: file.write, path: target, content: body}
  - {tool: fetch, kind: network.request, url: options.url, method: verb, host: h, paths: p, command: c}
"#;

    #[test]
    fn every_section_decodes() {
        let doc = ok(FULL);
        assert_eq!(doc.origin, "p.yml");
        assert_eq!(doc.version.as_ref().unwrap().value, "1");
        assert_eq!(doc.agent_id.as_ref().unwrap().value, "code-assistant-prod");
        assert_eq!(strings(&doc.extends), ["defaults/coding-agent"]);
        assert_eq!(doc.default.as_ref().unwrap().value, Outcome::Allow);

        let fs = doc.permissions.filesystem.as_ref().unwrap();
        assert_eq!(strings(&fs.allow), ["src/**/*.ts", "tests/**"]);
        assert_eq!(strings(&fs.deny), [".env*", "secrets/**"]);
        assert_eq!(strings(&fs.exceptions), ["secrets/fixtures/**"]);
        assert_eq!(fs.unlisted.as_ref().unwrap().value, Outcome::Alert);
        assert_eq!(
            fs.span,
            Span {
                line: 6,
                column: 15
            }
        );
        assert_eq!(
            fs.deny[1].span,
            Span {
                line: 6,
                column: 68
            }
        );
        let cmd = doc.permissions.commands.as_ref().unwrap();
        assert_eq!(strings(&cmd.deny), ["rm -rf", "curl *", "git push --force"]);
        assert_eq!(cmd.opaque.as_ref().unwrap().value, Outcome::RequireApproval);
        assert_eq!(cmd.unlisted.as_ref().unwrap().value, Outcome::Deny);
        let net = doc.permissions.network.as_ref().unwrap();
        assert!(!net.allow_outbound.as_ref().unwrap().value);
        assert_eq!(
            strings(&net.exceptions),
            ["registry.npmjs.org", "*.github.com"]
        );
        assert_eq!(strings(&net.deny), ["evil.example"]);
        let tools = doc.permissions.tools.as_ref().unwrap();
        assert_eq!(strings(&tools.allow), ["*"]);
        assert_eq!(strings(&tools.deny), ["terraform-apply"]);

        assert_eq!(doc.agents.len(), 2);
        let scanner = &doc.agents[0];
        assert_eq!(scanner.name.value, "compliance-scanner");
        assert_eq!(
            scanner.name.span,
            Span {
                line: 11,
                column: 3
            }
        );
        assert_eq!(scanner.tier.as_ref().unwrap().value, Tier::Observe);
        let st = scanner.tools.as_ref().unwrap();
        assert_eq!(strings(&st.allow), ["read-file", "git-diff"]);
        assert_eq!(strings(&st.deny), ["write-file"]);
        let b = scanner.budget.as_ref().unwrap();
        assert_eq!(b.max_turns.as_ref().unwrap().value, 100);
        assert_eq!(b.max_tokens.as_ref().unwrap().value, 1_000_000);
        assert_eq!(b.max_duration_ms.as_ref().unwrap().value, 3_600_000);
        assert!(b.max_tool_calls.is_none());
        let drift = &doc.agents[1];
        assert_eq!(drift.tier.as_ref().unwrap().value, Tier::ProdGated);
        let b = drift.budget.as_ref().unwrap();
        assert_eq!(b.max_tool_calls.as_ref().unwrap().value, 5);
        assert_eq!(b.max_pipeline_runs.as_ref().unwrap().value, 1);
        assert_eq!(b.max_credential_requests.as_ref().unwrap().value, 0);

        let c = &doc.constraints;
        let files = c.max_files_per_action.as_ref().unwrap();
        assert_eq!(files.limit.value, 10);
        assert!(files.outcome.is_none());
        let lines = c.max_lines_changed.as_ref().unwrap();
        assert_eq!(lines.limit.value, 500);
        assert_eq!(
            lines.outcome.as_ref().unwrap().value,
            Outcome::RequireApproval
        );
        assert_eq!(c.require_human_approval.len(), 3);
        let a0 = &c.require_human_approval[0];
        assert_eq!(a0.file_pattern.as_ref().unwrap().value, "package.json");
        assert_eq!(a0.approver_role.as_ref().unwrap().value, "maintainer");
        let a1 = &c.require_human_approval[1];
        assert_eq!(a1.command_pattern.as_ref().unwrap().value, "git commit");
        assert_eq!(a1.reason.as_ref().unwrap().value, "commits are reviewed");
        assert_eq!(
            c.require_human_approval[2].tool.as_ref().unwrap().value,
            "deploy-*"
        );

        assert_eq!(doc.rules.len(), 3);
        let r = &doc.rules[0];
        assert_eq!(
            r.span,
            Span {
                line: 24,
                column: 5
            }
        );
        assert_eq!(r.id.value, "no-prod-writes");
        assert_eq!(r.matcher.kind[0].value, EffectKind::FileWrite);
        assert_eq!(strings(&r.matcher.environment), ["production"]);
        assert_eq!(r.outcome.value, Outcome::RequireApproval);
        assert_eq!(
            r.outcome.span,
            Span {
                line: 26,
                column: 14
            }
        );
        assert_eq!(r.approver_role.as_ref().unwrap().value, "senior-engineer");
        assert_eq!(r.risk.as_ref().unwrap().value, 70);
        assert!(!r.bypassable.as_ref().unwrap().value);
        let ex = r.examples.as_ref().unwrap();
        assert_eq!(ex.matches.len(), 1);
        assert_eq!(
            ex.matches[0].value,
            serde_json::json!({"kind": "file.write", "path": "a.txt",
                               "context": {"environment": "production"}})
        );
        assert_eq!(
            ex.matches[0].span,
            Span {
                line: 32,
                column: 15
            }
        );
        assert_eq!(
            ex.no_match[0].span,
            Span {
                line: 34,
                column: 11
            }
        );
        let m = &doc.rules[1].matcher;
        assert_eq!(doc.rules[1].id.value, "net:uploads/1.a_b");
        assert_eq!(m.kind[0].value, EffectKind::NetworkRequest);
        assert_eq!(strings(&m.host), ["*.example"]);
        assert_eq!(strings(&m.method), ["POST"]);
        assert!(m.upload.as_ref().unwrap().value);
        assert!(!m.metadata_endpoint.as_ref().unwrap().value);
        let tiers: Vec<Tier> = m.tier.iter().map(|t| t.value).collect();
        assert_eq!(tiers, [Tier::Sandbox, Tier::Draft]);
        assert_eq!(strings(&m.agent_type), ["drift-agent"]);
        assert_eq!(strings(&m.data_classification), ["secret"]);
        assert_eq!(strings(&m.risk_signals), ["prompt-injection"]);
        assert_eq!(strings(&m.branch), ["main"]);
        assert_eq!(strings(&m.tool), ["curl"]);
        assert_eq!(strings(&m.path), ["x"]);
        assert_eq!(strings(&m.command), ["curl *"]);
        assert!(m.outside_workspace.as_ref().unwrap().value);
        assert!(!m.recursive.as_ref().unwrap().value);
        assert!(!m.opaque.as_ref().unwrap().value);
        assert_eq!(doc.rules[1].outcome.value, Outcome::Terminate);
        assert_eq!(
            doc.rules[2].matcher,
            RuleMatch {
                span: doc.rules[2].matcher.span,
                ..RuleMatch::default()
            }
        );

        let esc = doc.escalation.as_ref().unwrap();
        assert_eq!(esc.alert_after_denials.as_ref().unwrap().value, 3);
        assert_eq!(esc.terminate_after_denials.as_ref().unwrap().value, 5);
        assert_eq!(esc.window_ms.as_ref().unwrap().value, 600_000);
        let rl = &doc.rate_limits[0];
        assert_eq!(rl.id.value, "tool-calls");
        assert_eq!(rl.matcher.kind[0].value, EffectKind::ToolCall);
        assert_eq!((rl.max.value, rl.window_ms.value), (60, 60_000));
        assert_eq!(rl.outcome.as_ref().unwrap().value, Outcome::Alert);
        let red = doc.redaction.as_ref().unwrap();
        assert!(red.builtin.as_ref().unwrap().value);
        assert_eq!(red.rules[0].id.value, "acme-token");
        assert_eq!(red.rules[0].pattern.value, "acme_[a-z0-9]{32}");
        assert_eq!(strings(&red.rules[0].keywords), ["acme_"]);
        let p = &doc.plugins[0];
        assert_eq!(
            (p.id.value.as_str(), p.path.value.as_str()),
            ("naming", "plugins/naming.wasm")
        );
        assert_eq!(p.fuel.as_ref().unwrap().value, 5_000_000);
        assert_eq!(p.memory_mb.as_ref().unwrap().value, 32);
        assert_eq!(p.timeout_ms.as_ref().unwrap().value, 100);
        assert_eq!(p.on_error.as_ref().unwrap().value, Outcome::Deny);
        let au = doc.audit.as_ref().unwrap();
        assert!(au.log_all_actions.as_ref().unwrap().value);
        assert_eq!(au.retention_days.as_ref().unwrap().value, 90);
        assert!(au.alert_on_deny.as_ref().unwrap().value);
        let ad = &doc.adapters[0];
        assert_eq!(ad.tool.value, "save-note");
        assert_eq!(ad.kind.value, EffectKind::FileWrite);
        assert_eq!(ad.path.as_ref().unwrap().value, "target");
        assert_eq!(ad.content.as_ref().unwrap().value, "body");
        let ad = &doc.adapters[1];
        assert_eq!(ad.url.as_ref().unwrap().value, "options.url");
        assert_eq!(ad.method.as_ref().unwrap().value, "verb");
        assert_eq!(ad.host.as_ref().unwrap().value, "h");
        assert_eq!(ad.paths.as_ref().unwrap().value, "p");
        assert_eq!(ad.command.as_ref().unwrap().value, "c");
    }

    /// The policy of the governance-as-code seed article, indented as YAML.
    const SEED_002: &str = r#"# .agent-policy.yml
version: "1.0"
agent_id: "code-assistant-prod"
permissions:
  filesystem:
    allow:
      - "src/**/*.ts"
      - "tests/**/*.spec.ts"
    deny:
      - ".env*"
      - "secrets/**"
      - "node_modules/**"
  commands:
    allow:
      - "npm test"
      - "npm run lint"
    deny:
      - "rm -rf"
      - "curl *"
      - "git push --force"
  network:
    allow_outbound: false
    exceptions:
      - "registry.npmjs.org"
constraints:
  max_files_per_action: 10
  require_human_approval:
    - file_pattern: "package.json"
    - file_pattern: "Dockerfile"
    - command_pattern: "git commit"
audit:
  log_all_actions: true
  retention_days: 90
  alert_on_deny: true
"#;

    #[test]
    fn the_seed_policy_decodes() {
        let doc = ok(SEED_002);
        assert_eq!(doc.version.as_ref().unwrap().value, "1");
        assert_eq!(
            doc.version.as_ref().unwrap().span,
            Span {
                line: 2,
                column: 10
            }
        );
        let fs = doc.permissions.filesystem.as_ref().unwrap();
        assert_eq!(
            strings(&fs.deny),
            [".env*", "secrets/**", "node_modules/**"]
        );
        assert_eq!(
            fs.deny[2].span,
            Span {
                line: 12,
                column: 9
            }
        );
        let cmd = doc.permissions.commands.as_ref().unwrap();
        assert_eq!(strings(&cmd.allow), ["npm test", "npm run lint"]);
        let net = doc.permissions.network.as_ref().unwrap();
        assert_eq!(strings(&net.exceptions), ["registry.npmjs.org"]);
        assert_eq!(doc.constraints.require_human_approval.len(), 3);
        assert_eq!(
            doc.constraints
                .max_files_per_action
                .as_ref()
                .unwrap()
                .limit
                .value,
            10
        );
        assert_eq!(
            doc.audit
                .as_ref()
                .unwrap()
                .retention_days
                .as_ref()
                .unwrap()
                .value,
            90
        );
    }

    #[test]
    fn a_json_policy_decodes_like_its_yaml_twin() {
        let json = r#"{"version": 1, "default": "deny",
          "permissions": {"filesystem": {"deny": [".env*"]}},
          "rules": [{"id": "r", "match": {"kind": "file.read", "path": ["a\\b"]}, "outcome": "deny"}]}"#;
        let doc = ok(json);
        assert_eq!(doc.version.as_ref().unwrap().value, "1");
        assert_eq!(doc.default.as_ref().unwrap().value, Outcome::Deny);
        assert_eq!(strings(&doc.rules[0].matcher.path), ["a\\b"]);
        assert_eq!(
            doc.rules[0].span,
            Span {
                line: 3,
                column: 21
            }
        );
    }

    #[test]
    fn versions_normalise_or_are_refused() {
        for v in ["\"1\"", "\"1.0\"", "1", "1.0", "'1'"] {
            let doc = ok(&format!("version: {v}\n"));
            assert_eq!(doc.version.as_ref().unwrap().value, "1", "{v}");
        }
        assert!(ok("default: deny\n").version.is_none());
        let (code, message, help, line, col) = one("default: deny\nversion: \"2.1\"\n");
        assert_eq!(code, ErrorCode::PolicyUnsupportedVersion);
        assert_eq!(message, "unsupported policy version '2.1'");
        assert_eq!(help, "this engine reads schema version \"1\"");
        assert_eq!((line, col), (2, 10));
        let (code, ..) = one("version: 2\n");
        assert_eq!(code, ErrorCode::PolicyUnsupportedVersion);
        let (code, ..) = one("version: [1]\n");
        assert_eq!(code, ErrorCode::PolicyBadType);
    }

    #[test]
    fn unknown_keys_suggest_the_closest_known_key() {
        let (code, message, help, line, col) = one("version: \"1\"\npermisions: {}\n");
        assert_eq!(code, ErrorCode::PolicyUnknownKey);
        assert_eq!(message, "unknown key 'permisions' in the policy");
        assert_eq!(help, "did you mean 'permissions'?");
        assert_eq!((line, col), (2, 1));

        // Depth 3.
        let (code, message, help, line, col) =
            one("permissions:\n  filesystem:\n    allow: [src/**]\n    denny: [.env]\n");
        assert_eq!(code, ErrorCode::PolicyUnknownKey);
        assert_eq!(message, "unknown key 'denny' in permissions.filesystem");
        assert_eq!(help, "did you mean 'deny'?");
        assert_eq!((line, col), (4, 5));

        // Nothing close: the known keys are listed.
        let (_, message, help, ..) = one("audit: {zzzzzz: true}\n");
        assert_eq!(message, "unknown key 'zzzzzz' in audit");
        assert_eq!(
            help,
            "expected one of: log_all_actions, retention_days, alert_on_deny"
        );

        // In a rule's match, with the rule's index.
        let (_, message, help, line, col) =
            one("rules:\n  - id: a\n    outcome: deny\n    match: {kind: file.read, pth: x}\n");
        assert_eq!(message, "unknown key 'pth' in rules[0].match");
        assert_eq!(help, "did you mean 'path'?");
        assert_eq!((line, col), (4, 30));
    }

    #[test]
    fn tools_sections_have_no_exceptions() {
        let (code, message, ..) = one("permissions:\n  tools: {allow: [x], exceptions: [y]}\n");
        assert_eq!(code, ErrorCode::PolicyUnknownKey);
        assert_eq!(message, "unknown key 'exceptions' in permissions.tools");
        let (code, message, ..) = one("agents:\n  a: {tools: {exceptions: [y]}}\n");
        assert_eq!(code, ErrorCode::PolicyUnknownKey);
        assert_eq!(message, "unknown key 'exceptions' in agents.a.tools");
    }

    #[test]
    fn unknown_outcomes_tiers_and_kinds_suggest_fixes() {
        let (code, message, help, line, col) =
            one("rules:\n  - id: r\n    match: {}\n    outcome: dney\n");
        assert_eq!(code, ErrorCode::PolicyUnknownOutcome);
        assert_eq!(message, "unknown outcome 'dney'");
        assert_eq!(help, "did you mean 'deny'?");
        assert_eq!((line, col), (4, 14));
        let (code, _, help, ..) = one("default: maybe\n");
        assert_eq!(code, ErrorCode::PolicyUnknownOutcome);
        assert_eq!(
            help,
            "expected one of: allow, redact, alert, require_approval, deny, terminate"
        );
        let (code, _, help, line, col) = one("agents:\n  bot: {tier: sandbx}\n");
        assert_eq!(code, ErrorCode::PolicyUnknownTier);
        assert_eq!(help, "did you mean 'sandbox'?");
        assert_eq!((line, col), (2, 15));
        let (code, message, help, ..) =
            one("rules: [{id: r, match: {kind: [file.read, file.wirte]}, outcome: deny}]\n");
        assert_eq!(code, ErrorCode::PolicyUnknownKind);
        assert_eq!(message, "unknown effect kind 'file.wirte'");
        assert_eq!(help, "did you mean 'file.write'?");
        let (code, ..) = one("adapters: [{tool: t, kind: shell}]\n");
        assert_eq!(code, ErrorCode::PolicyUnknownKind);
    }

    #[test]
    fn wrong_types_name_the_key_and_both_types() {
        let (code, message, help, line, col) =
            one("constraints:\n  max_files_per_action: \"10\"\n");
        assert_eq!(code, ErrorCode::PolicyBadType);
        assert_eq!(
            message,
            "'max_files_per_action' must be an integer, found a string"
        );
        assert!(help.contains("number"), "{help}");
        assert_eq!((line, col), (2, 25));
        // A list where a string was expected.
        let (code, message, help, ..) =
            one("rules: [{id: r, match: {}, outcome: deny, reason: [a, b]}]\n");
        assert_eq!(code, ErrorCode::PolicyBadType);
        assert_eq!(message, "'reason' must be a string, found a list");
        assert_eq!(help, "write a single value, not a list");
        let (_, message, help, ..) = one("audit: {log_all_actions: \"yes\"}\n");
        assert_eq!(
            message,
            "'log_all_actions' must be a boolean (true or false), found a string"
        );
        assert_eq!(help, "write true or false, without quotes");
        let (_, message, ..) = one("permissions: [filesystem]\n");
        assert_eq!(message, "'permissions' must be a mapping, found a list");
        let (_, message, ..) = one("rules: {id: r}\n");
        assert_eq!(message, "'rules' must be a list, found a mapping");
        let (_, message, ..) = one("- a\n- b\n");
        assert_eq!(
            message,
            "the policy must be a mapping of keys, found a list"
        );
        let (_, message, ..) = one("agents:\n  bot: {budget: {max_turns: 1.5}}\n");
        assert_eq!(message, "'max_turns' must be an integer, found a number");
        let (_, message, ..) = one("default: [deny]\n");
        assert!(
            message.starts_with("'default' must be one of: allow, "),
            "{message}"
        );
    }

    #[test]
    fn lists_accept_one_scalar_and_refuse_empty_or_non_string_items() {
        let doc = ok("extends: defaults/coding-agent\npermissions:\n  filesystem: {deny: .env}\n");
        assert_eq!(strings(&doc.extends), ["defaults/coding-agent"]);
        assert_eq!(
            strings(&doc.permissions.filesystem.as_ref().unwrap().deny),
            [".env"]
        );
        let (code, message, _, line, col) = one("permissions:\n  filesystem: {deny: [a, \"\"]}\n");
        assert_eq!(code, ErrorCode::PolicyBadValue);
        assert_eq!(message, "each item of 'deny' must not be empty");
        assert_eq!((line, col), (2, 26));
        let (code, message, ..) = one("permissions:\n  tools: {allow: [{a: 1}]}\n");
        assert_eq!(code, ErrorCode::PolicyBadType);
        assert_eq!(
            message,
            "each item of 'allow' must be a string, found a mapping"
        );
        let (code, message, help, ..) = one("extends: [1]\n");
        assert_eq!(code, ErrorCode::PolicyBadType);
        assert_eq!(
            message,
            "each item of 'extends' must be a string, found an integer"
        );
        assert_eq!(help, "write it in quotes if it is meant as text");
        let (code, message, ..) = one("permissions:\n  commands: {deny: {a: b}}\n");
        assert_eq!(code, ErrorCode::PolicyBadType);
        assert_eq!(message, "'deny' must be a list, found a mapping");
    }

    #[test]
    fn numbers_must_be_in_range() {
        let (code, message, _, line, col) = one("escalation: {window_ms: -5}\n");
        assert_eq!(code, ErrorCode::PolicyBadValue);
        assert_eq!(message, "'window_ms' must not be negative");
        assert_eq!((line, col), (1, 25));
        let (code, message, ..) = one("rules: [{id: r, match: {}, outcome: deny, risk: 101}]\n");
        assert_eq!(code, ErrorCode::PolicyBadValue);
        assert_eq!(message, "'risk' must be between 0 and 100");
        let (code, ..) = one("rules: [{id: r, match: {}, outcome: deny, risk: -1}]\n");
        assert_eq!(code, ErrorCode::PolicyBadValue);
        assert_eq!(
            ok("rules: [{id: r, match: {}, outcome: deny, risk: 100}]\n").rules[0]
                .risk
                .as_ref()
                .unwrap()
                .value,
            100
        );
    }

    #[test]
    fn approval_requirements_take_exactly_one_selector() {
        let (code, message, _, line, col) =
            one("constraints:\n  require_human_approval:\n    - {approver_role: lead}\n");
        assert_eq!(code, ErrorCode::PolicyMissingKey);
        assert!(message.contains("'file_pattern'"), "{message}");
        assert_eq!((line, col), (3, 7));
        let (code, _, help, line, col) =
            one("constraints:\n  require_human_approval:\n    - file_pattern: a\n      tool: b\n");
        assert_eq!(code, ErrorCode::PolicyBadValue);
        assert_eq!(help, "split it into one entry per pattern");
        assert_eq!((line, col), (4, 7));
    }

    #[test]
    fn rules_need_a_valid_id_a_match_and_an_outcome() {
        let (code, message, help, line, col) = one("rules:\n  - id: r\n    match: {}\n");
        assert_eq!(code, ErrorCode::PolicyMissingKey);
        assert_eq!(message, "the rule is missing 'outcome'");
        assert!(help.starts_with("add 'outcome:'"), "{help}");
        assert_eq!((line, col), (2, 5));
        let e = err("rules:\n  - reason: nothing\n");
        let messages: Vec<&str> = e.all().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "the rule is missing 'id'",
                "the rule is missing 'match'",
                "the rule is missing 'outcome'"
            ]
        );
        let (code, message, help, line, col) =
            one("rules: [{id: \"no prod\", match: {}, outcome: deny}]\n");
        assert_eq!(code, ErrorCode::PolicyBadValue);
        assert_eq!(message, "'id' holds a character ids may not use");
        assert_eq!(help, ID_HELP);
        assert_eq!((line, col), (1, 14));
        let (code, message, ..) = one("rules: [{id: \"\", match: {}, outcome: deny}]\n");
        assert_eq!(code, ErrorCode::PolicyBadValue);
        assert_eq!(message, "'id' must not be empty");
        // An empty `match:` matches everything.
        let doc = ok("rules:\n  - id: all\n    match:\n    outcome: alert\n");
        assert!(doc.rules[0].matcher.kind.is_empty());
        let (_, message, ..) =
            one("rules: [{id: r, match: {}, outcome: deny, examples: {match: [.env]}}]\n");
        assert_eq!(
            message,
            "'match' examples must be actions (mappings), found a string"
        );
    }

    #[test]
    fn other_entries_report_their_missing_keys() {
        let e = err(concat!(
            "rate_limits: [{id: x, max: 5}]\n",
            "plugins: [{fuel: 1}]\n",
            "adapters: [{tool: t}]\n",
            "redaction: {rules: [{id: k}]}\n",
            "constraints: {max_lines_changed: {outcome: deny}}\n",
        ));
        let got: Vec<(ErrorCode, &str, u32)> = e
            .all()
            .map(|e| {
                (
                    e.code,
                    e.message.as_str(),
                    e.location.as_ref().unwrap().line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    ErrorCode::PolicyMissingKey,
                    "the rate limit is missing 'match'",
                    1
                ),
                (
                    ErrorCode::PolicyMissingKey,
                    "the rate limit is missing 'window_ms'",
                    1
                ),
                (ErrorCode::PolicyMissingKey, "the plugin is missing 'id'", 2),
                (
                    ErrorCode::PolicyMissingKey,
                    "the plugin is missing 'path'",
                    2
                ),
                (
                    ErrorCode::PolicyMissingKey,
                    "the adapter is missing 'kind'",
                    3
                ),
                (
                    ErrorCode::PolicyMissingKey,
                    "the redaction rule is missing 'pattern'",
                    4
                ),
                (
                    ErrorCode::PolicyMissingKey,
                    "'max_lines_changed' is missing 'limit'",
                    5
                ),
            ]
        );
    }

    #[test]
    fn all_errors_are_reported_in_source_order() {
        let e = err(concat!(
            "version: \"1\"\n",
            "default: alow\n",
            "audit: {retention_days: ninety}\n",
            "permissions:\n",
            "  filesystem: {alow: [x]}\n",
            "rules:\n",
            "  - {id: a, match: {kind: file.red}, outcome: deny}\n",
            "  - {id: b, match: {}, outcome: block}\n",
        ));
        let got: Vec<(ErrorCode, u32)> = e
            .all()
            .map(|e| (e.code, e.location.as_ref().unwrap().line))
            .collect();
        assert_eq!(
            got,
            [
                (ErrorCode::PolicyUnknownOutcome, 2),
                (ErrorCode::PolicyBadType, 3),
                (ErrorCode::PolicyUnknownKey, 5),
                (ErrorCode::PolicyUnknownKind, 7),
                (ErrorCode::PolicyUnknownOutcome, 8),
            ]
        );
        assert!(e.all().all(|e| e.help.is_some()));
    }

    #[test]
    fn empty_keys_are_empty_sections() {
        let doc = ok("version: \"1\"\nrules:\npermissions:\naudit:\nagents:\n  bot:\n");
        assert!(doc.rules.is_empty());
        assert!(doc.audit.is_none());
        assert_eq!(doc.agents.len(), 1);
        assert!(doc.agents[0].tier.is_none());
    }

    #[test]
    fn anchors_and_merges_share_rule_parts() {
        let doc = ok(concat!(
            "rules:\n",
            "  - &strict {id: a, match: {kind: file.write}, outcome: deny, reason: shared}\n",
            "  - <<: *strict\n",
            "    id: b\n",
            "    match: {kind: file.delete}\n",
        ));
        assert_eq!(doc.rules.len(), 2);
        let b = &doc.rules[1];
        assert_eq!(b.id.value, "b");
        assert_eq!(b.matcher.kind[0].value, EffectKind::FileDelete);
        assert_eq!(b.outcome.value, Outcome::Deny);
        // Merged values keep the span where they are written.
        assert_eq!(
            b.reason.as_ref().unwrap().span,
            Span {
                line: 2,
                column: 71
            }
        );
    }
}
