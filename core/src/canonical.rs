//! Canonical JSON and the deterministic hashes built on it. Object keys are always written
//! sorted, whatever map type serde_json was built with, so every surface hashes the same bytes.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// Rebuilds `value` with every object's keys in sorted order.
pub fn canonicalize(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::new();
            for k in keys {
                if let Some(v) = map.get(k) {
                    out.insert(k.clone(), canonicalize(v));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonicalize).collect()),
        other => other.clone(),
    }
}

/// Writes `value` as compact JSON with sorted object keys.
pub fn to_canonical_string(value: &serde_json::Value) -> String {
    canonicalize(value).to_string()
}

/// Lowercase hex of the SHA-256 of `text`.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// `sha256:` + hex.
pub fn sha256_prefixed(text: &str) -> String {
    format!("sha256:{}", sha256_hex(text))
}

/// `prefix` + the first 24 hex digits of the SHA-256 of `text` (96 bits: ids, not secrets).
pub fn short_id(prefix: &str, text: &str) -> String {
    let hex = sha256_hex(text);
    format!("{prefix}{}", hex.get(..24).unwrap_or(&hex))
}
