//! What a policy says about sessions, compiled: budgets per agent type and for every session,
//! sliding-window rate limits, and the rules that terminate a session when they repeat.
//!
//! Merging follows deny-wins: across packs, the root and overrides, the smallest limit of each
//! budget dimension holds, and every rate limit applies.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Error;
use crate::outcome::Outcome;
use crate::policy::compile::compile_rate_limit_match;
use crate::policy::cond::Cond;
use crate::policy::model::{Budget, PolicyDoc};

/// The budget dimensions, in the order they are checked and reported.
pub const DIMENSIONS: [&str; 6] = [
    "max_turns",
    "max_tokens",
    "max_tool_calls",
    "max_duration_ms",
    "max_pipeline_runs",
    "max_credential_requests",
];

/// Limits of one session; `None`: unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BudgetLimits {
    /// `max_turns`.
    pub max_turns: Option<u64>,
    /// `max_tokens`.
    pub max_tokens: Option<u64>,
    /// `max_tool_calls`.
    pub max_tool_calls: Option<u64>,
    /// `max_duration_ms`.
    pub max_duration_ms: Option<u64>,
    /// `max_pipeline_runs`.
    pub max_pipeline_runs: Option<u64>,
    /// `max_credential_requests`.
    pub max_credential_requests: Option<u64>,
}

impl BudgetLimits {
    fn from_model(b: &Budget) -> BudgetLimits {
        let v = |s: &Option<crate::policy::node::Spanned<u64>>| s.as_ref().map(|s| s.value);
        BudgetLimits {
            max_turns: v(&b.max_turns),
            max_tokens: v(&b.max_tokens),
            max_tool_calls: v(&b.max_tool_calls),
            max_duration_ms: v(&b.max_duration_ms),
            max_pipeline_runs: v(&b.max_pipeline_runs),
            max_credential_requests: v(&b.max_credential_requests),
        }
    }

    /// The stricter of two budgets, dimension by dimension.
    pub fn stricter(self, other: BudgetLimits) -> BudgetLimits {
        let min = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, None) => x,
            (None, y) => y,
        };
        BudgetLimits {
            max_turns: min(self.max_turns, other.max_turns),
            max_tokens: min(self.max_tokens, other.max_tokens),
            max_tool_calls: min(self.max_tool_calls, other.max_tool_calls),
            max_duration_ms: min(self.max_duration_ms, other.max_duration_ms),
            max_pipeline_runs: min(self.max_pipeline_runs, other.max_pipeline_runs),
            max_credential_requests: min(
                self.max_credential_requests,
                other.max_credential_requests,
            ),
        }
    }

    /// The limit of a dimension of [`DIMENSIONS`].
    pub fn get(&self, dimension: &str) -> Option<u64> {
        match dimension {
            "max_turns" => self.max_turns,
            "max_tokens" => self.max_tokens,
            "max_tool_calls" => self.max_tool_calls,
            "max_duration_ms" => self.max_duration_ms,
            "max_pipeline_runs" => self.max_pipeline_runs,
            "max_credential_requests" => self.max_credential_requests,
            _ => None,
        }
    }
}

/// Budgets of the agent types the policy does not budget itself, from the guidance the
/// product started from (turns, tokens, duration, pipeline runs per agent type). A policy
/// that gives the type a `budget` replaces these.
pub const DEFAULT_BUDGETS: &[(&str, BudgetLimits)] = &[
    ("compliance-scanner", default_budget(100, 1_000_000, 60, 0)),
    ("remediation-agent", default_budget(30, 200_000, 15, 5)),
    ("drift-agent", default_budget(50, 500_000, 30, 10)),
    ("review-bot", default_budget(20, 200_000, 10, 0)),
    ("cost-analyzer", default_budget(40, 300_000, 20, 0)),
];

const fn default_budget(turns: u64, tokens: u64, minutes: u64, pipelines: u64) -> BudgetLimits {
    BudgetLimits {
        max_turns: Some(turns),
        max_tokens: Some(tokens),
        max_tool_calls: None,
        max_duration_ms: Some(minutes * 60_000),
        max_pipeline_runs: Some(pipelines),
        max_credential_requests: None,
    }
}

/// One compiled `rate_limits` entry.
#[derive(Debug, Clone)]
pub struct RateLimitRule {
    /// `rate_limits.<id>`.
    pub id: String,
    /// Which effects count.
    pub cond: Cond,
    /// Matching actions allowed per window.
    pub max: u64,
    /// The window.
    pub window_ms: u64,
    /// The outcome past the limit.
    pub outcome: Outcome,
}

/// The session settings of a compiled policy.
#[derive(Debug, Clone, Default)]
pub struct SessionConfig {
    /// Budgets per agent type the policy names.
    pub budgets: BTreeMap<String, BudgetLimits>,
    /// The policy-wide `budget`.
    pub budget: BudgetLimits,
    /// The rate limits.
    pub rate_limits: Vec<RateLimitRule>,
}

impl SessionConfig {
    /// Compiles the session sections of every document, reporting every error.
    pub fn compile(docs: &[&PolicyDoc]) -> Result<SessionConfig, Vec<Error>> {
        let mut config = SessionConfig::default();
        let mut errors = Vec::new();
        for doc in docs {
            for agent in &doc.agents {
                if let Some(b) = &agent.budget {
                    let limits = BudgetLimits::from_model(b);
                    config
                        .budgets
                        .entry(agent.name.value.clone())
                        .and_modify(|e| *e = e.stricter(limits))
                        .or_insert(limits);
                }
            }
            if let Some(b) = &doc.budget {
                config.budget = config.budget.stricter(BudgetLimits::from_model(b));
            }
            for r in &doc.rate_limits {
                match compile_rate_limit_match(&doc.origin, &r.matcher) {
                    Ok(cond) => config.rate_limits.push(RateLimitRule {
                        id: format!("rate_limits.{}", r.id.value),
                        cond,
                        max: r.max.value,
                        window_ms: r.window_ms.value,
                        outcome: r.outcome.as_ref().map_or(Outcome::Deny, |o| o.value),
                    }),
                    Err(e) => errors.push(e),
                }
            }
        }
        config.rate_limits.sort_by(|a, b| a.id.cmp(&b.id));
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }

    /// The budget of a session of `agent_type`: the policy's for that type (or the default
    /// table's when the policy names none), made stricter by the policy-wide budget.
    pub fn budget_for(&self, agent_type: Option<&str>) -> BudgetLimits {
        let typed = agent_type.and_then(|t| {
            self.budgets.get(t).copied().or_else(|| {
                DEFAULT_BUDGETS
                    .iter()
                    .find(|(name, _)| *name == t)
                    .map(|(_, b)| *b)
            })
        });
        typed.unwrap_or_default().stricter(self.budget)
    }

    /// What the policy hash covers.
    pub fn canonical(&self) -> serde_json::Value {
        serde_json::json!({
            "budgets": self.budgets,
            "budget": self.budget,
            "rate_limits": self.rate_limits.iter().map(|r| serde_json::json!({
                "id": r.id, "match": r.cond.canonical(), "max": r.max,
                "window_ms": r.window_ms, "outcome": r.outcome,
            })).collect::<Vec<_>>(),
        })
    }
}
