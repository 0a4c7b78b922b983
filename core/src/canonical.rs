//! Canonical JSON and the deterministic hashes built on it. Object keys are always written
//! sorted, whatever map type serde_json was built with, so every surface hashes the same bytes.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// Whether serde_json's maps keep their keys sorted (its default; a dependency that turns on
/// `preserve_order` makes them keep insertion order instead). Checked once.
fn maps_are_sorted() -> bool {
    static SORTED: OnceLock<bool> = OnceLock::new();
    *SORTED.get_or_init(|| {
        let mut m = serde_json::Map::new();
        m.insert("b".to_owned(), serde_json::Value::Null);
        m.insert("a".to_owned(), serde_json::Value::Null);
        m.keys().next().map(String::as_str) == Some("a")
    })
}

/// Whether every object in `value` already has its keys in sorted order.
fn is_sorted(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            map.keys().zip(map.keys().skip(1)).all(|(a, b)| a <= b) && map.values().all(is_sorted)
        }
        Value::Array(items) => items.iter().all(is_sorted),
        _ => true,
    }
}

/// Takes `value` and returns it with sorted object keys. With serde_json's default sorted
/// maps this returns the value untouched; it rebuilds maps only when some are out of order.
pub fn canonicalize_owned(value: serde_json::Value) -> serde_json::Value {
    if maps_are_sorted() || is_sorted(&value) {
        return value;
    }
    rebuild_sorted(value)
}

fn rebuild_sorted(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map
                .into_iter()
                .map(|(k, v)| (k, rebuild_sorted(v)))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(rebuild_sorted).collect()),
        other => other,
    }
}

/// Writes `value` as compact JSON with sorted object keys.
pub fn to_canonical_string(value: &serde_json::Value) -> String {
    let mut out = Vec::with_capacity(256);
    write_canonical(value, &mut out);
    // serde_json writes UTF-8 only.
    String::from_utf8(out).unwrap_or_default()
}

fn write_canonical(value: &serde_json::Value, out: &mut Vec<u8>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            out.push(b'{');
            let sorted =
                maps_are_sorted() || map.keys().zip(map.keys().skip(1)).all(|(a, b)| a <= b);
            let write_entry = |i: usize, k: &String, v: &Value, out: &mut Vec<u8>| {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(k, out);
                out.push(b':');
                write_canonical(v, out);
            };
            if sorted {
                for (i, (k, v)) in map.iter().enumerate() {
                    write_entry(i, k, v, out);
                }
            } else {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    write_entry(i, k, v, out);
                }
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(v, out);
            }
            out.push(b']');
        }
        scalar => write_scalar(scalar, out),
    }
}

fn write_scalar<T: serde::Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    // Serialising a JSON scalar into memory cannot fail.
    let _ = serde_json::to_writer(out, value);
}

/// Lowercase hex of the SHA-256 of `text`.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(64);
    push_hex(&mut out, &digest);
    out
}

/// `sha256:` + hex.
pub fn sha256_prefixed(text: &str) -> String {
    format!("sha256:{}", sha256_hex(text))
}

/// Appends the lowercase hex of `bytes` to `out`.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        for nibble in [b >> 4, b & 0xf] {
            out.push(char::from(*HEX.get(usize::from(nibble)).unwrap_or(&b'0')));
        }
    }
}

/// The deterministic ids of one evaluation, from one streaming hash: `act_` + 24 hex digits
/// of SHA-256(canonical action), and `dec_` + 24 hex digits of SHA-256(canonical action, "\n",
/// policy hash, "\n", sequence, "\n", timestamp).
pub fn evaluation_ids(
    action_text: &str,
    policy_hash: &str,
    sequence: u64,
    timestamp: &str,
) -> (String, String) {
    let mut hasher = Sha256::new();
    hasher.update(action_text.as_bytes());
    let action_digest = hasher.clone().finalize();
    for part in [
        "\n",
        policy_hash,
        "\n",
        &sequence.to_string(),
        "\n",
        timestamp,
    ] {
        hasher.update(part.as_bytes());
    }
    let decision_digest = hasher.finalize();
    let mut action_id = String::with_capacity(28);
    action_id.push_str("act_");
    push_hex(&mut action_id, action_digest.get(..12).unwrap_or_default());
    let mut decision_id = String::with_capacity(28);
    decision_id.push_str("dec_");
    push_hex(
        &mut decision_id,
        decision_digest.get(..12).unwrap_or_default(),
    );
    (action_id, decision_id)
}
