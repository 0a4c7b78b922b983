//! A literal gate in front of a glob set: most paths an agent touches match none of a
//! policy's indexed globs, and most globs require some literal text (`.aws` in `**/.aws/**`,
//! `.pem` in `**/*.pem`). One multi-literal search over the path answers "could any glob
//! match?" faster than the glob set's strategies answer "which globs match?"; the glob set
//! runs only when the answer is yes.
//!
//! The gate never changes a match: a glob's literal is text every path it matches contains,
//! and a glob without one opens the gate for every path.

use aho_corasick::{AhoCorasick, AhoCorasickKind};

/// The gate of one glob set. The default gate is open for every path.
#[derive(Debug, Clone, Default)]
pub(crate) struct LiteralGate {
    /// The required literals of the globs, when every glob has one.
    literals: Option<AhoCorasick>,
}

impl LiteralGate {
    /// The gate of the globs `globs` (glob texts as the glob set compiles them: `/` is
    /// literal, `*` and `?` stay within a name, `**` crosses names, no case folding).
    pub(crate) fn new<'g>(globs: impl IntoIterator<Item = &'g str>) -> LiteralGate {
        let mut literals = Vec::new();
        for glob in globs {
            match required_literal(glob) {
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

/// The longest literal run every path matched by `glob` contains, if the glob has one: the
/// longest piece between wildcards (`*`, `?`) and separators. `None` for a glob with
/// classes, alternates or escapes (`[…]`, `{…}`, `\`), whose literal text is not plain.
pub(crate) fn required_literal(glob: &str) -> Option<&str> {
    if glob.contains(['[', ']', '{', '}', '\\']) {
        return None;
    }
    // INVARIANT: outside classes, alternates and escapes, every character other than `*`,
    // `?` and `/` matches itself only, and a run of them between wildcards appears verbatim
    // in every matched path (a separator may be matched by `**` as part of more text, so
    // runs stop at separators).
    glob.split(['*', '?', '/'])
        .max_by_key(|piece| piece.len())
        .filter(|piece| !piece.is_empty())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::glob_match::{Glob, GlobOptions};
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn literals_are_the_longest_plain_runs() {
        for (glob, want) in [
            ("**/.aws/**", Some(".aws")),
            ("**/*.pem", Some(".pem")),
            ("**/.env", Some(".env")),
            ("services/svc0001/secrets/**", Some("services")),
            ("**/id_ed25519", Some("id_ed25519")),
            ("src/**/*.ts", Some(".ts")),
            ("**", None),
            ("*/*", None),
            ("**/*.{pem,key}", None),
            ("**/[ab].txt", None),
            ("**/\\*.txt", None),
        ] {
            assert_eq!(required_literal(glob), want, "{glob}");
        }
    }

    #[test]
    fn the_gate_closes_only_when_no_glob_can_match() {
        let gate = LiteralGate::new(["**/.aws/**", "**/*.pem", "secrets/**"]);
        assert!(!gate.may_match("src/app/main.ts"));
        assert!(gate.may_match("home/.aws/credentials"));
        assert!(gate.may_match("certs/server.pem"));
        assert!(gate.may_match("secrets/db.txt"));
        let open = LiteralGate::new(["**/.aws/**", "**/*.{pem,key}"]);
        assert!(open.may_match("src/app/main.ts"));
        assert!(!LiteralGate::new([]).may_match("anything"));
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
            let options = GlobOptions { literal_separator: true, empty_alternates: true };
            if Glob::new(&glob, options).unwrap().is_match(&path) {
                prop_assert!(LiteralGate::new([glob.as_str()]).may_match(&path));
            }
        }
    }
}
