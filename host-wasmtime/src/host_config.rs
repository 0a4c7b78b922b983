//! Host configuration that is not policy: today, the key of the fingerprints of redacted
//! secrets. Every native surface (the CLI, the Python and Node modules) applies it the same way
//! to every engine it builds, so one deployment correlates secrets with one key.
//!
//! `AGENT_POLICY_FINGERPRINT_KEY` holds the key itself; `AGENT_POLICY_FINGERPRINT_KEY_FILE`
//! names a file holding it (one trailing newline is ignored), which keeps the key out of
//! process listings and shell history. Setting both is an error, as is a key shorter than
//! [`MIN_KEY_BYTES`]. Without either, the engine's documented default key is used.

use std::ffi::OsString;
use std::path::Path;

use agent_policy_core::{Engine, Error, ErrorCode};

use crate::error::HostError;

/// The variable holding the fingerprint key.
pub const KEY_VAR: &str = "AGENT_POLICY_FINGERPRINT_KEY";

/// The variable naming a file that holds the fingerprint key.
pub const KEY_FILE_VAR: &str = "AGENT_POLICY_FINGERPRINT_KEY_FILE";

/// The shortest key accepted, in bytes: 128 bits.
pub const MIN_KEY_BYTES: usize = 16;

/// The fingerprint key the environment configures, if any.
pub fn fingerprint_key_from_env() -> Result<Option<Vec<u8>>, HostError> {
    fingerprint_key(std::env::var_os(KEY_VAR), std::env::var_os(KEY_FILE_VAR))
}

/// `engine` with the host's configuration applied.
pub fn configure(engine: Engine) -> Result<Engine, HostError> {
    Ok(match fingerprint_key_from_env()? {
        Some(key) => engine.with_fingerprint_key(&key),
        None => engine,
    })
}

/// The key from the values of [`KEY_VAR`] and [`KEY_FILE_VAR`]; empty values count as unset.
fn fingerprint_key(
    inline: Option<OsString>,
    file: Option<OsString>,
) -> Result<Option<Vec<u8>>, HostError> {
    let inline = inline.filter(|v| !v.is_empty());
    let file = file.filter(|v| !v.is_empty());
    let key = match (inline, file) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(bad(
                format!("both {KEY_VAR} and {KEY_FILE_VAR} are set"),
                format!("unset one of them; {KEY_FILE_VAR} keeps the key out of the environment"),
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
                "the fingerprint key is {} bytes long, shorter than {MIN_KEY_BYTES}",
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
}
