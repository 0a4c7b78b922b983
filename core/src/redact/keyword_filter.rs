//! "Does any keyword occur in this text?", answered without a full automaton pass.
//!
//! The secret detectors name a few hundred keywords (`ghp_`, `xoxb-`, `secret`, ...); almost
//! every text an agent sends holds none of them. A multi-pattern automaton over that many
//! keywords costs about a nanosecond and a half per byte; this filter lowercases the text a
//! chunk at a time and tests each four-byte window against three bitmaps (the two-byte
//! keywords, and hashes of the three-byte keywords and of the first four bytes of the longer
//! ones), and only compares keywords at the rare positions a bitmap lets through.
//!
//! Matching is ASCII case-insensitive, like the automaton it stands for: keywords are
//! lowercase and text bytes are lowercased before comparison.

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

/// Bytes lowercased at a time into a buffer on the stack.
const CHUNK: usize = 512;

/// Bytes a window reads past its position: a window is four bytes.
const WINDOW_TAIL: usize = 3;

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

/// A hash of the four bytes of `w` into a bitmap key.
fn key4(w: u32) -> u16 {
    (w.wrapping_mul(0x85eb_ca6b) >> 16) as u16
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
    /// Keywords of two bytes, exactly.
    twos: Bits,
    /// Keywords of three bytes, hashed.
    threes: Bits,
    /// The first four bytes of keywords of four bytes or more, hashed.
    fours: Bits,
    /// Keywords of three bytes or more, sorted: the ones starting with given bytes are found
    /// by binary search.
    long: Vec<Vec<u8>>,
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
            twos: Bits::new(),
            threes: Bits::new(),
            fours: Bits::new(),
            long: Vec::new(),
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
                2 => f.twos.set(key2(w)),
                3 => {
                    f.threes.set(key3(w));
                    f.long.push(k);
                }
                _ => {
                    f.fours.set(key4(w));
                    f.long.push(k);
                }
            }
            f.empty = false;
        }
        f.long.sort_unstable();
        f.long.dedup();
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
        // Lowercased chunks, each followed by the next bytes of the text (or zeros) so that
        // every position has a whole window; a zero byte past the end matches no keyword's
        // window that the verification would accept.
        let mut buf = [0u8; CHUNK + WINDOW_TAIL];
        let mut start = 0;
        while start < text.len() {
            let end = text.len().min(start + CHUNK);
            let tail_end = text.len().min(end + WINDOW_TAIL);
            buf.fill(0);
            let (Some(part), Some(dest)) =
                (text.get(start..tail_end), buf.get_mut(..tail_end - start))
            else {
                return false;
            };
            dest.copy_from_slice(part);
            dest.make_ascii_lowercase();
            let Some(scan) = buf.get(..end - start + WINDOW_TAIL) else {
                return false;
            };
            for (i, w) in scan.windows(4).enumerate() {
                let w = window(w);
                let at = start + i;
                if (self.twos.get(key2(w)) && text.get(at..at + 2).is_some())
                    || ((self.threes.get(key3(w)) || self.fours.get(key4(w)))
                        && self.long_at(text, at))
                {
                    return true;
                }
            }
            start = end;
        }
        false
    }

    /// Whether a keyword of three bytes or more starts at `text[start..]`.
    fn long_at(&self, text: &[u8], start: usize) -> bool {
        let Some(rest) = text.get(start..) else {
            return false;
        };
        let lower = |b: &u8| b.to_ascii_lowercase();
        // The keywords sharing the first three bytes are adjacent in sorted order.
        let head = match rest {
            [a, b, c, ..] => [lower(a), lower(b), lower(c)],
            _ => return false,
        };
        let head = head.as_slice();
        let first = self.long.partition_point(|k| k.get(..3) < Some(head));
        self.long
            .get(first..)
            .unwrap_or_default()
            .iter()
            .take_while(|k| k.get(..3) == Some(head))
            .any(|k| {
                rest.len() >= k.len() && rest.iter().zip(k.iter()).all(|(t, k)| lower(t) == *k)
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
        let long_text = format!("{}ghp_{}", "x".repeat(CHUNK - 2), "y".repeat(CHUNK));
        assert!(f.any(long_text.as_bytes()));
        assert!(f.any(format!("{}xoxb-", "z".repeat(2 * CHUNK)).as_bytes()));
        assert!(!f.any("z".repeat(3 * CHUNK).as_bytes()));
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
            keywords in prop::collection::vec("[a-dA-D_~\u{e9}]{1,5}", 0..12),
            text in "[a-eA-E_~ \u{e9}]{0,40}",
        ) {
            let lower: Vec<String> = keywords.iter().map(|k| k.to_ascii_lowercase()).collect();
            let refs: Vec<&str> = lower.iter().map(String::as_str).collect();
            let f = KeywordFilter::new(refs.iter().copied());
            let want = reference(&refs, &text);
            prop_assert_eq!(f.any(text.as_bytes()), want);
        }
    }
}
