//! Lexical path normalisation against the workspace and cwd.
//!
//! Nothing here touches a file system: `.`, `..` and repeated slashes are resolved as text, so
//! `src/../.env` is `.env` whatever the disk holds. A path inside the workspace is reported
//! relative to it (`.` for the root itself); a path outside it is reported absolute (or `~/…`)
//! with `outside_workspace` set, so that a rule written for `.env` cannot be dodged by spelling
//! the same file another way, and a rule about the outside world sees every escape.

/// A normalised path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedPath {
    /// Relative to the workspace when inside it; absolute or `~/…` when outside.
    pub path: String,
    /// Whether the path lies outside the workspace.
    pub outside_workspace: bool,
}

/// The directories relative paths are resolved against: `context.cwd` and
/// `context.workspace` of an action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PathBase<'a> {
    /// The working directory: absolute, or relative to the workspace.
    pub cwd: Option<&'a str>,
    /// The project root.
    pub workspace: Option<&'a str>,
}

impl<'a> PathBase<'a> {
    /// A base from the two context fields.
    pub fn new(cwd: Option<&'a str>, workspace: Option<&'a str>) -> PathBase<'a> {
        PathBase { cwd, workspace }
    }

    /// Normalises `raw` against this base (see [`normalize`]).
    pub fn normalize(&self, raw: &str) -> NormalizedPath {
        normalize(raw, self.cwd, self.workspace)
    }
}

/// What a lexical path is anchored to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Root<'a> {
    /// Relative to the starting directory.
    Relative,
    /// The file system root.
    Absolute,
    /// A home directory: `~` or `~user`.
    Home(&'a str),
}

/// A path as its root, the number of `..` that climbed above the root, and its components.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Lexical<'a> {
    root: Root<'a>,
    // INVARIANT: `ups` is 0 when `root` is `Absolute`: `..` at `/` stays at `/`.
    ups: usize,
    parts: Vec<&'a str>,
}

impl<'a> Lexical<'a> {
    fn empty() -> Lexical<'a> {
        Lexical {
            root: Root::Relative,
            ups: 0,
            parts: Vec::new(),
        }
    }

    fn parse(text: &'a str) -> Lexical<'a> {
        let mut out = Lexical::empty();
        let rest = if let Some(after) = text.strip_prefix('/') {
            out.root = Root::Absolute;
            after
        } else if text.starts_with('~') {
            let (head, tail) = text.split_once('/').unwrap_or((text, ""));
            out.root = Root::Home(head);
            tail
        } else {
            text
        };
        out.push_all(rest);
        out
    }

    /// Applies the components of a relative path text.
    fn push_all(&mut self, text: &'a str) {
        for comp in text.split('/') {
            self.push(comp);
        }
    }

    fn push(&mut self, comp: &'a str) {
        match comp {
            "" | "." => {}
            ".." => {
                if self.parts.pop().is_none() && self.root != Root::Absolute {
                    self.ups += 1;
                }
            }
            other => self.parts.push(other),
        }
    }

    /// `self` joined with a relative path.
    fn join(mut self, rel: &Lexical<'a>) -> Lexical<'a> {
        for _ in 0..rel.ups {
            self.push("..");
        }
        for part in &rel.parts {
            self.parts.push(part);
        }
        self
    }

    fn render(&self) -> String {
        let mut out = String::new();
        match self.root {
            Root::Relative => {}
            Root::Absolute => out.push('/'),
            Root::Home(home) => out.push_str(home),
        }
        let mut first = true;
        let ups = std::iter::repeat_n("..", self.ups);
        for comp in ups.chain(self.parts.iter().copied()) {
            if !first || matches!(self.root, Root::Home(_)) {
                out.push('/');
            }
            out.push_str(comp);
            first = false;
        }
        if out.is_empty() {
            out.push('.');
        }
        out
    }
}

/// Normalises `raw` lexically (no file system access).
///
/// - A relative `raw` is joined to `cwd`, which is itself absolute or relative to `workspace`.
/// - `.`, `..` and `//` are resolved; `..` at `/` stays at `/`.
/// - Inside the workspace the result is workspace-relative (`.` for the root itself).
/// - Outside it the result is absolute (or `~/…`) and `outside_workspace` is set.
/// - `~` and `~/x` stay home-relative and are always outside.
/// - With no workspace, relative paths stay relative and are outside only when a `..` climbs
///   above the starting directory; absolute paths are outside.
pub fn normalize(raw: &str, cwd: Option<&str>, workspace: Option<&str>) -> NormalizedPath {
    // Fast path for the common case: a plain relative path (no `.`, `..`, empty or home
    // component) with no cwd to join is already normal and inside the workspace.
    if cwd.is_none_or(str::is_empty)
        && !raw.is_empty()
        && !raw.starts_with(['/', '~'])
        && raw
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
    {
        return NormalizedPath {
            path: raw.to_owned(),
            outside_workspace: false,
        };
    }
    let ws = workspace.filter(|w| !w.is_empty()).map(Lexical::parse);
    let base = match cwd.filter(|c| !c.is_empty()).map(Lexical::parse) {
        Some(c) if c.root == Root::Relative => match &ws {
            Some(w) => w.clone().join(&c),
            None => c,
        },
        Some(c) => c,
        None => ws.clone().unwrap_or_else(Lexical::empty),
    };
    let given = Lexical::parse(raw);
    let full = if given.root == Root::Relative {
        base.join(&given)
    } else {
        given
    };
    if let Some(w) = &ws {
        let inside = full.root == w.root
            && full.ups == w.ups
            && full.parts.len() >= w.parts.len()
            && full.parts.iter().zip(&w.parts).all(|(a, b)| a == b);
        if inside {
            let rel = Lexical {
                root: Root::Relative,
                ups: 0,
                parts: full.parts.iter().skip(w.parts.len()).copied().collect(),
            };
            return NormalizedPath {
                path: rel.render(),
                outside_workspace: false,
            };
        }
        return NormalizedPath {
            path: full.render(),
            outside_workspace: true,
        };
    }
    let outside = match full.root {
        Root::Relative => full.ups > 0,
        Root::Absolute | Root::Home(_) => true,
    };
    NormalizedPath {
        path: full.render(),
        outside_workspace: outside,
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;

    fn n(raw: &str, cwd: Option<&str>, ws: Option<&str>) -> (String, bool) {
        let p = normalize(raw, cwd, ws);
        (p.path, p.outside_workspace)
    }

    const WS: Option<&str> = Some("/home/dev/proj");

    #[test]
    fn dotdot_inside_the_workspace_collapses() {
        assert_eq!(n("src/../.env", None, WS), (".env".into(), false));
        assert_eq!(
            n("./src//lib/./a.rs", None, WS),
            ("src/lib/a.rs".into(), false)
        );
        assert_eq!(n("src/../.env", None, None), (".env".into(), false));
    }

    #[test]
    fn workspace_root_itself_is_dot() {
        assert_eq!(n(".", None, WS), (".".into(), false));
        assert_eq!(n("/home/dev/proj/", None, WS), (".".into(), false));
        assert_eq!(n("src/..", None, WS), (".".into(), false));
    }

    #[test]
    fn absolute_paths_inside_become_relative() {
        assert_eq!(
            n("/home/dev/proj/src/a.rs", None, WS),
            ("src/a.rs".into(), false)
        );
        assert_eq!(
            n("/home/dev/proj/../proj/.env", None, WS),
            (".env".into(), false)
        );
    }

    #[test]
    fn sibling_with_common_prefix_is_outside() {
        assert_eq!(
            n("/home/dev/project2/x", None, WS),
            ("/home/dev/project2/x".into(), true)
        );
    }

    #[test]
    fn escaping_the_workspace_is_absolute_and_outside() {
        assert_eq!(
            n("../other/.env", None, WS),
            ("/home/dev/other/.env".into(), true)
        );
        assert_eq!(
            n("../../../../../etc/passwd", None, WS),
            ("/etc/passwd".into(), true)
        );
        assert_eq!(n("/etc/passwd", None, WS), ("/etc/passwd".into(), true));
        assert_eq!(n("/", None, WS), ("/".into(), true));
    }

    #[test]
    fn relative_cwd_is_taken_from_the_workspace() {
        assert_eq!(n("a.rs", Some("src"), WS), ("src/a.rs".into(), false));
        assert_eq!(n("../.env", Some("src"), WS), (".env".into(), false));
        assert_eq!(n("../../x", Some("src"), WS), ("/home/dev/x".into(), true));
    }

    #[test]
    fn absolute_cwd_outside_the_workspace() {
        assert_eq!(n("x", Some("/tmp"), WS), ("/tmp/x".into(), true));
        assert_eq!(
            n("x", Some("/home/dev/proj/sub"), WS),
            ("sub/x".into(), false)
        );
    }

    #[test]
    fn home_paths_stay_home_relative_and_outside() {
        assert_eq!(n("~", None, WS), ("~".into(), true));
        assert_eq!(n("~/.ssh/id_rsa", None, WS), ("~/.ssh/id_rsa".into(), true));
        assert_eq!(
            n("~/a/../.aws/credentials", None, None),
            ("~/.aws/credentials".into(), true)
        );
        assert_eq!(n("~root/.bashrc", None, WS), ("~root/.bashrc".into(), true));
    }

    #[test]
    fn without_a_workspace() {
        assert_eq!(n("src/a.rs", None, None), ("src/a.rs".into(), false));
        assert_eq!(n("../x", None, None), ("../x".into(), true));
        assert_eq!(n("a/../../x", None, None), ("../x".into(), true));
        assert_eq!(n("/etc/hosts", None, None), ("/etc/hosts".into(), true));
        assert_eq!(n("x", Some("sub"), None), ("sub/x".into(), false));
        assert_eq!(n("../../x", Some("sub"), None), ("../x".into(), true));
        assert_eq!(n("", None, None), (".".into(), false));
    }

    #[test]
    fn dotdot_at_root_stays_at_root() {
        assert_eq!(
            n("/../../etc/shadow", None, None),
            ("/etc/shadow".into(), true)
        );
    }

    #[test]
    fn trailing_slash_and_repeated_slashes() {
        assert_eq!(n("build/", None, WS), ("build".into(), false));
        assert_eq!(n("a//b///c", None, WS), ("a/b/c".into(), false));
    }

    #[test]
    fn home_workspace_and_cwd() {
        assert_eq!(
            n("x", Some("~/proj/sub"), Some("~/proj")),
            ("sub/x".into(), false)
        );
    }

    #[test]
    fn long_path_is_linear() {
        let raw = "a/".repeat(200_000);
        let p = normalize(&raw, None, WS);
        assert!(!p.outside_workspace);
        assert_eq!(p.path.len(), raw.len() - 1);
    }
}
