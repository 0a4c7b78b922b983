//! Findings from outside the rule table (org policy plugins) merged into a decision made by
//! the engine, deny-wins: the most restrictive outcome decides, as within the engine. Pure:
//! the host runs the plugins and hands their findings here.
//!
//! For each finding, in order:
//! - it is added to `matched`, and to `alerts` when its outcome is `alert`;
//! - when it is more restrictive than the decision, it takes the decision: the outcome, the
//!   rule ids (its own alone), the reason and the risk score (the higher of the two); what
//!   belonged to the outcome it replaces (approver, approval request, grant, bypass) is
//!   dropped, and a `require_approval` finding brings its approver role and approval request;
//! - when it is as restrictive as the decision (and not `allow`), its rule id joins
//!   `policy_ids` and its risk raises the score.

use crate::decision::{Alert, ApprovalRequest, Decision, Match};
use crate::outcome::Outcome;
use crate::policy::compile::DEFAULT_APPROVER_ROLE;
use crate::session::approval_fingerprint;

/// One finding to merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule id shown in the decision (a plugin's are `plugin.<id>.<rule>`).
    pub rule_id: String,
    /// What it asks for.
    pub outcome: Outcome,
    /// Why.
    pub reason: String,
    /// 0..=100.
    pub risk: u8,
    /// Index into the decision's `effects`.
    pub effect: usize,
    /// Who may approve, for a `require_approval` finding (default `maintainer`).
    pub approver_role: Option<String>,
}

impl Finding {
    /// A finding with the outcome's default risk, about the first effect, with no approver.
    pub fn new(rule_id: impl Into<String>, outcome: Outcome, reason: impl Into<String>) -> Self {
        Finding {
            rule_id: rule_id.into(),
            outcome,
            reason: reason.into(),
            risk: outcome.default_risk(),
            effect: 0,
            approver_role: None,
        }
    }
}

/// Merges `findings` into `decision`, deny-wins (see the module header).
pub fn merge(decision: &mut Decision, findings: &[Finding]) {
    for finding in findings {
        merge_one(decision, finding);
    }
}

fn merge_one(decision: &mut Decision, f: &Finding) {
    let risk = f.risk.min(100);
    decision.matched.push(Match {
        rule_id: f.rule_id.as_str().into(),
        outcome: f.outcome,
        effect: f.effect,
        pattern: None,
        reason: f.reason.clone(),
    });
    if f.outcome == Outcome::Alert {
        decision.alerts.push(Alert {
            rule_id: f.rule_id.as_str().into(),
            reason: f.reason.clone(),
            effect: f.effect,
        });
    }
    if f.outcome > decision.decision {
        decision.decision = f.outcome;
        decision.policy_ids = vec![f.rule_id.as_str().into()];
        decision.reason = format!(
            "the action {} by {}: {}",
            f.outcome.phrase(),
            f.rule_id,
            f.reason
        );
        decision.risk_score = decision.risk_score.max(risk);
        decision.approval = None;
        decision.bypass_id = None;
        if f.outcome == Outcome::RequireApproval {
            let role = f
                .approver_role
                .clone()
                .unwrap_or_else(|| DEFAULT_APPROVER_ROLE.to_owned());
            decision.approval_request = Some(ApprovalRequest {
                fingerprint: approval_fingerprint(
                    &decision.redacted_action.to_value(),
                    &decision.effects,
                ),
                approver_role: role.clone(),
            });
            decision.approver_role = Some(role);
        } else {
            decision.approver_role = None;
            decision.approval_request = None;
        }
    } else if f.outcome == decision.decision && f.outcome != Outcome::Allow {
        decision.risk_score = decision.risk_score.max(risk);
        if !decision
            .policy_ids
            .iter()
            .any(|id| id.as_str() == f.rule_id)
        {
            decision.policy_ids.push(f.rule_id.as_str().into());
            decision.policy_ids.sort_unstable();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use crate::Engine;

    const NOW: &str = "2026-11-22T10:00:00Z";

    fn decide(action: &str) -> Decision {
        Engine::defaults().evaluate_json(action, NOW).unwrap()
    }

    fn allowed() -> Decision {
        let d = decide(r#"{"tool":"Read","args":{"file_path":"src/main.rs"}}"#);
        assert_eq!(d.decision, Outcome::Allow);
        d
    }

    #[test]
    fn a_deny_finding_takes_an_allowed_decision() {
        let mut d = allowed();
        let before = d.matched.len();
        let mut f = Finding::new("plugin.naming.bucket", Outcome::Deny, "bucket name 'x'");
        f.risk = 70;
        merge(&mut d, &[f]);
        assert_eq!(d.decision, Outcome::Deny);
        assert_eq!(d.policy_ids, ["plugin.naming.bucket"]);
        assert_eq!(
            d.reason,
            "the action is denied by plugin.naming.bucket: bucket name 'x'"
        );
        assert_eq!(d.risk_score, 70);
        assert_eq!(d.matched.len(), before + 1);
        assert_eq!(d.matched[before].rule_id, "plugin.naming.bucket");
        assert!(d.approver_role.is_none() && d.approval_request.is_none());
    }

    #[test]
    fn a_less_restrictive_finding_is_recorded_but_does_not_decide() {
        let mut d = decide(r#"{"tool":"Read","args":{"file_path":".env"}}"#);
        assert_eq!(d.decision, Outcome::Deny);
        let (ids, reason, risk) = (d.policy_ids.clone(), d.reason.clone(), d.risk_score);
        merge(
            &mut d,
            &[
                Finding::new("plugin.p.ok", Outcome::Allow, "fine"),
                Finding::new("plugin.p.note", Outcome::Alert, "tell security"),
            ],
        );
        assert_eq!(d.decision, Outcome::Deny);
        assert_eq!((d.policy_ids, d.reason, d.risk_score), (ids, reason, risk));
        assert!(d.matched.iter().any(|m| m.rule_id == "plugin.p.ok"));
        assert_eq!(d.alerts.last().unwrap().rule_id, "plugin.p.note");
        assert_eq!(d.alerts.last().unwrap().reason, "tell security");
    }

    #[test]
    fn an_equal_finding_joins_the_rule_ids_sorted_and_raises_the_risk() {
        let mut d = decide(r#"{"tool":"Read","args":{"file_path":".env"}}"#);
        let engine_ids = d.policy_ids.clone();
        let mut f = Finding::new("a.plugin.first", Outcome::Deny, "also");
        f.risk = 100;
        merge(&mut d, &[f.clone(), f]);
        let mut want = engine_ids;
        want.push("a.plugin.first".into());
        want.sort();
        assert_eq!(d.policy_ids, want);
        assert_eq!(d.risk_score, 100);
        // Allow findings never join the ids of an allowed decision.
        let mut d = allowed();
        merge(
            &mut d,
            &[Finding::new("plugin.p.ok", Outcome::Allow, "fine")],
        );
        assert!(!d.policy_ids.iter().any(|id| id == "plugin.p.ok"));
    }

    #[test]
    fn a_require_approval_finding_brings_its_approver_and_a_request() {
        let mut d = allowed();
        let mut f = Finding::new("plugin.p.review", Outcome::RequireApproval, "infra change");
        f.approver_role = Some("platform".to_owned());
        merge(&mut d, &[f]);
        assert_eq!(d.decision, Outcome::RequireApproval);
        assert_eq!(d.approver_role.as_deref(), Some("platform"));
        let request = d.approval_request.clone().unwrap();
        assert_eq!(request.approver_role, "platform");
        assert_eq!(
            request.fingerprint,
            approval_fingerprint(&d.redacted_action.to_value(), &d.effects)
        );
        // A deny after it drops what belonged to the approval.
        merge(&mut d, &[Finding::new("plugin.p.no", Outcome::Deny, "no")]);
        assert_eq!(d.decision, Outcome::Deny);
        assert!(d.approver_role.is_none() && d.approval_request.is_none());
        // Without a role, the default approver.
        let mut d = allowed();
        merge(
            &mut d,
            &[Finding::new("plugin.p.r", Outcome::RequireApproval, "r")],
        );
        assert_eq!(d.approver_role.as_deref(), Some(DEFAULT_APPROVER_ROLE));
    }

    fn outcome() -> impl proptest::strategy::Strategy<Value = Outcome> {
        proptest::sample::select(Outcome::ALL.to_vec())
    }

    proptest::proptest! {
        #[test]
        fn the_merged_outcome_is_the_most_restrictive(
            outcomes in proptest::collection::vec((outcome(), 0u8..=100), 0..8),
            engine_deny in proptest::bool::ANY,
        ) {
            let mut d = if engine_deny {
                decide(r#"{"tool":"Read","args":{"file_path":".env"}}"#)
            } else {
                allowed()
            };
            let engine = (d.decision, d.risk_score, d.matched.len());
            let findings: Vec<Finding> = outcomes
                .iter()
                .enumerate()
                .map(|(i, (o, risk))| {
                    let mut f = Finding::new(format!("plugin.p.r{i}"), *o, "r");
                    f.risk = *risk;
                    f
                })
                .collect();
            merge(&mut d, &findings);
            let max = outcomes.iter().map(|(o, _)| *o).fold(engine.0, Outcome::max);
            proptest::prop_assert_eq!(d.decision, max);
            proptest::prop_assert!(d.risk_score >= engine.1);
            proptest::prop_assert_eq!(d.matched.len(), engine.2 + findings.len());
            // The deciding ids are those of the findings at the winning outcome (and the
            // engine's, when it was already there).
            for (i, (o, _)) in outcomes.iter().enumerate() {
                let id = format!("plugin.p.r{i}");
                let listed = d.policy_ids.iter().any(|p| *p == id);
                proptest::prop_assert_eq!(listed, *o == max && max != Outcome::Allow);
            }
        }
    }
}
