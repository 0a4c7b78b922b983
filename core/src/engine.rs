//! The one entry type: [`Engine`], compiled once, evaluated many times.

use crate::decision::Decision;
use crate::error::{Error, ErrorCode};
use crate::outcome::Outcome;
use crate::policy::{self, CompiledPolicy, PolicyDoc, Span, Spanned};
use crate::redact::Redactor;
use crate::{evaluate, packs};

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
    /// The action's sequence number in its session (0 outside sessions; in
    /// [`Engine::evaluate_in_session`] the session numbers its actions).
    pub sequence: u64,
    /// Approval grants the host holds for this session or agent (the action may present more
    /// in `approval.grants`).
    pub grants: &'a [crate::session::Grant],
    /// Bypass records the host holds.
    pub bypasses: &'a [crate::session::Bypass],
}

impl<'a> Request<'a> {
    /// A request outside any session.
    pub fn new(action: &'a serde_json::Value, now: &'a str) -> Request<'a> {
        Request {
            action,
            now,
            sequence: 0,
            grants: &[],
            bypasses: &[],
        }
    }
}

/// What `lint` found beyond load errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct LintReport {
    /// Warnings: legal but probably not meant.
    pub warnings: Vec<String>,
}

impl LintReport {
    /// `{"warnings": [...]}`, as every surface reports it.
    pub fn to_json(&self) -> String {
        // Serialising a list of strings cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A value with every secret replaced by its marker, and what was found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Redacted {
    /// The value, secrets replaced by `[REDACTED:<kind>]`.
    pub value: serde_json::Value,
    /// Each secret found: kind, rule, JSON path, offsets, fingerprint, marker.
    pub redactions: Vec<crate::decision::Redaction>,
}

impl Redacted {
    /// `{"value": ..., "redactions": [...]}` with the value's keys sorted, as every surface
    /// reports it.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"value\":");
        out.push_str(&crate::canonical::to_canonical_string(&self.value));
        out.push_str(",\"redactions\":");
        // Serialising plain data cannot fail.
        out.push_str(&serde_json::to_string(&self.redactions).unwrap_or_default());
        out.push('}');
        out
    }
}

/// A compiled policy, ready to evaluate actions. Cheap to share: evaluation takes `&self`.
#[derive(Debug, Clone)]
pub struct Engine {
    policy: CompiledPolicy,
    /// When set, only grants signed with this key count. Never printed.
    grant_key: Option<HostKey>,
}

/// A key the host holds; its `Debug` output shows only that it is set.
#[derive(Clone)]
struct HostKey(std::sync::Arc<[u8]>);

impl std::fmt::Debug for HostKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostKey(..)")
    }
}

impl std::ops::Deref for HostKey {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

fn decode_source(source: &PolicySource<'_>) -> Result<PolicyDoc, Error> {
    if source.format == SourceFormat::Json {
        crate::json::check_strict_policy(source.text, source.origin)?;
    }
    let node = policy::source::parse(source.text, source.origin)?;
    if source.format == SourceFormat::Json && !source.text.trim_start().starts_with('{') {
        return Err(
            Error::new(ErrorCode::PolicySyntax, "a JSON policy must be an object")
                .with_help("start the file with '{'")
                .at(source.origin, 1, 1),
        );
    }
    policy::decode::decode(&node, source.origin)
}

impl Engine {
    /// Parses, checks and compiles one policy source.
    pub fn from_source(source: PolicySource<'_>) -> Result<Engine, Error> {
        Engine::from_sources(source, &[])
    }

    /// Parses, checks and compiles a root policy and its directory overrides. Every error
    /// found is reported (the first, with the others in `related`).
    pub fn from_sources(
        root: PolicySource<'_>,
        overrides: &[PolicySource<'_>],
    ) -> Result<Engine, Error> {
        let mut errors = Vec::new();
        let root_doc = decode_source(&root).map_err(|e| errors.push(e)).ok();
        let mut override_docs = Vec::new();
        for o in overrides {
            match decode_source(o) {
                Ok(d) => override_docs.push(d),
                Err(e) => errors.push(e),
            }
        }
        if let Some(err) = flatten(errors) {
            return Err(err);
        }
        let Some(root_doc) = root_doc else {
            return Err(Error::new(
                ErrorCode::Internal,
                "root policy missing after decode",
            ));
        };
        Engine::from_docs(root_doc, override_docs)
    }

    /// The built-in defaults: `extends: [defaults/coding-agent]`, `default: allow`.
    pub fn defaults() -> Engine {
        let root = PolicyDoc {
            origin: "<defaults>".to_owned(),
            version: Some(Spanned::new("1".to_owned(), Span::default())),
            extends: vec![Spanned::new(
                "defaults/coding-agent".to_owned(),
                Span::default(),
            )],
            // Written out, as the documentation states it, so that lint has nothing to say.
            default: Some(Spanned::new(Outcome::Allow, Span::default())),
            ..PolicyDoc::default()
        };
        match Engine::from_docs(root, Vec::new()) {
            Ok(engine) => engine,
            // INVARIANT: the built-in pack compiles (tested); should it ever not, the engine
            // fails closed: an empty policy whose default is deny.
            Err(_) => Engine {
                grant_key: None,
                policy: CompiledPolicy::deny_all(),
            },
        }
    }

    fn from_docs(root: PolicyDoc, overrides: Vec<PolicyDoc>) -> Result<Engine, Error> {
        let policy = CompiledPolicy::compile(root, overrides, &packs::load)?;
        let engine = Engine {
            policy,
            grant_key: None,
        };
        engine.check_examples()?;
        Ok(engine)
    }

    /// Runs the `examples` of the built-in packs the policy extends, under this policy (its
    /// known hosts and adapters apply). Loading does not: the packs' examples are checked by
    /// the engine's own tests, and a process that lives for one check should not pay for
    /// them; `agent-policy lint` runs them.
    pub fn check_pack_examples(&self) -> Result<(), Error> {
        self.check_examples_of(&self.policy.pack_docs)
    }

    /// Runs every rule's `examples` of the policy's own files: a policy tests itself at load.
    fn check_examples(&self) -> Result<(), Error> {
        self.check_examples_of(&self.policy.docs)
    }

    fn check_examples_of(&self, docs: &[PolicyDoc]) -> Result<(), Error> {
        let mut errors = Vec::new();
        for doc in docs {
            for rule in &doc.rules {
                let Some(examples) = &rule.examples else {
                    continue;
                };
                let Some(compiled) = self.policy.rule(&rule.id.value) else {
                    continue;
                };
                let cases = examples
                    .matches
                    .iter()
                    .map(|e| (e, true))
                    .chain(examples.no_match.iter().map(|e| (e, false)));
                for (n, (example, want)) in cases.enumerate() {
                    let fail = |msg: String, help: String| {
                        Error::new(ErrorCode::PolicyExampleFailed, msg)
                            .with_help(help)
                            .at(&doc.origin, example.span.line, example.span.column)
                    };
                    let got = match evaluate::rule_matches(&self.policy, compiled, &example.value) {
                        Ok(got) => got,
                        Err(e) => {
                            errors.push(fail(
                                format!(
                                    "example {} of rule '{}' is not a valid action: {}",
                                    n + 1,
                                    rule.id.value,
                                    e.message
                                ),
                                e.help
                                    .unwrap_or_else(|| "fix the example action".to_owned()),
                            ));
                            continue;
                        }
                    };
                    if got != want {
                        let (msg, help) = if want {
                            (
                                format!("rule '{}' does not match its example {}", rule.id.value, n + 1),
                                "the rule matched none of the example's effects: widen the rule or fix the example".to_owned(),
                            )
                        } else {
                            (
                                format!(
                                    "rule '{}' matches its no_match example {}",
                                    rule.id.value,
                                    n + 1
                                ),
                                "narrow the rule (a '!pattern' entry excludes) or fix the example"
                                    .to_owned(),
                            )
                        };
                        errors.push(fail(msg, help));
                    }
                }
            }
        }
        match flatten(errors) {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// Evaluates one action.
    pub fn evaluate(&self, request: &Request<'_>) -> Result<Decision, Error> {
        evaluate::evaluate_in(
            &self.policy,
            request.action,
            request.now,
            &mut self.context(request, None),
        )
    }

    /// Evaluates one action of a session and updates the session: budgets, rate limits,
    /// escalation and termination apply (see [`crate::session`]). The session numbers its
    /// actions: `request.sequence` is ignored.
    pub fn evaluate_in_session(
        &self,
        request: &Request<'_>,
        session: &mut crate::session::SessionState,
    ) -> Result<Decision, Error> {
        evaluate::evaluate_in(
            &self.policy,
            request.action,
            request.now,
            &mut self.context(request, Some(session)),
        )
    }

    /// [`Engine::evaluate`] or, with `session`, [`Engine::evaluate_in_session`], with findings
    /// from outside the engine (a host's plugins): `external` sees the rules' decision and its
    /// findings are merged deny-wins before bypasses, grants and the session layer apply, so a
    /// plugin's deny counts toward escalation and a plugin's approval can be granted.
    pub fn evaluate_with_findings(
        &self,
        request: &Request<'_>,
        session: Option<&mut crate::session::SessionState>,
        external: &dyn Fn(&Decision) -> Vec<crate::findings::Finding>,
    ) -> Result<Decision, Error> {
        let mut ctx = self.context(request, session);
        ctx.external = Some(external);
        evaluate::evaluate_in(&self.policy, request.action, request.now, &mut ctx)
    }

    fn context<'r>(
        &'r self,
        request: &Request<'r>,
        session: Option<&'r mut crate::session::SessionState>,
    ) -> evaluate::Context<'r> {
        evaluate::Context {
            sequence: request.sequence,
            grants: request.grants,
            bypasses: request.bypasses,
            grant_key: self.grant_key.as_deref(),
            session,
            external: None,
        }
    }

    /// The same engine, honouring only grants signed with `key` (HMAC-SHA256; see
    /// [`crate::session::Grant::sign`]). The key is host configuration.
    #[must_use]
    pub fn with_grant_key(mut self, key: &[u8]) -> Engine {
        self.grant_key = Some(HostKey(key.into()));
        self
    }

    /// Parses `action` as JSON (strictly: duplicate keys refused) and evaluates it.
    pub fn evaluate_json(&self, action: &str, now: &str) -> Result<Decision, Error> {
        self.evaluate_json_in_session(action, now, 0)
    }

    /// [`Engine::evaluate_json`] for the action numbered `sequence` in its session.
    pub fn evaluate_json_in_session(
        &self,
        action: &str,
        now: &str,
        sequence: u64,
    ) -> Result<Decision, Error> {
        let value = crate::json::parse_strict(action, crate::action::ACTION_ORIGIN, 1)?;
        let mut request = Request::new(&value, now);
        request.sequence = sequence;
        self.evaluate(&request)
    }

    /// Replaces every secret in `value` (strings and object keys, at any depth) by its
    /// marker, with this policy's detectors: the same redaction `evaluate` applies to actions.
    pub fn redact(&self, value: &serde_json::Value) -> Redacted {
        let (value, redactions) = self.policy.redactor.redact_value(value);
        Redacted { value, redactions }
    }

    /// Legal but probably unintended things in the policy.
    pub fn lint(&self) -> LintReport {
        let mut warnings = Vec::new();
        for doc in &self.policy.docs {
            for rule in &doc.rules {
                if rule.matcher
                    == (policy::model::RuleMatch {
                        span: rule.matcher.span,
                        ..Default::default()
                    })
                {
                    warnings.push(format!(
                        "{}:{}:{}: rule '{}' has an empty match and applies to every effect",
                        doc.origin, rule.span.line, rule.span.column, rule.id.value
                    ));
                }
                if rule.examples.is_none() && rule.outcome.value >= Outcome::RequireApproval {
                    warnings.push(format!(
                        "{}:{}:{}: rule '{}' has no examples; add examples so the policy tests itself",
                        doc.origin, rule.span.line, rule.span.column, rule.id.value
                    ));
                }
            }
        }
        if let Some(root) = self.policy.docs.first() {
            if root.default.is_none() {
                warnings.push(format!(
                    "{}: no 'default' given; effects no rule matches are allowed",
                    root.origin
                ));
            }
            let known: Vec<&str> = root.agents.iter().map(|a| a.name.value.as_str()).collect();
            for rule in &root.rules {
                for t in &rule.matcher.agent_type {
                    if !known.contains(&t.value.as_str()) && !known.is_empty() {
                        warnings.push(format!(
                            "{}:{}:{}: rule '{}' names agent type '{}' that 'agents' does not define",
                            root.origin, t.span.line, t.span.column, rule.id.value, t.value
                        ));
                    }
                }
            }
        }
        LintReport { warnings }
    }

    /// The number of compiled rules (implied rules included).
    pub fn rule_count(&self) -> usize {
        self.policy.rules.len()
    }

    /// `sha256:` + hex of the canonical compiled policy.
    pub fn policy_hash(&self) -> &str {
        &self.policy.hash
    }

    /// The policy's schema version.
    pub fn policy_version(&self) -> &str {
        &self.policy.version
    }

    /// The same engine with fingerprints of redacted secrets keyed by `key` (HMAC-SHA256)
    /// instead of the documented default [`crate::redact::DEFAULT_FINGERPRINT_KEY`]. The key is
    /// host configuration, not policy: it changes no outcome and not the policy hash.
    #[must_use]
    pub fn with_fingerprint_key(mut self, key: &[u8]) -> Engine {
        self.policy
            .redactor
            .set_fingerprint_key(crate::redact::FingerprintKey::new(key));
        self
    }

    /// The secret detectors of the policy.
    pub fn redactor(&self) -> &Redactor {
        &self.policy.redactor
    }

    /// The compiled policy (for the host's session, audit and plugin layers).
    pub fn compiled(&self) -> &CompiledPolicy {
        &self.policy
    }
}

fn flatten(errors: Vec<Error>) -> Option<Error> {
    let all: Vec<Error> = errors
        .into_iter()
        .flat_map(|mut e| {
            let related = std::mem::take(&mut e.related);
            std::iter::once(e).chain(related)
        })
        .collect();
    Error::from_list(all)
}
