//! `agent-policy approve FINGERPRINT --role ROLE --approver NAME --ttl 1h`: store an approval
//! grant for one `require_approval` decision in the state directory. The next check of the
//! same action with that state directory is allowed, until the grant expires.

use std::path::PathBuf;

use agent_policy_core::session::Grant;
use agent_policy_host::state::{self, MAX_SECONDS};
use agent_policy_host::{clock, exit_code, host_config};
use clap::Args;

use super::session::state_dir;
use super::{Failure, Ui};

/// Arguments of `approve`.
#[derive(Debug, Args)]
pub(super) struct ApproveArgs {
    /// The `approval_request.fingerprint` of the decision to approve: apr_ + 24 hex digits.
    #[arg(value_name = "FINGERPRINT")]
    fingerprint: String,
    /// The role the approver acts in: the decision's `approval_request.approver_role`.
    #[arg(long, value_name = "ROLE")]
    role: String,
    /// Who approves (a name or an email address).
    #[arg(long, value_name = "NAME")]
    approver: String,
    /// How long the grant counts: 30s, 15m, 1h, 2d, 1h30m (at most 30d).
    #[arg(long, value_name = "DURATION")]
    ttl: String,
    /// The state directory (default: $AGENT_POLICY_STATE_DIR).
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// The time of the approval, RFC 3339 (default: the system clock, UTC).
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
}

/// Stores the grant (signed when a grant key is configured) and prints it as one line of
/// JSON.
pub(super) fn run(args: &ApproveArgs, ui: &mut Ui) -> Result<i32, Failure> {
    if !state::is_fingerprint(&args.fingerprint) {
        return Err(Failure::usage(
            format!("'{}' is not an approval fingerprint", args.fingerprint),
            "copy `approval_request.fingerprint` from the require_approval decision: apr_ and \
             24 hex digits, e.g. apr_0123456789abcdef01234567",
        ));
    }
    non_empty(
        &args.role,
        "--role",
        "the approver role the decision asks for",
    )?;
    non_empty(
        &args.approver,
        "--approver",
        "who approves, e.g. alice@example.com",
    )?;
    let seconds = duration(&args.ttl, "--ttl")?;
    if let Some(now) = &args.now {
        clock::check_timestamp(now, "--now")?;
    }
    let now = clock::resolve(None, args.now.as_deref());
    let expires_at = expires(&now, seconds)?;
    let key = host_config::grant_key_from_env()?;
    let dir = state_dir(args.state_dir.as_ref(), "approve")?;
    let mut grant = Grant::new(&args.fingerprint, &args.role, &args.approver, expires_at);
    if let Some(key) = &key {
        grant.sign(key);
    }
    dir.add_grant(&grant)?;
    ui.line(&serde_json::to_string(&grant).unwrap_or_default())?;
    Ok(exit_code::OK)
}

/// A usage error when `value` is empty or blank.
pub(super) fn non_empty(value: &str, option: &str, help: &str) -> Result<(), Failure> {
    if value.trim().is_empty() {
        return Err(Failure::usage(format!("{option} is empty"), help));
    }
    Ok(())
}

/// A duration option in seconds, or a usage error saying what is wrong.
pub(super) fn duration(text: &str, option: &str) -> Result<u64, Failure> {
    state::parse_duration(text).map_err(|why| {
        Failure::usage(
            format!("{option}: {why}"),
            format!(
                "durations are like 30s, 15m, 1h, 2d or 1h30m, from 1s to {}d",
                MAX_SECONDS / 86_400
            ),
        )
    })
}

/// `now` + `seconds` in RFC 3339 UTC.
pub(super) fn expires(now: &str, seconds: u64) -> Result<String, Failure> {
    state::expiry(now, seconds).ok_or_else(|| {
        Failure::usage(
            "the expiry is out of range",
            "pass a --now between the years 1 and 9999",
        )
    })
}
