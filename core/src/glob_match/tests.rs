//! The matcher against globset, the dialect's reference: same errors, same matches.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use super::*;
use proptest::prelude::*;

fn reference(text: &str, o: GlobOptions) -> Result<globset::GlobMatcher, String> {
    globset::GlobBuilder::new(text)
        .literal_separator(o.literal_separator)
        .backslash_escape(true)
        .empty_alternates(o.empty_alternates)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| e.kind().to_string())
}

fn ours(text: &str, o: GlobOptions) -> Result<Glob, String> {
    Glob::new(text, o).map_err(|e| e.kind().to_string())
}

fn opts(literal_separator: bool, empty_alternates: bool) -> GlobOptions {
    GlobOptions {
        literal_separator,
        empty_alternates,
    }
}

/// Checks one glob on some texts under every option; panics naming the first difference.
fn agree(glob: &str, texts: &[&str]) {
    for o in [
        opts(true, true),
        opts(true, false),
        opts(false, true),
        opts(false, false),
    ] {
        match (reference(glob, o), ours(glob, o)) {
            (Err(a), Err(b)) => assert_eq!(a, b, "error of {glob:?}"),
            (Ok(r), Ok(g)) => {
                for t in texts {
                    assert_eq!(r.is_match(t), g.is_match(t), "{glob:?} on {t:?} ({o:?})");
                }
            }
            (a, b) => panic!(
                "{glob:?} ({o:?}): globset {:?}, ours {:?}",
                a.err(),
                b.err()
            ),
        }
    }
}

#[test]
fn the_policy_shapes_match_like_globset() {
    let texts = [
        "",
        "a",
        "ab",
        "b",
        ".env",
        "a/.env",
        "/home/u/.env",
        ".env.local",
        "x.pem",
        "a/b/c.pem",
        ".ssh/id_rsa",
        "~/.ssh/id_rsa",
        "~/.ssh",
        "/etc/passwd",
        "/etc",
        "etc/x",
        "src/main.rs",
        "secrets/a/b",
        "a//b",
        "/",
        "mcp__notes__read",
        "naïve/é.txt",
    ];
    for glob in [
        "**",
        "**/",
        "**/.env",
        "**/.env.*",
        "**/*.pem",
        "~/.ssh/**",
        "~/.ssh/*",
        "/etc/**",
        "/etc/*",
        "secrets/**/b",
        "**/secrets/**",
        "src/**/*.rs",
        "*.{pem,key}",
        "{,**/}.env",
        "{a,{b,c}}*",
        "mcp__*__read",
        "[!.]*",
        "[^a-c]?",
        "[é]*",
        "[a-é]/*",
        "naïve/?.txt",
        "a/**/**/b",
        "**/**",
        "a**b",
        "\\*x",
        "[",
        "[]",
        "[z-a]",
        "{a,b",
        "a}",
        "a\\",
        "{**/a,b}",
        "{a/**,c}",
        "x{,}y",
        "a{,b}",
        "{,a}b",
        "{a,{,b}}",
        "{}",
        "{{}}",
    ] {
        agree(glob, &texts);
    }
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("{}a{}", "{".repeat(101), "}".repeat(101));
    let err = Glob::new(&deep, GlobOptions::default()).unwrap_err();
    assert_eq!(err.kind(), &GlobErrorKind::TooDeep);
    assert_eq!(err.kind().to_string(), "alternate groups nested too deeply");
    let huge = format!("{}a{}", "{".repeat(20_000), "}".repeat(20_000));
    assert!(Glob::new(&huge, GlobOptions::default()).is_err());
    let ok = format!("{}a{}", "{".repeat(100), "}".repeat(100));
    assert!(
        Glob::new(&ok, GlobOptions::default())
            .unwrap()
            .is_match("a")
    );
}

#[test]
fn a_long_glob_uses_several_words() {
    // More than 64 positions: the general state sets.
    let glob = format!("{}*{}", "ab".repeat(40), "/x?".repeat(30));
    let text = format!("{}zz{}", "ab".repeat(40), "/xy".repeat(30));
    agree(&glob, &[&text, &text[1..], "ab"]);
}

#[test]
fn a_glob_over_many_distinct_bytes_has_a_class_per_byte() {
    // More than 64 distinct byte sets in the middle: the one-class-per-byte tables.
    let many = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éàüö";
    let glob = format!("*{many}?*");
    let hit = format!("x{many}!y");
    agree(
        &glob,
        &[&hit, &hit.replace('é', "e"), many, &format!("{many}/")],
    );
}

fn glob_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::sample::select(vec!["a", "b", "/", "."]),
            3 => proptest::sample::select(vec!["*", "**", "?", "/**/", "**/", "/**"]),
            2 => proptest::sample::select(vec!["[", "]", "!", "^", "-", "\\", "é"]),
            2 => proptest::sample::select(vec!["{", "}", ","]),
        ],
        0..10,
    )
    .prop_map(|parts| parts.concat())
}

fn path_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(vec!["a", "b", "/", ".", "-", ",", "é", "ab", "[", "*"]),
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Any glob of the dialect's characters: the same error, or the same matches.
    #[test]
    fn every_glob_agrees_with_globset(
        glob in glob_text(),
        texts in proptest::collection::vec(path_text(), 1..8),
    ) {
        // The glob's own characters, wildcards dropped, make texts that often match.
        let own: String = glob.chars().filter(|c| !"*?[]{},!^\\".contains(*c)).collect();
        let mut all: Vec<&str> = texts.iter().map(String::as_str).collect();
        all.push(&own);
        agree(&glob, &all);
    }

    /// A set reports exactly the globs that match one by one, ascending, like globset's.
    #[test]
    fn a_set_agrees_with_globset(
        globs in proptest::collection::vec(glob_text(), 0..8),
        text in path_text(),
    ) {
        let o = opts(true, true);
        let valid: Vec<&String> = globs.iter().filter(|g| ours(g, o).is_ok()).collect();
        let set = GlobSet::new(valid.iter().map(|g| ours(g, o).unwrap()).collect());
        let mut reference_set = globset::GlobSetBuilder::new();
        for g in &valid {
            reference_set.add(
                globset::GlobBuilder::new(g)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .empty_alternates(true)
                    .build()
                    .unwrap(),
            );
        }
        let reference_set = reference_set.build().unwrap();
        prop_assert_eq!(set.matches(&text), reference_set.matches(&text));
        prop_assert_eq!(set.is_match(&text), reference_set.is_match(&text));
    }
}
