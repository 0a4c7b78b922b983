//! The decision document (SPEC §4): one serde type, identical on every surface.

use compact_str::CompactString;
use serde::Serialize;

use crate::canonical::CanonicalJson;
use crate::effects::Effect;
use crate::outcome::Outcome;

/// The answer to "may this action happen?", with everything needed to explain it.
///
/// Field order is the serialisation order; it is part of the byte-for-byte contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Decision {
    /// `dec_` + 24 hex digits: a hash of the policy hash, the action and the session sequence.
    pub decision_id: String,
    /// The action's `id`, or `act_` + 24 hex digits of its canonical hash.
    pub action_id: String,
    /// The most restrictive outcome of all matched rules (or `default` when none matched).
    pub decision: Outcome,
    /// The rules that determined the decision, sorted.
    pub policy_ids: Vec<CompactString>,
    /// Why, for people: the effect, the outcome, the rule and its reason.
    pub reason: String,
    /// 0..=100, deterministic.
    pub risk_score: u8,
    /// Who may approve, when the decision is `require_approval`.
    pub approver_role: Option<String>,
    /// Secrets found in the action, each replaced by a marker in `redacted_action`.
    pub redactions: Vec<Redaction>,
    /// Alerts raised by matched rules, whatever the decision.
    pub alerts: Vec<Alert>,
    /// Every matched rule with its outcome and the effect it matched.
    pub matched: Vec<Match>,
    /// The normalised effects of the action.
    pub effects: Vec<Effect>,
    /// The action with every secret replaced by its marker: what a caller that proceeds uses.
    /// Held as canonical JSON text; [`CanonicalJson::to_value`] gives the value.
    pub redacted_action: CanonicalJson,
    /// The `now` the caller passed, normalised to RFC 3339 UTC.
    pub timestamp: CompactString,
    /// The policy's schema version.
    pub policy_version: CompactString,
    /// `sha256:` + hex of the canonical compiled policy.
    pub policy_hash: String,
    /// What an approver must grant, when the decision is `require_approval` (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_request: Option<ApprovalRequest>,
    /// The grant that turned `require_approval` into `allow` (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<GrantUse>,
    /// The bypass record that turned a `deny` into `allow` (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass_id: Option<String>,
    /// The session budget that was exceeded, when one terminated the session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetExceeded>,
}

/// What a `require_approval` decision asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ApprovalRequest {
    /// `apr_` + 24 hex digits: the hash of the action's effects and redacted content (its `id`
    /// and presented grants left out), the same on every surface; a grant names it.
    pub fingerprint: String,
    /// Who may grant it.
    pub approver_role: String,
}

/// The grant a decision used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct GrantUse {
    /// The fingerprint it grants.
    pub fingerprint: String,
    /// The approver's role.
    pub role: String,
    /// Who approved.
    pub approver: String,
    /// When the grant expires (RFC 3339 UTC).
    pub expires_at: String,
}

/// A session budget that ran out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct BudgetExceeded {
    /// The limit: `max_turns`, `max_tokens`, `max_tool_calls`, `max_duration_ms`,
    /// `max_pipeline_runs` or `max_credential_requests`.
    pub limit: String,
    /// What the session has used, this action included.
    pub used: u64,
    /// What the budget allows.
    pub allowed: u64,
}

/// One secret found in the action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Redaction {
    /// The detector's kind (`aws-access-key-id`, `github-token`, ...).
    pub kind: String,
    /// The detector's rule id.
    pub rule_id: String,
    /// JSON path of the string that held the secret (`$.args.content`).
    pub location: String,
    /// Start offset of the secret in that string, in bytes.
    pub start: usize,
    /// End offset (exclusive), in bytes.
    pub end: usize,
    /// `hmac-sha256:` + first 16 hex digits of HMAC-SHA256 of the secret under the host's key:
    /// lets equal secrets be correlated, never recovered.
    pub fingerprint: String,
    /// The text that replaced the secret.
    pub marker: String,
}

/// One alert raised by a matched rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Alert {
    /// The rule that raised it.
    pub rule_id: CompactString,
    /// Why.
    pub reason: String,
    /// Index into `effects`.
    pub effect: usize,
}

impl Match {
    /// A `matched` entry's keys, in order, each with whether it is left out when absent
    /// (`null` in [`Decision::to_positional_json`]).
    pub const FIELDS: [(&'static str, bool); 5] = [
        ("rule_id", false),
        ("outcome", false),
        ("effect", false),
        ("pattern", true),
        ("reason", false),
    ];
}

/// One matched rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Match {
    /// The rule's id.
    pub rule_id: CompactString,
    /// Its outcome.
    pub outcome: Outcome,
    /// Index into `effects`.
    pub effect: usize,
    /// The pattern or value of the rule that matched (`.env*`, `rm -rf`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<CompactString>,
    /// The rule's reason.
    pub reason: String,
}

impl Decision {
    /// The canonical JSON text: compact, fields in declaration order, object keys of
    /// `redacted_action` sorted. This is what every surface must reproduce byte for byte.
    pub fn to_json(&self) -> String {
        crate::decision_json::write(self, crate::decision_json::Form::Document)
    }

    /// The positional form of the document, a transport for surfaces that rebuild the document
    /// as an object of their language: the canonical text with the top-level object and each
    /// `matched` entry written as a list of their values in field order (an absent optional
    /// field as `null`); everything nested in them as in the document. Rebuilt with the keys
    /// of [`Decision::FIELDS`] and [`Match::FIELDS`] (leaving out a `null` of an optional
    /// field), it is the document.
    pub fn to_positional_json(&self) -> String {
        crate::decision_json::write(self, crate::decision_json::Form::Positional)
    }

    /// The document's top-level keys, in order, each with whether it is left out when absent
    /// (`null` in [`Decision::to_positional_json`]).
    pub const FIELDS: [(&'static str, bool); 19] = [
        ("decision_id", false),
        ("action_id", false),
        ("decision", false),
        ("policy_ids", false),
        ("reason", false),
        ("risk_score", false),
        ("approver_role", false),
        ("redactions", false),
        ("alerts", false),
        ("matched", false),
        ("effects", false),
        ("redacted_action", false),
        ("timestamp", false),
        ("policy_version", false),
        ("policy_hash", false),
        ("approval_request", true),
        ("approval", true),
        ("bypass_id", true),
        ("budget", true),
    ];

    /// The code a surface gives the error it raises when this decision blocks a guarded call:
    /// `decision.` + the outcome (`decision.deny`, `decision.require_approval`, ...).
    pub fn denial_code(&self) -> String {
        format!("decision.{}", self.decision)
    }
}
