//! The six outcomes of a decision and their order, least to most restrictive.

use serde::{Deserialize, Serialize};

/// What may happen to an action. The derived order is the restriction order of SPEC §4:
/// `allow < redact < alert < require_approval < deny < terminate`.
// INVARIANT: variants are declared least to most restrictive; `Ord` and deny-wins rely on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Permit the action.
    Allow,
    /// Permit the action with secrets replaced by markers.
    Redact,
    /// Permit the action and notify security.
    Alert,
    /// Pause until a human approves.
    RequireApproval,
    /// Block the action.
    Deny,
    /// Block the action and end the session.
    Terminate,
}

impl Outcome {
    /// Every outcome, least restrictive first.
    pub const ALL: [Outcome; 6] = [
        Outcome::Allow,
        Outcome::Redact,
        Outcome::Alert,
        Outcome::RequireApproval,
        Outcome::Deny,
        Outcome::Terminate,
    ];

    /// The spelling used in policy files and decision documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Redact => "redact",
            Outcome::Alert => "alert",
            Outcome::RequireApproval => "require_approval",
            Outcome::Deny => "deny",
            Outcome::Terminate => "terminate",
        }
    }

    /// Parses the policy-file spelling (`require-approval` is accepted for `require_approval`).
    pub fn parse(text: &str) -> Option<Outcome> {
        Some(match text {
            "allow" => Outcome::Allow,
            "redact" => Outcome::Redact,
            "alert" => Outcome::Alert,
            "require_approval" | "require-approval" => Outcome::RequireApproval,
            "deny" => Outcome::Deny,
            "terminate" => Outcome::Terminate,
            _ => return None,
        })
    }

    /// Whether the action must not go ahead as asked.
    pub fn blocks(self) -> bool {
        self >= Outcome::RequireApproval
    }

    /// The risk a rule with this outcome carries when it names none (0..=100).
    pub fn default_risk(self) -> u8 {
        match self {
            Outcome::Allow => 0,
            Outcome::Redact => 30,
            Outcome::Alert => 50,
            Outcome::RequireApproval => 60,
            Outcome::Deny => 80,
            Outcome::Terminate => 95,
        }
    }

    /// A past-tense phrase for reasons: "is denied", "requires approval".
    pub fn phrase(self) -> &'static str {
        match self {
            Outcome::Allow => "is allowed",
            Outcome::Redact => "is allowed with redaction",
            Outcome::Alert => "is allowed with an alert",
            Outcome::RequireApproval => "requires approval",
            Outcome::Deny => "is denied",
            Outcome::Terminate => "terminates the session",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
