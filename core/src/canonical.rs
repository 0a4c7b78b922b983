//! Canonical JSON and the deterministic hashes built on it.
