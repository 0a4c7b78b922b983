//! The process exit codes of the `agent-policy` CLI (SPEC §10). They are a contract with CI
//! scripts and hooks: `--exit-code` uses 2 and 3, so failures use codes that never collide.

use agent_policy_core::Outcome;

/// Evaluated (or linted) successfully.
pub const OK: i32 = 0;
/// Bad input: a policy that does not load, a malformed action, an unreadable file.
pub const FAILURE: i32 = 1;
/// With `--exit-code`: the decision is `require_approval`.
pub const REQUIRE_APPROVAL: i32 = 2;
/// With `--exit-code`: the decision is `deny` or `terminate`.
pub const DENY: i32 = 3;
/// The command line itself is wrong (BSD `EX_USAGE`).
pub const USAGE: i32 = 64;
/// A bug: an internal error or a panic (BSD `EX_SOFTWARE`).
pub const INTERNAL: i32 = 70;

/// The exit code `check --exit-code` gives a decision.
pub fn for_outcome(outcome: Outcome) -> i32 {
    match outcome {
        Outcome::Deny | Outcome::Terminate => DENY,
        Outcome::RequireApproval => REQUIRE_APPROVAL,
        Outcome::Allow | Outcome::Redact | Outcome::Alert => OK,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocking_outcomes_have_their_own_codes_and_the_rest_succeed() {
        let codes: Vec<i32> = Outcome::ALL.into_iter().map(for_outcome).collect();
        assert_eq!(codes, [OK, OK, OK, REQUIRE_APPROVAL, DENY, DENY]);
        for failure in [FAILURE, USAGE, INTERNAL] {
            assert!(!codes.contains(&failure));
        }
    }
}
