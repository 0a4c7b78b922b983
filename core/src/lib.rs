//! agent-policy core: a deterministic, no-IO policy engine for the actions of AI agents.
//!
//! Flow: policy text → [`Engine`] (parsed with spans, checked, compiled once) → for each action:
//! action JSON → effects → matched rules → [`Decision`]. Nothing here touches files, clocks,
//! randomness, threads or the environment: the caller passes the policy text and `now`.
//!
//! ```
//! use agent_policy_core::{Engine, Outcome};
//! let engine = Engine::defaults();
//! let d = engine
//!     .evaluate_json(r#"{"tool":"Read","args":{"file_path":".env"}}"#, "2026-11-22T10:00:00Z")
//!     .unwrap();
//! assert_eq!(d.decision, Outcome::Deny);
//! ```

pub mod action;
pub mod decision;
pub mod effects;
pub mod error;
pub mod findings;
pub mod glob_match;
pub mod json;
pub mod outcome;
pub mod policy;
pub mod redact;
pub mod session;
pub mod tier;

mod canonical;
mod decision_json;
mod engine;
mod evaluate;
mod packs;

pub use action::Action;
pub use canonical::CanonicalJson;
/// The string type of the short fields of a decision (rule ids, patterns, the timestamp): a
/// string kept inline up to 24 bytes, so that most decisions allocate nothing for them.
pub use compact_str::CompactString;
pub use decision::{Alert, Decision, Match, Redaction};
pub use effects::{Effect, EffectKind};
pub use engine::{Engine, LintReport, PolicySource, Redacted, Request, SourceFormat};
pub use error::{Error, ErrorCode, Location};
pub use outcome::Outcome;
pub use tier::Tier;

/// The names of the built-in rule packs `extends` may name.
pub fn builtin_packs() -> &'static [&'static str] {
    packs::NAMES
}
