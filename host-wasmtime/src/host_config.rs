//! Host configuration that is not policy: the keys of the host. Every native surface (the
//! CLI, the Python and Node modules) applies them the same way to every engine it builds.
//!
//! - The fingerprint key of redacted secrets, so one deployment correlates secrets with one
//!   key: `AGENT_POLICY_FINGERPRINT_KEY` holds the key itself, `AGENT_POLICY_FINGERPRINT_KEY_FILE`
//!   names a file holding it. Without either, the engine's documented default key is used.
//! - The grant key: when set, only approval grants signed with it (HMAC-SHA256) count, and
//!   `agent-policy approve` signs the grants it writes. `AGENT_POLICY_GRANT_KEY` /
//!   `AGENT_POLICY_GRANT_KEY_FILE`. Without either, unsigned grants count.
//!
//! For each key, a file (one trailing newline is ignored) keeps the key out of process
//! listings and shell history. Setting both variables of one key is an error, as is a key
//! shorter than [`MIN_KEY_BYTES`]. Errors give lengths, never keys.

use std::ffi::OsString;
use std::path::Path;

use agent_policy_core::{Engine, Error, ErrorCode};

use crate::error::HostError;

/// The variable holding the fingerprint key.
pub const KEY_VAR: &str = "AGENT_POLICY_FINGERPRINT_KEY";

/// The variable naming a file that holds the fingerprint key.
pub const KEY_FILE_VAR: &str = "AGENT_POLICY_FINGERPRINT_KEY_FILE";

/// The variable holding the grant key.
pub const GRANT_KEY_VAR: &str = "AGENT_POLICY_GRANT_KEY";

/// The variable naming a file that holds the grant key.
pub const GRANT_KEY_FILE_VAR: &str = "AGENT_POLICY_GRANT_KEY_FILE";

/// The shortest key accepted, in bytes: 128 bits.
pub const MIN_KEY_BYTES: usize = 16;

/// One key of the host: its name in messages and its two variables.
struct KeyVars {
    name: &'static str,
    inline: &'static str,
    file: &'static str,
}

const FINGERPRINT: KeyVars = KeyVars {
    name: "fingerprint key",
    inline: KEY_VAR,
    file: KEY_FILE_VAR,
};

const GRANT: KeyVars = KeyVars {
    name: "grant key",
    inline: GRANT_KEY_VAR,
    file: GRANT_KEY_FILE_VAR,
};

/// The fingerprint key the environment configures, if any.
pub fn fingerprint_key_from_env() -> Result<Option<Vec<u8>>, HostError> {
    fingerprint_key(std::env::var_os(KEY_VAR), std::env::var_os(KEY_FILE_VAR))
}

/// The grant key the environment configures, if any.
pub fn grant_key_from_env() -> Result<Option<Vec<u8>>, HostError> {
    grant_key(
        std::env::var_os(GRANT_KEY_VAR),
        std::env::var_os(GRANT_KEY_FILE_VAR),
    )
}

/// `engine` with the host's configuration applied: the fingerprint key and the grant key.
pub fn configure(engine: Engine) -> Result<Engine, HostError> {
    let engine = match fingerprint_key_from_env()? {
        Some(key) => engine.with_fingerprint_key(&key),
        None => engine,
    };
    Ok(match grant_key_from_env()? {
        Some(key) => engine.with_grant_key(&key),
        None => engine,
    })
}

/// The key from the values of [`KEY_VAR`] and [`KEY_FILE_VAR`]; empty values count as unset.
fn fingerprint_key(
    inline: Option<OsString>,
    file: Option<OsString>,
) -> Result<Option<Vec<u8>>, HostError> {
    key_from(&FINGERPRINT, inline, file)
}

/// The key from the values of [`GRANT_KEY_VAR`] and [`GRANT_KEY_FILE_VAR`].
fn grant_key(
    inline: Option<OsString>,
    file: Option<OsString>,
) -> Result<Option<Vec<u8>>, HostError> {
    key_from(&GRANT, inline, file)
}

/// A key from the values of its two variables; empty values count as unset.
fn key_from(
    vars: &KeyVars,
    inline: Option<OsString>,
    file: Option<OsString>,
) -> Result<Option<Vec<u8>>, HostError> {
    let inline = inline.filter(|v| !v.is_empty());
    let file = file.filter(|v| !v.is_empty());
    let key = match (inline, file) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            let (a, b) = (vars.inline, vars.file);
            return Err(bad(
                format!("both {a} and {b} are set"),
                format!("unset one of them; {b} keeps the key out of the environment"),
            ));
        }
        (Some(v), None) => os_bytes(v),
        (None, Some(path)) => {
            let path = Path::new(&path);
            let mut bytes = std::fs::read(path).map_err(|e| HostError::read_path(path, e))?;
            if bytes.last() == Some(&b'\n') {
                bytes.pop();
                if bytes.last() == Some(&b'\r') {
                    bytes.pop();
                }
            }
            bytes
        }
    };
    if key.len() < MIN_KEY_BYTES {
        // The message gives the length, never the key.
        return Err(bad(
            format!(
                "the {} is {} bytes long, shorter than {MIN_KEY_BYTES}",
                vars.name,
                key.len()
            ),
            "use at least 16 random bytes, e.g. the output of `openssl rand -hex 32`",
        ));
    }
    Ok(Some(key))
}

fn bad(message: String, help: impl Into<String>) -> HostError {
    HostError::Core(Error::new(ErrorCode::ConfigBadValue, message).with_help(help))
}

#[cfg(unix)]
fn os_bytes(v: OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    v.into_vec()
}

#[cfg(not(unix))]
fn os_bytes(v: OsString) -> Vec<u8> {
    v.to_string_lossy().into_owned().into_bytes()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn os(s: &str) -> Option<OsString> {
        Some(OsString::from(s))
    }

    #[test]
    fn nothing_set_means_the_default_key() {
        assert_eq!(fingerprint_key(None, None).unwrap(), None);
        assert_eq!(fingerprint_key(os(""), os("")).unwrap(), None);
    }

    #[test]
    fn an_inline_key_is_used_as_is() {
        let key = fingerprint_key(os("0123456789abcdef0123"), None).unwrap();
        assert_eq!(key.as_deref(), Some(&b"0123456789abcdef0123"[..]));
    }

    #[test]
    fn a_key_file_loses_one_trailing_newline() {
        let dir = std::env::temp_dir().join(format!("ap-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("key");
        std::fs::write(&path, "fedcba9876543210fedcba\n").unwrap();
        let key = fingerprint_key(None, Some(path.clone().into_os_string())).unwrap();
        assert_eq!(key.as_deref(), Some(&b"fedcba9876543210fedcba"[..]));
        let missing = fingerprint_key(None, Some(dir.join("nope").into_os_string()));
        assert_eq!(missing.unwrap_err().code(), "io.read");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn short_or_ambiguous_keys_are_refused_without_echoing_them() {
        let short = fingerprint_key(os("hunter2"), None).unwrap_err();
        assert_eq!(short.code(), "config.bad_value");
        assert!(!short.to_string().contains("hunter2"), "{short}");
        let both = fingerprint_key(os("0123456789abcdef0123"), os("/k")).unwrap_err();
        assert_eq!(both.code(), "config.bad_value");
        assert!(!both.to_string().contains("0123456789abcdef"), "{both}");
    }

    #[test]
    fn the_grant_key_follows_the_same_rules_and_names_its_own_variables() {
        assert_eq!(grant_key(None, None).unwrap(), None);
        let key = grant_key(os("grant key of twenty bytes"), None).unwrap();
        assert_eq!(key.as_deref(), Some(&b"grant key of twenty bytes"[..]));
        let short = grant_key(os("short"), None).unwrap_err().to_string();
        assert!(short.contains("grant key is 5 bytes"), "{short}");
        let both = grant_key(os("grant key of twenty bytes"), os("/k"))
            .unwrap_err()
            .to_string();
        assert!(both.contains(GRANT_KEY_FILE_VAR), "{both}");
        assert!(!both.contains(KEY_FILE_VAR), "{both}");
    }
}
