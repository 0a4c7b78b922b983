//! The conditions of a compiled rule and how they are checked against one effect.

use super::pattern::{NameSet, PathSet};
use crate::effects::command::{CommandPattern, CommandSet};
use crate::effects::network::HostPattern;
use crate::effects::{Effect, EffectKind};
use crate::tier::Tier;

/// A set of effect kinds as a bit mask; empty means every kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindSet(u16);

impl KindSet {
    /// The set of the given kinds.
    pub fn of(kinds: &[EffectKind]) -> KindSet {
        KindSet(kinds.iter().fold(0, |m, k| m | (1 << k.index())))
    }

    /// Whether `kind` is in the set (an empty set holds every kind).
    pub fn contains(self, kind: EffectKind) -> bool {
        self.0 == 0 || self.0 & (1 << kind.index()) != 0
    }

    fn names(self) -> Vec<&'static str> {
        EffectKind::ALL
            .iter()
            .filter(|k| self.0 & (1 << k.index()) != 0)
            .map(|k| k.as_str())
            .collect()
    }
}

pub(super) const FILE_KINDS: [EffectKind; 3] = [
    EffectKind::FileRead,
    EffectKind::FileWrite,
    EffectKind::FileDelete,
];

/// How a list condition matches.
#[derive(Debug, Clone)]
pub enum ListCond<T> {
    /// Matches when the value is in the list; reports the pattern.
    In(T),
    /// Matches when the value is not in the list (`unlisted`); an effect without the value
    /// does not match.
    NotIn(T),
}

/// The conditions of a rule. Every present condition must hold.
#[derive(Debug, Clone, Default)]
pub struct Cond {
    /// Effect kinds.
    pub kinds: KindSet,
    /// Path globs.
    pub path: Option<ListCond<PathSet>>,
    /// Command patterns, and whether they use allow semantics (exact program path).
    pub command: Option<(ListCond<CommandSet>, bool)>,
    /// Host patterns.
    pub host: Option<ListCond<HostList>>,
    /// Tool-name globs.
    pub tool: Option<ListCond<NameSet>>,
    /// HTTP methods, uppercased.
    pub method: Vec<String>,
    /// Agent types.
    pub agent_type: Vec<String>,
    /// Effective tiers.
    pub tier: Vec<Tier>,
    /// Environments.
    pub environment: Vec<String>,
    /// Data classifications.
    pub data_classification: Vec<String>,
    /// Risk signals (any of).
    pub risk_signals: Vec<String>,
    /// Branch globs.
    pub branch: Option<NameSet>,
    /// Upload flag.
    pub upload: Option<bool>,
    /// Outside-workspace flag.
    pub outside_workspace: Option<bool>,
    /// Recursive flag.
    pub recursive: Option<bool>,
    /// Metadata-endpoint flag.
    pub metadata_endpoint: Option<bool>,
    /// Opaque flag.
    pub opaque: Option<bool>,
    /// Whether the host is one of the policy's network exceptions.
    pub known_host: Option<bool>,
    /// Whether the action carries a secret.
    pub secret: Option<bool>,
}

/// What an action says about who acts and where, shared by all its effects.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts<'a> {
    /// `agent.type`.
    pub agent_type: Option<&'a str>,
    /// The effective tier: the lower of the policy's tier for the type and the action's claim.
    pub tier: Option<Tier>,
    /// `context.environment`.
    pub environment: Option<&'a str>,
    /// `context.data_classification`.
    pub data_classification: Option<&'a str>,
    /// `context.risk_signals`.
    pub risk_signals: &'a [String],
    /// `context.branch`.
    pub branch: Option<&'a str>,
    /// The action's `tool`: effects derived from a tool call are performed by that tool.
    pub tool: Option<&'a str>,
    /// The policy's `permissions.network.exceptions`: the hosts it knows.
    pub known_hosts: Option<&'a HostList>,
    /// Whether the redaction detectors found a secret in the action.
    pub has_secret: bool,
}

fn flag_holds(want: Option<bool>, have: bool) -> bool {
    want.is_none_or(|w| w == have)
}

fn in_list(list: &[String], value: Option<&str>) -> bool {
    list.is_empty() || value.is_some_and(|v| list.iter().any(|x| x == v))
}

impl Cond {
    /// Checks the conditions against one effect. `Some(pattern)` when they hold, with the
    /// pattern that matched when a pattern condition is present.
    pub fn check<'p>(&'p self, effect: &Effect, facts: &Facts<'_>) -> Option<Option<&'p str>> {
        if !self.kinds.contains(effect.kind)
            || !flag_holds(self.upload, effect.upload)
            || !flag_holds(self.outside_workspace, effect.outside_workspace)
            || !flag_holds(self.recursive, effect.recursive)
            || !flag_holds(self.metadata_endpoint, effect.metadata_endpoint)
            || !flag_holds(self.opaque, effect.opaque)
            || !flag_holds(self.secret, facts.has_secret)
            || !self.known_host.is_none_or(|want| {
                effect
                    .host
                    .as_deref()
                    .is_some_and(|h| want == facts.known_hosts.is_some_and(|k| k.find(h).is_some()))
            })
            || !in_list(&self.agent_type, facts.agent_type)
            || !in_list(&self.environment, facts.environment)
            || !in_list(&self.data_classification, facts.data_classification)
        {
            return None;
        }
        if !self.tier.is_empty() && !facts.tier.is_some_and(|t| self.tier.contains(&t)) {
            return None;
        }
        if !self.risk_signals.is_empty()
            && !facts
                .risk_signals
                .iter()
                .any(|s| self.risk_signals.contains(s))
        {
            return None;
        }
        if !self.method.is_empty()
            && !effect
                .method
                .as_deref()
                .is_some_and(|m| self.method.iter().any(|x| x == m))
        {
            return None;
        }
        if let Some(branch) = &self.branch {
            facts.branch.and_then(|b| branch.find(b))?;
        }
        let mut pattern: Option<&'p str> = None;
        let mut note = |p: Option<&'p str>| {
            if pattern.is_none() {
                pattern = p;
            }
        };
        if let Some(cond) = &self.path {
            let path = effect.path.as_deref()?;
            match cond {
                ListCond::In(set) => note(Some(set.find(path, effect.recursive)?)),
                ListCond::NotIn(set) => {
                    if set.find(path, false).is_some() {
                        return None;
                    }
                    note(None);
                }
            }
        }
        if let Some((cond, allow_mode)) = &self.command {
            effect.program.as_ref()?;
            let allow_mode = *allow_mode;
            let hit = |patterns: &'p CommandSet| -> Option<&'p CommandPattern> {
                patterns.find(effect, allow_mode)
            };
            match cond {
                ListCond::In(list) => note(Some(hit(list)?.as_str())),
                ListCond::NotIn(list) => {
                    if hit(list).is_some() {
                        return None;
                    }
                    note(None);
                }
            }
        }
        if let Some(cond) = &self.host {
            let host = effect.host.as_deref()?;
            match cond {
                ListCond::In(list) => note(Some(list.find(host)?)),
                ListCond::NotIn(list) => {
                    if list.find(host).is_some() {
                        return None;
                    }
                    note(None);
                }
            }
        }
        if let Some(cond) = &self.tool {
            let tool = effect.tool.as_deref().or(facts.tool)?;
            match cond {
                ListCond::In(set) => note(Some(set.find(tool)?)),
                ListCond::NotIn(set) => {
                    if set.find(tool).is_some() {
                        return None;
                    }
                    note(None);
                }
            }
        }
        Some(pattern)
    }

    /// The canonical description of the conditions, for the policy hash.
    pub(crate) fn canonical(&self) -> serde_json::Value {
        use serde_json::{Value, json};
        let mut m = serde_json::Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_owned(), v);
        };
        if self.kinds != KindSet::default() {
            put("kind", json!(self.kinds.names()));
        }
        let list = |c: &ListCond<Vec<String>>| match c {
            ListCond::In(v) => json!({"in": v}),
            ListCond::NotIn(v) => json!({"not_in": v}),
        };
        let sorted = |mut v: Vec<String>| {
            v.sort_unstable();
            v
        };
        if let Some(c) = &self.path {
            put(
                "path",
                list(&match c {
                    ListCond::In(s) => ListCond::In(s.texts()),
                    ListCond::NotIn(s) => ListCond::NotIn(s.texts()),
                }),
            );
        }
        if let Some((c, allow)) = &self.command {
            let texts = |v: &CommandSet| {
                sorted(v.patterns().iter().map(|p| p.as_str().to_owned()).collect())
            };
            put(
                if *allow { "command_allow" } else { "command" },
                list(&match c {
                    ListCond::In(v) => ListCond::In(texts(v)),
                    ListCond::NotIn(v) => ListCond::NotIn(texts(v)),
                }),
            );
        }
        if let Some(c) = &self.host {
            put(
                "host",
                list(&match c {
                    ListCond::In(v) => ListCond::In(v.texts()),
                    ListCond::NotIn(v) => ListCond::NotIn(v.texts()),
                }),
            );
        }
        if let Some(c) = &self.tool {
            put(
                "tool",
                list(&match c {
                    ListCond::In(s) => ListCond::In(s.texts()),
                    ListCond::NotIn(s) => ListCond::NotIn(s.texts()),
                }),
            );
        }
        for (k, v) in [
            ("method", &self.method),
            ("agent_type", &self.agent_type),
            ("environment", &self.environment),
            ("data_classification", &self.data_classification),
            ("risk_signals", &self.risk_signals),
        ] {
            if !v.is_empty() {
                put(k, json!(sorted(v.clone())));
            }
        }
        if !self.tier.is_empty() {
            let mut t = self.tier.clone();
            t.sort_unstable();
            put("tier", json!(t));
        }
        if let Some(b) = &self.branch {
            put("branch", json!(b.texts()));
        }
        for (k, v) in [
            ("upload", self.upload),
            ("outside_workspace", self.outside_workspace),
            ("recursive", self.recursive),
            ("metadata_endpoint", self.metadata_endpoint),
            ("opaque", self.opaque),
            ("known_host", self.known_host),
            ("secret", self.secret),
        ] {
            if let Some(v) = v {
                put(k, json!(v));
            }
        }
        Value::Object(m)
    }
}

/// A list of host patterns with `!` exclusions.
#[derive(Debug, Clone, Default)]
pub struct HostList {
    /// Included patterns with their group (the file they came from).
    pub(super) include: Vec<(u32, HostPattern)>,
    /// `!` patterns: they only exclude within their own group.
    pub(super) exclude: Vec<(u32, HostPattern)>,
}

impl HostList {
    /// The smallest included pattern matching `host` whose group has no matching exclusion
    /// (`*` for a group of exclusions only).
    pub fn find(&self, host: &str) -> Option<&str> {
        let excluded: Vec<u32> = self
            .exclude
            .iter()
            .filter(|(_, p)| p.matches(host))
            .map(|(g, _)| *g)
            .collect();
        let found = self
            .include
            .iter()
            .filter(|(g, p)| !excluded.contains(g) && p.matches(host))
            .map(|(_, p)| p.as_str())
            .min();
        if found.is_some() {
            return found;
        }
        self.exclude
            .iter()
            .any(|(g, _)| !excluded.contains(g) && !self.include.iter().any(|(ig, _)| ig == g))
            .then_some("*")
    }

    pub(super) fn texts(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .include
            .iter()
            .map(|(_, p)| p.as_str().to_owned())
            .chain(self.exclude.iter().map(|(_, p)| format!("!{}", p.as_str())))
            .collect();
        out.sort_unstable();
        out
    }

    pub(super) fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }
}
