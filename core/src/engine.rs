//! The one entry type: [`Engine`], compiled once, evaluated many times.

use crate::decision::Decision;
use crate::error::{Error, ErrorCode};
use crate::policy::CompiledPolicy;

/// The syntax of a policy source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceFormat {
    /// YAML 1.2 (JSON documents are YAML too).
    Yaml,
    /// JSON.
    Json,
}

/// One policy source: its text, its name for error locations, and its syntax.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct PolicySource<'a> {
    /// The text.
    pub text: &'a str,
    /// The name errors show (a file path, or `<inline>`).
    pub origin: &'a str,
    /// The syntax.
    pub format: SourceFormat,
}

impl<'a> PolicySource<'a> {
    /// A source.
    pub fn new(text: &'a str, origin: &'a str, format: SourceFormat) -> PolicySource<'a> {
        PolicySource {
            text,
            origin,
            format,
        }
    }
}

/// One evaluation request.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Request<'a> {
    /// The action (SPEC §3).
    pub action: &'a serde_json::Value,
    /// The time of the decision, RFC 3339.
    pub now: &'a str,
    /// The action's sequence number in its session (0 outside sessions).
    pub sequence: u64,
}

impl<'a> Request<'a> {
    /// A request outside any session.
    pub fn new(action: &'a serde_json::Value, now: &'a str) -> Request<'a> {
        Request {
            action,
            now,
            sequence: 0,
        }
    }
}

/// What `lint` found beyond load errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LintReport {
    /// Warnings: legal but probably not meant.
    pub warnings: Vec<String>,
}

/// A compiled policy, ready to evaluate actions.
#[derive(Debug, Clone)]
pub struct Engine {
    policy: CompiledPolicy,
}

impl Engine {
    /// Parses, checks and compiles one policy source.
    pub fn from_source(source: PolicySource<'_>) -> Result<Engine, Error> {
        Engine::from_sources(source, &[])
    }

    /// Parses, checks and compiles a root policy and its directory overrides.
    pub fn from_sources(
        root: PolicySource<'_>,
        overrides: &[PolicySource<'_>],
    ) -> Result<Engine, Error> {
        let _ = (root, overrides);
        Err(Error::new(ErrorCode::Internal, "not yet written"))
    }

    /// Evaluates one action.
    pub fn evaluate(&self, request: &Request<'_>) -> Result<Decision, Error> {
        let _ = (request, &self.policy);
        Err(Error::new(ErrorCode::Internal, "not yet written"))
    }
}
