//! Approval grants in the state directory: `grants/<fingerprint>.<n>.json`, one grant per
//! file, never rewritten. Expired grants stay (for `approvals list`) but are not presented
//! to the engine.

use std::path::{Path, PathBuf};

use agent_policy_core::session::Grant;
use serde::Deserialize;

use super::lock::Locked;
use super::{
    DIR_LOCK, GRANTS, StateDir, corrupt, is_active, json_reason, record_files, write_atomic,
};
use crate::HostError;

/// Whether `text` looks like an approval fingerprint: `apr_` and 24 lowercase hex digits.
pub fn is_fingerprint(text: &str) -> bool {
    text.strip_prefix("apr_").is_some_and(|hex| {
        hex.len() == 24
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

impl StateDir {
    /// Stores a grant as the next `grants/<fingerprint>.<n>.json`; returns its path.
    pub fn add_grant(&self, grant: &Grant) -> Result<PathBuf, HostError> {
        let dir = self.sub(GRANTS);
        let _lock = Locked::exclusive(&dir.join(DIR_LOCK))?;
        let prefix = format!("{}.", grant.fingerprint);
        let last = record_files(&dir)?
            .iter()
            .filter_map(|(name, _)| {
                name.strip_prefix(&prefix)?
                    .strip_suffix(".json")?
                    .parse::<u64>()
                    .ok()
            })
            .max()
            .unwrap_or(0);
        let name = format!("{prefix}{}.json", last.saturating_add(1));
        let mut text = serde_json::to_string_pretty(grant).unwrap_or_default();
        text.push('\n');
        write_atomic(&dir, &name, text.as_bytes())?;
        Ok(dir.join(name))
    }

    /// Every stored grant, expired or not, sorted by expiry (then fingerprint, role and
    /// approver). A file that is not a valid grant is an error naming it.
    pub fn grants(&self) -> Result<Vec<Grant>, HostError> {
        let mut grants = Vec::new();
        for (name, path) in record_files(&self.sub(GRANTS))? {
            grants.push(read_grant(&name, &path)?);
        }
        grants.sort_by_cached_key(|g| {
            (
                chrono::DateTime::parse_from_rfc3339(&g.expires_at)
                    .map(|t| t.timestamp())
                    .unwrap_or(i64::MAX),
                g.fingerprint.clone(),
                g.role.clone(),
                g.approver.clone(),
            )
        });
        Ok(grants)
    }

    /// The grants that still count at `now`: what a check presents to the engine.
    pub fn active_grants(&self, now: &str) -> Result<Vec<Grant>, HostError> {
        let mut grants = self.grants()?;
        grants.retain(|g| is_active(&g.expires_at, now));
        Ok(grants)
    }
}

fn read_grant(name: &str, path: &Path) -> Result<Grant, HostError> {
    const WHAT: &str = "approval grant";
    let text = std::fs::read_to_string(path).map_err(|e| HostError::read_path(path, e))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| corrupt(path, WHAT, json_reason(&e)))?;
    let grant = Grant::deserialize(&value).map_err(|e| corrupt(path, WHAT, e))?;
    if !name.starts_with(&format!("{}.", grant.fingerprint)) || !is_fingerprint(&grant.fingerprint)
    {
        return Err(corrupt(
            path,
            WHAT,
            format!(
                "its fingerprint '{}' does not match its file name",
                grant.fingerprint
            ),
        ));
    }
    if chrono::DateTime::parse_from_rfc3339(&grant.expires_at).is_err() {
        return Err(corrupt(
            path,
            WHAT,
            "its expires_at is not an rfc 3339 timestamp",
        ));
    }
    Ok(grant)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::super::tests::temp_dir;
    use super::*;

    const FP: &str = "apr_0123456789abcdef01234567";

    #[test]
    fn fingerprints_have_one_shape() {
        assert!(is_fingerprint(FP));
        for bad in [
            "apr_0123456789abcdef0123456",
            "apr_0123456789ABCDEF01234567",
            "0123456789abcdef01234567",
            "apr_0123456789abcdef0123456g",
            "apr_../../0123456789abcdef0",
        ] {
            assert!(!is_fingerprint(bad), "{bad}");
        }
    }

    #[test]
    fn grants_accumulate_sorted_by_expiry_and_expired_ones_are_not_active() {
        let root = temp_dir("grants");
        let dir = StateDir::open(&root).unwrap();
        let late = Grant::new(FP, "lead", "alice", "2026-11-22T12:00:00Z");
        let early = Grant::new(FP, "lead", "bob", "2026-11-22T11:00:00Z");
        assert!(
            dir.add_grant(&late)
                .unwrap()
                .ends_with(format!("{FP}.1.json"))
        );
        assert!(
            dir.add_grant(&early)
                .unwrap()
                .ends_with(format!("{FP}.2.json"))
        );
        let all = dir.grants().unwrap();
        assert_eq!(all, [early.clone(), late.clone()]);
        assert_eq!(dir.active_grants("2026-11-22T11:30:00Z").unwrap(), [late]);
        std::fs::write(root.join("grants").join(format!("{FP}.3.json")), "{}").unwrap();
        let e = dir.grants().unwrap_err().to_string();
        assert!(e.contains(&format!("{FP}.3.json")), "{e}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
