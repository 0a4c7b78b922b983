//! Glob matching for policy patterns (paths, tool names, command words): one glob, or a set
//! of globs matched at once.
//!
//! The dialect is globset's (`*`, `?`, `**`, `[…]`, `{a,b}`, `\` escapes), with the same
//! matches and the same error messages; a differential property test holds the two together.
//! It is written here rather than taken from globset because globset compiles each glob into
//! a regex, which brings regex's faster engines into every build (a quarter of the browser
//! module); a glob needs none of them. A glob is split into the literal text it must start
//! and end with, checked directly, and the middle, run as a bit-parallel automaton
//! (`program.rs`); a set files its globs by literal text so that a text runs few of them
//! (`set.rs`).

mod parse;
mod program;
mod set;

pub use parse::GlobErrorKind;
pub use set::GlobSet;

use parse::Token;
use program::{Options, Program};

/// A glob that failed to parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobError {
    kind: GlobErrorKind,
}

impl GlobError {
    /// What is wrong (its `Display` is the message).
    pub fn kind(&self) -> &GlobErrorKind {
        &self.kind
    }
}

/// How a glob is read.
#[derive(Debug, Clone, Copy, Default)]
pub struct GlobOptions {
    /// `*` and `?` do not match `/` (paths); otherwise they match any byte (names).
    pub literal_separator: bool,
    /// `{a,}` matches `a` and the empty text; otherwise empty alternates are dropped.
    pub empty_alternates: bool,
}

/// Where in every match a glob's literal text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Start,
    End,
    Inside,
}

/// One compiled glob.
#[derive(Debug, Clone)]
pub struct Glob {
    /// The literal bytes every match starts with.
    prefix: Box<[u8]>,
    /// The literal bytes every match ends with (after `prefix`).
    suffix: Box<[u8]>,
    /// What lies between; `None` when the glob is all literal (`prefix` is then all of it).
    middle: Option<Program>,
    /// The longest literal text every match holds between `prefix` and `suffix` (empty when
    /// the middle has none outside alternates and classes).
    inner: Box<[u8]>,
}

impl Glob {
    /// Compiles `text` (a `\` always escapes).
    pub fn new(text: &str, options: GlobOptions) -> Result<Glob, GlobError> {
        let tokens = parse::parse(text).map_err(|kind| GlobError { kind })?;
        let opts = Options {
            literal_separator: options.literal_separator,
            empty_alternates: options.empty_alternates,
        };
        let literal = |t: &Token| matches!(t, Token::Literal(_));
        let head = tokens.iter().take_while(|t| literal(t)).count();
        let text_of = |ts: &[Token]| -> Box<[u8]> {
            ts.iter()
                .filter_map(|t| match t {
                    Token::Literal(c) => Some(*c),
                    _ => None,
                })
                .collect::<String>()
                .into_bytes()
                .into_boxed_slice()
        };
        if head == tokens.len() {
            return Ok(Glob {
                prefix: text_of(&tokens),
                suffix: Box::default(),
                middle: None,
                inner: Box::default(),
            });
        }
        let tail = tokens.iter().rev().take_while(|t| literal(t)).count();
        let (before, rest) = tokens.split_at(head);
        let (middle, after) = rest.split_at(rest.len() - tail);
        // INVARIANT: consecutive literal tokens of the top level match contiguous text in
        // every match, so the longest run is text every match contains.
        let inner = middle
            .split(|t| !literal(t))
            .max_by_key(|run| run.len())
            .map(text_of)
            .unwrap_or_default();
        Ok(Glob {
            prefix: text_of(before),
            suffix: text_of(after),
            middle: Some(Program::new(middle, opts, head == 0 && tail == 0)),
            inner,
        })
    }

    /// The longest literal text every match holds, and where: its start, its end, or a
    /// piece between (the first of these on a tie; the whole text of a glob with no
    /// wildcard is its start). `None` for a glob with none (`**/*`).
    fn longest_literal(&self) -> Option<(Place, &[u8])> {
        [
            (Place::Start, &*self.prefix),
            (Place::End, &*self.suffix),
            (Place::Inside, &*self.inner),
        ]
        .into_iter()
        .rev()
        .max_by_key(|(_, l)| l.len())
        .filter(|(_, l)| !l.is_empty())
    }

    /// The longest literal text every match holds (`.aws` in `**/.aws/**`), if any.
    pub fn required_literal(&self) -> Option<&[u8]> {
        self.longest_literal().map(|(_, l)| l)
    }

    /// Whether `text` matches the whole glob.
    pub fn is_match(&self, text: &str) -> bool {
        let text = text.as_bytes();
        let Some(middle) = &self.middle else {
            return text == &*self.prefix;
        };
        text.len() >= self.prefix.len() + self.suffix.len()
            && (self.prefix.is_empty() || text.starts_with(&self.prefix))
            && (self.suffix.is_empty() || text.ends_with(&self.suffix))
            && text
                .get(self.prefix.len()..text.len() - self.suffix.len())
                .is_some_and(|m| middle.is_match(m))
    }
}

#[cfg(test)]
mod tests;
