//! Policy files on disk: the root policy, the directory overrides found under its directory
//! (`<dir>/.agent-policy.override.yml`), and loading them all into one [`Engine`].

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use agent_policy_core::{Engine, PolicySource, SourceFormat};

use crate::error::HostError;

/// The policy file `lint` reads when no `--policy` is given.
pub const DEFAULT_POLICY_FILE: &str = ".agent-policy.yml";

/// The names of a directory override file, in the order they are loaded within a directory.
pub const OVERRIDE_FILE_NAMES: [&str; 3] = [
    ".agent-policy.override.yml",
    ".agent-policy.override.yaml",
    ".agent-policy.override.json",
];

/// How many directory levels below the root policy's directory are searched for overrides.
pub const MAX_OVERRIDE_DEPTH: usize = 16;

/// Directories never searched for overrides: they hold tools' data, not the project's policy.
/// Hidden directories (`.git`, `.venv`, ...) are skipped too.
pub const SKIPPED_DIRS: &[&str] = &["node_modules", "target"];

/// The syntax a policy file is read with: `.json` is JSON, anything else YAML.
pub fn format_for(path: &Path) -> SourceFormat {
    match path.extension().and_then(OsStr::to_str) {
        Some(ext) if ext.eq_ignore_ascii_case("json") => SourceFormat::Json,
        _ => SourceFormat::Yaml,
    }
}

/// One override file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its path relative to the root policy's directory, `/`-separated
    /// (`backend/.agent-policy.override.yml`): the origin errors show and the engine scopes by.
    pub origin: String,
}

/// What a search for overrides found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// The override files, sorted by origin.
    pub files: Vec<OverrideFile>,
    /// Directories the search did not enter because they are deeper than
    /// [`MAX_OVERRIDE_DEPTH`], relative to the root directory (`lint` warns about them).
    pub too_deep: Vec<String>,
}

/// Finds the override files in `root_dir` and the directories under it.
///
/// Skips hidden directories, [`SKIPPED_DIRS`] and symbolic links to directories, and searches
/// at most [`MAX_OVERRIDE_DEPTH`] levels down. `exclude` is a file never returned (the root
/// policy itself, when it is named like an override). A directory that cannot be read is an
/// error: an override that cannot be seen could hold a deny.
pub fn discover_overrides(root_dir: &Path, exclude: Option<&Path>) -> Result<Discovery, HostError> {
    let mut discovery = Discovery::default();
    let excluded = exclude.and_then(|p| fs::canonicalize(p).ok());
    let mut relative = Vec::new();
    walk(root_dir, &mut relative, excluded.as_deref(), &mut discovery)?;
    discovery.files.sort_by(|a, b| a.origin.cmp(&b.origin));
    Ok(discovery)
}

fn walk(
    dir: &Path,
    relative: &mut Vec<String>,
    excluded: Option<&Path>,
    found: &mut Discovery,
) -> Result<(), HostError> {
    let entries = fs::read_dir(dir).map_err(|e| HostError::read_path(dir, e))?;
    let mut subdirs = Vec::new();
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| HostError::read_path(dir, e))?;
        let file_type = entry
            .file_type()
            .map_err(|e| HostError::read_path(&entry.path(), e))?;
        // Names that are not UTF-8 can name neither an override file nor a scope.
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if file_type.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_str()) {
                subdirs.push(name);
            }
        } else if OVERRIDE_FILE_NAMES.contains(&name.as_str()) {
            // A regular file, or a symbolic link to one.
            files.push(name);
        }
    }
    files.sort_by_key(|name| OVERRIDE_FILE_NAMES.iter().position(|n| n == name));
    for name in files {
        let path = dir.join(&name);
        if excluded.is_some() && fs::canonicalize(&path).ok().as_deref() == excluded {
            continue;
        }
        let mut parts = relative.clone();
        parts.push(name);
        found.files.push(OverrideFile {
            path,
            origin: parts.join("/"),
        });
    }
    subdirs.sort();
    for name in subdirs {
        relative.push(name);
        if relative.len() > MAX_OVERRIDE_DEPTH {
            found.too_deep.push(relative.join("/"));
        } else {
            walk(
                &dir.join(relative.last().map_or("", String::as_str)),
                relative,
                excluded,
                found,
            )?;
        }
        relative.pop();
    }
    Ok(())
}

/// A policy loaded from disk, with what it was made of.
#[derive(Debug)]
pub struct LoadedPolicy {
    /// The compiled policy.
    pub engine: Engine,
    /// The root policy's origin, as given (`examples/.agent-policy.yml`).
    pub root: String,
    /// The override files merged into it, by origin.
    pub overrides: Vec<String>,
    /// Directories too deep to be searched for overrides.
    pub too_deep: Vec<String>,
}

/// Loads the root policy at `path` and every override under its directory.
pub fn load_policy(path: &Path) -> Result<LoadedPolicy, HostError> {
    let root_text = read_policy_text(path)?;
    let root_origin = path.display().to_string();
    let root_dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let discovery = discover_overrides(&root_dir, Some(path))?;
    let mut texts = Vec::with_capacity(discovery.files.len());
    for file in &discovery.files {
        texts.push(read_policy_text(&file.path)?);
    }
    let overrides: Vec<PolicySource<'_>> = discovery
        .files
        .iter()
        .zip(&texts)
        .map(|(file, text)| PolicySource::new(text, &file.origin, format_for(&file.path)))
        .collect();
    let root = PolicySource::new(&root_text, &root_origin, format_for(path));
    let engine = Engine::from_sources(root, &overrides)?;
    Ok(LoadedPolicy {
        engine,
        root: root_origin.clone(),
        overrides: discovery.files.into_iter().map(|f| f.origin).collect(),
        too_deep: discovery.too_deep,
    })
}

fn read_policy_text(path: &Path) -> Result<String, HostError> {
    fs::read_to_string(path).map_err(|e| HostError::read_path(path, e))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "agent-policy-host-unit-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn put(&self, relative: &str, text: &str) {
            let path = self.0.join(relative);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn origins(d: &Discovery) -> Vec<&str> {
        d.files.iter().map(|f| f.origin.as_str()).collect()
    }

    #[test]
    fn overrides_are_found_in_subdirectories_with_relative_origins_in_order() {
        let t = TempDir::new();
        t.put(".agent-policy.yml", "version: \"1\"\n");
        t.put("backend/.agent-policy.override.yml", "");
        t.put("backend/api/.agent-policy.override.json", "{}");
        t.put("frontend/.agent-policy.override.yaml", "");
        t.put("frontend/not-an-override.yml", "");
        let d = discover_overrides(&t.0, Some(&t.0.join(".agent-policy.yml"))).unwrap();
        assert_eq!(
            origins(&d),
            [
                "backend/.agent-policy.override.yml",
                "backend/api/.agent-policy.override.json",
                "frontend/.agent-policy.override.yaml",
            ]
        );
        assert!(d.too_deep.is_empty());
    }

    #[test]
    fn tool_and_hidden_directories_are_not_searched() {
        let t = TempDir::new();
        for dir in [
            ".git",
            "node_modules",
            "target",
            ".venv",
            "node_modules/pkg",
        ] {
            t.put(&format!("{dir}/.agent-policy.override.yml"), "");
        }
        t.put("src/.agent-policy.override.yml", "");
        let d = discover_overrides(&t.0, None).unwrap();
        assert_eq!(origins(&d), ["src/.agent-policy.override.yml"]);
    }

    #[test]
    fn an_override_beside_the_root_policy_counts_but_the_root_itself_does_not() {
        let t = TempDir::new();
        t.put(".agent-policy.override.yml", "");
        t.put("sub/.agent-policy.override.yml", "");
        let d = discover_overrides(&t.0, None).unwrap();
        assert_eq!(
            origins(&d),
            [
                ".agent-policy.override.yml",
                "sub/.agent-policy.override.yml"
            ]
        );
        let root = t.0.join(".agent-policy.override.yml");
        let d = discover_overrides(&t.0, Some(&root)).unwrap();
        assert_eq!(origins(&d), ["sub/.agent-policy.override.yml"]);
    }

    #[test]
    fn the_search_depth_is_bounded_and_what_is_left_out_is_reported() {
        let t = TempDir::new();
        let shallow = vec!["d"; MAX_OVERRIDE_DEPTH].join("/");
        let deep = vec!["d"; MAX_OVERRIDE_DEPTH + 1].join("/");
        t.put(&format!("{shallow}/.agent-policy.override.yml"), "");
        t.put(&format!("{deep}/.agent-policy.override.yml"), "");
        let d = discover_overrides(&t.0, None).unwrap();
        assert_eq!(
            origins(&d),
            [format!("{shallow}/.agent-policy.override.yml").as_str()]
        );
        assert_eq!(d.too_deep, [deep]);
    }

    #[test]
    fn an_unreadable_root_directory_is_an_io_error() {
        let t = TempDir::new();
        let e = discover_overrides(&t.0.join("missing"), None).unwrap_err();
        assert_eq!(e.code(), "io.read");
    }

    #[test]
    fn a_missing_policy_file_is_an_io_error_naming_it() {
        let t = TempDir::new();
        let path = t.0.join("nope.yml");
        let e = load_policy(&path).unwrap_err();
        assert_eq!(e.code(), "io.read");
        assert!(e.headline().contains("nope.yml"), "{}", e.headline());
    }

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(format_for(Path::new("a/p.json")), SourceFormat::Json);
        assert_eq!(format_for(Path::new("a/p.JSON")), SourceFormat::Json);
        assert_eq!(
            format_for(Path::new(".agent-policy.yml")),
            SourceFormat::Yaml
        );
        assert_eq!(format_for(Path::new("policy")), SourceFormat::Yaml);
    }
}
