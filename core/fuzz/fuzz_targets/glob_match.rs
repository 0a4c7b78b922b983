//! Fuzz target: the glob matcher against globset, the reference of the policy format's glob
//! dialect. Input: one byte of options, then a glob and a text separated by the first NUL
//! byte, both read as UTF-8 with invalid sequences replaced. The two must agree on whether
//! the glob parses (with the same message), and on whether the text matches; any input must
//! give an answer, never a panic or a hang.

#![no_main]

use agent_policy_core::glob_match::{Glob, GlobOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let (glob, text) = match rest.iter().position(|&b| b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let glob = String::from_utf8_lossy(glob);
    let text = String::from_utf8_lossy(text);
    let options = GlobOptions {
        literal_separator: flags & 1 != 0,
        empty_alternates: flags & 2 != 0,
    };
    let ours = Glob::new(&glob, options);
    // globset recurses once per nested group and overflows its stack on deep nesting; the
    // matcher refuses more than 100 levels. Compare below that.
    if glob.matches('{').count() > 100 {
        return;
    }
    let reference = globset::GlobBuilder::new(&glob)
        .literal_separator(options.literal_separator)
        .backslash_escape(true)
        .empty_alternates(options.empty_alternates)
        .build();
    match (ours, reference) {
        (Ok(g), Ok(r)) => {
            let r = r.compile_matcher();
            assert_eq!(g.is_match(&text), r.is_match(text.as_ref()), "{glob:?} on {text:?}");
        }
        (Err(e), Err(r)) => assert_eq!(e.kind().to_string(), r.kind().to_string(), "{glob:?}"),
        (ours, reference) => panic!(
            "{glob:?}: ours {:?}, globset {:?}",
            ours.err(),
            reference.err()
        ),
    }
});
