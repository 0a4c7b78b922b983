//! Path and name globs as policies write them, compiled into matchers.
//!
//! Path globs follow gitignore habits, because that is what reviewers already read:
//! - a pattern without `/` matches the file name at any depth (`.env*` matches `a/b/.env.local`);
//! - a pattern with `/` inside is anchored at the workspace root (`src/**/*.ts`); a leading
//!   `/` names an absolute path (`/etc/**`) and `~/…` a home path, both outside the workspace;
//! - a trailing `/` means the directory and everything under it (`secrets/` = `secrets/**`);
//! - `*` never crosses `/`, `**` does;
//! - in a list, `!pattern` excludes what the other entries include.

use crate::glob_match::{Glob, GlobError, GlobOptions, GlobSet};

use super::node::Spanned;
use crate::error::{Error, ErrorCode};

/// One compiled path pattern.
#[derive(Debug, Clone)]
struct PathGlob {
    /// As written (without `!`).
    text: String,
    /// The list (file) it came from: `!` entries only exclude within their own group.
    group: u32,
    /// The literal directory the pattern is confined to (`secrets` for `secrets/**`), used to
    /// decide whether a recursive effect on a parent directory covers it.
    literal_dir: Option<String>,
    /// When the pattern ends in two literal names (`**/.aws/credentials`): the directory
    /// name and the file name, so a recursive read of a directory of that name covers it.
    fixed_tail: Option<(String, String)>,
}

/// The glob a policy path pattern means, for building combined indexes.
pub(crate) fn glob_text_for_index(pattern: &str) -> String {
    path_glob_text(pattern)
}

/// Rewrites a policy path pattern into the glob it means (see the module docs).
fn path_glob_text(pattern: &str) -> String {
    let mut p = pattern.trim().to_owned();
    if p.ends_with('/') {
        p.push_str("**");
    }
    if p.starts_with('~') || p.starts_with("**") {
        return p;
    }
    if let Some(rest) = p.strip_prefix("./") {
        return rest.to_owned();
    }
    if !p.contains('/') {
        return format!("**/{p}");
    }
    p
}

/// The literal leading directories of a glob, if any (`a/b` for `a/b/**/*.rs`).
fn literal_dir(glob: &str) -> Option<String> {
    let meta = glob.find(['*', '?', '[', '{', '\\']).unwrap_or(glob.len());
    let head = glob.get(..meta)?;
    let dir = match head.rfind('/') {
        Some(i) => head.get(..i)?,
        None => return None,
    };
    (!dir.is_empty()).then(|| dir.to_owned())
}

/// The last two names of a glob when both are literal (`.aws`, `credentials`).
fn fixed_tail(glob: &str) -> Option<(String, String)> {
    let mut parts = glob.rsplit('/');
    let name = parts.next()?;
    let parent = parts.next()?;
    let literal = |s: &str| !s.is_empty() && !has_glob_syntax(s) && s != "." && s != "..";
    (literal(name) && literal(parent)).then(|| (parent.to_owned(), name.to_owned()))
}

fn build_glob(text: &str, literal_separator: bool) -> Result<Glob, GlobError> {
    Glob::new(
        text,
        GlobOptions {
            literal_separator,
            empty_alternates: true,
        },
    )
}

/// Whether `text` uses glob syntax (`*`, `?`, `[…]`, `{…}`, `\\` escapes); without it a
/// glob matches exactly its own text.
fn has_glob_syntax(text: &str) -> bool {
    text.contains(['*', '?', '[', ']', '{', '}', '\\'])
}

/// Turns a glob error into a policy error at the pattern's span.
fn glob_error(origin: &str, entry: &Spanned<String>, err: &GlobError) -> Error {
    Error::new(
        ErrorCode::PolicyBadGlob,
        format!("bad glob '{}': {}", entry.value, err.kind()),
    )
    .with_help("globs use * (within a name), ** (any depth), ? and [abc]; escape with \\")
    .at(origin, entry.span.line, entry.span.column)
}

/// Splits a list entry into (negated, pattern).
fn split_negation(text: &str) -> (bool, &str) {
    match text.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, text),
    }
}

/// Groups with exclusions but no inclusions: they include everything they do not exclude.
fn implicit_groups(include: &[u32], exclude: &[u32]) -> Vec<u32> {
    let mut groups: Vec<u32> = exclude
        .iter()
        .copied()
        .filter(|g| !include.contains(g))
        .collect();
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// Picks the reported pattern among the matching ones: the smallest text, so that the order
/// of list entries never changes a decision document.
fn smallest<'a>(texts: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    texts.min()
}

/// A list of path patterns with `!` exclusions, compiled into one glob set. Entries carry a
/// group (the file they came from): an exclusion only cancels inclusions of its own group, so
/// one file can never carve a hole in another file's list.
#[derive(Debug, Clone)]
pub struct PathSet {
    include: Vec<PathGlob>,
    exclude: Vec<PathGlob>,
    include_set: GlobSet,
    exclude_set: GlobSet,
    /// Groups with only exclusions (they include everything else).
    implicit: Vec<u32>,
}

impl PathSet {
    /// Compiles one list of path patterns (one group).
    pub fn compile(origin: &str, entries: &[Spanned<String>]) -> Result<PathSet, Error> {
        let grouped: Vec<(u32, &str, &Spanned<String>)> =
            entries.iter().map(|e| (0, origin, e)).collect();
        PathSet::compile_grouped(&grouped)
    }

    /// Compiles entries of several lists: (group, origin, entry).
    pub fn compile_grouped(entries: &[(u32, &str, &Spanned<String>)]) -> Result<PathSet, Error> {
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        let (mut include_globs, mut exclude_globs) = (Vec::new(), Vec::new());
        for (group, origin, entry) in entries {
            let (negated, raw) = split_negation(&entry.value);
            let text = path_glob_text(raw);
            let glob = build_glob(&text, true).map_err(|e| glob_error(origin, entry, &e))?;
            let compiled = PathGlob {
                text: raw.to_owned(),
                group: *group,
                literal_dir: literal_dir(&text),
                fixed_tail: fixed_tail(&text),
            };
            // INVARIANT: each glob goes with its entry, so the sets' indexes are those of
            // `include` and `exclude`.
            if negated {
                exclude.push(compiled);
                exclude_globs.push(glob);
            } else {
                include.push(compiled);
                include_globs.push(glob);
            }
        }
        let include_set = GlobSet::new(include_globs);
        let exclude_set = GlobSet::new(exclude_globs);
        let implicit = implicit_groups(
            &include.iter().map(|g| g.group).collect::<Vec<_>>(),
            &exclude.iter().map(|g| g.group).collect::<Vec<_>>(),
        );
        Ok(PathSet {
            include,
            exclude,
            include_set,
            exclude_set,
            implicit,
        })
    }

    /// Concrete paths and names the included patterns match, for checking what a shell glob
    /// may expand to (see [`crate::effects::glob`]): `(directory, name)` for a pattern
    /// confined to a literal directory, `("", name)` for one matching a name at any depth.
    pub fn witnesses(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for g in &self.include {
            let text = path_glob_text(&g.text);
            let (dir, name) = match text.rsplit_once('/') {
                Some((d, n)) => (d, n),
                None => ("", text.as_str()),
            };
            let dir = if dir == "**" {
                ""
            } else if has_glob_syntax(dir) {
                match &g.literal_dir {
                    // `secrets/**/x`: the literal part is where a glob would name it.
                    Some(d) => d.as_str(),
                    None => continue,
                }
            } else {
                dir
            };
            for n in crate::effects::glob::sample_names(name) {
                out.push((dir.to_owned(), n));
            }
        }
        out
    }

    /// The patterns as written, `!` entries included, sorted (for the canonical policy).
    pub fn texts(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .include
            .iter()
            .map(|g| g.text.clone())
            .chain(self.exclude.iter().map(|g| format!("!{}", g.text)))
            .collect();
        out.sort_unstable();
        out
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }

    /// Whether the list has `!` entries.
    pub fn has_exclusions(&self) -> bool {
        !self.exclude.is_empty()
    }

    /// The included patterns, when every path the list matches matches one of them: `None`
    /// for an empty list and for a list with a group of exclusions only (that group matches
    /// everything it does not exclude). A rule's candidates can be found by these alone.
    pub fn index_texts(&self) -> Option<Vec<&str>> {
        if self.include.is_empty() || !self.implicit.is_empty() {
            return None;
        }
        Some(self.include.iter().map(|g| g.text.as_str()).collect())
    }

    /// The smallest included pattern matching `path` whose group has no matching exclusion
    /// (`*` for a group of exclusions only). A `recursive` effect on a directory also matches
    /// a pattern that covers the whole tree (`~/.ssh/**` for `~/.ssh`), a file at a fixed
    /// place just inside it (`**/.aws/credentials` for `~/.aws`), and a pattern confined to a
    /// directory inside it (`rm -rf .` covers `secrets/**`).
    pub fn find(&self, path: &str, recursive: bool) -> Option<&str> {
        if let Some(found) = self.find_direct(path, true) {
            return Some(found);
        }
        if !recursive {
            return None;
        }
        let dir = path.trim_end_matches('/');
        // INVARIANT: U+0001 never occurs in a normalised path, so only a pattern matching
        // every name below `dir` matches the probe.
        let probe = format!("{dir}/\u{1}");
        let mut found = self.find_direct(&probe, false);
        let last = dir.rsplit('/').next().unwrap_or(dir);
        for g in &self.include {
            if let Some((parent, name)) = &g.fixed_tail
                && parent == last
                && let Some(f) = self.find_direct(&format!("{dir}/{name}"), false)
            {
                found = smallest(found.into_iter().chain(std::iter::once(f)));
            }
        }
        let excluded = self.excluded_groups(path);
        let covered = self
            .include
            .iter()
            .filter(|g| !excluded.contains(&g.group))
            .filter(|g| {
                g.literal_dir
                    .as_deref()
                    .is_some_and(|d| dir_covers(path, d))
            })
            .map(|g| g.text.as_str());
        smallest(found.into_iter().chain(covered))
    }

    /// The groups whose exclusions match `candidate`.
    fn excluded_groups(&self, path: &str) -> Vec<u32> {
        if self.exclude.is_empty() {
            return Vec::new();
        }
        self.exclude_set
            .matches(path)
            .into_iter()
            .filter_map(|i| self.exclude.get(i).map(|g| g.group))
            .collect()
    }

    /// [`PathSet::find`] without the tree rules; `implicit` says whether a group of
    /// exclusions only counts (it does for a path, not for a probe inside a tree: such a
    /// group says nothing about what a tree holds).
    fn find_direct(&self, path: &str, implicit: bool) -> Option<&str> {
        let hits = self.include_set.matches(path);
        // The exclusions only matter when something they could cancel matched: most paths
        // match nothing, and skip the second glob set.
        if hits.is_empty() && (!implicit || self.implicit.is_empty()) {
            return None;
        }
        let excluded = self.excluded_groups(path);
        let live = |g: &PathGlob| !excluded.contains(&g.group);
        let found = smallest(
            hits.iter()
                .filter_map(|i| self.include.get(*i))
                .filter(|g| live(g))
                .map(|g| g.text.as_str()),
        );
        if found.is_some() {
            return found;
        }
        if implicit && self.implicit.iter().any(|g| !excluded.contains(g)) {
            return Some("*");
        }
        None
    }
}

/// Whether deleting or reading the tree at `dir` covers the directory `inner`.
pub fn dir_covers(dir: &str, inner: &str) -> bool {
    // `.` is the workspace: it covers relative directories, not home or absolute ones.
    (dir == "." && !inner.starts_with(['/', '~']))
        || dir == inner
        || inner
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
        || (dir == "/" && (inner.starts_with('/') || inner.starts_with('~')))
}

/// A list of name globs (tools, branches) with `!` exclusions, grouped like [`PathSet`].
/// `*` may match `/` here.
#[derive(Debug, Clone)]
pub struct NameSet {
    /// When every entry is an inclusion written without glob syntax (`Read`, `create-pr`,
    /// the common case for tools), the entries sorted: `find` is then a binary search.
    literals: Option<Vec<String>>,
    include_texts: Vec<(u32, String)>,
    exclude_texts: Vec<(u32, String)>,
    include: GlobSet,
    exclude: GlobSet,
    implicit: Vec<u32>,
}

impl NameSet {
    /// Compiles one list of name globs (one group).
    pub fn compile(origin: &str, entries: &[Spanned<String>]) -> Result<NameSet, Error> {
        let grouped: Vec<(u32, &str, &Spanned<String>)> =
            entries.iter().map(|e| (0, origin, e)).collect();
        NameSet::compile_grouped(&grouped)
    }

    /// Compiles entries of several lists: (group, origin, entry).
    pub fn compile_grouped(entries: &[(u32, &str, &Spanned<String>)]) -> Result<NameSet, Error> {
        let mut include_texts = Vec::new();
        let mut exclude_texts = Vec::new();
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        for (group, origin, entry) in entries {
            let (negated, raw) = split_negation(&entry.value);
            let glob = build_glob(raw, false).map_err(|e| glob_error(origin, entry, &e))?;
            if negated {
                exclude.push(glob);
                exclude_texts.push((*group, raw.to_owned()));
            } else {
                include.push(glob);
                include_texts.push((*group, raw.to_owned()));
            }
        }
        let implicit = implicit_groups(
            &include_texts.iter().map(|(g, _)| *g).collect::<Vec<_>>(),
            &exclude_texts.iter().map(|(g, _)| *g).collect::<Vec<_>>(),
        );
        let literals = (exclude_texts.is_empty()
            && include_texts.iter().all(|(_, t)| !has_glob_syntax(t)))
        .then(|| {
            let mut names: Vec<String> = include_texts.iter().map(|(_, t)| t.clone()).collect();
            names.sort_unstable();
            names.dedup();
            names
        });
        Ok(NameSet {
            literals,
            include: GlobSet::new(include),
            exclude: GlobSet::new(exclude),
            include_texts,
            exclude_texts,
            implicit,
        })
    }

    /// The patterns as written, sorted (for the canonical policy).
    pub fn texts(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .include_texts
            .iter()
            .map(|(_, t)| t.clone())
            .chain(self.exclude_texts.iter().map(|(_, t)| format!("!{t}")))
            .collect();
        out.sort_unstable();
        out
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.include_texts.is_empty() && self.exclude_texts.is_empty()
    }

    /// Whether the list has `!` entries.
    pub fn has_exclusions(&self) -> bool {
        !self.exclude_texts.is_empty()
    }

    /// The smallest included pattern matching `name` whose group has no matching exclusion.
    pub fn find(&self, name: &str) -> Option<&str> {
        if let Some(literals) = &self.literals {
            // INVARIANT: a glob without syntax matches exactly its own text, and with no
            // exclusions there is no implicit `*` group; the smallest match is the name itself.
            return literals
                .binary_search_by(|l| l.as_str().cmp(name))
                .ok()
                .and_then(|i| literals.get(i))
                .map(String::as_str);
        }
        let hits = self.include.matches(name);
        // As for paths: exclusions are only consulted when they could change the answer.
        if hits.is_empty() && self.implicit.is_empty() {
            return None;
        }
        let excluded: Vec<u32> = if self.exclude_texts.is_empty() {
            Vec::new()
        } else {
            self.exclude
                .matches(name)
                .into_iter()
                .filter_map(|i| self.exclude_texts.get(i).map(|(g, _)| *g))
                .collect()
        };
        let found = smallest(
            hits.into_iter()
                .filter_map(|i| self.include_texts.get(i))
                .filter(|(g, _)| !excluded.contains(g))
                .map(|(_, t)| t.as_str()),
        );
        if found.is_some() {
            return found;
        }
        self.implicit
            .iter()
            .any(|g| !excluded.contains(g))
            .then_some("*")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use crate::policy::node::Span;

    fn set(patterns: &[&str]) -> PathSet {
        let entries: Vec<_> = patterns
            .iter()
            .map(|p| Spanned::new((*p).to_owned(), Span { line: 1, column: 1 }))
            .collect();
        PathSet::compile("<test>", &entries).unwrap()
    }

    #[test]
    fn basename_patterns_match_at_any_depth() {
        let s = set(&[".env*"]);
        assert_eq!(s.find(".env", false), Some(".env*"));
        assert_eq!(s.find("config/.env.local", false), Some(".env*"));
        assert_eq!(s.find("/home/dev/shop/.env", false), Some(".env*"));
        assert_eq!(s.find("src/env.ts", false), None);
    }

    #[test]
    fn anchored_patterns_and_single_star() {
        let s = set(&["src/*.ts"]);
        assert!(s.find("src/a.ts", false).is_some());
        assert!(s.find("src/deep/a.ts", false).is_none());
        assert!(s.find("lib/src/a.ts", false).is_none());
        let s = set(&["src/**/*.ts"]);
        assert!(s.find("src/deep/er/a.ts", false).is_some());
    }

    #[test]
    fn exclusions_win_over_inclusions() {
        let s = set(&[".env*", "!.env.example"]);
        assert!(s.find(".env.production", false).is_some());
        assert!(s.find(".env.example", false).is_none());
        let only_excl = set(&["!docs/**"]);
        assert!(only_excl.find("src/a.rs", false).is_some());
        assert!(only_excl.find("docs/a.md", false).is_none());
    }

    #[test]
    fn recursive_effects_cover_confined_patterns() {
        let s = set(&["secrets/**"]);
        assert_eq!(s.find("secrets", true), Some("secrets/**"));
        assert_eq!(s.find(".", true), Some("secrets/**"));
        assert_eq!(s.find("src", true), None);
        assert_eq!(s.find("secrets", false), None);
        let s = set(&["backups/"]);
        assert!(s.find("backups/db.sql", false).is_some());
        assert!(s.find("backups", true).is_some());
    }

    #[test]
    fn recursive_effects_inside_a_denied_tree() {
        // The tree is inside what the pattern denies.
        let s = set(&["~/.gnupg/**", "**/.aws/credentials", "~/.ssh/id_*"]);
        assert_eq!(s.find("~/.gnupg", true), Some("~/.gnupg/**"));
        assert_eq!(
            s.find("~/.gnupg/private-keys-v1.d", true),
            Some("~/.gnupg/**")
        );
        // A file at a fixed place just inside the tree.
        assert_eq!(s.find("~/.aws", true), Some("**/.aws/credentials"));
        assert_eq!(s.find("/home/dev/.aws", true), Some("**/.aws/credentials"));
        // A pattern confined to the tree's directory.
        assert_eq!(s.find("~/.ssh", true), Some("~/.ssh/id_*"));
        // A parent of them all covers them; the workspace does not cover home.
        assert!(s.find("~", true).is_some());
        assert_eq!(s.find(".", true), None);
        assert_eq!(s.find("src", true), None);
        // Not recursive: only the path itself.
        assert_eq!(s.find("~/.aws", false), None);
    }

    #[test]
    fn exclusion_only_groups_say_nothing_about_a_tree() {
        // "every tree but node_modules": node_modules itself is excluded, and the probe
        // inside it must not bring the group's implicit inclusion back.
        let s = set(&["!node_modules", "!target"]);
        assert_eq!(s.find("node_modules", true), None);
        assert_eq!(s.find("src", true), Some("*"));
    }

    #[test]
    fn home_and_absolute_patterns() {
        let s = set(&["~/.aws/**", "/etc/**"]);
        assert!(s.find("~/.aws/credentials", false).is_some());
        assert!(s.find("/etc/passwd", false).is_some());
        assert!(s.find("etc/passwd", false).is_none());
    }

    #[test]
    fn bad_glob_names_its_location() {
        let entries = vec![Spanned::new(
            "src/[a".to_owned(),
            Span { line: 4, column: 9 },
        )];
        let err = PathSet::compile("p.yml", &entries).unwrap_err();
        assert_eq!(err.code, ErrorCode::PolicyBadGlob);
        let loc = err.location.unwrap();
        assert_eq!((loc.line, loc.column), (4, 9));
    }

    #[test]
    fn name_sets() {
        let entries: Vec<_> = ["mcp__github__*", "!mcp__github__delete_repo"]
            .iter()
            .map(|p| Spanned::new((*p).to_owned(), Span::default()))
            .collect();
        let s = NameSet::compile("<t>", &entries).unwrap();
        assert_eq!(s.find("mcp__github__create_pr"), Some("mcp__github__*"));
        assert_eq!(s.find("mcp__github__delete_repo"), None);
        assert_eq!(s.find("Bash"), None);
    }

    #[test]
    fn literal_name_sets_match_exactly() {
        let entries: Vec<_> = ["Read", "create-pr", "Read"]
            .iter()
            .map(|p| Spanned::new((*p).to_owned(), Span::default()))
            .collect();
        let s = NameSet::compile("<t>", &entries).unwrap();
        assert_eq!(s.find("Read"), Some("Read"));
        assert_eq!(s.find("create-pr"), Some("create-pr"));
        assert_eq!(s.find("read"), None);
        assert_eq!(s.find("Read2"), None);
        assert_eq!(s.find(""), None);
        let empty = NameSet::compile("<t>", &[]).unwrap();
        assert_eq!(empty.find("Read"), None);
    }
}
