//! Fingerprints of redacted secrets: a keyed hash (HMAC-SHA256) that lets equal secrets be
//! correlated across decisions and logs without letting anyone who reads the logs recover or
//! confirm a guessed secret, unless they also hold the key.
//!
//! The key belongs to the host (the CLI and the Python and Node modules read
//! `AGENT_POLICY_FINGERPRINT_KEY`); without one, [`DEFAULT_KEY`] is used, so every surface gives
//! the same fingerprint for the same secret. With the public default key a fingerprint only
//! resists guessing as well as an unkeyed hash does: deployments that ship decisions or audit
//! logs to people who must not test guesses set their own key.

use std::fmt;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The documented default key: public, so fingerprints agree across hosts that set none.
pub const DEFAULT_KEY: &[u8] = b"agent-policy/fingerprint/v1";

/// Prefix of every fingerprint: names the algorithm so a reader knows how it was made.
const PREFIX: &str = "hmac-sha256:";

/// Hex digits kept of the MAC (64 bits): plenty to correlate, short enough to read.
const HEX_DIGITS: usize = 16;

/// A fingerprint key, with the HMAC state after the key already absorbed (so each
/// fingerprint costs two SHA-256 blocks, not four).
#[derive(Clone)]
pub struct FingerprintKey {
    mac: Hmac<Sha256>,
    /// Whether this is [`DEFAULT_KEY`].
    default: bool,
}

impl fmt::Debug for FingerprintKey {
    // Never prints the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FingerprintKey")
            .field("default", &self.default)
            .finish_non_exhaustive()
    }
}

impl Default for FingerprintKey {
    fn default() -> FingerprintKey {
        FingerprintKey::keyed(DEFAULT_KEY, true)
    }
}

impl FingerprintKey {
    /// A key from its bytes. HMAC accepts a key of any length (longer than 64 bytes it is
    /// hashed first); the host decides what it accepts.
    pub fn new(key: &[u8]) -> FingerprintKey {
        FingerprintKey::keyed(key, key == DEFAULT_KEY)
    }

    fn keyed(key: &[u8], default: bool) -> FingerprintKey {
        // HMAC's own key preparation (RFC 2104): a key longer than the 64-byte block is
        // hashed first, then the key is zero-padded to the block. Done here so that building
        // the MAC from a full block cannot fail.
        let mut block = hmac::digest::Key::<Hmac<Sha256>>::default();
        if key.len() > block.len() {
            let digest = Sha256::digest(key);
            for (slot, b) in block.iter_mut().zip(digest.iter()) {
                *slot = *b;
            }
        } else {
            for (slot, b) in block.iter_mut().zip(key) {
                *slot = *b;
            }
        }
        let mac = <Hmac<Sha256> as KeyInit>::new(&block);
        FingerprintKey { mac, default }
    }

    /// Whether this is the public default key.
    pub fn is_default(&self) -> bool {
        self.default
    }

    /// `hmac-sha256:` + the first 16 hex digits of HMAC-SHA256(key, secret).
    pub fn fingerprint(&self, secret: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(secret.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = String::with_capacity(PREFIX.len() + HEX_DIGITS);
        out.push_str(PREFIX);
        for b in digest.iter().take(HEX_DIGITS / 2) {
            push_hex(&mut out, *b);
        }
        out
    }
}

/// Appends the two lowercase hex digits of `b`.
fn push_hex(out: &mut String, b: u8) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for nibble in [b >> 4, b & 0x0f] {
        if let Some(&d) = DIGITS.get(usize::from(nibble)) {
            out.push(char::from(d));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_4231_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let fp = FingerprintKey::new(b"Jefe").fingerprint("what do ya want for nothing?");
        assert_eq!(fp, "hmac-sha256:5bdcc146bf60754e");
    }

    #[test]
    fn the_key_changes_the_fingerprint_and_equal_secrets_agree() {
        let default = FingerprintKey::default();
        let other = FingerprintKey::new(b"a host key of 32 bytes or more..");
        let secret = "correct horse battery staple";
        assert_eq!(default.fingerprint(secret), default.fingerprint(secret));
        assert_ne!(default.fingerprint(secret), other.fingerprint(secret));
        assert!(default.is_default() && !other.is_default());
        assert!(FingerprintKey::new(DEFAULT_KEY).is_default());
    }

    #[test]
    fn long_keys_are_hashed_first_as_rfc_4231_says() {
        // RFC 4231 test case 6: a 131-byte key of 0xaa.
        let fp = FingerprintKey::new(&[0xaa; 131])
            .fingerprint("Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(fp, "hmac-sha256:60e431591ee0b67f");
    }

    #[test]
    fn debug_output_hides_the_key() {
        let key = FingerprintKey::new(b"super-secret-host-key");
        assert!(!format!("{key:?}").contains("super-secret"));
    }
}
