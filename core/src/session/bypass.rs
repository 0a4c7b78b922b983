//! Bypass records: a time-limited, reasoned, approver-named exception for named paths or
//! commands. A `deny` whose every denying match is from a bypassable rule on an effect the
//! record's `allow` patterns cover becomes what the other matches say (usually `allow`), and
//! the decision names the record in `bypass_id`. Rules marked `bypassable: false` (the
//! built-in structural ones, such as cloud metadata endpoints), rate limits, escalation and
//! budgets are never bypassed; expired records are ignored.
//!
//! An `allow` pattern is a path glob (as in `permissions.filesystem`) for file effects and a
//! command pattern (as in `permissions.commands.deny`, so `git push --force` covers every
//! spelling of a force push) for commands; a file effect that a command produced is covered
//! by a command pattern of that command too.

use serde::{Deserialize, Serialize};

use crate::decision::Decision;
use crate::effects::command::{CommandPattern, CommandSet};
use crate::effects::{Effect, EffectKind};
use crate::error::{Error, ErrorCode};
use crate::evaluate::parse_timestamp;
use crate::outcome::Outcome;
use crate::policy::compile::CompiledPolicy;
use crate::policy::node::{Span, Spanned};
use crate::policy::pattern::PathSet;

/// A bypass record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Bypass {
    /// `byp_…`: named in every decision it changes.
    pub id: String,
    /// Why (an incident, a ticket).
    pub reason: String,
    /// Who approved it.
    pub approver: String,
    /// Path globs or command patterns it covers.
    pub allow: Vec<String>,
    /// RFC 3339: the record counts while `now` is before this.
    pub expires_at: String,
}

impl Bypass {
    /// A new record.
    pub fn new(
        id: impl Into<String>,
        reason: impl Into<String>,
        approver: impl Into<String>,
        allow: Vec<String>,
        expires_at: impl Into<String>,
    ) -> Bypass {
        Bypass {
            id: id.into(),
            reason: reason.into(),
            approver: approver.into(),
            allow,
            expires_at: expires_at.into(),
        }
    }

    /// Checks that every `allow` entry is a path glob or a command pattern and that
    /// `expires_at` is a timestamp: what a host runs before storing a record.
    pub fn validate(&self) -> Result<(), Error> {
        if self.allow.is_empty() {
            return Err(Error::new(
                ErrorCode::ActionBadValue,
                format!("bypass '{}' allows nothing", self.id),
            )
            .with_help("name at least one path glob or command pattern"));
        }
        parse_timestamp(&self.expires_at)?;
        self.compile().map(|_| ())
    }

    fn compile(&self) -> Result<(Option<PathSet>, CommandSet), Error> {
        let spanned: Vec<Spanned<String>> = self
            .allow
            .iter()
            .map(|p| Spanned::new(p.clone(), Span::default()))
            .collect();
        // Each entry on its own: one entry that is no glob must not drop the others.
        let globs: Vec<Spanned<String>> = spanned
            .into_iter()
            .filter(|p| PathSet::compile("<bypass>", std::slice::from_ref(p)).is_ok())
            .collect();
        let paths = if globs.is_empty() {
            None
        } else {
            PathSet::compile("<bypass>", &globs).ok()
        };
        let commands: Vec<CommandPattern> = self
            .allow
            .iter()
            .filter_map(|p| CommandPattern::parse(p).ok())
            .collect();
        let unusable = self.allow.iter().find(|p| {
            PathSet::compile("<bypass>", &[Spanned::new((*p).clone(), Span::default())]).is_err()
                && CommandPattern::parse(p).is_err()
        });
        if let Some(entry) = unusable {
            return Err(Error::new(
                ErrorCode::ActionBadValue,
                format!(
                    "bypass '{}': '{entry}' is neither a path glob nor a command pattern",
                    self.id
                ),
            )
            .with_help(
                "write a glob such as `config/auth/**` or a command such as `git push --force`",
            ));
        }
        if paths.is_none() && commands.is_empty() {
            return Err(Error::new(
                ErrorCode::ActionBadValue,
                format!("bypass '{}' allows nothing usable", self.id),
            )
            .with_help(
                "write a glob such as `config/auth/**` or a command such as `git push --force`",
            ));
        }
        Ok((paths, commands.into()))
    }
}

/// Whether a deny by `rule_id` may be bypassed.
fn bypassable(policy: &CompiledPolicy, rule_id: &str) -> bool {
    if rule_id.starts_with("rate_limits.") || rule_id == "escalation" || rule_id == "budget" {
        return false;
    }
    policy.rule(rule_id).is_none_or(|r| r.bypassable)
}

/// Whether the record's patterns cover effect `i` of `effects`.
fn covers(paths: Option<&PathSet>, commands: &CommandSet, effects: &[Effect], i: usize) -> bool {
    let Some(effect) = effects.get(i) else {
        return false;
    };
    let command_covered =
        |e: &Effect| e.kind == EffectKind::CommandExec && commands.find(e, false).is_some();
    if command_covered(effect) {
        return true;
    }
    if let (Some(paths), Some(path)) = (paths, effect.path.as_deref())
        && matches!(
            effect.kind,
            EffectKind::FileRead | EffectKind::FileWrite | EffectKind::FileDelete
        )
        && paths.find(path, effect.recursive).is_some()
    {
        return true;
    }
    // A file effect of a command: the command's pattern covers it.
    effects
        .iter()
        .any(|e| e.kind == EffectKind::CommandExec && e.command.as_deref() == Some(&effect.via))
        && effects
            .iter()
            .filter(|e| {
                e.kind == EffectKind::CommandExec && e.command.as_deref() == Some(&effect.via)
            })
            .all(command_covered)
}

/// Applies the first unexpired record that lifts a `deny` decision.
pub(crate) fn apply(
    policy: &CompiledPolicy,
    decision: &mut Decision,
    bypasses: &[Bypass],
    now: (i64, u32),
) {
    if decision.decision != Outcome::Deny || bypasses.is_empty() {
        return;
    }
    let denying: Vec<(usize, &str)> = decision
        .matched
        .iter()
        .filter(|m| m.outcome == Outcome::Deny)
        .map(|m| (m.effect, m.rule_id.as_str()))
        .collect();
    if denying.iter().any(|(_, id)| !bypassable(policy, id)) {
        return;
    }
    for record in bypasses {
        if !parse_timestamp(&record.expires_at).is_ok_and(|t| (t.seconds, t.nanos) > now) {
            continue;
        }
        let Ok((paths, commands)) = record.compile() else {
            continue;
        };
        if !denying
            .iter()
            .all(|&(i, _)| covers(paths.as_ref(), &commands, &decision.effects, i))
        {
            continue;
        }
        let rest = decision
            .matched
            .iter()
            .filter(|m| m.outcome != Outcome::Deny)
            .map(|m| m.outcome)
            .max()
            .unwrap_or(Outcome::Allow);
        let mut ids: Vec<String> = denying.iter().map(|(_, id)| (*id).to_owned()).collect();
        ids.sort_unstable();
        ids.dedup();
        decision.reason = format!(
            "bypass {} by {} ({}) lifts the deny of {}: {}",
            record.id,
            record.approver,
            record.reason,
            ids.join(", "),
            decision.reason
        );
        decision.decision = rest;
        decision.policy_ids = {
            let mut now: Vec<compact_str::CompactString> = decision
                .matched
                .iter()
                .filter(|m| m.outcome == rest)
                .map(|m| m.rule_id.clone())
                .collect();
            now.sort_unstable();
            now.dedup();
            now
        };
        if rest == Outcome::RequireApproval && decision.approver_role.is_none() {
            decision.approver_role = Some(crate::policy::compile::DEFAULT_APPROVER_ROLE.to_owned());
        }
        if decision.policy_ids.is_empty() {
            // Nothing else decided: the bypass did.
            decision.policy_ids = vec![record.id.as_str().into()];
        }
        decision.bypass_id = Some(record.id.clone());
        return;
    }
}
