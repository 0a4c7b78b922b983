//! The Cedar side of the comparison: the rule table as Cedar policies, and a Cedar request
//! built from an agent action the way a caller would build it, per call.
//!
//! Mapping: the principal is `Agent::"<agent.id>"` with attribute `type` (the agent type);
//! the action is `Action::"<tool>"`; the resource is `File::"<path>"` with attribute `path`,
//! which is absent when the action touches no file. A row's agent type becomes
//! `principal.type == "…"`, its tool `action == Action::"…"`, its path globs
//! `resource has path && (any included) && !(any excluded)` over `resource.path like "…"`.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request, RestrictedExpression,
};
use serde_json::Value;

use crate::rules::{Effect, Row, quoted};

/// The Cedar `like` patterns equivalent to a policy path glob on relative paths.
///
/// A glob without `/` matches the file name at any depth: the name itself or `*/name`. A
/// leading `**/` matches zero or more directories: the rest itself or `*/rest`. `**/*` and a
/// trailing `/**` become Cedar's `*`, which, like `**`, crosses directories. A name glob that
/// starts with `*` needs no `*/` variant: Cedar's `*` already spans the directories.
pub fn like_patterns(glob: &str) -> Vec<String> {
    let convert = |g: &str| -> String {
        let g = g.replace("**/*", "*");
        match g.strip_suffix("/**") {
            Some(head) => format!("{head}/*"),
            None => g,
        }
    };
    if !glob.contains('/') {
        if glob.starts_with('*') {
            return vec![convert(glob)];
        }
        return vec![convert(glob), format!("*/{}", convert(glob))];
    }
    match glob.strip_prefix("**/") {
        Some(rest) => vec![convert(rest), format!("*/{}", convert(rest))],
        None => vec![convert(glob)],
    }
}

/// `resource.path like` any of the globs, as one parenthesised disjunction.
fn any_like<'a>(globs: impl Iterator<Item = &'a str>) -> String {
    let likes: Vec<String> = globs
        .flat_map(like_patterns)
        .map(|l| format!("resource.path like {}", quoted(&l)))
        .collect();
    format!("({})", likes.join(" || "))
}

/// The Cedar condition of a path list: some included glob matches (when there are any) and
/// no excluded one does, on an action that touches a file.
fn path_condition(paths: &[String]) -> String {
    let include = paths
        .iter()
        .filter(|p| !p.starts_with('!'))
        .map(String::as_str);
    let exclude = paths.iter().filter_map(|p| p.strip_prefix('!'));
    let mut parts = vec!["resource has path".to_owned()];
    if include.clone().next().is_some() {
        parts.push(any_like(include));
    }
    if exclude.clone().next().is_some() {
        parts.push(format!("!{}", any_like(exclude)));
    }
    parts.join(" && ")
}

/// The Cedar policy text of a table: one annotated `permit` or `forbid` per row.
pub fn policy_text(rows: &[Row]) -> String {
    let mut text = String::with_capacity(rows.len() * 160);
    for r in rows {
        let effect = match r.effect {
            Effect::Permit => "permit",
            Effect::Forbid => "forbid",
        };
        let action = r.tool.as_deref().map_or_else(
            || "action".to_owned(),
            |t| format!("action == Action::{}", quoted(t)),
        );
        let mut conds = Vec::new();
        if let Some(a) = &r.agent_type {
            conds.push(format!("principal.type == {}", quoted(a)));
        }
        if !r.paths.is_empty() {
            conds.push(path_condition(&r.paths));
        }
        let when = if conds.is_empty() {
            String::new()
        } else {
            format!(" when {{ {} }}", conds.join(" && "))
        };
        // Writing to a String cannot fail.
        let _ = writeln!(
            text,
            "@id({})\n{effect} (principal, {action}, resource){when};",
            quoted(&r.id)
        );
    }
    text
}

/// A Cedar policy set and an authorizer, ready to decide.
#[derive(Debug)]
pub struct CedarEngine {
    policies: PolicySet,
    authorizer: Authorizer,
    agent: EntityTypeName,
    action: EntityTypeName,
    file: EntityTypeName,
}

fn type_name(name: &str) -> Result<EntityTypeName, String> {
    EntityTypeName::from_str(name).map_err(|e| format!("bad entity type name {name}: {e}"))
}

/// The string at `pointer` in `action`, if any.
fn string_at<'a>(action: &'a Value, pointer: &str) -> Option<&'a str> {
    action.pointer(pointer).and_then(Value::as_str)
}

impl CedarEngine {
    /// Parses the table's policies.
    pub fn new(rows: &[Row]) -> Result<CedarEngine, String> {
        let policies = PolicySet::from_str(&policy_text(rows))
            .map_err(|e| format!("the Cedar policies do not parse: {e}"))?;
        Ok(CedarEngine {
            policies,
            authorizer: Authorizer::new(),
            agent: type_name("Agent")?,
            action: type_name("Action")?,
            file: type_name("File")?,
        })
    }

    /// The number of policies in the set.
    pub fn policy_count(&self) -> usize {
        self.policies.policies().count()
    }

    /// Parses an action's JSON text and decides it: `true` when allowed.
    pub fn decide_json(&self, text: &str) -> Result<bool, String> {
        let action: Value =
            serde_json::from_str(text).map_err(|e| format!("the action is not JSON: {e}"))?;
        self.decide(&action)
    }

    /// Builds the entities and the request from an action and decides it: `true` when allowed.
    pub fn decide(&self, action: &Value) -> Result<bool, String> {
        let tool = string_at(action, "/tool").ok_or("the action names no tool")?;
        let agent_type = string_at(action, "/agent/type").unwrap_or("");
        let agent_id = string_at(action, "/agent/id").unwrap_or("anonymous");
        let path = string_at(action, "/args/file_path")
            .or_else(|| string_at(action, "/args/notebook_path"))
            .or_else(|| string_at(action, "/args/path"))
            .or_else(|| string_at(action, "/path"));

        let principal =
            EntityUid::from_type_name_and_id(self.agent.clone(), EntityId::new(agent_id));
        let resource =
            EntityUid::from_type_name_and_id(self.file.clone(), EntityId::new(path.unwrap_or("")));
        let verb = EntityUid::from_type_name_and_id(self.action.clone(), EntityId::new(tool));
        let agent = Entity::new(
            principal.clone(),
            HashMap::from([(
                "type".to_owned(),
                RestrictedExpression::new_string(agent_type.to_owned()),
            )]),
            HashSet::new(),
        )
        .map_err(|e| format!("bad agent entity: {e}"))?;
        let attrs = path.map_or_else(HashMap::new, |p| {
            HashMap::from([(
                "path".to_owned(),
                RestrictedExpression::new_string(p.to_owned()),
            )])
        });
        let file = Entity::new(resource.clone(), attrs, HashSet::new())
            .map_err(|e| format!("bad file entity: {e}"))?;
        let entities = Entities::from_entities([agent, file], None)
            .map_err(|e| format!("bad entities: {e}"))?;
        let request = Request::new(principal, verb, resource, Context::empty(), None)
            .map_err(|e| format!("bad request: {e}"))?;
        let response = self
            .authorizer
            .is_authorized(&request, &self.policies, &entities);
        Ok(response.decision() == Decision::Allow)
    }
}
