//! Session states in the state directory: one file per session, changed only under the
//! session's lock so that concurrent calls of one session neither lose nor double-count.

use std::path::PathBuf;

use agent_policy_core::session::{STATE_VERSION, SessionState};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::lock::Locked;
use super::{SESSIONS, StateDir, corrupt, hex, json_reason, read_if_exists, write_atomic};
use crate::HostError;

/// The file name (without `.json`) of a session id: the id itself when it is 1 to 64
/// characters of `[A-Za-z0-9._-]`, else `sha256-` + the hex SHA-256 of the id. Neither can
/// name a path outside `sessions/`: no separator survives, and `.` or `..` become `..json`
/// or `...json`, plain file names. The hashed form is 71 characters, so no kept id equals it.
pub fn session_file_stem(id: &str) -> String {
    let plain = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if plain {
        id.to_owned()
    } else {
        format!("sha256-{}", hex(&Sha256::digest(id.as_bytes())))
    }
}

impl StateDir {
    /// The state file of session `id`.
    pub fn session_path(&self, id: &str) -> PathBuf {
        self.sub(SESSIONS)
            .join(format!("{}.json", session_file_stem(id)))
    }

    /// The state of session `id`, `None` when no action was decided in it yet.
    pub fn read_session(&self, id: &str) -> Result<Option<SessionState>, HostError> {
        let path = self.session_path(id);
        read_if_exists(&path)?
            .map(|text| parse_state(&path, &text))
            .transpose()
    }

    /// Runs `change` on the state of session `id` (a new state when there is none) under the
    /// session's exclusive lock, and stores the changed state atomically when `change`
    /// succeeds; on an error nothing is stored. Concurrent callers, in any process, are
    /// serialised.
    pub fn update_session<R>(
        &self,
        id: &str,
        change: impl FnOnce(&mut SessionState) -> Result<R, HostError>,
    ) -> Result<R, HostError> {
        let stem = session_file_stem(id);
        let dir = self.sub(SESSIONS);
        let _lock = Locked::exclusive(&dir.join(format!("{stem}.lock")))?;
        let path = dir.join(format!("{stem}.json"));
        let mut state = match read_if_exists(&path)? {
            Some(text) => parse_state(&path, &text)?,
            None => SessionState::new(),
        };
        let result = change(&mut state)?;
        let mut text = serde_json::to_string_pretty(&state).map_err(|e| {
            HostError::Core(agent_policy_core::Error::new(
                agent_policy_core::ErrorCode::Internal,
                format!("the session state does not serialise: {e}"),
            ))
        })?;
        text.push('\n');
        write_atomic(&dir, &format!("{stem}.json"), text.as_bytes())?;
        Ok(result)
    }
}

/// Reads a state file strictly: valid JSON, `version` [`STATE_VERSION`], no unknown field.
fn parse_state(path: &std::path::Path, text: &str) -> Result<SessionState, HostError> {
    const WHAT: &str = "session state";
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| corrupt(path, WHAT, json_reason(&e)))?;
    match value.get("version") {
        Some(v) if v.as_u64() == Some(u64::from(STATE_VERSION)) => {}
        Some(v) => {
            return Err(corrupt(
                path,
                WHAT,
                format!(
                    "its version is {v}; this agent-policy reads version {STATE_VERSION} \
                     (a state written by another release)"
                ),
            ));
        }
        None => return Err(corrupt(path, WHAT, "it has no \"version\"")),
    }
    SessionState::deserialize(&value).map_err(|e| corrupt(path, WHAT, e))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::tests::temp_dir;
    use super::*;

    #[test]
    fn safe_ids_are_kept_and_every_other_id_is_hashed() {
        assert_eq!(session_file_stem("sess-42_a.b"), "sess-42_a.b");
        assert_eq!(session_file_stem(&"a".repeat(64)), "a".repeat(64));
        for id in [
            "",
            "../../etc/passwd",
            "a/b",
            "a\\b",
            "é",
            " ",
            &"a".repeat(65),
        ] {
            let stem = session_file_stem(id);
            assert!(stem.starts_with("sha256-"), "{id:?} -> {stem}");
            assert_eq!(stem.len(), 71);
        }
        assert_ne!(session_file_stem("a/b"), session_file_stem("a\\b"));
    }

    #[test]
    fn updates_persist_and_failed_updates_change_nothing() {
        let root = temp_dir("sessions");
        let dir = StateDir::open(&root).unwrap();
        assert!(dir.read_session("s").unwrap().is_none());
        dir.update_session("s", |s| {
            s.record_turn(5);
            Ok(())
        })
        .unwrap();
        let failed: Result<(), HostError> = dir.update_session("s", |s| {
            s.record_turn(100);
            Err(HostError::Core(agent_policy_core::Error::new(
                agent_policy_core::ErrorCode::Internal,
                "stop",
            )))
        });
        assert!(failed.is_err());
        let state = dir.read_session("s").unwrap().unwrap();
        assert_eq!((state.turns, state.tokens), (1, 5));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn corrupt_or_future_states_are_errors_naming_the_file() {
        let root = temp_dir("corrupt");
        let dir = StateDir::open(&root).unwrap();
        let path = dir.session_path("s");
        for text in [
            "{not json",
            r#"{"version": 2, "actions": 1}"#,
            r#"{"actions": 1}"#,
            r#"{"version": 1, "tool_call": 1}"#,
        ] {
            std::fs::write(&path, text).unwrap();
            let e = dir.update_session("s", |_| Ok(())).unwrap_err();
            assert!(e.to_string().contains(&path.display().to_string()), "{e}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        }
        std::fs::remove_dir_all(&root).unwrap();
    }
}
