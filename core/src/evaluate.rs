//! Effects × compiled rules → the decision document.
//!
//! Each effect is checked against the rules that can apply to it; an effect no rule matches
//! gets the policy's `default`. The decision is the most restrictive outcome over everything
//! matched (deny wins, whatever the order of rules, packs or files). The document is built so
//! that rule order and file order cannot change a byte of it: matches and ids are sorted, and
//! the rule quoted in the reason is chosen by risk, then effect, then id.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use compact_str::CompactString;

use crate::action::Action;
use crate::canonical::{CanonicalJson, evaluation_ids, to_canonical_string};
use crate::decision::{Alert, Decision, Match};
use crate::effects::derive::derive_effects;
use crate::effects::{Effect, EffectKind};
use crate::error::{Error, ErrorCode};
use crate::outcome::Outcome;
use crate::policy::compile::{
    CompiledPolicy, CompiledRule, DEFAULT_APPROVER_ROLE, Facts, LimitRule,
};
use crate::redact::FoundSecrets;

/// A match before it is turned into the public [`Match`].
#[derive(Debug, Clone)]
struct Hit<'p> {
    rule_id: Cow<'p, str>,
    outcome: Outcome,
    effect: usize,
    pattern: Option<Cow<'p, str>>,
    reason: Cow<'p, str>,
    risk: u8,
    approver_role: Option<Cow<'p, str>>,
}

/// The evaluation time: as written in the decision and as the decision id hashes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    /// RFC 3339 in UTC (`2026-11-22T10:00:00Z`).
    pub text: CompactString,
    /// Seconds since the Unix epoch.
    pub seconds: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

/// Parses an RFC 3339 timestamp and writes it back in UTC (`2026-11-22T10:00:00Z`).
pub fn parse_timestamp(now: &str) -> Result<Timestamp, Error> {
    if let Some(t) = whole_second_utc(now) {
        return Ok(t);
    }
    DateTime::parse_from_rfc3339(now.trim())
        .map(|t| {
            let utc = t.with_timezone(&Utc);
            Timestamp {
                text: utc.to_rfc3339_opts(SecondsFormat::AutoSi, true).into(),
                seconds: utc.timestamp(),
                nanos: utc.timestamp_subsec_nanos(),
            }
        })
        .map_err(|e| {
            Error::new(
                ErrorCode::BadTimestamp,
                format!("'now' is not an RFC 3339 timestamp: {e}"),
            )
            .with_help("write it like 2026-11-22T10:00:00Z")
        })
}

/// The common case, read without a general parser: `now` already written as the decision
/// writes it, `YYYY-MM-DDTHH:MM:SSZ`. `None` for anything else (the general path decides).
fn whole_second_utc(now: &str) -> Option<Timestamp> {
    let b: &[u8; 20] = now.as_bytes().try_into().ok()?;
    let shape = b
        .iter()
        .zip(b"0000-00-00T00:00:00Z")
        .all(|(c, want)| match want {
            b'0' => c.is_ascii_digit(),
            _ => c == want,
        });
    if !shape {
        return None;
    }
    // INVARIANT: the shape check above makes every digit position an ASCII digit.
    let num = |r: std::ops::Range<usize>| {
        b.get(r)
            .map(|d| d.iter().fold(0i64, |n, c| n * 10 + i64::from(c - b'0')))
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    // Second 60 (a leap second) is left to the general path.
    if !(1..=month_days).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(Timestamp {
        text: CompactString::from(now),
        seconds: days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second,
        nanos: 0,
    })
}

/// Days from 1970-01-01 to the proleptic Gregorian date `y-m-d` (month 1..=12), after Howard
/// Hinnant's `days_from_civil`: exact for every year of four digits.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The facts shared by every effect of the action.
fn facts<'a>(policy: &'a CompiledPolicy, action: &'a Action, has_secret: bool) -> Facts<'a> {
    let agent_type = action.agent.agent_type.as_deref();
    let policy_tier = agent_type.and_then(|t| policy.tiers.get(t).copied());
    // The action may claim a tier; the claim can lower the policy's tier, never raise it.
    let tier = match (policy_tier, action.agent.tier) {
        (Some(p), Some(c)) => Some(p.min(c)),
        (p, c) => p.or(c),
    };
    Facts {
        agent_type,
        tier,
        environment: action.context.environment.as_deref(),
        data_classification: action.context.data_classification.as_deref(),
        risk_signals: &action.context.risk_signals,
        branch: action.context.branch.as_deref(),
        tool: action.tool.as_deref(),
        known_hosts: Some(&policy.known_hosts),
        has_secret,
    }
}

/// Matches of the whole-action constraints (`max_files_per_action`, `max_lines_changed`).
fn constraint_hits(policy: &CompiledPolicy, effects: &[Effect], hits: &mut Vec<Hit<'_>>) {
    let changes = || {
        effects
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e.kind, EffectKind::FileWrite | EffectKind::FileDelete))
    };
    let first_change = changes().map(|(i, _)| i).next().unwrap_or(0);
    let mut push = |id: &str, limit: LimitRule, reason: String| {
        hits.push(Hit {
            rule_id: Cow::Owned(id.to_owned()),
            outcome: limit.outcome,
            effect: first_change,
            pattern: None,
            reason: Cow::Owned(reason),
            risk: limit.outcome.default_risk(),
            approver_role: (limit.outcome == Outcome::RequireApproval)
                .then_some(Cow::Borrowed(DEFAULT_APPROVER_ROLE)),
        });
    };
    if let Some(limit) = policy.max_files {
        let mut paths: Vec<&str> = changes().filter_map(|(_, e)| e.path.as_deref()).collect();
        paths.sort_unstable();
        paths.dedup();
        let n = u64::try_from(paths.len()).unwrap_or(u64::MAX);
        if n > limit.limit {
            push(
                "constraints.max_files_per_action",
                limit,
                format!("the action changes {n} files; the limit is {}", limit.limit),
            );
        }
    }
    if let Some(limit) = policy.max_lines {
        let n: u64 = changes()
            .filter_map(|(_, e)| e.lines_changed)
            .fold(0, u64::saturating_add);
        if n > limit.limit {
            push(
                "constraints.max_lines_changed",
                limit,
                format!("the action changes {n} lines; the limit is {}", limit.limit),
            );
        }
    }
}

/// Replaces secrets in every string of the effects, so that no raw secret reaches a reason,
/// a match or the effect list.
fn scrub(policy: &CompiledPolicy, secrets: &FoundSecrets, effects: &mut [Effect]) {
    let clean = |s: &mut String| {
        // Exact copies of the secrets found in the action first (a secret that needed its
        // context to be recognised is still caught out of context), then the detectors.
        if let Some(text) = secrets.scrub(s) {
            *s = text;
        }
        let (text, found) = policy.redactor.redact_text(s, "$");
        if !found.is_empty() {
            *s = text;
        }
    };
    for e in effects {
        for field in [
            &mut e.path,
            &mut e.command,
            &mut e.program,
            &mut e.url,
            &mut e.host,
        ]
        .into_iter()
        .flatten()
        {
            clean(field);
        }
        e.argv.iter_mut().for_each(clean);
        if let Some(tool) = &mut e.tool {
            let mut text = tool.to_string();
            clean(&mut text);
            *tool = text.into();
        }
        let mut via = std::mem::take(&mut e.via).into_owned();
        clean(&mut via);
        e.via = Cow::Owned(via);
    }
}

/// Whether `rule` matches any effect of the example action `value` (for rule `examples`).
pub fn rule_matches(
    policy: &CompiledPolicy,
    rule: &CompiledRule,
    value: &serde_json::Value,
) -> Result<bool, Error> {
    let action = Action::from_value(value)?;
    let mut effects = derive_effects(&action, &policy.adapters)?;
    crate::effects::glob::expand_all(&mut effects, &policy.glob_witnesses);
    let (_, found, _) = policy.redactor.redact_value_with_secrets(value);
    let facts = facts(policy, &action, !found.is_empty());
    Ok(effects.iter().any(|e| rule.cond.check(e, &facts).is_some()))
}

/// Findings from outside the engine (the host's plugins), asked for once the rules have
/// decided: they see that decision and are merged deny-wins before bypasses, grants and the
/// session layer apply, so those treat them like the engine's own rules.
pub type ExternalFindings<'r> = &'r dyn Fn(&Decision) -> Vec<crate::findings::Finding>;

/// What a decision takes besides the policy, the action and `now`.
#[derive(Default)]
pub struct Context<'r> {
    /// The action's sequence number (ignored in a session: the session numbers its actions).
    pub sequence: u64,
    /// Grants the host presents (the action may present more in `approval.grants`).
    pub grants: &'r [crate::session::Grant],
    /// Bypass records the host holds.
    pub bypasses: &'r [crate::session::Bypass],
    /// When set, only grants signed with this key count.
    pub grant_key: Option<&'r [u8]>,
    /// The session the action belongs to, updated by the decision.
    pub session: Option<&'r mut crate::session::SessionState>,
    /// Findings from outside the engine.
    pub external: Option<ExternalFindings<'r>>,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("sequence", &self.sequence)
            .field("grants", &self.grants.len())
            .field("bypasses", &self.bypasses.len())
            .field("grant_key", &self.grant_key.map(|_| ".."))
            .field("session", &self.session)
            .field("external", &self.external.map(|_| ".."))
            .finish()
    }
}

/// Evaluates one action with grants, bypasses and a session (see [`crate::session`]).
pub fn evaluate_in(
    policy: &CompiledPolicy,
    value: &serde_json::Value,
    now: &str,
    ctx: &mut Context<'_>,
) -> Result<Decision, Error> {
    let sequence = ctx.session.as_ref().map_or(ctx.sequence, |s| s.actions);
    let Timestamp {
        text: timestamp,
        seconds,
        nanos,
    } = parse_timestamp(now)?;
    let action = Action::from_value(value)?;
    let action_text = to_canonical_string(value);
    let (redacted, redactions, secrets) = policy.redactor.redact_action(value, &action_text);
    let mut effects = derive_effects(&action, &policy.adapters)?;
    crate::effects::glob::expand_all(&mut effects, &policy.glob_witnesses);
    if !redactions.is_empty() {
        scrub(policy, &secrets, &mut effects);
    }
    let facts = facts(policy, &action, !redactions.is_empty());

    let mut hits: Vec<Hit> = Vec::new();
    let mut unmatched: Option<usize> = None;
    for (i, effect) in effects.iter().enumerate() {
        let before = hits.len();
        policy.for_each_candidate(effect, facts.tool, facts.agent_type, facts.tier, |r| {
            let Some(rule) = usize::try_from(r).ok().and_then(|r| policy.rules.get(r)) else {
                return;
            };
            if let Some(pattern) = rule.cond.check(effect, &facts) {
                hits.push(Hit {
                    rule_id: Cow::Borrowed(&rule.id),
                    outcome: rule.outcome,
                    effect: i,
                    pattern: pattern.map(Cow::Borrowed),
                    reason: Cow::Borrowed(&rule.reason),
                    risk: rule.risk,
                    approver_role: rule.approver_role.as_deref().map(Cow::Borrowed),
                });
            }
        });
        if hits.len() == before && unmatched.is_none() {
            unmatched = Some(i);
        }
    }
    constraint_hits(policy, &effects, &mut hits);
    for r in &redactions {
        hits.push(Hit {
            rule_id: Cow::Owned(r.rule_id.clone()),
            outcome: Outcome::Redact,
            effect: 0,
            pattern: Some(Cow::Owned(r.kind.clone())),
            reason: Cow::Owned(format!(
                "secret of kind {} at {} replaced by its marker",
                r.kind, r.location
            )),
            risk: Outcome::Redact.default_risk(),
            approver_role: None,
        });
    }
    // The default speaks for effects no rule matched, when it is at least as restrictive as
    // what the rules decided (otherwise it changes nothing and would only add noise).
    let ruled = hits.iter().map(|h| h.outcome).max();
    if (unmatched.is_some() || effects.is_empty()) && ruled.is_none_or(|r| policy.default >= r) {
        hits.push(Hit {
            rule_id: Cow::Borrowed("default"),
            outcome: policy.default,
            effect: unmatched.unwrap_or(0),
            pattern: None,
            reason: Cow::Owned(format!(
                "no rule matched; the policy default is {}",
                policy.default
            )),
            risk: policy.default.default_risk(),
            approver_role: (policy.default == Outcome::RequireApproval)
                .then_some(Cow::Borrowed(DEFAULT_APPROVER_ROLE)),
        });
    }
    hits.sort_by(|a, b| {
        (a.effect, &a.rule_id, &a.pattern).cmp(&(b.effect, &b.rule_id, &b.pattern))
    });
    hits.dedup_by(|a, b| a.effect == b.effect && a.rule_id == b.rule_id && a.pattern == b.pattern);
    let decision = hits
        .iter()
        .map(|h| h.outcome)
        .max()
        .unwrap_or(policy.default);

    let deciding = || hits.iter().filter(|h| h.outcome == decision);
    let policy_ids: Vec<CompactString> = {
        // A handful of deciding hits: a linear check for repeats is cheaper than a set.
        const LINEAR: usize = 16;
        let mut ids: Vec<CompactString> = Vec::new();
        for h in deciding() {
            if ids.len() > LINEAR || !ids.iter().any(|id| *id == h.rule_id) {
                ids.push(CompactString::from(&*h.rule_id));
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    // The rule quoted in the reason: highest risk, then first effect, then smallest id.
    let lead = deciding()
        .min_by(|a, b| (b.risk, a.effect, &a.rule_id).cmp(&(a.risk, b.effect, &b.rule_id)));
    let reason = {
        let mut r = String::with_capacity(160);
        match lead {
            Some(h) => {
                match effects.get(h.effect) {
                    Some(e) => e.describe_into(&mut r),
                    None => r.push_str("the action"),
                }
                r.push(' ');
                r.push_str(decision.phrase());
                if h.rule_id != "default" {
                    r.push_str(" by ");
                    r.push_str(&h.rule_id);
                    if let Some(p) = &h.pattern {
                        r.push_str(" (matched '");
                        r.push_str(p);
                        r.push('\'');
                        // A command rule: say what the pattern matched, normalised.
                        if let Some(e) = effects.get(h.effect)
                            && e.kind == EffectKind::CommandExec
                            && !e.argv.is_empty()
                        {
                            let form = crate::effects::command::normalized_form(&e.argv);
                            if e.command.as_deref() != Some(form.as_str()) {
                                r.push_str(" as `");
                                r.push_str(&form);
                                r.push('`');
                            }
                        }
                        r.push(')');
                    }
                }
                r.push_str(": ");
                r.push_str(&h.reason);
                if h.rule_id != "default" && policy_ids.len() > 1 {
                    r.push_str(" (and ");
                    r.push_str(&(policy_ids.len() - 1).to_string());
                    r.push_str(" more)");
                }
            }
            None => {
                r.push_str("the action ");
                r.push_str(decision.phrase());
            }
        }
        r
    };
    let signals = u8::try_from(action.context.risk_signals.len().min(3)).unwrap_or(3);
    let risk_score = deciding()
        .map(|h| h.risk)
        .max()
        .unwrap_or(0)
        .saturating_add(signals * 5)
        .min(100);
    let approver_role = (decision == Outcome::RequireApproval).then(|| {
        deciding()
            .filter_map(|h| h.approver_role.as_deref())
            .min()
            .unwrap_or(DEFAULT_APPROVER_ROLE)
            .to_owned()
    });
    let alerts = hits
        .iter()
        .filter(|h| h.outcome == Outcome::Alert)
        .map(|h| Alert {
            rule_id: CompactString::from(&*h.rule_id),
            reason: h.reason.to_string(),
            effect: h.effect,
        })
        .collect();
    let (derived_action_id, decision_id) =
        evaluation_ids(&action_text, &policy.id_seed, sequence, seconds, nanos);
    let action_id = action.id.clone().unwrap_or(derived_action_id);
    // The canonical text already written is the redacted action when nothing was redacted.
    let redacted_action = CanonicalJson::from_canonical_text(match redacted {
        Some(value) => to_canonical_string(&value),
        None => action_text,
    });
    let matched = hits
        .into_iter()
        .map(|h| Match {
            rule_id: CompactString::from(&*h.rule_id),
            outcome: h.outcome,
            effect: h.effect,
            pattern: h.pattern.as_deref().map(CompactString::from),
            reason: h.reason.into_owned(),
        })
        .collect();
    let mut decision = Decision {
        decision_id,
        action_id,
        decision,
        policy_ids,
        reason,
        risk_score,
        approver_role,
        redactions,
        alerts,
        matched,
        effects,
        redacted_action,
        timestamp,
        policy_version: policy.version.as_str().into(),
        policy_hash: policy.hash.clone(),
        approval_request: None,
        approval: None,
        bypass_id: None,
        budget: None,
    };
    if let Some(external) = ctx.external {
        let found = external(&decision);
        crate::findings::merge(&mut decision, &found);
    }
    crate::session::apply_bypasses(policy, &mut decision, ctx.bypasses, (seconds, nanos));
    if decision.decision == Outcome::RequireApproval {
        let mut grants = crate::session::presented_grants(&action)?;
        grants.extend(ctx.grants.iter().cloned());
        crate::session::apply_grants(
            policy,
            &mut decision,
            &grants,
            (seconds, nanos),
            ctx.grant_key,
        );
    }
    if let Some(state) = ctx.session.as_deref_mut() {
        crate::session::apply(policy, state, &mut decision, &facts, seconds, nanos);
    }
    Ok(decision)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use proptest::prelude::*;

    use super::*;

    /// What the general parser makes of `now`.
    fn general(now: &str) -> Option<Timestamp> {
        let t = DateTime::parse_from_rfc3339(now.trim())
            .ok()?
            .with_timezone(&Utc);
        Some(Timestamp {
            text: t.to_rfc3339_opts(SecondsFormat::AutoSi, true).into(),
            seconds: t.timestamp(),
            nanos: t.timestamp_subsec_nanos(),
        })
    }

    proptest! {
        /// The whole-second fast path reads every date it accepts exactly as the general
        /// parser does, and refuses nothing the general parser would read differently.
        #[test]
        fn whole_second_timestamps_read_like_the_general_parser(
            y in 0u32..10000, mo in 0u32..14, d in 0u32..33, h in 0u32..26, mi in 0u32..62,
            s in 0u32..62,
        ) {
            let now = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
            if let Some(fast) = whole_second_utc(&now) {
                prop_assert_eq!(Some(fast), general(&now));
            }
            prop_assert_eq!(parse_timestamp(&now).ok(), general(&now));
        }
    }

    #[test]
    fn other_spellings_take_the_general_path() {
        for now in [
            "2026-11-22T10:00:00+01:00",
            "2026-11-22t10:00:00z",
            "2026-11-22T10:00:00.5Z",
            " 2026-11-22T10:00:00Z",
            "2016-12-31T23:59:60Z",
        ] {
            assert_eq!(whole_second_utc(now), None, "{now}");
            assert_eq!(parse_timestamp(now).ok(), general(now), "{now}");
        }
        assert_eq!(
            parse_timestamp("2026-11-22T11:00:00+01:00").unwrap().text,
            "2026-11-22T10:00:00Z"
        );
        assert!(parse_timestamp("2026-02-30T10:00:00Z").is_err());
    }
}
