//! Bypass records in the state directory: `bypasses/<id>.json`, one record per file. The id is
//! derived from the record and the time it was granted, so the same request made twice gives
//! the same record, and a record cannot be renamed unnoticed.

use std::path::{Path, PathBuf};

use agent_policy_core::CanonicalJson;
use agent_policy_core::session::Bypass;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::lock::Locked;
use super::{
    BYPASSES, DIR_LOCK, StateDir, corrupt, hex, is_active, json_reason, record_files, write_atomic,
};
use crate::HostError;

/// The id of a bypass record: `byp_` + the first 10 hex digits of SHA-256 over the canonical
/// JSON of `{"allow", "approver", "expires_at", "now", "reason"}`.
pub fn bypass_id(
    reason: &str,
    approver: &str,
    allow: &[String],
    expires_at: &str,
    now: &str,
) -> String {
    let canonical = CanonicalJson::from_value(&serde_json::json!({
        "allow": allow,
        "approver": approver,
        "expires_at": expires_at,
        "now": now,
        "reason": reason,
    }));
    let digest = hex(&Sha256::digest(canonical.as_str().as_bytes()));
    format!("byp_{}", digest.get(..10).unwrap_or(&digest))
}

/// Checks a record before it is stored or used: [`Bypass::validate`] of the whole record,
/// then of each `allow` entry on its own. The engine compiles a record's path globs together,
/// so one bad glob next to a good command pattern passes a check of the whole record alone
/// and silently disables every glob of it; checking each entry refuses it, naming it.
pub fn validate_bypass(record: &Bypass) -> Result<(), agent_policy_core::Error> {
    record.validate()?;
    for pattern in &record.allow {
        let single = Bypass::new(
            &record.id,
            &record.reason,
            &record.approver,
            vec![pattern.clone()],
            &record.expires_at,
        );
        single.validate().map_err(|e| {
            agent_policy_core::Error::new(
                e.code,
                format!("'{pattern}' is neither a path glob nor a command pattern"),
            )
            .with_help(
                "write a glob such as `config/auth/**` or a command such as `git push --force`",
            )
        })?;
    }
    Ok(())
}

/// Whether `id` has the shape [`bypass_id`] gives.
fn is_bypass_id(id: &str) -> bool {
    id.strip_prefix("byp_").is_some_and(|hex| {
        hex.len() == 10
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

impl StateDir {
    /// Validates a record ([`validate_bypass`]) and stores it as `bypasses/<id>.json`;
    /// returns its path. Storing the same record again changes nothing.
    pub fn add_bypass(&self, record: &Bypass) -> Result<PathBuf, HostError> {
        validate_bypass(record)?;
        if !is_bypass_id(&record.id) {
            return Err(HostError::Core(agent_policy_core::Error::new(
                agent_policy_core::ErrorCode::ActionBadValue,
                format!("'{}' is not a bypass id (byp_ + 10 hex digits)", record.id),
            )));
        }
        let dir = self.sub(BYPASSES);
        let _lock = Locked::exclusive(&dir.join(DIR_LOCK))?;
        let name = format!("{}.json", record.id);
        let mut text = serde_json::to_string_pretty(record).unwrap_or_default();
        text.push('\n');
        write_atomic(&dir, &name, text.as_bytes())?;
        Ok(dir.join(name))
    }

    /// Every stored record, sorted by expiry then id. A file that is not a valid record is
    /// an error naming it.
    pub fn bypasses(&self) -> Result<Vec<Bypass>, HostError> {
        let mut records = Vec::new();
        for (name, path) in record_files(&self.sub(BYPASSES))? {
            records.push(read_bypass(&name, &path)?);
        }
        records.sort_by_cached_key(|b| {
            (
                chrono::DateTime::parse_from_rfc3339(&b.expires_at)
                    .map(|t| t.timestamp())
                    .unwrap_or(i64::MAX),
                b.id.clone(),
            )
        });
        Ok(records)
    }

    /// The records that still count at `now`: what a check presents to the engine.
    pub fn active_bypasses(&self, now: &str) -> Result<Vec<Bypass>, HostError> {
        let mut records = self.bypasses()?;
        records.retain(|b| is_active(&b.expires_at, now));
        Ok(records)
    }
}

fn read_bypass(name: &str, path: &Path) -> Result<Bypass, HostError> {
    const WHAT: &str = "bypass record";
    let text = std::fs::read_to_string(path).map_err(|e| HostError::read_path(path, e))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| corrupt(path, WHAT, json_reason(&e)))?;
    let record = Bypass::deserialize(&value).map_err(|e| corrupt(path, WHAT, e))?;
    if name != format!("{}.json", record.id) {
        return Err(corrupt(
            path,
            WHAT,
            format!("its id '{}' does not match its file name", record.id),
        ));
    }
    validate_bypass(&record).map_err(|e| corrupt(path, WHAT, e.message))?;
    Ok(record)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::tests::temp_dir;
    use super::*;

    #[test]
    fn ids_are_deterministic_and_cover_every_field() {
        let allow = vec!["src/**".to_owned()];
        let id = bypass_id(
            "r",
            "a",
            &allow,
            "2026-11-22T11:00:00Z",
            "2026-11-22T10:00:00Z",
        );
        assert!(is_bypass_id(&id), "{id}");
        assert_eq!(
            id,
            bypass_id(
                "r",
                "a",
                &allow,
                "2026-11-22T11:00:00Z",
                "2026-11-22T10:00:00Z"
            )
        );
        for other in [
            bypass_id(
                "r2",
                "a",
                &allow,
                "2026-11-22T11:00:00Z",
                "2026-11-22T10:00:00Z",
            ),
            bypass_id(
                "r",
                "b",
                &allow,
                "2026-11-22T11:00:00Z",
                "2026-11-22T10:00:00Z",
            ),
            bypass_id(
                "r",
                "a",
                &[],
                "2026-11-22T11:00:00Z",
                "2026-11-22T10:00:00Z",
            ),
            bypass_id(
                "r",
                "a",
                &allow,
                "2026-11-22T11:00:01Z",
                "2026-11-22T10:00:00Z",
            ),
            bypass_id(
                "r",
                "a",
                &allow,
                "2026-11-22T11:00:00Z",
                "2026-11-22T10:00:01Z",
            ),
        ] {
            assert_ne!(id, other);
        }
    }

    #[test]
    fn one_bad_glob_among_good_entries_is_refused_by_name() {
        let record = |allow: &[&str]| {
            Bypass::new(
                "byp_0123456789",
                "r",
                "a",
                allow.iter().map(|p| (*p).to_owned()).collect(),
                "2026-11-22T11:00:00Z",
            )
        };
        assert!(validate_bypass(&record(&["locked/**", "git push --force"])).is_ok());
        let e = validate_bypass(&record(&["locked/**", "x/["])).unwrap_err();
        assert!(e.message.contains("'x/['"), "{e}");
    }

    #[test]
    fn records_are_stored_read_back_and_checked() {
        let root = temp_dir("bypasses");
        let dir = StateDir::open(&root).unwrap();
        let allow = vec!["locked/**".to_owned()];
        let id = bypass_id(
            "r",
            "a",
            &allow,
            "2026-11-22T11:00:00Z",
            "2026-11-22T10:00:00Z",
        );
        let record = Bypass::new(&id, "r", "a", allow, "2026-11-22T11:00:00Z");
        dir.add_bypass(&record).unwrap();
        assert_eq!(dir.bypasses().unwrap(), std::slice::from_ref(&record));
        assert!(
            dir.active_bypasses("2026-11-22T11:00:00Z")
                .unwrap()
                .is_empty()
        );
        let renamed = root.join("bypasses").join("byp_0000000000.json");
        std::fs::copy(root.join("bypasses").join(format!("{id}.json")), &renamed).unwrap();
        assert!(
            dir.bypasses()
                .unwrap_err()
                .to_string()
                .contains("byp_0000000000.json")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
