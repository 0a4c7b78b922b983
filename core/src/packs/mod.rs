//! Built-in rule packs.

/// Pack names.
pub const NAMES: &[&str] = &["defaults/coding-agent"];
