//! Glob text → tokens, with the syntax and the error messages of the `globset` crate (the
//! policy format's glob dialect was defined by it): `?`, `*`, `**` as a whole path component,
//! `[…]` classes (`!` or `^` negates, `]` first is literal, `a-z` ranges), `{a,b}` alternates
//! (nested too), and `\` escapes.

use std::fmt;

/// The deepest nesting of alternate groups (`{a,{b,{c}}}`) a glob may have: far more than
/// any real pattern, and it bounds the recursion of compiling one (globset's later releases
/// set the same bound, with the same message).
pub(super) const MAX_NESTING: usize = 100;

/// What is wrong with a glob. `Display` gives the message (globset's wording).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GlobErrorKind {
    /// A `[` without its `]`.
    UnclosedClass,
    /// A range whose start comes after its end (`[z-a]`).
    InvalidRange(char, char),
    /// A `}` without its `{`.
    UnopenedAlternates,
    /// A `{` without its `}`.
    UnclosedAlternates,
    /// A `\` at the end of the glob.
    DanglingEscape,
    /// Alternate groups nested deeper than [`MAX_NESTING`].
    TooDeep,
}

impl fmt::Display for GlobErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlobErrorKind::UnclosedClass => f.write_str("unclosed character class; missing ']'"),
            GlobErrorKind::InvalidRange(s, e) => write!(f, "invalid range; '{s}' > '{e}'"),
            GlobErrorKind::UnopenedAlternates => {
                f.write_str("unopened alternate group; missing '{' (maybe escape '}' with '[}]'?)")
            }
            GlobErrorKind::UnclosedAlternates => {
                f.write_str("unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)")
            }
            GlobErrorKind::DanglingEscape => f.write_str("dangling '\\'"),
            GlobErrorKind::TooDeep => f.write_str("alternate groups nested too deeply"),
        }
    }
}

/// One element of a parsed glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    Literal(char),
    /// `?`: one byte (not `/` with a literal separator).
    Any,
    /// `*`: any bytes (no `/` with a literal separator).
    ZeroOrMore,
    /// `**/` at the start: nothing, `/`, or anything ending in `/`.
    RecursivePrefix,
    /// `/**` at the end: `/` then anything.
    RecursiveSuffix,
    /// `/**/` inside: `/`, or `/` anything `/`.
    RecursiveZeroOrMore,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Alternates(Vec<Vec<Token>>),
}

/// Parses `glob` (`\` always escapes).
pub(super) fn parse(glob: &str) -> Result<Vec<Token>, GlobErrorKind> {
    let mut p = Parser {
        alternates_stack: Vec::new(),
        branches: vec![Vec::new()],
        chars: glob.chars().peekable(),
        prev: None,
        cur: None,
    };
    p.parse()?;
    let mut branches = p.branches;
    match (branches.pop(), branches.is_empty()) {
        (Some(tokens), true) => Ok(tokens),
        _ => Err(GlobErrorKind::UnclosedAlternates),
    }
}

/// A port of globset's parser (its `Parser`), state for state, so that every glob parses to
/// the same tokens and fails with the same error.
struct Parser<'a> {
    /// Where in `branches` each open alternate group starts.
    alternates_stack: Vec<usize>,
    /// The branches being parsed; tokens go to the last one.
    branches: Vec<Vec<Token>>,
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    prev: Option<char>,
    cur: Option<char>,
}

fn is_separator(c: char) -> bool {
    c == '/'
}

impl Parser<'_> {
    fn parse(&mut self) -> Result<(), GlobErrorKind> {
        while let Some(c) = self.bump() {
            match c {
                '?' => self.push_token(Token::Any)?,
                '*' => self.parse_star()?,
                '[' => self.parse_class()?,
                '{' => {
                    if self.alternates_stack.len() >= MAX_NESTING {
                        return Err(GlobErrorKind::TooDeep);
                    }
                    self.alternates_stack.push(self.branches.len());
                    self.branches.push(Vec::new());
                }
                '}' => {
                    let start = self
                        .alternates_stack
                        .pop()
                        .ok_or(GlobErrorKind::UnopenedAlternates)?;
                    let alts: Vec<Vec<Token>> = self
                        .branches
                        .drain(start.min(self.branches.len())..)
                        .collect();
                    self.push_token(Token::Alternates(alts))?;
                }
                ',' => {
                    if self.alternates_stack.is_empty() {
                        self.push_token(Token::Literal(','))?;
                    } else {
                        self.branches.push(Vec::new());
                    }
                }
                '\\' => match self.bump() {
                    None => return Err(GlobErrorKind::DanglingEscape),
                    Some(c) => self.push_token(Token::Literal(c))?,
                },
                c => self.push_token(Token::Literal(c))?,
            }
        }
        Ok(())
    }

    fn push_token(&mut self, tok: Token) -> Result<(), GlobErrorKind> {
        let branch = self
            .branches
            .last_mut()
            .ok_or(GlobErrorKind::UnopenedAlternates)?;
        branch.push(tok);
        Ok(())
    }

    fn pop_token(&mut self) -> Result<Option<Token>, GlobErrorKind> {
        let branch = self
            .branches
            .last_mut()
            .ok_or(GlobErrorKind::UnopenedAlternates)?;
        Ok(branch.pop())
    }

    fn have_tokens(&self) -> Result<bool, GlobErrorKind> {
        self.branches
            .last()
            .map(|b| !b.is_empty())
            .ok_or(GlobErrorKind::UnopenedAlternates)
    }

    fn parse_star(&mut self) -> Result<(), GlobErrorKind> {
        let prev = self.prev;
        if self.peek() != Some('*') {
            return self.push_token(Token::ZeroOrMore);
        }
        self.bump();
        if !self.have_tokens()? {
            if !self.peek().is_none_or(is_separator) {
                self.push_token(Token::ZeroOrMore)?;
                self.push_token(Token::ZeroOrMore)?;
            } else {
                self.push_token(Token::RecursivePrefix)?;
                self.bump();
            }
            return Ok(());
        }
        if !prev.is_some_and(is_separator)
            && (self.branches.len() <= 1 || (prev != Some(',') && prev != Some('{')))
        {
            self.push_token(Token::ZeroOrMore)?;
            self.push_token(Token::ZeroOrMore)?;
            return Ok(());
        }
        let is_suffix = match self.peek() {
            None => {
                self.bump();
                true
            }
            Some(',' | '}') if self.branches.len() >= 2 => true,
            Some(c) if is_separator(c) => {
                self.bump();
                false
            }
            _ => {
                self.push_token(Token::ZeroOrMore)?;
                self.push_token(Token::ZeroOrMore)?;
                return Ok(());
            }
        };
        // INVARIANT: the branch has tokens (checked above), so one is popped; globset
        // unwraps here.
        let tok = match self.pop_token()? {
            Some(Token::RecursivePrefix) => Token::RecursivePrefix,
            Some(Token::RecursiveSuffix) => Token::RecursiveSuffix,
            _ if is_suffix => Token::RecursiveSuffix,
            _ => Token::RecursiveZeroOrMore,
        };
        self.push_token(tok)
    }

    fn parse_class(&mut self) -> Result<(), GlobErrorKind> {
        fn extend(r: &mut (char, char), add: char) -> Result<(), GlobErrorKind> {
            r.1 = add;
            if r.1 < r.0 {
                Err(GlobErrorKind::InvalidRange(r.0, r.1))
            } else {
                Ok(())
            }
        }
        let mut ranges: Vec<(char, char)> = Vec::new();
        let negated = matches!(self.chars.peek(), Some('!' | '^'));
        if negated {
            self.bump();
        }
        let mut first = true;
        let mut in_range = false;
        loop {
            let Some(c) = self.bump() else {
                return Err(GlobErrorKind::UnclosedClass);
            };
            match c {
                ']' if !first => break,
                ']' => ranges.push((']', ']')),
                '-' if first => ranges.push(('-', '-')),
                '-' if in_range => {
                    if let Some(r) = ranges.last_mut() {
                        extend(r, '-')?;
                    }
                    in_range = false;
                }
                '-' => in_range = true,
                c if in_range => {
                    if let Some(r) = ranges.last_mut() {
                        extend(r, c)?;
                    }
                    in_range = false;
                }
                c => ranges.push((c, c)),
            }
            first = false;
        }
        if in_range {
            ranges.push(('-', '-'));
        }
        self.push_token(Token::Class { negated, ranges })
    }

    fn bump(&mut self) -> Option<char> {
        self.prev = self.cur;
        self.cur = self.chars.next();
        self.cur
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }
}
