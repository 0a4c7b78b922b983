//! Policy documents → the compiled, indexed policy evaluation uses.
//!
//! Every source of a decision becomes one [`CompiledRule`]: rules from `extends` packs, the
//! `rules` of the root and override files, and the rules the other sections imply
//! (`permissions.*`, `agents.*.tools`, tiers, `require_human_approval`). Evaluation never has
//! to know which section a rule came from, so deny-wins holds across all of them by
//! construction. Rules are bucketed by effect kind, and path / tool conditions are indexed so
//! evaluation does not scan every rule.

use std::collections::{BTreeMap, HashMap};

// The rule indexes are looked up on every effect with short, policy-chosen keys: a fast
// non-cryptographic hash is right (the keys come from the policy, not from the agent).
use rustc_hash::FxHashMap;

use crate::canonical::DecisionIdSeed;

use crate::glob_match::{Glob, GlobOptions, GlobSet};

pub use super::cond::{Cond, Facts, HostList, KindSet, ListCond};
use super::implied::{
    Merged, agent_rules, approval_rules, conflicts, permission_rules, tier_rules,
};
use super::literal_gate::LiteralGate;
use super::model::{AgentType, PolicyDoc, Rule, RuleMatch};
use super::node::{Span, Spanned};
use super::pattern::{NameSet, PathSet};
use crate::effects::adapters::CustomAdapter;
use crate::effects::command::CommandPattern;
use crate::effects::network::HostPattern;
use crate::effects::{Effect, EffectKind};
use crate::error::{Error, ErrorCode};
use crate::outcome::Outcome;
use crate::redact::Redactor;
use crate::tier::Tier;

/// The approver role of a `require_approval` rule that names none.
pub const DEFAULT_APPROVER_ROLE: &str = "maintainer";

/// One rule, whatever section it came from.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// Unique id (`defaults.secrets.env-read`, `permissions.filesystem.deny`, a user id).
    pub id: String,
    /// The outcome when it matches.
    pub outcome: Outcome,
    /// Why, for people.
    pub reason: String,
    /// 0..=100.
    pub risk: u8,
    /// For `require_approval`.
    pub approver_role: Option<String>,
    /// Whether a bypass may change this rule's outcome.
    pub bypassable: bool,
    /// The n-th match of this rule in one session terminates the session.
    pub terminate_after: Option<u64>,
    /// The conditions.
    pub cond: Cond,
}

/// A numeric constraint on a whole action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitRule {
    /// The largest allowed value.
    pub limit: u64,
    /// The outcome when exceeded.
    pub outcome: Outcome,
}

/// Rules of one effect kind, indexed.
#[derive(Debug, Clone, Default)]
struct Bucket {
    /// Rules whose tool condition is a list of literal names and that name no agent type:
    /// tool → rules.
    by_tool: FxHashMap<String, Vec<u32>>,
    /// The same for rules that also name agent types: tool → agent type → rules.
    by_tool_agent: FxHashMap<String, FxHashMap<String, Vec<u32>>>,
    /// Rules that name agent types but cannot be indexed otherwise: agent type → rules.
    by_agent: FxHashMap<String, Vec<u32>>,
    /// Rules that name tiers but cannot be indexed otherwise, per tier (the tier caps).
    by_tier: [Vec<u32>; 5],
    /// Rules with a plain path condition: one glob set over all their patterns.
    path_set: Option<GlobSet>,
    /// The literal gate in front of `path_set`.
    path_gate: LiteralGate,
    /// For each glob of `path_set`, its rule.
    path_rules: Vec<u32>,
    /// Everything else, checked one by one (also the path rules, for recursive effects).
    rest: Vec<u32>,
    /// The indexed path rules, scanned for recursive effects.
    path_rules_all: Vec<u32>,
}

/// The escalation settings (enforced by the session layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EscalationConfig {
    /// Denials in the window that raise an alert.
    pub alert_after_denials: Option<u64>,
    /// Denials in the window that terminate the session.
    pub terminate_after_denials: Option<u64>,
    /// The window.
    pub window_ms: Option<u64>,
}

/// A compiled policy: the root, its packs and its overrides, merged.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    /// The schema version.
    pub version: String,
    /// `agent_id`.
    pub agent_id: Option<String>,
    /// `default`.
    pub default: Outcome,
    /// All rules, sorted by id.
    pub rules: Vec<CompiledRule>,
    /// `agents.<type>.tier`.
    pub tiers: BTreeMap<String, Tier>,
    /// The decoded agent types (budgets are enforced by the session layer).
    pub agents: Vec<AgentType>,
    /// `constraints.max_files_per_action`.
    pub max_files: Option<LimitRule>,
    /// `constraints.max_lines_changed`.
    pub max_lines: Option<LimitRule>,
    /// `escalation`.
    pub escalation: EscalationConfig,
    /// The policy's own tool adapters.
    pub adapters: Vec<CustomAdapter>,
    /// The secret detectors.
    pub redactor: Redactor,
    /// Budgets and rate limits, enforced by the session layer.
    pub session: crate::session::SessionConfig,
    /// `permissions.network.exceptions`, merged: the hosts the policy knows.
    pub known_hosts: HostList,
    /// The documents as decoded (root first, then overrides), for sections later layers read.
    pub docs: Vec<PolicyDoc>,
    /// The decoded built-in packs the documents extend, in `extends` order.
    pub pack_docs: Vec<PolicyDoc>,
    /// `sha256:` + hex of the canonical compiled policy.
    pub hash: String,
    /// Where the decision ids of this policy start from (derived from `hash`).
    pub id_seed: DecisionIdSeed,
    /// Sample paths of the path patterns of restrictive rules, per effect kind (by
    /// [`EffectKind::index`]), for what a shell glob may expand to.
    pub glob_witnesses: Vec<Vec<(String, String)>>,
    buckets: Vec<Bucket>,
}

/// The sample paths of the path patterns of rules more restrictive than `allow`, per effect
/// kind, deduplicated: a glob only needs checking against what some rule would stop.
fn glob_witnesses(rules: &[CompiledRule]) -> Vec<Vec<(String, String)>> {
    EffectKind::ALL
        .iter()
        .map(|&kind| {
            let mut out: Vec<(String, String)> = rules
                .iter()
                .filter(|r| r.outcome > Outcome::Allow && r.cond.kinds.contains(kind))
                .filter_map(|r| match r.cond.path.as_ref() {
                    Some(ListCond::In(set)) => Some(set.witnesses()),
                    _ => None,
                })
                .flatten()
                .collect();
            out.sort_unstable();
            out.dedup();
            out
        })
        .collect()
}

/// Id prefixes of the rules the engine derives from policy sections; user rules may not use them.
const RESERVED_PREFIXES: &[&str] = &[
    "permissions.",
    "agents.",
    "tiers.",
    "constraints.",
    "builtin.",
];

/// The versions this engine reads.
const SUPPORTED_VERSION: &str = "1";

pub(super) fn at(origin: &str, span: Span, err: Error) -> Error {
    err.at(origin, span.line, span.column)
}

fn strings(list: &[Spanned<String>]) -> Vec<String> {
    list.iter().map(|s| s.value.clone()).collect()
}

/// Collects compile errors so that all of them are reported together.
pub(super) struct Sink {
    pub(super) errors: Vec<Error>,
}

impl Sink {
    pub(super) fn take<T>(&mut self, r: Result<T, Error>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }
}

pub(super) fn command_patterns(
    origin: &str,
    list: &[Spanned<String>],
) -> Result<Vec<CommandPattern>, Error> {
    list.iter()
        .map(|p| {
            CommandPattern::parse(&p.value).map_err(|msg| {
                at(
                    origin,
                    p.span,
                    Error::new(
                        ErrorCode::PolicyBadPattern,
                        format!("bad command pattern '{}': {msg}", p.value),
                    )
                    .with_help("a command pattern is a program and words: `rm -rf`, `git push --force`, `curl *`"),
                )
            })
        })
        .collect()
}

pub(super) fn host_patterns(origin: &str, list: &[Spanned<String>]) -> Result<HostList, Error> {
    let mut out = HostList::default();
    for p in list {
        let (negated, text) = match p.value.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, p.value.as_str()),
        };
        let pattern = HostPattern::parse(text).map_err(|msg| {
                at(
                    origin,
                    p.span,
                    Error::new(
                        ErrorCode::PolicyBadGlob,
                        format!("bad host pattern '{}': {msg}", p.value),
                    )
                    .with_help("a host pattern is a name (api.example.com), a wildcard (*.example.com), an IP address or a CIDR (10.0.0.0/8)"),
                )
        })?;
        if negated {
            out.exclude.push((0, pattern));
        } else {
            out.include.push((0, pattern));
        }
    }
    Ok(out)
}

/// Joins host lists of several files, each its own group.
pub(super) fn concat_hosts(lists: Vec<HostList>) -> HostList {
    let mut out = HostList::default();
    for (group, l) in (0u32..).zip(lists) {
        out.include
            .extend(l.include.into_iter().map(|(_, p)| (group, p)));
        out.exclude
            .extend(l.exclude.into_iter().map(|(_, p)| (group, p)));
    }
    out
}

/// Compiles a rule's `match` into conditions. `allow_mode` selects the allow semantics of
/// command patterns (exact program path).
fn compile_match(origin: &str, m: &RuleMatch, allow_mode: bool) -> Result<Cond, Error> {
    let kinds: Vec<EffectKind> = m.kind.iter().map(|k| k.value).collect();
    Ok(Cond {
        kinds: KindSet::of(&kinds),
        path: if m.path.is_empty() {
            None
        } else {
            Some(ListCond::In(PathSet::compile(origin, &m.path)?))
        },
        command: if m.command.is_empty() {
            None
        } else {
            Some((
                ListCond::In(command_patterns(origin, &m.command)?.into()),
                allow_mode,
            ))
        },
        host: if m.host.is_empty() {
            None
        } else {
            Some(ListCond::In(host_patterns(origin, &m.host)?))
        },
        tool: if m.tool.is_empty() {
            None
        } else {
            Some(ListCond::In(NameSet::compile(origin, &m.tool)?))
        },
        method: m
            .method
            .iter()
            .map(|s| s.value.to_ascii_uppercase())
            .collect(),
        agent_type: strings(&m.agent_type),
        tier: m.tier.iter().map(|t| t.value).collect(),
        environment: strings(&m.environment),
        data_classification: strings(&m.data_classification),
        risk_signals: strings(&m.risk_signals),
        branch: if m.branch.is_empty() {
            None
        } else {
            Some(NameSet::compile(origin, &m.branch)?)
        },
        upload: m.upload.as_ref().map(|s| s.value),
        outside_workspace: m.outside_workspace.as_ref().map(|s| s.value),
        recursive: m.recursive.as_ref().map(|s| s.value),
        metadata_endpoint: m.metadata_endpoint.as_ref().map(|s| s.value),
        opaque: m.opaque.as_ref().map(|s| s.value),
        known_host: m.known_host.as_ref().map(|s| s.value),
        secret: m.secret.as_ref().map(|s| s.value),
    })
}

fn user_rule(origin: &str, rule: &Rule) -> Result<CompiledRule, Error> {
    let outcome = rule.outcome.value;
    let cond = compile_match(origin, &rule.matcher, outcome == Outcome::Allow)?;
    Ok(CompiledRule {
        id: rule.id.value.clone(),
        outcome,
        reason: rule
            .reason
            .as_ref()
            .map_or_else(|| format!("rule {}", rule.id.value), |r| r.value.clone()),
        risk: rule
            .risk
            .as_ref()
            .map_or_else(|| outcome.default_risk(), |r| r.value),
        approver_role: role_for(outcome, rule.approver_role.as_ref()),
        bypassable: rule.bypassable.as_ref().is_none_or(|b| b.value),
        terminate_after: rule.terminate_after.as_ref().map(|n| n.value),
        cond,
    })
}

pub(super) fn role_for(outcome: Outcome, role: Option<&Spanned<String>>) -> Option<String> {
    match (outcome, role) {
        (_, Some(r)) => Some(r.value.clone()),
        (Outcome::RequireApproval, None) => Some(DEFAULT_APPROVER_ROLE.to_owned()),
        _ => None,
    }
}

/// A rule the policy sections imply.
pub(super) fn implied(
    id: impl Into<String>,
    outcome: Outcome,
    reason: impl Into<String>,
    cond: Cond,
) -> CompiledRule {
    CompiledRule {
        id: id.into(),
        outcome,
        reason: reason.into(),
        risk: outcome.default_risk(),
        approver_role: role_for(outcome, None),
        bypassable: true,
        terminate_after: None,
        cond,
    }
}

/// Compiles the `match` of a rate limit (deny semantics for command patterns).
pub(crate) fn compile_rate_limit_match(origin: &str, m: &RuleMatch) -> Result<Cond, Error> {
    compile_match(origin, m, false)
}

impl CompiledPolicy {
    /// Compiles a root document, the packs it extends and its overrides.
    /// `packs` resolves a pack name to its decoded document.
    pub fn compile(
        root: PolicyDoc,
        overrides: Vec<PolicyDoc>,
        packs: &dyn Fn(&str) -> Option<PolicyDoc>,
    ) -> Result<CompiledPolicy, Error> {
        let mut sink = Sink { errors: Vec::new() };
        let version = match &root.version {
            Some(v) if v.value == SUPPORTED_VERSION => v.value.clone(),
            Some(v) => {
                sink.errors.push(at(
                    &root.origin,
                    v.span,
                    Error::new(
                        ErrorCode::PolicyUnsupportedVersion,
                        format!("unsupported policy version '{}'", v.value),
                    )
                    .with_help("this engine reads schema version \"1\""),
                ));
                SUPPORTED_VERSION.to_owned()
            }
            None => {
                sink.errors.push(
                    Error::new(ErrorCode::PolicyMissingKey, "the policy has no 'version'")
                        .with_help("add `version: \"1\"` at the top of the file")
                        .at(&root.origin, 1, 1),
                );
                SUPPORTED_VERSION.to_owned()
            }
        };
        if let Some(d) = &root.default
            && d.value == Outcome::Terminate
        {
            // A terminate default would make every unmatched effect end the session, and
            // adding a deny rule would then loosen decisions: deny is the strictest default.
            sink.errors.push(at(
                &root.origin,
                d.span,
                Error::new(ErrorCode::PolicyBadValue, "'default' cannot be terminate")
                    .with_help("use `default: deny`; terminate is for rules and escalation"),
            ));
        }
        for doc in &overrides {
            if let Some(d) = &doc.default {
                sink.errors.push(at(
                    &doc.origin,
                    d.span,
                    Error::new(
                        ErrorCode::PolicyBadValue,
                        "an override cannot change 'default'",
                    )
                    .with_help("set 'default' in the root policy"),
                ));
            }
        }
        // Packs, in extends order, each once.
        let mut pack_docs: Vec<PolicyDoc> = Vec::new();
        for doc in std::iter::once(&root).chain(overrides.iter()) {
            for name in &doc.extends {
                if pack_docs.iter().any(|p| p.origin == name.value) {
                    continue;
                }
                match packs(&name.value) {
                    Some(p) => pack_docs.push(p),
                    None => {
                        let known = crate::packs::NAMES;
                        let help = crate::error::did_you_mean(&name.value, known).map_or_else(
                            || format!("built-in packs: {}", known.join(", ")),
                            |s| format!("did you mean '{s}'?"),
                        );
                        sink.errors.push(at(
                            &doc.origin,
                            name.span,
                            Error::new(
                                ErrorCode::PolicyUnknownPack,
                                format!("unknown rule pack '{}'", name.value),
                            )
                            .with_help(help),
                        ));
                    }
                }
            }
        }
        let all_docs: Vec<&PolicyDoc> = pack_docs
            .iter()
            .chain(std::iter::once(&root))
            .chain(overrides.iter())
            .collect();

        let mut rules: Vec<CompiledRule> = Vec::new();
        let mut rule_spans: HashMap<String, (String, Span)> = HashMap::new();
        for doc in &all_docs {
            for rule in &doc.rules {
                if let Some((o, first)) = rule_spans.get(&rule.id.value) {
                    sink.errors.push(at(
                        &doc.origin,
                        rule.id.span,
                        Error::new(
                            ErrorCode::PolicyDuplicateRuleId,
                            format!("rule id '{}' is used twice", rule.id.value),
                        )
                        .with_help(format!(
                            "the first is at {o}:{}:{}; rule ids must be unique",
                            first.line, first.column
                        )),
                    ));
                    continue;
                }
                rule_spans.insert(rule.id.value.clone(), (doc.origin.clone(), rule.id.span));
                if let Some(prefix) = RESERVED_PREFIXES
                    .iter()
                    .find(|p| rule.id.value.starts_with(*p))
                    .or((rule.id.value == "default").then_some(&"default"))
                {
                    sink.errors.push(at(
                        &doc.origin,
                        rule.id.span,
                        Error::new(
                            ErrorCode::PolicyBadValue,
                            format!("rule id '{}' uses the reserved prefix '{prefix}'", rule.id.value),
                        )
                        .with_help("ids starting with permissions., agents., tiers., constraints., builtin. or default name the rules the engine derives; choose another id"),
                    ));
                    continue;
                }
                if let Some(r) = sink.take(user_rule(&doc.origin, rule)) {
                    rules.push(r);
                }
            }
        }
        let mut merged = Merged::default();
        for doc in &all_docs {
            merged.add(doc, std::ptr::eq(*doc, &root));
        }
        let known_hosts = permission_rules(&mut sink, &merged, &mut rules);
        agent_rules(&mut sink, &all_docs, &mut rules);
        for doc in &all_docs {
            approval_rules(
                &mut sink,
                doc,
                std::ptr::eq(*doc, &root),
                &doc.constraints.require_human_approval,
                &mut rules,
            );
        }
        tier_rules(&mut sink, &mut rules);
        conflicts(&mut sink, &root, &overrides);

        // Per agent type: the lowest tier any document gives it.
        let mut tiers: BTreeMap<String, Tier> = BTreeMap::new();
        let mut agents = Vec::new();
        for doc in &all_docs {
            for a in &doc.agents {
                if let Some(t) = &a.tier {
                    let e = tiers.entry(a.name.value.clone()).or_insert(t.value);
                    *e = (*e).min(t.value);
                }
                agents.push(a.clone());
            }
        }
        // Constraints: the strictest limit wins.
        let limit = |get: &dyn Fn(&PolicyDoc) -> Option<&super::model::Limit>| {
            all_docs
                .iter()
                .filter_map(|d| get(d))
                .map(|l| LimitRule {
                    limit: l.limit.value,
                    outcome: l.outcome.as_ref().map_or(Outcome::Deny, |o| o.value),
                })
                .reduce(|a, b| LimitRule {
                    limit: a.limit.min(b.limit),
                    outcome: a.outcome.max(b.outcome),
                })
        };
        let max_files = limit(&|d| d.constraints.max_files_per_action.as_ref());
        let max_lines = limit(&|d| d.constraints.max_lines_changed.as_ref());
        let mut escalation = EscalationConfig::default();
        for doc in &all_docs {
            if let Some(e) = &doc.escalation {
                let min = |a: Option<u64>, b: Option<&Spanned<u64>>| match (a, b.map(|s| s.value)) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, None) => x,
                    (None, y) => y,
                };
                escalation.alert_after_denials = min(
                    escalation.alert_after_denials,
                    e.alert_after_denials.as_ref(),
                );
                escalation.terminate_after_denials = min(
                    escalation.terminate_after_denials,
                    e.terminate_after_denials.as_ref(),
                );
                // A longer window counts more denials: the stricter choice.
                escalation.window_ms = match (escalation.window_ms, e.window_ms.as_ref()) {
                    (Some(x), Some(y)) => Some(x.max(y.value)),
                    (x, None) => x,
                    (None, y) => y.map(|s| s.value),
                };
            }
        }
        let session = match crate::session::SessionConfig::compile(&all_docs) {
            Ok(s) => s,
            Err(errors) => {
                sink.errors.extend(errors);
                crate::session::SessionConfig::default()
            }
        };
        let mut adapters = Vec::new();
        for doc in &all_docs {
            for a in &doc.adapters {
                if let Some(c) = sink.take(CustomAdapter::compile(a, &doc.origin)) {
                    adapters.push(c);
                }
            }
        }
        let builtin_redaction = all_docs.iter().all(|d| {
            d.redaction
                .as_ref()
                .and_then(|r| r.builtin.as_ref())
                .is_none_or(|b| b.value)
        });
        let mut redactor = Redactor::default();
        let mut redaction_rules = Vec::new();
        for doc in &all_docs {
            if let Some(r) = &doc.redaction {
                for rule in &r.rules {
                    redaction_rules.push((doc.origin.clone(), rule.clone()));
                }
            }
        }
        let mut redaction_ok = true;
        for (origin, rule) in &redaction_rules {
            if sink
                .take(Redactor::new(true, std::slice::from_ref(rule), origin))
                .is_none()
            {
                redaction_ok = false;
            }
        }
        if redaction_ok {
            let rules_only: Vec<_> = redaction_rules.into_iter().map(|(_, r)| r).collect();
            if let Some(r) = sink.take(Redactor::new(builtin_redaction, &rules_only, &root.origin))
            {
                redactor = r;
            }
        }

        if let Some(err) = Error::from_list(std::mem::take(&mut sink.errors)) {
            return Err(err);
        }
        rules.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        // INVARIANT: rule ids are unique: user ids are checked above and may not use the
        // reserved prefixes of implied rules; implied ids are built unique per section.
        if let Some(w) = rules
            .windows(2)
            .find(|w| w.first().map(|r| &r.id) == w.get(1).map(|r| &r.id))
        {
            let id = w.first().map(|r| r.id.clone()).unwrap_or_default();
            return Err(Error::new(
                ErrorCode::Internal,
                format!("two compiled rules share the id '{id}'"),
            ));
        }

        let default = root.default.as_ref().map_or(Outcome::Allow, |d| d.value);
        let mut compiled = CompiledPolicy {
            version,
            agent_id: root.agent_id.as_ref().map(|a| a.value.clone()),
            default,
            buckets: Vec::new(),
            rules,
            tiers,
            agents,
            max_files,
            max_lines,
            escalation,
            adapters,
            redactor,
            session,
            known_hosts,
            docs: std::iter::once(root).chain(overrides).collect(),
            pack_docs,
            hash: String::new(),
            id_seed: DecisionIdSeed::new(""),
            glob_witnesses: Vec::new(),
        };
        compiled.buckets = build_buckets(&compiled.rules);
        compiled.glob_witnesses = glob_witnesses(&compiled.rules);
        compiled.hash = crate::canonical::sha256_prefixed(&crate::canonical::to_canonical_string(
            &compiled.canonical(),
        ));
        compiled.id_seed = DecisionIdSeed::new(&compiled.hash);
        Ok(compiled)
    }

    /// A policy that denies everything: what the engine falls back to rather than fail open.
    pub fn deny_all() -> CompiledPolicy {
        let mut p = CompiledPolicy {
            version: SUPPORTED_VERSION.to_owned(),
            agent_id: None,
            default: Outcome::Deny,
            rules: Vec::new(),
            tiers: BTreeMap::new(),
            agents: Vec::new(),
            max_files: None,
            max_lines: None,
            escalation: EscalationConfig::default(),
            adapters: Vec::new(),
            redactor: Redactor::default(),
            session: crate::session::SessionConfig::default(),
            known_hosts: HostList::default(),
            docs: Vec::new(),
            pack_docs: Vec::new(),
            hash: String::new(),
            id_seed: DecisionIdSeed::new(""),
            glob_witnesses: Vec::new(),
            buckets: build_buckets(&[]),
        };
        p.hash = crate::canonical::sha256_prefixed(&crate::canonical::to_canonical_string(
            &p.canonical(),
        ));
        p.id_seed = DecisionIdSeed::new(&p.hash);
        p
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&CompiledRule> {
        self.rules
            .binary_search_by(|r| r.id.as_str().cmp(id))
            .ok()
            .and_then(|i| self.rules.get(i))
    }

    /// Calls `visit` with the index of each rule that may match `effect` (given the action's
    /// tool, agent type and tier): every such rule once, in no particular order. Candidates
    /// still have to pass [`Cond::check`].
    pub fn for_each_candidate(
        &self,
        effect: &Effect,
        tool: Option<&str>,
        agent_type: Option<&str>,
        tier: Option<Tier>,
        mut visit: impl FnMut(u32),
    ) {
        let Some(bucket) = self.buckets.get(effect.kind.index()) else {
            return;
        };
        // INVARIANT: the index puts each rule of a bucket in exactly one of `rest`, `by_tool`,
        // `by_tool_agent`, `by_agent`, `by_tier` or the path index, and an effect looks up one
        // tool, one agent type and one tier; so only the path index can name a rule twice.
        let mut lists: [&[u32]; 5] = [&bucket.rest, &[], &[], &[], &[]];
        if let Some(tool) = effect.tool.as_deref().or(tool) {
            if let Some(list) = bucket.by_tool.get(tool) {
                lists[1] = list;
            }
            if let Some(agent) = agent_type
                && let Some(list) = bucket.by_tool_agent.get(tool).and_then(|m| m.get(agent))
            {
                lists[2] = list;
            }
        }
        if let Some(agent) = agent_type
            && let Some(list) = bucket.by_agent.get(agent)
        {
            lists[3] = list;
        }
        if let Some(list) = tier.and_then(|t| bucket.by_tier.get(t as usize)) {
            lists[4] = list;
        }
        for list in lists {
            for &r in list {
                visit(r);
            }
        }
        if let Some(path) = &effect.path {
            if effect.recursive {
                for &r in &bucket.path_rules_all {
                    visit(r);
                }
            } else if let Some(set) = &bucket.path_set
                && bucket.path_gate.may_match(path)
            {
                let mut rules: Vec<u32> = set
                    .matches(path)
                    .into_iter()
                    .filter_map(|g| bucket.path_rules.get(g).copied())
                    .collect();
                rules.sort_unstable();
                rules.dedup();
                for r in rules {
                    visit(r);
                }
            }
        }
    }

    /// The canonical description of the compiled policy: what its hash covers. Rule order,
    /// list order and file order do not change it.
    pub fn canonical(&self) -> serde_json::Value {
        use serde_json::json;
        let rules: Vec<serde_json::Value> = self
            .rules
            .iter()
            .map(|r| {
                json!({
                    "id": r.id, "outcome": r.outcome, "reason": r.reason, "risk": r.risk,
                    "approver_role": r.approver_role, "bypassable": r.bypassable,
                    "terminate_after": r.terminate_after,
                    "match": r.cond.canonical(),
                })
            })
            .collect();
        let limit =
            |l: &Option<LimitRule>| l.map(|l| json!({"limit": l.limit, "outcome": l.outcome}));
        json!({
            "version": self.version,
            "agent_id": self.agent_id,
            "default": self.default,
            "rules": rules,
            "tiers": self.tiers,
            "max_files_per_action": limit(&self.max_files),
            "max_lines_changed": limit(&self.max_lines),
            "escalation": {
                "alert_after_denials": self.escalation.alert_after_denials,
                "terminate_after_denials": self.escalation.terminate_after_denials,
                "window_ms": self.escalation.window_ms,
            },
            "adapters": self.adapters.len(),
            "known_hosts": self.known_hosts.texts(),
            "redaction": self.redactor.canonical(),
            "session": self.session.canonical(),
        })
    }
}

/// Whether a glob text has no glob metacharacters.
fn is_literal(text: &str) -> bool {
    !text.contains(['*', '?', '[', '{', '\\', '!'])
}

fn build_buckets(rules: &[CompiledRule]) -> Vec<Bucket> {
    let mut buckets: Vec<Bucket> = EffectKind::ALL.iter().map(|_| Bucket::default()).collect();
    let mut path_builders: Vec<Vec<Glob>> = EffectKind::ALL.iter().map(|_| Vec::new()).collect();
    for (i, rule) in rules.iter().enumerate() {
        let Ok(idx) = u32::try_from(i) else { break };
        for kind in EffectKind::ALL {
            if !rule.cond.kinds.contains(kind) {
                continue;
            }
            let (Some(bucket), Some(builder)) = (
                buckets.get_mut(kind.index()),
                path_builders.get_mut(kind.index()),
            ) else {
                continue;
            };
            match (&rule.cond.tool, &rule.cond.path) {
                (Some(ListCond::In(set)), _) if set.texts().iter().all(|t| is_literal(t)) => {
                    // INVARIANT: a rule naming agent types only matches effects of those
                    // types, so indexing it under each (tool, type) loses no match.
                    for t in set.texts() {
                        if rule.cond.agent_type.is_empty() {
                            bucket.by_tool.entry(t).or_default().push(idx);
                        } else {
                            let by_agent = bucket.by_tool_agent.entry(t).or_default();
                            for a in &rule.cond.agent_type {
                                by_agent.entry(a.clone()).or_default().push(idx);
                            }
                        }
                    }
                }
                (_, Some(ListCond::In(set))) if set.index_texts().is_some() => {
                    // INVARIANT: `index_texts` is `Some` only when a path matches the list
                    // solely through one of its included patterns, so a rule whose included
                    // patterns all miss cannot match; its exclusions are checked by `Cond`.
                    for t in set.index_texts().unwrap_or_default() {
                        let glob = super::pattern::glob_text_for_index(t);
                        let options = GlobOptions {
                            literal_separator: true,
                            empty_alternates: true,
                        };
                        if let Ok(g) = Glob::new(&glob, options) {
                            builder.push(g);
                            bucket.path_rules.push(idx);
                        }
                    }
                    bucket.path_rules_all.push(idx);
                }
                _ if !rule.cond.agent_type.is_empty() => {
                    for a in &rule.cond.agent_type {
                        bucket.by_agent.entry(a.clone()).or_default().push(idx);
                    }
                }
                // INVARIANT: a rule naming tiers only matches when the effective tier is one
                // of them, so indexing it under each of its tiers loses no match.
                _ if !rule.cond.tier.is_empty() => {
                    for t in &rule.cond.tier {
                        if let Some(list) = bucket.by_tier.get_mut(*t as usize) {
                            list.push(idx);
                        }
                    }
                }
                _ => bucket.rest.push(idx),
            }
        }
    }
    for (bucket, builder) in buckets.iter_mut().zip(path_builders) {
        if !bucket.path_rules.is_empty() {
            bucket.path_gate = LiteralGate::new(&builder);
            bucket.path_set = Some(GlobSet::new(builder));
        }
    }
    buckets
}
