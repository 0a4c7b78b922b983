//! Glob tokens → a position automaton (Glushkov's construction) run bit-parallel over the
//! bytes of a text: a state is the set of glob positions the bytes so far can end on, one bit
//! each, and a step is "the positions that may follow one of them, and accept this byte".
//! There is no backtracking, so a match costs one step per byte whatever the glob.
//!
//! The language is exactly that of the regex globset builds for the glob (bytes, not
//! characters: `?` is one byte, a class is a set of bytes, `.` matches every byte).

use super::parse::Token;

/// A set of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    const EMPTY: ByteSet = ByteSet([0; 4]);
    const ALL: ByteSet = ByteSet([u64::MAX; 4]);

    fn byte(b: u8) -> ByteSet {
        let mut s = ByteSet::EMPTY;
        s.insert_range(b, b);
        s
    }

    fn insert_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            if let Some(w) = self.0.get_mut(usize::from(b >> 6)) {
                *w |= 1 << (b & 63);
            }
        }
    }

    fn contains(&self, b: u8) -> bool {
        self.0
            .get(usize::from(b >> 6))
            .is_some_and(|w| w & (1 << (b & 63)) != 0)
    }

    fn complement(self) -> ByteSet {
        ByteSet(self.0.map(|w| !w))
    }

    fn without(self, b: u8) -> ByteSet {
        ByteSet::byte(b).complement().intersect(self)
    }

    fn intersect(self, other: ByteSet) -> ByteSet {
        let mut out = self;
        for (o, w) in out.0.iter_mut().zip(other.0) {
            *o &= w;
        }
        out
    }
}

/// A glob as a regular expression over bytes.
#[derive(Debug)]
enum Re {
    /// One byte of a set (a position).
    Byte(ByteSet),
    /// Any number of bytes of a set (one position that follows itself).
    Star(ByteSet),
    Seq(Vec<Re>),
    Alt(Vec<Re>),
}

/// How `*` and `?` treat `/`, and whether empty alternates count.
#[derive(Debug, Clone, Copy)]
pub(super) struct Options {
    pub literal_separator: bool,
    pub empty_alternates: bool,
}

/// The expression of `tokens`; `whole` when they are the whole glob (a glob that is only
/// `**` matches everything).
fn to_re(tokens: &[Token], opts: Options, whole: bool) -> Re {
    if whole && tokens == [Token::RecursivePrefix] {
        return Re::Star(ByteSet::ALL);
    }
    Re::Seq(tokens.iter().map(|t| token_re(t, opts)).collect())
}

fn token_re(tok: &Token, opts: Options) -> Re {
    let slash = || Re::Byte(ByteSet::byte(b'/'));
    let any = || Re::Star(ByteSet::ALL);
    let one = if opts.literal_separator {
        ByteSet::ALL.without(b'/')
    } else {
        ByteSet::ALL
    };
    match tok {
        Token::Literal(c) if c.is_ascii() => Re::Byte(ByteSet::byte(*c as u8)),
        Token::Literal(c) => {
            let mut buf = [0; 4];
            Re::Seq(
                c.encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| Re::Byte(ByteSet::byte(b)))
                    .collect(),
            )
        }
        Token::Any => Re::Byte(one),
        Token::ZeroOrMore => Re::Star(one),
        // `(?:/?|.*/)`
        Token::RecursivePrefix => Re::Alt(vec![
            Re::Seq(Vec::new()),
            slash(),
            Re::Seq(vec![any(), slash()]),
        ]),
        // `/.*`
        Token::RecursiveSuffix => Re::Seq(vec![slash(), any()]),
        // `(?:/|/.*/)`
        Token::RecursiveZeroOrMore => {
            Re::Alt(vec![slash(), Re::Seq(vec![slash(), any(), slash()])])
        }
        Token::Class { negated, ranges } => {
            let set = class_bytes(ranges);
            Re::Byte(if *negated { set.complement() } else { set })
        }
        Token::Alternates(branches) => {
            let parts: Vec<Re> = branches
                .iter()
                .filter(|b| opts.empty_alternates || !is_empty_re(b, opts))
                .map(|b| to_re(b, opts, false))
                .collect();
            if parts.is_empty() {
                Re::Seq(Vec::new())
            } else {
                Re::Alt(parts)
            }
        }
    }
}

/// Whether the regex text globset writes for `tokens` is empty (only alternate groups all of
/// whose branches are dropped write nothing).
fn is_empty_re(tokens: &[Token], opts: Options) -> bool {
    tokens.iter().all(|t| match t {
        Token::Alternates(branches) => {
            !opts.empty_alternates && branches.iter().all(|b| is_empty_re(b, opts))
        }
        _ => false,
    })
}

/// The bytes a class matches. globset writes each member as the escaped bytes of its UTF-8
/// form, in a byte-oriented regex class: a member `é` is the two bytes `\xc3` `\xa9`, and a
/// range `a-é` is `a`–`\xc3` then `\xa9`. The same reading is done here.
fn class_bytes(ranges: &[(char, char)]) -> ByteSet {
    let mut set = ByteSet::EMPTY;
    for &(lo, hi) in ranges {
        let (mut lb, mut hb) = ([0; 4], [0; 4]);
        let lo = lo.encode_utf8(&mut lb).as_bytes();
        let hi = hi.encode_utf8(&mut hb).as_bytes();
        if lo == hi {
            lo.iter().for_each(|&b| set.insert_range(b, b));
            continue;
        }
        // INVARIANT: `lo < hi`, so the last byte of `lo` never exceeds the first of `hi`
        // (ASCII below lead bytes, continuation bytes below lead bytes).
        let (Some((&lo_last, lo_rest)), Some((&hi_first, hi_rest))) =
            (lo.split_last(), hi.split_first())
        else {
            continue;
        };
        lo_rest.iter().for_each(|&b| set.insert_range(b, b));
        set.insert_range(lo_last.min(hi_first), hi_first.max(lo_last));
        hi_rest.iter().for_each(|&b| set.insert_range(b, b));
    }
    set
}

/// A compiled glob (or the middle of one): the position automaton as bit sets.
#[derive(Debug, Clone)]
pub(super) struct Program {
    /// Words per state set.
    words: usize,
    /// Whether the empty text matches.
    nullable: bool,
    /// Positions a match may start on.
    first: Vec<u64>,
    /// Positions a match may end on.
    last: Vec<u64>,
    /// For each position, the positions that may follow it (`words` each).
    follow: Vec<u64>,
    /// The byte class of each byte (bytes in the same positions' sets share a class).
    class_of: Box<[u8; 256]>,
    /// For each class, the positions whose set holds its bytes (`words` each).
    accepts: Vec<u64>,
}

/// Positions, follow edges, first and last sets of an expression being built.
struct Builder {
    sets: Vec<ByteSet>,
    /// (position, a position that may follow it).
    edges: Vec<(u32, u32)>,
}

/// (nullable, first, last) of a sub-expression.
type Ends = (bool, Vec<u32>, Vec<u32>);

impl Builder {
    fn position(&mut self, set: ByteSet) -> u32 {
        let p = u32::try_from(self.sets.len()).unwrap_or(u32::MAX);
        self.sets.push(set);
        p
    }

    fn link(&mut self, from: &[u32], to: &[u32]) {
        for &f in from {
            self.edges.extend(to.iter().map(|&t| (f, t)));
        }
    }

    fn build(&mut self, re: &Re) -> Ends {
        match re {
            Re::Byte(set) => {
                let p = self.position(*set);
                (false, vec![p], vec![p])
            }
            Re::Star(set) => {
                let p = self.position(*set);
                self.link(&[p], &[p]);
                (true, vec![p], vec![p])
            }
            Re::Seq(items) => {
                let mut acc: Ends = (true, Vec::new(), Vec::new());
                for item in items {
                    let (n, f, l) = self.build(item);
                    self.link(&acc.2, &f);
                    if acc.0 {
                        acc.1.extend_from_slice(&f);
                    }
                    acc.2 = if n {
                        let mut last = acc.2;
                        last.extend_from_slice(&l);
                        last
                    } else {
                        l
                    };
                    acc.0 &= n;
                }
                acc
            }
            Re::Alt(items) => {
                let mut acc: Ends = (false, Vec::new(), Vec::new());
                for item in items {
                    let (n, f, l) = self.build(item);
                    acc.0 |= n;
                    acc.1.extend_from_slice(&f);
                    acc.2.extend_from_slice(&l);
                }
                acc
            }
        }
    }
}

fn bits(words: usize, positions: &[u32]) -> Vec<u64> {
    let mut out = vec![0u64; words];
    for &p in positions {
        if let Some(w) = out.get_mut(p as usize / 64) {
            *w |= 1 << (p % 64);
        }
    }
    out
}

/// Byte classes and, for each, the positions accepting its bytes (`words` each): bytes in
/// exactly the same distinct position sets share a class, so a glob over a few literal bytes
/// and `*` has a handful of classes, not 256.
fn byte_classes(sets: &[ByteSet], words: usize) -> (Box<[u8; 256]>, Vec<u64>) {
    let mut distinct: Vec<ByteSet> = Vec::new();
    let mut set_index: Vec<usize> = Vec::with_capacity(sets.len());
    for s in sets {
        let at = distinct.iter().position(|d| d == s).unwrap_or_else(|| {
            distinct.push(*s);
            distinct.len() - 1
        });
        set_index.push(at);
    }
    let mut class_of = Box::new([0u8; 256]);
    if distinct.len() > 64 {
        // Too many sets for one-word keys: one class per byte.
        let mut accepts = vec![0u64; 256 * words];
        for (p, s) in sets.iter().enumerate() {
            for (byte, row) in (0..=255u8).zip(accepts.chunks_exact_mut(words)) {
                if s.contains(byte)
                    && let Some(w) = row.get_mut(p / 64)
                {
                    *w |= 1 << (p % 64);
                }
            }
        }
        for (byte, class) in (0..=255u8).zip(class_of.iter_mut()) {
            *class = byte;
        }
        return (class_of, accepts);
    }
    // Each byte's key: the distinct sets holding it, one bit each.
    let mut keys = [0u64; 256];
    for (d, s) in distinct.iter().enumerate() {
        for (wi, &word) in s.0.iter().enumerate() {
            let mut word = word;
            while word != 0 {
                let byte = wi * 64 + word.trailing_zeros() as usize;
                word &= word - 1;
                if let Some(k) = keys.get_mut(byte) {
                    *k |= 1 << d;
                }
            }
        }
    }
    let mut class_keys: Vec<u64> = Vec::new();
    let mut previous: Option<(u64, u8)> = None;
    for (&key, class) in keys.iter().zip(class_of.iter_mut()) {
        // Neighbouring bytes mostly share a key: look the key up only where it changes.
        *class = match previous {
            Some((k, c)) if k == key => c,
            _ => {
                let c = class_keys
                    .iter()
                    .position(|&k| k == key)
                    .unwrap_or_else(|| {
                        class_keys.push(key);
                        class_keys.len() - 1
                    });
                // At most 256 classes: one per byte.
                u8::try_from(c).unwrap_or(u8::MAX)
            }
        };
        previous = Some((key, *class));
    }
    let mut accepts = vec![0u64; class_keys.len() * words];
    for (row, key) in accepts.chunks_exact_mut(words).zip(&class_keys) {
        for (p, d) in set_index.iter().enumerate() {
            if key & (1 << d) != 0
                && let Some(w) = row.get_mut(p / 64)
            {
                *w |= 1 << (p % 64);
            }
        }
    }
    (class_of, accepts)
}

impl Program {
    /// The program of `tokens`; `whole` when they are the whole glob.
    pub(super) fn new(tokens: &[Token], opts: Options, whole: bool) -> Program {
        let re = to_re(tokens, opts, whole);
        let mut b = Builder {
            sets: Vec::new(),
            edges: Vec::new(),
        };
        let (nullable, first, last) = b.build(&re);
        let n = b.sets.len();
        let words = n.div_ceil(64).max(1);
        let mut follow = vec![0u64; n * words];
        for &(from, to) in &b.edges {
            let at = from as usize * words + to as usize / 64;
            if let Some(w) = follow.get_mut(at) {
                *w |= 1 << (to % 64);
            }
        }
        let (class_of, accepts) = byte_classes(&b.sets, words);
        Program {
            words,
            nullable,
            first: bits(words, &first),
            last: bits(words, &last),
            follow,
            class_of,
            accepts,
        }
    }

    /// The class of `byte`.
    #[expect(clippy::indexing_slicing, reason = "a byte indexes a 256-entry table")]
    fn class(&self, byte: u8) -> usize {
        usize::from(self.class_of[usize::from(byte)])
    }

    /// Whether the whole of `text` matches.
    pub(super) fn is_match(&self, text: &[u8]) -> bool {
        if self.words == 1 {
            return self.is_match_one(text);
        }
        let mut cur = self.first.clone();
        let mut next = vec![0u64; self.words];
        let mut started = false;
        for &byte in text {
            if started {
                next.iter_mut().for_each(|w| *w = 0);
                for (wi, &word) in cur.iter().enumerate() {
                    let mut word = word;
                    while word != 0 {
                        let p = wi * 64 + word.trailing_zeros() as usize;
                        word &= word - 1;
                        if let Some(row) = self.follow.get(p * self.words..(p + 1) * self.words) {
                            next.iter_mut().zip(row).for_each(|(n, r)| *n |= r);
                        }
                    }
                }
                std::mem::swap(&mut cur, &mut next);
            }
            started = true;
            let class = self.class(byte);
            let Some(acc) = self
                .accepts
                .get(class * self.words..(class + 1) * self.words)
            else {
                return false;
            };
            let mut any = 0;
            cur.iter_mut().zip(acc).for_each(|(c, a)| {
                *c &= a;
                any |= *c;
            });
            if any == 0 {
                return false;
            }
        }
        if !started {
            return self.nullable;
        }
        cur.iter().zip(&self.last).any(|(c, l)| c & l != 0)
    }

    /// [`Program::is_match`] for a glob of at most 64 positions.
    fn is_match_one(&self, text: &[u8]) -> bool {
        let (Some(&first), Some(&last)) = (self.first.first(), self.last.first()) else {
            return false;
        };
        let Some((&b0, rest)) = text.split_first() else {
            return self.nullable;
        };
        let accept = |b: u8| self.accepts.get(self.class(b)).copied().unwrap_or(0);
        let mut cur = first & accept(b0);
        for &byte in rest {
            if cur == 0 {
                return false;
            }
            let mut next = 0u64;
            let mut word = cur;
            while word != 0 {
                let p = word.trailing_zeros() as usize;
                word &= word - 1;
                next |= self.follow.get(p).copied().unwrap_or(0);
            }
            cur = next & accept(byte);
        }
        cur & last != 0
    }
}
