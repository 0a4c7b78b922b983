//! Secret detection and redaction of action values.
//!
//! A [`Redactor`] is compiled once per policy from the built-in detectors (see `detectors`) and
//! the policy's `redaction.rules`. For each action it walks every string of the JSON value,
//! object keys included, and replaces each secret by `[REDACTED:<kind>]`, reporting where the
//! secret was (JSON path and byte offsets in the original string) and a short fingerprint that
//! lets equal secrets be correlated without revealing them.
//!
//! Cost: an Aho-Corasick prefilter over every detector's literal keywords scans each string
//! once; a detector's regular expression runs only on strings where one of its keywords
//! occurs, and a built-in detector whose matches cannot span lines only on the lines that
//! hold one. All regular expressions are linear-time (the `regex` crate), and policy patterns
//! are compiled under a size limit.

mod detectors;
mod fingerprint;
mod keyword_filter;
use keyword_filter::KeywordFilter;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};

use crate::decision::Redaction;
use crate::error::{Error, ErrorCode};
use crate::policy::model::RedactionRule;
use detectors::{BUILTINS, Builtin, Check};
pub use fingerprint::{DEFAULT_KEY as DEFAULT_FINGERPRINT_KEY, FingerprintKey};

/// Upper bound on the compiled size of one policy pattern, in bytes.
const POLICY_REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Upper bound on the lazy DFA cache of one policy pattern, in bytes.
const POLICY_DFA_SIZE_LIMIT: usize = 2 << 20;

/// Secrets shorter than this (in bytes) are not scrubbed by [`FoundSecrets::scrub`]: replacing
/// every occurrence of a two-letter password would mangle unrelated text.
const MIN_SCRUB_LEN: usize = 6;

/// Member names that carry the name of a setting in `{"name": "DB_PASSWORD", "value": "…"}`
/// objects (Kubernetes `env`, many CI and cloud APIs).
const NAME_MEMBERS: &[&str] = &["name", "Name", "key", "Key"];

/// Member names that carry the value in such objects.
const VALUE_MEMBERS: &[&str] = &["value", "Value"];

/// A detector's regular expression with the index of its secret's capture group.
#[derive(Debug, Clone)]
enum Pattern {
    /// A policy rule's: compiled when the policy loads, so its errors are load errors.
    Ready(Regex, usize),
    /// A built-in one: compiled the first time a text holds one of its keywords, once per
    /// process (every redactor shares the cell). Most calls need none of the 118, so a
    /// process that lives for one check does not pay for compiling them.
    Lazy(
        &'static str,
        std::sync::Arc<OnceLock<Option<(Regex, usize)>>>,
    ),
}

impl Pattern {
    /// The compiled expression and group; `None` if a built-in pattern does not compile
    /// (a unit test compiles them all).
    fn get(&self) -> Option<(&Regex, usize)> {
        match self {
            Pattern::Ready(regex, group) => Some((regex, *group)),
            Pattern::Lazy(text, cell) => cell
                .get_or_init(|| {
                    let regex = Regex::new(text).ok()?;
                    let group = regex
                        .capture_names()
                        .position(|n| n == Some("s"))
                        .unwrap_or(0);
                    Some((regex, group))
                })
                .as_ref()
                .map(|(r, g)| (r, *g)),
        }
    }

    /// The pattern as written.
    fn as_str(&self) -> &str {
        match self {
            Pattern::Ready(regex, _) => regex.as_str(),
            Pattern::Lazy(text, _) => text,
        }
    }
}

/// One compiled detector: a built-in one or a policy rule.
#[derive(Debug, Clone)]
struct Detector {
    /// The kind reported in findings and markers.
    kind: String,
    /// `builtin.<kind>` or the policy rule's id.
    rule_id: String,
    /// Lowercase prefilter keywords; empty: the detector runs on every string.
    keywords: Vec<String>,
    /// The pattern and the index of the capture group that holds the secret (0: the whole
    /// match).
    pattern: Pattern,
    /// How a match is confirmed.
    check: Check,
    /// Policy rules only: the least Shannon entropy (bits per character) of a secret.
    min_entropy: Option<f64>,
    /// Policy rules only: a secret in which one of these occurs is not one.
    allowlist: Vec<Regex>,
    /// Whether this is a policy rule (not a built-in detector).
    from_policy: bool,
    /// Whether every match lies on one line that holds one of the keywords (a built-in
    /// pattern that [`detectors::is_line_local`] accepts): the pattern then runs only on those
    /// lines. Policy rules run on the whole text.
    line_local: bool,
}

impl Detector {
    /// A built-in detector; its pattern is compiled on first use.
    fn builtin(b: &Builtin) -> Result<Detector, Error> {
        Ok(Detector {
            kind: b.kind.to_owned(),
            rule_id: format!("builtin.{}", b.kind),
            keywords: b.keywords.iter().map(|k| k.to_ascii_lowercase()).collect(),
            pattern: Pattern::Lazy(b.pattern, std::sync::Arc::default()),
            check: b.check,
            min_entropy: None,
            allowlist: Vec::new(),
            from_policy: false,
            line_local: detectors::is_line_local(b.pattern),
        })
    }

    /// Compiles a policy rule. The secret is the group named `secret` when the pattern has
    /// one, else the whole match.
    fn policy(rule: &RedactionRule, origin: &str) -> Result<Detector, Error> {
        let id = &rule.id.value;
        let regex = policy_regex(
            &rule.pattern,
            &format!("the pattern of redaction rule '{id}'"),
            "",
            "make the pattern require at least one character (use `+` rather than `*`)",
            origin,
        )?;
        let group = regex
            .capture_names()
            .position(|n| n == Some("secret"))
            .unwrap_or(0);
        let keywords: Vec<String> = rule
            .keywords
            .iter()
            .map(|k| k.value.to_ascii_lowercase())
            .collect();
        // An empty keyword occurs everywhere: the rule then runs on every string.
        let keywords = if keywords.iter().any(String::is_empty) {
            Vec::new()
        } else {
            keywords
        };
        let mut allowlist = Vec::with_capacity(rule.allowlist.len());
        let mut errors = Vec::new();
        for (i, entry) in rule.allowlist.iter().enumerate() {
            match allowlist_regex(id, i, entry, origin) {
                Ok(r) => allowlist.push(r),
                Err(e) => errors.push(e),
            }
        }
        if let Some(err) = Error::from_list(errors) {
            return Err(err);
        }
        Ok(Detector {
            kind: id.clone(),
            rule_id: id.clone(),
            keywords,
            pattern: Pattern::Ready(regex, group),
            check: Check::Plain,
            min_entropy: rule.entropy.as_ref().map(|e| e.value),
            allowlist,
            from_policy: true,
            line_local: false,
        })
    }

    /// Appends the secrets this detector finds in `text`, ranked `rank` for ties.
    fn find(&self, text: &str, rank: usize, out: &mut Vec<Candidate>) {
        let mut push = |(start, end): (usize, usize)| {
            out.push(Candidate {
                start,
                end,
                rank,
                source: Source::Detector(rank),
            });
        };
        let Some((regex, group)) = self.pattern.get() else {
            // INVARIANT: unreachable (every built-in pattern compiles: unit test); should one
            // not, the string it was asked about is withheld whole rather than risk a leak.
            push((0, text.len()));
            return;
        };
        if let Check::Assignment = self.check {
            let mut values = detectors::Assignments::new(text);
            for caps in regex.captures_iter(text) {
                if let (Some(all), Some(key)) = (caps.get(0), caps.name("key"))
                    && let Some(span) = values.value(key.start(), key.as_str(), all.end())
                {
                    push(span);
                }
            }
            return;
        }
        for caps in regex.captures_iter(text) {
            if let Some(m) = caps.get(group)
                && !m.is_empty()
                && confirm(self.check, text, m.start(), m.end())
                && self.passes_policy_gates(m.as_str())
            {
                push((m.start(), m.end()));
            }
        }
    }

    /// [`Detector::find`] for a line-local detector, searching only `lines` of `text`: sorted,
    /// disjoint byte ranges `start..end` of whole lines (`end` at a line feed or the end of
    /// the text) that hold every keyword occurrence of this detector.
    ///
    /// Each range is searched from the line feed before it (the boundary that most patterns
    /// start with may be that line feed) to its end, with the text before it as context, so
    /// `^` matches only where the whole text starts. A line-local match holds no line feed
    /// but as its first character, and holds a keyword: it lies in one of the ranges, and is
    /// found there exactly as a search of the whole text finds it.
    fn find_lines(
        &self,
        text: &str,
        lines: &[(usize, usize)],
        rank: usize,
        out: &mut Vec<Candidate>,
    ) {
        let Some((regex, group)) = self.pattern.get() else {
            self.find(text, rank, out);
            return;
        };
        let from = out.len();
        let assignment = matches!(self.check, Check::Assignment);
        let key_group = if assignment {
            regex.capture_names().position(|n| n == Some("key"))
        } else {
            None
        };
        let mut values = detectors::Assignments::new(text);
        let mut locations = regex.capture_locations();
        for &(start, end) in lines {
            let Some(haystack) = text.get(..end) else {
                out.truncate(from);
                self.find(text, rank, out);
                return;
            };
            let mut at = start.saturating_sub(1);
            while at <= end {
                let Some(all) = regex.captures_read_at(&mut locations, haystack, at) else {
                    break;
                };
                if all.is_empty() {
                    // Not expected of a line-local pattern; search the whole text instead.
                    out.truncate(from);
                    self.find(text, rank, out);
                    return;
                }
                at = all.end();
                let span = if assignment {
                    key_group
                        .and_then(|g| locations.get(g))
                        .and_then(|(ks, ke)| {
                            let key = text.get(ks..ke)?;
                            values.value(ks, key, all.end())
                        })
                } else {
                    locations.get(group).filter(|&(s, e)| {
                        s < e
                            && confirm(self.check, text, s, e)
                            && text.get(s..e).is_some_and(|m| self.passes_policy_gates(m))
                    })
                };
                if let Some((s, e)) = span {
                    out.push(Candidate {
                        start: s,
                        end: e,
                        rank,
                        source: Source::Detector(rank),
                    });
                }
            }
        }
    }

    /// Appends the secrets this detector finds where `reach` says it may match in `text`.
    fn find_in(&self, text: &str, reach: &Reach, rank: usize, out: &mut Vec<Candidate>) {
        match reach {
            Reach::Nowhere => {}
            Reach::Whole => self.find(text, rank, out),
            Reach::Lines(lines) => self.find_lines(text, lines, rank, out),
        }
    }

    /// Whether a policy rule's match clears its `entropy` floor and none of its `allowlist`
    /// patterns occurs in it (built-in detectors have neither).
    fn passes_policy_gates(&self, secret: &str) -> bool {
        self.min_entropy
            .is_none_or(|floor| shannon_entropy(secret) >= floor)
            && !self.allowlist.iter().any(|a| a.is_match(secret))
    }
}

/// Compiles entry `index` of the `allowlist` of redaction rule `id`. A pattern that matches
/// the empty string occurs in every secret and would disable the rule: it is refused.
fn allowlist_regex(
    id: &str,
    index: usize,
    entry: &crate::policy::node::Spanned<String>,
    origin: &str,
) -> Result<Regex, Error> {
    policy_regex(
        entry,
        &format!("allowlist entry {index} of redaction rule '{id}'"),
        ", so it would allow every secret",
        "make the entry require at least one character, e.g. `(?i)example`",
        origin,
    )
}

/// Compiles a regular expression of a policy under the size limits; `what` names it in
/// errors. One that does not compile, or matches the empty string (`empty_consequence` says
/// what that would do; `empty_help` how to fix it), is `policy.bad_regex` at its position.
fn policy_regex(
    text: &crate::policy::node::Spanned<String>,
    what: &str,
    empty_consequence: &str,
    empty_help: &str,
    origin: &str,
) -> Result<Regex, Error> {
    let span = text.span;
    let regex = RegexBuilder::new(&text.value)
        .size_limit(POLICY_REGEX_SIZE_LIMIT)
        .dfa_size_limit(POLICY_DFA_SIZE_LIMIT)
        .build()
        .map_err(|e| {
            Error::new(
                ErrorCode::PolicyBadRegex,
                format!("{what} is not a valid regular expression"),
            )
            .with_help(regex_reason(&e))
            .at(origin, span.line, span.column)
        })?;
    if regex.is_match("") {
        return Err(Error::new(
            ErrorCode::PolicyBadRegex,
            format!("{what} matches the empty string{empty_consequence}"),
        )
        .with_help(empty_help)
        .at(origin, span.line, span.column));
    }
    Ok(regex)
}

/// Shannon entropy of the bytes of `text`, in bits per byte (per character for ASCII text;
/// 0 for empty text).
fn shannon_entropy(text: &str) -> f64 {
    let mut counts = [0u32; 256];
    for &b in text.as_bytes() {
        if let Some(n) = counts.get_mut(usize::from(b)) {
            *n = n.saturating_add(1);
        }
    }
    let total = f64::from(u32::try_from(text.len()).unwrap_or(u32::MAX).max(1));
    counts
        .iter()
        .filter(|&&n| n > 0)
        .map(|&n| {
            let p = f64::from(n) / total;
            -p * p.log2()
        })
        .sum()
}

/// Whether a regex match at `text[start..end]` passes the detector's check.
fn confirm(check: Check, text: &str, start: usize, end: usize) -> bool {
    let Some(found) = text.get(start..end) else {
        return false;
    };
    match check {
        Check::Plain | Check::Assignment => true,
        Check::Tail(continues) => !text
            .get(end..)
            .and_then(|rest| rest.chars().next())
            .is_some_and(continues),
        Check::Bearer => detectors::bearer_is_literal(found),
        Check::Password => detectors::password_is_literal(found),
    }
}

/// The lowercase reason of a regex compile error, without the echoed pattern.
fn regex_reason(e: &regex::Error) -> String {
    match e {
        regex::Error::CompiledTooBig(limit) => format!(
            "the pattern compiles to more than {limit} bytes: shorten bounded repetitions \
             such as `{{1000}}` and prefer ascii classes (`[0-9a-z]`) to unicode ones (`\\w`)"
        ),
        other => {
            let text = other.to_string();
            let reason = text
                .lines()
                .rev()
                .find_map(|l| l.trim().strip_prefix("error:"))
                .unwrap_or("the regular expression does not compile")
                .trim()
                .trim_end_matches('.')
                .to_lowercase();
            format!("fix the pattern: {reason}")
        }
    }
}

/// Where a candidate finding comes from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// A detector, by index.
    Detector(usize),
    /// The name of the JSON key holding the string announces a secret of this kind.
    Keyed(&'static str),
}

/// A secret found in one string, before overlaps are resolved.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// Start byte offset.
    start: usize,
    /// End byte offset (exclusive).
    end: usize,
    /// Tie-break rank: lower wins when two candidates have the same start and length.
    rank: usize,
    /// What found it.
    source: Source,
}

/// The keyword prefilter: which detectors may match a given text.
#[derive(Debug, Clone, Default)]
struct Prefilter {
    /// For each distinct keyword (by its index in `filter`), the detectors it enables.
    owners: Vec<Vec<usize>>,
    /// Detectors without keywords: always run.
    always: Vec<usize>,
    /// Whether every keyword reads the same in JSON text as in the string it is in (no `"`,
    /// `\\` or control character), so one search over an action's canonical JSON text can
    /// stand for one search per string.
    text_safe: bool,
    /// The keywords, ASCII case ignored (see [`KeywordFilter`]): answers "does any occur"
    /// and "which occur where" (`reach`).
    filter: KeywordFilter,
    /// Per detector: whether it is line-local (see `Detector::line_local`).
    line_local: Vec<bool>,
}

/// Where one detector may match in one text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Reach {
    /// Nowhere: none of its keywords occurs.
    #[default]
    Nowhere,
    /// Anywhere in the text.
    Whole,
    /// Only in these sorted, disjoint ranges of whole lines (a line-local detector).
    Lines(Vec<(usize, usize)>),
}

impl Prefilter {
    /// Builds the prefilter of `detectors`.
    fn new(detectors: &[Detector]) -> Prefilter {
        let mut keywords: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (i, d) in detectors.iter().enumerate() {
            if d.keywords.is_empty() {
                always.push(i);
            }
            for k in &d.keywords {
                if let Some(p) = keywords.iter().position(|x| x == k) {
                    if let Some(o) = owners.get_mut(p) {
                        o.push(i);
                    }
                } else {
                    keywords.push(k.clone());
                    owners.push(vec![i]);
                }
            }
        }
        let text_safe = keywords
            .iter()
            .all(|k| !k.contains(|c: char| c == '"' || c == '\\' || c.is_control()));
        let filter = KeywordFilter::new(keywords.iter().map(String::as_str));
        Prefilter {
            owners,
            always,
            text_safe,
            filter,
            line_local: detectors.iter().map(|d| d.line_local).collect(),
        }
    }

    /// Whether any keyword occurs in `text`, ASCII case ignored.
    fn any_keyword(&self, text: &str) -> bool {
        self.filter.any(text.as_bytes())
    }

    /// Where each of the `count` detectors may match in `text`: one scan of the text.
    fn reach(&self, text: &str, count: usize) -> Vec<Reach> {
        let mut reach = vec![Reach::Nowhere; count];
        for &i in &self.always {
            if let Some(r) = reach.get_mut(i) {
                *r = Reach::Whole;
            }
        }
        let bytes = text.as_bytes();
        // The line of the last keyword whose line was needed: keywords come in order, often
        // several on one line.
        let mut line: Option<(usize, usize)> = None;
        // A keyword found at `start` enables its detectors: the whole text, or the line
        // around `start` for a line-local one (keywords of line-local detectors hold no line
        // feed, so they start on a character boundary).
        let mut enable = |pattern: usize, start: usize| {
            if line.is_some_and(|(from, to)| start < from || start >= to) {
                line = None;
            }
            for &i in self.owners.get(pattern).into_iter().flatten() {
                let Some(r) = reach.get_mut(i) else { continue };
                if *r == Reach::Whole {
                    continue;
                }
                if !self.line_local.get(i).copied().unwrap_or(false) {
                    *r = Reach::Whole;
                    continue;
                }
                if let Reach::Lines(lines) = r
                    && let Some(last) = lines.last()
                    && start < last.1
                {
                    // On the last line taken (keywords are found in order of their start, so
                    // never before it).
                    continue;
                }
                let (line_start, line_end) = *line.get_or_insert_with(|| {
                    let line_start = text
                        .get(..start)
                        .and_then(|t| t.rfind('\n'))
                        .map_or(0, |p| p + 1);
                    let line_end = text
                        .get(start..)
                        .and_then(|t| t.find('\n'))
                        .map_or(bytes.len(), |p| start + p);
                    (line_start, line_end)
                });
                match r {
                    Reach::Lines(lines) => match lines.last_mut() {
                        // The next line: one range.
                        Some(last) if last.1 + 1 == line_start => last.1 = line_end,
                        _ => lines.push((line_start, line_end)),
                    },
                    _ => *r = Reach::Lines(vec![(line_start, line_end)]),
                }
            }
        };
        self.filter.for_each(bytes, &mut enable);
        reach
    }
}

/// The built-in detectors, compiled once per process.
fn builtin_detectors() -> Result<&'static [Detector], Error> {
    static BUILT: OnceLock<Result<Vec<Detector>, Error>> = OnceLock::new();
    BUILT
        .get_or_init(|| BUILTINS.iter().map(Detector::builtin).collect())
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// The prefilter of the built-in detectors alone (`detectors`), built on first use.
fn builtin_prefilter(detectors: &[Detector]) -> std::sync::Arc<Prefilter> {
    static BUILT: OnceLock<std::sync::Arc<Prefilter>> = OnceLock::new();
    BUILT
        .get_or_init(|| std::sync::Arc::new(Prefilter::new(detectors)))
        .clone()
}

/// The kinds the built-in detectors report, sorted and without repeats (the `kind` of a
/// finding and the `<kind>` of its `[REDACTED:<kind>]` marker).
pub fn builtin_kinds() -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = BUILTINS
        .iter()
        .map(|b| b.kind)
        .chain([detectors::GENERIC_KIND, detectors::AWS_SECRET_KIND])
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

/// Whether the built-in detectors find a secret in `text`: what a message must check before
/// quoting a piece of the input (a JSON key, a field name) that could be data.
pub fn builtin_finds_secret(text: &str) -> bool {
    static BUILTIN: OnceLock<Redactor> = OnceLock::new();
    !BUILTIN
        .get_or_init(Redactor::default)
        .redact_text(text, "$")
        .1
        .is_empty()
}

/// The compiled secret detectors of a policy: the built-in ones and the policy's own.
///
/// [`Redactor::default`] is the built-in detectors alone, exactly as
/// `Redactor::new(true, &[], …)`.
#[derive(Debug, Clone)]
pub struct Redactor {
    /// The policy's rules first, then the built-ins: the order breaks ties between findings
    /// of equal start and length.
    detectors: Vec<Detector>,
    /// Which detectors may match a text. Shared: the built-in detectors' prefilter is built
    /// once per process (its keyword automata take milliseconds to build).
    prefilter: std::sync::Arc<Prefilter>,
    /// Whether the values of secret-named JSON keys (`"password": "…"`) are secrets: part of
    /// the built-in detection.
    keyed: bool,
    /// The key of the fingerprints reported with each finding.
    fingerprint_key: FingerprintKey,
}

impl Default for Redactor {
    fn default() -> Redactor {
        // INVARIANT: the built-in patterns compile (a unit test compiles them); if they ever
        // did not, `Redactor::new(true, …)` reports it and policy loading fails.
        Redactor::new(true, &[], "<builtin>").unwrap_or(Redactor {
            detectors: Vec::new(),
            prefilter: std::sync::Arc::default(),
            keyed: true,
            fingerprint_key: FingerprintKey::default(),
        })
    }
}

impl Redactor {
    /// Compiles the detectors. `rules` are the policy's `redaction.rules`; `origin` names the
    /// policy source in errors. `builtin: false` disables the built-in detectors (the policy's
    /// rules still run).
    ///
    /// Every rule is checked: an invalid pattern, a pattern over the size limit, or one that
    /// matches the empty string is a [`ErrorCode::PolicyBadRegex`] at the pattern's line and
    /// column, and all such errors are reported together.
    pub fn new(builtin: bool, rules: &[RedactionRule], origin: &str) -> Result<Redactor, Error> {
        let mut detectors = Vec::new();
        let mut errors = Vec::new();
        for rule in rules {
            match Detector::policy(rule, origin) {
                Ok(d) => detectors.push(d),
                Err(e) => errors.push(e),
            }
        }
        if let Some(err) = Error::from_list(errors) {
            return Err(err);
        }
        let only_builtin = rules.is_empty() && builtin;
        if builtin {
            detectors.extend(builtin_detectors()?.iter().cloned());
        }
        let prefilter = if only_builtin {
            builtin_prefilter(&detectors)
        } else {
            std::sync::Arc::new(Prefilter::new(&detectors))
        };
        Ok(Redactor {
            detectors,
            prefilter,
            keyed: builtin,
            fingerprint_key: FingerprintKey::default(),
        })
    }

    /// The same detectors, each searching the whole of every text where one of its keywords
    /// occurs (none restricted to the lines of its keywords): the reference that line-local
    /// search must agree with.
    #[cfg(test)]
    fn searching_whole_texts(&self) -> Redactor {
        let mut whole = self.clone();
        for d in &mut whole.detectors {
            d.line_local = false;
        }
        let mut prefilter = (*self.prefilter).clone();
        prefilter.line_local = vec![false; whole.detectors.len()];
        whole.prefilter = std::sync::Arc::new(prefilter);
        whole
    }

    /// Sets the key of the fingerprints (see [`FingerprintKey`]); the default is
    /// [`DEFAULT_FINGERPRINT_KEY`].
    pub fn set_fingerprint_key(&mut self, key: FingerprintKey) {
        self.fingerprint_key = key;
    }

    /// The key of the fingerprints.
    pub fn fingerprint_key(&self) -> &FingerprintKey {
        &self.fingerprint_key
    }

    /// What the policy hash covers of the detectors: whether the built-in ones run and each
    /// policy rule as written (the fingerprint key is host configuration: not covered).
    pub fn canonical(&self) -> Value {
        let rules: Vec<Value> = self
            .detectors
            .iter()
            .filter(|d| d.from_policy)
            .map(|d| {
                serde_json::json!({
                    "id": d.rule_id,
                    "pattern": d.pattern.as_str(),
                    "keywords": d.keywords,
                    "entropy": d.min_entropy,
                    "allowlist": d.allowlist.iter().map(Regex::as_str).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::json!({"builtin": self.keyed, "rules": rules})
    }

    /// Replaces every secret in the strings of `value` (keys too) by its marker.
    ///
    /// Findings are in document order: object members by key, array items by index, a key's
    /// findings before its value's, and by start offset within one string. A secret in an
    /// object key is reported at the member's path, written with the redacted key.
    pub fn redact_value(&self, value: &Value) -> (Value, Vec<Redaction>) {
        let (redacted, found, _) = self.redact_value_with_secrets(value);
        (redacted, found)
    }

    /// [`Redactor::redact_value`], also returning the raw secrets found so that copies of them
    /// in strings derived from the action (effects, argv words) can be scrubbed with
    /// [`FoundSecrets::scrub`].
    pub fn redact_value_with_secrets(
        &self,
        value: &Value,
    ) -> (Value, Vec<Redaction>, FoundSecrets) {
        // A lone string is read once by the walk's keyword scan (which tells where each
        // detector may match): a scan for any keyword before it would read it twice.
        if !value.is_string() && !self.may_find(value) {
            // INVARIANT: `may_find` is conservative: false only when the full walk below would
            // find nothing (no keyword anywhere, no detector without keywords, no key naming
            // a secret). Most actions take this path, which costs one scan and one clone.
            return (value.clone(), Vec::new(), FoundSecrets::default());
        }
        let mut walk = Walk {
            redactor: self,
            findings: Vec::new(),
            secrets: Vec::new(),
            path: String::from("$"),
        };
        let redacted = walk.value(value, None, None);
        let secrets = FoundSecrets::new(walk.secrets);
        (redacted, walk.findings, secrets)
    }

    /// [`Redactor::redact_value_with_secrets`] for an action whose canonical JSON text the
    /// caller already has: when no keyword occurs in that text and no key names a secret, the
    /// action is left as it is after one search over the text, and the redacted value is
    /// `None` (unchanged) rather than a copy.
    pub fn redact_action(
        &self,
        value: &Value,
        canonical_text: &str,
    ) -> (Option<Value>, Vec<Redaction>, FoundSecrets) {
        if self.prefilter.text_safe
            && self.prefilter.always.is_empty()
            && !self.prefilter.any_keyword(canonical_text)
            && !(self.keyed && names_a_secret(value))
        {
            // INVARIANT: JSON text holds every key and string of the value, and no keyword
            // changes under JSON escaping (`text_safe`), so no keyword in the text means no
            // keyword in any string.
            return (None, Vec::new(), FoundSecrets::default());
        }
        let (redacted, found, secrets) = self.redact_value_with_secrets(value);
        (Some(redacted), found, secrets)
    }

    /// Whether the walk could find anything in `value`.
    fn may_find(&self, value: &Value) -> bool {
        if self.detectors.is_empty() && !self.keyed {
            return false;
        }
        if !self.prefilter.always.is_empty() {
            return true;
        }
        let hit = |text: &str| self.prefilter.any_keyword(text);
        match value {
            Value::String(s) => hit(s),
            Value::Array(items) => items.iter().any(|v| self.may_find(v)),
            Value::Object(map) => map.iter().any(|(k, v)| {
                hit(k)
                    || (self.keyed
                        && (detectors::secret_key_kind(k).is_some()
                            || (NAME_MEMBERS.contains(&k.as_str())
                                && v.as_str()
                                    .is_some_and(|n| detectors::secret_key_kind(n).is_some()))))
                    || self.may_find(v)
            }),
            _ => false,
        }
    }

    /// The secrets in `text`, as [`Redactor::redact_text`] reports them, without building
    /// the redacted copy when there is none: for callers that only need the findings (a
    /// stream writes the text itself, around the secrets' spans).
    pub fn find_in_text(&self, text: &str, location: &str) -> Vec<Redaction> {
        let mut findings = Vec::new();
        let mut secrets = Vec::new();
        self.redact_str(text, location, None, None, &mut findings, &mut secrets);
        findings
    }

    /// Replaces every secret in `text`; `location` is the JSON path reported in findings.
    pub fn redact_text(&self, text: &str, location: &str) -> (String, Vec<Redaction>) {
        if self.prefilter.always.is_empty() && !self.prefilter.any_keyword(text) {
            // INVARIANT: every detector has keywords and none occurs: nothing can match.
            return (text.to_owned(), Vec::new());
        }
        let mut findings = Vec::new();
        let mut secrets = Vec::new();
        let redacted = self.redact_str(text, location, None, None, &mut findings, &mut secrets);
        (redacted.unwrap_or_else(|| text.to_owned()), findings)
    }

    /// The secrets in `text`, overlaps resolved, in order of start. `keyed` is the kind the
    /// enclosing JSON key announces for the whole string, if any; `member` is the name of the
    /// object member the string is the value of.
    ///
    /// A member's value is also scanned in its member's context, as `<name>=<value>`: detectors
    /// that recognise a secret by the name it is assigned to (`DD_APP_KEY=…`,
    /// `private_key_id=…`) then find it in `{"DD_APP_KEY": "…"}` exactly as in `.env` text.
    /// Only findings inside the value count; the name itself is scanned as a key.
    fn scan(
        &self,
        text: &str,
        keyed: Option<&'static str>,
        member: Option<&str>,
    ) -> Vec<Candidate> {
        let mut found = Vec::new();
        if !self.detectors.is_empty() && !text.is_empty() {
            let reach = self.prefilter.reach(text, self.detectors.len());
            for (rank, (d, r)) in self.detectors.iter().zip(reach).enumerate() {
                d.find_in(text, &r, rank, &mut found);
            }
            if let Some(name) = member {
                let mut context = String::with_capacity(name.len() + 1 + text.len());
                context.push_str(name);
                context.push('=');
                let offset = context.len();
                context.push_str(text);
                let reach = self.prefilter.reach(&context, self.detectors.len());
                let mut in_context = Vec::new();
                for (rank, (d, r)) in self.detectors.iter().zip(reach).enumerate() {
                    d.find_in(&context, &r, rank, &mut in_context);
                }
                // INVARIANT: `context[offset..]` is `text`, so a span starting at or after
                // `offset` shifted back by `offset` is a span of `text` on char boundaries.
                found.extend(
                    in_context
                        .into_iter()
                        .filter(|c| c.start >= offset)
                        .map(|c| Candidate {
                            start: c.start - offset,
                            end: c.end - offset,
                            ..c
                        }),
                );
            }
        }
        if let Some(kind) = keyed {
            found.push(Candidate {
                start: 0,
                end: text.len(),
                rank: usize::MAX,
                source: Source::Keyed(kind),
            });
        }
        resolve(found)
    }

    /// Redacts one string: `None` when it holds no secret. Appends findings reported at
    /// `location`, and the raw secrets.
    fn redact_str(
        &self,
        text: &str,
        location: &str,
        keyed: Option<&'static str>,
        member: Option<&str>,
        findings: &mut Vec<Redaction>,
        secrets: &mut Vec<(String, String)>,
    ) -> Option<String> {
        let found = self.scan(text, keyed, member);
        if found.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut pos = 0;
        for c in found {
            let (Some(before), Some(secret)) = (text.get(pos..c.start), text.get(c.start..c.end))
            else {
                // INVARIANT: candidates come from regex matches and char-boundary scans of
                // `text`, sorted and disjoint; a bad range would be a bug, and the string is
                // then withheld whole rather than risk a leak.
                let marker = "[REDACTED:internal]".to_owned();
                return Some(marker);
            };
            let (kind, rule_id) = match c.source {
                Source::Detector(i) => match self.detectors.get(i) {
                    Some(d) => (d.kind.clone(), d.rule_id.clone()),
                    None => ("internal".to_owned(), "builtin.internal".to_owned()),
                },
                Source::Keyed(kind) => (kind.to_owned(), format!("builtin.{kind}")),
            };
            let marker = format!("[REDACTED:{kind}]");
            out.push_str(before);
            out.push_str(&marker);
            pos = c.end;
            findings.push(Redaction {
                kind,
                rule_id,
                location: location.to_owned(),
                start: c.start,
                end: c.end,
                fingerprint: self.fingerprint_key.fingerprint(secret),
                marker: marker.clone(),
            });
            secrets.push((secret.to_owned(), marker));
        }
        out.push_str(text.get(pos..).unwrap_or_default());
        Some(out)
    }
}

/// Sorts candidates by start, longest first, then rank, and folds overlapping ones into the
/// first: it keeps its kind and is widened to cover the others, so that no part of any
/// detected secret survives.
fn resolve(mut found: Vec<Candidate>) -> Vec<Candidate> {
    found.sort_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(a.rank.cmp(&b.rank))
    });
    let mut kept: Vec<Candidate> = Vec::with_capacity(found.len());
    for c in found {
        match kept.last_mut() {
            Some(last) if c.start < last.end => last.end = last.end.max(c.end),
            _ => kept.push(c),
        }
    }
    kept
}

/// The state of one walk over a JSON value.
struct Walk<'r> {
    /// The detectors.
    redactor: &'r Redactor,
    /// Findings so far, in document order.
    findings: Vec<Redaction>,
    /// Raw secrets and their markers.
    secrets: Vec<(String, String)>,
    /// JSON path of the current node.
    path: String,
}

impl Walk<'_> {
    /// The redacted copy of `value`; `keyed` is the kind its key announces; `member` the
    /// name of the member it is the value of.
    fn value(&mut self, value: &Value, keyed: Option<&'static str>, member: Option<&str>) -> Value {
        match value {
            Value::String(s) => {
                let keyed = keyed.filter(|_| self.redactor.keyed).and_then(|kind| {
                    if kind == detectors::AWS_SECRET_KIND
                        && detectors::is_aws_secret_shape(s.trim())
                    {
                        Some(kind)
                    } else {
                        detectors::keyed_value_is_secret(s).then_some(detectors::GENERIC_KIND)
                    }
                });
                let path = self.path.clone();
                match self.redactor.redact_str(
                    s,
                    &path,
                    keyed,
                    member,
                    &mut self.findings,
                    &mut self.secrets,
                ) {
                    Some(r) => Value::String(r),
                    None => value.clone(),
                }
            }
            Value::Array(items) => {
                let len = self.path.len();
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    self.path.push_str(&format!("[{i}]"));
                    out.push(self.value(item, None, None));
                    self.path.truncate(len);
                }
                Value::Array(out)
            }
            Value::Object(map) => self.object(map),
            other => other.clone(),
        }
    }

    /// The redacted copy of an object: keys are scanned too.
    fn object(&mut self, map: &Map<String, Value>) -> Value {
        let named_kind = NAME_MEMBERS
            .iter()
            .filter_map(|n| map.get(*n).and_then(Value::as_str))
            .find_map(detectors::secret_key_kind);
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort_unstable();
        let len = self.path.len();
        let mut out = Map::new();
        for key in keys {
            let Some(child) = map.get(key) else { continue };
            let mut key_findings = Vec::new();
            let redacted_key =
                self.redactor
                    .redact_str(key, "", None, None, &mut key_findings, &mut self.secrets);
            let mut new_key = redacted_key.unwrap_or_else(|| key.clone());
            if out.contains_key(&new_key) {
                // Two keys redacted to the same marker: keep both members.
                let base = new_key.clone();
                let mut n = 2;
                while out.contains_key(&new_key) {
                    new_key = format!("{base}#{n}");
                    n += 1;
                }
            }
            push_key(&mut self.path, &new_key);
            for mut f in key_findings {
                f.location.clone_from(&self.path);
                self.findings.push(f);
            }
            let keyed = detectors::secret_key_kind(key)
                .or_else(|| named_kind.filter(|_| VALUE_MEMBERS.contains(&key.as_str())));
            let redacted = self.value(child, keyed, Some(key));
            self.path.truncate(len);
            out.insert(new_key, redacted);
        }
        Value::Object(out)
    }
}

/// Whether some key of `value` (or a `name`/`key` member's value) names a secret.
fn names_a_secret(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(names_a_secret),
        Value::Object(map) => map.iter().any(|(k, v)| {
            detectors::secret_key_kind(k).is_some()
                || (NAME_MEMBERS.contains(&k.as_str())
                    && v.as_str()
                        .is_some_and(|n| detectors::secret_key_kind(n).is_some()))
                || names_a_secret(v)
        }),
        _ => false,
    }
}

/// Appends the path segment of member `key`: `.key` when it is an identifier, else `['key']`
/// with `\` and `'` escaped.
fn push_key(path: &mut String, key: &str) {
    let mut chars = key.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if identifier {
        path.push('.');
        path.push_str(key);
    } else {
        path.push_str("['");
        for c in key.chars() {
            if matches!(c, '\\' | '\'') {
                path.push('\\');
            }
            path.push(c);
        }
        path.push_str("']");
    }
}

/// The raw secrets found in one action, kept only to scrub copies of them out of strings
/// derived from it. It is never serialised, and its `Debug` output shows only a count.
#[derive(Clone, Default)]
pub struct FoundSecrets {
    /// The secrets (at least [`MIN_SCRUB_LEN`] bytes) and their markers, pattern-aligned with
    /// `automaton`.
    markers: Vec<String>,
    /// Finds the secrets, longest first at each position.
    automaton: Option<AhoCorasick>,
}

impl fmt::Debug for FoundSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FoundSecrets")
            .field("count", &self.markers.len())
            .finish()
    }
}

impl FoundSecrets {
    /// Builds the set from `(secret, marker)` pairs.
    fn new(mut pairs: Vec<(String, String)>) -> FoundSecrets {
        pairs.retain(|(s, _)| s.len() >= MIN_SCRUB_LEN);
        pairs.sort_unstable();
        pairs.dedup_by(|a, b| a.0 == b.0);
        if pairs.is_empty() {
            return FoundSecrets::default();
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(pairs.iter().map(|(s, _)| s.as_str()))
            .ok();
        FoundSecrets {
            markers: pairs.into_iter().map(|(_, m)| m).collect(),
            automaton,
        }
    }

    /// Whether no secret long enough to scrub was found.
    pub fn is_empty(&self) -> bool {
        self.markers.is_empty()
    }

    /// `text` with every occurrence of a found secret replaced by its marker; `None` when
    /// there is none.
    pub fn scrub(&self, text: &str) -> Option<String> {
        let ac = self.automaton.as_ref()?;
        let mut out = String::new();
        let mut pos = 0;
        for m in ac.find_iter(text) {
            let marker = self.markers.get(m.pattern().as_usize())?;
            out.push_str(text.get(pos..m.start())?);
            out.push_str(marker);
            pos = m.end();
        }
        if pos == 0 {
            return None;
        }
        out.push_str(text.get(pos..)?);
        Some(out)
    }
}
