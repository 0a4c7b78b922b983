//! Approvals: what a `require_approval` decision asks for, and the grants that answer it.
//!
//! A decision that requires approval carries an approval request: a fingerprint of the action
//! and the approver role. The fingerprint is `apr_` + 24 hex digits of SHA-256 over the
//! canonical JSON of `{"action": <the redacted action without its id and approval>,
//! "effects": <the effects>}`: the same action gets the same fingerprint on every surface and
//! in every session, and a grant for one action never fits another (a different file content
//! or command changes it).
//!
//! A grant `{fingerprint, role, approver, expires_at, signature?}`, presented in the action's
//! `approval.grants` or by the host (its approval store), turns exactly that decision into
//! `allow` while `now` is before `expires_at`, when its role is the role asked for (when rules
//! ask several roles, a grant for each). A grant never changes any other outcome: a deny
//! stays a deny. When the host configures a grant key, only grants whose `signature` is the
//! HMAC-SHA256 of their other fields under that key count.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::canonical::to_canonical_string;
use crate::decision::{ApprovalRequest, Decision, GrantUse};
use crate::effects::Effect;
use crate::error::{Error, ErrorCode};
use crate::evaluate::parse_timestamp;
use crate::outcome::Outcome;

/// Prefix of approval fingerprints.
const FINGERPRINT_PREFIX: &str = "apr_";

/// Prefix of grant signatures.
const SIGNATURE_PREFIX: &str = "hmac-sha256:";

/// A grant: an approver's yes to one action, for a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Grant {
    /// The fingerprint of the approval request it answers.
    pub fingerprint: String,
    /// The role the approver acts in.
    pub role: String,
    /// Who approved.
    pub approver: String,
    /// RFC 3339: the grant counts while `now` is before this.
    pub expires_at: String,
    /// `hmac-sha256:` + hex, when the host signs grants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl Grant {
    /// A new unsigned grant.
    pub fn new(
        fingerprint: impl Into<String>,
        role: impl Into<String>,
        approver: impl Into<String>,
        expires_at: impl Into<String>,
    ) -> Grant {
        Grant {
            fingerprint: fingerprint.into(),
            role: role.into(),
            approver: approver.into(),
            expires_at: expires_at.into(),
            signature: None,
        }
    }

    /// Reads a grant from JSON, strictly (unknown fields refused); `index` names it in errors.
    pub fn from_value(value: &Value, index: usize) -> Result<Grant, Error> {
        super::json::read_grant(value).map_err(|e| {
            let text = e.to_string();
            let reason = text.split(" at line").next().unwrap_or(&text).to_owned();
            Error::new(
                ErrorCode::ActionBadValue,
                format!("approval grant {index} is not valid: {reason}"),
            )
            .with_help(
                "a grant is {\"fingerprint\", \"role\", \"approver\", \"expires_at\"} \
                 with an optional \"signature\"",
            )
        })
    }

    /// The text a signature covers: the canonical JSON of the grant without its signature.
    fn signed_text(&self) -> String {
        to_canonical_string(&serde_json::json!({
            "fingerprint": self.fingerprint,
            "role": self.role,
            "approver": self.approver,
            "expires_at": self.expires_at,
        }))
    }

    /// Signs the grant with `key` (HMAC-SHA256 of [`Grant::signed_text`]).
    pub fn sign(&mut self, key: &[u8]) {
        self.signature = Some(signature(key, &self.signed_text()));
    }

    /// Whether the signature is the one `key` gives (compared in constant time).
    pub fn signature_is_valid(&self, key: &[u8]) -> bool {
        let Some(given) = self.signature.as_deref() else {
            return false;
        };
        let expected = signature(key, &self.signed_text());
        given.len() == expected.len()
            && given
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

fn signature(key: &[u8], text: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(text.as_bytes());
    let mut out = String::from(SIGNATURE_PREFIX);
    for b in mac.finalize().into_bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The approval fingerprint of an action (see the module header).
pub fn fingerprint(redacted_action: &Value, effects: &[Effect]) -> String {
    let mut action = redacted_action.clone();
    if let Some(map) = action.as_object_mut() {
        map.remove("id");
        map.remove("approval");
    }
    let effects = serde_json::to_value(effects).unwrap_or(Value::Null);
    let text = to_canonical_string(&serde_json::json!({"action": action, "effects": effects}));
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::from(FINGERPRINT_PREFIX);
    for b in digest.iter().take(12) {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The roles a `require_approval` decision asks for: every approver role among the rules
/// that decided it, sorted (the decision's `approver_role` is the first).
fn required_roles(policy: &crate::policy::compile::CompiledPolicy, d: &Decision) -> Vec<String> {
    let mut roles: Vec<String> = d
        .matched
        .iter()
        .filter(|m| m.outcome == Outcome::RequireApproval)
        .map(|m| match policy.rule(&m.rule_id) {
            Some(rule) => rule
                .approver_role
                .clone()
                .unwrap_or_else(|| crate::policy::compile::DEFAULT_APPROVER_ROLE.to_owned()),
            // A finding from outside the policy (a plugin) brought its role into the decision.
            None => d
                .approver_role
                .clone()
                .unwrap_or_else(|| crate::policy::compile::DEFAULT_APPROVER_ROLE.to_owned()),
        })
        .collect();
    roles.sort_unstable();
    roles.dedup();
    roles
}

/// Adds the approval request to a `require_approval` decision and applies the grants: when
/// every role asked for has a valid, unexpired grant for this fingerprint, the decision
/// becomes `allow`. `grant_key`: only signed grants count.
pub(crate) fn apply(
    policy: &crate::policy::compile::CompiledPolicy,
    decision: &mut Decision,
    grants: &[Grant],
    now: (i64, u32),
    grant_key: Option<&[u8]>,
) {
    if decision.decision != Outcome::RequireApproval {
        return;
    }
    let fingerprint = fingerprint(&decision.redacted_action.to_value(), &decision.effects);
    let roles = required_roles(policy, decision);
    let primary = decision
        .approver_role
        .clone()
        .or_else(|| roles.first().cloned())
        .unwrap_or_else(|| crate::policy::compile::DEFAULT_APPROVER_ROLE.to_owned());
    decision.approval_request = Some(ApprovalRequest {
        fingerprint: fingerprint.clone(),
        approver_role: primary,
    });
    let valid = |g: &&Grant| {
        g.fingerprint == fingerprint
            && parse_timestamp(&g.expires_at).is_ok_and(|t| (t.seconds, t.nanos) > now)
            && grant_key.is_none_or(|k| g.signature_is_valid(k))
    };
    let mut used: Vec<&Grant> = Vec::new();
    for role in &roles {
        match grants.iter().filter(valid).find(|g| &g.role == role) {
            Some(g) => used.push(g),
            None => return,
        }
    }
    let Some(first) = used.first() else {
        return;
    };
    let approvers: Vec<String> = used
        .iter()
        .map(|g| format!("{} ({})", g.approver, g.role))
        .collect();
    decision.reason = format!(
        "approved by {} until {}: {}",
        approvers.join(" and "),
        first.expires_at,
        decision.reason
    );
    decision.decision = Outcome::Allow;
    decision.approver_role = None;
    decision.approval = Some(GrantUse {
        fingerprint,
        role: first.role.clone(),
        approver: first.approver.clone(),
        expires_at: first.expires_at.clone(),
    });
}

/// The grants presented in the action's `approval.grants`.
pub(crate) fn presented(action: &crate::action::Action) -> Result<Vec<Grant>, Error> {
    action
        .approval
        .as_ref()
        .map(|a| {
            a.grants
                .iter()
                .enumerate()
                .map(|(i, v)| Grant::from_value(v, i))
                .collect()
        })
        .unwrap_or_else(|| Ok(Vec::new()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn signatures_cover_every_field_and_need_the_key() {
        let mut g = Grant::new("apr_0123", "lead", "alice", "2026-11-22T11:00:00Z");
        assert!(!g.signature_is_valid(b"k"));
        g.sign(b"host grant key");
        assert!(g.signature_is_valid(b"host grant key"));
        assert!(!g.signature_is_valid(b"another key"));
        let mut forged = g.clone();
        forged.role = "admin".to_owned();
        assert!(!forged.signature_is_valid(b"host grant key"));
    }

    #[test]
    fn grants_are_read_strictly() {
        let ok = serde_json::json!({"fingerprint": "apr_1", "role": "lead", "approver": "a",
                                    "expires_at": "2026-11-22T11:00:00Z"});
        assert!(Grant::from_value(&ok, 0).is_ok());
        let typo = serde_json::json!({"fingerprint": "apr_1", "rol": "lead", "approver": "a",
                                      "expires_at": "2026-11-22T11:00:00Z"});
        let e = Grant::from_value(&typo, 3).unwrap_err();
        assert_eq!(e.code, ErrorCode::ActionBadValue);
        assert!(e.message.contains("grant 3"), "{e}");
    }
}
