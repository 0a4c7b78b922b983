//! Canonical JSON and the deterministic hashes built on it. Object keys are always written
//! sorted, whatever map type serde_json was built with, so every surface hashes the same bytes.

use std::fmt;
use std::sync::OnceLock;

use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

/// A JSON value held as its canonical text: compact, object keys sorted, numbers as
/// serde_json writes them. Two values are equal exactly when their texts are.
///
/// The decision document holds the redacted action this way: an action without secrets is
/// the canonical text the engine already wrote to hash it, so no copy of the action's tree is
/// built for each decision. It serialises as the JSON value it holds (not as a string), with
/// any serde serializer.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CanonicalJson(String);

impl CanonicalJson {
    /// The canonical form of `value`.
    pub fn from_value(value: &serde_json::Value) -> CanonicalJson {
        CanonicalJson(to_canonical_string(value))
    }

    /// Wraps text the caller wrote with [`to_canonical_string`].
    pub(crate) fn from_canonical_text(text: String) -> CanonicalJson {
        CanonicalJson(text)
    }

    /// The canonical JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value, parsed back from the text.
    pub fn to_value(&self) -> serde_json::Value {
        // INVARIANT: the text was written by `to_canonical_string`, so it parses; `Null`
        // would mean a bug, never a partial value.
        serde_json::from_str(&self.0).unwrap_or(serde_json::Value::Null)
    }
}

impl fmt::Debug for CanonicalJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for CanonicalJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for CanonicalJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Streams the text's tokens into `serializer` (maps, sequences, scalars), in the
        // text's order, which is sorted: no intermediate tree.
        let mut de = serde_json::Deserializer::from_str(&self.0);
        serde_transcode::transcode(&mut de, serializer)
    }
}

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

/// Writes `value` as compact JSON with sorted object keys: the bytes serde_json's compact
/// writer produces for the sorted value.
pub fn to_canonical_string(value: &serde_json::Value) -> String {
    let mut out = String::with_capacity(256);
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            out.push('{');
            let sorted =
                maps_are_sorted() || map.keys().zip(map.keys().skip(1)).all(|(a, b)| a <= b);
            let write_entry = |i: usize, k: &String, v: &Value, out: &mut String| {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
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
        Value::String(s) => write_string(s, out),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // Numbers are rare in actions: serde_json writes them (shortest round-trip floats).
        Value::Number(n) => out.push_str(&serde_json::to_string(n).unwrap_or_default()),
    }
}

/// Writes `s` as a JSON string exactly as serde_json does: `"` and `\\` escaped, the control
/// characters U+0000..U+001F as `\b \t \n \f \r` or `\u00xx` (lowercase hex), everything
/// else as is. Written here rather than through serde_json so that the text is built in a
/// `String` directly (no second UTF-8 validation) and runs of plain text are copied whole.
pub(crate) fn write_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    // Most strings need no escape: find the first byte that does before going byte by byte.
    let Some(first) = first_to_escape(s.as_bytes()) else {
        out.push_str(s);
        out.push('"');
        return;
    };
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate().skip(first) {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            b'\t' => "\\t",
            b'\n' => "\\n",
            0x0c => "\\f",
            b'\r' => "\\r",
            0x00..=0x1f => "",
            _ => continue,
        };
        // INVARIANT: `i` is at an ASCII byte, hence a char boundary.
        out.push_str(s.get(plain..i).unwrap_or_default());
        plain = i + 1;
        if escape.is_empty() {
            out.push_str("\\u00");
            for nibble in [b >> 4, b & 0xf] {
                out.push(char::from(*HEX.get(usize::from(nibble)).unwrap_or(&b'0')));
            }
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(s.get(plain..).unwrap_or_default());
    out.push('"');
}

/// The position of the first byte of `bytes` that JSON escapes (`"`, `\\`, U+0000..U+001F),
/// eight bytes at a time.
fn first_to_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Whether some byte of `v` is zero (exact as a yes/no answer).
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS != 0;
    let needs = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let x = <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes);
        // A byte below 0x20 is one whose top three bits are zero.
        if has_zero(x & ONES.wrapping_mul(0xe0))
            || has_zero(x ^ ONES.wrapping_mul(u64::from(b'"')))
            || has_zero(x ^ ONES.wrapping_mul(u64::from(b'\\')))
        {
            return chunk.iter().position(|b| needs(*b)).map(|i| at + i);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|b| needs(*b))
        .map(|i| at + i)
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

/// The hash state every decision id of one policy starts from: SHA-256 after the 64 hex
/// digits of the policy hash, exactly one block, so that each decision id costs one more.
#[derive(Clone)]
pub struct DecisionIdSeed(Sha256);

impl DecisionIdSeed {
    /// The seed of the policy whose hash is `policy_hash` (`sha256:` + 64 hex digits).
    pub fn new(policy_hash: &str) -> DecisionIdSeed {
        let hex = policy_hash.strip_prefix("sha256:").unwrap_or(policy_hash);
        DecisionIdSeed(Sha256::new_with_prefix(hex.as_bytes()))
    }
}

impl fmt::Debug for DecisionIdSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DecisionIdSeed")
    }
}

/// The deterministic ids of one evaluation.
///
/// - `act_` + 24 hex digits of SHA-256(canonical action text);
/// - `dec_` + 24 hex digits of SHA-256(the 64 hex digits of the policy hash, then the 32 bytes
///   of the action's SHA-256, the sequence as a big-endian u64, the timestamp's Unix seconds
///   as a big-endian i64 and its nanoseconds as a big-endian u32): 116 bytes, two blocks, the
///   first of them shared by every decision of the policy.
pub fn evaluation_ids(
    action_text: &str,
    seed: &DecisionIdSeed,
    sequence: u64,
    seconds: i64,
    nanos: u32,
) -> (String, String) {
    let action_digest = Sha256::digest(action_text.as_bytes());
    let mut hasher = seed.0.clone();
    hasher.update(action_digest);
    hasher.update(sequence.to_be_bytes());
    hasher.update(seconds.to_be_bytes());
    hasher.update(nanos.to_be_bytes());
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| json!(f)),
            any::<String>().prop_map(Value::String),
            "[\\x00-\\x20\"\\\\a\u{7f}\u{e9}\u{1f600}]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// The eight-at-a-time search finds the byte a byte-by-byte search finds.
        #[test]
        fn first_to_escape_is_the_first_escaped_byte(bytes in prop::collection::vec(
            prop_oneof![Just(0x1fu8), Just(0x20), Just(b'"'), Just(b'\\'), Just(0x7f), Just(0xa2),
                any::<u8>(), 0x21u8..0x7e, 0x21u8..0x7e, 0x21u8..0x7e],
            0..40,
        )) {
            let want = bytes.iter().position(|b| *b < 0x20 || *b == b'"' || *b == b'\\');
            prop_assert_eq!(first_to_escape(&bytes), want);
        }

        /// The canonical writer produces exactly serde_json's compact bytes for the sorted
        /// value, and the held text serialises back to the same value.
        #[test]
        fn canonical_text_is_serde_jsons_compact_text(v in arb_json()) {
            let text = to_canonical_string(&v);
            prop_assert_eq!(&text, &serde_json::to_string(&v).unwrap());
            let held = CanonicalJson::from_value(&v);
            prop_assert_eq!(serde_json::to_string(&held).unwrap(), text);
            prop_assert_eq!(held.to_value(), v);
        }
    }

    #[test]
    fn control_characters_and_quotes_are_escaped_like_serde_json() {
        let s: String = (0u8..0x20)
            .map(char::from)
            .chain("\"\\\u{7f}é".chars())
            .collect();
        let v = json!({ "k\n": s });
        assert_eq!(to_canonical_string(&v), serde_json::to_string(&v).unwrap());
    }

    #[test]
    fn decision_ids_follow_the_documented_formula() {
        let policy_hash = format!("sha256:{}", "ab".repeat(32));
        let seed = DecisionIdSeed::new(&policy_hash);
        let (act, dec) = evaluation_ids("{\"tool\":\"Read\"}", &seed, 7, 1_795_000_000, 5);
        let action_digest = Sha256::digest(b"{\"tool\":\"Read\"}");
        let mut input = "ab".repeat(32).into_bytes();
        input.extend_from_slice(&action_digest);
        input.extend_from_slice(&7u64.to_be_bytes());
        input.extend_from_slice(&1_795_000_000i64.to_be_bytes());
        input.extend_from_slice(&5u32.to_be_bytes());
        let mut want_dec = String::from("dec_");
        push_hex(&mut want_dec, &Sha256::digest(&input)[..12]);
        let mut want_act = String::from("act_");
        push_hex(&mut want_act, &action_digest[..12]);
        assert_eq!((act, dec), (want_act, want_dec));
    }
}
