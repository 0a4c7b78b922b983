//! Canonical JSON and the deterministic hashes built on it. Object keys are always written
//! sorted, whatever map type serde_json was built with, so every surface hashes the same bytes.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// Takes `value` and returns it with sorted object keys, rebuilding only the maps whose keys
/// are out of order (none, when serde_json keeps maps sorted).
pub fn canonicalize_owned(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let sorted = map.keys().zip(map.keys().skip(1)).all(|(a, b)| a <= b);
            let mut entries: Vec<(String, Value)> = map
                .into_iter()
                .map(|(k, v)| (k, canonicalize_owned(v)))
                .collect();
            if !sorted {
                entries.sort_by(|a, b| a.0.cmp(&b.0));
            }
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonicalize_owned).collect()),
        other => other,
    }
}

/// Writes `value` as compact JSON with sorted object keys.
pub fn to_canonical_string(value: &serde_json::Value) -> String {
    let mut out = String::with_capacity(256);
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_scalar(&Value::String(k.clone()), out);
                out.push(':');
                if let Some(v) = map.get(k) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => write_scalar(scalar, out),
    }
}

fn write_scalar(value: &serde_json::Value, out: &mut String) {
    // Serialising a JSON scalar cannot fail.
    if let Ok(text) = serde_json::to_string(value) {
        out.push_str(&text);
    }
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
