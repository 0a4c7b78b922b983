//! Sessions: the state an agent's run accumulates across decisions, and what a policy does
//! with it — budgets, sliding-window rate limits, escalation of repeated denials, rules that
//! terminate a session when they repeat — plus approvals and bypasses, which apply to any
//! decision.
//!
//! The state is plain serialisable data ([`SessionState`]): core does no IO, the host keeps it
//! (in a file per session for processes that live one call long) and passes it in. Time comes
//! only from each request's `now`; the session's duration runs from its first `now`.
//!
//! Order within one decision: the rules decide; a bypass may lift a deny; grants may turn an
//! approval into an allow; then the session layer counts the action, checks the budget and
//! the rate limits, counts denials for escalation and repeated rules, and a terminated session
//! stays terminated: every later action in it is `terminate`.

mod approval;
mod bypass;
mod config;
pub mod json;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::decision::{Alert, BudgetExceeded, Decision, Match};
use crate::effects::EffectKind;
use crate::outcome::Outcome;
use crate::policy::compile::{CompiledPolicy, Facts};

pub use approval::{Grant, fingerprint as approval_fingerprint};
pub(crate) use approval::{apply as apply_grants, presented as presented_grants};
pub use bypass::Bypass;
pub(crate) use bypass::apply as apply_bypasses;
pub use config::{BudgetLimits, DEFAULT_BUDGETS, DIMENSIONS, RateLimitRule, SessionConfig};

/// The version of the [`SessionState`] format.
pub const STATE_VERSION: u32 = 1;

/// Why a session was terminated: every later action in it repeats this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Termination {
    /// When (the `now` of the action that terminated it).
    pub at: String,
    /// The rule or limit (`budget`, `escalation`, a rule id).
    pub rule_id: String,
    /// Why, for people.
    pub reason: String,
    /// The budget that ran out, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetExceeded>,
}

/// What a session has used so far. Serialisable; the host stores it between calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SessionState {
    /// [`STATE_VERSION`].
    pub version: u32,
    /// The `now` of the session's first action (RFC 3339 UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// Actions decided in this session: the next action's sequence number.
    #[serde(default)]
    pub actions: u64,
    /// Turns recorded with [`SessionState::record_turn`].
    #[serde(default)]
    pub turns: u64,
    /// Tokens recorded with [`SessionState::record_turn`].
    #[serde(default)]
    pub tokens: u64,
    /// Tool calls decided.
    #[serde(default)]
    pub tool_calls: u64,
    /// Pipeline runs decided.
    #[serde(default)]
    pub pipeline_runs: u64,
    /// Credential requests decided.
    #[serde(default)]
    pub credential_requests: u64,
    /// Times (ms since the epoch) of recent denials, for escalation.
    #[serde(default)]
    pub denials: Vec<i64>,
    /// Per rate limit id, times (ms) of the recent actions it counted.
    #[serde(default)]
    pub rate: BTreeMap<String, Vec<i64>>,
    /// Per rule with `terminate_after`, how often it matched.
    #[serde(default)]
    pub repeats: BTreeMap<String, u64>,
    /// Set once the session is terminated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated: Option<Termination>,
}

impl Default for SessionState {
    fn default() -> SessionState {
        SessionState {
            version: STATE_VERSION,
            started_at: None,
            actions: 0,
            turns: 0,
            tokens: 0,
            tool_calls: 0,
            pipeline_runs: 0,
            credential_requests: 0,
            denials: Vec::new(),
            rate: BTreeMap::new(),
            repeats: BTreeMap::new(),
            terminated: None,
        }
    }
}

impl SessionState {
    /// A new, empty session.
    pub fn new() -> SessionState {
        SessionState::default()
    }

    /// Records one model turn that used `tokens` tokens; the budget is checked at the next
    /// decision.
    pub fn record_turn(&mut self, tokens: u64) {
        self.turns = self.turns.saturating_add(1);
        self.tokens = self.tokens.saturating_add(tokens);
    }

    /// The used amount of a budget dimension of [`DIMENSIONS`] at `now_ms`.
    fn used(&self, dimension: &str, started_ms: i64, now_ms: i64) -> u64 {
        match dimension {
            "max_turns" => self.turns,
            "max_tokens" => self.tokens,
            "max_tool_calls" => self.tool_calls,
            "max_duration_ms" => u64::try_from(now_ms.saturating_sub(started_ms)).unwrap_or(0),
            "max_pipeline_runs" => self.pipeline_runs,
            "max_credential_requests" => self.credential_requests,
            _ => 0,
        }
    }
}

/// Milliseconds since the epoch of a parsed `now`.
fn millis(seconds: i64, nanos: u32) -> i64 {
    seconds
        .saturating_mul(1000)
        .saturating_add(i64::from(nanos / 1_000_000))
}

/// Raises `decision` with one more finding of the session layer (budget, rate limit,
/// escalation, a repeated rule): a more restrictive outcome takes over the decision, an equal
/// one joins its rules, an alert is reported.
fn raise(decision: &mut Decision, rule_id: &str, outcome: Outcome, reason: String, effect: usize) {
    decision.matched.push(Match {
        rule_id: rule_id.into(),
        outcome,
        effect,
        pattern: None,
        reason: reason.clone(),
    });
    if outcome == Outcome::Alert {
        decision.alerts.push(Alert {
            rule_id: rule_id.into(),
            reason: reason.clone(),
            effect,
        });
    }
    if outcome > decision.decision {
        decision.decision = outcome;
        decision.policy_ids = vec![rule_id.into()];
        decision.reason = format!("the action {} by {rule_id}: {reason}", outcome.phrase());
        decision.risk_score = decision.risk_score.max(outcome.default_risk());
        decision.approver_role = None;
        decision.approval_request = None;
        decision.approval = None;
        decision.bypass_id = None;
    } else if outcome == decision.decision
        && outcome != Outcome::Allow
        && !decision.policy_ids.iter().any(|id| id == rule_id)
    {
        decision.policy_ids.push(rule_id.into());
        decision.policy_ids.sort_unstable();
    }
}

/// Applies the session layer to a decision just made (see the module header).
pub(crate) fn apply(
    policy: &CompiledPolicy,
    state: &mut SessionState,
    decision: &mut Decision,
    facts: &Facts<'_>,
    now_seconds: i64,
    now_nanos: u32,
) {
    let now_ms = millis(now_seconds, now_nanos);
    state.actions = state.actions.saturating_add(1);
    // Count what this action does.
    let count = |kind: EffectKind| {
        u64::try_from(decision.effects.iter().filter(|e| e.kind == kind).count()).unwrap_or(0)
    };
    if decision
        .effects
        .iter()
        .any(|e| e.kind == EffectKind::ToolCall)
    {
        state.tool_calls = state.tool_calls.saturating_add(1);
    }
    state.pipeline_runs = state
        .pipeline_runs
        .saturating_add(count(EffectKind::PipelineRun));
    state.credential_requests = state
        .credential_requests
        .saturating_add(count(EffectKind::CredentialRequest));

    if let Some(t) = &state.terminated {
        decision.decision = Outcome::Terminate;
        decision.policy_ids = vec![t.rule_id.as_str().into()];
        decision.reason = format!(
            "every action of a terminated session is terminated; it ended at {}: {}",
            t.at, t.reason
        );
        decision.risk_score = decision.risk_score.max(Outcome::Terminate.default_risk());
        decision.approver_role = None;
        decision.approval_request = None;
        decision.approval = None;
        decision.bypass_id = None;
        decision.budget = t.budget.clone();
        return;
    }
    let started_ms = match &state.started_at {
        Some(t) => crate::evaluate::parse_timestamp(t)
            .map(|t| millis(t.seconds, t.nanos))
            .unwrap_or(now_ms),
        None => {
            state.started_at = Some(decision.timestamp.to_string());
            now_ms
        }
    };
    // Budgets.
    let budget = policy.session.budget_for(facts.agent_type);
    for dimension in DIMENSIONS {
        let Some(allowed) = budget.get(dimension) else {
            continue;
        };
        let used = state.used(dimension, started_ms, now_ms);
        if used > allowed {
            let who = facts
                .agent_type
                .map_or_else(|| "this session".to_owned(), |t| format!("a {t} session"));
            raise(
                decision,
                "budget",
                Outcome::Terminate,
                format!("{dimension} is exceeded: {who} used {used}, the budget allows {allowed}"),
                0,
            );
            decision.budget = Some(BudgetExceeded {
                limit: dimension.to_owned(),
                used,
                allowed,
            });
            break;
        }
    }

    // Rate limits: an action counts once per limit that any of its effects matches.
    for limit in &policy.session.rate_limits {
        let Some(effect) = decision
            .effects
            .iter()
            .position(|e| limit.cond.check(e, facts).is_some())
        else {
            continue;
        };
        let window_start =
            now_ms.saturating_sub(i64::try_from(limit.window_ms).unwrap_or(i64::MAX));
        let times = state.rate.entry(limit.id.clone()).or_default();
        times.retain(|&t| t > window_start);
        if u64::try_from(times.len()).unwrap_or(u64::MAX) >= limit.max {
            raise(
                decision,
                &limit.id,
                limit.outcome,
                format!(
                    "more than {} matching actions within {} ms",
                    limit.max, limit.window_ms
                ),
                effect,
            );
        } else {
            times.push(now_ms);
        }
    }

    // Rules that terminate the session when they repeat.
    let repeated: Vec<(String, u64, usize)> = decision
        .matched
        .iter()
        .filter_map(|m| {
            policy
                .rule(&m.rule_id)
                .and_then(|r| r.terminate_after)
                .map(|n| (m.rule_id.to_string(), n, m.effect))
        })
        .fold(Vec::new(), |mut acc, x| {
            if !acc.iter().any(|(id, _, _)| *id == x.0) {
                acc.push(x);
            }
            acc
        });
    for (rule_id, after, effect) in repeated {
        let n = state.repeats.entry(rule_id.clone()).or_insert(0);
        *n = n.saturating_add(1);
        if *n >= after {
            let times = *n;
            raise(
                decision,
                &rule_id,
                Outcome::Terminate,
                format!(
                    "it matched {times} times in this session (the rule terminates at {after})"
                ),
                effect,
            );
        }
    }

    // Escalation of repeated denials.
    let esc = policy.escalation;
    if decision.decision == Outcome::Deny
        && (esc.alert_after_denials.is_some() || esc.terminate_after_denials.is_some())
    {
        let window = esc.window_ms.unwrap_or(u64::MAX);
        let window_start = now_ms.saturating_sub(i64::try_from(window).unwrap_or(i64::MAX));
        state.denials.retain(|&t| t > window_start);
        state.denials.push(now_ms);
        let n = u64::try_from(state.denials.len()).unwrap_or(u64::MAX);
        let within = esc
            .window_ms
            .map_or_else(String::new, |w| format!(" within {w} ms"));
        if esc.terminate_after_denials.is_some_and(|m| n >= m) {
            raise(
                decision,
                "escalation",
                Outcome::Terminate,
                format!("{n} denials{within}; the session is terminated"),
                0,
            );
        } else if esc.alert_after_denials.is_some_and(|a| n >= a) {
            raise(
                decision,
                "escalation",
                Outcome::Alert,
                format!("{n} denials{within}"),
                0,
            );
        }
    }

    if decision.decision == Outcome::Terminate {
        let rule_id = decision
            .policy_ids
            .first()
            .map_or_else(|| "terminate".to_owned(), |id| id.to_string());
        state.terminated = Some(Termination {
            at: decision.timestamp.to_string(),
            rule_id,
            reason: decision.reason.clone(),
            budget: decision.budget.clone(),
        });
    }
}
