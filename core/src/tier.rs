//! The five autonomy tiers of the seeds, and the effect kinds each may perform.

use serde::{Deserialize, Serialize};

/// An agent's autonomy tier, least to most autonomous.
// INVARIANT: declared least to most autonomous; the cap "the lower of policy and action tier"
// relies on the derived `Ord`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Read-only: analyse, summarise, recommend.
    Observe,
    /// Suggest changes but not execute them.
    Recommend,
    /// Write in the workspace and open pull requests; no deployment, no credentials.
    Draft,
    /// Execute in an isolated sandbox; credential requests need approval; no production.
    Sandbox,
    /// Execute in production behind a human approval gate.
    ProdGated,
}

impl Tier {
    /// Every tier, least autonomous first.
    pub const ALL: [Tier; 5] = [
        Tier::Observe,
        Tier::Recommend,
        Tier::Draft,
        Tier::Sandbox,
        Tier::ProdGated,
    ];

    /// The spelling used in policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Observe => "observe",
            Tier::Recommend => "recommend",
            Tier::Draft => "draft",
            Tier::Sandbox => "sandbox",
            Tier::ProdGated => "prod_gated",
        }
    }

    /// Parses the policy-file spelling (`prod-gated` is accepted too).
    pub fn parse(text: &str) -> Option<Tier> {
        Some(match text {
            "observe" => Tier::Observe,
            "recommend" => Tier::Recommend,
            "draft" => Tier::Draft,
            "sandbox" => Tier::Sandbox,
            "prod_gated" | "prod-gated" => Tier::ProdGated,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
