//! The one error type of every surface: a stable machine `code`, a lowercase message, an
//! optional source location and a `help` line saying how to fix it.

use serde::Serialize;

/// The stable machine codes. Every surface (CLI, Python, Node, wasm) reports these strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The policy text is not well-formed YAML or JSON.
    PolicySyntax,
    /// A key the schema does not know (typos must not silently weaken a policy).
    PolicyUnknownKey,
    /// A required key is absent.
    PolicyMissingKey,
    /// A key appears twice in one mapping.
    PolicyDuplicateKey,
    /// A value has the wrong type (a list where a string was expected, ...).
    PolicyBadType,
    /// A value has the right type but is not allowed (negative limit, empty id, ...).
    PolicyBadValue,
    /// An outcome that is not one of the six.
    PolicyUnknownOutcome,
    /// An effect kind that does not exist.
    PolicyUnknownKind,
    /// An autonomy tier that does not exist.
    PolicyUnknownTier,
    /// `version` is not a supported schema version.
    PolicyUnsupportedVersion,
    /// A path, host or tool glob does not compile.
    PolicyBadGlob,
    /// A regular expression does not compile.
    PolicyBadRegex,
    /// A command pattern cannot be understood.
    PolicyBadPattern,
    /// `extends` names a pack that does not exist.
    PolicyUnknownPack,
    /// Two rules share an id.
    PolicyDuplicateRuleId,
    /// A rule's `examples` do not behave as the rule claims.
    PolicyExampleFailed,
    /// An override grants what the root policy denies.
    PolicyConflict,
    /// The action is not well-formed JSON.
    ActionSyntax,
    /// The action has a field the format does not know.
    ActionUnknownField,
    /// An action field has the wrong type.
    ActionBadType,
    /// An action field has a value that cannot be used.
    ActionBadValue,
    /// The action lacks what its kind needs (a `file.read` with no path, ...).
    ActionMissingField,
    /// `now` is not an RFC 3339 timestamp.
    BadTimestamp,
    /// The host's configuration has a value it cannot use (a fingerprint key too short, ...).
    ConfigBadValue,
    /// A bug: something that must not happen did. Never a panic across a boundary.
    Internal,
}

impl ErrorCode {
    /// The dotted machine spelling, stable across releases and surfaces.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::PolicySyntax => "policy.syntax",
            ErrorCode::PolicyUnknownKey => "policy.unknown_key",
            ErrorCode::PolicyMissingKey => "policy.missing_key",
            ErrorCode::PolicyDuplicateKey => "policy.duplicate_key",
            ErrorCode::PolicyBadType => "policy.bad_type",
            ErrorCode::PolicyBadValue => "policy.bad_value",
            ErrorCode::PolicyUnknownOutcome => "policy.unknown_outcome",
            ErrorCode::PolicyUnknownKind => "policy.unknown_kind",
            ErrorCode::PolicyUnknownTier => "policy.unknown_tier",
            ErrorCode::PolicyUnsupportedVersion => "policy.unsupported_version",
            ErrorCode::PolicyBadGlob => "policy.bad_glob",
            ErrorCode::PolicyBadRegex => "policy.bad_regex",
            ErrorCode::PolicyBadPattern => "policy.bad_pattern",
            ErrorCode::PolicyUnknownPack => "policy.unknown_pack",
            ErrorCode::PolicyDuplicateRuleId => "policy.duplicate_rule_id",
            ErrorCode::PolicyExampleFailed => "policy.example_failed",
            ErrorCode::PolicyConflict => "policy.conflict",
            ErrorCode::ActionSyntax => "action.syntax",
            ErrorCode::ActionUnknownField => "action.unknown_field",
            ErrorCode::ActionBadType => "action.bad_type",
            ErrorCode::ActionBadValue => "action.bad_value",
            ErrorCode::ActionMissingField => "action.missing_field",
            ErrorCode::BadTimestamp => "request.bad_timestamp",
            ErrorCode::ConfigBadValue => "config.bad_value",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in a policy source an error is: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The source's name as the caller gave it (a file path, or `<inline>`).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// An error from loading a policy or evaluating an action.
///
/// Messages are lowercase without a final period and never contain a raw secret: values taken
/// from actions are shown only when they are names (keys, kinds), never payloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Error {
    /// The stable machine code.
    #[serde(serialize_with = "serialize_code")]
    pub code: ErrorCode,
    /// What is wrong, lowercase, no final period.
    pub message: String,
    /// How to fix it (`did you mean 'deny'?`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Where in the policy source, when the error is about a policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Further errors found in the same load, in source order (`lint` reports them all).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Error>,
}

fn serialize_code<S: serde::Serializer>(code: &ErrorCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(code.as_str())
}

impl Error {
    /// A new error with no location and no help.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            help: None,
            location: None,
            related: Vec::new(),
        }
    }

    /// Adds a help line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Error {
        self.help = Some(help.into());
        self
    }

    /// Adds a location.
    #[must_use]
    pub fn at(mut self, file: &str, line: u32, column: u32) -> Error {
        self.location = Some(Location {
            file: file.to_owned(),
            line,
            column,
        });
        self
    }

    /// Folds a list of errors into one: the first, with the rest as `related`.
    /// Returns `None` for an empty list.
    pub fn from_list(mut errors: Vec<Error>) -> Option<Error> {
        if errors.is_empty() {
            return None;
        }
        let mut first = errors.remove(0);
        first.related.extend(errors);
        Some(first)
    }

    /// This error and its related errors, in order.
    pub fn all(&self) -> impl Iterator<Item = &Error> {
        std::iter::once(self).chain(self.related.iter())
    }

    /// The error as the JSON object every surface reports: `{"error": {"code", "message",
    /// "help", "location", "related"}}` (absent parts left out).
    pub fn to_json(&self) -> String {
        let mut document = serde_json::Map::new();
        document.insert("error".to_owned(), self.to_value());
        serde_json::Value::Object(document).to_string()
    }

    /// The error as the JSON value its `Serialize` writes, built directly (the same entries
    /// in the same order), so that no serializer into a value is needed for it.
    fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        let mut error = serde_json::Map::new();
        error.insert("code".to_owned(), Value::from(self.code.as_str()));
        error.insert("message".to_owned(), Value::from(self.message.as_str()));
        if let Some(help) = &self.help {
            error.insert("help".to_owned(), Value::from(help.as_str()));
        }
        if let Some(l) = &self.location {
            let mut location = serde_json::Map::new();
            location.insert("file".to_owned(), Value::from(l.file.as_str()));
            location.insert("line".to_owned(), Value::from(l.line));
            location.insert("column".to_owned(), Value::from(l.column));
            error.insert("location".to_owned(), Value::Object(location));
        }
        if !self.related.is_empty() {
            let related = self.related.iter().map(Error::to_value).collect();
            error.insert("related".to_owned(), Value::Array(related));
        }
        Value::Object(error)
    }

    /// The one-line rendering of this error alone: `file:line:col: message [code]`.
    pub fn headline(&self) -> String {
        match &self.location {
            Some(l) => format!(
                "{}:{}:{}: {} [{}]",
                l.file, l.line, l.column, self.message, self.code
            ),
            None => format!("{} [{}]", self.message, self.code),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.headline())?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Suggests the closest of `candidates` to `given`, for `did you mean ...?` help lines.
pub fn did_you_mean<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(given, c), *c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn errors_serialise_with_their_stable_code_and_help() {
        let e = Error::new(ErrorCode::PolicyUnknownKey, "unknown key 'x'")
            .with_help("did you mean 'y'?")
            .at("p.yml", 3, 5);
        let v: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(v["error"]["code"], "policy.unknown_key");
        assert_eq!(v["error"]["help"], "did you mean 'y'?");
        assert_eq!(v["error"]["location"]["line"], 3);
        assert_eq!(did_you_mean("dney", &["allow", "deny"]), Some("deny"));
        assert_eq!(did_you_mean("zzz", &["allow", "deny"]), None);
    }

    #[test]
    fn the_json_value_is_what_serialize_writes() {
        let plain = Error::new(ErrorCode::ActionBadValue, "bad \"value\"\n");
        let full = Error::new(ErrorCode::PolicyUnknownKey, "unknown key 'x'")
            .with_help("did you mean 'y'?")
            .at("p.yml", 3, 5);
        let mut list = full.clone();
        list.related = vec![plain.clone(), full.clone()];
        for e in [plain, full, list] {
            assert_eq!(e.to_value(), serde_json::to_value(&e).unwrap());
            assert_eq!(e.to_json(), serde_json::json!({ "error": e }).to_string());
        }
    }
}
