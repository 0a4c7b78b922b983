//! A set of globs matched at once. Each glob is filed under the longest literal text every
//! match holds: its start, in a trie of starts; its end, in a trie of (reversed) ends; or
//! text inside it (`/.aws/` in `**/.aws/**`), in one multi-literal searcher. A text walks
//! both tries along its own bytes and is searched once; only the globs met that way, plus
//! those with no literal text at all (`**/*`), are run. A policy's path globs mostly start
//! with a directory (`~/.ssh/`), end with a name (`/.env`, `.pem`) or hold one, so a path
//! runs few of them.

use aho_corasick::AhoCorasick;

use super::{Glob, Place};

/// Globs reported by their index in the list the set was built from.
#[derive(Debug, Clone, Default)]
pub struct GlobSet {
    globs: Vec<Glob>,
    /// Globs by the literal text they start with.
    starts: Trie,
    /// Globs by the literal text they end with, reversed.
    ends: Trie,
    /// The searcher of the inner texts, and the globs of each.
    inner: Option<(AhoCorasick, Vec<Vec<u32>>)>,
    /// Globs with no literal text: run on every text.
    always: Vec<u32>,
}

/// A byte trie whose nodes hold globs. Node 0 is the root.
#[derive(Debug, Clone, Default)]
struct Trie {
    nodes: Vec<Node>,
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// (byte, node), sorted by byte.
    children: Vec<(u8, u32)>,
    /// Globs whose key ends here.
    globs: Vec<u32>,
}

impl Trie {
    fn insert(&mut self, key: impl Iterator<Item = u8>, glob: u32) {
        if self.nodes.is_empty() {
            self.nodes.push(Node::default());
        }
        let mut at = 0usize;
        for byte in key {
            let fresh = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
            let Some(node) = self.nodes.get_mut(at) else {
                return;
            };
            let next = match node.children.binary_search_by_key(&byte, |(b, _)| *b) {
                Ok(i) => node.children.get(i).map_or(fresh, |(_, n)| *n),
                Err(i) => {
                    node.children.insert(i, (byte, fresh));
                    self.nodes.push(Node::default());
                    fresh
                }
            };
            at = next as usize;
        }
        if let Some(node) = self.nodes.get_mut(at) {
            node.globs.push(glob);
        }
    }

    /// Calls `found` with every glob whose key is a prefix of `text`.
    fn walk(&self, text: impl Iterator<Item = u8>, found: &mut impl FnMut(u32)) {
        let Some(mut node) = self.nodes.first() else {
            return;
        };
        for byte in text {
            let Ok(i) = node.children.binary_search_by_key(&byte, |(b, _)| *b) else {
                return;
            };
            let Some(next) = node
                .children
                .get(i)
                .and_then(|(_, n)| self.nodes.get(*n as usize))
            else {
                return;
            };
            node = next;
            node.globs.iter().for_each(|&g| found(g));
        }
    }
}

impl GlobSet {
    /// A set of `globs`; [`GlobSet::matches`] reports them by their index here.
    pub fn new(globs: Vec<Glob>) -> GlobSet {
        let mut set = GlobSet::default();
        let mut inner_texts: Vec<&[u8]> = Vec::new();
        let mut inner_globs: Vec<Vec<u32>> = Vec::new();
        for (i, g) in globs.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            // An all-literal glob's text is its start.
            let Some((place, literal)) = g.longest_literal() else {
                set.always.push(i);
                continue;
            };
            if place == Place::Start {
                set.starts.insert(literal.iter().copied(), i);
            } else if place == Place::End {
                set.ends.insert(literal.iter().rev().copied(), i);
            } else if let Some(at) = inner_texts.iter().position(|t| *t == literal) {
                if let Some(list) = inner_globs.get_mut(at) {
                    list.push(i);
                }
            } else {
                inner_texts.push(literal);
                inner_globs.push(vec![i]);
            }
        }
        if !inner_texts.is_empty() {
            match AhoCorasick::new(&inner_texts) {
                Ok(searcher) => set.inner = Some((searcher, inner_globs)),
                // A searcher that cannot be built leaves its globs to be run on every text.
                Err(_) => set.always.extend(inner_globs.into_iter().flatten()),
            }
        }
        set.always.sort_unstable();
        set.globs = globs;
        set
    }

    /// Whether the set has no globs.
    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// Calls `found` with each glob that may match `text` (a glob filed under an inner text
    /// that occurs more than once, more than once).
    fn candidates(&self, text: &[u8], found: &mut impl FnMut(u32)) {
        self.starts.walk(text.iter().copied(), found);
        self.ends.walk(text.iter().rev().copied(), found);
        if let Some((searcher, globs)) = &self.inner {
            for m in searcher.find_overlapping_iter(text) {
                if let Some(list) = globs.get(m.pattern().as_usize()) {
                    list.iter().for_each(|&g| found(g));
                }
            }
        }
        self.always.iter().for_each(|&g| found(g));
    }

    /// The indexes of the globs `text` matches, ascending.
    pub fn matches(&self, text: &str) -> Vec<usize> {
        let mut out = Vec::new();
        self.candidates(text.as_bytes(), &mut |g| out.push(g as usize));
        out.sort_unstable();
        out.dedup();
        out.retain(|&g| self.globs.get(g).is_some_and(|glob| glob.is_match(text)));
        out
    }

    /// Whether some glob matches `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let mut any = false;
        self.candidates(text.as_bytes(), &mut |g| {
            any = any
                || self
                    .globs
                    .get(g as usize)
                    .is_some_and(|glob| glob.is_match(text));
        });
        any
    }
}
