//! Built-in rule packs, written in the policy format itself and parsed by the same parser, so
//! a pack can be read, diffed and reviewed like any policy.

use crate::policy::{PolicyDoc, decode, source};

/// The names `extends` may use.
pub const NAMES: &[&str] = &["defaults/coding-agent"];

const CODING_AGENT: &str = include_str!("coding_agent.yml");

/// The text of a built-in pack.
pub fn text(name: &str) -> Option<&'static str> {
    match name {
        "defaults/coding-agent" => Some(CODING_AGENT),
        _ => None,
    }
}

/// The decoded document of a built-in pack, its origin set to the pack name.
pub fn load(name: &str) -> Option<PolicyDoc> {
    let text = text(name)?;
    // INVARIANT: the built-in packs parse and decode; a unit test holds every pack to it.
    let node = source::parse(text, name).ok()?;
    decode::decode(&node, name).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn every_pack_parses_and_decodes() {
        for name in NAMES {
            let text = text(name).unwrap();
            let node = source::parse(text, name).unwrap_or_else(|e| panic!("{e}"));
            let doc = decode::decode(&node, name).unwrap_or_else(|e| panic!("{e}"));
            assert!(!doc.rules.is_empty(), "{name} has rules");
        }
    }

    #[test]
    fn every_pack_rule_passes_its_examples() {
        // Loading skips the packs' examples; this is where they are held to.
        let engine = crate::Engine::defaults();
        assert!(engine.rule_count() > 0);
        engine.check_pack_examples().unwrap_or_else(|e| {
            panic!(
                "{}",
                e.all()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
    }
}
