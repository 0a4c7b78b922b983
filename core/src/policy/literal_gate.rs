//! A literal gate in front of a glob set: most paths an agent touches match none of a
//! policy's indexed globs, and most globs require some literal text (`.aws` in `**/.aws/**`,
//! `.pem` in `**/*.pem`). One multi-literal search over the path answers "could any glob
//! match?" faster than the glob set answers "which globs match?"; the glob set
//! runs only when the answer is yes.
//!
//! The gate never changes a match: a glob's literal is text every path it matches contains,
//! and a glob without one opens the gate for every path.

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use crate::glob_match::Glob;

/// The gate of one glob set. The default gate is open for every path.
#[derive(Debug, Clone, Default)]
pub(crate) struct LiteralGate {
    /// The required literals of the globs, when every glob has one.
    literals: Option<AhoCorasick>,
}

impl LiteralGate {
    /// The gate of `globs`: closed to a path only when it holds none of their required
    /// literals; open to every path when some glob has none.
    pub(crate) fn new(globs: &[Glob]) -> LiteralGate {
        let mut literals = Vec::new();
        for glob in globs {
            match glob.required_literal() {
                Some(l) => literals.push(l),
                None => return LiteralGate { literals: None },
            }
        }
        LiteralGate {
            // A searcher that cannot be built opens the gate for every path. Paths are short:
            // the automaton that is quick to build is quick enough to search them.
            literals: AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .build(literals)
                .ok(),
        }
    }

    /// Whether some glob may match `path`: `false` only when no glob can.
    pub(crate) fn may_match(&self, path: &str) -> bool {
        self.literals.as_ref().is_none_or(|l| l.is_match(path))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use crate::glob_match::GlobOptions;
    use proptest::prelude::*;

    use super::*;

    fn globs(texts: &[&str]) -> Vec<Glob> {
        let options = GlobOptions {
            literal_separator: true,
            empty_alternates: true,
        };
        texts
            .iter()
            .map(|t| Glob::new(t, options).unwrap())
            .collect()
    }

    #[test]
    fn literals_are_the_longest_plain_runs() {
        for (glob, want) in [
            ("**/.aws/**", Some(".aws")),
            ("**/*.pem", Some(".pem")),
            ("**/.env", Some(".env")),
            (
                "services/svc0001/secrets/**",
                Some("services/svc0001/secrets"),
            ),
            ("**/id_ed25519", Some("id_ed25519")),
            ("src/**/*.ts", Some("src")),
            ("**", None),
            ("*/*", Some("/")),
            ("**/*.{pem,key}", Some(".")),
            ("**/[ab].txt", Some(".txt")),
            ("**/\\*.txt", Some("*.txt")),
            ("{a,b}*", None),
        ] {
            let got = globs(&[glob])[0]
                .required_literal()
                .map(|l| String::from_utf8_lossy(l).into_owned());
            assert_eq!(got.as_deref(), want, "{glob}");
        }
    }

    #[test]
    fn the_gate_closes_only_when_no_glob_can_match() {
        let gate = LiteralGate::new(&globs(&["**/.aws/**", "**/*.pem", "secrets/**"]));
        assert!(!gate.may_match("src/app/main.ts"));
        assert!(gate.may_match("home/.aws/credentials"));
        assert!(gate.may_match("certs/server.pem"));
        assert!(gate.may_match("secrets/db.txt"));
        let open = LiteralGate::new(&globs(&["**/.aws/**", "**/*"]));
        assert!(open.may_match("src/app/main.ts"));
        assert!(!LiteralGate::new(&[]).may_match("anything"));
    }

    proptest! {
        /// Whenever a glob matches a path, the gate of any set holding that glob is open.
        #[test]
        fn a_matching_glob_always_passes_the_gate(
            glob in prop::collection::vec(
                prop::sample::select(vec!["**", "*", "a", "b", "ab", "a*", "?b", ".a", "a?"]),
                1..5,
            ),
            path in prop::collection::vec(
                prop::sample::select(vec!["a", "b", "ab", "ba", ".a", "aab"]),
                1..5,
            ),
        ) {
            let glob = glob.join("/");
            let path = path.join("/");
            let compiled = globs(&[glob.as_str()]);
            if compiled[0].is_match(&path) {
                prop_assert!(LiteralGate::new(&compiled).may_match(&path));
            }
        }
    }
}
