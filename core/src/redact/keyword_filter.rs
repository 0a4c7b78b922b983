//! "Does any keyword occur in this text?", answered without a full automaton pass.
//!
//! The secret detectors name a few hundred keywords (`ghp_`, `xoxb-`, `secret`, ...); almost
//! every text an agent sends holds none of them. A multi-pattern automaton over that many
//! keywords costs about a nanosecond and a half per byte; this filter tests each position of the
//! text once, against a bitmap of hashes of the keywords' first three bytes with letter case
//! folded away, and only at the rare positions it lets through runs the exact tests: a bitmap
//! of the two-byte keywords, a bitmap of hashes of the longer keywords' first four bytes, and
//! a comparison with the longer keywords sharing the position's first three bytes, found by
//! a hash lookup.
//!
//! Matching is ASCII case-insensitive, like the automaton it stands for: keywords are
//! lowercase and text bytes are lowercased before comparison.

use rustc_hash::FxHashMap;

/// A set of 65,536 bits.
#[derive(Clone)]
struct Bits(Box<[u64; 1024]>);

impl Bits {
    fn new() -> Bits {
        Bits(Box::new([0; 1024]))
    }

    fn set(&mut self, key: u16) {
        if let Some(word) = self.0.get_mut(usize::from(key >> 6)) {
            *word |= 1 << (key & 63);
        }
    }

    fn get(&self, key: u16) -> bool {
        self.0
            .get(usize::from(key >> 6))
            .is_some_and(|word| word & (1 << (key & 63)) != 0)
    }
}

impl std::fmt::Debug for Bits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ones: u32 = self.0.iter().map(|w| w.count_ones()).sum();
        write!(f, "Bits({ones} set)")
    }
}

/// Or-ed into a window before the first test: sets bit 5 of each byte, which lowercases
/// ASCII letters and maps every byte to one of at most two (so folding never separates a
/// byte from its lowercase form; what it conflates, the exact tests tell apart).
const FOLD: u32 = 0x2020_2020;

/// The two bytes at the start of `w` (little-endian window), as an exact bitmap key.
fn key2(w: u32) -> u16 {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "the low 16 bits are the two bytes"
    )]
    let k = w as u16;
    k
}

/// A hash of the four bytes of `w` into a bitmap key.
fn key4(w: u32) -> u16 {
    (w.wrapping_mul(0x85eb_ca6b) >> 16) as u16
}

/// A hash of the three bytes at the start of `w` into a bitmap key.
fn key3(w: u32) -> u16 {
    ((w & 0x00ff_ffff).wrapping_mul(0x9e37_79b1) >> 16) as u16
}

/// The little-endian window of up to four bytes of `bytes` (missing bytes are zero).
fn window(bytes: &[u8]) -> u32 {
    let mut w = [0u8; 4];
    for (d, s) in w.iter_mut().zip(bytes) {
        *d = *s;
    }
    u32::from_le_bytes(w)
}

/// The keywords, indexed for [`KeywordFilter::any`] and [`KeywordFilter::for_each`].
#[derive(Debug, Clone)]
pub(super) struct KeywordFilter {
    /// The first test of every position: hashes of the first three bytes of every keyword of
    /// two bytes or more, each byte folded with [`FOLD`] (a two-byte keyword with every third
    /// byte). A text position whose folded window misses it starts no keyword.
    heads: Bits,
    /// Keywords of two bytes, exactly.
    twos: Bits,
    /// Hashes of the first four bytes of the longer keywords, lowercase (a three-byte keyword
    /// with every fourth byte): the cheap test before the comparison.
    fours: Bits,
    /// Keywords of two bytes, lowercase, with the indexes of the keywords they are.
    two_list: Vec<([u8; 2], Vec<usize>)>,
    /// Keywords of three bytes or more, lowercase, sorted, so that the ones sharing their
    /// first three bytes are adjacent.
    long: Vec<Vec<u8>>,
    /// For each keyword of `long`, the indexes of the keywords it is (keywords that differ
    /// only in case are one here).
    long_ids: Vec<Vec<usize>>,
    /// The first three bytes of keywords of `long` (little-endian) → where they are.
    by_head: FxHashMap<u32, std::ops::Range<usize>>,
    /// Whether some keyword is a single byte: then any text holding it matches.
    singles: [bool; 256],
    /// Keywords of one byte, lowercase, with the indexes of the keywords they are.
    single_list: Vec<(u8, Vec<usize>)>,
    /// Whether `singles` has any byte.
    has_singles: bool,
    /// Whether no keyword exists at all.
    empty: bool,
}

impl Default for KeywordFilter {
    fn default() -> KeywordFilter {
        KeywordFilter::new(std::iter::empty())
    }
}

/// Adds `id` to the ids of `key` in a short list.
fn add_id<K: PartialEq>(list: &mut Vec<(K, Vec<usize>)>, key: K, id: usize) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some((_, ids)) => ids.push(id),
        None => list.push((key, vec![id])),
    }
}

impl KeywordFilter {
    /// The filter of `keywords`, matched ASCII case-insensitively; a keyword's index is its
    /// position in `keywords`. An empty keyword is ignored.
    pub(super) fn new<'k>(keywords: impl IntoIterator<Item = &'k str>) -> KeywordFilter {
        let mut f = KeywordFilter {
            heads: Bits::new(),
            twos: Bits::new(),
            fours: Bits::new(),
            two_list: Vec::new(),
            long: Vec::new(),
            long_ids: Vec::new(),
            by_head: FxHashMap::default(),
            singles: [false; 256],
            single_list: Vec::new(),
            has_singles: false,
            empty: true,
        };
        let mut long: Vec<(Vec<u8>, usize)> = Vec::new();
        for (id, k) in keywords.into_iter().enumerate() {
            let k: Vec<u8> = k.bytes().map(|b| b.to_ascii_lowercase()).collect();
            let w = window(&k);
            match *k.as_slice() {
                [] => continue,
                [a] => {
                    if let Some(s) = f.singles.get_mut(usize::from(a)) {
                        *s = true;
                        f.has_singles = true;
                    }
                    add_id(&mut f.single_list, a, id);
                }
                [a, b] => {
                    f.twos.set(key2(w));
                    for third in 0..=255u32 {
                        f.heads.set(key3((w | third << 16) | FOLD));
                    }
                    add_id(&mut f.two_list, [a, b], id);
                }
                [_, _, _] => {
                    f.heads.set(key3(w | FOLD));
                    for fourth in 0..=255u32 {
                        f.fours.set(key4(w | fourth << 24));
                    }
                    long.push((k, id));
                }
                _ => {
                    f.heads.set(key3(w | FOLD));
                    f.fours.set(key4(w));
                    long.push((k, id));
                }
            }
            f.empty = false;
        }
        long.sort_unstable();
        for (k, id) in long {
            match (f.long.last(), f.long_ids.last_mut()) {
                (Some(last), Some(ids)) if *last == k => ids.push(id),
                _ => {
                    f.long.push(k);
                    f.long_ids.push(vec![id]);
                }
            }
        }
        for (i, k) in f.long.iter().enumerate() {
            let range = f.by_head.entry(window(k) & 0x00ff_ffff).or_insert(i..i);
            range.end = i + 1;
        }
        f
    }

    /// Calls `found(keyword, start)` for every occurrence of every keyword in `text`, ASCII
    /// case-insensitively, overlapping ones included, in order of start (the keywords that
    /// start at one position in no particular order); `keyword` is its index.
    pub(super) fn for_each(&self, text: &[u8], found: &mut dyn FnMut(usize, usize)) {
        if self.empty {
            return;
        }
        if self.has_singles {
            // Every position in turn, so that single bytes come in order too.
            for at in 0..text.len() {
                let w = window(text.get(at..).unwrap_or_default());
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "the low byte of the window is the byte at `at`"
                )]
                let byte = (w as u8).to_ascii_lowercase();
                if self.singles.get(usize::from(byte)) == Some(&true) {
                    for (_, ids) in self.single_list.iter().filter(|(b, _)| *b == byte) {
                        ids.iter().for_each(|id| found(*id, at));
                    }
                }
                if self.heads.get(key3(w | FOLD)) {
                    self.report_at(text, at, w, found);
                }
            }
            return;
        }
        self.scan(text, |at, w| {
            self.report_at(text, at, w, found);
            false
        });
    }

    /// Calls `visit(at, w)` at each position of `text`, in order, whose window `w` (its first
    /// four bytes, little-endian, zero-padded past the end) passes the first test, until
    /// `visit` returns `true`; returns whether it did. Four positions at a time from one
    /// eight-byte load, their first tests combined into one branch (most blocks start no
    /// keyword); then the last positions from a zero-padded copy of the rest.
    #[inline(always)]
    fn scan(&self, text: &[u8], mut visit: impl FnMut(usize, u32) -> bool) -> bool {
        let mut at = 0;
        for _ in text.chunks_exact(4) {
            let Some(x) = text
                .get(at..at + 8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_le_bytes)
            else {
                break;
            };
            #[expect(
                clippy::cast_possible_truncation,
                reason = "each window is the low four bytes of the shifted load"
            )]
            let w = [
                x as u32,
                (x >> 8) as u32,
                (x >> 16) as u32,
                (x >> 24) as u32,
            ];
            if w.iter().any(|w| self.heads.get(key3(w | FOLD)))
                && (0..4)
                    .zip(w)
                    .any(|(k, w)| self.heads.get(key3(w | FOLD)) && visit(at + k, w))
            {
                return true;
            }
            at += 4;
        }
        let mut rest = [0u8; 16];
        for (d, s) in rest.iter_mut().zip(text.get(at..).unwrap_or_default()) {
            *d = *s;
        }
        (at..text.len()).zip(rest.windows(4)).any(|(at, w)| {
            let w = <[u8; 4]>::try_from(w).map_or(0, u32::from_le_bytes);
            self.heads.get(key3(w | FOLD)) && visit(at, w)
        })
    }

    /// Reports every keyword of two bytes or more starting at `text[at..]`, whose first four
    /// bytes (zero-padded) are `w`.
    #[inline(never)]
    fn report_at(&self, text: &[u8], at: usize, w: u32, found: &mut dyn FnMut(usize, usize)) {
        let w = u32::from_le_bytes(w.to_le_bytes().map(|b| b.to_ascii_lowercase()));
        if self.twos.get(key2(w)) && text.get(at..at + 2).is_some() {
            for (_, ids) in self
                .two_list
                .iter()
                .filter(|(k, _)| u16::from_le_bytes(*k) == key2(w))
            {
                ids.iter().for_each(|id| found(*id, at));
            }
        }
        if !self.fours.get(key4(w)) {
            return;
        }
        let Some(rest) = text.get(at..) else {
            return;
        };
        let Some(range) = self.by_head.get(&(w & 0x00ff_ffff)) else {
            return;
        };
        let (Some(long), Some(ids)) = (
            self.long.get(range.clone()),
            self.long_ids.get(range.clone()),
        ) else {
            return;
        };
        for (k, ids) in long.iter().zip(ids) {
            if starts_with_lowercase(rest, k) {
                ids.iter().for_each(|id| found(*id, at));
            }
        }
    }

    /// Whether any keyword occurs in `text`, ASCII case-insensitively.
    pub(super) fn any(&self, text: &[u8]) -> bool {
        if self.empty {
            return false;
        }
        if self.has_singles
            && text
                .iter()
                .any(|b| self.singles.get(usize::from(b.to_ascii_lowercase())) == Some(&true))
        {
            return true;
        }
        self.scan(text, |at, w| {
            let mut found = false;
            self.report_at(text, at, w, &mut |_, _| found = true);
            found
        })
    }
}

/// Whether `text` starts with `keyword` (lowercase), ASCII case ignored.
fn starts_with_lowercase(text: &[u8], keyword: &[u8]) -> bool {
    text.len() >= keyword.len()
        && text
            .iter()
            .zip(keyword)
            .all(|(t, k)| t.to_ascii_lowercase() == *k)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
    use proptest::prelude::*;

    use super::*;

    fn reference(keywords: &[&str], text: &str) -> bool {
        let ac: AhoCorasick = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(keywords.iter().filter(|k| !k.is_empty()))
            .unwrap();
        ac.is_match(text)
    }

    #[test]
    fn finds_keywords_anywhere_and_in_any_case() {
        let f = KeywordFilter::new(["ghp_", "xoxb-", "q~", "secret", "secret_"]);
        for (text, want) in [
            ("token ghp_abc", true),
            ("GHP_ABC", true),
            ("xoxb-1", true),
            ("aq~b", true),
            ("my SeCrEt", true),
            ("secre", false),
            ("ghp", false),
            ("", false),
            ("x", false),
            ("src/app/main.ts", false),
            ("…ghp_…", true),
        ] {
            assert_eq!(f.any(text.as_bytes()), want, "{text}");
        }
    }

    #[test]
    fn no_keywords_match_nothing() {
        let f = KeywordFilter::new(std::iter::empty());
        assert!(!f.any(b"ghp_secret"));
    }

    #[test]
    fn the_built_in_keywords_agree_with_an_automaton() {
        let keywords: Vec<&str> = crate::redact::detectors::BUILTINS
            .iter()
            .flat_map(|d| d.keywords.iter().copied())
            .collect();
        let f = KeywordFilter::new(keywords.iter().copied());
        // Across the chunk boundary, and in the last chunk.
        let long_text = format!("{}ghp_{}", "x".repeat(510), "y".repeat(512));
        assert!(f.any(long_text.as_bytes()));
        assert!(f.any(format!("{}xoxb-", "z".repeat(1024)).as_bytes()));
        assert!(!f.any("z".repeat(1536).as_bytes()));
        for k in &keywords {
            for text in [
                (*k).to_owned(),
                format!("prefix {k} suffix"),
                k.to_uppercase(),
                k[..k.len() - 1].to_owned(),
            ] {
                assert_eq!(
                    f.any(text.as_bytes()),
                    reference(&keywords, &text),
                    "{text}"
                );
            }
        }
    }

    proptest! {
        /// On any text, over keyword sets with shared prefixes, one- and two-byte keywords,
        /// the filter answers as an ASCII case-insensitive automaton does.
        #[test]
        fn agrees_with_an_automaton(
            keywords in prop::collection::vec("[a-dA-D_~^@`\u{e9}]{1,5}", 0..12),
            text in "[a-eA-E_~^@` \u{7f}\u{e9}]{0,40}",
        ) {
            let lower: Vec<String> = keywords.iter().map(|k| k.to_ascii_lowercase()).collect();
            let refs: Vec<&str> = lower.iter().map(String::as_str).collect();
            let f = KeywordFilter::new(refs.iter().copied());
            let want = reference(&refs, &text);
            prop_assert_eq!(f.any(text.as_bytes()), want);
        }

        /// On any text, `for_each` reports exactly the automaton's overlapping matches (each
        /// keyword by its index, keywords that differ only in case each), in order of start.
        #[test]
        fn for_each_reports_the_automatons_matches(
            keywords in prop::collection::vec("[a-dA-D_~^@`\u{e9}]{1,5}", 1..12),
            text in "[a-eA-E_~^@` \u{7f}\u{e9}]{0,40}",
        ) {
            let ac: AhoCorasick = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .build(&keywords)
                .unwrap();
            let mut want: Vec<(usize, usize)> = ac
                .find_overlapping_iter(&text)
                .map(|m| (m.start(), m.pattern().as_usize()))
                .collect();
            let f = KeywordFilter::new(keywords.iter().map(String::as_str));
            let mut found = Vec::new();
            f.for_each(text.as_bytes(), &mut |k, start| found.push((start, k)));
            prop_assert!(found.windows(2).all(|w| w[0].0 <= w[1].0));
            found.sort_unstable();
            want.sort_unstable();
            prop_assert_eq!(found, want);
        }
    }
}
