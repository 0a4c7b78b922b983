//! "Does any keyword occur in this text?", answered without a full automaton pass.
//!
//! The secret detectors name a few hundred keywords (`ghp_`, `xoxb-`, `secret`, ...); almost
//! every text an agent sends holds none of them. A multi-pattern automaton over that many
//! keywords costs about a nanosecond and a half per byte; this filter tests each position of the
//! text once, against a bitmap of hashes of the keywords' first three bytes with letter case
//! folded away, and only at the rare positions it lets through runs the exact tests: a bitmap
//! of the two-byte keywords, and a comparison with the longer keywords sharing the position's
//! first three bytes, found by a hash lookup.
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

/// The keywords, indexed for [`KeywordFilter::any`].
#[derive(Debug, Clone)]
pub(super) struct KeywordFilter {
    /// The first test of every position: hashes of the first three bytes of every keyword of
    /// two bytes or more, each byte folded with [`FOLD`] (a two-byte keyword with every third
    /// byte). A text position whose folded window misses it starts no keyword.
    heads: Bits,
    /// Keywords of two bytes, exactly.
    twos: Bits,
    /// Keywords of three bytes or more, sorted, so that the ones sharing their first three
    /// bytes are adjacent.
    long: Vec<Vec<u8>>,
    /// The first three bytes of keywords of `long` (little-endian) → where they are.
    by_head: FxHashMap<u32, std::ops::Range<usize>>,
    /// Whether some keyword is a single byte: then any text holding it matches.
    singles: [bool; 256],
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

impl KeywordFilter {
    /// The filter of `keywords` (lowercase; an empty keyword is ignored).
    pub(super) fn new<'k>(keywords: impl IntoIterator<Item = &'k str>) -> KeywordFilter {
        let mut f = KeywordFilter {
            heads: Bits::new(),
            twos: Bits::new(),
            long: Vec::new(),
            by_head: FxHashMap::default(),
            singles: [false; 256],
            has_singles: false,
            empty: true,
        };
        for k in keywords {
            let k: Vec<u8> = k.bytes().map(|b| b.to_ascii_lowercase()).collect();
            let w = window(&k);
            match k.len() {
                0 => continue,
                1 => {
                    if let Some(s) = k.first().and_then(|a| f.singles.get_mut(usize::from(*a))) {
                        *s = true;
                        f.has_singles = true;
                    }
                }
                2 => {
                    f.twos.set(key2(w));
                    for third in 0..=255u32 {
                        f.heads.set(key3((w | third << 16) | FOLD));
                    }
                }
                _ => {
                    f.heads.set(key3(w | FOLD));
                    f.long.push(k);
                }
            }
            f.empty = false;
        }
        f.long.sort_unstable();
        f.long.dedup();
        for (i, k) in f.long.iter().enumerate() {
            let range = f.by_head.entry(window(k) & 0x00ff_ffff).or_insert(i..i);
            range.end = i + 1;
        }
        f
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
        // Four positions at a time from one eight-byte load, their first tests combined into
        // one branch; then the last positions from a zero-padded copy of the rest.
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
                && (0..4).zip(w).any(|(k, w)| self.hit(text, at + k, w))
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
            self.hit(
                text,
                at,
                <[u8; 4]>::try_from(w).map_or(0, u32::from_le_bytes),
            )
        })
    }

    /// Whether a keyword starts at `text[at..]`, whose first four bytes (zero-padded) are the
    /// little-endian `w`: the first test, then the exact ones where it passes.
    #[inline(always)]
    fn hit(&self, text: &[u8], at: usize, w: u32) -> bool {
        self.heads.get(key3(w | FOLD)) && self.starts_at(text, at, w)
    }

    /// Whether a keyword of two bytes or more starts at `text[at..]`, whose first four bytes
    /// (zero-padded) are `w`: the exact tests.
    #[inline(never)]
    fn starts_at(&self, text: &[u8], at: usize, w: u32) -> bool {
        let w = u32::from_le_bytes(w.to_le_bytes().map(|b| b.to_ascii_lowercase()));
        (self.twos.get(key2(w)) && text.get(at..at + 2).is_some()) || self.long_at(text, at, w)
    }

    /// Whether a keyword of three bytes or more starts at `text[start..]`, whose first four
    /// bytes (lowercased, zero-padded) are `w`.
    fn long_at(&self, text: &[u8], start: usize, w: u32) -> bool {
        let Some(rest) = text.get(start..) else {
            return false;
        };
        let Some(range) = self.by_head.get(&(w & 0x00ff_ffff)) else {
            return false;
        };
        self.long
            .get(range.clone())
            .unwrap_or_default()
            .iter()
            .any(|k| {
                rest.len() >= k.len()
                    && rest
                        .iter()
                        .zip(k.iter())
                        .all(|(t, k)| t.to_ascii_lowercase() == *k)
            })
    }
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
    }
}
