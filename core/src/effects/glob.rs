//! Shell globs in file operands (`cat .en*`): what they may expand to.
//!
//! The engine never lists directories, so it cannot know what a glob matches. It checks the
//! glob against the names the policy itself cares about instead: every path pattern of the
//! policy yields sample names (`.env.*` gives `.env.x`), and each sample the glob
//! matches becomes a further effect on that path ("reading .env" for `cat .en*`), which the
//! rules then judge like any other. Bash's rules apply: `*` and `?` do not match a leading
//! `.`, so `cat *` is not a read of `.env`. A glob made only of wildcards (`*`, `*.*`) is
//! checked against the policy's samples in its own directory only (`~/.ssh/*` against
//! `~/.ssh/id_*`), not against names at any depth: it names no file in particular.

use super::Effect;

/// The most further effects one glob yields.
pub const MAX_EXPANSIONS: usize = 64;

/// Sample names a glob name component matches: literal parts kept, `*` and `?` as `x`, a
/// class as its first member, `{a,b}` as each alternative.
pub fn sample_names(glob: &str) -> Vec<String> {
    if glob.is_empty() || glob == "**" {
        return Vec::new();
    }
    let mut out: Vec<String> = vec![String::new()];
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => {
                out.iter_mut().for_each(|s| s.push('x'));
                while chars.peek() == Some(&'*') {
                    chars.next();
                }
            }
            '?' => out.iter_mut().for_each(|s| s.push('x')),
            '[' => {
                let mut first: Option<char> = None;
                let mut negated = false;
                let mut at_start = true;
                for n in chars.by_ref() {
                    if n == ']' && !at_start {
                        break;
                    }
                    if at_start && (n == '!' || n == '^') {
                        negated = true;
                        continue;
                    }
                    at_start = false;
                    if first.is_none() {
                        first = Some(n);
                    }
                }
                let pick = if negated { '_' } else { first.unwrap_or('x') };
                out.iter_mut().for_each(|s| s.push(pick));
            }
            '{' => {
                let mut body = String::new();
                for n in chars.by_ref() {
                    if n == '}' {
                        break;
                    }
                    body.push(n);
                }
                let alts: Vec<&str> = body.split(',').collect();
                let mut next = Vec::with_capacity(out.len() * alts.len());
                for s in &out {
                    for a in &alts {
                        next.push(format!("{s}{a}"));
                    }
                }
                out = next;
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    out.iter_mut().for_each(|s| s.push(n));
                }
            }
            c => out.iter_mut().for_each(|s| s.push(c)),
        }
        if out.len() > MAX_EXPANSIONS {
            out.truncate(MAX_EXPANSIONS);
        }
    }
    out.retain(|s| !s.is_empty() && !s.contains('/'));
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether the glob name `pat` (`*`, `?`, `[…]`, `\` escapes; no `/`) matches `name`: the
/// usual iterative matcher with one backtrack point, linear in practice and never worse
/// than the product of the lengths.
fn name_matches(pat: &[char], name: &[char]) -> bool {
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        let c = name.get(n).copied().unwrap_or('\0');
        match pat.get(p).copied() {
            Some('*') => {
                star = Some((p, n));
                p += 1;
                continue;
            }
            Some('?') => {
                p += 1;
                n += 1;
                continue;
            }
            Some('[') => {
                if let Some((hit, next)) = class_matches(pat, p, c) {
                    if hit {
                        p = next;
                        n += 1;
                        continue;
                    }
                } else if c == '[' {
                    p += 1;
                    n += 1;
                    continue;
                }
            }
            Some('\\') if pat.get(p + 1) == Some(&c) => {
                p += 2;
                n += 1;
                continue;
            }
            Some(x) if x == c && x != '\\' => {
                p += 1;
                n += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, sn)) => {
                p = sp + 1;
                n = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    while pat.get(p) == Some(&'*') {
        p += 1;
    }
    p == pat.len()
}

/// Whether the class starting at `pat[at] == '['` holds `c`, and where the class ends;
/// `None` when the class is not closed (then `[` is a literal).
fn class_matches(pat: &[char], at: usize, c: char) -> Option<(bool, usize)> {
    let mut i = at + 1;
    let negated = matches!(pat.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    loop {
        let x = *pat.get(i)?;
        if x == ']' && !first {
            return Some((hit != negated, i + 1));
        }
        first = false;
        if pat.get(i + 1) == Some(&'-') && pat.get(i + 2).is_some_and(|&y| y != ']') {
            let hi = *pat.get(i + 2)?;
            hit |= (x..=hi).contains(&c);
            i += 3;
        } else {
            hit |= x == c;
            i += 1;
        }
    }
}

/// Whether a glob name component has a literal character besides its wildcards.
fn has_literal(name: &str) -> bool {
    let mut in_class = false;
    for c in name.chars() {
        match c {
            '[' => in_class = true,
            ']' => in_class = false,
            '*' | '?' => {}
            _ if in_class => {}
            _ => return true,
        }
    }
    false
}

/// The further effects the glob `effect` (a file effect with `glob` set) may stand for,
/// given the policy's samples (see [`sample_names`] and `PathSet::witnesses`).
pub fn expansions(effect: &Effect, witnesses: &[(String, String)]) -> Vec<Effect> {
    let Some(path) = effect.path.as_deref() else {
        return Vec::new();
    };
    let (dir, name) = match path.rsplit_once('/') {
        Some((d, n)) => (d, n),
        None => ("", path),
    };
    let name_chars: Vec<char> = name.chars().collect();
    // Bash: a wildcard does not match a leading dot. A `**` directory part stands for what
    // `find -name` finds (see `find_results`), and `find`'s patterns do match dot files.
    let dot_ok = name.starts_with('.') || dir.split('/').any(|c| c == "**");
    let named = has_literal(name);
    // A directory part with wildcards (`**/` from `find -name`, `*/x`): a name at any depth.
    let dir_is_glob = dir.contains(['*', '?', '[']);
    let mut out: Vec<Effect> = Vec::new();
    for (wdir, wname) in witnesses {
        if out.len() >= MAX_EXPANSIONS {
            break;
        }
        let any_depth = wdir.is_empty();
        let same_dir = !any_depth && wdir == dir;
        if !(same_dir || (named && any_depth)) {
            continue;
        }
        if wname.starts_with('.') && !dot_ok {
            continue;
        }
        let wchars: Vec<char> = wname.chars().collect();
        if !name_matches(&name_chars, &wchars) {
            continue;
        }
        let at = if dir_is_glob {
            if any_depth { "" } else { wdir.as_str() }
        } else {
            dir
        };
        let probe = if at.is_empty() {
            wname.clone()
        } else {
            format!("{at}/{wname}")
        };
        let mut e = effect.clone();
        e.path = Some(probe);
        e.glob = false;
        if !out.iter().any(|o: &Effect| o.path == e.path) {
            out.push(e);
        }
    }
    out
}

/// Appends to `effects` what each glob effect among them may expand to, skipping effects
/// already there.
/// `witnesses` holds the samples per effect kind, by [`super::EffectKind::index`].
pub fn expand_all(effects: &mut Vec<Effect>, witnesses: &[Vec<(String, String)>]) {
    if !effects.iter().any(|e| e.glob) {
        return;
    }
    let extra: Vec<Effect> = effects
        .iter()
        .filter(|e| e.glob)
        .flat_map(|e| {
            witnesses
                .get(e.kind.index())
                .map_or_else(Vec::new, |w| expansions(e, w))
        })
        .collect();
    for e in extra {
        if !effects.iter().any(|o| o.same_except_via(&e)) {
            effects.push(e);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::effects::EffectKind;

    fn glob_effect(path: &str) -> Effect {
        let mut e = Effect::new(EffectKind::FileRead, "cat");
        e.path = Some(path.to_owned());
        e.glob = true;
        e
    }

    fn paths(path: &str, w: &[(&str, &str)]) -> Vec<String> {
        let w: Vec<(String, String)> = w
            .iter()
            .map(|(d, n)| ((*d).to_owned(), (*n).to_owned()))
            .collect();
        expansions(&glob_effect(path), &w)
            .into_iter()
            .filter_map(|e| e.path)
            .collect()
    }

    #[test]
    fn samples() {
        assert_eq!(sample_names(".env.*"), [".env.x"]);
        assert_eq!(sample_names("id_rsa"), ["id_rsa"]);
        assert_eq!(sample_names("*.{pem,key}"), ["x.key", "x.pem"]);
        assert_eq!(sample_names("[ab]?"), ["ax"]);
        assert!(sample_names("**").is_empty());
    }

    fn m(p: &str, n: &str) -> bool {
        name_matches(
            &p.chars().collect::<Vec<_>>(),
            &n.chars().collect::<Vec<_>>(),
        )
    }

    #[test]
    fn name_matcher() {
        assert!(m(".en*", ".env"));
        assert!(m("*", ""));
        assert!(m("*.pem", "x.pem"));
        assert!(!m("*.pem", "x.pem.pub"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(m(".e?v", ".env"));
        assert!(!m(".e?v", ".ev"));
        assert!(m("[ab]x", "bx"));
        assert!(!m("[!ab]x", "bx"));
        assert!(m("[a-c]x", "bx"));
        assert!(m("\\*x", "*x"));
        assert!(!m("\\*x", "ax"));
        assert!(m("[x", "[x"));
    }

    proptest::proptest! {
        /// The hand-written matcher agrees with globset on names.
        #[test]
        fn name_matcher_agrees_with_globset(
            pat in "[a.*?]{0,6}",
            name in "[a.]{0,6}",
        ) {
            let glob = globset::GlobBuilder::new(&pat)
                .literal_separator(true)
                .build()
                .unwrap()
                .compile_matcher();
            proptest::prop_assert_eq!(m(&pat, &name), glob.is_match(&name));
        }
    }

    #[test]
    fn globs_reach_the_names_the_policy_protects() {
        let w = [("", ".env"), ("", "x.pem"), ("~/.ssh", "id_x")];
        assert_eq!(paths(".en*", &w), [".env"]);
        assert_eq!(paths("config/.e?v", &w), ["config/.env"]);
        assert_eq!(paths("certs/*.pem", &w), ["certs/x.pem"]);
        // Bash's `*` skips dot files; a bare wildcard names nothing at any depth.
        assert!(paths("*", &w).is_empty());
        assert!(paths("src/*.ts", &w).is_empty());
        // ... but it does cover what the policy protects in that very directory.
        assert_eq!(paths("~/.ssh/*", &w), ["~/.ssh/id_x"]);
        // `find -name` globs: any depth, and dot files too.
        assert_eq!(paths("**/*.pem", &w), ["x.pem"]);
        assert_eq!(paths("**/*env", &w), [".env"]);
        assert!(paths("*env", &w).is_empty());
    }
}
