//! Lexical path normalisation against the workspace and cwd.

/// A normalised path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedPath {
    /// Relative to the workspace when inside it; absolute or `~/…` when outside.
    pub path: String,
    /// Whether the path lies outside the workspace.
    pub outside_workspace: bool,
}

/// Normalises `raw` lexically (no file system access).
pub fn normalize(raw: &str, cwd: Option<&str>, workspace: Option<&str>) -> NormalizedPath {
    let _ = (cwd, workspace);
    NormalizedPath {
        path: raw.to_owned(),
        outside_workspace: false,
    }
}
