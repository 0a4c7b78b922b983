//! agent-policy binding crate for the Node module `agent-policy` (napi-rs): a thin conversion layer over the native host.
//!
//! A binding converts types and errors and nothing else: every decision comes from
//! [`agent_policy_core::Engine`], so every surface returns the same decision document byte for
//! byte. The foreign-function layer is built in its own change; until then this crate exposes
//! the two conversions every surface shares: a decision or an error, as the canonical JSON text.

use agent_policy_core::{Decision, Error};

/// The canonical JSON of a decision: what this surface must return, byte for byte.
pub fn decision_json(decision: &Decision) -> String {
    decision.to_json()
}

/// An error as the JSON object every surface reports: `{"error": {"code", "message", ...}}`.
pub fn error_json(error: &Error) -> String {
    serde_json::json!({ "error": error }).to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use agent_policy_core::ErrorCode;

    #[test]
    fn errors_keep_their_stable_code() {
        let e = Error::new(ErrorCode::PolicyUnknownKey, "unknown key 'x'")
            .with_help("did you mean 'y'?");
        let v: serde_json::Value = serde_json::from_str(&error_json(&e)).unwrap();
        assert_eq!(v["error"]["code"], "policy.unknown_key");
        assert_eq!(v["error"]["help"], "did you mean 'y'?");
    }
}
